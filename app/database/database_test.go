package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		dialect database.Dialect
	}{
		{"postgres://u@h/db", database.Postgres},
		{"postgresql://u@h/db", database.Postgres},
		{"./consign.db", database.SQLite},
		{"sqlite:/tmp/x.db", database.SQLite},
		{"sqlite:///tmp/x.db", database.SQLite},
	} {
		d, _, err := database.Parse(tc.in)
		if err != nil || d != tc.dialect {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, d, err, tc.dialect)
		}
	}
	if _, _, err := database.Parse(""); err == nil {
		t.Error("Parse(\"\") accepted an empty URL")
	}
}

// Migrations run up, are checked as current, roll all the way down, and run up again.
func TestMigrateUpDownUp(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := database.Open(ctx, dbtest.URL(t, d), database.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.CheckSchema(ctx); !errors.Is(err, database.ErrSchemaBehind) {
				t.Fatalf("CheckSchema on empty database = %v, want ErrSchemaBehind", err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Fatalf("CheckSchema after migrate: %v", err)
			}
			if err := db.MigrateDown(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate again after down: %v", err)
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
