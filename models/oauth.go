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
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// TableName is the table of OAuth states.
func (OAuthState) TableName() string { return "oauth_states" }
