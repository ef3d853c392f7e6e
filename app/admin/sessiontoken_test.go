package admin_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/admin"
)

func TestSessionTokens(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tokens := &admin.SessionTokens{Key: []byte("k1"), TTL: time.Hour, Now: func() time.Time { return now }}
	tok, err := tokens.Issue("bigcommerce", "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if !admin.IsSessionToken(tok) {
		t.Fatalf("%q not recognised as a session token", tok)
	}
	p, s, err := tokens.Verify(tok)
	if err != nil || p != "bigcommerce" || s != "abc123" {
		t.Fatalf("Verify = %q %q %v", p, s, err)
	}
	other := &admin.SessionTokens{Key: []byte("k2"), Now: tokens.Now}
	forged := tok[:len(tok)-2] + "AA"
	for name, bad := range map[string]func() error{
		"other key":  func() error { _, _, err := other.Verify(tok); return err },
		"forged sig": func() error { _, _, err := tokens.Verify(forged); return err },
		"shopify jwt": func() error {
			_, _, err := tokens.Verify("eyJhbGciOiJIUzI1NiJ9.e30.sig")
			return err
		},
		"payload swapped": func() error {
			parts := strings.SplitN(strings.TrimPrefix(tok, "cs1."), ".", 2)
			_, _, err := tokens.Verify("cs1.eyJwIjoic2hvcGlmeSJ9." + parts[1])
			return err
		},
	} {
		if err := bad(); !errors.Is(err, admin.ErrInvalidSession) {
			t.Errorf("%s: err = %v, want ErrInvalidSession", name, err)
		}
	}
	now = now.Add(time.Hour + time.Second)
	if _, _, err := tokens.Verify(tok); !errors.Is(err, admin.ErrInvalidSession) {
		t.Errorf("expired token: err = %v", err)
	}
}
