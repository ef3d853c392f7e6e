package app

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/bench"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

// benchDB opens and migrates DATABASE_URL, or a temporary SQLite file when
// it is unset. The returned function closes it and removes the file.
func (c *cli) benchDB(ctx context.Context) (*database.DB, string, func(), error) {
	url := c.cfg.DatabaseURL
	cleanup := func() {}
	if c.getenv("DATABASE_URL") == "" {
		dir, err := os.MkdirTemp("", "consign-bench-")
		if err != nil {
			return nil, "", nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		url = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	db, err := database.Open(ctx, url, database.Options{})
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		cleanup()
		return nil, "", nil, err
	}
	return db, url, func() { db.Close(); cleanup() }, nil
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		mult := 1
		switch {
		case strings.HasSuffix(f, "m"):
			f, mult = strings.TrimSuffix(f, "m"), 1_000_000
		case strings.HasSuffix(f, "k"):
			f, mult = strings.TrimSuffix(f, "k"), 1000
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("size %q is not a positive count (like 10k or 1m)", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// benchRoute times routing a 10-line order against growing catalogs.
func (c *cli) benchRoute(ctx context.Context, args []string) error {
	fs := newFlags("bench route", c.stderr)
	sizes := fs.String("sizes", "10k,100k,1m", "catalog sizes (items across the suppliers), ascending")
	n := fs.Int("n", 200, "orders routed per size")
	explain := fs.Bool("explain", false, "print the Postgres plans of the lookups at the largest size")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	ss, err := parseSizes(*sizes)
	if err != nil {
		return err
	}
	db, _, closeDB, err := c.benchDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	log := c.quietLogger()
	rep, err := bench.Route(ctx, bench.RouteOptions{DB: db, Sizes: ss, Iterations: *n, Log: log, Explain: *explain})
	if err != nil {
		return err
	}
	for _, p := range rep.Plans {
		fmt.Fprintln(c.stdout, p)
	}
	fmt.Fprintln(c.stdout, rep)
	return nil
}

// benchImport times catalog.Import of a generated CSV against a plain bulk load.
func (c *cli) benchImport(ctx context.Context, args []string) error {
	fs := newFlags("bench import", c.stderr)
	rows := fs.String("rows", "1m", "rows in the generated CSV")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	n, err := parseSizes(*rows)
	if err != nil || len(n) != 1 {
		return fmt.Errorf("bench import: -rows wants one count: %v", err)
	}
	db, _, closeDB, err := c.benchDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	rep, err := bench.Import(ctx, bench.ImportOptions{DB: db, Rows: n[0]})
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, rep)
	return nil
}

// benchPush pushes shipments through the job workers to a fake Shopify that
// enforces its cost bucket, and compares the points spent with its restore.
func (c *cli) benchPush(ctx context.Context, args []string) error {
	fs := newFlags("bench push", c.stderr)
	n := fs.Int("n", 100, "shipments to push")
	maximum := fs.Float64("max", 1000, "the fake shop's bucket size (points); the order query asks for 755")
	restore := fs.Float64("restore", 50, "the fake shop's restore rate (points a second)")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for every push")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	// Migrated here; the App opens its own pool on the same database.
	_, url, closeDB, err := c.benchDB(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	const shop, token = "bench-push.myshopify.com", "shpat_bench"
	fake := fakeshopify.New(fakeshopify.Options{MaximumAvailable: *maximum, RestoreRate: *restore, EnforceRateLimit: true})
	fake.SetToken(shop, token)
	meter := bench.NewCostMeter(fake)
	srv := httptest.NewServer(meter)
	defer srv.Close()
	cfg := c.cfg
	cfg.DatabaseURL, cfg.ShopifyAPIBaseURL = url, srv.URL
	a, err := New(ctx, cfg, c.quietLogger(), Options{Workers: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Accounts.Connect(ctx, "shopify", shop, token); err != nil {
		return err
	}
	if err := a.StartWorkers(ctx); err != nil {
		return err
	}
	rep, err := bench.Push(ctx, bench.PushOptions{DB: a.DB, Purchasing: a.Purchasing, Fake: fake, Meter: meter,
		Shop: shop, Shipments: *n, Timeout: *timeout})
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, rep)
	return nil
}
