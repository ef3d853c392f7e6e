package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/models"
)

// connectBigCommerce connects a BigCommerce store with a store-level API
// account token, without the app install flow, and creates its hooks.
func (c *cli) connectBigCommerce(ctx context.Context, args []string) error {
	fs := newFlags("connect bigcommerce", c.stderr)
	hash := fs.String("store-hash", "", "the store hash (the HASH in stores/HASH)")
	token := fs.String("token", "", "API account access token (Orders modify, Information read)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	return c.connectStore(ctx, *asJSON, models.PlatformBigCommerce, *hash, accounts.Grant{AccessToken: *token}, nil)
}

// connectWooCommerce connects a WooCommerce store with REST API keys and
// creates its webhooks.
func (c *cli) connectWooCommerce(ctx context.Context, args []string) error {
	fs := newFlags("connect woocommerce", c.stderr)
	storeURL := fs.String("url", "", "the store's address, https://example.com")
	key := fs.String("key", "", "REST API consumer key (ck_...), read_write")
	secret := fs.String("secret", "", "REST API consumer secret (cs_...)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *key == "" || *secret == "" {
		return errors.New("connect woocommerce needs --key and --secret")
	}
	store, err := woocommerce.NormalizeStoreURL(*storeURL)
	if err != nil {
		return &models.ValidationError{Message: err.Error()}
	}
	// The keys are proven on the store before anything is stored, through
	// the guard every call to a store goes through.
	verify := func(ctx context.Context, a *App) error { return a.verifyWooKeys(ctx, store, *key, *secret) }
	return c.connectStore(ctx, *asJSON, models.PlatformWooCommerce, store, accounts.Grant{AccessToken: *key + ":" + *secret, Scopes: "read_write"}, verify)
}

// connectStore checks the grant with verify (when given), stores it and
// creates the store's webhooks now, so a wrong token or URL fails here
// rather than in a job.
func (c *cli) connectStore(ctx context.Context, asJSON bool, platform, shop string, g accounts.Grant, verify func(context.Context, *App) error) error {
	if len(c.cfg.EncryptionKey) == 0 {
		return errors.New("connect needs CONSIGN_ENCRYPTION_KEY in the environment: tokens are stored encrypted")
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if verify != nil {
		if err := verify(ctx, a); err != nil {
			return fmt.Errorf("%s refused the keys, or could not be reached: %w", shop, err)
		}
	}
	conn, err := a.Accounts.Install(ctx, platform, shop, g)
	if err != nil {
		return err
	}
	secret, err := a.Hooks.Connect(ctx, conn.ID)
	if err != nil {
		return fmt.Errorf("%s connected (connection %d), but its webhooks were not created: %w", conn.Shop, conn.ID, err)
	}
	return c.print(asJSON, map[string]any{
		"retailer_id": conn.AccountID, "connection_id": conn.ID, "platform": platform, "shop": conn.Shop, "webhook_secret": secret,
	}, fmt.Sprintf("connected %s %s (retailer %d, connection %d); webhook secret %s\n", platform, conn.Shop, conn.AccountID, conn.ID, secret))
}
