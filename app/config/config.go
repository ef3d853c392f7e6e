// Package config reads Consign's configuration from the environment, once,
// into a typed struct with working defaults.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/secrets"
)

// DefaultShopifyScopes are the Admin API scopes Consign asks a shop for.
const DefaultShopifyScopes = "read_orders,write_orders,read_fulfillments,write_fulfillments," +
	"read_merchant_managed_fulfillment_orders,write_merchant_managed_fulfillment_orders,read_products"

// Config is everything Consign reads from its environment.
type Config struct {
	Port              int    // PORT: HTTP port (default 8080)
	DatabaseURL       string // DATABASE_URL: postgres://..., sqlite:PATH or a path (default ./consign.db)
	ShopifyAPIKey     string // SHOPIFY_API_KEY: the app's client id
	ShopifyAPISecret  string // SHOPIFY_API_SECRET: signs webhooks and session tokens
	ShopifyAPIBaseURL string // SHOPIFY_API_BASE_URL: replaces https://SHOP for Admin API calls (demo and tests only)
	WebhookMaxBytes   int64  // WEBHOOK_MAX_BYTES: largest webhook body accepted (default 2 MiB)
	Workers           int    // CONSIGN_WORKERS: job workers in this process (default by dialect; 0 disables)
	WorkersSet        bool
	LogFormat         string // LOG_FORMAT: json (default) or text
	LogLevel          slog.Level
	// CONSIGN_JOB_TIMEOUT: longest a job may run before River cancels it, a
	// duration such as 30s (default: the queue's, 1 minute).
	JobTimeout time.Duration
	// CONSIGN_RESCUE_AFTER: how long a job may stay running before River
	// takes its process for dead and runs it again, a duration such as 2m
	// (default: the queue's, 2 minutes). Must exceed the job timeout.
	RescueAfter time.Duration
	// CONSIGN_RECONCILE_INTERVAL: how often each store is asked for the
	// orders its webhooks missed, a duration such as 5m (default 5m; 0 turns
	// reconciliation off).
	ReconcileInterval time.Duration
	// CONSIGN_ENCRYPTION_KEY: 32 bytes, base64; seals store tokens at rest.
	// serve refuses to start without it; the demo makes one up.
	EncryptionKey []byte
	// CONSIGN_ENCRYPTION_KEYS_OLD: comma-separated older keys that still
	// open tokens sealed before a rotation.
	EncryptionKeysOld [][]byte
	// APP_URL: the public base URL, for OAuth redirects (default http://localhost:PORT).
	AppURL string
	// SHOPIFY_SCOPES: the Admin API scopes asked for on install (default DefaultShopifyScopes).
	ShopifyScopes string
	// BIGCOMMERCE_CLIENT_ID and BIGCOMMERCE_CLIENT_SECRET: the BigCommerce
	// app's credentials (its callbacks are mounted only when both are set;
	// stores connected with the CLI need neither).
	BigCommerceClientID     string
	BigCommerceClientSecret string
	// BIGCOMMERCE_API_BASE_URL replaces https://api.bigcommerce.com, and
	// BIGCOMMERCE_LOGIN_BASE_URL https://login.bigcommerce.com (tests only).
	BigCommerceAPIBaseURL   string
	BigCommerceLoginBaseURL string
	// CONSIGN_ALLOW_PRIVATE_URLS=1 lets tenant-given URLs (store URLs,
	// feeds, SFTP hosts, webhook endpoints) reach loopback and private
	// networks: for self-hosting next to the stores, and tests. Link-local
	// and cloud metadata addresses stay refused.
	AllowPrivateURLs bool
	// CONSIGN_CLIENT_IP_HEADER names the header the proxy in front of
	// Consign puts the client's address in (Fly-Client-IP on Fly.io), for
	// rate limits; unset, the connection's own address counts. Never set
	// it without such a proxy: anyone could then choose their address.
	ClientIPHeader string
	// SMTP_URL: where mail goes out (smtp://user:pass@host:587, STARTTLS
	// when offered; smtps:// for implicit TLS). Unset: no mail is sent
	// (the demo runs its own sink).
	SMTPURL string
	// SMTP_LISTEN: where `serve` listens for suppliers' replies (":2525");
	// unset: no listener. SMTP_DOMAIN: the domain reply addresses are at,
	// whose MX points here (default: APP_URL's host).
	SMTPListen string
	SMTPDomain string
	// MAIL_FROM: the From of Consign's mail (default orders@SMTP_DOMAIN).
	MailFrom string
}

