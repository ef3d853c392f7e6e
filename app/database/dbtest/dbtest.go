// Package dbtest gives tests a fresh, migrated database on every dialect:
// SQLite always, Postgres whenever it is reachable.
//
// CONSIGN_TEST_POSTGRES_URL points at a Postgres server (default: the local
// one on 127.0.0.1:5432). When CONSIGN_REQUIRE_POSTGRES=1 (CI sets it), an
// unreachable Postgres fails the test instead of skipping that dialect.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the admin connection

	"github.com/consign/consign/app/database"
)

const defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects lists the dialects to test, each with a function that opens a
// fresh migrated database for one test.
func Dialects(t testing.TB) []database.Dialect {
	ds := []database.Dialect{database.SQLite}
	if err := postgresReachable(); err != nil {
		if os.Getenv("CONSIGN_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("Postgres is required (CONSIGN_REQUIRE_POSTGRES=1) but unreachable: %v", err)
		}
		t.Logf("Postgres unreachable, testing SQLite only: %v", err)
		return ds
	}
	return append(ds, database.Postgres)
}

// Each runs fn as a subtest once per dialect with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	for _, d := range Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// URL creates an empty database of the dialect and returns its DATABASE_URL;
// it is dropped when the test ends.
func URL(t testing.TB, d database.Dialect) string {
	t.Helper()
	if d == database.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "consign.db")
	}
	admin := adminURL()
	name := "consign_test_" + randomHex(6)
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open postgres admin: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// Open returns a fresh migrated database of the dialect, closed when the test ends.
func Open(t testing.TB, d database.Dialect) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, URL(t, d), database.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

func adminURL() string {
	if u := os.Getenv("CONSIGN_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return defaultPostgres
}

func postgresReachable() error {
	conn, err := sql.Open("pgx", adminURL())
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := conn.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", adminURL(), err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
