package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// RouteOptions configure the route scenario.
type RouteOptions struct {
	DB         *database.DB
	Sizes      []int // catalog sizes, ascending: the catalog grows from one to the next
	Iterations int   // orders routed per size (after a few untimed ones)
	Log        *slog.Logger
	Explain    bool // keep the Postgres plans of the lookups at the last size
}

// RouteSize is the figures for one catalog size.
type RouteSize struct {
	Items    int
	Route    Result // Pipeline.RouteOrder of a stored 10-line order
	Baseline Result // the raw indexed SELECTs for the same keys
	SeqScans []string
	LoadTime time.Duration // to grow the catalog to this size
}

// RouteReport compares routing a 10-line order with the raw lookups it needs.
type RouteReport struct {
	Dialect   database.Dialect
	Suppliers int
	Sizes     []RouteSize
	Plans     []string // EXPLAIN of the lookups at the last size, when asked
	PeakRSS   int64
}

func (r RouteReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "route %s 10-line order, %d suppliers:", r.Dialect, r.Suppliers)
	for _, s := range r.Sizes {
		plans := "index"
		if len(s.SeqScans) > 0 {
			plans = "SEQ SCAN on " + strings.Join(s.SeqScans, ",")
		}
		fmt.Fprintf(&b, " | %s items: p50 %s p99 %s (%d routed, %d errors) vs selects p50 %s p99 %s, ratio %.1fx, plans %s",
			count(s.Items), ms(s.Route.P50), ms(s.Route.P99), s.Route.Count, s.Route.Errors,
			ms(s.Baseline.P50), ms(s.Baseline.P99), ratio(s.Route.P50, s.Baseline.P50), plans)
	}
	fmt.Fprintf(&b, " | peak RSS %d MB", r.PeakRSS>>20)
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// Route grows a catalog shared by three partner suppliers through each size
// and, at each, times RouteOrder on fresh 10-line orders against the same
// lookups done as plain SELECTs.
func Route(ctx context.Context, o RouteOptions) (RouteReport, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rep := RouteReport{Dialect: o.DB.Dialect}
	f, err := NewRouteFixture(ctx, o.DB, log)
	if err != nil {
		return rep, err
	}
	rep.Suppliers = len(f.Suppliers)
	for _, size := range o.Sizes {
		start := time.Now()
		if err := f.Grow(ctx, size); err != nil {
			return rep, err
		}
		rs := RouteSize{Items: size, LoadTime: time.Since(start)}
		const warm = 10
		orders, err := f.Orders(ctx, warm+o.Iterations)
		if err != nil {
			return rep, err
		}
		var lat []time.Duration
		errs := 0
		began := time.Now()
		for i, id := range orders {
			t := time.Now()
			res, err := f.Pipeline.RouteOrder(ctx, id)
			d := time.Since(t)
			if err == nil && (len(res.Unmatched) > 0 || len(res.Created) == 0) {
				err = fmt.Errorf("order %d: %d POs, unmatched %v", id, len(res.Created), res.Unmatched)
			}
			if err != nil {
				log.Warn("bench route: order not routed", "order_id", id, "error", err)
				errs++
				continue
			}
			if i >= warm {
				lat = append(lat, d)
			}
		}
		rs.Route = summarise(lat, errs, time.Since(began))
		if rs.Baseline, err = f.baseline(ctx, orders[warm:]); err != nil {
			return rep, err
		}
		if rs.SeqScans, err = f.SeqScans(ctx, orders[0]); err != nil {
			return rep, err
		}
		if o.Explain {
			if rep.Plans, err = f.Explain(ctx, orders[0]); err != nil {
				return rep, err
			}
		}
		log.Info("bench route: size done", "items", rs.Items, "load", rs.LoadTime)
		rep.Sizes = append(rep.Sizes, rs)
	}
	rep.PeakRSS = PeakRSS()
	return rep, nil
}

