package bigcommerce_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/platforms/bigcommerce"
)

func TestStoreHash(t *testing.T) {
	for _, ok := range []string{"z4zn3wo", "g5cd38", "8jbhprizry"} {
		if err := bigcommerce.ValidateStoreHash(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Z4ZN3WO", "abc/../x", "a%2Fb", "ab cd", "{store_hash}", strings.Repeat("a", 33)} {
		if err := bigcommerce.ValidateStoreHash(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if h, err := bigcommerce.StoreHashFromContext("stores/g5cd38"); err != nil || h != "g5cd38" {
		t.Errorf("stores/g5cd38: %q, %v", h, err)
	}
	for _, bad := range []string{"g5cd38", "stores/", "stores/g5/cd38", "shops/g5cd38"} {
		if _, err := bigcommerce.StoreHashFromContext(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOAuthExchange(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.SetRedirectURI("https://consign.example/auth/bigcommerce")
	o := &bigcommerce.OAuth{ClientID: clientID, ClientSecret: clientSecret, RedirectURI: "https://consign.example/auth/bigcommerce", LoginBaseURL: h.fake.URL}
	ctx := context.Background()
	code := h.fake.IssueCode(storeHash)
	scope := "store_v2_orders store_v2_information_read_only"
	g, err := o.Exchange(ctx, code, scope, "stores/"+storeHash)
	if err != nil {
		t.Fatal(err)
	}
	if g.AccessToken != storeToken || g.StoreHash != storeHash || g.Scope != scope || g.UserID != 24654 || g.UserEmail != "merchant@example.com" || g.AccountUUID == "" {
		t.Errorf("grant %+v", g)
	}
	last := h.fake.Requests()[len(h.fake.Requests())-1]
	var sent map[string]string
	if err := json.Unmarshal(last.Body, &sent); err != nil || last.Path != "/oauth2/token" || sent["grant_type"] != "authorization_code" ||
		sent["client_secret"] != clientSecret || sent["context"] != "stores/"+storeHash || sent["code"] != code {
		t.Errorf("token request %s %s: %v", last.Path, last.Body, err)
	}

	// The code is single-use; a made-up one or a wrong secret is refused.
	var oe *bigcommerce.OAuthError
	if _, err := o.Exchange(ctx, code, scope, "stores/"+storeHash); !errors.As(err, &oe) {
		t.Errorf("reused code: err = %v", err)
	}
	if _, err := o.Exchange(ctx, "nope", scope, "stores/"+storeHash); !errors.As(err, &oe) {
		t.Errorf("bad code: err = %v", err)
	}
	wrong := *o
	wrong.ClientSecret = "guess"
	if _, err := wrong.Exchange(ctx, h.fake.IssueCode(storeHash), scope, "stores/"+storeHash); !errors.As(err, &oe) || oe.Status != 401 {
		t.Errorf("bad secret: err = %v", err)
	}
	if _, err := o.Exchange(ctx, "x", scope, "stores/../evil"); err == nil {
		t.Error("bad context accepted")
	}
}

// signJWT makes an HS256-or-other JWT from raw header and claims, for
// tokens the fake would never issue.
func signJWT(header, claims string, secret []byte) string {
	signing := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func TestVerifySignedPayload(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	now := time.Now()
	secret := []byte(clientSecret)
	token := h.fake.SignPayload(storeHash, 9876543, "authorized_user@example.com", now.Add(24*time.Hour))
	c, err := bigcommerce.VerifySignedPayload(token, clientID, secret, now, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.StoreHash != storeHash || c.UserID != 9876543 || c.UserEmail != "authorized_user@example.com" || c.OwnerID == 0 ||
		c.JTI == "" || c.URL != "/" || !c.ExpiresAt.Equal(now.Add(24*time.Hour).Truncate(time.Second).UTC()) {
		t.Errorf("claims %+v", c)
	}

	claims := func(edit func(m map[string]any)) string {
		m := map[string]any{"aud": clientID, "iss": "bc", "iat": now.Unix(), "nbf": now.Unix() - 5, "exp": now.Unix() + 60,
			"jti": "c5f0bcf5", "sub": "stores/" + storeHash, "user": map[string]any{"id": 1, "email": "u@example.com"},
			"owner": map[string]any{"id": 2, "email": "o@example.com"}, "url": "/"}
		edit(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	hs := `{"typ":"JWT","alg":"HS256"}`
	parts := strings.Split(token, ".")
	for name, tok := range map[string]string{
		"the docs' claims":  signJWT(hs, claims(func(map[string]any) {}), secret),
		"forged signature":  parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)),
		"other secret":      signJWT(hs, claims(func(map[string]any) {}), []byte("not-the-secret")),
		"tampered claims":   parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(claims(func(map[string]any) {}))) + "." + parts[2],
		"expired":           signJWT(hs, claims(func(m map[string]any) { m["exp"] = now.Unix() - 60 }), secret),
		"not yet valid":     signJWT(hs, claims(func(m map[string]any) { m["nbf"] = now.Unix() + 60 }), secret),
		"wrong aud":         signJWT(hs, claims(func(m map[string]any) { m["aud"] = "another-app" }), secret),
		"wrong iss":         signJWT(hs, claims(func(m map[string]any) { m["iss"] = "evil" }), secret),
		"no jti":            signJWT(hs, claims(func(m map[string]any) { delete(m, "jti") }), secret),
		"bad sub":           signJWT(hs, claims(func(m map[string]any) { m["sub"] = "stores/../x" }), secret),
		"alg none":          base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims(func(map[string]any) {}))) + ".",
		"alg HS512 claimed": signJWT(`{"alg":"HS512"}`, claims(func(map[string]any) {}), secret),
		"not a JWT":         "abc",
	} {
		_, err := bigcommerce.VerifySignedPayload(tok, clientID, secret, now, 10*time.Second)
		if name == "the docs' claims" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if !errors.Is(err, bigcommerce.ErrInvalidSignedPayload) {
			t.Errorf("%s: err = %v, want ErrInvalidSignedPayload", name, err)
		}
	}
	// Leeway covers small clock skew.
	skewed := signJWT(hs, claims(func(m map[string]any) { m["exp"] = now.Unix() - 5 }), secret)
	if _, err := bigcommerce.VerifySignedPayload(skewed, clientID, secret, now, 10*time.Second); err != nil {
		t.Errorf("5 s past exp with 10 s leeway: %v", err)
	}
}

func TestWebhookDelivery(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	if err := h.client.EnsureHooks(context.Background(), "https://consign.example/wh", map[string]string{"X-Consign-Secret": "s3"}, []string{"store/order/created"}); err != nil {
		t.Fatal(err)
	}
	body, hdr := h.fake.Delivery(storeHash, "store/order/created", 250)
	now := time.Now()
	secret := []byte(clientSecret)
	id, ts, sig := hdr.Get("webhook-id"), hdr.Get("webhook-timestamp"), hdr.Get("webhook-signature")
	if hdr.Get("X-Consign-Secret") != "s3" {
		t.Errorf("custom header missing: %v", hdr)
	}
	if err := bigcommerce.VerifyWebhookSignature(secret, id, ts, sig, body, now, 5*time.Minute); err != nil {
		t.Fatalf("good delivery: %v", err)
	}
	w, err := bigcommerce.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	if w.Scope != "store/order/created" || w.StoreHash != storeHash || w.Type != "order" || w.ID != 250 || w.OrderID != 250 || w.Hash != id || w.CreatedAt.IsZero() {
		t.Errorf("webhook %+v", w)
	}

	other := bigcommerce.VerifyWebhookSignature
	for name, err := range map[string]error{
		"forged body":     other(secret, id, ts, sig, bytes.Replace(body, []byte("250"), []byte("251"), 1), now, 5*time.Minute),
		"other secret":    other([]byte("guess"), id, ts, sig, body, now, 5*time.Minute),
		"other id":        other(secret, id+"0", ts, sig, body, now, 5*time.Minute),
		"stale":           other(secret, id, ts, sig, body, now.Add(10*time.Minute), 5*time.Minute),
		"from the future": other(secret, id, ts, sig, body, now.Add(-10*time.Minute), 5*time.Minute),
		"no signature":    other(secret, id, ts, "", body, now, 5*time.Minute),
		"v2 only":         other(secret, id, ts, strings.Replace(sig, "v1,", "v2,", 1), body, now, 5*time.Minute),
		"bad timestamp":   other(secret, id, "12x", sig, body, now, 5*time.Minute),
	} {
		if !errors.Is(err, bigcommerce.ErrWebhookSignature) {
			t.Errorf("%s: err = %v, want ErrWebhookSignature", name, err)
		}
	}
	// Several signatures (a key rotation): one match is enough.
	many := "v1,bm90LWEtc2lnbmF0dXJl v2,abc " + sig
	if err := other(secret, id, ts, many, body, now, 5*time.Minute); err != nil {
		t.Errorf("several signatures: %v", err)
	}
	// A timestamp one minute old is inside a five-minute window.
	old := strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "." + old + "."))
	m.Write(body)
	if err := other(secret, id, old, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)), body, now, 5*time.Minute); err != nil {
		t.Errorf("a minute old: %v", err)
	}
}

func TestParseWebhookFixtures(t *testing.T) {
	real := apptest.Fixture(t, "bigcommerce/real_capture_store_product_updated_body.json")
	w, err := bigcommerce.ParseWebhook(real)
	if err != nil {
		t.Fatal(err)
	}
	if w.Scope != "store/product/updated" || w.StoreHash != "8jbhprizry" || w.Type != "product" || w.ID != 180 || w.OrderID != 0 ||
		w.Hash != "64d346b71e4c02453da81c5d97cec8063a6e7a4d" || w.CreatedAt.Unix() != 1786447828 {
		t.Errorf("real capture: %+v", w)
	}
	// The docs' examples say stores/{store_hash}: a placeholder, refused as is.
	created := apptest.Fixture(t, "bigcommerce/webhook_store_order_created.json")
	if _, err := bigcommerce.ParseWebhook(created); err == nil {
		t.Error("producer stores/{store_hash} accepted")
	}
	w, err = bigcommerce.ParseWebhook(bytes.Replace(created, []byte("{store_hash}"), []byte("g5cd38"), 1))
	if err != nil || w.OrderID != 250 || w.Hash != "dd70c0976e06b67aaf671e73f49dcb79230ebf9d" || w.StoreHash != "g5cd38" {
		t.Errorf("order created: %+v, %v", w, err)
	}
	shipment := bytes.Replace(apptest.Fixture(t, "bigcommerce/webhook_store_shipment_created.json"), []byte("{store_hash}"), []byte("g5cd38"), 1)
	if w, err := bigcommerce.ParseWebhook(shipment); err != nil || w.Type != "shipment" || w.ID != 12 || w.OrderID != 251 {
		t.Errorf("shipment created: %+v, %v", w, err)
	}
	for _, bad := range []string{`[]`, `{}`, `{"scope":"store/order/created","hash":"h","producer":"stores/abc","data":{"type":"order"}}`,
		`{"scope":"store/order/created","hash":"h","producer":"stores/abc","data":{"type":"order","id":-4}}`} {
		if _, err := bigcommerce.ParseWebhook([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
