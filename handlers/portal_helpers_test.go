package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

func portalDialects(t *testing.T, fn func(t *testing.T, d database.Dialect)) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// portalXSSTitle is a catalog title that must reach the page as text.
const portalXSSTitle = `<script>alert(1)</script>`

// portalWorld is a running Consign with two suppliers, each with one sent PO for
// the same order: Northwind's has three lines (one titled portalXSSTitle), Blue
// Harbor's one.
type portalWorld struct {
	h            *apptest.Harness
	supA, supB   int64
	keyB         string
	poA, poB     models.PurchaseOrder
	orderID      int64 // the store's id
	xssLine      models.POLine
	multiLine    models.POLine // quantity 3
	orderStoreDB int64         // our orders.id
}

func newPortalWorld(t *testing.T, d database.Dialect) *portalWorld {
	t.Helper()
	h := apptest.Start(t, d, apptest.Options{})
	w := &portalWorld{h: h, orderID: 9700}
	w.supA, _ = h.AddSupplier("Northwind & Sons", 10, samples.CatalogCSV(0)+"XSS-1,,\""+portalXSSTitle+"\",5.00,10\n")
	w.supB, w.keyB = h.AddSupplier("Blue Harbor Goods", 20, samples.CatalogCSV(1))
	p := samples.Products
	xss := samples.Product{VariantID: 44000000099, ProductID: 8000000099, SKU: "XSS-1", Title: "Plain title in the store", Price: "10.00", Cost: "5.00"}
	lines := []samples.OrderLine{{Product: p[0], Quantity: 1}, {Product: p[1], Quantity: 3}, {Product: xss, Quantity: 1}, {Product: p[3], Quantity: 2}}
	var fake []fakeshopify.Line
	for i, l := range lines {
		fake = append(fake, fakeshopify.Line{ID: fmt.Sprint(samples.LineID(w.orderID, i)), Quantity: l.Quantity})
	}
	h.Fake.AddOrder(apptest.Shop, fmt.Sprintf("gid://shopify/Order/%d", w.orderID), fake)
	h.Webhook("orders/create", "portal-1", samples.ShopifyOrder(samples.Order{ID: w.orderID, Number: 1001, Lines: lines}))
	h.Eventually("two sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 2 })
	db := h.App.DB.Gorm
	apptest.Must(t, db.Preload("Lines").Where("supplier_id = ?", w.supA).Take(&w.poA).Error)
	apptest.Must(t, db.Preload("Lines").Where("supplier_id = ?", w.supB).Take(&w.poB).Error)
	for _, l := range w.poA.Lines {
		switch l.SKU {
		case "XSS-1":
			w.xssLine = l
		case p[1].SKU:
			w.multiLine = l
		}
	}
	if w.xssLine.ID == 0 || w.multiLine.ID == 0 {
		t.Fatalf("Northwind's PO lines: %+v", w.poA.Lines)
	}
	w.orderStoreDB = w.poA.OrderID
	return w
}

// signIn opens a browser signed in as the supplier through an invite link.
func (w *portalWorld) signIn(t *testing.T, supplierID int64) *portalBrowser {
	t.Helper()
	link, err := w.h.App.Portal.Invite(t.Context(), supplierID)
	apptest.Must(t, err)
	b := newPortalBrowser(t, w.h.URL)
	res, doc := b.get(link)
	if res.StatusCode != 200 {
		t.Fatalf("invite page: %d", res.StatusCode)
	}
	if res := b.submit(doc, "[data-testid=confirm-sign-in]", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("using the invite: %d", res.StatusCode)
	}
	return b
}

// portalBrowser is a minimal cookie-keeping client that does not follow redirects.
// It keeps Secure cookies over plain http, as browsers do for loopback.
type portalBrowser struct {
	t       *testing.T
	base    string
	client  *http.Client
	cookies map[string]*http.Cookie
	last    string // body of the last response
}

func newPortalBrowser(t *testing.T, base string) *portalBrowser {
	return &portalBrowser{t: t, base: base, cookies: map[string]*http.Cookie{}, client: &http.Client{
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *portalBrowser) do(method, path string, form url.Values) *http.Response {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	apptest.Must(b.t, err)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := b.client.Do(req)
	apptest.Must(b.t, err)
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	apptest.Must(b.t, err)
	b.last = string(raw)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
			continue
		}
		b.cookies[c.Name] = c
	}
	return res
}

func (b *portalBrowser) get(path string) (*http.Response, *goquery.Document) {
	b.t.Helper()
	res := b.do(http.MethodGet, path, nil)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.last))
	apptest.Must(b.t, err)
	return res, doc
}

// post sends a form with the CSRF token from the browser's cookie.
func (b *portalBrowser) post(path string, form url.Values) *http.Response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if c, ok := b.cookies["consign_portal_csrf"]; ok && !form.Has("_csrf") {
		form.Set("_csrf", c.Value)
	}
	return b.do(http.MethodPost, path, form)
}

// submit presses the button in doc: posts its form's fields (hidden inputs
// as rendered, the button's name and value) plus extra.
func (b *portalBrowser) submit(doc *goquery.Document, button string, extra url.Values) *http.Response {
	b.t.Helper()
	btn := doc.Find(button)
	if btn.Length() != 1 {
		b.t.Fatalf("%d buttons match %s", btn.Length(), button)
	}
	form := btn.Closest("form")
	action, _ := form.Attr("action")
	vals := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		vals.Add(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	if name := btn.AttrOr("name", ""); name != "" {
		vals.Set(name, btn.AttrOr("value", ""))
	}
	for k, v := range extra {
		vals[k] = v
	}
	return b.do(http.MethodPost, action, vals)
}

func (b *portalBrowser) doc() *goquery.Document {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(b.last))
	apptest.Must(b.t, err)
	return doc
}

func portalPOPath(id int64) string { return fmt.Sprintf("/portal/purchase-orders/%d", id) }

func portalText(doc *goquery.Document, sel string) string {
	return strings.TrimSpace(doc.Find(sel).First().Text())
}
