package woocommerce_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/app/platforms/woocommerce/fakewoocommerce"
)

const (
	testKey    = "ck_0123456789abcdef"
	testSecret = "cs_fedcba9876543210"
)

// newStore starts a fake store and a client for it.
func newStore(t *testing.T) (*fakewoocommerce.Server, *woocommerce.Client) {
	t.Helper()
	store := fakewoocommerce.New(testKey, testSecret)
	t.Cleanup(store.Close)
	c, err := woocommerce.NewClient(woocommerce.ClientOptions{}, store.URL, testKey, testSecret)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return store, c
}

func sku(s string) *string { return &s }

// sampleOrder is a paid order with two lines.
func sampleOrder(id int64, modified time.Time) fakewoocommerce.Order {
	return fakewoocommerce.Order{
		ID: id, Number: "A-" + strconv.FormatInt(id, 10), Status: "processing", Currency: "EUR", Email: "ana@example.com",
		DateModified: modified,
		Shipping: fakewoocommerce.Address{
			FirstName: "Ana", LastName: "Müller", Address1: "Hauptstraße 1", City: "Berlin",
			Postcode: "10115", Country: "DE", Phone: "+49 30 1234",
		},
		Lines: []fakewoocommerce.Line{
			{ProductID: 11, SKU: sku("MUG-1"), Name: "Mug &amp; Saucer", Quantity: 2, Price: "12.50"},
			{ProductID: 12, VariationID: 13, SKU: nil, Name: "Poster", Quantity: 1, Price: "3"},
		},
	}
}

func fakeHook(topic, url string) fakewoocommerce.Webhook {
	return fakewoocommerce.Webhook{Name: "x", Topic: topic, DeliveryURL: url, Secret: "old"}
}
