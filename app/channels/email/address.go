package email

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"
)

// Kinds of reply address. A PO's address routes the supplier's answer to
// that PO; a test address only shows how a reply to the test email reads.
const (
	addrPO   = "po"
	addrTest = "test"
)

// tokenLen is how many bytes of the HMAC a reply address carries: 80 bits,
// far beyond guessing, in 16 characters.
const tokenLen = 10

// mac is the HMAC of one id under the edge's key, for one purpose. Each
// purpose has its own label so a Message-ID, which travels further than a
// reply address, never gives the address's token away.
func (e *Edge) mac(purpose string, id int64) []byte {
	m := hmac.New(sha256.New, e.Key)
	m.Write([]byte("consign email " + purpose + "\n" + strconv.FormatInt(id, 10)))
	return m.Sum(nil)
}

// token is spelt in lowercase base32, letters and digits only: mail
// systems may lowercase local parts, and some mangle anything else.
func (e *Edge) token(kind string, id int64) string {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	return strings.ToLower(enc.EncodeToString(e.mac("reply "+kind, id)[:tokenLen]))
}

// replyAddress is the address a reply about id goes to:
// po-12-<token>@ReplyDomain, or test-<partnership>-<token>@ReplyDomain.
func (e *Edge) replyAddress(kind string, id int64) string {
	return kind + "-" + strconv.FormatInt(id, 10) + "-" + e.token(kind, id) + "@" + e.domain()
}

// messageID is a stable Message-ID for one of a PO's messages, so a render
// again is the same message and threads stay together.
func (e *Edge) messageID(kind string, poID int64) string {
	return "po-" + strconv.FormatInt(poID, 10) + "." + kind + "." + hex.EncodeToString(e.mac("message-id "+kind, poID)[:8]) + "@" + e.domain()
}

func (e *Edge) domain() string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(e.ReplyDomain), "."))
}

// Recipient reads a PO's reply address: the PO id, when the address is at
// ReplyDomain and carries that PO's token. Case does not matter; a wrong
// or missing token, another domain or a test address is not a PO's.
func (e *Edge) Recipient(addr string) (poID int64, ok bool) {
	kind, id, ok := e.parseAddress(addr)
	if !ok || kind != addrPO {
		return 0, false
	}
	return id, true
}

// parseAddress reads any reply address: its kind and id.
func (e *Edge) parseAddress(addr string) (kind string, id int64, ok bool) {
	if len(e.Key) == 0 || e.domain() == "" {
		return "", 0, false // nothing could be verified
	}
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || strings.TrimSuffix(addr[at+1:], ".") != e.domain() {
		return "", 0, false
	}
	kind, rest, _ := strings.Cut(addr[:at], "-")
	num, token, found := strings.Cut(rest, "-")
	if !found || (kind != addrPO && kind != addrTest) {
		return "", 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	// Only the canonical spelling: "+12" or "012" are not addresses Consign
	// gave out.
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return "", 0, false
	}
	if !hmac.Equal([]byte(token), []byte(e.token(kind, id))) {
		return "", 0, false
	}
	return kind, id, true
}
