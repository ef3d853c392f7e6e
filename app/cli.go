package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/config"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

const usage = `consign: dropship orders from store to supplier and back.

Usage: consign <command> [flags]

Commands:
  serve                       run the web server and job workers
  migrate                     apply database migrations (Consign's and River's)
  demo [--listen ADDR]        run a self-contained demo on SQLite with a fake Shopify
                              (on 127.0.0.1 unless --listen says otherwise)
  connect shopify --shop NAME.myshopify.com --token TOKEN [--supplier ID]
                              connect a retailer's store with a custom-app token
                              (--supplier: connect that supplier's own store)
  connect bigcommerce --store-hash HASH --token TOKEN
                              connect a BigCommerce store with an API account
                              token and create its order webhooks
  connect woocommerce --url URL --key CK --secret CS
                              connect a WooCommerce store with REST API keys
                              (read_write) and create its order webhooks
  supplier add --retailer SHOP --name NAME --email EMAIL [--strategy S] [--priority N]
               [--channel portal|store --shop SUPPLIER_SHOP --token TOKEN]
                              add a supplier and print its API key (shown once);
                              store: its POs become orders in its own store
  supplier channel --supplier ID --channel email|sftp|edi|portal|store [settings flags] [--test]
                              choose how a supplier's POs reach it (see --help of the command)
  edi parse FILE              print an X12 file's interchanges as JSON
  edi render PO_ID            print the 850 Consign would send for a PO
  catalog import --supplier ID FILE.csv
                              import a supplier catalog (sku, gtin, title, cost, inventory)
  map --retailer SHOP --variant ID --supplier ID --sku SKU
                              map a store variant to a supplier's catalog item
  settings --retailer SHOP [--trigger paid|any] [--late-accept-hours N] [--late-ship-days N]
                              show or change a retailer's routing settings
  orders [--retailer SHOP] [--state S]
                              list orders
  pos [--supplier ID] [--state S]
                              list purchase orders
  route ORDER_ID              route an order again after a mapping or catalog change
  events replay EVENT_ID      process a stored webhook event again
  bench ingest|pipeline|route|import|push
                              measure a scenario against its baseline (docs/PERFORMANCE.md)

Every setup command takes --json and then prints one JSON object.
Configuration comes from the environment: see README.md.
`

// Main runs the consign command line. main.go calls it with the real
// process environment; tests call it with their own.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	c := &cli{cfg: cfg, getenv: getenv, stdout: stdout, stderr: stderr}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return c.serve(ctx, rest)
	case "migrate":
		return c.migrate(ctx, rest)
	case "demo":
		return c.demo(ctx, rest)
	case "connect":
		return c.connect(ctx, rest)
	case "supplier":
		return c.supplier(ctx, rest)
	case "catalog":
		return c.catalogCmd(ctx, rest)
	case "map":
		return c.mapCmd(ctx, rest)
	case "settings":
		return c.settings(ctx, rest)
	case "orders":
		return c.orders(ctx, rest)
	case "pos":
		return c.pos(ctx, rest)
	case "route":
		return c.route(ctx, rest)
	case "events":
		return c.events(ctx, rest)
	case "edi":
		return c.ediCmd(ctx, rest)
	case "bench":
		return c.bench(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

type cli struct {
	cfg            config.Config
	getenv         func(string) string
	stdout, stderr io.Writer
}

func (c *cli) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.cfg.LogLevel}
	if c.cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(c.stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(c.stderr, opts))
}

// quietLogger is for setup commands: only problems reach the terminal.
func (c *cli) quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// flags parses a command's flags, allowing them before and after positional
// arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// open builds an App without workers, for commands that only read or enqueue.
func (c *cli) open(ctx context.Context) (*App, error) {
	return New(ctx, c.cfg, c.quietLogger(), Options{})
}

func (c *cli) serve(ctx context.Context, args []string) error {
	fs := newFlags("serve", c.stderr)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.cfg.ValidateServe(); err != nil {
		return err
	}
	log := c.logger()
	a, err := New(ctx, c.cfg, log, Options{Workers: true})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", c.cfg.Port))
	if err != nil {
		return fmt.Errorf("listen on port %d: %w", c.cfg.Port, err)
	}
	if err := a.StartWorkers(ctx); err != nil {
		return err
	}
	if c.cfg.SMTPListen != "" {
		mln, err := net.Listen("tcp", c.cfg.SMTPListen)
		if err != nil {
			return fmt.Errorf("listen for mail on %s: %w", c.cfg.SMTPListen, err)
		}
		go func() {
			if err := a.ServeMail(ctx, mln); err != nil {
				log.Error("mail listener stopped", "error", err)
			}
		}()
		log.Info("consign receiving supplier mail", "addr", mln.Addr().String(), "domain", c.cfg.SMTPDomain)
	}
	log.Info("consign serving", "addr", ln.Addr().String(), "config", c.cfg, "dialect", a.DB.Dialect)
	return a.Serve(ctx, ln)
}

