// Package sheet reads the tables suppliers send as files: CSV (comma,
// semicolon or tab separated, with or without a byte order mark) and XLSX
// (the first sheet, read with excelize). Every cell stays text exactly as
// written: "00123" keeps its zeros and "1E5" is not a number.
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Table is a file's header row and data rows; Lines holds each row's line
// (CSV) or row number (XLSX) in the file, for error messages.
type Table struct {
	Header []string
	Rows   [][]string
	Lines  []int
}

// MaxRows bounds a table: larger files are refused, not truncated.
const MaxRows = 1_000_000

// ErrEmpty: the file has no header row.
var ErrEmpty = errors.New("the file is empty")

// Read reads a CSV or XLSX file, told apart by content (an XLSX file is a
// ZIP archive) so a misnamed file still reads.
func Read(body []byte) (Table, error) {
	if bytes.HasPrefix(body, []byte("PK\x03\x04")) {
		return readXLSX(body)
	}
	return readCSV(body)
}

// IsXLSX reports whether body is an XLSX (ZIP) file.
func IsXLSX(body []byte) bool { return bytes.HasPrefix(body, []byte("PK\x03\x04")) }

func readCSV(body []byte) (Table, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = sniffComma(body)
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	var t Table
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return t, err // a *csv.ParseError names its line
		}
		line, _ := r.FieldPos(0)
		if t.Header == nil {
			t.Header = normalizeHeader(rec)
			continue
		}
		if blank(rec) {
			continue
		}
		if len(t.Rows) >= MaxRows {
			return t, fmt.Errorf("more than %d rows", MaxRows)
		}
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
	}
	if t.Header == nil {
		return t, ErrEmpty
	}
	return t, nil
}

// sniffComma picks the separator the header line uses most.
func sniffComma(body []byte) rune {
	first, _, _ := bytes.Cut(body, []byte("\n"))
	best, count := ',', bytes.Count(first, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(c))); n > count {
			best, count = c, n
		}
	}
	return best
}

func readXLSX(body []byte) (Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		return Table{}, fmt.Errorf("not a readable XLSX file: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, ErrEmpty
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return Table{}, fmt.Errorf("read sheet %q: %w", sheets[0], err)
	}
	defer rows.Close()
	var t Table
	n := 0
	for rows.Next() {
		n++
		// Raw values: a cell shown as 1E+05 but typed as text stays "1E5".
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return t, fmt.Errorf("row %d: %w", n, err)
		}
		if t.Header == nil {
			if blank(rec) {
				continue
			}
			t.Header = normalizeHeader(rec)
			continue
		}
		if blank(rec) {
			continue
		}
		if len(t.Rows) >= MaxRows {
			return t, fmt.Errorf("more than %d rows", MaxRows)
		}
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, n)
	}
	if err := rows.Error(); err != nil {
		return t, fmt.Errorf("read sheet %q: %w", sheets[0], err)
	}
	if t.Header == nil {
		return t, ErrEmpty
	}
	return t, nil
}

// normalizeHeader lowercases header names and makes spaces underscores, so
// "Tracking Number" is tracking_number.
func normalizeHeader(rec []string) []string {
	out := make([]string, len(rec))
	for i, h := range rec {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		out[i] = strings.Join(strings.FieldsFunc(h, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
	}
	return out
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Index is the column of the first header named one of names, or -1.
func (t Table) Index(names ...string) int {
	for _, n := range names {
		for i, h := range t.Header {
			if h == n {
				return i
			}
		}
	}
	return -1
}

// Cell is row's value in column i, trimmed; "" when the row is short.
func Cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}
