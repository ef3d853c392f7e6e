package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/app/secrets"
	"github.com/consign/consign/handlers"
	"github.com/consign/consign/models"
	adminview "github.com/consign/consign/views/admin"
)

const (
	demoShop  = "demo-outfitters.myshopify.com"
	demoToken = "shpat_demo_token"
)

// demo runs Consign end to end with nothing but this binary: an SQLite
// database, a fake Shopify Admin API in-process, sample suppliers and
// orders fired as signed webhooks through the real HTTP endpoint.
func (c *cli) demo(ctx context.Context, args []string) error {
	fs := newFlags("demo", c.stderr)
	// Loopback unless asked: the demo serves /demo, which signs anyone in.
	listen := fs.String("listen", fmt.Sprintf("127.0.0.1:%d", c.cfg.Port), "address to serve on; :PORT serves every interface")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg := c.cfg
	dir, err := os.MkdirTemp("", "consign-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if c.getenv("DATABASE_URL") == "" {
		cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "demo.db")
	}
	// The suppliers' systems: a mail server that catches Consign's mail,
	// and the EDI supplier's SFTP server.
	chans, err := startDemoChannels(dir)
	if err != nil {
		return err
	}
	defer chans.close()
	if c.getenv("SMTP_URL") == "" {
		cfg.SMTPURL = chans.mail.URL()
	}
	if cfg.ShopifyAPISecret == "" {
		cfg.ShopifyAPIKey, cfg.ShopifyAPISecret = "demo-api-key", "demo-api-secret"
	}
	if len(cfg.EncryptionKey) == 0 {
		cfg.EncryptionKey = secrets.NewKey() // the demo's tokens live as long as it does
	}
	if c.getenv("LOG_FORMAT") == "" {
		cfg.LogFormat = "text"
	}
	if c.getenv("LOG_LEVEL") == "" {
		cfg.LogLevel = slog.LevelWarn // keep the walkthrough readable
	}

	fake := fakeshopify.New(fakeshopify.Options{})
	fake.SetToken(demoShop, demoToken)
	fakeLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the fake Shopify: %w", err)
	}
	fakeSrv := &http.Server{Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	go fakeSrv.Serve(fakeLn)
	defer fakeSrv.Close()
	cfg.ShopifyAPIBaseURL = "http://" + fakeLn.Addr().String()

	db, err := database.Open(ctx, cfg.DatabaseURL, database.Options{})
	if err != nil {
		return err
	}
	err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return err
	}
	// Listen first: links the demo prints and mails point at the port
	// it really got (PORT=0 picks one).
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
		base = fmt.Sprintf("http://localhost:%d", tcp.Port)
	}
	if c.getenv("APP_URL") == "" {
		cfg.AppURL = base
	}
	c.cfg = cfg
	log := c.logger()
	a, err := New(ctx, cfg, log, Options{Workers: true, Demo: true, PollEvery: 3 * time.Second, demo: chans})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.StartWorkers(ctx); err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.Serve(ctx, ln) }()

	keys, err := seedDemo(ctx, a, chans)
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	if err := fireDemoOrders(ctx, base, cfg.ShopifyAPISecret, fake); err != nil {
		return fmt.Errorf("send demo webhooks: %w", err)
	}
	po, err := waitForPO(ctx, a, keys[0].id)
	if err != nil {
		return err
	}
	ediPO, err := waitForPO(ctx, a, keys[2].id)
	if err != nil {
		return err
	}
	ack, ship, err := chans.writeAnswers(ediPO)
	if err != nil {
		return fmt.Errorf("write the EDI supplier's answers: %w", err)
	}
	c.printWalkthrough(base, keys, po)
	c.printChannels(base, keys, ediPO, ack, ship, chans.inbound())
	go reportFulfillments(ctx, fake, c)

	select {
	case <-ctx.Done():
		fmt.Fprintln(c.stdout, "\ndemo stopped")
		return nil
	case err := <-serveErr:
		return err
	}
}

type demoKey struct {
	id   int64
	name string
	key  string
}

// seedDemo connects the sample store and adds the three sample suppliers
// with their catalogs: the first works in the portal and the API, the
// second by email, the third by EDI over SFTP.
func seedDemo(ctx context.Context, a *App, chans *demoChannels) ([]demoKey, error) {
	conn, err := a.Accounts.Connect(ctx, "shopify", demoShop, demoToken)
	if err != nil {
		return nil, err
	}
	var keys []demoKey
	for i, s := range samples.Suppliers {
		sup, key, err := a.Accounts.AddSupplier(ctx, conn.AccountID, accounts.SupplierInput{Name: s.Name, Email: s.Email, Priority: 10 * (i + 1)})
		if err != nil {
			return nil, err
		}
		rep, err := catalog.Import(ctx, a.DB, sup.ID, "USD", strings.NewReader(samples.CatalogCSV(i)), time.Now().UTC())
		if err != nil {
			return nil, err
		}
		if rep.Bad > 0 {
			return nil, fmt.Errorf("sample catalog %d has %d bad rows", i, rep.Bad)
		}
		keys = append(keys, demoKey{sup.ID, sup.Name, key})
	}
	if err := chans.configure(ctx, a, conn.AccountID, keys); err != nil {
		return nil, err
	}
	return keys, nil
}