func (c *cli) migrate(ctx context.Context, args []string) error {
	fs := newFlags("migrate", c.stderr)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := database.Open(ctx, c.cfg.DatabaseURL, database.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s database is up to date\n", db.Dialect)
	return nil
}

func (c *cli) connect(ctx context.Context, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "bigcommerce":
		return c.connectBigCommerce(ctx, args[1:])
	case len(args) > 0 && args[0] == "woocommerce":
		return c.connectWooCommerce(ctx, args[1:])
	case len(args) == 0 || args[0] != "shopify":
		return errors.New("usage: consign connect shopify|bigcommerce|woocommerce ... (see consign help)")
	}
	fs := newFlags("connect shopify", c.stderr)
	shop := fs.String("shop", "", "shop domain, NAME.myshopify.com")
	token := fs.String("token", "", "Admin API access token of a custom app")
	supplierID := fs.Int64("supplier", 0, "connect this supplier's own store instead of a retailer's")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if len(c.cfg.EncryptionKey) == 0 {
		return errors.New("connect needs CONSIGN_ENCRYPTION_KEY in the environment: tokens are stored encrypted")
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if *supplierID != 0 {
		conn, err := a.Accounts.ConnectSupplierStore(ctx, *supplierID, "shopify", *shop, accounts.Grant{AccessToken: *token})
		if err != nil {
			return err
		}
		return c.print(*asJSON, map[string]any{"supplier_id": conn.AccountID, "connection_id": conn.ID, "shop": conn.Shop},
			fmt.Sprintf("connected %s (supplier %d, connection %d)\n", conn.Shop, conn.AccountID, conn.ID))
	}
	conn, err := a.Accounts.Connect(ctx, "shopify", *shop, *token)
	if err != nil {
		return err
	}
	return c.print(*asJSON, map[string]any{"retailer_id": conn.AccountID, "connection_id": conn.ID, "shop": conn.Shop},
		fmt.Sprintf("connected %s (retailer %d, connection %d)\n", conn.Shop, conn.AccountID, conn.ID))
}

func (c *cli) supplier(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "channel" {
		return c.supplierChannel(ctx, args[1:]) // cli_channels.go
	}
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: consign supplier add --retailer SHOP --name NAME --email EMAIL [--strategy S] [--priority N] [--channel portal|store --shop SHOP --token TOKEN]\n" +
			"       consign supplier channel --supplier ID --channel email|sftp|edi|portal|store [settings flags] [--test]")
	}
	fs := newFlags("supplier add", c.stderr)
	retailer := fs.String("retailer", "", "the retailer's shop domain")
	name := fs.String("name", "", "supplier name")
	email := fs.String("email", "", "supplier contact email")
	strategy := fs.String("strategy", "priority", "how to choose among suppliers: priority, lowest_cost, in_stock_first")
	priority := fs.Int("priority", 100, "lower goes first")
	channel := fs.String("channel", models.ChannelPortal, "how POs reach the supplier: portal, or store (its own Shopify store)")
	storeShop := fs.String("shop", "", "with --channel store: the supplier's shop, NAME.myshopify.com")
	storeToken := fs.String("token", "", "with --channel store: the supplier store's Admin API access token")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	switch *channel {
	case models.ChannelPortal:
	case models.ChannelStore:
		if *storeShop == "" || *storeToken == "" {
			return errors.New("--channel store needs the supplier's store: --shop NAME.myshopify.com --token TOKEN")
		}
		if len(c.cfg.EncryptionKey) == 0 {
			return errors.New("--channel store needs CONSIGN_ENCRYPTION_KEY in the environment: tokens are stored encrypted")
		}
	default:
		return fmt.Errorf("--channel %q: want portal or store", *channel)
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.Accounts.Retailer(ctx, *retailer)
	if err != nil {
		return err
	}
	sup, key, err := a.Accounts.AddSupplier(ctx, r.ID, accounts.SupplierInput{Name: *name, Email: *email, Strategy: *strategy, Priority: *priority})
	if err != nil {
		return err
	}
	if *channel == models.ChannelStore {
		if _, err := a.Accounts.ConnectSupplierStore(ctx, sup.ID, "shopify", *storeShop, accounts.Grant{AccessToken: *storeToken}); err != nil {
			return fmt.Errorf("supplier %d added, but its store was not connected: %w", sup.ID, err)
		}
		if err := a.Accounts.SetChannel(ctx, r.ID, sup.ID, models.ChannelStore); err != nil {
			return fmt.Errorf("supplier %d added, but its channel was not set: %w", sup.ID, err)
		}
	}
	return c.print(*asJSON, map[string]any{"supplier_id": sup.ID, "api_key": key},
		fmt.Sprintf("supplier %d %q added for %s\napi key (shown once): %s\n", sup.ID, sup.Name, *retailer, key))
}

