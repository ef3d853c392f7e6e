package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.DatabaseURL != "./consign.db" || c.WebhookMaxBytes != 2<<20 || c.LogFormat != "json" {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.ValidateServe(); err == nil || !strings.Contains(err.Error(), "SHOPIFY_API_KEY and SHOPIFY_API_SECRET") {
		t.Errorf("ValidateServe without keys = %v", err)
	}
}

func TestInvalidValuesAreNamed(t *testing.T) {
	_, err := Load(env(map[string]string{"PORT": "http", "WEBHOOK_MAX_BYTES": "12", "LOG_FORMAT": "xml"}))
	for _, name := range []string{"PORT", "WEBHOOK_MAX_BYTES", "LOG_FORMAT"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

func TestSecretsAreMaskedInLogs(t *testing.T) {
	c, _ := Load(env(map[string]string{"SHOPIFY_API_SECRET": "s3cret", "DATABASE_URL": "postgres://u:pw@db/consign"}))
	v := c.LogValue().String()
	if strings.Contains(v, "s3cret") || strings.Contains(v, "pw@") {
		t.Errorf("log value leaks a secret: %s", v)
	}
}
