package models

import "time"

// OAuthState is a state nonce handed to Shopify at the start of an
// authorization-code install; the callback deletes it, so it works once.
type OAuthState struct {
	State     string `gorm:"primaryKey"`
	Shop      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// TableName is the table of OAuth states.
func (OAuthState) TableName() string { return "oauth_states" }
