// Package sftpcsv is the sftp channel: each PO is written as a CSV file to
// the supplier's SFTP server (one file per PO, or one batch file per
// delivery run), and the tracking and inventory files the supplier leaves
// in its inbound folder, as CSV or XLSX, become shipments and stock, the
// same purchasing actions the supplier portal takes.
package sftpcsv

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/csvsafe"
	"github.com/consign/consign/models"
)

// Edge writes PO files to the supplier's folder and reads its answers from
// there, through the Folder transport.
type Edge struct {
	Folder channels.Folder
	Now    func() time.Time
}

// ContentType of the files the channel writes.
const ContentType = "text/csv"

// statusCancelled fills the status column of a cancellation file.
const statusCancelled = "cancelled"

// Render writes a PO as one CSV file, a row per line, in the partner's
// columns: kind "po" delivers it (left for the next batch file when the
// partner batches), kind "cancel" withdraws it with the same rows and a
// status column saying cancelled, at once.
func (e *Edge) Render(ctx context.Context, tx *gorm.DB, p channels.Partner, po channels.PO, kind string) ([]channels.Outbound, error) {
	name, status := fileName(po), ""
	switch kind {
	case "po":
	case "cancel":
		name = strings.TrimSuffix(name, ".csv") + "-cancel.csv"
		status = statusCancelled
	default:
		return nil, fmt.Errorf("the sftp channel has no %q message", kind)
	}
	body, err := poFile(p, po, p.Settings.CSV.POColumns(), status)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	return []channels.Outbound{{Kind: kind, Name: name, ContentType: ContentType, Body: body,
		Batched: kind == "po" && p.Settings.CSV.Batch}}, nil
}

// poFile is the CSV of a PO: a header row of the columns' headers (and
// status, when given), then one row per PO line.
func poFile(p channels.Partner, po channels.PO, cols []channels.Column, status string) ([]byte, error) {
	header := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		header = append(header, c.Header)
	}
	if status != "" {
		header = append(header, "status")
	}
	rows := [][]string{header}
	for i := range po.Lines {
		values := lineValues(p, po, i)
		rec := make([]string, 0, len(header))
		for _, c := range cols {
			v, ok := values[c.Field]
			if !ok {
				// Settings.Validate refuses such a template; one stored before
				// that check, or edited by hand, must not become a blank column.
				return nil, fmt.Errorf("column %q names unknown field %q: fields are %s",
					c.Header, c.Field, strings.Join(channels.POFields, ", "))
			}
			rec = append(rec, v)
		}
		if status != "" {
			rec = append(rec, status)
		}
		rows = append(rows, rec)
	}
	for _, rec := range rows {
		// Titles and addresses come from shoppers; headers from whoever
		// wrote the template. None of it may run as a formula.
		csvsafe.Row(rec)
	}
	return writeCSV(rows)
}

// lineValues are the fields (channels.POFields) of the i-th line of po.
// A field missing here is refused by poFile, never written blank.
func lineValues(p channels.Partner, po channels.PO, i int) map[string]string {
	l, a := po.Lines[i], po.ShipTo
	return map[string]string{
		"po_number":        po.Number,
		"order":            po.OrderName,
		"created_at":       po.CreatedAt.UTC().Format(time.RFC3339),
		"retailer":         p.Retailer.Name,
		"ship_to_name":     a.Name,
		"ship_to_company":  a.Company,
		"ship_to_address1": a.Address1,
		"ship_to_address2": a.Address2,
		"ship_to_city":     a.City,
		"ship_to_province": first(a.ProvinceCode, a.Province),
		"ship_to_zip":      a.Zip,
		"ship_to_country":  first(a.CountryCode, a.Country),
		"ship_to_phone":    a.Phone,
		"line":             strconv.Itoa(i + 1), // the number MatchLine knows the line by
		"sku":              l.SKU,
		"gtin":             po.GTINs[l.ID],
		"title":            l.Title,
		"quantity":         strconv.Itoa(l.Quantity),
		"unit_cost":        l.Cost.Format(po.Currency),
		"currency":         po.Currency,
	}
}

