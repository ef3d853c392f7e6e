package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/consign/consign/handlers"
	"github.com/consign/consign/static"
)

func newServer(t *testing.T) *httptest.Server {
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	e := handlers.New(handlers.Deps{
		Log:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		Pages:           &handlers.Pages{Assets: assets},
		ShopifyWebhooks: &handlers.ShopifyWebhooks{},
		SupplierAPI:     &handlers.SupplierAPI{},
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url, accept string) (*http.Response, *goquery.Document) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", accept)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, doc
}

func TestHomeAndAssets(t *testing.T) {
	srv := newServer(t)
	res, doc := get(t, srv.URL+"/", "text/html")
	if res.StatusCode != 200 || doc.Find(`[data-testid="home-title"]`).Text() != "Consign is running" {
		t.Fatalf("home: %d %q", res.StatusCode, doc.Find("h1").Text())
	}
	css, ok := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !ok || !strings.HasPrefix(css, "/static/") {
		t.Fatalf("stylesheet href %q", css)
	}
	r, err := http.Get(srv.URL + css)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("asset: %d %q %q", r.StatusCode, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}
	if r, _ := http.Get(srv.URL + "/static/0000/app.css"); r.StatusCode != 404 {
		t.Errorf("a stale hash answered %d", r.StatusCode)
	}
}

func TestErrorsArePagesForPeopleAndJSONForClients(t *testing.T) {
	srv := newServer(t)
	res, doc := get(t, srv.URL+"/nowhere", "text/html,application/xhtml+xml")
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		doc.Find(`[data-testid="error-status"]`).Text() != "Not Found" {
		t.Errorf("browser 404: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), doc.Find("h1").Text())
	}
	r, err := http.Get(srv.URL + "/api/v1/purchase-orders")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 401 || !strings.Contains(string(body), `"code":"unauthorized"`) {
		t.Errorf("API without key: %d %s", r.StatusCode, body)
	}
}
