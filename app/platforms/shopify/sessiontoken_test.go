package shopify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/shopify"
)

// handToken builds a JWT from raw header and claims JSON, independently of
// the code under test.
func handToken(secret, header, claims string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(m.Sum(nil))
}

func TestVerifySessionToken(t *testing.T) {
	t.Parallel()
	const secret, key = "app-secret", "app-key"
	now := time.Unix(1_800_000_000, 0)
	hs256 := `{"alg":"HS256","typ":"JWT"}`
	claims := func(extra string) string {
		c := `{"iss":"https://shop-1.myshopify.com/admin","dest":"https://shop-1.myshopify.com","aud":"app-key",` +
			`"sub":"42","exp":1800000060,"nbf":1799999990,"iat":1799999990,"jti":"j","sid":"s"`
		if extra != "" {
			c += "," + extra
		}
		return c + "}"
	}
	good := handToken(secret, hs256, claims(""))
	tampered := strings.Split(good, ".")
	tampered[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(claims(""), "shop-1", "shop-2", 2)))

	tests := []struct {
		name  string
		token string
		now   time.Time
		ok    bool
	}{
		{"valid", good, now, true},
		{"aud as a list", handToken(secret, hs256, strings.Replace(claims(""), `"aud":"app-key"`, `"aud":["other","app-key"]`, 1)), now, true},
		{"expired within leeway", good, time.Unix(1_800_000_064, 0), true},
		{"expired beyond leeway", good, time.Unix(1_800_000_066, 0), false},
		{"not yet valid within leeway", good, time.Unix(1_799_999_986, 0), true},
		{"not yet valid beyond leeway", good, time.Unix(1_799_999_984, 0), false},
		{"forged with another secret", handToken("guess", hs256, claims("")), now, false},
		{"claims changed after signing", strings.Join(tampered, "."), now, false},
		{"alg none", handToken(secret, `{"alg":"none","typ":"JWT"}`, claims("")), now, false},
		{"alg HS512", handToken(secret, `{"alg":"HS512","typ":"JWT"}`, claims("")), now, false},
		{"unsigned", strings.Join(strings.Split(good, ".")[:2], ".") + ".", now, false},
		{"wrong audience", handToken(secret, hs256, strings.Replace(claims(""), `"aud":"app-key"`, `"aud":"other"`, 1)), now, false},
		{"no expiry", handToken(secret, hs256, strings.Replace(claims(""), `"exp":1800000060,`, "", 1)), now, false},
		{"dest not https", handToken(secret, hs256, strings.Replace(claims(""), `"dest":"https://`, `"dest":"http://`, 1)), now, false},
		{"dest not a shop", handToken(secret, hs256, strings.Replace(claims(""), `shop-1.myshopify.com"`, `evil.example"`, 1)), now, false},
		{"dest with a path", handToken(secret, hs256, strings.Replace(claims(""), `"dest":"https://shop-1.myshopify.com"`, `"dest":"https://shop-1.myshopify.com/x"`, 1)), now, false},
		// Finding 11: iss must name the admin of the shop dest names.
		{"iss of another shop", handToken(secret, hs256, strings.Replace(claims(""), `"iss":"https://shop-1.myshopify.com/admin"`, `"iss":"https://shop-2.myshopify.com/admin"`, 1)), now, false},
		{"iss missing", handToken(secret, hs256, strings.Replace(claims(""), `"iss":"https://shop-1.myshopify.com/admin",`, "", 1)), now, false},
		{"iss not the admin", handToken(secret, hs256, strings.Replace(claims(""), `"iss":"https://shop-1.myshopify.com/admin"`, `"iss":"https://shop-1.myshopify.com"`, 1)), now, false},
		{"garbage", "not.a.jwt", now, false},
		{"two segments", "a.b", now, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := shopify.VerifySessionToken(tt.token, key, []byte(secret), tt.now, 5*time.Second)
			if tt.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Shop() != "shop-1.myshopify.com" || c.Sub != "42" {
					t.Errorf("claims %+v: shop %q", c, c.Shop())
				}
				return
			}
			if !errors.Is(err, shopify.ErrInvalidSessionToken) {
				t.Fatalf("accepted or wrong error: %v", err)
			}
		})
	}
}

func TestSignSessionTokenRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tok, err := shopify.SignSessionToken(shopify.NewSessionClaims("shop-9.myshopify.com", "k", "1", now, time.Minute), []byte("s"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := shopify.VerifySessionToken(tok, "k", []byte("s"), now, 0)
	if err != nil || c.Shop() != "shop-9.myshopify.com" {
		t.Fatalf("round trip: %v %+v", err, c)
	}
	if _, err := shopify.VerifySessionToken(tok, "k", nil, now, 0); err == nil {
		t.Error("an empty secret verified a token")
	}
}
