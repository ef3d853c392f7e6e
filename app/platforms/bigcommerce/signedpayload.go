package bigcommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/consign/consign/app/platforms/jsontext"
)

// ErrInvalidSignedPayload is every reason a signed_payload_jwt is refused;
// the wrapped text says which, for logs only.
var ErrInvalidSignedPayload = errors.New("invalid signed_payload_jwt")

// Claims are the verified claims of a load, uninstall or remove_user
// callback's signed_payload_jwt (docs: apps guide "callbacks", "Example: app
// callback payload").
type Claims struct {
	StoreHash  string
	UserID     int64
	UserEmail  string
	OwnerID    int64
	OwnerEmail string
	JTI        string
	IssuedAt   time.Time
	ExpiresAt  time.Time
	URL        string
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
}

type jwtClaims struct {
	Aud  audience        `json:"aud"`
	Iss  string          `json:"iss"`
	Iat  json.RawMessage `json:"iat"`
	Nbf  json.RawMessage `json:"nbf"`
	Exp  json.RawMessage `json:"exp"`
	Jti  string          `json:"jti"`
	Sub  string          `json:"sub"`
	URL  string          `json:"url"`
	User struct {
		ID    json.RawMessage `json:"id"`
		Email string          `json:"email"`
	} `json:"user"`
	Owner struct {
		ID    json.RawMessage `json:"id"`
		Email string          `json:"email"`
	} `json:"owner"`
}

// audience is a JWT aud claim: one string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("aud is neither a string nor a list of strings")
	}
	*a = list
	return nil
}

// VerifySignedPayload checks a signed_payload_jwt: HS256 only (the alg is
// pinned: "none" and every other alg are refused), the signature under the
// app's client secret compared in constant time, aud == clientID, iss ==
// "bc", exp and nbf against now with leeway for clock skew, sub a valid
// "stores/HASH" and a jti present. Remembering jtis against replay is the
// caller's job.
func VerifySignedPayload(token, clientID string, secret []byte, now time.Time, leeway time.Duration) (Claims, error) {
	fail := func(format string, a ...any) (Claims, error) {
		return Claims{}, fmt.Errorf("%w: %s", ErrInvalidSignedPayload, fmt.Sprintf(format, a...))
	}
	if len(secret) == 0 || clientID == "" {
		return fail("the app has no client id or secret")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return fail("not a JWT")
	}
	var header jwtHeader
	if err := decodeSegment(parts[0], &header); err != nil {
		return fail("header: %v", err)
	}
	if header.Alg != "HS256" {
		return fail("alg %q is not HS256", header.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fail("signature encoding: %v", err)
	}
	if !hmac.Equal(sig, hs256(secret, parts[0]+"."+parts[1])) {
		return fail("bad signature")
	}
	var c jwtClaims
	if err := decodeSegment(parts[1], &c); err != nil {
		return fail("claims: %v", err)
	}
	exp, hasExp, err := jsontext.Whole("exp", c.Exp)
	if err != nil || !hasExp {
		return fail("exp is missing or not a number")
	}
	nbf, _, err := jsontext.Whole("nbf", c.Nbf)
	if err != nil {
		return fail("nbf: %v", err)
	}
	iat, _, err := jsontext.Whole("iat", c.Iat)
	if err != nil {
		return fail("iat: %v", err)
	}
	t, slack := now.Unix(), int64(leeway/time.Second)
	switch {
	case t > exp+slack:
		return fail("expired at %d", exp)
	case nbf != 0 && t < nbf-slack:
		return fail("not valid before %d", nbf)
	case c.Iss != "bc":
		return fail("iss %q is not bc", c.Iss)
	case c.Jti == "":
		return fail("jti is missing")
	}
	audOK := false
	for _, a := range c.Aud {
		audOK = audOK || hmac.Equal([]byte(a), []byte(clientID))
	}
	if !audOK {
		return fail("aud %q is not this app", []string(c.Aud))
	}
	hash, err := StoreHashFromContext(c.Sub)
	if err != nil {
		return fail("sub: %v", err)
	}
	userID, _, err := parseID("user.id", c.User.ID)
	if err != nil {
		return fail("%v", err)
	}
	ownerID, _, err := parseID("owner.id", c.Owner.ID)
	if err != nil {
		return fail("%v", err)
	}
	return Claims{
		StoreHash: hash, UserID: userID, UserEmail: c.User.Email,
		OwnerID: ownerID, OwnerEmail: c.Owner.Email, JTI: c.Jti,
		IssuedAt: time.Unix(iat, 0).UTC(), ExpiresAt: time.Unix(exp, 0).UTC(), URL: c.URL,
	}, nil
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

func hs256(secret []byte, signing string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signing))
	return m.Sum(nil)
}