// Load parses the environment through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Port:              8080,
		DatabaseURL:       "./consign.db",
		ShopifyAPIKey:     getenv("SHOPIFY_API_KEY"),
		ShopifyAPISecret:  getenv("SHOPIFY_API_SECRET"),
		ShopifyAPIBaseURL: strings.TrimRight(getenv("SHOPIFY_API_BASE_URL"), "/"),

		BigCommerceClientID:     getenv("BIGCOMMERCE_CLIENT_ID"),
		BigCommerceClientSecret: getenv("BIGCOMMERCE_CLIENT_SECRET"),
		BigCommerceAPIBaseURL:   strings.TrimRight(getenv("BIGCOMMERCE_API_BASE_URL"), "/"),
		BigCommerceLoginBaseURL: strings.TrimRight(getenv("BIGCOMMERCE_LOGIN_BASE_URL"), "/"),
		WebhookMaxBytes:         2 << 20,
		LogFormat:               "json",
		ReconcileInterval:       5 * time.Minute,
	}
	var errs []error
	if v := getenv("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			errs = append(errs, fmt.Errorf("PORT=%q is not a port number", v))
		}
		c.Port = p
	}
	if v := getenv("DATABASE_URL"); v != "" {
		c.DatabaseURL = v
	}
	if v := getenv("WEBHOOK_MAX_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			errs = append(errs, fmt.Errorf("WEBHOOK_MAX_BYTES=%q must be a number of bytes, at least 1024", v))
		}
		c.WebhookMaxBytes = n
	}
	if v := getenv("CONSIGN_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("CONSIGN_WORKERS=%q must be a whole number", v))
		}
		c.Workers, c.WorkersSet = n, true
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"CONSIGN_JOB_TIMEOUT", &c.JobTimeout}, {"CONSIGN_RESCUE_AFTER", &c.RescueAfter}} {
		if v := getenv(d.name); v != "" {
			n, err := time.ParseDuration(v)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q must be a positive duration such as 30s", d.name, v))
			}
			*d.dst = n
		}
	}
	if v := getenv("CONSIGN_ENCRYPTION_KEY"); v != "" {
		k, err := secrets.ParseKey(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CONSIGN_ENCRYPTION_KEY: %w", err))
		}
		c.EncryptionKey = k
	}
	if v := getenv("CONSIGN_ENCRYPTION_KEYS_OLD"); v != "" {
		for i, part := range strings.Split(v, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			k, err := secrets.ParseKey(part)
			if err != nil {
				errs = append(errs, fmt.Errorf("CONSIGN_ENCRYPTION_KEYS_OLD key %d: %w", i+1, err))
			}
			c.EncryptionKeysOld = append(c.EncryptionKeysOld, k)
		}
	}
	c.ShopifyScopes = strings.TrimSpace(getenv("SHOPIFY_SCOPES"))
	if c.ShopifyScopes == "" {
		c.ShopifyScopes = DefaultShopifyScopes
	}
	c.AppURL = strings.TrimRight(getenv("APP_URL"), "/")
	if c.AppURL == "" {
		c.AppURL = fmt.Sprintf("http://localhost:%d", c.Port)
	}
	if v := getenv("CONSIGN_RECONCILE_INTERVAL"); v != "" {
		n, err := time.ParseDuration(v)
		if err != nil || n < 0 || (n > 0 && n < time.Minute) {
			errs = append(errs, fmt.Errorf("CONSIGN_RECONCILE_INTERVAL=%q must be a duration of at least 1m (or 0 to turn it off)", v))
		}
		c.ReconcileInterval = n
	}
	if c.JobTimeout > 0 && c.RescueAfter > 0 && c.RescueAfter <= c.JobTimeout {
		errs = append(errs, fmt.Errorf("CONSIGN_RESCUE_AFTER (%s) must exceed CONSIGN_JOB_TIMEOUT (%s)", c.RescueAfter, c.JobTimeout))
	}
	if v := getenv("CONSIGN_ALLOW_PRIVATE_URLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("CONSIGN_ALLOW_PRIVATE_URLS=%q must be 1 or 0", v))
		}
		c.AllowPrivateURLs = b
	}
	c.ClientIPHeader = strings.TrimSpace(getenv("CONSIGN_CLIENT_IP_HEADER"))
	c.SMTPURL = strings.TrimSpace(getenv("SMTP_URL"))
	c.SMTPListen = strings.TrimSpace(getenv("SMTP_LISTEN"))
	c.SMTPDomain = strings.ToLower(strings.TrimSpace(getenv("SMTP_DOMAIN")))
	if c.SMTPDomain == "" {
		c.SMTPDomain = hostOf(c.AppURL)
	}
	c.MailFrom = strings.TrimSpace(getenv("MAIL_FROM"))
	if c.MailFrom == "" {
		c.MailFrom = "Consign <orders@" + c.SMTPDomain + ">"
	}
	if strings.ContainsAny(c.ClientIPHeader, " :\r\n") {
		errs = append(errs, fmt.Errorf("CONSIGN_CLIENT_IP_HEADER=%q is not a header name", c.ClientIPHeader))
	}
	if v := getenv("LOG_FORMAT"); v != "" {
		if v != "json" && v != "text" {
			errs = append(errs, fmt.Errorf("LOG_FORMAT=%q must be json or text", v))
		}
		c.LogFormat = v
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("LOG_LEVEL=%q: %w", v, err))
		}
	}
	return c, errors.Join(errs...)
}

