package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/models"
)

const adminAPIKey = "test-api-key" // what apptest configures

// forEachDialect runs fn per database dialect.
func forEachDialect(t *testing.T, fn func(t *testing.T, d database.Dialect)) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// adminWorld is a running Consign with the harness's retailer signed in.
type adminWorld struct {
	t      *testing.T
	h      *apptest.Harness
	connID int64
}

func newAdminWorld(t *testing.T, d database.Dialect, opts apptest.Options) *adminWorld {
	t.Helper()
	h := apptest.Start(t, d, opts)
	var conn models.Connection
	apptest.Must(t, h.App.DB.Gorm.Where("shop = ?", apptest.Shop).Take(&conn).Error)
	return &adminWorld{t: t, h: h, connID: conn.ID}
}

// sessionToken is a token Shopify would issue for shop, valid for a minute.
func sessionToken(t testing.TB, shop string) string {
	t.Helper()
	tok, err := shopify.SignSessionToken(shopify.NewSessionClaims(shop, adminAPIKey, "1", time.Now(), time.Minute), []byte(apptest.Secret))
	apptest.Must(t, err)
	return tok
}

// do sends a request with the harness shop's session token as Bearer, as
// htmx does after the first load.
func (w *adminWorld) do(method, path string, body *bytes.Buffer, contentType string, headers ...string) (*http.Response, *goquery.Document) {
	w.t.Helper()
	return adminRequest(w.t, w.h.URL, method, path, body, contentType, append([]string{"Authorization", "Bearer " + sessionToken(w.t, apptest.Shop)}, headers...)...)
}

func (w *adminWorld) get(path string) (*http.Response, *goquery.Document) {
	w.t.Helper()
	return w.do(http.MethodGet, path, nil, "")
}

func (w *adminWorld) post(path string, form url.Values) (*http.Response, *goquery.Document) {
	w.t.Helper()
	return w.do(http.MethodPost, path, bytes.NewBufferString(form.Encode()), "application/x-www-form-urlencoded")
}

// upload posts a file as multipart form data.
func (w *adminWorld) upload(path, name, content string, headers ...string) (*http.Response, *goquery.Document) {
	w.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", name)
	apptest.Must(w.t, err)
	fw.Write([]byte(content))
	apptest.Must(w.t, mw.Close())
	return w.do(http.MethodPost, path, &b, mw.FormDataContentType(), headers...)
}

func adminRequest(t *testing.T, base, method, path string, body *bytes.Buffer, contentType string, headers ...string) (*http.Response, *goquery.Document) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body.Bytes())
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, base+path, rd)
	apptest.Must(t, err)
	req.Header.Set("Accept", "text/html")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	apptest.Must(t, err)
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	apptest.Must(t, err)
	return res, doc
}

// testid selects by data-testid.
func testid(id string) string { return `[data-testid="` + id + `"]` }

func textOf(doc *goquery.Document, id string) string {
	return strings.TrimSpace(doc.Find(testid(id)).First().Text())
}

// orderSpec describes an order inserted straight into the database.
type orderSpec struct {
	Number   int64
	Name     string // ship-to name
	Email    string
	State    string
	Lines    []models.OrderLine
	Supplier int64 // when set, one sent PO for the first line
	Created  time.Time
}

// insertOrder stores an order (and its PO) for a retailer's connection.
func insertOrder(t testing.TB, db *database.DB, retailerID, connID int64, s orderSpec) models.Order {
	t.Helper()
	now := time.Now().UTC()
	if s.Created.IsZero() {
		s.Created = now
	}
	if s.State == "" {
		s.State = models.OrderRouted
	}
	if len(s.Lines) == 0 {
		s.Lines = []models.OrderLine{{SKU: "SKU-1", Title: "Widget", Quantity: 1, FulfillableQuantity: 1,
			UnitPrice: money.Amount(1000), RequiresShipping: true}}
	}
	o := models.Order{ConnectionID: connID, RetailerID: retailerID, Platform: "shopify",
		ExternalID: fmt.Sprintf("%d%d", retailerID, s.Number), Name: fmt.Sprintf("#%d", s.Number), Number: s.Number,
		Currency: "USD", FinancialStatus: "paid", CustomerEmail: s.Email,
		ShipTo: fmt.Sprintf(`{"name":%q,"address1":"1 Main St","city":"Portland"}`, s.Name), State: s.State,
		PlatformUpdatedAt: now, CreatedAt: s.Created, UpdatedAt: s.Created}
	for i := range s.Lines {
		s.Lines[i].ExternalID = fmt.Sprintf("%d-%d", s.Number, i)
	}
	o.Lines = s.Lines
	apptest.Must(t, db.Gorm.Create(&o).Error)
	if s.Supplier != 0 {
		po := models.PurchaseOrder{Number: fmt.Sprintf("PO-%d-%d", o.ID, s.Supplier), OrderID: o.ID, RetailerID: retailerID,
			SupplierID: s.Supplier, State: models.POSent, Currency: "USD", TotalCost: 500, ShipTo: o.ShipTo,
			CreatedAt: s.Created, UpdatedAt: s.Created}
		apptest.Must(t, db.Gorm.Create(&po).Error)
		apptest.Must(t, db.Gorm.Create(&models.POLine{PurchaseOrderID: po.ID, OrderLineID: o.Lines[0].ID,
			SKU: o.Lines[0].SKU, Title: o.Lines[0].Title, Quantity: 1, Cost: 500, State: models.LineOpen}).Error)
		apptest.Must(t, db.Gorm.Create(&models.POEvent{PurchaseOrderID: po.ID, FromState: models.POPending,
			ToState: models.POSent, Actor: "consign", CreatedAt: s.Created}).Error)
	}
	return o
}

// connectShop connects another retailer's store and returns its account
// and connection ids.
func connectShop(t testing.TB, h *apptest.Harness, shop string) (int64, int64) {
	t.Helper()
	conn, err := h.App.Accounts.Connect(context.Background(), "shopify", shop, "shpat_other")
	apptest.Must(t, err)
	return conn.AccountID, conn.ID
}
