package bench

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// ImportOptions configure the import scenario.
type ImportOptions struct {
	DB   *database.DB
	Rows int
	Dir  string // where the CSV is written; the system's temp dir when empty
}

// ImportReport compares catalog.Import with the database's plain bulk load
// of the same file.
type ImportReport struct {
	Dialect         database.Dialect
	Rows            int
	FileBytes       int64
	Import          time.Duration
	ImportRSS       int64 // peak RSS while importing, bytes
	Baseline        time.Duration
	BaselineRSS     int64
	BaselineKind    string
	Imported, Bad   int
	GeneratePeakRSS int64
}

// ImportRate and BaselineRate are rows a second.
func (r ImportReport) ImportRate() float64   { return float64(r.Rows) / r.Import.Seconds() }
func (r ImportReport) BaselineRate() float64 { return float64(r.Rows) / r.Baseline.Seconds() }

func (r ImportReport) String() string {
	return fmt.Sprintf("import %s %s rows (%d MB CSV): catalog.Import %.0f rows/s (%s, %d imported, %d bad), peak RSS %d MB | baseline %s %.0f rows/s (%s), peak RSS %d MB | ratio %.2fx",
		r.Dialect, count(r.Rows), r.FileBytes>>20, r.ImportRate(), r.Import.Round(time.Millisecond), r.Imported, r.Bad, r.ImportRSS>>20,
		r.BaselineKind, r.BaselineRate(), r.Baseline.Round(time.Millisecond), r.BaselineRSS>>20, r.ImportRate()/r.BaselineRate())
}

// Import writes a catalog CSV of o.Rows rows to a temporary file, loads it
// with the baseline (Postgres COPY into a plain table; on SQLite one
// transaction of single-row INSERTs), then imports it with catalog.Import
// for a new supplier.
func Import(ctx context.Context, o ImportOptions) (ImportReport, error) {
	rep := ImportReport{Dialect: o.DB.Dialect, Rows: o.Rows}
	f, err := os.CreateTemp(o.Dir, "consign-bench-catalog-*.csv")
	if err != nil {
		return rep, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if rep.FileBytes, err = WriteCatalogCSV(f, o.Rows); err != nil {
		return rep, fmt.Errorf("write bench catalog: %w", err)
	}

	ResetPeakRSS()
	start := time.Now()
	if rep.BaselineKind, err = importBaseline(ctx, o.DB, f); err != nil {
		return rep, err
	}
	rep.Baseline, rep.BaselineRSS = time.Since(start), PeakRSS()

	now := time.Now().UTC()
	sup := models.Account{Name: "Bench import supplier", IsSupplier: true, Currency: "USD", RoutingTrigger: "paid", CreatedAt: now, UpdatedAt: now}
	if err := o.DB.Gorm.WithContext(ctx).Create(&sup).Error; err != nil {
		return rep, fmt.Errorf("create bench supplier: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return rep, err
	}
	ResetPeakRSS()
	start = time.Now()
	res, err := catalog.Import(ctx, o.DB, sup.ID, "USD", bufio.NewReaderSize(f, 64<<10), now)
	if err != nil {
		return rep, fmt.Errorf("catalog import: %w", err)
	}
	rep.Import, rep.ImportRSS = time.Since(start), PeakRSS()
	rep.Imported, rep.Bad = res.Good, res.Bad
	return rep, nil
}

// WriteCatalogCSV writes a header and n rows (sku,gtin,title,cost,inventory)
// and returns the bytes written.
func WriteCatalogCSV(w io.Writer, n int) (int64, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := &countingWriter{w: bw}
	buf := make([]byte, 0, 128)
	buf = append(buf, "sku,gtin,title,cost,inventory\n"...)
	for i := range n {
		buf = fmt.Appendf(buf, "SKU-%08d,%013d,\"Bench item %d, boxed\",%d.%02d,%d\n", i, 4000000000000+i, i, 1+i%500, i%100, i%250)
		if _, err := cw.Write(buf); err != nil {
			return cw.n, err
		}
		buf = buf[:0]
	}
	return cw.n, bw.Flush()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// importBaseline loads the file into a plain table without constraints and
// drops it afterwards.
func importBaseline(ctx context.Context, db *database.DB, f *os.File) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	ddl := `CREATE TABLE bench_import_baseline (sku TEXT, gtin TEXT, title TEXT, cost NUMERIC, inventory INTEGER)`
	if _, err := db.SQL.ExecContext(ctx, ddl); err != nil {
		return "", fmt.Errorf("create baseline table: %w", err)
	}
	defer db.SQL.ExecContext(context.Background(), `DROP TABLE bench_import_baseline`)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if db.Dialect == database.Postgres {
		err := conn.Raw(func(dc any) error {
			_, err := dc.(*stdlib.Conn).Conn().PgConn().CopyFrom(ctx, bufio.NewReaderSize(f, 64<<10),
				`COPY bench_import_baseline FROM STDIN WITH (FORMAT csv, HEADER true)`)
			return err
		})
		if err != nil {
			return "", fmt.Errorf("baseline copy: %w", err)
		}
		return "COPY", nil
	}
	if err := sqliteBulkInsert(ctx, conn, f); err != nil {
		return "", fmt.Errorf("baseline insert: %w", err)
	}
	return "one-transaction INSERT", nil
}

// sqliteBulkInsert reads the CSV as it goes and inserts each row with one
// prepared statement, all in one transaction.
func sqliteBulkInsert(ctx context.Context, conn *sql.Conn, r io.Reader) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO bench_import_baseline (sku, gtin, title, cost, inventory) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil { // header
		return err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, rec[0], rec[1], rec[2], rec[3], rec[4]); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ResetPeakRSS starts a new peak for PeakRSS (Linux: clear_refs 5), so a
// phase's peak is not an earlier phase's. It does nothing elsewhere.
func ResetPeakRSS() {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
