package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/app/fulfillment"
	"github.com/consign/consign/app/hooks"
	"github.com/consign/consign/app/install"
	"github.com/consign/consign/app/orderfetch"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/app/privacy"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/reconcile"
	"github.com/consign/consign/app/replay"
	"github.com/consign/consign/handlers"
	"github.com/consign/consign/models"
)

// BigCommerce and WooCommerce at the edge: their translators, clients,
// pushers, order fetches, hooks, reconcile sources, webhooks and install
// callbacks. Nothing behind the edge learns their names.

// wireStoresEarly adds what the pipeline, fulfillment and reconciliation need
// before the job client exists.
func (a *App) wireStoresEarly(now func() time.Time) {
	cfg := a.Config
	a.Accounts.ValidateShop[models.PlatformBigCommerce] = bigcommerce.ValidateStoreHash
	a.Accounts.ValidateShop[models.PlatformWooCommerce] = validateStoreURL
	a.Pipeline.Translators[models.PlatformBigCommerce] = bigcommerce.TranslateOrder
	a.Pipeline.Translators[models.PlatformWooCommerce] = woocommerce.TranslateOrder

	a.BigCommerceClients = &bigcommerce.Clients{Options: bigcommerce.ClientOptions{
		BaseURL: cfg.BigCommerceAPIBaseURL, Logger: a.logger(),
		HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: a.Metrics.PlatformTransport(models.PlatformBigCommerce, nil, restOperation)},
		OnWait:     func(d time.Duration) { a.Metrics.PlatformWait(models.PlatformBigCommerce)(d, "rate_limit") },
	}}
	// A WooCommerce store lives wherever its merchant says: every call goes
	// through the guard.
	a.wooHTTP = a.Guard.Client(a.Metrics.PlatformTransport(models.PlatformWooCommerce, a.Guard.Transport(), restOperation), 30*time.Second)

	a.Fulfillment.Pushers[models.PlatformBigCommerce] = &bigCommercePusher{a: a}
	a.Fulfillment.Pushers[models.PlatformWooCommerce] = &wooCommercePusher{a: a}

	a.Hooks = &hooks.Service{DB: a.DB, Accounts: a.Accounts, Setups: map[string]hooks.Setup{
		models.PlatformBigCommerce: &bigCommerceHooks{a: a, destination: cfg.AppURL + "/webhooks/bigcommerce"},
		models.PlatformWooCommerce: &wooCommerceHooks{a: a, destination: cfg.AppURL + "/webhooks/woocommerce"},
	}}
	a.OrderFetch = &orderfetch.Service{DB: a.DB, Ingester: a.Ingester, Log: a.logger(),
		Fetchers: map[string]orderfetch.Fetcher{models.PlatformBigCommerce: &bigCommerceFetcher{a: a}}}
	if a.Pipeline.Topics == nil {
		a.Pipeline.Topics = map[string]pipeline.TopicHandler{}
	}
	for _, scope := range handlers.BigCommerceOrderScopes() {
		a.Pipeline.Topics[models.PlatformBigCommerce+" "+scope] = a.OrderFetch.Handler(bigCommerceOrderID)
	}
	a.Reconcile.Sources[models.PlatformBigCommerce] = &reconcile.BigCommerce{Client: a.bigCommerceClient}
	a.Reconcile.Sources[models.PlatformWooCommerce] = &reconcile.WooCommerce{Client: a.wooCommerceClient, Log: a.logger(),
		Repair: func(ctx context.Context, conn models.Connection) error {
			_, err := a.Hooks.Connect(ctx, conn.ID)
			return err
		}}
}

// wireStoresLate builds the webhook endpoints and install callbacks, once
// the job client exists.
func (a *App) wireStoresLate(now func() time.Time, sessions *admin.Sessions, woo *install.WooCommerce, pages *handlers.Pages) []handlers.Section {
	cfg := a.Config
	a.OrderFetch.Queue = a.Jobs
	// An uninstall is the same lifecycle event on every platform.
	a.Pipeline.Topics[models.PlatformBigCommerce+" "+install.TopicUninstalled] =
		a.Pipeline.Topics[models.PlatformShopify+" "+privacy.TopicUninstalled]
	auth := &handlers.StoreAuth{WooCommerce: woo, Pages: pages, Starts: a.limits.ConnectPerClient, Callbacks: a.limits.KeyCallbacks}
	if cfg.BigCommerceClientID != "" && cfg.BigCommerceClientSecret != "" {
		auth.BigCommerce = &install.BigCommerce{
			Accounts: a.Accounts, ClientID: cfg.BigCommerceClientID, ClientSecret: []byte(cfg.BigCommerceClientSecret),
			OAuth: &bigcommerce.OAuth{ClientID: cfg.BigCommerceClientID, ClientSecret: cfg.BigCommerceClientSecret,
				RedirectURI: cfg.AppURL + "/auth/bigcommerce", LoginBaseURL: cfg.BigCommerceLoginBaseURL,
				HTTP: &http.Client{Timeout: 30 * time.Second, Transport: a.Metrics.PlatformTransport(models.PlatformBigCommerce, nil, restOperation)}},
			Replay: &replay.Guard{DB: a.DB, Now: now}, Sessions: sessions, Hooks: a.queueHooks,
			Ingester: a.Ingester, Now: now, Log: a.logger(),
		}
	}
	return []handlers.Section{
		&handlers.BigCommerceWebhooks{Secrets: a.Accounts, ClientSecret: []byte(cfg.BigCommerceClientSecret),
			MaxBytes: cfg.WebhookMaxBytes, Ingester: a.Ingester, Metrics: a.Metrics, Now: now},
		&handlers.WooCommerceWebhooks{Secrets: a.Accounts, MaxBytes: cfg.WebhookMaxBytes, Ingester: a.Ingester, Metrics: a.Metrics},
		auth,
	}
}

