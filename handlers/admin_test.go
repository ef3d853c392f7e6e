package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

const retryHeader = "X-Shopify-Retry-Invalid-Session-Request"

func TestAdminRefusesBadSessionTokens(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		now := time.Now()
		sign := func(c shopify.SessionClaims, secret string) string {
			tok, err := shopify.SignSessionToken(c, []byte(secret))
			apptest.Must(t, err)
			return tok
		}
		good := shopify.NewSessionClaims(apptest.Shop, adminAPIKey, "1", now, time.Minute)
		expired := shopify.NewSessionClaims(apptest.Shop, adminAPIKey, "1", now.Add(-2*time.Minute), time.Minute)
		wrongAud := shopify.NewSessionClaims(apptest.Shop, "another-app", "1", now, time.Minute)
		unknown := shopify.NewSessionClaims("stranger.myshopify.com", adminAPIKey, "1", now, time.Minute)

		// A valid token of an unknown or uninstalled shop installs it by token
		// exchange (app/install); only Shopify refusing the exchange is a 401.
		_, goneConn := connectShop(t, w.h, "gone.myshopify.com")
		apptest.Must(t, w.h.App.DB.Gorm.Model(&models.Connection{}).Where("id = ?", goneConn).
			Update("uninstalled_at", now).Error)
		gone := shopify.NewSessionClaims("gone.myshopify.com", adminAPIKey, "1", now, time.Minute)

		bad := map[string]string{
			"missing":        "",
			"expired":        sign(expired, apptest.Secret),
			"forged":         sign(good, "not-the-secret"),
			"wrong audience": sign(wrongAud, apptest.Secret),
			"garbage":        "eyJhbGciOiJub25lIn0.e30.",
		}
		for name, tok := range bad {
			for _, via := range []string{"bearer", "query"} {
				path, headers := "/app/orders", []string{}
				if via == "bearer" {
					headers = []string{"Authorization", "Bearer " + tok}
				} else {
					path += "?id_token=" + url.QueryEscape(tok)
				}
				res, _ := adminRequest(t, w.h.URL, http.MethodGet, path, nil, "", headers...)
				if res.StatusCode != http.StatusUnauthorized || res.Header.Get(retryHeader) != "1" {
					t.Errorf("%s token via %s: %d, retry header %q", name, via, res.StatusCode, res.Header.Get(retryHeader))
				}
				if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors ") {
					t.Errorf("%s token via %s: CSP %q", name, via, res.Header.Get("Content-Security-Policy"))
				}
			}
		}
		for name, tok := range map[string]string{"unknown shop": sign(unknown, apptest.Secret), "uninstalled": sign(gone, apptest.Secret)} {
			res, _ := adminRequest(t, w.h.URL, http.MethodGet, "/app/orders", nil, "", "Authorization", "Bearer "+tok)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s token: %d, want the shop installed by token exchange", name, res.StatusCode)
			}
		}
		if n := w.h.Count("connections", "shop IN ? AND uninstalled_at IS NULL", []string{"stranger.myshopify.com", "gone.myshopify.com"}); n != 2 {
			t.Errorf("%d of the unknown and uninstalled shops are connected after opening the app, want 2", n)
		}
		// Actions are guarded like pages.
		res, _ := adminRequest(t, w.h.URL, http.MethodPost, "/app/settings", nil, "", "Authorization", "Bearer "+sign(expired, apptest.Secret))
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST with an expired token: %d", res.StatusCode)
		}

		// The first load carries the token in the URL; later requests in the header.
		res, doc := adminRequest(t, w.h.URL, http.MethodGet, "/app?shop="+apptest.Shop+"&id_token="+url.QueryEscape(sign(good, apptest.Secret)), nil, "")
		if res.StatusCode != http.StatusOK || textOf(doc, "shop") != apptest.Shop {
			t.Fatalf("first load: %d %q", res.StatusCode, textOf(doc, "shop"))
		}
		if src, _ := doc.Find(`script[src*="app-bridge"]`).Attr("src"); src != "https://cdn.shopify.com/shopifycloud/app-bridge.js" {
			t.Errorf("App Bridge script %q", src)
		}
		if key, _ := doc.Find(`meta[name="shopify-api-key"]`).Attr("content"); key != adminAPIKey {
			t.Errorf("shopify-api-key meta %q", key)
		}
		// Only App Bridge comes from outside; the rest is ours, hashed.
		doc.Find("script[src]").Each(func(_ int, s *goquery.Selection) {
			src, _ := s.Attr("src")
			if !strings.HasPrefix(src, "/static/") && !strings.Contains(src, "app-bridge") {
				t.Errorf("outside script %q", src)
			}
		})
	})
}

