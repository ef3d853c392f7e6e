package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/woocommerce/fakewoocommerce"
	"github.com/consign/consign/models"
)

const (
	wooKey    = "ck_0123456789abcdef0123456789abcdef01234567"
	wooSecret = "cs_0123456789abcdef0123456789abcdef01234567"
)

func startWooCommerce(t *testing.T, d database.Dialect) (*apptest.Harness, *fakewoocommerce.Server) {
	t.Helper()
	fake := fakewoocommerce.New(wooKey, wooSecret)
	t.Cleanup(fake.Close)
	return apptest.Start(t, d, apptest.Options{}), fake
}

// connectWooCommerce connects the fake store the way a merchant does, in a
// browser: the connect form at /auth/woocommerce, the store's approval (the
// fake approves at once, POSTing the keys to the callback) and back into
// the admin, signed in by a session cookie. It returns that browser.
func connectWooCommerce(t *testing.T, h *apptest.Harness, fake *fakewoocommerce.Server) (models.Connection, *apptest.Browser) {
	t.Helper()
	b := h.NewBrowser()
	res, page := beginWooConnect(t, b, fake.URL)
	if res.StatusCode != 200 || res.Request.URL.Path != "/app" || fake.CallbackStatus() != http.StatusOK {
		t.Fatalf("connect ended at %s with %d; the key callback answered %d:\n%s", res.Request.URL, res.StatusCode, fake.CallbackStatus(), page)
	}
	for _, u := range b.Visited {
		if strings.Contains(u, "/app?") {
			t.Errorf("the session travelled in a URL: %s", u)
		}
	}
	if b.Cookie("/app", "consign_admin") == "" {
		t.Fatal("no admin session cookie after the connect")
	}
	state := wooState(t, b)
	// A key callback for a state already used, or one Consign never made,
	// is refused and connects nothing.
	for _, userID := range []string{state, "forged-state"} {
		grant := fmt.Sprintf(`{"key_id":9,"user_id":%q,"consumer_key":"ck_other","consumer_secret":"cs_other","key_permissions":"read_write"}`, userID)
		if code, _ := post(t, h, "/auth/woocommerce/callback", []byte(grant), http.Header{"Content-Type": {"application/json"}}); code != http.StatusUnauthorized {
			t.Errorf("key callback for state %q answered %d, want 401", userID, code)
		}
	}
	// The return link works once, and only in the browser that connected.
	replayed, err := http.Get(h.URL + "/auth/woocommerce/return?success=1&user_id=" + state)
	apptest.Must(t, err)
	replayed.Body.Close()
	if replayed.StatusCode != http.StatusUnauthorized {
		t.Errorf("a used return link answered %d, want 401", replayed.StatusCode)
	}
	h.Idle() // the hooks are created by a job
	hooks := fake.Webhooks()
	if len(hooks) != 2 {
		t.Fatalf("webhooks = %+v, want order.created and order.updated", hooks)
	}
	for _, w := range hooks {
		if w.DeliveryURL != h.URL+"/webhooks/woocommerce" || w.Status != "active" || len(w.Secret) < 32 {
			t.Errorf("webhook %+v", w)
		}
	}
	return connection(t, h, models.PlatformWooCommerce, strings.ToLower(fake.URL)), b
}

// beginWooConnect fills in and submits the connect form in b, following
// the store's approval back to Consign.
func beginWooConnect(t *testing.T, b *apptest.Browser, storeURL string) (*http.Response, string) {
	t.Helper()
	res, form := b.Get("/auth/woocommerce?" + url.Values{"store_url": {storeURL}}.Encode())
	if res.StatusCode != 200 || !strings.Contains(form, `value="`+storeURL+`"`) {
		t.Fatalf("connect form (%d) does not show the store address:\n%s", res.StatusCode, form)
	}
	return b.PostForm("/auth/woocommerce", url.Values{"_csrf": {apptest.Hidden(form, "_csrf")}, "store_url": {storeURL}})
}

// wooState is the user_id the store sent the browser back with.
func wooState(t *testing.T, b *apptest.Browser) string {
	t.Helper()
	for _, v := range b.Visited {
		if u, err := url.Parse(v); err == nil && u.Path == "/auth/woocommerce/return" {
			return u.Query().Get("user_id")
		}
	}
	t.Fatal("the store never sent the browser back to /auth/woocommerce/return")
	return ""
}

func wooOrder(id int64, status string, skus ...string) fakewoocommerce.Order {
	o := fakewoocommerce.Order{ID: id, Status: status, Email: "buyer@example.com",
		Shipping: fakewoocommerce.Address{FirstName: "Grace", LastName: "Hopper", Address1: "1 Compiler Rd", City: "Arlington",
			State: "VA", Postcode: "22201", Country: "US"}}
	for i, sku := range skus {
		s := sku
		o.Lines = append(o.Lines, fakewoocommerce.Line{ProductID: int64(200 + i), SKU: &s, Name: "Item " + sku, Quantity: i + 1, Price: "9.90"})
	}
	return o
}