// writeCSV encodes rows with CRLF line ends, as RFC 4180 and the
// spreadsheet programs suppliers open these files in expect.
func writeCSV(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("encode CSV: %w", err)
	}
	return buf.Bytes(), nil
}

// fileName is the PO file's name: its number, kept to characters every
// server accepts in a name.
func fileName(po channels.PO) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, po.Number)
	// A leading dot would hide the file (uploads in progress are dot-files).
	safe = strings.Trim(safe, "-.")
	if safe == "" {
		safe = fmt.Sprintf("PO-%d", po.ID)
	}
	return safe + ".csv"
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Batch joins the waiting PO files into one, with one header row. Files
// rendered under an older column template are lined up by header, so a
// template changed while POs waited loses no cell: the batch has every
// column any of them has.
func (e *Edge) Batch(ctx context.Context, p channels.Partner, msgs []models.OutboundMessage) (channels.Outbound, error) {
	if len(msgs) == 0 {
		return channels.Outbound{}, errors.New("no messages to batch")
	}
	files := make([][][]string, len(msgs))
	for i, m := range msgs {
		recs, err := csv.NewReader(bytes.NewReader(m.Body)).ReadAll()
		if err != nil {
			return channels.Outbound{}, fmt.Errorf("read message %d (%s): %w", m.ID, m.Name, err)
		}
		if len(recs) == 0 {
			return channels.Outbound{}, fmt.Errorf("message %d (%s) has no header row", m.ID, m.Name)
		}
		files[i] = recs
	}
	var header []string
	at := map[string]int{} // column key -> its position in the batch
	for _, f := range files {
		for i, k := range columnKeys(f[0]) {
			if _, ok := at[k]; !ok {
				at[k] = len(header)
				header = append(header, f[0][i])
			}
		}
	}
	rows := [][]string{header}
	for _, f := range files {
		keys := columnKeys(f[0])
		for _, rec := range f[1:] {
			out := make([]string, len(header))
			for i, k := range keys {
				out[at[k]] = rec[i]
			}
			rows = append(rows, out)
		}
	}
	body, err := writeCSV(rows)
	if err != nil {
		return channels.Outbound{}, err
	}
	// One batch a second at most: a second one in the same second has the
	// same dedup key, so it is refused and gathered by the next flush, never
	// written over the first.
	name := "POs-" + e.now().UTC().Format("20060102T150405Z") + ".csv"
	return channels.Outbound{Kind: "batch", Name: name, ContentType: ContentType, Body: body}, nil
}

// columnKeys names each column by its header and how many columns before
// it share that header, so a template naming a header twice still lines
// up across files.
func columnKeys(header []string) []string {
	seen := map[string]int{}
	keys := make([]string, len(header))
	for i, h := range header {
		keys[i] = h + "\x00" + strconv.Itoa(seen[h])
		seen[h]++
	}
	return keys
}

func (e *Edge) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// Send writes the file to the partner's outbound folder, replacing a file
// of that name (a PO sent again is the same PO).
func (e *Edge) Send(ctx context.Context, p channels.Partner, m models.OutboundMessage) error {
	if err := e.Folder.Put(ctx, p, m.Name, m.Body); err != nil {
		return fmt.Errorf("put %s: %w", m.Name, err)
	}
	return nil
}

// Poll reads the partner's inbound folder.
func (e *Edge) Poll(ctx context.Context, p channels.Partner, receive func(name string, body []byte) error) (int, error) {
	return e.Folder.Poll(ctx, p, receive)
}

// Test logs in and checks the folders. It writes nothing: unlike an EDI
// test document, a test CSV has no flag the supplier's system would honour,
// and it could be imported as a real order.
func (e *Edge) Test(ctx context.Context, tx *gorm.DB, p channels.Partner) (string, error) {
	if err := e.Folder.Check(ctx, p); err != nil {
		return "", fmt.Errorf("SFTP check failed: %w", err)
	}
	s := p.Settings.SFTP
	out, in, archive := s.Folders()
	port := s.Port
	if port == 0 {
		port = 22
	}
	return fmt.Sprintf("logged in to %s:%d as %s; the outbound folder %s and the inbound folder %s are there and can be listed; "+
		"files read are moved to %s (created when first needed)", s.Host, port, s.User, out, in, archive), nil
}