// Every admin page and action sets the CSP that lets only the shop's admin
// frame it, errors included.
func TestAdminCSPOnEveryResponse(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		supID, _ := w.h.AddSupplier("Acme", 10, "sku,title,cost\nA-1,Thing,1.00\n")
		o := insertOrder(t, w.h.App.DB, w.h.RetailerID, w.connID, orderSpec{Number: 1001, Name: "Ada", Supplier: supID})
		want := "frame-ancestors https://" + apptest.Shop + " https://admin.shopify.com"
		for _, path := range []string{"/app", "/app/orders", fmt.Sprintf("/app/orders/%d", o.ID), "/app/attention",
			"/app/suppliers", fmt.Sprintf("/app/suppliers/%d", supID), "/app/settings", "/app/orders/999999", "/app/nowhere"} {
			res, _ := w.get(path)
			if got := res.Header.Get("Content-Security-Policy"); !cspFrames(got, want) {
				t.Errorf("GET %s (%d): CSP %q", path, res.StatusCode, got)
			}
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Errorf("GET %s: content type %q", path, res.Header.Get("Content-Type"))
			}
		}
		res, _ := w.post("/app/settings", url.Values{"trigger": {"any"}, "late_accept_hours": {"x"}, "late_ship_days": {"2"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !cspFrames(res.Header.Get("Content-Security-Policy"), want) {
			t.Errorf("refused POST: %d CSP %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
	})
}

// Another tenant's order, PO (through its event and lines), supplier and
// catalog item ids are 404 on every page and action.
func TestAdminIsScopedToTheRetailer(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		ctx := context.Background()
		mySup, _ := w.h.AddSupplier("Mine", 10, "sku,title,cost\nM-1,Mine,1.00\n")
		mine := insertOrder(t, w.h.App.DB, w.h.RetailerID, w.connID, orderSpec{Number: 1, Name: "Me", Supplier: mySup})

		otherID, otherConn := connectShop(t, w.h, "other-retailer.myshopify.com")
		sup, _, err := w.h.App.Accounts.AddSupplier(ctx, otherID, supplierInput("Theirs"))
		apptest.Must(t, err)
		var item models.CatalogItem
		apptest.Must(t, w.h.App.DB.Gorm.Create(&models.CatalogItem{SupplierID: sup.ID, SKU: "T-1", Title: "Theirs", Cost: 100,
			Currency: "USD", Active: true, CreatedAt: time.Now(), UpdatedAt: time.Now()}).Error)
		apptest.Must(t, w.h.App.DB.Gorm.Where("supplier_id = ?", sup.ID).Take(&item).Error)
		theirs := insertOrder(t, w.h.App.DB, otherID, otherConn, orderSpec{Number: 2, Name: "Them", Supplier: sup.ID,
			State: models.OrderNeedsAttention, Lines: []models.OrderLine{
				{SKU: "T-1", VariantID: "v-1", Title: "Theirs", Quantity: 1, FulfillableQuantity: 1, RequiresShipping: true},
				{SKU: "T-2", VariantID: "v-2", Title: "Unmatched", Quantity: 1, FulfillableQuantity: 1, RequiresShipping: true}}})
		ev := linkedEvent(t, w.h.App.DB, otherConn, theirs.ID)
		myEv := linkedEvent(t, w.h.App.DB, w.connID, mine.ID)

		notFound := []struct {
			method, path string
			form         url.Values
		}{
			{"GET", fmt.Sprintf("/app/orders/%d", theirs.ID), nil},
			{"POST", fmt.Sprintf("/app/orders/%d/events/%d/replay", theirs.ID, ev), nil},
			{"POST", fmt.Sprintf("/app/orders/%d/events/%d/replay", mine.ID, ev), nil}, // their event under my order
			{"POST", fmt.Sprintf("/app/orders/%d/events/%d/replay", theirs.ID, myEv), nil},
			{"GET", fmt.Sprintf("/app/suppliers/%d", sup.ID), nil},
			{"GET", fmt.Sprintf("/app/suppliers/%d?q=T", sup.ID), nil},
			{"POST", fmt.Sprintf("/app/suppliers/%d/terms", sup.ID), url.Values{"strategy": {"priority"}, "priority": {"1"}, "channel": {"portal"}}},
			{"POST", fmt.Sprintf("/app/suppliers/%d/invite", sup.ID), nil},
			{"POST", "/app/attention/map", url.Values{"line_id": {fmt.Sprint(theirs.Lines[1].ID)}, "item_id": {fmt.Sprint(item.ID)}}},
			{"POST", "/app/attention/map", url.Values{"line_id": {fmt.Sprint(mine.Lines[0].ID)}, "item_id": {fmt.Sprint(item.ID)}}},
			{"POST", "/app/attention/map", url.Values{"line_id": {fmt.Sprint(theirs.Lines[1].ID)}, "item_id": {"1"}}},
			{"GET", "/app/orders/abc", nil},
		}
		for _, c := range notFound {
			var res *http.Response
			if c.method == "GET" {
				res, _ = w.get(c.path)
			} else {
				res, _ = w.post(c.path, c.form)
			}
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s %v: %d, want 404", c.method, c.path, c.form, res.StatusCode)
			}
		}
		res, _ := w.upload(fmt.Sprintf("/app/suppliers/%d/catalog", sup.ID), "c.csv", "sku,cost\nX-1,1.00\n")
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("upload to their supplier: %d", res.StatusCode)
		}
		// Nothing of theirs changed or leaked into my lists.
		if n := w.h.Count("catalog_items", "supplier_id = ?", sup.ID); n != 1 {
			t.Errorf("their catalog has %d items", n)
		}
		if n := w.h.Count("mappings", ""); n != 0 {
			t.Errorf("%d mappings were made", n)
		}
		for _, path := range []string{"/app/orders", "/app/suppliers", "/app/attention", "/app"} {
			_, doc := w.get(path)
			if html, _ := doc.Html(); strings.Contains(html, "Them") || strings.Contains(html, "Theirs") {
				t.Errorf("%s shows the other tenant's data", path)
			}
		}
	})
}