func (c *cli) catalogCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: consign catalog import --supplier ID FILE.csv")
	}
	fs := newFlags("catalog import", c.stderr)
	supplierID := fs.Int64("supplier", 0, "supplier id")
	currency := fs.String("currency", "", "currency of rows without a currency column (default: the supplier's)")
	asJSON := fs.Bool("json", false, "print JSON")
	files, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 || *supplierID == 0 {
		return errors.New("usage: consign catalog import --supplier ID FILE.csv")
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	var sup models.Account
	if err := a.DB.Gorm.WithContext(ctx).Where("id = ? AND is_supplier", *supplierID).Take(&sup).Error; err != nil {
		return fmt.Errorf("supplier %d: %w", *supplierID, models.ErrNotFound)
	}
	if *currency == "" {
		*currency = sup.Currency
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := catalog.Import(ctx, a.DB, sup.ID, *currency, f, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("import %s: %w", files[0], err)
	}
	if *asJSON {
		errs := make([]map[string]any, len(rep.Errors))
		for i, e := range rep.Errors {
			errs[i] = map[string]any{"line": e.Line, "reason": e.Reason}
		}
		return c.print(true, map[string]any{"rows": rep.Rows, "imported": rep.Good, "bad": rep.Bad, "errors": errs}, "")
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(c.stdout, "line %d: %s\n", e.Line, e.Reason)
	}
	fmt.Fprintf(c.stdout, "%d rows: %d imported, %d bad\n", rep.Rows, rep.Good, rep.Bad)
	return nil
}

func (c *cli) mapCmd(ctx context.Context, args []string) error {
	fs := newFlags("map", c.stderr)
	retailer := fs.String("retailer", "", "the retailer's shop domain")
	variant := fs.String("variant", "", "the store's variant id")
	supplierID := fs.Int64("supplier", 0, "supplier id")
	sku := fs.String("sku", "", "the supplier's SKU")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.Accounts.Retailer(ctx, *retailer)
	if err != nil {
		return err
	}
	m, err := a.Accounts.Map(ctx, r.ID, *variant, *supplierID, *sku)
	if err != nil {
		return err
	}
	return c.print(*asJSON, map[string]any{"mapping_id": m.ID, "variant_id": m.VariantID, "supplier_id": m.SupplierID, "catalog_item_id": m.CatalogItemID},
		fmt.Sprintf("variant %s -> supplier %d SKU %s\n", m.VariantID, m.SupplierID, *sku))
}

func (c *cli) settings(ctx context.Context, args []string) error {
	fs := newFlags("settings", c.stderr)
	retailer := fs.String("retailer", "", "the retailer's shop domain")
	trigger := fs.String("trigger", "", "route orders once they are paid (paid) or as soon as they arrive (any)")
	lateAccept := fs.Int("late-accept-hours", 0, "a PO not accepted within this many hours is late")
	lateShip := fs.Int("late-ship-days", 0, "a PO not shipped within this many days is late")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.Accounts.Retailer(ctx, *retailer)
	if err != nil {
		return err
	}
	s, err := a.Accounts.UpdateSettings(ctx, r.ID, accounts.Settings{Trigger: *trigger, LateAcceptHours: *lateAccept, LateShipDays: *lateShip})
	if err != nil {
		return err
	}
	return c.print(*asJSON, map[string]any{"retailer_id": r.ID, "trigger": s.Trigger, "late_accept_hours": s.LateAcceptHours, "late_ship_days": s.LateShipDays},
		fmt.Sprintf("%s: trigger %s, late after %d hours unaccepted or %d days unshipped\n", *retailer, s.Trigger, s.LateAcceptHours, s.LateShipDays))
}

func (c *cli) orders(ctx context.Context, args []string) error {
	fs := newFlags("orders", c.stderr)
	retailer := fs.String("retailer", "", "only this shop's orders")
	state := fs.String("state", "", "only orders in this state")
	limit := fs.Int("limit", 100, "at most this many, newest first")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	q := a.DB.Gorm.WithContext(ctx).Model(&models.Order{})
	if *retailer != "" {
		r, err := a.Accounts.Retailer(ctx, *retailer)
		if err != nil {
			return err
		}
		q = q.Where("retailer_id = ?", r.ID)
	}
	if *state != "" {
		q = q.Where("state = ?", *state)
	}
	var orders []models.Order
	if err := q.Order("id DESC").Limit(*limit).Find(&orders).Error; err != nil {
		return fmt.Errorf("list orders: %w", err)
	}
	if *asJSON {
		out := make([]map[string]any, len(orders))
		for i, o := range orders {
			out[i] = map[string]any{"id": o.ID, "name": o.Name, "platform": o.Platform, "external_id": o.ExternalID,
				"state": o.State, "financial_status": o.FinancialStatus, "attention": o.Attention, "created_at": o.CreatedAt}
		}
		return c.print(true, map[string]any{"orders": out}, "")
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATE\tPAYMENT\tATTENTION")
	for _, o := range orders {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", o.ID, o.Name, o.State, o.FinancialStatus, o.Attention)
	}
	return tw.Flush()
}

func (c *cli) pos(ctx context.Context, args []string) error {
	fs := newFlags("pos", c.stderr)
	supplierID := fs.Int64("supplier", 0, "only this supplier's POs")
	state := fs.String("state", "", "only POs in this state")
	limit := fs.Int("limit", 100, "at most this many, newest first")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	q := a.DB.Gorm.WithContext(ctx).Preload("Order").Preload("Lines")
	if *supplierID != 0 {
		q = q.Where("supplier_id = ?", *supplierID)
	}
	if *state != "" {
		q = q.Where("state = ?", *state)
	}
	var pos []models.PurchaseOrder
	if err := q.Order("id DESC").Limit(*limit).Find(&pos).Error; err != nil {
		return fmt.Errorf("list purchase orders: %w", err)
	}
	if *asJSON {
		out := make([]map[string]any, len(pos))
		for i, p := range pos {
			out[i] = map[string]any{"id": p.ID, "number": p.Number, "order": p.Order.Name, "supplier_id": p.SupplierID,
				"state": p.State, "lines": len(p.Lines), "total_cost": p.TotalCost.Format(p.Currency), "currency": p.Currency}
		}
		return c.print(true, map[string]any{"purchase_orders": out}, "")
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNUMBER\tORDER\tSUPPLIER\tSTATE\tLINES\tCOST")
	for _, p := range pos {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%d\t%s %s\n", p.ID, p.Number, p.Order.Name, p.SupplierID, p.State,
			len(p.Lines), p.TotalCost.Format(p.Currency), p.Currency)
	}
	return tw.Flush()
}

func (c *cli) route(ctx context.Context, args []string) error {
	fs := newFlags("route", c.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: consign route ORDER_ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return fmt.Errorf("order id %q is not a number", pos[0])
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.Pipeline.RouteOrder(ctx, id)
	if err != nil {
		return err
	}
	created, extended := append([]string{}, res.Created...), append([]string{}, res.Extended...)
	unmatched := make([]string, len(res.Unmatched))
	for i, u := range res.Unmatched {
		unmatched[i] = u.Reason
	}
	text := fmt.Sprintf("created %d purchase orders %v, extended %v\n", len(res.Created), res.Created, res.Extended)
	if res.Why != "" {
		text = "not routed: " + res.Why + "\n"
	}
	if len(unmatched) > 0 {
		text += "still unmatched: " + strings.Join(unmatched, "; ") + "\n"
	}
	return c.print(*asJSON, map[string]any{"order_id": id, "created": created, "extended": extended,
		"unmatched": unmatched, "not_routed": res.Why}, text)
}

func (c *cli) events(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "replay" {
		return errors.New("usage: consign events replay EVENT_ID")
	}
	fs := newFlags("events replay", c.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: consign events replay EVENT_ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return fmt.Errorf("event id %q is not a number", pos[0])
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Ingester.Replay(ctx, id); err != nil {
		return err
	}
	return c.print(*asJSON, map[string]any{"event_id": id, "state": models.EventReceived},
		fmt.Sprintf("event %d queued for processing again\n", id))
}

// print writes v as one JSON object, or the text.
func (c *cli) print(asJSON bool, v any, text string) error {
	if asJSON {
		enc := json.NewEncoder(c.stdout)
		return enc.Encode(v)
	}
	_, err := io.WriteString(c.stdout, text)
	return err
}
