// Package database opens Consign's database (Postgres or SQLite) and keeps
// its schema current: Consign's own goose migrations and River's.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/consign/consign/migrations"
)

// Dialect names the SQL database behind Consign.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is one pool shared by GORM and River, so a row and the job that needs
// it commit in one transaction.
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect Dialect

	// listen lends River (on Postgres) a connection for LISTEN, so workers
	// wake when a job is inserted instead of waiting for the next poll. It
	// connects only when a River client starts working.
	listen *pgxpool.Pool
}

// Options tune the pool; zero values pick defaults for the dialect.
type Options struct {
	MaxOpenConns int
}

// Parse tells which dialect a DATABASE_URL names and the DSN for its driver:
// postgres:// or postgresql:// for Postgres; sqlite:PATH or a plain path for SQLite.
func Parse(databaseURL string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return Postgres, databaseURL, nil
	case databaseURL == "":
		return "", "", errors.New("empty database URL")
	}
	path := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite://"), "sqlite:")
	if path == "" {
		return "", "", fmt.Errorf("database URL %q names no file", databaseURL)
	}
	q := url.Values{}
	// WAL lets readers run beside the one writer; IMMEDIATE transactions take
	// the write lock up front, so two writers queue on busy_timeout instead of
	// failing with SQLITE_BUSY when a read transaction tries to upgrade.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	if before, after, ok := strings.Cut(path, "?"); ok {
		extra, err := url.ParseQuery(after)
		if err != nil {
			return "", "", fmt.Errorf("parse sqlite options in %q: %w", databaseURL, err)
		}
		for k, vs := range extra {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		path = before
	}
	return SQLite, "file:" + path + "?" + q.Encode(), nil
}

// Open connects to the database a DATABASE_URL names.
func Open(ctx context.Context, databaseURL string, opts Options) (*DB, error) {
	dialect, dsn, err := Parse(databaseURL)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var gdb *gorm.DB
	switch dialect {
	case Postgres:
		gdb, err = gorm.Open(postgres.Open(dsn), cfg)
	default:
		gdb, err = gorm.Open(sqlite.Open(dsn), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("get %s pool: %w", dialect, err)
	}
	maxOpen := opts.MaxOpenConns
	if maxOpen == 0 {
		// Room for every job worker (queue.DefaultConfig), River's own
		// fetching and completing, and webhook requests beside them: a
		// request that waits for a connection waits behind whole jobs.
		maxOpen = 40
		if dialect == SQLite {
			// One writer at a time anyway; a few connections let readers
			// run beside it without queueing behind River's polling.
			maxOpen = 4
		}
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxOpen)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("reach %s database: %w", dialect, err)
	}
	db := &DB{Gorm: gdb, SQL: sqlDB, Dialect: dialect}
	if dialect == Postgres {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("parse postgres URL for the job listener: %w", err)
		}
		cfg.MinConns, cfg.MaxConns = 0, 1
		if db.listen, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("job listener pool: %w", err)
		}
	}
	return db, nil
}

// Close releases the pools.
func (db *DB) Close() error {
	if db.listen != nil {
		db.listen.Close()
	}
	return db.SQL.Close()
}

// RiverDriver is the River driver over the shared pool; on Postgres it
// listens for new jobs on a connection of its own.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if db.Dialect == Postgres {
		if db.listen != nil {
			return riverdatabasesql.NewWithPgxListener(db.SQL, db.listen)
		}
		return riverdatabasesql.New(db.SQL)
	}
	return riversqlite.New(db.SQL)
}

func (db *DB) goose() (*goose.Provider, error) {
	dialect := goose.DialectPostgres
	if db.Dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	sub, err := fs.Sub(migrations.FS, string(db.Dialect))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.SQL, sub)
}

// Migrate applies every pending migration: River's first, then Consign's.
func (db *DB) Migrate(ctx context.Context) error {
	migrator, err := rivermigrate.New(db.RiverDriver(), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river schema: %w", err)
	}
	p, err := db.goose()
	if err != nil {
		return fmt.Errorf("goose provider: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate consign schema: %w", err)
	}
	return nil
}

// MigrateDown rolls every Consign migration back, then River's (for tests
// that prove the down migrations work).
func (db *DB) MigrateDown(ctx context.Context) error {
	p, err := db.goose()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("roll back consign schema: %w", err)
	}
	migrator, err := rivermigrate.New(db.RiverDriver(), nil)
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
		return fmt.Errorf("roll back river schema: %w", err)
	}
	return nil
}

// ErrSchemaBehind means migrations are pending: run `consign migrate`.
var ErrSchemaBehind = errors.New("database schema is behind: run `consign migrate`")

// CheckSchema returns ErrSchemaBehind when any migration is pending.
func (db *DB) CheckSchema(ctx context.Context) error {
	p, err := db.goose()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("read consign schema version: %w", err)
	}
	migrator, err := rivermigrate.New(db.RiverDriver(), nil)
	if err != nil {
		return err
	}
	res, err := migrator.Validate(ctx, nil)
	if err != nil {
		return fmt.Errorf("read river schema version: %w", err)
	}
	if pending || !res.OK {
		return ErrSchemaBehind
	}
	return nil
}