// linkedEvent stores a processed webhook event linked to an order.
func linkedEvent(t *testing.T, db *database.DB, connID, orderID int64) int64 {
	t.Helper()
	var id int64
	apptest.Must(t, db.Gorm.Raw(`INSERT INTO webhook_events (platform, topic, delivery_id, shop, connection_id, headers, body, state, received_at, order_id)
		VALUES ('shopify', 'orders/create', ?, 's', ?, '{}', ?, 'processed', ?, ?) RETURNING id`,
		fmt.Sprintf("d-%d-%d", connID, orderID), connID, []byte(`{"id":1}`), time.Now().UTC(), orderID).Scan(&id).Error)
	return id
}

func supplierInput(name string) accounts.SupplierInput { return accounts.SupplierInput{Name: name} }

// A title or name with markup reaches every page as text.
func TestAdminShowsUserStringsAsText(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		const xss = `<script>alert(1)</script>`
		supID, _ := w.h.AddSupplier(`Evil <img src=x onerror=alert(2)>`, 10, "sku,title,cost\nX-1,\""+xss+"\",1.00\n")
		o := insertOrder(t, w.h.App.DB, w.h.RetailerID, w.connID, orderSpec{Number: 7, Name: xss, Email: "a@b.c", Supplier: supID,
			State: models.OrderNeedsAttention, Lines: []models.OrderLine{
				{SKU: "X-1", VariantID: "1", Title: xss, Quantity: 1, FulfillableQuantity: 1, RequiresShipping: true},
				{SKU: "x 1", VariantID: "2", Title: xss, Quantity: 1, FulfillableQuantity: 1, RequiresShipping: true}}})
		linkedEventBody(t, w.h.App.DB, w.connID, o.ID, `{"id":7,"note":"`+strings.ReplaceAll(xss, "/", `\/`)+`"}`)
		for _, path := range []string{"/app/orders", fmt.Sprintf("/app/orders/%d", o.ID), "/app/attention",
			"/app/suppliers", fmt.Sprintf("/app/suppliers/%d", supID)} {
			res, doc := w.get(path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
			doc.Find("script").Each(func(_ int, s *goquery.Selection) {
				if _, ok := s.Attr("src"); !ok {
					t.Errorf("%s: an inline script: %q", path, s.Text())
				}
			})
			if doc.Find("img").Length() > 0 {
				t.Errorf("%s: an injected img element", path)
			}
			html, _ := doc.Html()
			if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.Contains(html, "Evil &lt;img") {
				t.Errorf("%s shows neither string as text", path)
			}
		}
		_, doc := w.get(fmt.Sprintf("/app/orders/%d", o.ID))
		if got := textOf(doc, "line-title"); got != xss {
			t.Errorf("line title text %q", got)
		}
		if body := textOf(doc, "event-body"); !strings.Contains(body, `"note": "\u003cscript\u003e`) && !strings.Contains(body, `<script>`) {
			t.Errorf("event body %q", body)
		}
	})
}