// RouteFixture is a retailer with three partner suppliers that carry the
// same SKUs (so every line has three candidates), some variants mapped, and
// a way to make stored 10-line orders against them.
type RouteFixture struct {
	DB         *database.DB
	Pipeline   *pipeline.Pipeline
	RetailerID int64
	Connection int64
	Suppliers  []int64
	perSupp    int // items each supplier carries
	mapped     int // variants V-SKU-i mapped, i < mapped
	rnd        *rand.Rand
	run        string
	next       int
}

// NewRouteFixture creates the accounts and a pipeline whose job client only
// inserts (the delivery jobs RouteOrder queues are left unworked).
func NewRouteFixture(ctx context.Context, db *database.DB, log *slog.Logger) (*RouteFixture, error) {
	jobs, err := queue.NewClient(db, nil, queue.DefaultConfig(db.Dialect), log)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	f := &RouteFixture{DB: db, rnd: rand.New(rand.NewPCG(1, 2)), run: fmt.Sprint(now.UnixNano())}
	f.Pipeline = &pipeline.Pipeline{DB: db, Queue: jobs, Log: log, Now: func() time.Time { return time.Now().UTC() }}
	g := db.Gorm.WithContext(ctx)
	retailer := models.Account{Name: "Bench retailer", IsRetailer: true, Currency: "USD", RoutingTrigger: "paid", CreatedAt: now, UpdatedAt: now}
	if err := g.Create(&retailer).Error; err != nil {
		return nil, fmt.Errorf("create bench retailer: %w", err)
	}
	conn := models.Connection{AccountID: retailer.ID, Platform: models.PlatformShopify, Shop: "bench-route-" + f.run + ".myshopify.com",
		InstalledAt: now, CreatedAt: now, UpdatedAt: now}
	if err := g.Create(&conn).Error; err != nil {
		return nil, fmt.Errorf("create bench connection: %w", err)
	}
	f.RetailerID, f.Connection = retailer.ID, conn.ID
	for i := range 3 {
		sup := models.Account{Name: fmt.Sprintf("Bench supplier %d", i+1), IsSupplier: true, Currency: "USD", RoutingTrigger: "paid", CreatedAt: now, UpdatedAt: now}
		if err := g.Create(&sup).Error; err != nil {
			return nil, fmt.Errorf("create bench supplier: %w", err)
		}
		p := models.Partnership{RetailerID: retailer.ID, SupplierID: sup.ID, Strategy: "lowest_cost", Priority: i + 1,
			Channel: "portal", Active: true, CreatedAt: now, UpdatedAt: now}
		if err := g.Create(&p).Error; err != nil {
			return nil, fmt.Errorf("create bench partnership: %w", err)
		}
		f.Suppliers = append(f.Suppliers, sup.ID)
	}
	return f, nil
}

// Grow adds catalog items until the suppliers hold about total between
// them, generated by the database itself (one INSERT ... SELECT per
// supplier and range), then refreshes the planner's statistics.
func (f *RouteFixture) Grow(ctx context.Context, total int) error {
	target := total / len(f.Suppliers)
	now := time.Now().UTC()
	const chunk = 200_000
	for lo := f.perSupp; lo < target; lo += chunk {
		hi := min(lo+chunk, target) - 1
		for j, sup := range f.Suppliers {
			var q string
			args := []any{sup, j * 13, now, lo, hi}
			if f.DB.Dialect == database.Postgres {
				q = `INSERT INTO catalog_items (supplier_id, sku, gtin, title, cost, currency, inventory, active, created_at, updated_at)
					SELECT $1, 'SKU-' || lpad(i::text, 8, '0'), (2000000000000 + i)::text, 'Item ' || i,
						100 + (i * 7 + $2) % 5000, 'USD', 1000 + i % 50, TRUE, $3, $3
					FROM generate_series($4::bigint, $5::bigint) AS i`
			} else {
				q = `WITH RECURSIVE s(i) AS (SELECT ?4 UNION ALL SELECT i + 1 FROM s WHERE i < ?5)
					INSERT INTO catalog_items (supplier_id, sku, gtin, title, cost, currency, inventory, active, created_at, updated_at)
					SELECT ?1, printf('SKU-%08d', i), printf('%d', 2000000000000 + i), 'Item ' || i,
						100 + (i * 7 + ?2) % 5000, 'USD', 1000 + i % 50, 1, ?3, ?3 FROM s`
			}
			if _, err := f.DB.SQL.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("generate catalog items %d-%d of supplier %d: %w", lo, hi, sup, err)
			}
		}
	}
	f.perSupp = max(f.perSupp, target)
	// Map a tenth of the first supplier's items to store variants, so the
	// mapping lookup runs against a table that grows with the catalog.
	if want := max(f.perSupp/10, 1); want > f.mapped {
		_, err := f.DB.SQL.ExecContext(ctx, f.rebind(`INSERT INTO mappings (retailer_id, variant_id, supplier_id, catalog_item_id, priority, created_at)
			SELECT ?, 'V-' || sku, supplier_id, id, 10, ? FROM catalog_items WHERE supplier_id = ? AND sku >= ? AND sku < ?`),
			f.RetailerID, now, f.Suppliers[0], fmt.Sprintf("SKU-%08d", f.mapped), fmt.Sprintf("SKU-%08d", want))
		if err != nil {
			return fmt.Errorf("map bench variants: %w", err)
		}
		f.mapped = want
	}
	if _, err := f.DB.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// rebind turns ? placeholders into $n on Postgres.
