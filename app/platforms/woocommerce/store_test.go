package woocommerce_test

import (
	"testing"

	"github.com/consign/consign/app/platforms/woocommerce"
)

func TestNormalizeStoreURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"https://Shop.Example.com/", "https://shop.example.com", true},
		{"shop.example.com", "https://shop.example.com", true},
		{"  HTTPS://shop.example.com:443/store/?x=1#top ", "https://shop.example.com/store", true},
		{"https://shop.example.com:8443/wp/", "https://shop.example.com:8443/wp", true},
		{"https://Shop.Example.com/Store/", "https://shop.example.com/store", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"http://localhost:9000/", "http://localhost:9000", true},
		{"http://[::1]:9000", "http://[::1]:9000", true},
		{"http://shop.example.com", "", false},
		{"http://10.0.0.1", "", false},
		{"https://user:pass@shop.example.com", "", false},
		{"ftp://shop.example.com", "", false},
		{"", "", false},
		{"https://", "", false},
		{"https://bad host.com", "", false},
	} {
		got, err := woocommerce.NormalizeStoreURL(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeStoreURL(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
