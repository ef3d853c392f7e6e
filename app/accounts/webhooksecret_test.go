package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/secrets"
	"github.com/consign/consign/models"
)

// Connects that both saw no secret yet end with one secret between them,
// and a later connect keeps it.
func TestEnsureWebhookSecretKeepsTheFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		ring, err := secrets.NewKeyring(secrets.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		s := &accounts.Service{DB: db, Tokens: ring, Now: func() time.Time { return time.Now().UTC() },
			ValidateShop: map[string]func(string) error{"bigcommerce": func(string) error { return nil }}}
		conn, err := s.Install(ctx, "bigcommerce", "abc123", accounts.Grant{AccessToken: "t"})
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.EnsureWebhookSecret(ctx, conn) // conn read before any secret existed
		if err != nil || len(first) != 64 {
			t.Fatalf("first secret %q, %v", first, err)
		}
		second, err := s.EnsureWebhookSecret(ctx, conn) // the same stale read
		if err != nil || second != first {
			t.Fatalf("second connect got %q, want the first %q (%v)", second, first, err)
		}
		var fresh models.Connection
		if err := db.Gorm.Take(&fresh, conn.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got, err := s.EnsureWebhookSecret(ctx, fresh); err != nil || got != first {
			t.Fatalf("reconnect got %q, %v; want %q", got, err, first)
		}
		if _, stored, err := s.WebhookSecret(ctx, "bigcommerce", "abc123"); err != nil || stored != first {
			t.Fatalf("stored secret %q, %v", stored, err)
		}
	})
}
