package catalog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/models"
)

func supplier(t *testing.T, db *database.DB) int64 {
	t.Helper()
	now := time.Now().UTC()
	a := models.Account{Name: "Supplier", IsSupplier: true, Currency: "USD", RoutingTrigger: "paid", CreatedAt: now, UpdatedAt: now}
	if err := db.Gorm.Create(&a).Error; err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func items(t *testing.T, db *database.DB, supplierID int64) map[string]models.CatalogItem {
	t.Helper()
	var list []models.CatalogItem
	if err := db.Gorm.Where("supplier_id = ?", supplierID).Find(&list).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]models.CatalogItem, len(list))
	for _, it := range list {
		out[it.SKU] = it
	}
	return out
}

// Import upserts by (supplier, SKU) across chunks: the last row of a SKU
// wins, wherever it is in the file, bad rows are reported and skipped, and
// a second import updates in place.
func TestImportUpserts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		sup, other := supplier(t, db), supplier(t, db)
		t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		// Another supplier's item with a shared SKU is left alone.
		if _, err := catalog.Import(ctx, db, other, "USD", strings.NewReader("sku,cost\nS-00001,99.00\n"), t0); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		b.WriteString("sku,gtin,title,cost,inventory\n")
		const n = 25_000 // more than two chunks
		for i := range n {
			fmt.Fprintf(&b, "S-%05d,,Item %d,%d.00,%d\n", i, i, 1+i%90, i%7)
		}
		b.WriteString("S-00001,,Late duplicate,5.00,\n") // in another chunk than the first S-00001
		b.WriteString("S-24999,,Near duplicate,6.00,2\n")
		b.WriteString("BAD,,x,abc,1\n")
		rep, err := catalog.Import(ctx, db, sup, "USD", strings.NewReader(b.String()), t0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Good != n+2 || rep.Bad != 1 || rep.Errors[0].Line != n+4 {
			t.Fatalf("report = good %d bad %d errors %v", rep.Good, rep.Bad, rep.Errors)
		}
		got := items(t, db, sup)
		if len(got) != n {
			t.Fatalf("%d items stored, want %d", len(got), n)
		}
		if it := got["S-00001"]; it.Title != "Late duplicate" || it.Cost != 500 || it.Inventory != nil {
			t.Errorf("S-00001 = %+v, want the later row (no stock tracked)", it)
		}
		if it := got["S-24999"]; it.Title != "Near duplicate" || it.Cost != 600 || it.Inventory == nil || *it.Inventory != 2 {
			t.Errorf("S-24999 = %+v, want the later row", it)
		}
		if it := got["S-00042"]; it.Title != "Item 42" || it.Cost != 4300 || *it.Inventory != 0 || !it.Active || it.Currency != "USD" {
			t.Errorf("S-00042 = %+v", it)
		}
		if it := items(t, db, other)["S-00001"]; it.Cost != 9900 {
			t.Errorf("the other supplier's S-00001 changed: %+v", it)
		}

		// Again, later: updated in place, created_at kept.
		t1 := t0.Add(time.Hour)
		if _, err := catalog.Import(ctx, db, sup, "EUR", strings.NewReader("sku,cost,inventory\nS-00042,1.50,9\n"), t1); err != nil {
			t.Fatal(err)
		}
		it := items(t, db, sup)["S-00042"]
		if it.ID != got["S-00042"].ID || it.Cost != 150 || it.Currency != "EUR" || *it.Inventory != 9 || it.Title != "" {
			t.Errorf("re-imported S-00042 = %+v", it)
		}
		if !it.CreatedAt.Equal(t0) || !it.UpdatedAt.Equal(t1) {
			t.Errorf("times = %v / %v, want created %v updated %v", it.CreatedAt, it.UpdatedAt, t0, t1)
		}
	})
}

// A file that fails part-way keeps the chunks committed before the failure.
func TestImportStopsOnUnreadableInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		sup := supplier(t, db)
		var b strings.Builder
		b.WriteString("sku,cost\n")
		for i := range 10_500 {
			fmt.Fprintf(&b, "K-%05d,1\n", i)
		}
		b.WriteString("BROKEN,\"unclosed\n" + strings.Repeat("x", 2<<20))
		_, err := catalog.Import(context.Background(), db, sup, "USD", strings.NewReader(b.String()), time.Now().UTC())
		if err == nil {
			t.Fatal("import of a broken file succeeded")
		}
		if n := len(items(t, db, sup)); n != 10_000 {
			t.Errorf("%d items stored, want the first full chunk of 10000", n)
		}
	})
}
