package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/bigcommerce/fakebigcommerce"
	"github.com/consign/consign/handlers"
	"github.com/consign/consign/models"
)

const (
	bcClientID     = "bc-test-client-id"
	bcClientSecret = "bc-test-client-secret"
	bcHash         = "z4zn3wo"
	bcToken        = "bc-test-access-token"
)

// startBigCommerce runs Consign as a BigCommerce app against a fake
// BigCommerce (API and login service) holding one store.
func startBigCommerce(t *testing.T, d database.Dialect) (*apptest.Harness, *fakebigcommerce.Server) {
	t.Helper()
	fake := fakebigcommerce.New(bcClientID, bcClientSecret)
	t.Cleanup(fake.Close)
	fake.AddStore(bcHash, bcToken)
	h := apptest.Start(t, d, apptest.Options{Env: bigCommerceEnv(fake)})
	return h, fake
}

func bigCommerceEnv(fake *fakebigcommerce.Server) map[string]string {
	return map[string]string{
		"BIGCOMMERCE_CLIENT_ID": bcClientID, "BIGCOMMERCE_CLIENT_SECRET": bcClientSecret,
		"BIGCOMMERCE_API_BASE_URL": fake.URL, "BIGCOMMERCE_LOGIN_BASE_URL": fake.URL,
	}
}

