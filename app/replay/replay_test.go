package replay_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/replay"
)

func TestUseOnceUntilExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
		g := &replay.Guard{DB: db, Now: func() time.Time { return now }}
		ctx := context.Background()
		if err := g.Use(ctx, "jti-1", now.Add(time.Minute)); err != nil {
			t.Fatalf("first use: %v", err)
		}
		if err := g.Use(ctx, "jti-1", now.Add(time.Minute)); !errors.Is(err, replay.ErrReplayed) {
			t.Fatalf("second use = %v, want ErrReplayed", err)
		}
		if err := g.Use(ctx, "jti-2", now.Add(time.Minute)); err != nil {
			t.Fatalf("other id: %v", err)
		}
		if err := g.Use(ctx, "", now.Add(time.Minute)); err == nil {
			t.Fatal("empty id accepted")
		}
		// Once expired, the id is forgotten (its token is refused as expired anyway).
		now = now.Add(2 * time.Minute)
		if err := g.Use(ctx, "jti-1", now.Add(time.Minute)); err != nil {
			t.Fatalf("use after expiry: %v", err)
		}
	})
}
