package shopify_test

import (
	"context"
	"testing"

	"github.com/consign/consign/app/platforms/shopify"
)

func TestClientsShareOneClientPerShopAndFollowTheToken(t *testing.T) {
	env := defaultFakeEnv(t)
	clients := &shopify.Clients{Options: shopify.ClientOptions{BaseURL: env.url, Sleep: env.clock.Sleep, Now: env.clock.Now}}
	a, err := clients.Get(testShop, testToken)
	if err != nil {
		t.Fatal(err)
	}
	env.fake.SetToken(testShop, "shpat_rotated")
	b, err := clients.Get("Retailer.myshopify.com", "shpat_rotated")
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatal("two clients for one shop: they would not share its rate-limit budget")
	}
	// The shared client now sends the new token.
	if _, err := a.UpdatedOrders(context.Background(), env.clock.Now(), ""); err != nil {
		t.Fatalf("with the rotated token: %v", err)
	}
	reqs := env.fake.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 200 || last.Operation != "updatedOrders" {
		t.Errorf("last request = %+v", last)
	}
	if _, err := clients.Get("evil.example.com", testToken); err == nil {
		t.Error("a client for a host that is not a shop")
	}
}