// consignIn runs a command against the harness's database and environment.
func consignIn(t *testing.T, h *apptest.Harness, env map[string]string, args ...string) map[string]any {
	t.Helper()
	all := map[string]string{"DATABASE_URL": h.DBURL, "CONSIGN_ENCRYPTION_KEY": apptest.EncryptionKey, "APP_URL": h.URL,
		"CONSIGN_ALLOW_PRIVATE_URLS": "1"} // the fake stores listen on loopback
	for k, v := range env {
		all[k] = v
	}
	var out, errb bytes.Buffer
	err := app.Main(context.Background(), append(args, "--json"), func(k string) string { return all[k] }, &out, &errb)
	if err != nil {
		t.Fatalf("consign %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("consign %s printed non-JSON %q", strings.Join(args, " "), out.String())
	}
	return v
}

// connectBigCommerce connects the fake's store with the CLI and checks the
// hooks it created.
func connectBigCommerce(t *testing.T, h *apptest.Harness, fake *fakebigcommerce.Server) models.Connection {
	t.Helper()
	out := consignIn(t, h, bigCommerceEnv(fake), "connect", "bigcommerce", "--store-hash", bcHash, "--token", bcToken)
	secret, _ := out["webhook_secret"].(string)
	if out["connection_id"] == nil || len(secret) < 32 {
		t.Fatalf("connect printed %v", out)
	}
	hooks := fake.Hooks(bcHash)
	if len(hooks) != 3 {
		t.Fatalf("hooks = %+v, want 3", hooks)
	}
	for _, hk := range hooks {
		if hk.Destination != h.URL+"/webhooks/bigcommerce" || !hk.IsActive || hk.Headers[handlers.BigCommerceSecretHeader] != secret {
			t.Errorf("hook %+v: want active, to /webhooks/bigcommerce, with the printed secret", hk)
		}
	}
	// Connecting again repairs, never duplicates, and keeps the secret.
	again := consignIn(t, h, bigCommerceEnv(fake), "connect", "bigcommerce", "--store-hash", bcHash, "--token", bcToken)
	if again["webhook_secret"] != secret || len(fake.Hooks(bcHash)) != 3 {
		t.Errorf("second connect: secret %v, %d hooks", again["webhook_secret"], len(fake.Hooks(bcHash)))
	}
	return connection(t, h, models.PlatformBigCommerce, bcHash)
}

func bcOrder(id int64, status int, skus ...string) fakebigcommerce.Order {
	o := fakebigcommerce.Order{ID: id, StatusID: status, Email: "buyer@example.com",
		ShipTo: fakebigcommerce.Address{FirstName: "Ada", LastName: "Lovelace", Street1: "12 Analytical Way", City: "Austin",
			State: "Texas", Zip: "78701", Country: "United States", CountryISO2: "US"}}
	for i, sku := range skus {
		o.Products = append(o.Products, fakebigcommerce.Product{ProductID: int64(100 + i), SKU: sku, Name: "Item " + sku,
			Quantity: i + 1, Price: "12.50"})
	}
	return o
}

// resign signs a delivery again as BigCommerce would at ts.
func resign(headers http.Header, body []byte, ts time.Time) {
	id := headers.Get("Webhook-Id")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(bcClientSecret))
	mac.Write([]byte(id + "." + stamp + "."))
	mac.Write(body)
	headers.Set("Webhook-Timestamp", stamp)
	headers.Set("Webhook-Signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

func TestBigCommerceOrderRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startBigCommerce(t, d)
		conn := connectBigCommerce(t, h, fake)
		_, key := retailerSupplier(t, h, conn.AccountID, "BC Supplier", "sku,title,cost\nBC-MUG,Mug,4.00\nBC-TEE,Tee,7.50\n")
		fake.AddOrder(bcHash, bcOrder(501, 7, "BC-MUG", "BC-TEE")) // Awaiting Payment

		// Forged, stale and unsigned-with-a-wrong-secret deliveries store nothing.
		body, hdr := fake.Delivery(bcHash, "store/order/created", 501)
		for name, tamper := range map[string]func(http.Header) ([]byte, http.Header){
			"wrong secret header": func(h http.Header) ([]byte, http.Header) {
				h.Set(handlers.BigCommerceSecretHeader, "nope")
				return body, h
			},
			"no secret header": func(h http.Header) ([]byte, http.Header) { h.Del(handlers.BigCommerceSecretHeader); return body, h },
			"forged signature": func(h http.Header) ([]byte, http.Header) {
				h.Set("Webhook-Signature", "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
				return body, h
			},
			"stale signature": func(h http.Header) ([]byte, http.Header) { resign(h, body, time.Now().Add(-time.Hour)); return body, h },
			"altered body": func(h http.Header) ([]byte, http.Header) {
				return bytes.Replace(body, []byte(`"id":501`), []byte(`"id":502`), 1), h
			},
		} {
			b, hd := tamper(hdr.Clone())
			if code, _ := post(t, h, "/webhooks/bigcommerce", b, hd); code != http.StatusUnauthorized {
				t.Errorf("%s: answered %d, want 401", name, code)
			}
		}
		if n := h.Count("webhook_events", "platform = ?", models.PlatformBigCommerce); n != 0 {
			t.Fatalf("refused deliveries stored %d events", n)
		}

		// Unpaid: stored, not routed.
		if code, answer := post(t, h, "/webhooks/bigcommerce", body, hdr); code != 200 || !strings.Contains(answer, "stored") {
			t.Fatalf("created: %d %s", code, answer)
		}
		if code, answer := post(t, h, "/webhooks/bigcommerce", body, hdr); code != 200 || !strings.Contains(answer, "duplicate") {
			t.Fatalf("same delivery again: %d %s", code, answer)
		}
		h.Idle()
		order, ok := orderOf(t, h, conn.ID, "501")
		if !ok || order.Hold == "" || order.PlatformStatus != "Awaiting Payment" || len(posOf(t, h, order.ID)) != 0 {
			t.Fatalf("unpaid order: found %v hold %q status %q", ok, order.Hold, order.PlatformStatus)
		}

		// Awaiting Fulfillment: the status change routes it; the burst of
		// webhooks one change fires is read once.
		fake.SetStatus(bcHash, 501, 11, "Awaiting Fulfillment")
		for _, scope := range []string{"store/order/statusUpdated", "store/order/updated"} {
			b, hd := fake.Delivery(bcHash, scope, 501)
			if code, answer := post(t, h, "/webhooks/bigcommerce", b, hd); code != 200 {
				t.Fatalf("%s: %d %s", scope, code, answer)
			}
		}
		h.Idle()
		order, _ = orderOf(t, h, conn.ID, "501")
		pos := posOf(t, h, order.ID)
		if order.Hold != "" || len(pos) != 1 || len(pos[0].Lines) != 2 {
			t.Fatalf("paid order: hold %q, %d POs", order.Hold, len(pos))
		}
		if n := h.Count("webhook_events", "platform = ? AND topic = ? AND state = ?", models.PlatformBigCommerce, "order/fetched", models.EventProcessed); n != 2 {
			t.Errorf("fetched versions processed = %d, want 2 (unpaid, then paid)", n)
		}

		// Tracking goes back as a shipment of the order's address.
		shipWhole(t, h, key, pos[0], "1ZBC0001")
		h.Idle()
		ships := fake.Shipments(bcHash, 501)
		if len(ships) != 1 || ships[0].TrackingNumber != "1ZBC0001" || ships[0].OrderAddressID == 0 || len(ships[0].Items) != 2 {
			t.Fatalf("shipments at the store = %+v", ships)
		}
		for _, it := range ships[0].Items {
			var want int
			for _, l := range order.Lines {
				if l.ExternalID == strconv.FormatInt(it.OrderProductID, 10) {
					want = l.Quantity
				}
			}
			if it.Quantity != want || want == 0 {
				t.Errorf("shipment item %+v, want the order line's quantity %d", it, want)
			}
		}
		if n := h.Count("shipments", "state = ? AND remote_id <> ''", models.ShipmentPushed); n != 1 {
			t.Errorf("pushed shipments = %d", n)
		}

		// Cancelled in the store: open POs are cancelled.
		fake.AddOrder(bcHash, bcOrder(502, 11, "BC-TEE"))
		b, hd := fake.Delivery(bcHash, "store/order/created", 502)
		post(t, h, "/webhooks/bigcommerce", b, hd)
		h.Idle()
		o2, _ := orderOf(t, h, conn.ID, "502")
		if p := posOf(t, h, o2.ID); len(p) != 1 || p[0].State != models.POSent {
			t.Fatalf("second order POs = %+v", p)
		}
		fake.SetStatus(bcHash, 502, 5, "Cancelled")
		b, hd = fake.Delivery(bcHash, "store/order/statusUpdated", 502)
		post(t, h, "/webhooks/bigcommerce", b, hd)
		h.Idle()
		if p := posOf(t, h, o2.ID); p[0].State != models.POCancelled {
			t.Errorf("PO of the cancelled order is %s", p[0].State)
		}
	})
}

