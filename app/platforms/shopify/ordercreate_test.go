package shopify_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

func storeOrderInput(tag string) shopify.StoreOrderInput {
	return shopify.StoreOrderInput{
		Tag: tag, Tags: []string{"consign"}, Currency: "USD", Note: "purchase order " + tag,
		Lines: []shopify.StoreOrderLine{
			{SKU: "MUG-12", Title: "Mug", Quantity: 2, Price: "4.50"},
			{SKU: "TEE-M", Title: "T-shirt", Quantity: 1, Price: "9.00"},
		},
		ShipTo: shopify.MailingAddress{FirstName: "Steve", LastName: "Shipper", Address1: "123 Shipping Street",
			City: "Shippington", ProvinceCode: "KY", Zip: "40003", CountryCode: "US"},
	}
}

func TestCreateOrderRecordsItQuietly(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	o, err := e.client.CreateOrder(t.Context(), storeOrderInput("PO-7-3"))
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	got := e.fake.CreatedOrders(testShop)
	if len(got) != 1 {
		t.Fatalf("%d orders created, want 1", len(got))
	}
	c := got[0]
	if o.ID != c.ID || !strings.HasPrefix(o.ID, "gid://shopify/Order/") || o.Fulfilled() || o.Cancelled() {
		t.Errorf("returned %+v, recorded %s", o, c.ID)
	}
	if c.SendReceipt || c.SendFulfillmentReceipt {
		t.Error("the order was created with customer notifications")
	}
	if !reflect.DeepEqual(c.Tags, []string{"PO-7-3", "consign"}) || c.PONumber != "PO-7-3" {
		t.Errorf("tags %v poNumber %q", c.Tags, c.PONumber)
	}
	var lines []string
	for _, l := range c.Lines {
		lines = append(lines, fmt.Sprintf("%s %s %s %s x%d", l.SKU, l.Title, l.Price, l.Currency, l.Quantity))
	}
	if want := []string{"MUG-12 Mug 4.50 USD x2", "TEE-M T-shirt 9.00 USD x1"}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
	if a := c.ShippingAddress; a.LastName != "Shipper" || a.Address1 != "123 Shipping Street" || a.CountryCode != "US" {
		t.Errorf("shipping address %+v", a)
	}

	// Asking again creates nothing: the tag finds the first.
	again, err := e.client.CreateOrder(t.Context(), storeOrderInput("PO-7-3"))
	if err != nil || again.ID != o.ID {
		t.Fatalf("second CreateOrder = %+v, %v; want %s", again, err, o.ID)
	}
	if n := len(e.fake.CreatedOrders(testShop)); n != 1 {
		t.Errorf("%d orders after a repeat, want 1", n)
	}
	// Another PO's tag is another order, even when one tag contains the other.
	if _, err := e.client.CreateOrder(t.Context(), storeOrderInput("PO-7-31")); err != nil {
		t.Fatal(err)
	}
	if n := len(e.fake.CreatedOrders(testShop)); n != 2 {
		t.Errorf("%d orders, want 2", n)
	}
}

func TestCreateOrderLostAnswerIsNotDoubled(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.Script(fakeshopify.LostResponse())
	o, err := e.client.CreateOrder(t.Context(), storeOrderInput("PO-8-1"))
	if err != nil {
		t.Fatalf("CreateOrder: %v", err)
	}
	if got := e.fake.CreatedOrders(testShop); len(got) != 1 || got[0].ID != o.ID {
		t.Fatalf("created %+v, returned %s", got, o.ID)
	}
	want := []string{"ordersByTag", "orderCreate(500)", "ordersByTag"}
	if ops := operations(e.fake.Requests()); !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
}

func TestCreateOrderUserErrors(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	in := storeOrderInput("PO-9-1")
	in.Lines[0].Title, in.Lines[0].SKU = "", "" // a custom line needs a title
	in.Lines[1].Price = "nine"
	_, err := e.client.CreateOrder(t.Context(), in)
	var ue *shopify.UserError
	if !errors.As(err, &ue) || len(ue.Errors) != 2 {
		t.Fatalf("err = %v, want two userErrors", err)
	}
	if n := len(e.fake.CreatedOrders(testShop)); n != 0 {
		t.Errorf("%d orders created from bad input", n)
	}
	if _, err := e.client.CreateOrder(t.Context(), shopify.StoreOrderInput{Tag: "a,b", Lines: in.Lines}); err == nil {
		t.Error("a tag with a comma was accepted")
	}
}

func TestCancelOrder(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	o, err := e.client.CreateOrder(t.Context(), storeOrderInput("PO-10-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.client.CancelOrder(t.Context(), shopify.CancelOrderInput{OrderGID: o.ID, StaffNote: "retailer cancelled"}); err != nil {
		t.Fatalf("CancelOrder: %v", err)
	}
	c := e.fake.CreatedOrders(testShop)[0]
	if c.CancelledAt == nil || c.Cancel.NotifyCustomer || c.Cancel.Refund || !c.Cancel.Restock || c.Cancel.StaffNote != "retailer cancelled" {
		t.Errorf("cancelled %v with %+v", c.CancelledAt, c.Cancel)
	}
	found, err := e.client.FindOrderByTag(t.Context(), "PO-10-1")
	if err != nil || found == nil || !found.Cancelled() {
		t.Fatalf("FindOrderByTag = %+v, %v; want the cancelled order", found, err)
	}
	var ue *shopify.UserError
	if err := e.client.CancelOrder(t.Context(), shopify.CancelOrderInput{OrderGID: o.ID}); !errors.As(err, &ue) {
		t.Errorf("second cancel: %v, want a userError", err)
	}

	// A fulfilled order is refused, and the search says it is fulfilled.
	f, err := e.client.CreateOrder(t.Context(), storeOrderInput("PO-10-2"))
	if err != nil {
		t.Fatal(err)
	}
	lineID := e.fake.CreatedOrders(testShop)[1].Lines[0].ID
	if _, err := e.client.Fulfill(t.Context(), shopify.FulfillInput{OrderGID: f.ID, Lines: []shopify.FulfillLine{{LineItemID: lineID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	found, err = e.client.FindOrderByTag(t.Context(), "PO-10-2")
	if err != nil || found == nil || !found.Fulfilled() {
		t.Fatalf("FindOrderByTag = %+v, %v; want it fulfilled", found, err)
	}
	if err := e.client.CancelOrder(t.Context(), shopify.CancelOrderInput{OrderGID: f.ID}); !errors.As(err, &ue) {
		t.Errorf("cancel of a fulfilled order: %v, want a userError", err)
	}
	if missing, err := e.client.FindOrderByTag(t.Context(), "PO-404"); err != nil || missing != nil {
		t.Errorf("FindOrderByTag(unknown) = %+v, %v", missing, err)
	}
}
