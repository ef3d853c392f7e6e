package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/platforms/bigcommerce/fakebigcommerce"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/woocommerce/fakewoocommerce"
)

// BenchmarkWebhookAnswer times the webhook answer (verify, store, enqueue,
// answer) of each platform on one database of each dialect, workers off,
// one delivery at a time. Shopify's is the baseline: BigCommerce and
// WooCommerce add a read of the connection and an AES-GCM open of its
// secret before the same group commit.
func BenchmarkWebhookAnswer(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) { benchWebhookAnswer(b, d) })
	}
}

func benchWebhookAnswer(b *testing.B, dialect database.Dialect) {
	type delivery struct {
		path    string
		body    []byte
		headers http.Header
	}
	bc := fakebigcommerce.New(bcClientID, bcClientSecret)
	defer bc.Close()
	bc.AddStore(bcHash, bcToken)
	h := apptest.Start(b, dialect, apptest.Options{NoWorkers: true, Env: bigCommerceEnv(bc)})
	wc := fakewoocommerce.New(wooKey, wooSecret)
	defer wc.Close()
	// Connect both stores the way the CLI does (hooks and secrets).
	for _, c := range []struct{ platform, shop, token string }{
		{"bigcommerce", bcHash, bcToken}, {"woocommerce", wc.URL, wooKey + ":" + wooSecret},
	} {
		conn, err := h.App.Accounts.Install(b.Context(), c.platform, c.shop, accounts.Grant{AccessToken: c.token})
		apptest.Must(b, err)
		if _, err := h.App.Hooks.Connect(b.Context(), conn.ID); err != nil {
			b.Fatal(err)
		}
	}
	next := 0 // deliveries stay distinct across the benchmark's runs
	build := map[string]func(i int) delivery{
		"shopify": func(i int) delivery {
			body := sampleOrder(int64(900000+i), "paid", false, time.Time{})
			hd := http.Header{"Content-Type": {"application/json"}, "X-Shopify-Topic": {"orders/create"},
				"X-Shopify-Shop-Domain": {apptest.Shop}, "X-Shopify-Webhook-Id": {fmt.Sprintf("bench-%d", i)},
				"X-Shopify-Hmac-Sha256": {shopify.Sign([]byte(apptest.Secret), body)}}
			return delivery{"/webhooks/shopify", body, hd}
		},
		"bigcommerce": func(i int) delivery {
			body, hd := bc.Delivery(bcHash, "store/order/created", int64(900000+i))
			return delivery{"/webhooks/bigcommerce", body, hd}
		},
		"woocommerce": func(i int) delivery {
			wc.AddOrder(wooOrder(int64(900000+i), "processing", "WC-CAP"))
			body, hd := wc.Delivery("order.created", int64(900000+i))
			return delivery{"/webhooks/woocommerce", body, hd}
		},
	}
	for _, platform := range []string{"shopify", "bigcommerce", "woocommerce"} {
		b.Run(platform, func(b *testing.B) {
			ds := make([]delivery, b.N)
			for i := range ds {
				next++
				ds[i] = build[platform](next)
			}
			b.ResetTimer()
			for _, d := range ds {
				if code, answer := post(b, h, d.path, d.body, d.headers); code != 200 {
					b.Fatalf("%s: %d %s", platform, code, answer)
				}
			}
		})
	}
}