// demoOrders are the orders the demo store receives.
func demoOrders() []samples.Order {
	p := samples.Products
	return []samples.Order{
		{ID: 5550001001, Number: 1001, Lines: []samples.OrderLine{
			{Product: p[0], Quantity: 1}, {Product: p[2], Quantity: 2}, {Product: p[3], Quantity: 4}}},
		{ID: 5550001002, Number: 1002, Lines: []samples.OrderLine{
			{Product: p[1], Quantity: 1}, {Product: p[6], Quantity: 1}, {Product: samples.Unstocked, Quantity: 1}}},
		{ID: 5550001003, Number: 1003, FinancialStatus: "pending", Lines: []samples.OrderLine{
			{Product: p[4], Quantity: 2}}},
	}
}

// fireDemoOrders sends each sample order as a signed orders/create webhook
// through the real endpoint, and gives the fake Shopify the same orders.
func fireDemoOrders(ctx context.Context, base, secret string, fake *fakeshopify.Server) error {
	for _, o := range demoOrders() {
		var lines []fakeshopify.Line
		for i, l := range o.Lines {
			lines = append(lines, fakeshopify.Line{ID: fmt.Sprint(samples.LineID(o.ID, i)), Quantity: l.Quantity})
		}
		fake.AddOrder(demoShop, fmt.Sprintf("gid://shopify/Order/%d", o.ID), lines)
		body := samples.ShopifyOrder(o)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/webhooks/shopify", strings.NewReader(string(body)))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Topic", "orders/create")
		req.Header.Set("X-Shopify-Shop-Domain", demoShop)
		req.Header.Set("X-Shopify-Webhook-Id", fmt.Sprintf("demo-%d", o.ID))
		req.Header.Set("X-Shopify-Hmac-Sha256", shopify.Sign([]byte(secret), body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("order %d: webhook answered %s", o.Number, res.Status)
		}
	}
	return nil
}

// waitForPO waits until the first supplier's PO for order #1001 is sent.
func waitForPO(ctx context.Context, a *App, supplierID int64) (models.PurchaseOrder, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var po models.PurchaseOrder
		err := a.DB.Gorm.WithContext(ctx).Preload("Lines").
			Where("supplier_id = ? AND state = ?", supplierID, models.POSent).Order("id").Take(&po).Error
		if err == nil {
			return po, nil
		}
		select {
		case <-ctx.Done():
			return po, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return models.PurchaseOrder{}, errors.New("no purchase order appeared within 30s")
}

func (c *cli) printWalkthrough(base string, keys []demoKey, po models.PurchaseOrder) {
	w := c.stdout
	fmt.Fprintf(w, "\nConsign demo is running at %s (Ctrl-C to stop)\n\n", base)
	fmt.Fprintf(w, "Open the retailer admin and the supplier portal in a browser: %s/demo\n\n", base)
	fmt.Fprintf(w, "Store %s sent 3 orders: #1001 and #1002 are paid and routed, #1003 waits for payment;\n", demoShop)
	fmt.Fprintf(w, "#1002 has a line no supplier carries, so it needs attention.\n\n")
	fmt.Fprintln(w, "Supplier API keys:")
	for _, k := range keys {
		fmt.Fprintf(w, "  supplier %d  %-22s %s\n", k.id, k.name, k.key)
	}
	key := keys[0].key
	fmt.Fprintf(w, "\nList %s's purchase orders:\n", keys[0].name)
	fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' %s/api/v1/purchase-orders\n", key, base)
	fmt.Fprintf(w, "\nAccept purchase order %s:\n", po.Number)
	fmt.Fprintf(w, "  curl -s -X POST -H 'Authorization: Bearer %s' %s/api/v1/purchase-orders/%d/accept\n", key, base, po.ID)
	var lines []string
	for _, l := range po.Lines {
		lines = append(lines, fmt.Sprintf(`{"line_id":%d,"quantity":%d}`, l.ID, l.Quantity))
	}
	fmt.Fprintf(w, "\nShip it with tracking (the fake Shopify then reports the fulfillment here):\n")
	fmt.Fprintf(w, "  curl -s -X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n", key)
	fmt.Fprintf(w, "    -d '{\"carrier\":\"UPS\",\"tracking_number\":\"1Z999AA10123456784\",\"tracking_url\":\"https://www.ups.com/track?tracknum=1Z999AA10123456784\",\"lines\":[%s]}' \\\n", strings.Join(lines, ","))
	fmt.Fprintf(w, "    %s/api/v1/purchase-orders/%d/shipments\n\n", base, po.ID)
}

// printChannels tells how the email and EDI suppliers answer.
func (c *cli) printChannels(base string, keys []demoKey, ediPO models.PurchaseOrder, ack, ship, inbound string) {
	w := c.stdout
	fmt.Fprintf(w, "%s works by email: its purchase orders were mailed, and the demo caught the mail at\n  %s/demo/mail\n", keys[1].name, base)
	fmt.Fprintf(w, "(the link in each mail opens that one PO in the portal, with no account).\n\n")
	fmt.Fprintf(w, "%s works by EDI over SFTP: its 850 for %s is in the demo SFTP server's outbound folder.\n", keys[2].name, ediPO.Number)
	fmt.Fprintf(w, "Answer as its EDI system would: accept the PO (855), then ship it (856). Consign reads the folder every few seconds:\n")
	fmt.Fprintf(w, "  cp %s %s/\n", ack, inbound)
	fmt.Fprintf(w, "  cp %s %s/\n\n", ship, inbound)
}

// reportFulfillments prints each fulfillment the fake Shopify receives.
func reportFulfillments(ctx context.Context, fake *fakeshopify.Server, c *cli) {
	seen := 0
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		fs := fake.Fulfillments(demoShop)
		for _, f := range fs[seen:] {
			units := 0
			for _, l := range f.Lines {
				units += l.Quantity
			}
			fmt.Fprintf(c.stdout, "fake Shopify received fulfillment %s for %s: %d units, %s tracking %s (%s), customer notified: %t\n",
				f.ID, f.OrderGID, units, f.Tracking.Company, f.Tracking.Number, f.Tracking.URL, f.NotifyCustomer)
		}
		seen = len(fs)
	}
}