func TestBigCommerceReconcileAndRateLimits(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startBigCommerce(t, d)
		conn := connectBigCommerce(t, h, fake)
		retailerSupplier(t, h, conn.AccountID, "BC Supplier", "sku,title,cost\nBC-MUG,Mug,4.00\n")
		// A tight window: 6 orders' fetches (3 calls each) and their
		// listing need several windows; the app must wait, not be refused.
		fake.SetRateLimit(8, time.Second)
		for i := range 6 {
			fake.AddOrder(bcHash, bcOrder(int64(600+i), 11, "BC-MUG"))
		}
		for i := range 3 { // webhooks for half; the rest were never delivered
			b, hd := fake.Delivery(bcHash, "store/order/created", int64(600+i))
			if code, answer := post(t, h, "/webhooks/bigcommerce", b, hd); code != 200 {
				t.Fatalf("delivery: %d %s", code, answer)
			}
		}
		h.Idle()
		res, err := h.App.Reconcile.Reconcile(t.Context(), conn.ID)
		apptest.Must(t, err)
		if res.Stored != 3 || res.Seen != 6 {
			t.Errorf("reconcile = %+v, want 6 seen, the 3 missed stored", res)
		}
		h.Idle()
		if n := h.Count("purchase_orders", ""); n != 6 {
			t.Errorf("POs = %d, want one per order", n)
		}
		if res, err := h.App.Reconcile.Reconcile(t.Context(), conn.ID); err != nil || res.Stored != 0 {
			t.Errorf("second reconcile = %+v, %v; want nothing stored", res, err)
		}
		if n := fake.RateLimited(); n != 0 {
			t.Errorf("the store refused %d requests for its rate limit; the client must wait for the window", n)
		}
	})
}