func (f *RouteFixture) rebind(q string) string {
	if f.DB.Dialect != database.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Orders stores n paid 10-line orders and returns their ids: two lines by
// mapped variant, six by SKU, two by GTIN alone.
func (f *RouteFixture) Orders(ctx context.Context, n int) ([]int64, error) {
	now := time.Now().UTC()
	ids := make([]int64, 0, n)
	for range n {
		f.next++
		o := models.Order{
			ConnectionID: f.Connection, RetailerID: f.RetailerID, Platform: models.PlatformShopify,
			ExternalID: fmt.Sprintf("%s-%d", f.run, f.next), Name: fmt.Sprintf("#%d", f.next), Number: int64(f.next),
			Currency: "USD", FinancialStatus: "paid", ShipTo: `{"name":"Bench Customer","city":"Springfield","country_code":"US"}`,
			State: models.OrderPending, PlatformUpdatedAt: now, CreatedAt: now, UpdatedAt: now,
		}
		for k := range 10 {
			l := models.OrderLine{ExternalID: fmt.Sprint(k + 1), Quantity: 1 + k%2, FulfillableQuantity: 1 + k%2,
				UnitPrice: 2500, RequiresShipping: true, Title: fmt.Sprintf("Line %d", k+1)}
			switch {
			case k < 2:
				i := f.rnd.IntN(f.mapped)
				l.VariantID, l.SKU = fmt.Sprintf("V-SKU-%08d", i), fmt.Sprintf("SKU-%08d", i)
			case k < 8:
				l.SKU = fmt.Sprintf("SKU-%08d", f.rnd.IntN(f.perSupp))
			default:
				l.GTIN = fmt.Sprint(2000000000000 + f.rnd.IntN(f.perSupp))
			}
			l.VariantID = cmpOr(l.VariantID, fmt.Sprintf("bench-%d", k))
			o.Lines = append(o.Lines, l)
		}
		if err := f.DB.Gorm.WithContext(ctx).Create(&o).Error; err != nil {
			return nil, fmt.Errorf("store bench order: %w", err)
		}
		ids = append(ids, o.ID)
	}
	return ids, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// keys are an order's lookup keys, as routing gathers them.
type keys struct{ variants, skus, gtins []string }

func (f *RouteFixture) keys(ctx context.Context, orderID int64) (keys, error) {
	var lines []models.OrderLine
	if err := f.DB.Gorm.WithContext(ctx).Where("order_id = ?", orderID).Find(&lines).Error; err != nil {
		return keys{}, fmt.Errorf("load lines of order %d: %w", orderID, err)
	}
	var k keys
	for _, l := range lines {
		if l.VariantID != "" {
			k.variants = append(k.variants, l.VariantID)
		}
		if l.SKU != "" {
			k.skus = append(k.skus, l.SKU)
		}
		if l.GTIN != "" {
			k.gtins = append(k.gtins, l.GTIN)
		}
	}
	return k, nil
}

// lookups are the SELECTs routing needs for one order, as plain SQL with
// placeholders for the IN lists: partners, mappings, mapped items (routing
// reads them by the ids the mappings name), items by SKU, items by GTIN.
func (f *RouteFixture) lookups(k keys) []struct {
	sql  string
	args []any
} {
	sups := make([]any, len(f.Suppliers))
	for i, s := range f.Suppliers {
		sups[i] = s
	}
	in := func(vals []string) (string, []any) {
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v
		}
		return strings.TrimSuffix(strings.Repeat("?,", len(vals)), ","), args
	}
	supIn := strings.TrimSuffix(strings.Repeat("?,", len(sups)), ",")
	vIn, vArgs := in(k.variants)
	sIn, sArgs := in(k.skus)
	gIn, gArgs := in(k.gtins)
	type q = struct {
		sql  string
		args []any
	}
	return []q{
		{`SELECT * FROM partnerships WHERE retailer_id = ? AND active`, []any{f.RetailerID}},
		{`SELECT * FROM mappings WHERE retailer_id = ? AND variant_id IN (` + vIn + `) AND supplier_id IN (` + supIn + `)`,
			append(append([]any{f.RetailerID}, vArgs...), sups...)},
		{`SELECT * FROM catalog_items WHERE id IN (SELECT catalog_item_id FROM mappings WHERE retailer_id = ? AND variant_id IN (` + vIn + `)) AND active`,
			append([]any{f.RetailerID}, vArgs...)},
		{`SELECT * FROM catalog_items WHERE sku IN (` + sIn + `) AND supplier_id IN (` + supIn + `) AND active`, append(sArgs, sups...)},
		{`SELECT * FROM catalog_items WHERE gtin IN (` + gIn + `) AND gtin <> '' AND supplier_id IN (` + supIn + `) AND active`, append(gArgs, sups...)},
	}
}

// baseline runs the raw lookups of each order, reading every row.
func (f *RouteFixture) baseline(ctx context.Context, orders []int64) (Result, error) {
	var lat []time.Duration
	var elapsed time.Duration
	for _, id := range orders {
		k, err := f.keys(ctx, id)
		if err != nil {
			return Result{}, err
		}
		t := time.Now()
		for _, q := range f.lookups(k) {
			if err := drain(ctx, f.DB.SQL, f.rebind(q.sql), q.args...); err != nil {
				return Result{}, err
			}
		}
		d := time.Since(t)
		elapsed += d
		lat = append(lat, d)
	}
	return summarise(lat, 0, elapsed), nil
}

func drain(ctx context.Context, db *sql.DB, q string, args ...any) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("baseline select: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SeqScans explains the lookups of an order (Postgres only) and names the
// catalog or mapping tables any of them scans whole. (A handful of
// partnerships is rightly read whole.)
func (f *RouteFixture) SeqScans(ctx context.Context, orderID int64) ([]string, error) {
	plans, err := f.Explain(ctx, orderID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range plans {
		for _, line := range strings.Split(p, "\n") {
			if _, table, ok := strings.Cut(line, "Seq Scan on "); ok {
				table, _, _ = strings.Cut(table, " ")
				if table == "catalog_items" || table == "mappings" {
					out = append(out, table)
				}
			}
		}
	}
	return out, nil
}

// Explain returns the Postgres plans of an order's lookups; nil on SQLite.
func (f *RouteFixture) Explain(ctx context.Context, orderID int64) ([]string, error) {
	if f.DB.Dialect != database.Postgres {
		return nil, nil
	}
	k, err := f.keys(ctx, orderID)
	if err != nil {
		return nil, err
	}
	var plans []string
	for _, q := range f.lookups(k) {
		rows, err := f.DB.SQL.QueryContext(ctx, "EXPLAIN "+f.rebind(q.sql), q.args...)
		if err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		var lines []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return nil, err
			}
			lines = append(lines, s)
		}
		rows.Close()
		plans = append(plans, strings.Join(lines, "\n"))
	}
	return plans, nil
}
