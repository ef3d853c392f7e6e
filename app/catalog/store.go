package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/consign/consign/app/database"
)

const (
	// chunkSize good rows are written and committed together: large enough
	// to amortise round trips and commits, small enough to keep memory
	// bounded (a few MB) and to commit progress on a huge file as it goes.
	chunkSize = 10_000
	// sqliteBatch rows go in one INSERT on SQLite: 10 values a row stays
	// well under its limit of 32766 variables.
	sqliteBatch = 1000
)

// row is one catalog item to upsert.
type row struct {
	sku, gtin, title, currency string
	cost                       int64
	inventory                  *int32 // nil: stock not tracked
}

// Import streams a catalog CSV into the supplier's catalog, upserting by
// (supplier, SKU); a SKU repeated in the file takes its last row. Good rows
// are imported even when others are bad; the Report lists the bad ones by
// line. Rows are written in chunks, each in its own transaction: on Postgres
// COPY into a temporary table then one INSERT ... SELECT ... ON CONFLICT, on
// SQLite multi-row INSERT ... ON CONFLICT statements. Memory stays bounded
// by one chunk, whatever the file's size.
func Import(ctx context.Context, db *database.DB, supplierID int64, currency string, r io.Reader, now time.Time) (Report, error) {
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("catalog import: %w", err)
	}
	defer conn.Close()
	var w writer
	if db.Dialect == database.Postgres {
		w, err = newPostgresWriter(ctx, conn)
		if err != nil {
			return Report{}, err
		}
	} else {
		w = &sqliteWriter{conn: conn}
	}
	defer w.close()
	chunk := make([]row, 0, chunkSize)
	index := make(map[string]int, chunkSize) // a SKU repeated within a chunk: the later row wins
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if err := w.upsert(ctx, supplierID, now, chunk); err != nil {
			return fmt.Errorf("upsert %d catalog rows: %w", len(chunk), err)
		}
		chunk = chunk[:0]
		clear(index)
		return nil
	}
	report, err := Parse(r, currency, func(it Item) error {
		rw := row{sku: it.SKU, gtin: it.GTIN, title: it.Title, currency: it.Currency, cost: int64(it.Cost)}
		if it.HasInventory {
			inv := int32(min(it.Inventory, 1<<31-1))
			rw.inventory = &inv
		}
		if i, ok := index[it.SKU]; ok {
			chunk[i] = rw
			return nil
		}
		index[it.SKU] = len(chunk)
		chunk = append(chunk, rw)
		if len(chunk) == chunkSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return report, err
	}
	return report, flush()
}

// writer upserts one chunk of distinct SKUs in one transaction.
type writer interface {
	upsert(ctx context.Context, supplierID int64, now time.Time, rows []row) error
	close()
}

// upsertSet overwrites the columns an import overwrites on an existing item.
const upsertSet = `gtin = excluded.gtin, title = excluded.title, cost = excluded.cost, currency = excluded.currency,
	inventory = excluded.inventory, active = excluded.active, updated_at = excluded.updated_at`

// postgresWriter COPYs each chunk into a session-local temporary table and
// merges it with one statement: COPY is Postgres's fastest way in, and the
// merge keeps the upsert's semantics.
type postgresWriter struct {
	conn *sql.Conn
}

func newPostgresWriter(ctx context.Context, conn *sql.Conn) (*postgresWriter, error) {
	// ON COMMIT DELETE ROWS: every chunk's transaction starts with it empty,
	// and the table stays (empty) with its pooled connection for the next import.
	_, err := conn.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS catalog_import (
		sku TEXT NOT NULL, gtin TEXT NOT NULL, title TEXT NOT NULL, cost BIGINT NOT NULL,
		currency TEXT NOT NULL, inventory INTEGER) ON COMMIT DELETE ROWS`)
	if err != nil {
		return nil, fmt.Errorf("create catalog import table: %w", err)
	}
	return &postgresWriter{conn: conn}, nil
}

func (w *postgresWriter) close() {}

var importColumns = []string{"sku", "gtin", "title", "cost", "currency", "inventory"}

func (w *postgresWriter) upsert(ctx context.Context, supplierID int64, now time.Time, rows []row) error {
	return w.conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		i := 0
		src := pgx.CopyFromFunc(func() ([]any, error) {
			if i == len(rows) {
				return nil, nil
			}
			r := rows[i]
			i++
			var inv any
			if r.inventory != nil {
				inv = *r.inventory
			}
			return []any{r.sku, r.gtin, r.title, r.cost, r.currency, inv}, nil
		})
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"catalog_import"}, importColumns, src); err != nil {
			return fmt.Errorf("copy: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO catalog_items (supplier_id, sku, gtin, title, cost, currency, inventory, active, created_at, updated_at)
			SELECT $1, sku, gtin, title, cost, currency, inventory, TRUE, $2, $2 FROM catalog_import
			ON CONFLICT (supplier_id, sku) DO UPDATE SET `+upsertSet, supplierID, now)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		return tx.Commit(ctx)
	})
}

// sqliteWriter sends multi-row upserts of sqliteBatch rows, the chunk in
// one transaction.
type sqliteWriter struct {
	conn *sql.Conn
	full *sql.Stmt // prepared once for full batches
}

func (w *sqliteWriter) upsert(ctx context.Context, supplierID int64, now time.Time, rows []row) error {
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	args := make([]any, 0, sqliteBatch*10)
	for start := 0; start < len(rows); start += sqliteBatch {
		batch := rows[start:min(start+sqliteBatch, len(rows))]
		args = args[:0]
		for _, r := range batch {
			var inv any
			if r.inventory != nil {
				inv = *r.inventory
			}
			args = append(args, supplierID, r.sku, r.gtin, r.title, r.cost, r.currency, inv, true, now, now)
		}
		if len(batch) == sqliteBatch {
			if w.full == nil {
				if w.full, err = w.conn.PrepareContext(ctx, sqliteUpsert(sqliteBatch)); err != nil {
					return err
				}
			}
			_, err = tx.StmtContext(ctx, w.full).ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, sqliteUpsert(len(batch)), args...)
		}
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (w *sqliteWriter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

func sqliteUpsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO catalog_items (supplier_id, sku, gtin, title, cost, currency, inventory, active, created_at, updated_at) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?)")
	}
	b.WriteString(` ON CONFLICT (supplier_id, sku) DO UPDATE SET ` + upsertSet)
	return b.String()
}
