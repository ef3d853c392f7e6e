package shopify_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

// Shopify's documented example of a signed OAuth redirect (secret "hush").
const docsQuery = "code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf" +
	"&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173"

func TestVerifyOAuthQueryDocsExample(t *testing.T) {
	if err := shopify.VerifyOAuthQuery(docsQuery, []byte("hush")); err != nil {
		t.Fatalf("docs example does not verify: %v", err)
	}
	if err := shopify.VerifyOAuthQuery(docsQuery, []byte("hush!")); !errors.Is(err, shopify.ErrOAuthSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
}

// A value with characters that need escaping is signed over its escaped
// form: "a&b=c" must not read as two parameters, as it would in the
// unescaped string go-shopify's VerifyAuthorizationURL checks.
func TestVerifyOAuthQueryEscapedValues(t *testing.T) {
	secret := []byte("s3cret")
	q := url.Values{"shop": {"a-shop.myshopify.com"}, "state": {"a&b=c d~*"}, "timestamp": {"1"}}
	signed := shopify.SignOAuthQuery(q, secret)
	if err := shopify.VerifyOAuthQuery(signed, secret); err != nil {
		t.Fatalf("signed query does not verify: %v", err)
	}
	// The same characters split differently sign differently.
	split := url.Values{"shop": {"a-shop.myshopify.com"}, "state": {"a"}, "b": {"c d~*"}, "timestamp": {"1"}}
	forged, _ := url.ParseQuery(signed)
	split.Set("hmac", forged.Get("hmac"))
	if err := shopify.VerifyOAuthQuery(split.Encode(), secret); err == nil {
		t.Fatal("a query with the same unescaped text but other parameters verified")
	}
}

func TestOAuthRefusesBadShopBeforeSending(t *testing.T) {
	fake := fakeshopify.New(fakeshopify.Options{})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	o := &shopify.OAuth{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL}
	if _, err := o.Refresh(context.Background(), "evil.com/x", "r"); err == nil {
		t.Fatal("refresh accepted a shop that is not NAME.myshopify.com")
	}
	if _, err := o.AuthorizeURL("evil.com", "read_orders", "https://x/cb", "s"); err == nil {
		t.Fatal("authorize URL for a bad shop")
	}
}

func TestOAuthAgainstFake(t *testing.T) {
	const shop = "oauth-shop.myshopify.com"
	fake := fakeshopify.New(fakeshopify.Options{})
	fake.SetApp("id", "secret", 0, 0)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := &shopify.OAuth{ClientID: "id", ClientSecret: "secret", BaseURL: srv.URL, Now: func() time.Time { return now }}

	tok, _ := shopify.SignSessionToken(shopify.NewSessionClaims(shop, "id", "1", time.Now(), time.Minute), []byte("secret"))
	g, err := o.ExchangeSessionToken(ctx, shop, tok)
	if err != nil || g.AccessToken != fake.Token(shop) || g.RefreshToken == "" ||
		g.ExpiresAt == nil || !g.ExpiresAt.Equal(now.Add(time.Hour)) || g.RefreshExpiresAt == nil {
		t.Fatalf("exchange = %+v, %v", g, err)
	}
	other, _ := shopify.SignSessionToken(shopify.NewSessionClaims("other.myshopify.com", "id", "1", time.Now(), time.Minute), []byte("secret"))
	var oe *shopify.OAuthError
	if _, err := o.ExchangeSessionToken(ctx, shop, other); !errors.As(err, &oe) || oe.Code != "invalid_subject_token" {
		t.Fatalf("another shop's session token: %v", err)
	}

	r, err := o.Refresh(ctx, shop, g.RefreshToken)
	if err != nil || r.AccessToken == g.AccessToken || r.RefreshToken == g.RefreshToken || r.AccessToken != fake.Token(shop) {
		t.Fatalf("refresh = %+v, %v", r, err)
	}
	if _, err := o.Refresh(ctx, shop, g.RefreshToken); !errors.As(err, &oe) || oe.Code != "invalid_grant" {
		t.Fatalf("a used refresh token: %v", err)
	}
	if n := fake.GrantRequests(fakeshopify.GrantRefreshToken); n != 1 {
		t.Fatalf("fake counted %d refreshes, want 1", n)
	}

	code := fake.IssueCode(shop)
	if c, err := o.ExchangeCode(ctx, shop, code); err != nil || c.AccessToken != fake.Token(shop) || c.RefreshToken == "" {
		t.Fatalf("code exchange = %+v, %v", c, err)
	}
	if _, err := o.ExchangeCode(ctx, shop, code); !errors.As(err, &oe) {
		t.Fatalf("a used code: %v", err)
	}
	bad := &shopify.OAuth{ClientID: "id", ClientSecret: "wrong", BaseURL: srv.URL}
	if _, err := bad.ExchangeCode(ctx, shop, fake.IssueCode(shop)); !errors.As(err, &oe) || oe.Status != 401 {
		t.Fatalf("wrong client secret: %v", err)
	}
}
