package woocommerce_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/platforms/woocommerce"
)

func TestParseKeyGrant(t *testing.T) {
	t.Parallel()
	g, err := woocommerce.ParseKeyGrant(apptest.Fixture(t, "woocommerce/wc_auth_callback_post_body_docs.json"))
	want := woocommerce.KeyGrant{KeyID: 1, UserID: "123", ConsumerKey: "ck_xxxxxxxxxxxxxxxx", ConsumerSecret: "cs_xxxxxxxxxxxxxxxx", KeyPermissions: "read_write"}
	if err != nil || g != want {
		t.Errorf("ParseKeyGrant(fixture) = %+v, %v; want %+v", g, err, want)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"key_id":1,"user_id":"7","consumer_key":"ck","consumer_secret":"cs","key_permissions":"read"}`, "read_write"},
		{`{"key_id":1,"user_id":"7","consumer_key":"","consumer_secret":"cs","key_permissions":"read_write"}`, "consumer_key"},
		{`{"key_id":1,"consumer_key":"ck","consumer_secret":"cs","key_permissions":"read_write"}`, "user_id"},
		{`{"key_id":"x","user_id":"7","consumer_key":"ck","consumer_secret":"cs","key_permissions":"read_write"}`, "key_id"},
		{`[]`, "not an object"},
	} {
		if _, err := woocommerce.ParseKeyGrant([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeyGrant(%s) error = %v, want it to mention %q", tc.body, err, tc.want)
		}
	}
}

// TestAuthorizeFlow runs the key grant against the fake store: the store
// POSTs the keys to the callback, then sends the browser to return_url.
func TestAuthorizeFlow(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	var mu sync.Mutex
	var grant woocommerce.KeyGrant
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g, err := woocommerce.ParseKeyGrant(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		grant = g
		mu.Unlock()
	}))
	defer callback.Close()

	link := woocommerce.AuthorizeURL(store.URL+"/", "Consign", "conn-9", "https://consign.example/return?x=1", callback.URL+"/cb")
	u, err := url.Parse(link)
	if err != nil || u.Path != "/wc-auth/v1/authorize" || u.Query().Get("scope") != "read_write" || u.Query().Get("app_name") != "Consign" {
		t.Fatalf("AuthorizeURL = %q", link)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d", resp.StatusCode)
	}
	back, _ := url.Parse(resp.Header.Get("Location"))
	if back.Host != "consign.example" || back.Query().Get("success") != "1" || back.Query().Get("user_id") != "conn-9" || back.Query().Get("x") != "1" {
		t.Errorf("redirected to %q", back)
	}
	if store.CallbackStatus() != http.StatusOK {
		t.Errorf("CallbackStatus = %d", store.CallbackStatus())
	}
	mu.Lock()
	defer mu.Unlock()
	if grant.UserID != "conn-9" || grant.ConsumerKey != testKey || grant.ConsumerSecret != testSecret || grant.KeyPermissions != "read_write" {
		t.Errorf("grant = %+v", grant)
	}
}

func TestAuthorizeCallbackMustAnswer200(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent) // not exactly 200: WooCommerce fails the grant
	}))
	defer callback.Close()
	resp, err := http.Get(woocommerce.AuthorizeURL(store.URL, "Consign", "1", "https://consign.example/return", callback.URL))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || store.CallbackStatus() != http.StatusNoContent {
		t.Errorf("authorize answered %d, callback status %d", resp.StatusCode, store.CallbackStatus())
	}
}
