package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/models"
)

// consign runs the command line against a database and decodes its --json output.
func consign(t *testing.T, dbURL string, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{"DATABASE_URL": dbURL, "CONSIGN_ENCRYPTION_KEY": apptest.EncryptionKey}
	err := app.Main(context.Background(), append(args, "--json"), func(k string) string { return env[k] }, &out, &errb)
	if err != nil {
		t.Fatalf("consign %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("consign %s printed non-JSON %q", strings.Join(args, " "), out.String())
	}
	return v
}

func consignErr(t *testing.T, dbURL string, args ...string) error {
	t.Helper()
	env := map[string]string{"DATABASE_URL": dbURL, "CONSIGN_ENCRYPTION_KEY": apptest.EncryptionKey}
	var out, errb bytes.Buffer
	return app.Main(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
}

func TestSetupCommands(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			url := dbtest.URL(t, d)
			if err := consignErr(t, url, "orders"); err == nil || !strings.Contains(err.Error(), "consign migrate") {
				t.Fatalf("a command on an unmigrated database = %v, want a hint to migrate", err)
			}
			var out bytes.Buffer
			apptest.Must(t, app.Main(context.Background(), []string{"migrate"}, func(k string) string {
				return map[string]string{"DATABASE_URL": url}[k]
			}, &out, &out))

			if err := consignErr(t, url, "connect", "shopify", "--shop", "evil.com/x", "--token", "t"); err == nil {
				t.Error("connect accepted a shop name that is not NAME.myshopify.com")
			}
			conn := consign(t, url, "connect", "shopify", "--shop", "Cli-Store.myshopify.com", "--token", "shpat_x")
			if conn["shop"] != "cli-store.myshopify.com" {
				t.Errorf("connect = %v", conn)
			}
			sup := consign(t, url, "supplier", "add", "--retailer", "cli-store.myshopify.com", "--name", "CSV Co",
				"--email", "csv@example.com", "--strategy", "lowest_cost", "--priority", "5")
			if !strings.HasPrefix(fmt.Sprint(sup["api_key"]), "csk_") || sup["supplier_id"] == nil {
				t.Fatalf("supplier add = %v", sup)
			}
			supplierID := fmt.Sprint(int64(sup["supplier_id"].(float64)))

			// A catalog with a BOM, quoted fields, numeric-looking SKUs and bad rows.
			csv := "\ufeffTitle,SKU,Cost,Inventory,GTIN,notes\n" +
				"\"Mug, enamel \"\"12oz\"\"\",00123,7.25,10,,x\n" +
				"Rope,1E+05,88.00,,0840000000080,\n" +
				"Big,100000,12.5,3,,\n" +
				"No cost,NC-1,,1,,\n" +
				"Bad gtin,BG-1,1.00,1,123,\n" +
				"\"Multi\nline\",ML-1,2.00,1,,\n"
			file := filepath.Join(t.TempDir(), "catalog.csv")
			apptest.Must(t, os.WriteFile(file, []byte(csv), 0o600))
			rep := consign(t, url, "catalog", "import", "--supplier", supplierID, file)
			if rep["imported"] != 4.0 || rep["bad"] != 2.0 {
				t.Fatalf("import report = %v", rep)
			}
			errs := rep["errors"].([]any)
			if errs[0].(map[string]any)["line"] != 5.0 || errs[1].(map[string]any)["line"] != 6.0 {
				t.Errorf("bad rows reported at %v, want lines 5 and 6", errs)
			}
			db, err := database.Open(context.Background(), url, database.Options{})
			apptest.Must(t, err)
			defer db.Close()
			var skus []string
			apptest.Must(t, db.Gorm.Model(&models.CatalogItem{}).Order("sku").Pluck("sku", &skus).Error)
			if fmt.Sprint(skus) != "[00123 100000 1E+05 ML-1]" {
				t.Errorf("SKUs stored as %v", skus)
			}
			var mug models.CatalogItem
			apptest.Must(t, db.Gorm.Where("sku = ?", "00123").Take(&mug).Error)
			if mug.Title != `Mug, enamel "12oz"` || mug.Cost != 725 || mug.Inventory == nil || *mug.Inventory != 10 {
				t.Errorf("mug = %+v", mug)
			}
			// Importing again updates in place.
			apptest.Must(t, os.WriteFile(file, []byte("sku,cost\n00123,8.00\n"), 0o600))
			consign(t, url, "catalog", "import", "--supplier", supplierID, file)
			apptest.Must(t, db.Gorm.Where("sku = ?", "00123").Take(&mug).Error)
			if mug.Cost != 800 {
				t.Errorf("re-import left cost %d", mug.Cost)
			}
			var n int64
			db.Gorm.Model(&models.CatalogItem{}).Count(&n)
			if n != 4 {
				t.Errorf("re-import made %d items, want 4", n)
			}

			m := consign(t, url, "map", "--retailer", "cli-store.myshopify.com", "--variant", "123", "--supplier", supplierID, "--sku", "00123")
			if m["catalog_item_id"] == nil {
				t.Errorf("map = %v", m)
			}
			if err := consignErr(t, url, "map", "--retailer", "cli-store.myshopify.com", "--variant", "1", "--supplier", supplierID, "--sku", "missing"); err == nil {
				t.Error("map to a missing SKU succeeded")
			}
			if orders := consign(t, url, "orders"); len(orders["orders"].([]any)) != 0 {
				t.Errorf("orders = %v", orders)
			}
			if pos := consign(t, url, "pos", "--supplier", supplierID); len(pos["purchase_orders"].([]any)) != 0 {
				t.Errorf("pos = %v", pos)
			}
		})
	}
}

// An unmatched line leaves the order needing attention; after the catalog
// gains the SKU, `consign route` creates only the missing PO.
func TestRouteCommandAfterCatalogChange(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		first, _ := h.AddSupplier("First", 10, "sku,cost\nNW-TENT-2P,100.00\n")
		h.Webhook("orders/create", "rt-1", sampleOrder(9700, "paid", false, time.Time{}))
		h.Eventually("the order to need attention", func() bool {
			return h.Count("orders", "state = ?", models.OrderNeedsAttention) == 1
		})
		h.Idle()
		if n := h.Count("purchase_orders", ""); n != 1 {
			t.Fatalf("POs = %d, want 1 for the matched line", n)
		}
		second, _ := h.AddSupplier("Second", 20, "sku,cost\nBH-MUG-12,5.00\nCL-KNIFE-FX,30.00\n")
		var order models.Order
		apptest.Must(t, h.App.DB.Gorm.Take(&order).Error)
		res := consign(t, h.DBURL, "route", fmt.Sprint(order.ID))
		if created := res["created"].([]any); len(created) != 1 {
			t.Fatalf("route created %v, want one PO", res)
		}
		h.Idle()
		got := pos(t, h)
		if len(got) != 2 || got[0].Supplier != first || got[1].Supplier != second || len(got[1].SKUs) != 2 {
			t.Errorf("POs = %v", got)
		}
		apptest.Must(t, h.App.DB.Gorm.Take(&order).Error)
		if order.State != models.OrderRouted || order.Attention != "" {
			t.Errorf("order after re-route: %q %q", order.State, order.Attention)
		}
		res = consign(t, h.DBURL, "route", fmt.Sprint(order.ID))
		if created := res["created"].([]any); len(created) != 0 {
			t.Errorf("routing again created %v", created)
		}
	})
}
