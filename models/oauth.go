package models

import "time"

// OAuthState is a state nonce handed to a store at the start of an install
// (Shopify's authorization-code grant, WooCommerce's key request); the
// install's last step deletes it, so it works once.
type OAuthState struct {
	State    string `gorm:"primaryKey"`
	Platform string
	Shop     string
	// ConnectionID is set by WooCommerce's key callback, for the return
	// step that opens the admin.
	ConnectionID *int64
	// BrowserHash is the SHA-256 of the cookie the starting browser holds;
	// the last step is honoured only for that browser.
	BrowserHash string
	// ReconnectOf names the connection a signed-in merchant asked to
	// reconnect: the only one whose keys a callback may replace.
	ReconnectOf *int64
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// TableName is the table of OAuth states.
func (OAuthState) TableName() string { return "oauth_states" }

// AdminSession is a signed-in admin of a store outside Shopify (Shopify's
// admin proves each request with its own session token), keyed by the
// SHA-256 of the token its cookie carries.
type AdminSession struct {
	ID           int64
	TokenHash    string
	ConnectionID int64
	// UserRef is the platform's user, when it names one (BigCommerce's
	// user id), so removing that user ends their sessions.
	UserRef    string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
}
