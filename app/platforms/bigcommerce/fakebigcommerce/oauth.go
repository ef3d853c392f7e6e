package fakebigcommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// The merchant every fake store is installed by, as in the docs' example
// token response.
const (
	UserID     = 24654
	UserEmail  = "merchant@example.com"
	OwnerID    = 12345
	OwnerEmail = "owner@example.com"
)

// SetRedirectURI makes the token endpoint insist on uri, as BigCommerce
// does with the app's registered auth callback URL. Unset, any is taken.
func (s *Server) SetRedirectURI(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redirectURI = uri
}

// IssueCode returns a single-use code for installing the app in the store,
// as BigCommerce sends to the auth callback with context "stores/HASH". A
// store without a token gets one.
func (s *Server) IssueCode(hash string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.store(hash)
	if st.token == "" {
		st.token = randomHex(16)
	}
	code := randomHex(8)
	s.codes[code] = hash
	return code
}

// serveToken is POST /oauth2/token (login service).
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	status, ans := s.exchange(r, body)
	s.record(r, body, "", status)
	s.mu.Unlock()
	writeJSON(w, status, ans)
}

// exchange checks a token request. The caller holds mu.
func (s *Server) exchange(r *http.Request, body []byte) (int, any) {
	var in struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Code         string `json:"code"`
		Context      string `json:"context"`
		Scope        string `json:"scope"`
		GrantType    string `json:"grant_type"`
		RedirectURI  string `json:"redirect_uri"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if err := r.ParseForm(); err == nil {
			in.ClientID, in.ClientSecret, in.Code = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), r.PostForm.Get("code")
			in.Context, in.Scope, in.GrantType = r.PostForm.Get("context"), r.PostForm.Get("scope"), r.PostForm.Get("grant_type")
			in.RedirectURI = r.PostForm.Get("redirect_uri")
		}
	} else if err := json.Unmarshal(body, &in); err != nil {
		return http.StatusBadRequest, map[string]string{"error": "The request body is not valid JSON."}
	}
	refuse := func(msg string) (int, any) { return http.StatusBadRequest, map[string]string{"error": msg} }
	switch {
	case subtle.ConstantTimeCompare([]byte(in.ClientID), []byte(s.clientID)) != 1,
		subtle.ConstantTimeCompare([]byte(in.ClientSecret), []byte(s.clientSecret)) != 1:
		return http.StatusUnauthorized, map[string]string{"error": "Invalid client id or client secret."}
	case in.GrantType != "authorization_code":
		return refuse("Invalid grant_type.")
	case in.RedirectURI == "" || (s.redirectURI != "" && in.RedirectURI != s.redirectURI):
		return refuse("Invalid redirect_uri.")
	}
	hash, ok := s.codes[in.Code]
	if !ok || in.Context != "stores/"+hash {
		return refuse("Invalid verification code.")
	}
	delete(s.codes, in.Code) // single use
	st := s.store(hash)
	return http.StatusOK, map[string]any{
		"access_token": st.token,
		"scope":        in.Scope,
		"user":         map[string]any{"id": UserID, "username": UserEmail, "email": UserEmail},
		"owner":        map[string]any{"id": OwnerID, "username": OwnerEmail, "email": OwnerEmail},
		"context":      "stores/" + hash,
		"account_uuid": st.accountUUID,
	}
}

// SignPayload makes a signed_payload_jwt like the one BigCommerce sends to
// the load, uninstall and remove_user callbacks: HS256 under the client
// secret, with the claims of the docs' example (aud, iss "bc", iat, nbf,
// exp, jti, sub "stores/HASH", user, owner, url, channel_id).
func (s *Server) SignPayload(hash string, userID int64, email string, exp time.Time) string {
	now := time.Now()
	claims := map[string]any{
		"aud": s.clientID, "iss": "bc", "iat": now.Unix(), "nbf": now.Add(-5 * time.Second).Unix(),
		"exp": exp.Unix(), "jti": uuid(), "sub": "stores/" + hash,
		"user":  map[string]any{"id": userID, "email": email, "locale": "en-US"},
		"owner": map[string]any{"id": OwnerID, "email": OwnerEmail},
		"url":   "/", "channel_id": nil,
	}
	header, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "HS256"})
	payload, _ := json.Marshal(claims)
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(s.clientSecret))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
