package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/bench"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/config"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/samples"
)

const benchShop = "bench-store.myshopify.com"

// bench runs a measurement scenario. Without --url it starts Consign in
// this process on DATABASE_URL (a temporary SQLite file when unset), so the
// server and its baseline share one database.
func (c *cli) bench(ctx context.Context, args []string) error {
	const usage = "usage: consign bench ingest|pipeline|route|import|push|edi [flags]"
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
	case "edi":
		return c.benchEDI(args[1:])
	}
	return errors.New(usage)
}

// benchTarget is the server a scenario drives: one started in this process,
// or one already running at --url on the same DATABASE_URL.
type benchTarget struct {
	URL, Shop, Secret string
	DB                *database.DB // the server's database, opened by the bench
	App               *App         // nil for a server at --url
	close             []func()
}

func (t *benchTarget) Close() {
	for i := len(t.close) - 1; i >= 0; i-- {
		t.close[i]()
	}
}

// startBenchTarget migrates the database and, without url, starts Consign
// on it in this process with the bench shop connected.
func (c *cli) startBenchTarget(ctx context.Context, url, shop string, workers bool) (*benchTarget, error) {
	cfg := c.cfg
	t := &benchTarget{URL: url, Shop: shop}
	if c.getenv("DATABASE_URL") == "" {
		dir, err := os.MkdirTemp("", "consign-bench-")
		if err != nil {
			return nil, err
		}
		t.close = append(t.close, func() { os.RemoveAll(dir) })
		cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	if cfg.ShopifyAPISecret == "" {
		cfg.ShopifyAPIKey, cfg.ShopifyAPISecret = "bench-api-key", "bench-api-secret"
	}
	t.Secret = cfg.ShopifyAPISecret
	db, err := database.Open(ctx, cfg.DatabaseURL, database.Options{MaxOpenConns: 8})
	if err != nil {
		t.Close()
		return nil, err
	}
	t.DB = db
	t.close = append(t.close, func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Close()
		return nil, err
	}
	if url != "" {
		return t, nil
	}
	if err := c.startBenchApp(ctx, t, cfg, workers); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

func (c *cli) startBenchApp(ctx context.Context, t *benchTarget, cfg config.Config, workers bool) error {
	a, err := New(ctx, cfg, c.quietLogger(), Options{Workers: workers})
	if err != nil {
		return err
	}
	t.App = a
	t.close = append(t.close, func() { a.Close() })
	if _, err := a.Accounts.Connect(ctx, "shopify", benchShop, "bench-token"); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if err := a.StartWorkers(ctx); err != nil {
		ln.Close()
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Serve(sctx, ln)
	}()
	t.close = append(t.close, func() { stop(); <-done })
	t.URL, t.Shop = "http://"+ln.Addr().String(), benchShop
	return nil
}

// cpuProfile writes a CPU profile of the whole run to path, when set.
func cpuProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func benchRunID() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }

func (c *cli) benchIngest(ctx context.Context, args []string) error {
	fs := newFlags("bench ingest", c.stderr)
	clients := fs.Int("c", 16, "concurrent clients")
	dur := fs.Duration("d", 10*time.Second, "how long each side runs")
	url := fs.String("url", "", "a running server's base URL (default: start one in this process)")
	shop := fs.String("shop", benchShop, "a shop connected on that server")
	workers := fs.Bool("workers", true, "run the job workers in the in-process server while it ingests")
	restartAfter := fs.Duration("restart-db-after", 0, "restart the database this far into the run (Postgres), to measure recovery")
	restartCmd := fs.String("restart-cmd", "pg_ctlcluster --skip-systemctl-redirect 15 main restart", "the command that restarts the database")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run (server and load generator) to this file")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	t, err := c.startBenchTarget(ctx, *url, *shop, *workers)
	if err != nil {
		return err
	}
	defer t.Close()
	stopProfile, err := cpuProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	opts := bench.IngestOptions{URL: t.URL, Secret: t.Secret, Shop: t.Shop, Concurrency: *clients,
		Duration: *dur, DB: t.DB, RunID: benchRunID()}
	if *restartAfter > 0 {
		if t.DB.Dialect != database.Postgres {
			return errors.New("bench ingest: --restart-db-after needs DATABASE_URL on Postgres")
		}
		opts.RestartAfter = *restartAfter
		opts.Restart = func(ctx context.Context) error { return runCommand(ctx, *restartCmd) }
	}
	rep, err := bench.Ingest(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s (workers in process: %t)\n", rep, *workers && *url == "")
	return nil
}

// runCommand runs a shell-free command line, for the database restart.
func runCommand(ctx context.Context, line string) error {
	f := strings.Fields(line)
	if len(f) == 0 {
		return errors.New("empty command")
	}
	out, err := exec.CommandContext(ctx, f[0], f[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", line, err, out)
	}
	return nil
}

func (c *cli) benchPipeline(ctx context.Context, args []string) error {
	fs := newFlags("bench pipeline", c.stderr)
	rate := fs.Int("r", 200, "orders per second (open loop: sent on a schedule)")
	dur := fs.Duration("d", 10*time.Second, "how long orders arrive")
	drain := fs.Duration("drain", 30*time.Second, "how long to wait afterwards for the last POs")
	url := fs.String("url", "", "a running server's base URL on the same DATABASE_URL, with the bench suppliers (default: start one in this process)")
	shop := fs.String("shop", benchShop, "a shop connected on that server")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run (server and load generator) to this file")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	t, err := c.startBenchTarget(ctx, *url, *shop, true)
	if err != nil {
		return err
	}
	defer t.Close()
	if t.App != nil {
		if err := seedBenchSuppliers(ctx, t.App); err != nil {
			return fmt.Errorf("add bench suppliers: %w", err)
		}
	}
	stopProfile, err := cpuProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	rep, err := bench.Pipeline(ctx, bench.PipelineOptions{URL: t.URL, Secret: t.Secret, Shop: t.Shop,
		Rate: *rate, Duration: *dur, Drain: *drain, DB: t.DB, RunID: benchRunID()})
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, rep)
	return nil
}

// seedBenchSuppliers gives the bench shop the three sample suppliers, each
// with its sample catalog and stock deep enough for any run, unless a
// previous run on this database already did.
func seedBenchSuppliers(ctx context.Context, a *App) error {
	retailer, err := a.Accounts.Retailer(ctx, benchShop)
	if err != nil {
		return err
	}
	var n int64
	if err := a.DB.Gorm.WithContext(ctx).Table("partnerships").Where("retailer_id = ?", retailer.ID).Count(&n).Error; err != nil {
		return err
	}
	if n >= int64(len(samples.Suppliers)) {
		return nil
	}
	for i, s := range samples.Suppliers {
		sup, _, err := a.Accounts.AddSupplier(ctx, retailer.ID, accounts.SupplierInput{Name: s.Name, Email: s.Email, Priority: 10 * (i + 1)})
		if err != nil {
			return err
		}
		csv := strings.ReplaceAll(samples.CatalogCSV(i), ",500\n", ",100000000\n")
		rep, err := catalog.Import(ctx, a.DB, sup.ID, "USD", strings.NewReader(csv), time.Now().UTC())
		if err != nil {
			return err
		}
		if rep.Bad > 0 {
			return fmt.Errorf("sample catalog %d has %d bad rows", i, rep.Bad)
		}
	}
	return nil
}

// benchEDI reads 10,000 856 documents into shipments against reading and
// splitting the same files.
func (c *cli) benchEDI(args []string) error {
	fs := newFlags("bench edi", c.stderr)
	docs := fs.Int("n", 10_000, "856 documents")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	rep, err := bench.EDI(bench.EDIOptions{Documents: *docs})
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, rep)
	return nil
}
