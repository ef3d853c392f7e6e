package sftpcsv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/sheet"
	"github.com/consign/consign/models"
)

// maxListed bounds the refused rows a note lists one by one.
const maxListed = 20

// HandleFile applies a file the supplier left in its inbound folder: a
// tracking file (po_number, sku, quantity, carrier, tracking_number)
// becomes shipments, an inventory file (sku, quantity) sets stock. Rows
// that cannot be applied are refused by line and the others applied (the
// event then ends failed with the refused lines, replayable); a file with
// nothing applicable, or that cannot be read, fails with the reason.
func (e *Edge) HandleFile(a *channels.Answer) error {
	name := a.Header("File-Name")
	t, err := sheet.Read(a.Event.Body)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", pipeline.ErrMalformed, name, err)
	}
	switch {
	case channels.IsTrackingTable(t):
		return applyTracking(a, name, t)
	case channels.IsInventoryTable(t):
		return applyInventory(a, name, t)
	}
	return fmt.Errorf("%w: %s is neither a tracking file (columns po_number, sku, quantity, carrier, tracking_number) "+
		"nor an inventory file (columns sku, quantity); its columns are %s",
		pipeline.ErrMalformed, name, strings.Join(t.Header, ", "))
}

// applyTracking records the shipments of a tracking file, a PO at a time:
// a PO that cannot take a shipment (cancelled, say) refuses its own rows
// and the rest of the file still applies.
func applyTracking(a *channels.Answer, name string, t sheet.Table) error {
	rows, refused := channels.TrackingRows(t)
	// The shipments' idempotency key: the same file read again (or
	// replayed) ships nothing new.
	sum := sha256.Sum256(a.Event.Body)
	source := "sftp:" + name + ":" + hex.EncodeToString(sum[:])
	shipped := 0
	for _, group := range byPO(rows) {
		var n int
		var more []channels.RowError
		err := a.Savepoint(func(b *channels.Answer) error {
			var err error
			n, more, err = b.ApplyTracking(group, source)
			return err
		})
		switch {
		case err == nil:
			shipped += n
			refused = append(refused, more...)
		case refusal(err):
			// Undone by the savepoint: the PO's rows are refused as one.
			for _, r := range group {
				refused = append(refused, channels.RowError{Line: r.Line, Reason: err.Error()})
			}
		default:
			return fmt.Errorf("apply tracking file %s: %w", name, err)
		}
	}
	return finish(a, name, t, refused, fmt.Sprintf("%d shipments recorded", shipped))
}

// byPO groups tracking rows by PO number, in the file's order.
func byPO(rows []channels.TrackingRow) [][]channels.TrackingRow {
	at := map[string]int{}
	var groups [][]channels.TrackingRow
	for _, r := range rows {
		i, ok := at[r.PONumber]
		if !ok {
			i = len(groups)
			at[r.PONumber] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], r)
	}
	return groups
}

// refusal reports whether err is purchasing saying no to what the file
// asks (a shipment the PO cannot take), rather than a failure worth a
// retry.
func refusal(err error) bool {
	var invalid *models.ValidationError
	var transition *models.TransitionError
	return errors.Is(err, pipeline.ErrRefused) || errors.As(err, &invalid) || errors.As(err, &transition)
}

// applyInventory sets the stock an inventory file gives, by SKU.
func applyInventory(a *channels.Answer, name string, t sheet.Table) error {
	stock, refused := channels.InventoryRows(t)
	set, unknown, err := a.SetStock(stock)
	if err != nil {
		return fmt.Errorf("apply inventory file %s: %w", name, err)
	}
	done := fmt.Sprintf("stock set for %d items", set)
	if len(unknown) > 0 {
		// Suppliers send their whole list; items not in the catalog are
		// said, not refused.
		done += fmt.Sprintf("; %d SKUs not in the catalog: %s", len(unknown), list(unknown, ", "))
	}
	return finish(a, name, t, refused, done)
}

// finish notes what a file did and the rows it refused. A file whose every
// row was refused fails, so it shows as failed and can be replayed after a
// fix.
func finish(a *channels.Answer, name string, t sheet.Table, refused []channels.RowError, done string) error {
	lines := map[int]bool{}
	reasons := make([]string, 0, len(refused))
	for _, r := range refused {
		lines[r.Line] = true
		reasons = append(reasons, r.String())
	}
	if len(t.Rows) > 0 && len(lines) >= len(t.Rows) {
		return fmt.Errorf("%w: %s: every row was refused: %s", pipeline.ErrMalformed, name, list(reasons, "; "))
	}
	note := fmt.Sprintf("%s: %s", name, done)
	if len(t.Rows) == 0 {
		note = fmt.Sprintf("%s: no rows", name)
	}
	if len(refused) > 0 {
		// Applied in part: the rest stands, and the event shows failed
		// with the refused rows until someone fixes and replays them.
		return fmt.Errorf("%w: %s; %d refused: %s", pipeline.ErrPartly, note, len(refused), list(reasons, "; "))
	}
	a.Note("%s", note)
	return nil
}

// list joins items for a note, cut at maxListed.
func list(items []string, sep string) string {
	if len(items) <= maxListed {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:maxListed], sep) + fmt.Sprintf("%sand %d more", sep, len(items)-maxListed)
}