// demoSignInTTL is how long a demo admin session token lasts. Shopify's
// last a minute and App Bridge renews them; the demo has no App Bridge, so
// the one token must last a browsing session.
const demoSignInTTL = 12 * time.Hour

// demoSection is the demo's sign-in page; outside the demo it registers
// nothing.
func (a *App) demoSection(opts Options, pages *handlers.Pages) handlers.Section {
	s := &handlers.DemoSignIn{Pages: pages}
	if opts.Demo {
		s.Links = &demoLinks{app: a, shop: demoShop, channels: opts.demo}
	}
	return s
}

// demoLinks stands in for Shopify (minting session tokens for the demo
// store) and for the invite email (handing out portal links), and shows
// the mail the demo caught.
type demoLinks struct {
	app      *App
	shop     string
	channels *demoChannels
}

func (l *demoLinks) Mail() []adminview.DemoMail {
	if l.channels == nil {
		return nil
	}
	return l.channels.messages()
}

func (l *demoLinks) Shop() string { return l.shop }

func (l *demoLinks) AdminURL(ctx context.Context) (string, error) {
	cfg := l.app.Config
	claims := shopify.NewSessionClaims(l.shop, cfg.ShopifyAPIKey, "demo", time.Now(), demoSignInTTL)
	token, err := shopify.SignSessionToken(claims, []byte(cfg.ShopifyAPISecret))
	if err != nil {
		return "", fmt.Errorf("sign demo session token: %w", err)
	}
	return "/app?" + url.Values{"id_token": {token}, "shop": {l.shop}}.Encode(), nil
}

func (l *demoLinks) Suppliers(ctx context.Context) ([]adminview.DemoSupplier, error) {
	acct, err := l.app.Accounts.Retailer(ctx, l.shop)
	if err != nil {
		return nil, err
	}
	rows, err := (&admin.Service{DB: l.app.DB}).Suppliers(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	out := make([]adminview.DemoSupplier, len(rows))
	for i, r := range rows {
		out[i] = adminview.DemoSupplier{ID: r.ID, Name: r.Name}
	}
	return out, nil
}

func (l *demoLinks) PortalURL(ctx context.Context, supplierID int64) (string, error) {
	acct, err := l.app.Accounts.Retailer(ctx, l.shop)
	if err != nil {
		return "", err
	}
	// Only the demo store's own suppliers.
	if _, err := (&admin.Service{DB: l.app.DB}).Supplier(ctx, acct.ID, supplierID); err != nil {
		return "", err
	}
	return l.app.Portal.Invite(ctx, supplierID)
}
