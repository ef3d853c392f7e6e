package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/consign/consign/app/bench"
	"github.com/consign/consign/app/database"
)

const benchShop = "bench-store.myshopify.com"

// bench runs a measurement scenario. Without --url it starts Consign in
// this process on DATABASE_URL (a temporary SQLite file when unset), so the
// server and its baseline share one database.
func (c *cli) bench(ctx context.Context, args []string) error {
	const usage = "usage: consign bench ingest|pipeline|route|import|push [flags]"
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "ingest":
		return c.benchIngest(ctx, args[1:])
	case "pipeline":
		return c.benchPipeline(ctx, args[1:])
	case "route":
		return c.benchRoute(ctx, args[1:])
	case "import":
		return c.benchImport(ctx, args[1:])
	case "push":
		return c.benchPush(ctx, args[1:])
	}
	return errors.New(usage)
}

func (c *cli) benchIngest(ctx context.Context, args []string) error {
	fs := newFlags("bench ingest", c.stderr)
	clients := fs.Int("c", 16, "concurrent clients")
	dur := fs.Duration("d", 10*time.Second, "how long each side runs")
	url := fs.String("url", "", "a running server's base URL (default: start one in this process)")
	shop := fs.String("shop", benchShop, "a shop connected on that server")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg := c.cfg
	if c.getenv("DATABASE_URL") == "" {
		dir, err := os.MkdirTemp("", "consign-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	if cfg.ShopifyAPISecret == "" {
		cfg.ShopifyAPIKey, cfg.ShopifyAPISecret = "bench-api-key", "bench-api-secret"
	}
	db, err := database.Open(ctx, cfg.DatabaseURL, database.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	opts := bench.IngestOptions{URL: *url, Secret: cfg.ShopifyAPISecret, Shop: *shop, Concurrency: *clients,
		Duration: *dur, DB: db, RunID: strconv.FormatInt(time.Now().UnixNano(), 36)}
	if *url == "" {
		a, err := New(ctx, cfg, c.quietLogger(), Options{Workers: true})
		if err != nil {
			return err
		}
		defer a.Close()
		if _, err := a.Accounts.Connect(ctx, "shopify", benchShop, "bench-token"); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		if err := a.StartWorkers(ctx); err != nil {
			return err
		}
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		go a.Serve(sctx, ln)
		opts.URL, opts.Shop = "http://"+ln.Addr().String(), benchShop
	}
	rep, err := bench.Ingest(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, rep)
	return nil
}
