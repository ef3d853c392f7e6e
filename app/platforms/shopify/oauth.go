package shopify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Grant types and token types of Shopify's token endpoint.
const (
	grantTokenExchange   = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeIDToken     = "urn:ietf:params:oauth:token-type:id_token"
	tokenTypeOfflineLong = "urn:shopify:params:oauth:token-type:offline-access-token"
)

// OAuth gets and refreshes a shop's offline access token for one app, at
// POST https://SHOP/admin/oauth/access_token. Every token it asks for is an
// expiring offline token (expiring=1) with a refresh token.
type OAuth struct {
	ClientID     string // SHOPIFY_API_KEY
	ClientSecret string // SHOPIFY_API_SECRET
	// BaseURL, when set, replaces https://SHOP (a fake Shopify in tests and
	// the demo); the shop then travels in the ShopHeader header.
	BaseURL string
	HTTP    *http.Client
	Now     func() time.Time
}

// Grant is what the token endpoint returns. Nil expiries mean the token does
// not expire.
type Grant struct {
	AccessToken      string
	RefreshToken     string
	Scopes           string
	ExpiresAt        *time.Time
	RefreshExpiresAt *time.Time
}

// OAuthError is a refusal from the token endpoint, such as
// invalid_subject_token (a session token Shopify does not accept) or
// invalid_grant (a used or expired refresh token or code).
type OAuthError struct {
	Status      int
	Code        string
	Description string
}

func (e *OAuthError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("shopify oauth: %s (%d): %s", e.Code, e.Status, e.Description)
	}
	return fmt.Sprintf("shopify oauth: %s (%d)", e.Code, e.Status)
}

// ExchangeSessionToken trades an embedded app's session token (already
// verified by the caller) for an expiring offline access token.
func (o *OAuth) ExchangeSessionToken(ctx context.Context, shop, sessionToken string) (Grant, error) {
	return o.token(ctx, shop, url.Values{
		"grant_type":           {grantTokenExchange},
		"subject_token":        {sessionToken},
		"subject_token_type":   {tokenTypeIDToken},
		"requested_token_type": {tokenTypeOfflineLong},
		"expiring":             {"1"},
	})
}

// Refresh trades a refresh token for a new access token and a new refresh
// token; the old refresh token stops working, so both must be stored.
func (o *OAuth) Refresh(ctx context.Context, shop, refreshToken string) (Grant, error) {
	return o.token(ctx, shop, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

// ExchangeCode finishes an authorization-code install.
func (o *OAuth) ExchangeCode(ctx context.Context, shop, code string) (Grant, error) {
	return o.token(ctx, shop, url.Values{"code": {code}, "expiring": {"1"}})
}

// AuthorizeURL is where a merchant approves the app in an authorization-code
// install. It always points at the shop itself: the browser goes there.
func (o *OAuth) AuthorizeURL(shop, scopes, redirectURI, state string) (string, error) {
	if err := ValidateShop(shop); err != nil {
		return "", err
	}
	q := url.Values{"client_id": {o.ClientID}, "scope": {scopes}, "redirect_uri": {redirectURI}, "state": {state}}
	return "https://" + strings.ToLower(shop) + "/admin/oauth/authorize?" + q.Encode(), nil
}

func (o *OAuth) token(ctx context.Context, shop string, form url.Values) (Grant, error) {
	// The shop decides where the client secret goes: check it first.
	if err := ValidateShop(shop); err != nil {
		return Grant{}, fmt.Errorf("shopify oauth: %w", err)
	}
	shop = strings.ToLower(shop)
	base := "https://" + shop
	if o.BaseURL != "" {
		base = strings.TrimRight(o.BaseURL, "/")
	}
	form.Set("client_id", o.ClientID)
	form.Set("client_secret", o.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/admin/oauth/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return Grant{}, fmt.Errorf("shopify oauth: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(ShopHeader, shop)
	hc := o.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	noRedirects := *hc
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirects.Do(req)
	if err != nil {
		return Grant{}, fmt.Errorf("shopify oauth %s: %w", form.Get("grant_type"), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Grant{}, fmt.Errorf("shopify oauth: read answer: %w", err)
	}
	var ans struct {
		AccessToken           string `json:"access_token"`
		Scope                 string `json:"scope"`
		ExpiresIn             int64  `json:"expires_in"`
		RefreshToken          string `json:"refresh_token"`
		RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
		Error                 string `json:"error"`
		ErrorDescription      string `json:"error_description"`
	}
	jsonErr := json.Unmarshal(body, &ans)
	if resp.StatusCode != http.StatusOK {
		code := ans.Error
		if code == "" {
			code = http.StatusText(resp.StatusCode)
		}
		if ans.ErrorDescription == "" && jsonErr != nil {
			ans.ErrorDescription = snippet(body)
		}
		return Grant{}, &OAuthError{Status: resp.StatusCode, Code: code, Description: ans.ErrorDescription}
	}
	if jsonErr != nil || ans.AccessToken == "" {
		return Grant{}, fmt.Errorf("shopify oauth: answer without an access token: %s", snippet(body))
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	g := Grant{AccessToken: ans.AccessToken, RefreshToken: ans.RefreshToken, Scopes: ans.Scope}
	if ans.ExpiresIn > 0 {
		t := now().Add(time.Duration(ans.ExpiresIn) * time.Second)
		g.ExpiresAt = &t
	}
	if ans.RefreshTokenExpiresIn > 0 {
		t := now().Add(time.Duration(ans.RefreshTokenExpiresIn) * time.Second)
		g.RefreshExpiresAt = &t
	}
	return g, nil
}

// ErrOAuthSignature means an OAuth redirect's hmac is missing or wrong.
var ErrOAuthSignature = errors.New("shopify oauth: invalid hmac")

// VerifyOAuthQuery checks the hmac of a query string Shopify redirected
// with: HMAC-SHA256 under the app secret over the other parameters, sorted
// by key, each key and value form-encoded, joined with & (what Shopify's own
// libraries compute). It works from the raw query, so values that decode to
// characters needing escapes are checked as Shopify signed them.
func VerifyOAuthQuery(rawQuery string, secret []byte) error {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("%w: malformed query", ErrOAuthSignature)
	}
	got := q.Get("hmac")
	if got == "" || len(q["hmac"]) != 1 {
		return ErrOAuthSignature
	}
	want, err := hex.DecodeString(got)
	if err != nil {
		return ErrOAuthSignature
	}
	if !hmac.Equal(want, oauthMAC(q, secret)) {
		return ErrOAuthSignature
	}
	return nil
}

// SignOAuthQuery adds the hmac Shopify would to q (the fake and tests use it).
func SignOAuthQuery(q url.Values, secret []byte) string {
	q = cloneValues(q)
	q.Del("hmac")
	q.Set("hmac", hex.EncodeToString(oauthMAC(q, secret)))
	return q.Encode()
}

func oauthMAC(q url.Values, secret []byte) []byte {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		if k == "hmac" || k == "signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, pair{formEncode(k), formEncode(v)})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strings.Join(parts, "&")))
	return mac.Sum(nil)
}

// formEncode is application/x-www-form-urlencoded as browsers (URLSearchParams)
// and Ruby (URI.encode_www_form) write it: letters, digits and *-._ stay,
// space becomes +, every other byte is %XX.
func formEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
