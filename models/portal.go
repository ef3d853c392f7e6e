package models

import "time"

// Login link purposes.
const (
	LinkInvite = "invite"  // sent when a retailer invites a supplier
	LinkSignIn = "sign_in" // asked for on the portal's sign-in page
)

// LoginLink is a one-time link into the supplier portal; only the SHA-256 of
// its token is kept.
type LoginLink struct {
	ID        int64
	AccountID int64
	Purpose   string
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// PortalSession is a signed-in supplier portal session, keyed by the SHA-256
// of the token its cookie carries.
type PortalSession struct {
	ID        int64
	AccountID int64
	TokenHash string
	// PurchaseOrderID scopes a session opened by a PO's emailed link to
	// that PO; nil for a supplier's own sign-in.
	PurchaseOrderID *int64
	ExpiresAt       time.Time
	CreatedAt       time.Time
}