func linkedEventBody(t *testing.T, db *database.DB, connID, orderID int64, body string) {
	t.Helper()
	apptest.Must(t, db.Gorm.Exec(`INSERT INTO webhook_events (platform, topic, delivery_id, shop, connection_id, headers, body, state, received_at, order_id)
		VALUES ('shopify', 'orders/create', ?, 's', ?, '{}', ?, 'processed', ?, ?)`,
		fmt.Sprintf("b-%d", orderID), connID, []byte(body), time.Now().UTC(), orderID).Error)
}

// queryCounter counts the SQL statements GORM runs while on.
type queryCounter struct {
	on atomic.Bool
	n  atomic.Int64
}

func countQueries(t *testing.T, db *gorm.DB) *queryCounter {
	qc := &queryCounter{}
	count := func(*gorm.DB) {
		if qc.on.Load() {
			qc.n.Add(1)
		}
	}
	cb := db.Callback()
	apptest.Must(t, cb.Query().After("gorm:query").Register("test:count_query", count))
	apptest.Must(t, cb.Row().After("gorm:row").Register("test:count_row", count))
	apptest.Must(t, cb.Raw().After("gorm:raw").Register("test:count_raw", count))
	return qc
}

func (qc *queryCounter) during(fn func()) int64 {
	qc.n.Store(0)
	qc.on.Store(true)
	fn()
	qc.on.Store(false)
	return qc.n.Load()
}

// The orders page runs the same few queries for 5 orders as for 50, each
// with a PO from a different supplier: no query per row.
func TestAdminOrdersPageHasNoNPlusOne(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		var sups []int64
		for i := range 5 {
			id, _ := w.h.AddSupplier(fmt.Sprintf("Supplier %d", i), 10, "")
			sups = append(sups, id)
		}
		add := func(from, to int) {
			for i := from; i < to; i++ {
				insertOrder(t, w.h.App.DB, w.h.RetailerID, w.connID, orderSpec{Number: int64(1000 + i),
					Name: fmt.Sprintf("Customer %d", i), Supplier: sups[i%len(sups)]})
			}
		}
		qc := countQueries(t, w.h.App.DB.Gorm)
		add(0, 5)
		var rows5 int
		few := qc.during(func() {
			_, doc := w.get("/app/orders")
			rows5 = doc.Find(testid("order-row")).Length()
		})
		add(5, 60)
		var rows50, pos50 int
		var next bool
		many := qc.during(func() {
			_, doc := w.get("/app/orders")
			rows50, pos50 = doc.Find(testid("order-row")).Length(), doc.Find(testid("order-po")).Length()
			next = doc.Find(testid("next-page")).Length() == 1
		})
		if rows5 != 5 || rows50 != 50 || pos50 != 50 || !next {
			t.Fatalf("rows %d then %d with %d POs, next page %t", rows5, rows50, pos50, next)
		}
		if few != many || many > 4 {
			t.Errorf("the orders page ran %d queries for 5 orders and %d for 50", few, many)
		}
		t.Logf("orders page: %d queries", many)
		// The detail page is bounded too, whatever the order holds.
		o := insertOrder(t, w.h.App.DB, w.h.RetailerID, w.connID, orderSpec{Number: 5000, Supplier: sups[0]})
		detail := qc.during(func() { w.get(fmt.Sprintf("/app/orders/%d", o.ID)) })
		// Eight, and one more for every PO's supplier messages at once.
		if detail > 9 {
			t.Errorf("the order page ran %d queries", detail)
		}
		_, doc := w.get("/app/orders?page=2")
		if n := doc.Find(testid("order-row")).Length(); n != 11 {
			t.Errorf("page 2 has %d rows, want 11", n)
		}
	})
}

