package shopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// VerifyWebhook reports whether signature, the X-Shopify-Hmac-Sha256 header,
// is the base64 HMAC-SHA256 of the raw body under secret (the app's client
// secret). The comparison is constant time. An empty secret verifies nothing:
// it would let anyone sign.
func VerifyWebhook(secret, body []byte, signature string) bool {
	if len(secret) == 0 || signature == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, mac(secret, body))
}

// Sign returns the X-Shopify-Hmac-Sha256 value Shopify would send for body.
func Sign(secret, body []byte) string {
	return base64.StdEncoding.EncodeToString(mac(secret, body))
}

func mac(secret, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	return h.Sum(nil)
}