func TestBigCommerceInstallCallbacks(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startBigCommerce(t, d)
		fake.SetRedirectURI(h.URL + "/auth/bigcommerce")
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(path string) *http.Response {
			t.Helper()
			res, err := noFollow.Get(h.URL + path)
			apptest.Must(t, err)
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res
		}
		code := fake.IssueCode(bcHash)
		auth := "/auth/bigcommerce?" + url.Values{"code": {code}, "scope": {"store_v2_orders store_v2_information"},
			"context": {"stores/" + bcHash}, "account_uuid": {"a0c8d2e4-0000-4000-8000-000000000001"}}.Encode()
		// The install lands in the admin under a session cookie that is
		// never in a URL, framed by this store's control panel only.
		installer := h.NewBrowser()
		res, _ := installer.Get(auth)
		if res.StatusCode != 200 || res.Request.URL.Path != "/app" || installer.Cookie("/app", "consign_admin") == "" {
			t.Fatalf("auth callback ended at %s with %d", res.Request.URL, res.StatusCode)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://store-"+bcHash+".mybigcommerce.com") {
			t.Fatalf("admin after install: CSP %q", csp)
		}
		for _, u := range installer.Visited {
			if strings.Contains(u, "token") {
				t.Errorf("a session travelled in a URL: %s", u)
			}
		}
		h.Idle()
		if n := len(fake.Hooks(bcHash)); n != 3 {
			t.Errorf("install created %d hooks, want 3", n)
		}
		if res := get(auth); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a used code: %d, want 401", res.StatusCode)
		}
		if res := get("/auth/bigcommerce?code=x&context=stores/" + bcHash + "/../x"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a bad context: %d, want 401", res.StatusCode)
		}

		// load: good once, then refused as a replay; expired, forged, other apps' refused.
		jwt := fake.SignPayload(bcHash, 9876543, "staff@example.com", time.Now().Add(time.Hour))
		staff := h.NewBrowser()
		if res, _ := staff.Get("/bigcommerce/load?signed_payload_jwt=" + jwt); res.StatusCode != 200 || res.Request.URL.Path != "/app" {
			t.Fatalf("load ended at %s with %d", res.Request.URL, res.StatusCode)
		}
		other := fakebigcommerce.New(bcClientID, "another-secret")
		defer other.Close()
		for name, bad := range map[string]string{
			"replayed":   jwt,
			"expired":    fake.SignPayload(bcHash, 9876543, "staff@example.com", time.Now().Add(-2*time.Minute)),
			"forged":     jwt[:len(jwt)-4] + "AAAA",
			"other app":  other.SignPayload(bcHash, 9876543, "staff@example.com", time.Now().Add(time.Hour)),
			"empty":      "",
			"not a jwt":  "abc.def",
			"alg none":   noneAlg(t, jwt),
			"other hash": fake.SignPayload("unknown1", 1, "x@example.com", time.Now().Add(time.Hour)), // verifies, never installed
		} {
			if res := get("/bigcommerce/load?signed_payload_jwt=" + url.QueryEscape(bad)); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("load with %s payload: %d, want 401", name, res.StatusCode)
			}
		}
		// remove_user ends that user's sessions, and only theirs.
		if res := get("/bigcommerce/remove_user?signed_payload_jwt=" + fake.SignPayload(bcHash, 9876543, "staff@example.com", time.Now().Add(time.Hour))); res.StatusCode != 200 {
			t.Errorf("remove_user: %d", res.StatusCode)
		}
		if res, _ := staff.Get("/app"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("removed user's session: %d, want 401", res.StatusCode)
		}
		if res, _ := installer.Get("/app"); res.StatusCode != 200 {
			t.Errorf("another user's session after remove_user: %d, want 200", res.StatusCode)
		}

		// uninstall marks the connection; its admin sessions stop at once.
		if res := get("/bigcommerce/uninstall?signed_payload_jwt=" + fake.SignPayload(bcHash, 1, "x@example.com", time.Now().Add(time.Hour))); res.StatusCode != 200 {
			t.Fatalf("uninstall: %d", res.StatusCode)
		}
		if res, _ := installer.Get("/app"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("admin right after uninstall: %d, want 401", res.StatusCode)
		}
		h.Idle()
		if c := connection(t, h, models.PlatformBigCommerce, bcHash); c.UninstalledAt == nil {
			t.Fatal("uninstall did not mark the connection")
		}
	})
}

// noneAlg rewrites a JWT's header to alg "none" with no signature.
func noneAlg(t *testing.T, jwt string) string {
	t.Helper()
	parts := strings.Split(jwt, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
}
