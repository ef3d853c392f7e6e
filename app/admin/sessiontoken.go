package admin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SessionTokens issues and checks Consign's own admin session tokens, for
// stores whose platform hands the app no token of its own on every request
// (BigCommerce verifies once, on load; WooCommerce has no embedded admin).
// Like Shopify's, a token rides in the first URL and then in the
// Authorization header of every htmx request; nothing is kept server-side.
type SessionTokens struct {
	Key []byte // HMAC key, derived from the encryption key
	TTL time.Duration
	Now func() time.Time
}

// DefaultSessionTTL is how long an admin session lasts: a working session,
// after which the merchant opens the app from the store again.
const DefaultSessionTTL = 8 * time.Hour

// sessionTokenPrefix tells these tokens from Shopify's JWTs at a glance.
const sessionTokenPrefix = "cs1."

// ErrInvalidSession is every reason a session token is refused.
var ErrInvalidSession = errors.New("invalid admin session")

type sessionClaims struct {
	Platform string `json:"p"`
	Shop     string `json:"s"`
	Exp      int64  `json:"exp"`
	Nonce    string `json:"n"` // two sessions opened in one second differ
}

// IsSessionToken reports whether token is one of ours (not Shopify's).
func IsSessionToken(token string) bool { return strings.HasPrefix(token, sessionTokenPrefix) }

// Issue makes a session token for a connected store.
func (t *SessionTokens) Issue(platform, shop string) (string, error) {
	if len(t.Key) == 0 {
		return "", errors.New("admin sessions: no key")
	}
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	c := sessionClaims{Platform: platform, Shop: shop, Exp: t.Now().Add(t.ttl()).Unix(), Nonce: hex.EncodeToString(nonce)}
	raw, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode admin session: %w", err)
	}
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return sessionTokenPrefix + payload + "." + base64.RawURLEncoding.EncodeToString(t.mac(payload)), nil
}

// Verify checks a token's signature (constant time) and expiry and returns
// the store it names; whether that store is still connected is the caller's
// question.
func (t *SessionTokens) Verify(token string) (platform, shop string, err error) {
	rest, ok := strings.CutPrefix(token, sessionTokenPrefix)
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || len(t.Key) == 0 {
		return "", "", fmt.Errorf("%w: malformed", ErrInvalidSession)
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(payload)) {
		return "", "", fmt.Errorf("%w: bad signature", ErrInvalidSession)
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", "", fmt.Errorf("%w: payload encoding", ErrInvalidSession)
	}
	var c sessionClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		return "", "", fmt.Errorf("%w: payload: %v", ErrInvalidSession, err)
	}
	if t.Now().Unix() > c.Exp {
		return "", "", fmt.Errorf("%w: expired", ErrInvalidSession)
	}
	return c.Platform, c.Shop, nil
}

func (t *SessionTokens) ttl() time.Duration {
	if t.TTL > 0 {
		return t.TTL
	}
	return DefaultSessionTTL
}

func (t *SessionTokens) mac(payload string) []byte {
	m := hmac.New(sha256.New, t.Key)
	m.Write([]byte("consign admin session\n" + payload))
	return m.Sum(nil)
}
