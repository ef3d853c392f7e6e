package woocommerce_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/woocommerce"
)

var shipped = woocommerce.Tracking{
	Carrier: "USPS", Number: "9400111899560000000000",
	URL: "https://track.example/9400111899560000000000", Shipped: time.Date(2026, 7, 10, 15, 0, 0, 0, time.UTC),
}

func TestShipWithTrackingExtension(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	ctx := context.Background()
	store.AddOrder(sampleOrder(9, time.Time{}))

	id, err := c.Ship(ctx, 9, shipped, false)
	if err != nil || !strings.HasPrefix(id, "tracking:") {
		t.Fatalf("Ship = %q, %v", id, err)
	}
	tr := store.Trackings(9)
	if len(tr) != 1 || tr[0].Number != shipped.Number || tr[0].Provider != "USPS" || tr[0].Link != shipped.URL ||
		!tr[0].Custom || tr[0].DateShipped != "2026-07-10" || "tracking:"+tr[0].TrackingID != id {
		t.Errorf("trackings = %+v", tr)
	}
	if st, _ := store.Order(9); st.Status != "processing" {
		t.Errorf("status %q: complete was false", st.Status)
	}

	// A retry, then the completing call, reuse the tracking and complete once.
	for range 2 {
		again, err := c.Ship(ctx, 9, shipped, true)
		if err != nil || again != id {
			t.Fatalf("repeat Ship = %q, %v; want %q", again, err, id)
		}
	}
	st, _ := store.Order(9)
	if len(st.Trackings) != 1 || st.Status != "completed" {
		t.Errorf("after repeats: %d trackings, status %q", len(st.Trackings), st.Status)
	}
	puts := 0
	for _, r := range store.Requests() {
		if r.Method == "PUT" {
			puts++
		}
	}
	if puts != 1 {
		t.Errorf("%d status updates, want 1", puts)
	}

	// Without a link, the carrier goes as a provider the extension may know.
	if _, err := c.Ship(ctx, 9, woocommerce.Tracking{Carrier: "UPS", Number: "1Z999"}, false); err != nil {
		t.Fatal(err)
	}
	if tr := store.Trackings(9); len(tr) != 2 || tr[1].Custom || tr[1].Link != "https://www.ups.com/track?tracknum=1Z999" {
		t.Errorf("predefined provider tracking = %+v", tr[1])
	}
}

func TestShipWithoutTrackingExtension(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	ctx := context.Background()
	store.SetTrackingExtension(false)
	store.AddOrder(sampleOrder(9, time.Time{}))

	id, err := c.Ship(ctx, 9, shipped, true)
	if err != nil || !strings.HasPrefix(id, "note:") {
		t.Fatalf("Ship = %q, %v", id, err)
	}
	again, err := c.Ship(ctx, 9, shipped, true)
	if err != nil || again != id {
		t.Errorf("repeat Ship = %q, %v; want %q", again, err, id)
	}
	var customer []string
	for _, n := range store.Notes(9) {
		if n.CustomerNote {
			customer = append(customer, n.Note)
		}
	}
	if len(customer) != 1 || !strings.Contains(customer[0], "USPS") || !strings.Contains(customer[0], shipped.Number) || !strings.Contains(customer[0], shipped.URL) {
		t.Errorf("customer notes = %q", customer)
	}
	if st, _ := store.Order(9); st.Status != "completed" || len(st.Trackings) != 0 {
		t.Errorf("order = %+v", st)
	}
}

func TestShipErrors(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	ctx := context.Background()
	store.AddOrder(sampleOrder(9, time.Time{}))

	if _, err := c.Ship(ctx, 404, shipped, false); !errors.Is(err, woocommerce.ErrNotFound) {
		t.Errorf("missing order: %v", err)
	}
	if _, err := c.Ship(ctx, 9, woocommerce.Tracking{Carrier: "USPS"}, false); err == nil {
		t.Error("empty tracking number accepted")
	}
	store.FailNext(1, http.StatusBadGateway)
	var re *woocommerce.RetryableError
	if _, err := c.Ship(ctx, 9, shipped, true); !errors.As(err, &re) {
		t.Errorf("502: %v, want RetryableError", err)
	}
	// Refused input is permanent and carries WooCommerce's code.
	store.SetTrackingExtension(false)
	var apiErr *woocommerce.APIError
	bad, _ := woocommerce.NewClient(woocommerce.ClientOptions{}, store.URL, "ck_revoked", testSecret)
	if _, err := bad.Ship(ctx, 9, shipped, false); !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || errors.As(err, &re) {
		t.Errorf("revoked key: %v", err)
	}
}
