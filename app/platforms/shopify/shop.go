package shopify

import (
	"fmt"
	"regexp"
	"strings"
)

// shopPattern is the only shape of shop domain we will ever send a token to.
var shopPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$`)

// ValidateShop checks that shop is a bare NAME.myshopify.com domain (no scheme,
// port, path or other host). It must pass before any request is built, because
// the shop decides where the access token is sent.
func ValidateShop(shop string) error {
	if !shopPattern.MatchString(strings.ToLower(shop)) {
		return fmt.Errorf("invalid shop domain %q: want NAME.myshopify.com", shop)
	}
	return nil
}