func TestAdminOrderSearchAndFilter(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		db, rid, conn := w.h.App.DB, w.h.RetailerID, w.connID
		insertOrder(t, db, rid, conn, orderSpec{Number: 1001, Name: "Ada Lovelace", Email: "ada@example.com"})
		insertOrder(t, db, rid, conn, orderSpec{Number: 1002, Name: "Grace Hopper", Email: "grace@navy.mil", State: models.OrderNeedsAttention})
		insertOrder(t, db, rid, conn, orderSpec{Number: 1003, Name: "Alan 100% Turing", Email: "alan@example.com"})
		names := func(q string) []string {
			_, doc := w.get("/app/orders?" + q)
			var out []string
			doc.Find(testid("order-link")).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
			return out
		}
		cases := map[string]string{
			"q=%231002":                       "#1002",
			"q=1001":                          "#1001",
			"q=hopper":                        "#1002",
			"q=ADA%40EXAMPLE":                 "#1001",
			"q=100%25":                        "#1003", // % is literal
			"state=needs_attention":           "#1002",
			"q=example&state=needs_attention": "",
			"q=example":                       "#1003,#1001",
			"state=bogus":                     "#1003,#1002,#1001",
		}
		for q, want := range cases {
			if got := strings.Join(names(q), ","); got != want {
				t.Errorf("%s: %q, want %q", q, got, want)
			}
		}
	})
}

// An unmatched line gets suggestions by folded SKU, GTIN and title; one
// click maps it and routes the order, which gets a PO.
func TestAdminAttentionSuggestsMapsAndRoutes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{})
		supID, _ := w.h.AddSupplier("Copperline", 10,
			"sku,gtin,title,cost\ncl-knife fx,,Blade,41.00\nROPE-30,0840000000080,Rope,88.00\nKIT-9,,First Aid Kit Deluxe,19.50\nZZZ,,Unrelated thing,1.00\n")
		line := func(variant, sku, gtin, title string) models.OrderLine {
			return models.OrderLine{VariantID: variant, SKU: sku, GTIN: gtin, Title: title, Quantity: 1, FulfillableQuantity: 1,
				UnitPrice: 5000, RequiresShipping: true}
		}
		insertOrder(t, w.h.App.DB, w.h.RetailerID, w.connID, orderSpec{Number: 1100, State: models.OrderNeedsAttention,
			Lines: []models.OrderLine{
				line("v1", "CL-KNIFEFX", "", "Fixed Blade Knife"),               // the same SKU, folded
				line("v2", "CL-ROPE-30M", "0840000000080", "Climbing Rope 30m"), // the same GTIN
				line("v3", "CL-FIRST-AID", "", "First Aid Kit"),                 // a similar title
			}})
		_, doc := w.get("/app/attention")
		lines := doc.Find(testid("unmatched-line"))
		if lines.Length() != 3 {
			t.Fatalf("%d unmatched lines", lines.Length())
		}
		want := []string{"cl-knife fx · Copperline · 41.00 · same SKU", "ROPE-30 · Copperline · 88.00 · same GTIN",
			"KIT-9 · Copperline · 19.50 · similar title"}
		lines.Each(func(i int, s *goquery.Selection) {
			sg := s.Find(testid("suggestion"))
			if sg.Length() != 1 || !strings.Contains(strings.Join(strings.Fields(sg.Text()), " "), want[i]) {
				t.Errorf("line %d suggestions: %q", i, strings.Join(strings.Fields(sg.Text()), " "))
			}
		})
		lineID, _ := lines.First().Find(`input[name="line_id"]`).Attr("value")
		itemID, _ := lines.First().Find(`input[name="item_id"]`).Attr("value")
		res, doc := w.post("/app/attention/map", url.Values{"line_id": {lineID}, "item_id": {itemID}})
		if res.StatusCode != http.StatusOK || !strings.Contains(textOf(doc, "flash"), fmt.Sprintf("Created PO-")) {
			t.Fatalf("map: %d %q %q", res.StatusCode, textOf(doc, "flash"), textOf(doc, "form-error"))
		}
		if res.Header.Get("HX-Push-Url") == "" || doc.Find(testid("po")).Length() != 1 {
			t.Errorf("after mapping: push %q, %d POs shown", res.Header.Get("HX-Push-Url"), doc.Find(testid("po")).Length())
		}
		if n := w.h.Count("purchase_orders", "supplier_id = ?", supID); n != 1 {
			t.Errorf("%d POs for the supplier", n)
		}
		// Routing again also matched the rope by its GTIN: only the kit is left.
		_, doc = w.get("/app/attention")
		if n := doc.Find(testid("unmatched-line")).Length(); n != 1 || textOf(doc, "unmatched-title") != "First Aid Kit" {
			t.Errorf("%d lines still unmatched (%q), want the kit", n, textOf(doc, "unmatched-title"))
		}
	})
}

