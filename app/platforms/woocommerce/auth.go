package woocommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/consign/consign/app/platforms/jsontext"
)

// AuthorizePath is WooCommerce's app authorization endpoint.
const AuthorizePath = "/wc-auth/v1/authorize"

// AuthorizeURL is where to send the merchant to grant Consign an API key:
// storeURL (normalised) + /wc-auth/v1/authorize with read_write scope.
// userID is Consign's own reference for the connection; WooCommerce hands it
// back in the key grant and on return_url (?success=1&user_id=...).
// callbackURL receives the keys by POST and must answer exactly 200; it
// should be HTTPS.
func AuthorizeURL(storeURL, appName, userID, returnURL, callbackURL string) string {
	q := url.Values{}
	q.Set("app_name", appName)
	q.Set("scope", "read_write")
	q.Set("user_id", userID)
	q.Set("return_url", returnURL)
	q.Set("callback_url", callbackURL)
	return strings.TrimRight(storeURL, "/") + AuthorizePath + "?" + q.Encode()
}

// KeyGrant is the JSON WooCommerce POSTs to the callback URL once the merchant
// approves. The keys are sent this once and never again.
type KeyGrant struct {
	KeyID          int64
	UserID         string // the user_id given to AuthorizeURL
	ConsumerKey    string // ck_...
	ConsumerSecret string // cs_...
	KeyPermissions string // "read_write"
}

// ParseKeyGrant reads the callback body and checks it is a read_write key.
// user_id arrives as a string (WooCommerce echoes the query parameter); the
// docs show a number; both are accepted.
func ParseKeyGrant(body []byte) (KeyGrant, error) {
	var p struct {
		KeyID          json.RawMessage `json:"key_id"`
		UserID         json.RawMessage `json:"user_id"`
		ConsumerKey    string          `json:"consumer_key"`
		ConsumerSecret string          `json:"consumer_secret"`
		KeyPermissions string          `json:"key_permissions"`
	}
	if err := decodeObject(body, &p); err != nil {
		return KeyGrant{}, fmt.Errorf("woocommerce key grant: %w", err)
	}
	g := KeyGrant{
		ConsumerKey:    strings.TrimSpace(p.ConsumerKey),
		ConsumerSecret: strings.TrimSpace(p.ConsumerSecret),
		KeyPermissions: strings.TrimSpace(p.KeyPermissions),
	}
	var err error
	if g.KeyID, err = parseID("key_id", p.KeyID); err != nil {
		return KeyGrant{}, fmt.Errorf("woocommerce key grant: %w", err)
	}
	if g.UserID, err = jsontext.Text("user_id", p.UserID); err != nil {
		return KeyGrant{}, fmt.Errorf("woocommerce key grant: %w", err)
	}
	switch {
	case g.UserID == "":
		err = errors.New("user_id is missing")
	case g.ConsumerKey == "" || g.ConsumerSecret == "":
		err = errors.New("consumer_key or consumer_secret is missing")
	case g.KeyPermissions != "read_write":
		err = fmt.Errorf("key_permissions is %q, want read_write: Consign reads orders and writes tracking", g.KeyPermissions)
	}
	if err != nil {
		return KeyGrant{}, fmt.Errorf("woocommerce key grant: %w", err)
	}
	return g, nil
}
