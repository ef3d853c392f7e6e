// Package catalog reads a supplier's catalog file. It parses and validates
// rows one at a time and hands each good one to a callback; storing them is
// the caller's business.
package catalog

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/consign/consign/app/money"
)

const (
	// maxErrors bounds the row errors kept in a Report; Bad still counts all.
	maxErrors = 1000
	// maxRecord bounds one CSV record, so an unclosed quote cannot pull the
	// rest of a large file into memory.
	maxRecord = 1 << 20
)

// Item is one good row of a catalog file.
type Item struct {
	Line         int // physical line the row starts on; the header is line 1
	SKU          string
	GTIN         string // empty, or 8, 12, 13 or 14 digits
	Title        string
	Cost         money.Amount // in Currency's minor unit, never negative
	Currency     string       // upper case ISO 4217
	Inventory    int
	HasInventory bool // false when the file says nothing about stock
}

// RowError says why one row was refused.
type RowError struct {
	Line   int
	Reason string
}

// Report sums up a parse. Rows = Good + Bad unless Parse returned an error.
type Report struct {
	Rows   int        // data rows seen, blank lines excluded
	Good   int        // rows handed to the callback
	Bad    int        // rows refused
	Errors []RowError // the first maxErrors refusals, in file order
}

func (r *Report) refuse(line int, reason string) {
	r.Bad++
	if len(r.Errors) < maxErrors {
		r.Errors = append(r.Errors, RowError{line, reason})
	}
}

// Parse reads a catalog CSV from r, calling fn with every good row in file
// order. The header names the columns sku and cost (required) and gtin,
// title, inventory and currency (optional), in any order and case; other
// columns are ignored. Rows without a currency are in defaultCurrency.
//
// A bad row is recorded in the Report and skipped. Parse fails only when the
// header is unusable, the input cannot be read, a record exceeds 1 MiB, or fn
// returns an error; the Report then covers the rows read so far.
func Parse(r io.Reader, defaultCurrency string, fn func(Item) error) (Report, error) {
	lim := &limited{r: r}
	br := bufio.NewReader(lim)
	// Spreadsheet programs often start a UTF-8 file with a byte order mark.
	bom := 0
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		bom, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // a wrong field count is one bad row, not a failed file
	cr.ReuseRecord = true

	var rep Report
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return rep, errors.New("catalog file is empty: it needs a header row")
	case err != nil:
		return rep, fmt.Errorf("catalog header: %w", err)
	}
	cols, err := parseHeader(header)
	if err != nil {
		return rep, err
	}
	last, _ := cr.FieldPos(0)
	for {
		lim.mark = cr.InputOffset() + int64(bom)
		rec, err := cr.Read()
		var perr *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return rep, nil
		case lim.tripped:
			return rep, fmt.Errorf("catalog: a record after line %d is longer than %d bytes (an unclosed quote?)", last, maxRecord)
		case errors.As(err, &perr) && cr.InputOffset()+int64(bom) > lim.mark:
			// A malformed quote spoils only its own record, which the reader
			// has consumed: carry on with the next.
			rep.Rows++
			rep.refuse(perr.StartLine, perr.Err.Error())
			last = perr.StartLine
			continue
		case err != nil:
			return rep, fmt.Errorf("reading catalog: %w", err)
		}
		line, _ := cr.FieldPos(0)
		last = line
		if blank(rec) {
			continue
		}
		rep.Rows++
		it, reason := cols.item(rec, defaultCurrency)
		if reason != "" {
			rep.refuse(line, reason)
			continue
		}
		it.Line = line
		if err := fn(it); err != nil {
			return rep, fmt.Errorf("catalog line %d: %w", line, err)
		}
		rep.Good++
	}
}

// columns holds the index of each known column in a record, -1 when absent.
type columns struct {
	n                                           int // fields in the header
	sku, gtin, title, cost, inventory, currency int
}

func parseHeader(header []string) (columns, error) {
	c := columns{n: len(header), sku: -1, gtin: -1, title: -1, cost: -1, inventory: -1, currency: -1}
	known := map[string]*int{
		"sku": &c.sku, "gtin": &c.gtin, "title": &c.title,
		"cost": &c.cost, "inventory": &c.inventory, "currency": &c.currency,
	}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		p, ok := known[name]
		if !ok {
			continue
		}
		if *p >= 0 {
			return c, fmt.Errorf("catalog header names column %q twice", name)
		}
		*p = i
	}
	var missing []string
	if c.sku < 0 {
		missing = append(missing, "sku")
	}
	if c.cost < 0 {
		missing = append(missing, "cost")
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("catalog header lacks required column(s): %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// get returns field i of rec without surrounding spaces, "" when absent.
func (c columns) get(rec []string, i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// item validates one record, returning the reason when it is refused.
func (c columns) item(rec []string, defaultCurrency string) (Item, string) {
	if len(rec) != c.n {
		return Item{}, fmt.Sprintf("has %d fields, the header has %d", len(rec), c.n)
	}
	// SKUs are text: "00123" and "1E+05" are kept exactly as written.
	it := Item{SKU: c.get(rec, c.sku), GTIN: c.get(rec, c.gtin), Title: c.get(rec, c.title)}
	if it.SKU == "" {
		return Item{}, "sku is empty"
	}
	if !validGTIN(it.GTIN) {
		return Item{}, fmt.Sprintf("gtin %q is not 8, 12, 13 or 14 digits", it.GTIN)
	}
	it.Currency = strings.ToUpper(cmp.Or(c.get(rec, c.currency), strings.TrimSpace(defaultCurrency)))
	if !validCurrency(it.Currency) {
		return Item{}, fmt.Sprintf("currency %q is not a three-letter code", it.Currency)
	}
	cost, err := money.Parse(c.get(rec, c.cost), it.Currency)
	if err != nil {
		return Item{}, "cost: " + err.Error()
	}
	if cost < 0 {
		return Item{}, fmt.Sprintf("cost %s is negative", cost.Format(it.Currency))
	}
	it.Cost = cost
	if s := c.get(rec, c.inventory); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return Item{}, fmt.Sprintf("inventory %q is not a whole number of at least 0", s)
		}
		it.Inventory, it.HasInventory = n, true
	}
	return it, ""
}

// blank reports whether every field is empty: spreadsheets export empty rows
// as a line of commas.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func validGTIN(s string) bool {
	switch len(s) {
	case 0:
		return true
	case 8, 12, 13, 14:
		return digits(s)
	}
	return false
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// limited refuses to read more than maxRecord bytes (plus the bufio
// read-ahead) past mark, the offset where the current record began.
type limited struct {
	r       io.Reader
	n, mark int64
	tripped bool
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n-l.mark > maxRecord {
		l.tripped = true
		return 0, errors.New("record too long")
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}
