// Package secrets encrypts small secrets (store access and refresh tokens)
// for storage with AES-256-GCM. Each ciphertext names the key that sealed it,
// so keys can be rotated: new values are sealed with the current key, and
// values sealed with an older key still open while that key is configured.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

// prefix marks a sealed value: "cs1:KEYID:BASE64(nonce|ciphertext)". A value
// without it is a legacy plaintext token, written before encryption existed.
const prefix = "cs1:"

// ErrUnknownKey means a value was sealed with a key that is not configured.
var ErrUnknownKey = errors.New("secrets: sealed with a key that is not configured")

// ErrTampered means a value does not open: altered, truncated or forged.
var ErrTampered = errors.New("secrets: value does not open (altered or sealed with another key)")

type key struct {
	id   string
	aead cipher.AEAD
	raw  []byte
}

// Keyring seals with the current key and opens with any configured key.
type Keyring struct {
	current key
	byID    map[string]key
}

// ParseKey decodes a base64 (standard or URL alphabet, padded or not)
// 32-byte key, as CONSIGN_ENCRYPTION_KEY holds it.
func ParseKey(b64 string) ([]byte, error) {
	b64 = strings.TrimSpace(b64)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(b64); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("encryption key is %d bytes, want %d", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("encryption key is not base64")
}

// NewKey returns a random key (the demo's in-memory key, and tests').
func NewKey() []byte {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic("secrets: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return b
}

// KeyID names a key without revealing it: the first 8 hex digits of its SHA-256.
func KeyID(k []byte) string {
	sum := sha256.Sum256(k)
	return hex.EncodeToString(sum[:4])
}

// NewKeyring builds a keyring that seals with current and also opens values
// sealed with any of old.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	r := &Keyring{byID: make(map[string]key)}
	for i, raw := range append([][]byte{current}, old...) {
		if len(raw) != KeySize {
			return nil, fmt.Errorf("secrets: key %d is %d bytes, want %d", i, len(raw), KeySize)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: %w", err)
		}
		k := key{id: KeyID(raw), aead: aead, raw: raw}
		if i == 0 {
			r.current = k
		}
		if _, dup := r.byID[k.id]; !dup {
			r.byID[k.id] = k
		}
	}
	return r, nil
}

// CurrentKeyID is the id of the key new values are sealed with.
func (r *Keyring) CurrentKeyID() string { return r.current.id }

// Seal encrypts plaintext with the current key. The empty string stays empty,
// so "no token" reads the same sealed or not.
func (r *Keyring) Seal(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	nonce := make([]byte, r.current.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	// The key id is authenticated too, so it cannot be swapped.
	sealed := r.current.aead.Seal(nonce, nonce, []byte(plaintext), []byte(r.current.id))
	return prefix + r.current.id + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a sealed value. A value without the sealed prefix is legacy
// plaintext and is returned as is (see IsSealed).
func (r *Keyring) Open(value string) (string, error) {
	if !IsSealed(value) {
		return value, nil
	}
	id, body, ok := strings.Cut(strings.TrimPrefix(value, prefix), ":")
	if !ok {
		return "", ErrTampered
	}
	k, ok := r.byID[id]
	if !ok {
		return "", fmt.Errorf("%w (key id %s)", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", ErrTampered
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(id))
	if err != nil {
		return "", ErrTampered
	}
	return string(plain), nil
}

// IsSealed reports whether value was sealed by a Keyring (rather than being
// legacy plaintext).
func IsSealed(value string) bool { return strings.HasPrefix(value, prefix) }

// NeedsReseal reports whether value should be sealed again: legacy plaintext,
// or sealed with a key other than the current one.
func (r *Keyring) NeedsReseal(value string) bool {
	if value == "" {
		return false
	}
	return !strings.HasPrefix(value, prefix+r.current.id+":")
}

// Derive returns a key for another purpose (signing admin sessions), made
// from the current key and label, so one configured secret serves both and
// neither use can stand in for the other.
func (r *Keyring) Derive(label string) []byte {
	m := hmac.New(sha256.New, r.current.raw)
	m.Write([]byte("consign derive\n" + label))
	return m.Sum(nil)
}