func deliverWoo(t *testing.T, h *apptest.Harness, fake *fakewoocommerce.Server, topic string, id int64) string {
	t.Helper()
	body, hdr := fake.Delivery(topic, id)
	if body == nil {
		t.Fatalf("the store has no active %s hook", topic)
	}
	code, answer := post(t, h, "/webhooks/woocommerce", body, hdr)
	if code != 200 {
		t.Fatalf("%s delivery: %d %s", topic, code, answer)
	}
	return answer
}

func TestWooCommerceOrderRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startWooCommerce(t, d)
		conn, browser := connectWooCommerce(t, h, fake)
		_, key := retailerSupplier(t, h, conn.AccountID, "Woo Supplier", "sku,title,cost\nWC-CAP,Cap,3.00\nWC-BAG,Bag,6.00\n")

		// The creation ping is answered and stores nothing.
		ping, hdr := fake.Ping(fake.Webhooks()[0].ID)
		if code, _ := post(t, h, "/webhooks/woocommerce", ping, hdr); code != 200 {
			t.Fatalf("ping answered %d", code)
		}
		// Forged, unsigned and unknown-store deliveries store nothing.
		fake.AddOrder(wooOrder(727, "pending", "WC-CAP", "WC-BAG"))
		body, hdr := fake.Delivery("order.created", 727)
		for name, tamper := range map[string]func(http.Header){
			"forged":        func(h http.Header) { h.Set("X-WC-Webhook-Signature", "AAAA"+h.Get("X-WC-Webhook-Signature")[4:]) },
			"unsigned":      func(h http.Header) { h.Del("X-WC-Webhook-Signature") },
			"unknown store": func(h http.Header) { h.Set("X-WC-Webhook-Source", "https://elsewhere.example/") },
		} {
			hd := hdr.Clone()
			tamper(hd)
			if code, _ := post(t, h, "/webhooks/woocommerce", body, hd); code != http.StatusUnauthorized {
				t.Errorf("%s delivery answered %d, want 401", name, code)
			}
		}
		if n := h.Count("webhook_events", ""); n != 0 {
			t.Fatalf("ping and refused deliveries stored %d events", n)
		}

		// Pending: stored, held. The same version sent again (a new
		// delivery id) is a duplicate.
		if a := deliverWoo(t, h, fake, "order.created", 727); !strings.Contains(a, "stored") {
			t.Fatalf("first delivery: %s", a)
		}
		if a := deliverWoo(t, h, fake, "order.created", 727); !strings.Contains(a, "duplicate") {
			t.Fatalf("same version again: %s", a)
		}
		h.Idle()
		order, ok := orderOf(t, h, conn.ID, "727")
		if !ok || order.Hold == "" || order.PlatformStatus != "pending" || len(posOf(t, h, order.ID)) != 0 {
			t.Fatalf("pending order: found %v, hold %q, status %q", ok, order.Hold, order.PlatformStatus)
		}

		// The admin says why it waits, in the store's own words.
		res, page := browser.Get(fmt.Sprintf("/app/orders/%d", order.ID))
		if res.StatusCode != 200 || !strings.Contains(string(page), "in the store: pending") || !strings.Contains(string(page), "Not routed yet") ||
			strings.Contains(string(page), "app-bridge.js") {
			t.Errorf("admin order page (%d) does not show the store status and hold, or loads App Bridge:\n%s", res.StatusCode, page)
		}

		// Processing routes it; tracking comes back and completes the order.
		fake.SetStatus(727, "processing")
		deliverWoo(t, h, fake, "order.updated", 727)
		h.Idle()
		order, _ = orderOf(t, h, conn.ID, "727")
		pos := posOf(t, h, order.ID)
		if len(pos) != 1 || len(pos[0].Lines) != 2 {
			t.Fatalf("processing order: %d POs", len(pos))
		}
		shipWhole(t, h, key, pos[0], "9400100000000000000001")
		h.Idle()
		if tr := fake.Trackings(727); len(tr) != 1 || tr[0].Number != "9400100000000000000001" {
			t.Fatalf("trackings = %+v", tr)
		}
		if st, _ := fake.Order(727); st.Status != "completed" {
			t.Errorf("order status %q, want completed once everything shipped", st.Status)
		}

		// A store without the Shipment Tracking extension gets a customer note.
		fake.SetTrackingExtension(false)
		fake.AddOrder(wooOrder(728, "processing", "WC-BAG"))
		deliverWoo(t, h, fake, "order.created", 728)
		h.Idle()
		o2, _ := orderOf(t, h, conn.ID, "728")
		p2 := posOf(t, h, o2.ID)
		if len(p2) != 1 {
			t.Fatalf("second order: %d POs", len(p2))
		}
		shipWhole(t, h, key, p2[0], "1ZNOTE0001")
		h.Idle()
		var notes []fakewoocommerce.Note
		for _, n := range fake.Notes(728) {
			if n.CustomerNote {
				notes = append(notes, n)
			}
		}
		if len(notes) != 1 || !strings.Contains(notes[0].Note, "1ZNOTE0001") {
			t.Fatalf("notes = %+v, want one customer note with the tracking number", notes)
		}

		// Cancelled in the store: open POs are cancelled.
		fake.AddOrder(wooOrder(729, "processing", "WC-CAP"))
		deliverWoo(t, h, fake, "order.created", 729)
		h.Idle()
		fake.SetStatus(729, "cancelled")
		deliverWoo(t, h, fake, "order.updated", 729)
		h.Idle()
		o3, _ := orderOf(t, h, conn.ID, "729")
		if p := posOf(t, h, o3.ID); len(p) != 1 || p[0].State != models.POCancelled {
			t.Errorf("POs of the cancelled order: %+v", p)
		}
	})
}

