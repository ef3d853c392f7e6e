package bench_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/consign/consign/app/bench"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
)

// statements records every statement GORM sends, through its callbacks.
type statements struct {
	mu  sync.Mutex
	sql []string
}

func (s *statements) watch(t *testing.T, db *gorm.DB) {
	t.Helper()
	record := func(tx *gorm.DB) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sql = append(s.sql, tx.Statement.SQL.String())
	}
	cb := db.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("gorm:create").Register("bench:count", record),
		"query":  cb.Query().After("gorm:query").Register("bench:count", record),
		"update": cb.Update().After("gorm:update").Register("bench:count", record),
		"delete": cb.Delete().After("gorm:delete").Register("bench:count", record),
		"row":    cb.Row().After("gorm:row").Register("bench:count", record),
		"raw":    cb.Raw().After("gorm:raw").Register("bench:count", record),
	} {
		if err != nil {
			t.Fatalf("register %s callback: %v", name, err)
		}
	}
}

func (s *statements) reset() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.sql
	s.sql = nil
	return out
}

// catalogReads counts the statements that read catalog_items or mappings
// (not the row locks taken before reserving stock).
func catalogReads(sql []string) int {
	n := 0
	for _, q := range sql {
		if strings.HasPrefix(q, "SELECT") && !strings.Contains(q, "FOR NO KEY UPDATE") &&
			(strings.Contains(q, "catalog_items") || strings.Contains(q, "mappings")) {
			n++
		}
	}
	return n
}

// Routing a 10-line order sends the same statements whatever the catalog
// size: one mapping lookup and one SKU/GTIN lookup, never one per item.
func TestRouteQueriesAreBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		f, err := bench.NewRouteFixture(ctx, db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		var st statements
		st.watch(t, db.Gorm)
		counts := map[int][]string{}
		for _, size := range []int{300, 3000} {
			if err := f.Grow(ctx, size); err != nil {
				t.Fatal(err)
			}
			ids, err := f.Orders(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				st.reset()
				res, err := f.Pipeline.RouteOrder(ctx, id)
				if err != nil || len(res.Unmatched) > 0 || len(res.Created) == 0 {
					t.Fatalf("route order %d at %d items = %+v, %v", id, size, res, err)
				}
				counts[size] = st.reset()
			}
		}
		small, large := counts[300], counts[3000]
		if reads := catalogReads(large); reads != 2 {
			t.Errorf("%d catalog and mapping reads for a 10-line order, want 2:\n%s", reads, strings.Join(large, "\n"))
		}
		if len(small) != len(large) {
			t.Errorf("statements grow with the catalog: %d at 300 items, %d at 3000", len(small), len(large))
		}
		// Ten lines over three suppliers: a bounded number per line and PO.
		if len(large) > 50 {
			t.Errorf("%d statements to route a 10-line order, want at most 50:\n%s", len(large), strings.Join(large, "\n"))
		}
		t.Logf("%s: %d statements per 10-line order:\n%s", db.Dialect, len(large), strings.Join(large, "\n"))
	})
}

// At a catalog of 300k items (10k mappings) the Postgres planner reads
// catalog_items and mappings through their indexes, never whole.
func TestRouteLookupsUseIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		if db.Dialect != database.Postgres {
			t.Skip("EXPLAIN plans are checked on Postgres")
		}
		ctx := context.Background()
		f, err := bench.NewRouteFixture(ctx, db, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Grow(ctx, 300_000); err != nil {
			t.Fatal(err)
		}
		ids, err := f.Orders(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		seq, err := f.SeqScans(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(seq) > 0 {
			plans, _ := f.Explain(ctx, ids[0])
			t.Errorf("sequential scans on %v:\n%s", seq, strings.Join(plans, "\n\n"))
		}
	})
}
