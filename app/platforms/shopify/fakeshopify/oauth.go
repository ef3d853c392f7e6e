package fakeshopify

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// oauthTokenPath is Shopify's token endpoint on every shop.
const oauthTokenPath = "/admin/oauth/access_token"

// Grant types the token endpoint counts, as GrantRequests names them.
const (
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	GrantRefreshToken      = "refresh_token"
	GrantAuthorizationCode = "authorization_code" // Shopify's code grant sends no grant_type
)

// oauthApp is the one app the fake's token endpoint knows. The caller of
// its methods holds Server.mu.
type oauthApp struct {
	clientID, secret string
	accessTTL        time.Duration
	refreshTTL       time.Duration
	refresh          map[string]string // shop -> its one valid refresh token
	codes            map[string]string // authorization code -> shop; single use
	grants           map[string]int    // grant type -> requests answered 200
	seq              int
}

// SetApp sets the client id and secret the token endpoint accepts, and the
// lifetimes of what it issues (0: an hour and 90 days, as Shopify's
// expiring offline tokens).
func (s *Server) SetApp(clientID, secret string, accessTTL, refreshTTL time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if accessTTL <= 0 {
		accessTTL = time.Hour
	}
	if refreshTTL <= 0 {
		refreshTTL = 90 * 24 * time.Hour
	}
	s.oauth.clientID, s.oauth.secret, s.oauth.accessTTL, s.oauth.refreshTTL = clientID, secret, accessTTL, refreshTTL
}

// IssueCode makes an authorization code for shop, as Shopify does when the
// merchant approves an install; the code works once.
func (s *Server) IssueCode(shopDomain string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.seq++
	code := fmt.Sprintf("code-%d", s.oauth.seq)
	if s.oauth.codes == nil {
		s.oauth.codes = make(map[string]string)
	}
	s.oauth.codes[code] = strings.ToLower(shopDomain)
	return code
}

// RefreshToken is the refresh token shop currently accepts ("" if none).
func (s *Server) RefreshToken(shopDomain string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.refresh[strings.ToLower(shopDomain)]
}

// Token is the access token shop currently accepts.
func (s *Server) Token(shopDomain string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sh := s.shops[strings.ToLower(shopDomain)]; sh != nil {
		return sh.token
	}
	return ""
}

// GrantRequests counts the token endpoint's successful answers of one grant type.
func (s *Server) GrantRequests(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.grants[grantType]
}

// serveOAuthToken answers POST /admin/oauth/access_token with a form or JSON
// body, as Shopify does: 200 with the tokens, or 400/401 with error and
// error_description.
func (s *Server) serveOAuthToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"errors": "Method Not Allowed"})
		return
	}
	form, err := readOAuthForm(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_request", err.Error()))
		return
	}
	shopDomain := shopOf(r)
	s.mu.Lock()
	status, body := s.grant(shopDomain, form)
	s.mu.Unlock()
	writeJSON(w, status, body)
}

func readOAuthForm(r *http.Request) (url.Values, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("body is not JSON: %w", err)
		}
		form := url.Values{}
		for k, v := range m {
			form.Set(k, fmt.Sprint(v))
		}
		return form, nil
	}
	return url.ParseQuery(string(raw))
}

func oauthError(code, description string) map[string]string {
	return map[string]string{"error": code, "error_description": description}
}

// grant decides one token request. The caller holds mu.
func (s *Server) grant(shopDomain string, form url.Values) (int, any) {
	a := &s.oauth
	if a.clientID == "" || form.Get("client_id") != a.clientID ||
		subtle.ConstantTimeCompare([]byte(form.Get("client_secret")), []byte(a.secret)) != 1 {
		return http.StatusUnauthorized, oauthError("invalid_client", "Client credentials are invalid")
	}
	grantType := form.Get("grant_type")
	switch grantType {
	case GrantTokenExchange:
		if form.Get("subject_token_type") != "urn:ietf:params:oauth:token-type:id_token" ||
			form.Get("requested_token_type") != "urn:shopify:params:oauth:token-type:offline-access-token" {
			return http.StatusBadRequest, oauthError("invalid_request", "unsupported token types")
		}
		if err := a.checkSessionToken(form.Get("subject_token"), shopDomain, s.opts.Now()); err != nil {
			return http.StatusBadRequest, oauthError("invalid_subject_token", err.Error())
		}
	case GrantRefreshToken:
		want := a.refresh[shopDomain]
		if want == "" || subtle.ConstantTimeCompare([]byte(form.Get("refresh_token")), []byte(want)) != 1 {
			return http.StatusBadRequest, oauthError("invalid_grant", "refresh token is invalid, expired or already used")
		}
	case "":
		code := form.Get("code")
		if a.codes[code] != shopDomain || code == "" {
			return http.StatusBadRequest, oauthError("invalid_grant", "authorization code was not found or was already used")
		}
		delete(a.codes, code)
		grantType = GrantAuthorizationCode
	default:
		return http.StatusBadRequest, oauthError("unsupported_grant_type", grantType)
	}
	if a.grants == nil {
		a.grants = make(map[string]int)
	}
	a.grants[grantType]++
	a.seq++
	access := fmt.Sprintf("shpat_fake_%d", a.seq)
	s.shop(shopDomain).token = access
	body := map[string]any{"access_token": access, "scope": "read_orders,write_orders"}
	// Refresh always returns an expiring pair; the others only when asked.
	if grantType == GrantRefreshToken || form.Get("expiring") == "1" {
		refresh := fmt.Sprintf("shprt_fake_%d", a.seq)
		if a.refresh == nil {
			a.refresh = make(map[string]string)
		}
		a.refresh[shopDomain] = refresh // the previous one stops working
		body["expires_in"] = int(a.accessTTL.Seconds())
		body["refresh_token"] = refresh
		body["refresh_token_expires_in"] = int(a.refreshTTL.Seconds())
	}
	return http.StatusOK, body
}

// checkSessionToken accepts an HS256 session token signed with the app
// secret, for this app, from this shop, not expired.
func (a *oauthApp) checkSessionToken(token, shopDomain string, now time.Time) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	mac := hmac.New(sha256.New, []byte(a.secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return fmt.Errorf("signature does not verify")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return fmt.Errorf("payload is not base64")
	}
	var claims struct {
		Aud  any    `json:"aud"`
		Dest string `json:"dest"`
		Exp  int64  `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return fmt.Errorf("payload is not JSON")
	}
	if fmt.Sprint(claims.Aud) != a.clientID && fmt.Sprint(claims.Aud) != "["+a.clientID+"]" {
		return fmt.Errorf("token is for another app")
	}
	if strings.TrimPrefix(strings.ToLower(claims.Dest), "https://") != shopDomain {
		return fmt.Errorf("token is for another shop")
	}
	if now.Unix() > claims.Exp+5 {
		return fmt.Errorf("token expired")
	}
	return nil
}
