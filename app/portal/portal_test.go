package portal

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/models"
)

func TestTrackingURL(t *testing.T) {
	for _, c := range []struct{ carrier, number, want string }{
		{"UPS", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784"},
		{"fedex", " 123 456 ", "https://www.fedex.com/fedextrack/?trknbr=123+456"},
		{"Royal Mail", "AB&12", "https://www.royalmail.com/track-your-item#/tracking-results/AB%2612"},
		{"Pigeon Post", "P-1", ""},
		{"UPS", "", ""},
	} {
		if got := TrackingURL(c.carrier, c.number); got != c.want {
			t.Errorf("TrackingURL(%q, %q) = %q, want %q", c.carrier, c.number, got, c.want)
		}
	}
}

func TestLinksAndSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		s := &Service{DB: db, Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "https://consign.example/"}
		sup := models.Account{Name: "Sup", Email: "Ops@Sup.example", IsSupplier: true, Currency: "USD", CreatedAt: now, UpdatedAt: now}
		retailer := models.Account{Name: "Shop", IsRetailer: true, Currency: "USD", CreatedAt: now, UpdatedAt: now}
		if err := db.Gorm.Create(&sup).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Create(&retailer).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.Invite(ctx, retailer.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("inviting a retailer: %v", err)
		}
		link, err := s.Invite(ctx, sup.ID)
		if err != nil {
			t.Fatal(err)
		}
		token, ok := strings.CutPrefix(link, "https://consign.example"+LoginPath)
		if !ok {
			t.Fatalf("invite link %q", link)
		}
		second, err := s.Invite(ctx, sup.ID)
		if err != nil || !strings.HasPrefix(second, "https://consign.example"+LoginPath) {
			t.Errorf("second invite: %q %v", second, err)
		}

		sessionToken, _, err := s.Redeem(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Redeem(ctx, token); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("second redemption: %v", err)
		}
		sess, err := s.Authenticate(ctx, sessionToken)
		if err != nil || sess.SupplierID != sup.ID || sess.SupplierName != "Sup" {
			t.Fatalf("session %+v %v", sess, err)
		}
		// Sessions and links end with time.
		now = now.Add(SessionTTL + time.Second)
		if _, err := s.Authenticate(ctx, sessionToken); !errors.Is(err, ErrNoSession) {
			t.Errorf("expired session: %v", err)
		}
		if _, _, err := s.Redeem(ctx, strings.TrimPrefix(second, "https://consign.example"+LoginPath)); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("expired invite: %v", err)
		}
		// Sign-in links are found by address, case aside.
		signIn, id, err := s.RequestSignIn(ctx, " ops@sup.EXAMPLE ")
		if err != nil || id != sup.ID {
			t.Fatalf("sign-in link: %v", err)
		}
		now = now.Add(SignInTTL - time.Second)
		if _, err := s.LinkOwner(ctx, strings.TrimPrefix(signIn, "https://consign.example"+LoginPath)); err != nil {
			t.Errorf("a fresh sign-in link: %v", err)
		}
		now = now.Add(2 * time.Second)
		if _, err := s.LinkOwner(ctx, strings.TrimPrefix(signIn, "https://consign.example"+LoginPath)); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("an expired sign-in link: %v", err)
		}
		if _, _, err := s.RequestSignIn(ctx, "nobody@else.example"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("unknown address: %v", err)
		}
	})
}
