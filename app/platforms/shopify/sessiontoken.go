package shopify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// SessionClaims are the claims of a Shopify session token: the JWT App
// Bridge hands an embedded app, signed with the app's client secret.
type SessionClaims struct {
	Iss  string   `json:"iss"`  // https://SHOP/admin
	Dest string   `json:"dest"` // https://SHOP
	Aud  Audience `json:"aud"`  // the app's client id (API key)
	Sub  string   `json:"sub"`  // the staff user id
	Exp  int64    `json:"exp"`
	Nbf  int64    `json:"nbf"`
	Iat  int64    `json:"iat"`
	Jti  string   `json:"jti"`
	Sid  string   `json:"sid"`
}

// Audience is a JWT aud claim: one string, or a list of them.
type Audience []string

// UnmarshalJSON accepts both shapes the JWT spec allows.
func (a *Audience) UnmarshalJSON(b []byte) error {
	if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
		var list []string
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*a = list
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*a = Audience{one}
	return nil
}

// MarshalJSON writes one audience as a plain string, as Shopify does.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// Shop is the shop domain the token was issued for (the host of dest).
func (c SessionClaims) Shop() string {
	u, err := url.Parse(c.Dest)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// ErrInvalidSessionToken is every reason a session token is refused; the
// wrapped text says which, for logs only.
var ErrInvalidSessionToken = errors.New("invalid session token")

// sessionTokenHeader is the only JOSE header Shopify issues.
type sessionTokenHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
}

// VerifySessionToken checks a session token's HS256 signature under secret
// (in constant time), its times against now with leeway for clock skew, that
// its audience is apiKey, that dest names a valid shop domain and iss that
// shop's admin. Whether
// that shop is connected is the caller's question.
func VerifySessionToken(token, apiKey string, secret []byte, now time.Time, leeway time.Duration) (SessionClaims, error) {
	var claims SessionClaims
	if len(secret) == 0 || apiKey == "" {
		return claims, fmt.Errorf("%w: the app has no API key or secret", ErrInvalidSessionToken)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims, fmt.Errorf("%w: not a JWT", ErrInvalidSessionToken)
	}
	var header sessionTokenHeader
	if err := decodeSegment(parts[0], &header); err != nil {
		return claims, fmt.Errorf("%w: header: %v", ErrInvalidSessionToken, err)
	}
	// Only HS256: "none" or an asymmetric alg must never be honoured.
	if header.Alg != "HS256" {
		return claims, fmt.Errorf("%w: alg %q is not HS256", ErrInvalidSessionToken, header.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return claims, fmt.Errorf("%w: signature encoding: %v", ErrInvalidSessionToken, err)
	}
	if !hmac.Equal(sig, jwtMAC(secret, parts[0]+"."+parts[1])) {
		return claims, fmt.Errorf("%w: bad signature", ErrInvalidSessionToken)
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return claims, fmt.Errorf("%w: claims: %v", ErrInvalidSessionToken, err)
	}
	t := now.Unix()
	slack := int64(leeway / time.Second)
	switch {
	case claims.Exp == 0 || t > claims.Exp+slack:
		return claims, fmt.Errorf("%w: expired at %d", ErrInvalidSessionToken, claims.Exp)
	case claims.Nbf != 0 && t < claims.Nbf-slack:
		return claims, fmt.Errorf("%w: not valid before %d", ErrInvalidSessionToken, claims.Nbf)
	}
	audOK := false
	for _, a := range claims.Aud {
		audOK = audOK || a == apiKey
	}
	if !audOK {
		return claims, fmt.Errorf("%w: audience %v is not this app", ErrInvalidSessionToken, []string(claims.Aud))
	}
	u, err := url.Parse(claims.Dest)
	if err != nil || u.Scheme != "https" || u.Path != "" || u.RawQuery != "" || ValidateShop(u.Host) != nil {
		return claims, fmt.Errorf("%w: dest %q is not https://SHOP", ErrInvalidSessionToken, claims.Dest)
	}
	// Shopify issues iss as the shop's admin URL: a token whose issuer
	// names another shop than its destination was not made by Shopify.
	if !strings.EqualFold(claims.Iss, "https://"+u.Host+"/admin") {
		return claims, fmt.Errorf("%w: iss %q does not match dest %q", ErrInvalidSessionToken, claims.Iss, claims.Dest)
	}
	return claims, nil
}

// SignSessionToken issues a session token as Shopify would. Consign uses it
// only where it stands in for Shopify: the demo sign-in and tests.
func SignSessionToken(claims SessionClaims, secret []byte) (string, error) {
	h, err := json.Marshal(sessionTokenHeader{Alg: "HS256", Typ: "JWT"})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode session token claims: %w", err)
	}
	signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	return signing + "." + base64.RawURLEncoding.EncodeToString(jwtMAC(secret, signing)), nil
}

// NewSessionClaims are the claims Shopify puts in a token for shop and app,
// valid for ttl from now.
func NewSessionClaims(shop, apiKey, user string, now time.Time, ttl time.Duration) SessionClaims {
	return SessionClaims{
		Iss: "https://" + shop + "/admin", Dest: "https://" + shop, Aud: Audience{apiKey}, Sub: user,
		Exp: now.Add(ttl).Unix(), Nbf: now.Unix(), Iat: now.Unix(),
		Jti: fmt.Sprintf("%d", now.UnixNano()), Sid: "consign",
	}
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func jwtMAC(secret []byte, signing string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signing))
	return m.Sum(nil)
}