func TestAdminSuppliersCatalogAndSettings(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		res, doc := w.post("/app/suppliers", url.Values{"name": {""}, "email": {"x"}, "strategy": {"priority"}, "priority": {"5"}})
		if res.StatusCode != http.StatusUnprocessableEntity || textOf(doc, "form-error") == "" {
			t.Fatalf("empty name: %d %q", res.StatusCode, textOf(doc, "form-error"))
		}
		if v, _ := doc.Find(`input[name="email"]`).Attr("value"); v != "x" {
			t.Errorf("the form lost what was typed: %q", v)
		}
		res, doc = w.post("/app/suppliers", url.Values{"name": {"Acme"}, "email": {"po@acme.example"}, "strategy": {"lowest_cost"}, "priority": {"5"}})
		if res.StatusCode != http.StatusCreated || !strings.HasPrefix(textOf(doc, "new-api-key"), "csk_") {
			t.Fatalf("add: %d key %q", res.StatusCode, textOf(doc, "new-api-key"))
		}
		href, _ := doc.Find(testid("supplier-link")).Attr("href")

		// Terms.
		res, doc = w.post(href+"/terms", url.Values{"strategy": {"in_stock_first"}, "priority": {"3"}, "channel": {"store"}, "active": {"1"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(textOf(doc, "form-error"), "no connected store") {
			t.Errorf("store channel without a store: %d %q", res.StatusCode, textOf(doc, "form-error"))
		}
		res, _ = w.post(href+"/terms", url.Values{"strategy": {"in_stock_first"}, "priority": {"3"}, "channel": {"portal"}})
		var p models.Partnership
		apptest.Must(t, w.h.App.DB.Gorm.Where("retailer_id = ?", w.h.RetailerID).Take(&p).Error)
		if res.StatusCode != http.StatusOK || p.Strategy != "in_stock_first" || p.Priority != 3 || p.Active {
			t.Errorf("terms: %d %+v", res.StatusCode, p)
		}

		// Invite: a portal link that the portal accepts.
		res, doc = w.post(href+"/invite", nil)
		link, _ := doc.Find(testid("invite-link")).Attr("value")
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(link, w.h.URL+"/portal/login/") {
			t.Fatalf("invite: %d %q", res.StatusCode, link)
		}
		if r, err := http.Get(link); err != nil || r.StatusCode != http.StatusOK {
			t.Errorf("invite link answered %v %v", r.StatusCode, err)
		}

		// Upload with a bad row: the rest is imported, the bad row listed.
		csv := "sku,title,cost,inventory\nA-1,Anvil,10.00,5\nA-2,Broken,ten,1\nA-3,Rocket skates,99.50,\n"
		res, doc = w.upload(href+"/catalog", "catalog.csv", csv, "HX-Request", "true")
		if res.StatusCode != http.StatusOK || doc.Find("main").Length() != 0 {
			t.Fatalf("htmx upload: %d, a whole page: %t", res.StatusCode, doc.Find("main").Length() != 0)
		}
		if got := textOf(doc, "import-summary"); got != "2 of 3 rows imported, 1 refused." {
			t.Errorf("summary %q", got)
		}
		if textOf(doc, "import-error-line") != "3" {
			t.Errorf("error line %q", textOf(doc, "import-error-line"))
		}
		// Without htmx the whole page comes back with the report.
		res, doc = w.upload(href+"/catalog", "catalog.csv", "sku,cost\n")
		if res.StatusCode != http.StatusOK || textOf(doc, "supplier-name") != "Acme" || doc.Find(testid("import-result")).Length() != 1 {
			t.Errorf("plain upload: %d %q", res.StatusCode, textOf(doc, "supplier-name"))
		}
		res, doc = w.upload(href+"/catalog", "catalog.csv", "name,price\nx,1\n", "HX-Request", "true")
		if res.StatusCode != http.StatusOK || !strings.Contains(textOf(doc, "import-failed"), "lacks required column") {
			t.Errorf("bad header: %d %q", res.StatusCode, textOf(doc, "import-failed"))
		}

		// Catalog search, alone for htmx.
		_, doc = w.get(href + "?q=rocket")
		if n := doc.Find(testid("catalog-item")).Length(); n != 1 || textOf(doc, "catalog-title") != "Rocket skates" {
			t.Errorf("search: %d items, %q", n, textOf(doc, "catalog-title"))
		}
		res, doc = w.do(http.MethodGet, href+"?q=a-", nil, "", "HX-Request", "true", "HX-Target", "catalog")
		if res.StatusCode != http.StatusOK || doc.Find("#catalog").Length() != 1 || doc.Find("main").Length() != 0 ||
			doc.Find(testid("catalog-item")).Length() != 2 {
			t.Errorf("htmx search: %d, %d items", res.StatusCode, doc.Find(testid("catalog-item")).Length())
		}

		// Settings.
		res, doc = w.post("/app/settings", url.Values{"trigger": {"any"}, "late_accept_hours": {"0"}, "late_ship_days": {"2"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("zero hours: %d", res.StatusCode)
		}
		res, doc = w.post("/app/settings", url.Values{"trigger": {"any"}, "late_accept_hours": {"12"}, "late_ship_days": {"2"}})
		var acct models.Account
		apptest.Must(t, w.h.App.DB.Gorm.Take(&acct, w.h.RetailerID).Error)
		if res.StatusCode != http.StatusOK || acct.RoutingTrigger != "any" || acct.LateAcceptHours != 12 || acct.LateShipDays != 2 {
			t.Errorf("settings: %d %+v", res.StatusCode, acct)
		}
		if v, _ := doc.Find(`input[name="late_accept_hours"]`).Attr("value"); v != "12" {
			t.Errorf("settings page shows %q", v)
		}
	})
}

// The dashboard counts today's orders, orders needing attention, POs by
// state, and POs late by the retailer's own thresholds.
func TestAdminDashboard(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		db, rid, conn := w.h.App.DB, w.h.RetailerID, w.connID
		sup, _ := w.h.AddSupplier("Slowpoke", 10, "")
		now := time.Now().UTC()
		insertOrder(t, db, rid, conn, orderSpec{Number: 1, Supplier: sup})                                                     // sent just now: on time
		late := insertOrder(t, db, rid, conn, orderSpec{Number: 2, Supplier: sup, Created: now.Add(-30 * time.Hour)})          // sent 30h ago: late to accept
		insertOrder(t, db, rid, conn, orderSpec{Number: 3, State: models.OrderNeedsAttention, Created: now.AddDate(0, 0, -2)}) // not today
		shipLate := insertOrder(t, db, rid, conn, orderSpec{Number: 4, Supplier: sup, Created: now.AddDate(0, 0, -5)})         // accepted 5 days ago
		apptest.Must(t, db.Gorm.Model(&models.PurchaseOrder{}).Where("order_id = ?", shipLate.ID).Update("state", models.POAccepted).Error)

		_, doc := w.get("/app")
		num := func(id string) string { return strings.TrimSpace(doc.Find(testid(id) + " .num").Text()) }
		if num("orders-today") != "1" || num("needs-attention") != "1" || num("late-accept-count") != "1" || num("late-ship-count") != "1" {
			t.Errorf("counts: today %s, attention %s, late accept %s, late ship %s",
				num("orders-today"), num("needs-attention"), num("late-accept-count"), num("late-ship-count"))
		}
		if got := strings.TrimSpace(doc.Find(testid("po-state-sent") + " strong").Text()); got != "2" {
			t.Errorf("sent POs %q", got)
		}
		if !strings.Contains(doc.Find(testid("late-accept")).Text(), late.Name) {
			t.Errorf("late list: %q", doc.Find(testid("late-accept")).Text())
		}
		// A looser threshold clears the list.
		w.post("/app/settings", url.Values{"trigger": {"paid"}, "late_accept_hours": {"48"}, "late_ship_days": {"7"}})
		_, doc = w.get("/app")
		if num("late-accept-count") != "0" || num("late-ship-count") != "0" {
			t.Errorf("after loosening: %s %s", num("late-accept-count"), num("late-ship-count"))
		}
	})
}

// Replaying an order's raw event puts it back through processing.
func TestAdminReplaysAnOrdersEvent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{})
		w.h.AddSupplier("Northwind", 10, samples.CatalogCSV(0))
		w.h.Webhook("orders/create", "replay-1", samples.ShopifyOrder(samples.Order{ID: 7200, Number: 1200,
			Lines: []samples.OrderLine{{Product: samples.Products[0], Quantity: 1}}}))
		w.h.Eventually("a sent PO", func() bool { return w.h.Count("purchase_orders", "state = ?", models.POSent) == 1 })
		w.h.Idle()
		var o models.Order
		apptest.Must(t, w.h.App.DB.Gorm.Take(&o).Error)
		_, doc := w.get(fmt.Sprintf("/app/orders/%d", o.ID))
		if doc.Find(testid("event")).Length() != 1 || !strings.Contains(textOf(doc, "event-body"), `"name": "#1200"`) {
			t.Fatalf("events: %d, body %.80q", doc.Find(testid("event")).Length(), textOf(doc, "event-body"))
		}
		if doc.Find(testid("po-history")+" li").Length() != 2 || textOf(doc, "line-supplier") == "" {
			t.Errorf("history %d rows, line supplier %q", doc.Find(testid("po-history")+" li").Length(), textOf(doc, "line-supplier"))
		}
		action, _ := doc.Find(testid("replay")).Parent().Attr("action")
		res, doc := w.post(action, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(textOf(doc, "flash"), "queued") {
			t.Fatalf("replay: %d %q", res.StatusCode, textOf(doc, "flash"))
		}
		w.h.Idle()
		if n := w.h.Count("webhook_events", "state = ? AND order_id = ?", models.EventProcessed, o.ID); n != 1 {
			t.Errorf("%d processed events linked after replay", n)
		}
		if n := w.h.Count("purchase_orders", ""); n != 1 {
			t.Errorf("replay made %d POs", n)
		}
	})
}

// The demo sign-in is absent from serve.
func TestAdminDemoSignInIsAbsentFromServe(t *testing.T) {
	w := newAdminWorld(t, database.SQLite, apptest.Options{NoWorkers: true})
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		for _, p := range []string{"/demo", "/demo/admin", "/demo/portal/1"} {
			res, _ := adminRequest(t, w.h.URL, m, p, nil, "")
			if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d", m, p, res.StatusCode)
			}
		}
	}
}

// cspFrames reports whether a CSP ends in the frame-ancestors directive want
// and allows scripts from nowhere but Consign and App Bridge's CDN.
func cspFrames(csp, want string) bool {
	return strings.HasSuffix(csp, "; "+want) && strings.Contains(csp, "script-src 'self' https://cdn.shopify.com;") &&
		!strings.Contains(csp, "unsafe-inline")
}