// queueHooks queues the creation of a connection's webhooks (a job, retried
// until the store answers).
func (a *App) queueHooks(ctx context.Context, connID int64) error {
	if _, err := a.Jobs.Insert(ctx, queue.ConnectHooks{ConnectionID: connID}, nil); err != nil {
		return fmt.Errorf("queue webhooks of connection %d: %w", connID, err)
	}
	return nil
}

// wooConnect is the WooCommerce connect flow.
func (a *App) wooConnect(now func() time.Time) *install.WooCommerce {
	return &install.WooCommerce{DB: a.DB, Accounts: a.Accounts, AppName: "Consign", AppURL: a.Config.AppURL,
		Sessions: a.Sessions, Hooks: a.queueHooks, Verify: a.verifyWooKeys, Now: now, Log: a.logger(),
		CheckURL: func(u string) error { _, err := a.Guard.CheckURL(u); return err }}
}

// verifyWooKeys proves a key grant by reading the store's system status
// with it, through the guard like every call to a store.
func (a *App) verifyWooKeys(ctx context.Context, store, key, secret string) error {
	client, err := wooClient(a, store, key+":"+secret)
	if err != nil {
		return err
	}
	st, err := client.SystemStatus(ctx)
	if err != nil {
		return err
	}
	a.logger().DebugContext(ctx, "woocommerce keys verified", "shop", store, "home_url", st.HomeURL, "wc_version", st.WCVersion)
	return nil
}

// validateStoreURL accepts a WooCommerce store URL in its stored form.
func validateStoreURL(s string) error {
	n, err := woocommerce.NormalizeStoreURL(s)
	if err != nil {
		return err
	}
	if n != s {
		return fmt.Errorf("store URL %q is not in its normal form %q", s, n)
	}
	return nil
}

// bigCommerceOrderID reads the order id a thin order webhook names.
func bigCommerceOrderID(body []byte) (string, error) {
	hook, err := bigcommerce.ParseWebhook(body)
	if err != nil {
		return "", err
	}
	if hook.Type != "order" || hook.ID <= 0 {
		return "", fmt.Errorf("the webhook names no order (data type %q, id %d)", hook.Type, hook.ID)
	}
	return strconv.FormatInt(hook.ID, 10), nil
}

func (a *App) bigCommerceClient(ctx context.Context, conn models.Connection) (*bigcommerce.Client, error) {
	token, err := a.Accounts.AccessToken(ctx, conn.ID)
	if err != nil {
		return nil, err
	}
	return a.BigCommerceClients.Get(conn.Shop, token)
}

func (a *App) wooCommerceClient(ctx context.Context, conn models.Connection) (*woocommerce.Client, error) {
	token, err := a.Accounts.AccessToken(ctx, conn.ID)
	if err != nil {
		return nil, err
	}
	return wooClient(a, conn.Shop, token)
}

// wooClient opens a store's REST API with its "key:secret" credentials.
func wooClient(a *App, store, credentials string) (*woocommerce.Client, error) {
	key, secret, ok := strings.Cut(credentials, ":")
	if !ok {
		return nil, errors.New("woocommerce credentials are not key:secret")
	}
	return woocommerce.NewClient(woocommerce.ClientOptions{HTTPClient: a.wooHTTP, Logger: a.logger()}, store, key, secret)
}

// bigCommerceFetcher reads an order, its products and shipping addresses.
type bigCommerceFetcher struct{ a *App }

func (f *bigCommerceFetcher) Fetch(ctx context.Context, conn models.Connection, orderID string) ([]byte, time.Time, error) {
	id, err := strconv.ParseInt(orderID, 10, 64)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("order id %q: %w", orderID, err)
	}
	client, err := f.a.bigCommerceClient(ctx, conn)
	if err != nil {
		return nil, time.Time{}, err
	}
	snapshot, err := client.FetchOrder(ctx, id)
	if errors.Is(err, bigcommerce.ErrNotFound) {
		return nil, time.Time{}, orderfetch.ErrOrderGone
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	version, err := bigcommerce.SnapshotVersion(snapshot)
	if err != nil {
		return snapshot, time.Time{}, nil // stored, then marked failed with the reason
	}
	return snapshot, version.DateModified, nil
}

