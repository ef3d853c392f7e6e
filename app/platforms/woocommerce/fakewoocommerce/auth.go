package fakewoocommerce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// authorize simulates /wc-auth/v1/authorize with a merchant who is logged in
// and clicks Approve: the store POSTs the key grant to callback_url from the
// server side, requires exactly 200, then redirects the browser to return_url
// with success=1&user_id=.... A refused callback ends in an error page, as in
// WooCommerce (which also deletes the key it made).
func (s *Server) authorize(r *http.Request) reply {
	q := r.URL.Query()
	for _, p := range []string{"app_name", "scope", "user_id", "return_url", "callback_url"} {
		if q.Get(p) == "" {
			return accessDenied("Missing parameter " + p)
		}
	}
	scope := q.Get("scope")
	if scope != "read" && scope != "write" && scope != "read_write" {
		return accessDenied("Invalid scope " + scope)
	}
	callback, err := url.Parse(q.Get("callback_url"))
	if err != nil || !(callback.Scheme == "https" || (callback.Scheme == "http" && loopback(callback.Hostname()))) {
		return accessDenied("The callback_url needs to be over SSL")
	}
	returnURL, err := url.Parse(q.Get("return_url"))
	if err != nil || returnURL.Host == "" {
		return accessDenied("Invalid return_url")
	}

	s.mu.Lock()
	s.lastKeyID++
	grant := map[string]any{
		"key_id":          s.lastKeyID,
		"user_id":         q.Get("user_id"), // echoed from the query: a string
		"consumer_key":    s.key,
		"consumer_secret": s.secret,
		"key_permissions": scope,
	}
	s.mu.Unlock()

	status := 0
	resp, err := s.callback.Post(callback.String(), "application/json", bytes.NewReader(phpJSON(grant)))
	if err == nil {
		status = resp.StatusCode
		resp.Body.Close()
	}
	s.mu.Lock()
	s.callbackStatus = status
	s.mu.Unlock()
	if status != http.StatusOK {
		return accessDenied("An error occurred in the request and at the time were unable to send the consumer data")
	}

	rq := returnURL.Query()
	rq.Set("success", "1")
	rq.Set("user_id", q.Get("user_id"))
	returnURL.RawQuery = rq.Encode()
	return reply{status: http.StatusFound, location: returnURL.String()}
}

// CallbackStatus is the HTTP status the last key-grant callback answered, 0
// for none or a failed request.
func (s *Server) CallbackStatus() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbackStatus
}

// accessDenied is wp_die's page for a failed authorization.
func accessDenied(msg string) reply {
	page := "<!DOCTYPE html><html><head><title>Access denied</title></head><body><p>Error: " + msg + ".</p></body></html>"
	return reply{status: http.StatusUnauthorized, raw: []byte(page), header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}}
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sign is WooCommerce's X-WC-Webhook-Signature: base64 HMAC-SHA256 of the body.
func sign(secret, body []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// systemStatus is GET /wc/v3/system_status, trimmed to its environment
// section's identity fields (the real one also lists the database, plugins,
// theme, settings, security and pages; Consign reads none of them).
func (s *Server) systemStatus(*http.Request, []byte, []string) reply {
	return reply{status: http.StatusOK, body: map[string]any{
		"environment": map[string]any{
			"home_url": s.URL, "site_url": s.URL, "wc_version": "9.4.2", "wp_version": "6.7.1",
			"wp_multisite": false, "wp_environment_type": "production", "language": "en_US",
		},
		"active_plugins": []any{},
		"settings":       map[string]any{"api_enabled": true, "currency": "USD"},
	}}
}
