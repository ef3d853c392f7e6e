package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Platform is the canonical.Order.Platform value of WooCommerce orders.
const Platform = "woocommerce"

// NormalizeStoreURL turns what a merchant typed into the store's identity in
// Consign: "https://host[:port][/path]", all lower case (store names are
// case-insensitive in Consign, like Shopify's domains), no trailing slash, no
// query, fragment or user info. A bare host gets https://.
// HTTPS is required because the API key travels in every request (basic
// auth); plain http is allowed only to loopback hosts, for in-process fakes.
func NormalizeStoreURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("store URL is empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("store URL %q is not a URL: %v", raw, err)
	}
	if u.User != nil {
		return "", fmt.Errorf("store URL %q must not carry a user name or password", raw)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return "", fmt.Errorf("store URL %q has no host", raw)
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	switch {
	case scheme == "https":
	case scheme == "http" && isLoopback(host):
	case scheme == "http":
		return "", fmt.Errorf("store URL %q must use https: the API key would travel in clear text", raw)
	default:
		return "", fmt.Errorf("store URL %q: scheme %q is not https", raw, u.Scheme)
	}
	if strings.ContainsAny(host, " %") {
		return "", fmt.Errorf("store URL %q has an invalid host", raw)
	}
	hostport := host
	if strings.Contains(host, ":") { // IPv6 literal
		hostport = "[" + host + "]"
	}
	if port := u.Port(); port != "" {
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			port = ""
		} else {
			hostport += ":" + port
		}
	}
	path := strings.ToLower(strings.TrimRight(u.EscapedPath(), "/"))
	return scheme + "://" + hostport + path, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// StoreStatus is what GET /wc/v3/system_status says of the store itself.
type StoreStatus struct {
	HomeURL   string
	SiteURL   string
	WCVersion string
}

// SystemStatus reads the store's system status. The endpoint needs a key
// with the shop manager's rights, so a 2xx answer also proves that the key
// and secret the client holds work on this store.
func (c *Client) SystemStatus(ctx context.Context) (StoreStatus, error) {
	var p struct {
		Environment struct {
			HomeURL   string `json:"home_url"`
			SiteURL   string `json:"site_url"`
			WCVersion string `json:"wc_version"`
		} `json:"environment"`
	}
	if _, _, err := c.call(ctx, http.MethodGet, apiPrefix+"/system_status", nil, nil, &p); err != nil {
		return StoreStatus{}, err
	}
	if p.Environment.HomeURL == "" && p.Environment.SiteURL == "" {
		return StoreStatus{}, errors.New("woocommerce system status: no environment in the answer: is this a WooCommerce store?")
	}
	return StoreStatus{HomeURL: p.Environment.HomeURL, SiteURL: p.Environment.SiteURL, WCVersion: p.Environment.WCVersion}, nil
}
