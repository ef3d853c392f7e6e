package bigcommerce

import (
	"fmt"
	"strings"
)

// maxStoreHashLen bounds a store hash. Real ones are 6 to 10 characters
// ("g5cd38", "z4zn3wo", "8jbhprizry"); the bound only keeps junk out.
const maxStoreHashLen = 32

// ValidateStoreHash accepts a BigCommerce store hash: a short run of
// lowercase letters and digits. It goes into request paths, so anything else
// ("../", "%2F", upper case, spaces) is refused before a URL is built.
func ValidateStoreHash(hash string) error {
	if hash == "" {
		return fmt.Errorf("store hash is empty")
	}
	if len(hash) > maxStoreHashLen {
		return fmt.Errorf("store hash %.40q is longer than %d characters", hash, maxStoreHashLen)
	}
	for i := 0; i < len(hash); i++ {
		c := hash[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return fmt.Errorf("store hash %q: want lowercase letters and digits only", hash)
		}
	}
	return nil
}

// StoreHashFromContext reads the hash out of "stores/HASH", the form of the
// auth callback's context, the signed payload's sub and a webhook's producer.
func StoreHashFromContext(s string) (string, error) {
	hash, ok := strings.CutPrefix(s, "stores/")
	if !ok {
		return "", fmt.Errorf("store context %.60q: want stores/HASH", s)
	}
	if err := ValidateStoreHash(hash); err != nil {
		return "", fmt.Errorf("store context: %w", err)
	}
	return hash, nil
}
