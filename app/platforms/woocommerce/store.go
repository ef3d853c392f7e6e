package woocommerce

import (
	"errors"
	"fmt"
	"net"
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