func TestWooCommerceReconcileRepairsHooks(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startWooCommerce(t, d)
		out := consignIn(t, h, nil, "connect", "woocommerce", "--url", fake.URL+"/", "--key", wooKey, "--secret", wooSecret)
		secret, _ := out["webhook_secret"].(string)
		hooks := fake.Webhooks()
		if len(hooks) != 2 || hooks[0].Secret != secret || out["shop"] != strings.ToLower(fake.URL) {
			t.Fatalf("connect printed %v; hooks %+v", out, hooks)
		}
		conn := connection(t, h, models.PlatformWooCommerce, strings.ToLower(fake.URL))
		retailerSupplier(t, h, conn.AccountID, "Woo Supplier", "sku,title,cost\nWC-CAP,Cap,3.00\n")

		// WooCommerce gave up on a hook, and an order's delivery was lost.
		fake.DisableWebhook(hooks[0].ID)
		fake.AddOrder(wooOrder(901, "processing", "WC-CAP"))
		res, err := h.App.Reconcile.Reconcile(t.Context(), conn.ID)
		apptest.Must(t, err)
		if res.Stored != 1 {
			t.Fatalf("reconcile = %+v, want the missed order stored", res)
		}
		h.Idle()
		if n := h.Count("purchase_orders", ""); n != 1 {
			t.Errorf("POs = %d, want 1", n)
		}
		for _, w := range fake.Webhooks() {
			if w.Status != "active" {
				t.Errorf("hook %d (%s) still %s after reconcile", w.ID, w.Topic, w.Status)
			}
		}
		// Its webhook arriving late is the same version: a duplicate.
		if a := deliverWoo(t, h, fake, "order.created", 901); !strings.Contains(a, "duplicate") {
			t.Errorf("late webhook of a reconciled order: %s", a)
		}
	})
}

// TestWooCommerceOrderToShopifySupplierStore routes a WooCommerce order to
// a supplier whose own store is on Shopify and brings its tracking back to
// WooCommerce.
func TestWooCommerceOrderToShopifySupplierStore(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startWooCommerce(t, d)
		conn, _ := connectWooCommerce(t, h, fake)
		ctx := context.Background()
		supID, _ := retailerSupplier(t, h, conn.AccountID, "Shopify Supplier", "sku,title,cost\nWC-CAP,Cap,3.00\nWC-BAG,Bag,6.00\n")
		h.Fake.SetToken(supplierShop, supplierToken)
		_, err := h.App.Accounts.ConnectSupplierStore(ctx, supID, models.PlatformShopify, supplierShop, accounts.Grant{AccessToken: supplierToken})
		apptest.Must(t, err)
		apptest.Must(t, h.App.Accounts.SetChannel(ctx, conn.AccountID, supID, models.ChannelStore))

		fake.AddOrder(wooOrder(3001, "processing", "WC-CAP", "WC-BAG"))
		deliverWoo(t, h, fake, "order.created", 3001)
		h.Eventually("the PO created as an order in the supplier's Shopify store", func() bool { return len(createdOrders(h)) == 1 })
		h.Idle()
		o := createdOrders(h)[0]
		if len(o.Lines) != 2 || o.ShippingAddress.LastName != "Hopper" || o.ShippingAddress.City != "Arlington" {
			t.Fatalf("supplier-store order = %+v", o)
		}
		// The supplier fulfils everything in its Shopify store.
		lines := map[string]int{}
		for _, l := range o.Lines {
			lines[l.SKU] = l.Quantity
		}
		supplierWebhook(t, h, "fulfillments/create", "xp-1", fulfillmentWebhook(t, o, 777001, lines))
		h.Eventually("the tracking in the WooCommerce store", func() bool { return len(fake.Trackings(3001)) == 1 })
		h.Idle()
		tr := fake.Trackings(3001)[0]
		if tr.Number != "1z827wk74630" {
			t.Errorf("tracking = %+v, want the supplier store's", tr)
		}
		if st, _ := fake.Order(3001); st.Status != "completed" {
			t.Errorf("WooCommerce order %q, want completed", st.Status)
		}
		if n := len(h.Fake.Fulfillments(apptest.Shop)); n != 0 {
			t.Errorf("%d fulfillments went to the Shopify retailer instead", n)
		}
	})
}
