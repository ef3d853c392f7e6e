package secrets_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/consign/consign/app/secrets"
)

func keyring(t *testing.T, current []byte, old ...[]byte) *secrets.Keyring {
	t.Helper()
	r, err := secrets.NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoundTrip(t *testing.T) {
	r := keyring(t, secrets.NewKey())
	sealed, err := r.Seal("shpat_secret")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "shpat_secret") || !secrets.IsSealed(sealed) {
		t.Fatalf("sealed value %q leaks or is unmarked", sealed)
	}
	again, _ := r.Seal("shpat_secret")
	if again == sealed {
		t.Fatal("two seals of one value are identical: nonce reused")
	}
	got, err := r.Open(sealed)
	if err != nil || got != "shpat_secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if s, _ := r.Seal(""); s != "" {
		t.Fatalf("Seal(\"\") = %q, want empty", s)
	}
}

func TestWrongKeyFails(t *testing.T) {
	sealed, _ := keyring(t, secrets.NewKey()).Seal("shpat_secret")
	_, err := keyring(t, secrets.NewKey()).Open(sealed)
	if !errors.Is(err, secrets.ErrUnknownKey) {
		t.Fatalf("Open with another key: err = %v, want ErrUnknownKey", err)
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := secrets.NewKey(), secrets.NewKey()
	oldSealed, _ := keyring(t, oldKey).Seal("old-token")
	rotated := keyring(t, newKey, oldKey)
	if got, err := rotated.Open(oldSealed); err != nil || got != "old-token" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	if !rotated.NeedsReseal(oldSealed) || !rotated.NeedsReseal("shpat_plain") {
		t.Fatal("values under an old key or in plaintext should need resealing")
	}
	newSealed, _ := rotated.Seal("new-token")
	if !strings.HasPrefix(newSealed, "cs1:"+secrets.KeyID(newKey)+":") || rotated.NeedsReseal(newSealed) {
		t.Fatalf("new value %q is not sealed with the current key", newSealed)
	}
	if _, err := keyring(t, oldKey).Open(newSealed); !errors.Is(err, secrets.ErrUnknownKey) {
		t.Fatalf("the old key alone opened a value sealed with the new one: %v", err)
	}
}

func TestTamperingDetected(t *testing.T) {
	k := secrets.NewKey()
	r := keyring(t, k, secrets.NewKey())
	sealed, _ := r.Seal("shpat_secret")
	body := sealed[strings.LastIndex(sealed, ":")+1:]
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	raw[len(raw)-1] ^= 1
	flipped := sealed[:len(sealed)-len(body)] + base64.RawURLEncoding.EncodeToString(raw)
	for name, v := range map[string]string{
		"flipped bit": flipped,
		"truncated":   sealed[:len(sealed)-4],
		"no body":     "cs1:" + secrets.KeyID(k),
		"garbage":     "cs1:" + secrets.KeyID(k) + ":!!!",
	} {
		if _, err := r.Open(v); !errors.Is(err, secrets.ErrTampered) {
			t.Errorf("%s: err = %v, want ErrTampered", name, err)
		}
	}
}

func TestLegacyPlaintextOpensAsIs(t *testing.T) {
	r := keyring(t, secrets.NewKey())
	if got, err := r.Open("shpat_legacy"); err != nil || got != "shpat_legacy" {
		t.Fatalf("Open(legacy) = %q, %v", got, err)
	}
}

func TestParseKey(t *testing.T) {
	k := secrets.NewKey()
	for _, s := range []string{base64.StdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k)} {
		got, err := secrets.ParseKey(s)
		if err != nil || string(got) != string(k) {
			t.Fatalf("ParseKey(%q) = %x, %v", s, got, err)
		}
	}
	if _, err := secrets.ParseKey(base64.StdEncoding.EncodeToString(k[:16])); err == nil {
		t.Fatal("a 16-byte key was accepted")
	}
	if _, err := secrets.ParseKey("not base64!"); err == nil {
		t.Fatal("garbage was accepted")
	}
}
