package shopify_test

import (
	"testing"

	"github.com/consign/consign/app/platforms/shopify"
)

func TestValidateShop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		shop string
		ok   bool
	}{
		{"retailer.myshopify.com", true},
		{"Retailer-Shop.MyShopify.com", true}, // lower-cased first
		{"a.myshopify.com", true},
		{"0-shop-9.myshopify.com", true},
		{"", false},
		{"evil.com", false},
		{"myshopify.com", false},
		{".myshopify.com", false},
		{"-x.myshopify.com", false},
		{"a.myshopify.com.evil.com", false},
		{"evil.com/.myshopify.com", false},
		{"a.b.myshopify.com", false},
		{"a_b.myshopify.com", false},
		{"a.myshopify.com:443", false},
		{"a.myshopify.com/admin", false},
		{"https://a.myshopify.com", false},
		{"a.myshopify.com\n", false},
		{"a.myshopify.com?x=1", false},
		{"user@a.myshopify.com", false},
		{" a.myshopify.com", false},
		{"a.myshopifyXcom", false},
	}
	for _, tt := range tests {
		err := shopify.ValidateShop(tt.shop)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateShop(%q) = %v, want ok=%v", tt.shop, err, tt.ok)
		}
	}
}
