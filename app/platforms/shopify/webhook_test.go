package shopify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/consign/consign/app/platforms/shopify"
)

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	secret := []byte("app-client-secret")
	body := []byte(`{"id":820982911946154508,"name":"#9999"}`)
	good := shopify.Sign(secret, body)

	// Sign must agree with an independent computation of Shopify's header.
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	if want := base64.StdEncoding.EncodeToString(h.Sum(nil)); good != want {
		t.Fatalf("Sign = %q, want %q", good, want)
	}
	short := base64.StdEncoding.EncodeToString(h.Sum(nil)[:16])
	long := base64.StdEncoding.EncodeToString(append(h.Sum(nil), 0))

	tests := []struct {
		name      string
		secret    []byte
		body      []byte
		signature string
		want      bool
	}{
		{"good", secret, body, good, true},
		{"body changed", secret, []byte(`{"id":820982911946154508,"name":"#9998"}`), good, false},
		{"other secret", []byte("another-secret"), body, good, false},
		{"forged", secret, body, shopify.Sign([]byte("guess"), body), false},
		{"missing", secret, body, "", false},
		{"not base64", secret, body, "not*base64!", false},
		{"hex instead of base64", secret, body, "3f2a", false},
		{"truncated", secret, body, short, false},
		{"too long", secret, body, long, false},
		{"url-safe alphabet", secret, body, base64.URLEncoding.EncodeToString([]byte("x")), false},
		{"empty secret", nil, body, shopify.Sign(nil, body), false},
	}
	for _, tt := range tests {
		if got := shopify.VerifyWebhook(tt.secret, tt.body, tt.signature); got != tt.want {
			t.Errorf("%s: VerifyWebhook = %v, want %v", tt.name, got, tt.want)
		}
	}
}
