package shopify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

func TestUpdatedOrdersReadsAsTheWebhookWould(t *testing.T) {
	env := newFakeEnv(t, fakeshopify.Options{EnforceRateLimit: true}, shopify.ClientOptions{})
	updated := time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)
	cancelled := updated.Add(-time.Minute)
	env.fake.PutOrder(testShop, fakeshopify.Order{
		GID: "gid://shopify/Order/820982911946154508", Name: "#1001", Email: "ada@example.com",
		Currency: "EUR", FinancialStatus: "PARTIALLY_REFUNDED", CancelledAt: &cancelled, UpdatedAt: updated,
		ShippingAddress: &fakeshopify.ShipTo{FirstName: "Ada", LastName: "Buyer", Address1: "1 Main St", City: "Paris", Zip: "75001", CountryCode: "FR"},
		Lines: []fakeshopify.OrderLine{
			{ID: "466157049", VariantID: "39072856", ProductID: "632910392", SKU: "IPOD-1", Title: "IPod Nano", VariantTitle: "Green",
				Quantity: 3, Unfulfilled: 1, Price: "199.00", RequiresShipping: true},
			{ID: "466157050", SKU: "", Title: "Gift card", Quantity: 1, Price: "25.50", GiftCard: true},
		},
	})
	page, err := env.client.UpdatedOrders(context.Background(), updated.Add(-time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 1 || page.HasNextPage {
		t.Fatalf("page = %+v, want one order and no next page", page)
	}
	got, err := shopify.TranslateOrder(page.Orders[0].Body)
	if err != nil {
		t.Fatalf("TranslateOrder(%s): %v", page.Orders[0].Body, err)
	}
	if got.ExternalID != "820982911946154508" || got.Currency != "EUR" || got.FinancialStatus != canonical.FinancialPartiallyRefunded ||
		got.CancelledAt == nil || !got.CancelledAt.Equal(cancelled) || !got.UpdatedAt.Equal(updated) ||
		got.ShipTo.Name != "Ada Buyer" || got.ShipTo.CountryCode != "FR" || got.CustomerEmail != "ada@example.com" {
		t.Errorf("order = %+v", got)
	}
	if len(got.Lines) != 2 {
		t.Fatalf("lines = %+v", got.Lines)
	}
	l := got.Lines[0]
	if l.ExternalID != "466157049" || l.VariantID != "39072856" || l.ProductID != "632910392" || l.SKU != "IPOD-1" ||
		l.Title != "IPod Nano - Green" || l.Quantity != 3 || l.FulfillableQuantity != 1 || !l.RequiresShipping || l.UnitPrice.Format("EUR") != "199.00" {
		t.Errorf("line 0 = %+v", l)
	}
	if g := got.Lines[1]; g.VariantID != "" || !g.GiftCard || g.RequiresShipping {
		t.Errorf("gift card line = %+v", g)
	}
}

func TestUpdatedOrdersPagesWithinTheCostLimit(t *testing.T) {
	env := newFakeEnv(t, fakeshopify.Options{EnforceRateLimit: true}, shopify.ClientOptions{})
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := range 12 {
		env.fake.PutOrder(testShop, fakeshopify.Order{
			GID: fmt.Sprintf("gid://shopify/Order/%d", 100+i), Currency: "USD", UpdatedAt: base.Add(time.Duration(i) * time.Minute),
			Lines: []fakeshopify.OrderLine{{ID: fmt.Sprint(500 + i), Title: "T", Quantity: 1, Price: "1.00"}},
		})
	}
	// An order older than since is not listed; one with more lines than a
	// page holds is reported, not half-read.
	env.fake.PutOrder(testShop, fakeshopify.Order{GID: "gid://shopify/Order/1", Currency: "USD", UpdatedAt: base.Add(-time.Hour)})
	big := fakeshopify.Order{GID: "gid://shopify/Order/2", Currency: "USD", UpdatedAt: base.Add(time.Hour)}
	for i := range shopify.LinesPerOrder + 1 {
		big.Lines = append(big.Lines, fakeshopify.OrderLine{ID: fmt.Sprint(900 + i), Title: "T", Quantity: 1, Price: "1.00"})
	}
	env.fake.PutOrder(testShop, big)
	env.fake.Script(fakeshopify.Delay(0), fakeshopify.Throttled())

	var gids, tooLarge []string
	cursor, pages := "", 0
	for {
		page, err := env.client.UpdatedOrders(context.Background(), base, cursor)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.Orders {
			gids = append(gids, o.GID)
		}
		tooLarge = append(tooLarge, page.TooLarge...)
		if !page.HasNextPage {
			break
		}
		cursor = page.EndCursor
	}
	if pages != 3 || len(gids) != 12 || gids[0] != "gid://shopify/Order/100" || gids[11] != "gid://shopify/Order/111" {
		t.Errorf("read %d pages: %v", pages, gids)
	}
	if len(tooLarge) != 1 || tooLarge[0] != "gid://shopify/Order/2" {
		t.Errorf("too large = %v", tooLarge)
	}
	throttled := 0
	for _, r := range env.fake.Requests() {
		if r.Throttled {
			throttled++
		}
		if r.Status != 200 {
			t.Errorf("request answered %d", r.Status)
		}
	}
	if throttled != 1 || len(env.clock.Sleeps()) == 0 {
		t.Errorf("throttled %d times, slept %v: want one THROTTLED answer waited out", throttled, env.clock.Sleeps())
	}
}