// hostOf is a URL's host name without port, or "localhost".
func hostOf(raw string) string {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "localhost"
	}
	host, _, _ := strings.Cut(rest, "/")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return "localhost"
	}
	return strings.ToLower(host)
}

// ValidateServe checks what `serve` cannot run without.
func (c Config) ValidateServe() error {
	var missing []string
	if c.ShopifyAPIKey == "" {
		missing = append(missing, "SHOPIFY_API_KEY")
	}
	if c.ShopifyAPISecret == "" {
		missing = append(missing, "SHOPIFY_API_SECRET")
	}
	if len(c.EncryptionKey) == 0 {
		missing = append(missing, "CONSIGN_ENCRYPTION_KEY")
	}
	if len(missing) > 0 {
		return fmt.Errorf("serve needs %s in the environment", strings.Join(missing, " and "))
	}
	return nil
}

// LogValue masks secrets when the config is logged.
func (c Config) LogValue() slog.Value {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	return slog.GroupValue(
		slog.Int("port", c.Port),
		slog.String("database", maskURL(c.DatabaseURL)),
		slog.String("shopify_api_key", c.ShopifyAPIKey),
		slog.String("shopify_api_secret", mask(c.ShopifyAPISecret)),
		slog.String("shopify_api_base_url", c.ShopifyAPIBaseURL),
		slog.String("app_url", c.AppURL),
		slog.Bool("allow_private_urls", c.AllowPrivateURLs),
		slog.String("smtp_url", maskURL(c.SMTPURL)),
		slog.String("smtp_listen", c.SMTPListen),
		slog.String("smtp_domain", c.SMTPDomain),
		slog.Bool("encryption_key_set", len(c.EncryptionKey) > 0),
		slog.Int("encryption_keys_old", len(c.EncryptionKeysOld)),
	)
}

// maskURL hides a password in a database URL.
func maskURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return u
	}
	user, _, hasPass := strings.Cut(creds, ":")
	if !hasPass {
		return u
	}
	return scheme + "://" + user + ":***@" + host
}
