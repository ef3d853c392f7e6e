package bigcommerce_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/app/platforms/bigcommerce/fakebigcommerce"
)

const (
	clientID     = "U8RphZeDjQc4kLVSzNjePo0CMjq7yOg"
	clientSecret = "test-client-secret"
	storeHash    = "z4zn3wo"
	storeToken   = "xxxxalphanumstringxxxx"
)

// harness is a fake BigCommerce with one store and a client for it.
type harness struct {
	fake   *fakebigcommerce.Server
	client *bigcommerce.Client
	waits  atomic.Int64 // OnWait calls
	waited atomic.Int64 // total nanoseconds OnWait heard of
}

func newHarness(t *testing.T, opts bigcommerce.ClientOptions) *harness {
	t.Helper()
	h := &harness{fake: fakebigcommerce.New(clientID, clientSecret)}
	t.Cleanup(h.fake.Close)
	h.fake.AddStore(storeHash, storeToken)
	opts.BaseURL = h.fake.URL
	opts.OnWait = func(d time.Duration) { h.waits.Add(1); h.waited.Add(int64(d)) }
	c, err := bigcommerce.NewClient(opts, storeHash, storeToken)
	if err != nil {
		t.Fatal(err)
	}
	h.client = c
	return h
}

// sampleOrder is an Awaiting Fulfillment order shipping to two addresses.
func sampleOrder(id int64) fakebigcommerce.Order {
	return fakebigcommerce.Order{
		ID: id, Email: "jane@example.com",
		ShipTo: fakebigcommerce.Address{ID: 501, FirstName: "Jane", LastName: "Doe", Street1: "555 East Street",
			City: "Austin", State: "Texas", Zip: "78108", Country: "United States", CountryISO2: "US", Phone: "1234567890"},
		ExtraShipTo: []fakebigcommerce.Address{{ID: 502, FirstName: "Jo", LastName: "Roe", Street1: "1 Main St",
			City: "Denver", State: "Colorado", Zip: "80202", Country: "United States", CountryISO2: "US"}},
		Products: []fakebigcommerce.Product{
			{ID: 11, ProductID: 77, VariantID: 701, SKU: "MUG-BLK", Name: "Mug", Quantity: 2, Price: "12.50", UPC: "0123456789012"},
			{ID: 12, ProductID: 78, SKU: "TEE-M", Name: "Tee", Quantity: 1, Price: "20"},
			{ID: 13, ProductID: 79, VariantID: 702, SKU: "CAP", Name: "Cap", Quantity: 3, Price: "7.99", OrderAddressID: 502},
		},
	}
}