// bigCommerceHooks creates a store's order hooks, each carrying the
// connection's secret in a header.
type bigCommerceHooks struct {
	a           *App
	destination string
}

func (h *bigCommerceHooks) EnsureHooks(ctx context.Context, conn models.Connection, token, secret string) error {
	client, err := h.a.BigCommerceClients.Get(conn.Shop, token)
	if err != nil {
		return err
	}
	return client.EnsureHooks(ctx, h.destination, map[string]string{handlers.BigCommerceSecretHeader: secret},
		handlers.BigCommerceOrderScopes())
}

// wooCommerceHooks creates a store's order webhooks with the connection's
// secret, re-enabling those WooCommerce disabled.
type wooCommerceHooks struct {
	a           *App
	destination string
}

func (h *wooCommerceHooks) EnsureHooks(ctx context.Context, conn models.Connection, token, secret string) error {
	client, err := wooClient(h.a, conn.Shop, token)
	if err != nil {
		return err
	}
	n, err := client.EnsureWebhooks(ctx, h.destination, secret, woocommerce.OrderTopics)
	if n > 0 {
		h.a.logger().InfoContext(ctx, "re-enabled webhooks WooCommerce had disabled", "shop", conn.Shop, "count", n)
	}
	return err
}

// bigCommercePusher creates shipments in a BigCommerce store.
type bigCommercePusher struct{ a *App }

func (p *bigCommercePusher) Push(ctx context.Context, r fulfillment.Request) (string, error) {
	orderID, err := strconv.ParseInt(r.OrderExternalID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("order id %q: %w", r.OrderExternalID, err)
	}
	client, err := p.a.bigCommerceClient(ctx, models.Connection{ID: r.ConnectionID, Shop: r.Shop})
	if err != nil {
		return "", &fulfillment.RetryableError{After: time.Minute, Err: err}
	}
	in := bigcommerce.ShipmentInput{OrderID: orderID, TrackingNumber: r.TrackingNumber, Carrier: r.Carrier, TrackingURL: r.TrackingURL}
	for _, l := range r.Lines {
		id, err := strconv.ParseInt(l.ExternalLineID, 10, 64)
		if err != nil {
			return "", fmt.Errorf("order product id %q: %w", l.ExternalLineID, err)
		}
		in.Items = append(in.Items, bigcommerce.ShipmentItem{OrderProductID: id, Quantity: l.Quantity})
	}
	id, err := client.CreateShipments(ctx, in)
	var retry *bigcommerce.RetryableError
	if errors.As(err, &retry) {
		return "", &fulfillment.RetryableError{After: retry.After, Err: err}
	}
	return id, err
}

// wooCommercePusher adds tracking to a WooCommerce order and completes it
// once everything has shipped.
type wooCommercePusher struct{ a *App }

func (p *wooCommercePusher) Push(ctx context.Context, r fulfillment.Request) (string, error) {
	orderID, err := strconv.ParseInt(r.OrderExternalID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("order id %q: %w", r.OrderExternalID, err)
	}
	client, err := p.a.wooCommerceClient(ctx, models.Connection{ID: r.ConnectionID, Shop: r.Shop})
	if err != nil {
		return "", &fulfillment.RetryableError{After: time.Minute, Err: err}
	}
	id, err := client.Ship(ctx, orderID, woocommerce.Tracking{Carrier: r.Carrier, Number: r.TrackingNumber, URL: r.TrackingURL,
		Shipped: p.a.Fulfillment.Now()}, r.OrderShipped)
	var retry *woocommerce.RetryableError
	if errors.As(err, &retry) {
		return "", &fulfillment.RetryableError{After: retry.After, Err: err}
	}
	return id, err
}

// restOperation names a REST call for metrics: its method and path, with
// record ids and store hashes elided so there is one series per endpoint.
func restOperation(r *http.Request) string {
	path := r.URL.Path
	// A WooCommerce store may live below a path of its own: it is no part
	// of the endpoint's name.
	if i := strings.Index(path, "/wp-json/"); i > 0 {
		path = path[i:]
	}
	parts := strings.Split(path, "/")
	for i, seg := range parts {
		switch {
		case i > 0 && parts[i-1] == "stores":
			parts[i] = "{hash}"
		case seg != "" && strings.Trim(seg, "0123456789") == "":
			parts[i] = "{id}"
		}
	}
	return r.Method + " " + strings.Join(parts, "/")
}

func queueConnectHooks(connID int64) queue.ConnectHooks {
	return queue.ConnectHooks{ConnectionID: connID}
}
