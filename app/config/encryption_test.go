package config

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestEncryptionKeys(t *testing.T) {
	cur := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	old := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("o", 32)))
	c, err := Load(env(map[string]string{"CONSIGN_ENCRYPTION_KEY": cur, "CONSIGN_ENCRYPTION_KEYS_OLD": old + ", " + cur,
		"SHOPIFY_API_KEY": "k", "SHOPIFY_API_SECRET": "s"}))
	if err != nil || len(c.EncryptionKey) != 32 || len(c.EncryptionKeysOld) != 2 {
		t.Fatalf("Load = %d-byte key, %d old, %v", len(c.EncryptionKey), len(c.EncryptionKeysOld), err)
	}
	if err := c.ValidateServe(); err != nil {
		t.Fatalf("ValidateServe with a key = %v", err)
	}
	if strings.Contains(c.LogValue().String(), cur) {
		t.Fatal("log value leaks the encryption key")
	}
	c.EncryptionKey = nil
	if err := c.ValidateServe(); err == nil || !strings.Contains(err.Error(), "CONSIGN_ENCRYPTION_KEY") {
		t.Fatalf("ValidateServe without a key = %v", err)
	}
	_, err = Load(env(map[string]string{"CONSIGN_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString([]byte("short"))}))
	if err == nil || !strings.Contains(err.Error(), "CONSIGN_ENCRYPTION_KEY") {
		t.Fatalf("a short key: %v", err)
	}
}

func TestAppURLAndScopes(t *testing.T) {
	c, _ := Load(env(map[string]string{"PORT": "9000"}))
	if c.AppURL != "http://localhost:9000" || c.ShopifyScopes != DefaultShopifyScopes {
		t.Fatalf("defaults: %q %q", c.AppURL, c.ShopifyScopes)
	}
	c, _ = Load(env(map[string]string{"APP_URL": "https://consign.fly.dev/"}))
	if c.AppURL != "https://consign.fly.dev" {
		t.Fatalf("APP_URL = %q", c.AppURL)
	}
}
