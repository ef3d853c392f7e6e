// Package netguard is the one way Consign reaches an address a tenant gave
// it: a WooCommerce store URL, a feed URL, an SFTP host, a webhook endpoint.
// Its dialer checks every address it connects to after DNS resolution, so a
// name that resolves (or re-resolves) to loopback, a private network or a
// cloud metadata service is refused as surely as the literal address.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrBlocked is wrapped by every refusal.
var ErrBlocked = errors.New("address not allowed")

// BlockedError says which address was refused and why.
type BlockedError struct {
	Addr   string // what was asked for: a URL, a host or ip:port
	Reason string
}

func (e *BlockedError) Error() string { return fmt.Sprintf("%s: %s: %s", ErrBlocked, e.Addr, e.Reason) }

func (e *BlockedError) Unwrap() error { return ErrBlocked }

// Guard decides which addresses tenant-given URLs may reach. The zero value
// is the production policy: public unicast addresses only, https only.
type Guard struct {
	// AllowPrivate admits loopback, private and carrier-grade NAT ranges
	// (CONSIGN_ALLOW_PRIVATE_URLS: self-hosting next to the stores, tests).
	// Link-local and metadata addresses stay refused: nothing legitimate
	// lives there, and a cloud's credentials do.
	AllowPrivate bool
	// AllowHTTP admits plain http URLs (the demo's local fakes). Without it
	// http is admitted only to a loopback host when AllowPrivate is set.
	AllowHTTP bool
	// Timeout bounds one connection attempt (default 10 s).
	Timeout time.Duration
}

// always are refused whatever the settings: cloud metadata services and
// ranges no tenant service can live in.
var always = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("169.254.0.0/16"),     // link-local: AWS, GCP, Azure metadata at 169.254.169.254
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata
	netip.MustParsePrefix("192.0.0.192/32"),     // Oracle Cloud metadata
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved, and broadcast
	netip.MustParsePrefix("fe80::/10"),          // link-local
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS metadata over IPv6
	netip.MustParsePrefix("fec0::/10"),          // deprecated site-local
	netip.MustParsePrefix("ff00::/8"),           // multicast
	netip.MustParsePrefix("224.0.0.0/4"),        // multicast
}

// private are refused unless AllowPrivate.
var private = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT, also cloud-internal
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking, used inside some clouds
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"), // unique local
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("2001:db8::/32"), // documentation
}

// CheckIP refuses an address the policy does not admit.
func (g *Guard) CheckIP(ip netip.Addr) error {
	if !ip.IsValid() {
		return &BlockedError{Addr: ip.String(), Reason: "not an IP address"}
	}
	ip = ip.Unmap()
	// Addresses that embed an IPv4 address (NAT64, 6to4) are judged by it.
	if v4, ok := embeddedIPv4(ip); ok {
		if err := g.CheckIP(v4); err != nil {
			return &BlockedError{Addr: ip.String(), Reason: "embeds " + v4.String()}
		}
	}
	if ip.IsUnspecified() {
		return &BlockedError{Addr: ip.String(), Reason: "unspecified address"}
	}
	for _, p := range always {
		if p.Contains(ip) {
			return &BlockedError{Addr: ip.String(), Reason: "link-local, metadata or reserved address"}
		}
	}
	if g.AllowPrivate {
		return nil
	}
	for _, p := range private {
		if p.Contains(ip) {
			return &BlockedError{Addr: ip.String(), Reason: "loopback or private address (set CONSIGN_ALLOW_PRIVATE_URLS=1 to allow for self-hosting)"}
		}
	}
	return nil
}

// embeddedIPv4 returns the IPv4 address inside a NAT64 (64:ff9b::/96) or
// 6to4 (2002::/16) address.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && allZero(b[4:12]):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case b[0] == 0x20 && b[1] == 0x02:
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// CheckURL parses a tenant-given URL and refuses what the policy does not
// admit before any connection is tried: another scheme than https (or http
// where allowed), user info, no host, or a literal address that is refused.
// Names are checked again, after resolution, when dialled.
func (g *Guard) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, &BlockedError{Addr: raw, Reason: "not a URL"}
	}
	if err := g.checkURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

func (g *Guard) checkURL(u *url.URL) error {
	host := u.Hostname()
	switch {
	case u.User != nil:
		return &BlockedError{Addr: u.Redacted(), Reason: "user info in the URL"}
	case host == "":
		return &BlockedError{Addr: u.String(), Reason: "no host"}
	case strings.EqualFold(u.Scheme, "https"):
	case strings.EqualFold(u.Scheme, "http") && (g.AllowHTTP || (g.AllowPrivate && isLoopbackHost(host))):
	default:
		return &BlockedError{Addr: u.String(), Reason: "only https URLs are allowed"}
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return g.CheckIP(ip)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// DialContext connects like net.Dialer.DialContext, refusing every address
// the policy does not admit. The check runs on the resolved address of each
// attempt, so DNS answers cannot smuggle a refused address past it.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return g.dialer().DialContext(ctx, network, addr)
}

func (g *Guard) dialer() *net.Dialer {
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &net.Dialer{
		Timeout:   timeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &BlockedError{Addr: address, Reason: "unparseable address"}
			}
			return g.CheckIP(ap.Addr())
		},
	}
}

// Transport is an http.Transport that dials through the guard and ignores
// proxy settings from the environment (a proxy would dial for us, unchecked).
func (g *Guard) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}
}

// maxRedirects bounds a redirect chain.
const maxRedirects = 5

// Client returns an HTTP client whose transport is rt (Transport() when
// nil; a wrapper around it, such as a metrics transport, otherwise) and
// whose redirects are re-checked against the policy hop by hop.
func (g *Guard) Client(rt http.RoundTripper, timeout time.Duration) *http.Client {
	if rt == nil {
		rt = g.Transport()
	}
	return &http.Client{Transport: rt, Timeout: timeout, CheckRedirect: g.CheckRedirect}
}

// CheckRedirect is an http.Client CheckRedirect that applies CheckURL to
// every hop: a public URL may not redirect to a refused one.
func (g *Guard) CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return g.checkURL(req.URL)
}
