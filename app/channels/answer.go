package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/models"
)

// Answer is one received message being applied: the event, the partner it
// came from, and the purchasing actions an edge's handler may take. Every
// action is idempotent (a message processed twice changes nothing the
// second time) and runs in the event's transaction.
type Answer struct {
	Ctx     context.Context
	Tx      *gorm.DB
	Event   models.WebhookEvent
	Partner Partner

	s     *Service
	notes []string
}

// Handler turns an edge's handler into the pipeline's topic handler for
// events of one channel. An error wrapping pipeline.ErrMalformed marks the
// event failed with its reason, kept and replayable.
func (s *Service) Handler(fn func(a *Answer) error) pipeline.TopicHandler {
	return func(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
		if ev.PartnershipID == nil {
			return "", fmt.Errorf("%w: event %d names no partnership", pipeline.ErrMalformed, ev.ID)
		}
		var p models.Partnership
		if err := tx.Take(&p, *ev.PartnershipID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return "", fmt.Errorf("%w: partnership %d no longer exists", pipeline.ErrRefused, *ev.PartnershipID)
			}
			return "", fmt.Errorf("load partnership %d: %w", *ev.PartnershipID, err)
		}
		partner, err := s.partner(tx, p)
		if err != nil {
			return "", err
		}
		a := &Answer{Ctx: ctx, Tx: tx, Event: ev, Partner: partner, s: s}
		if err := fn(a); err != nil {
			return "", err
		}
		return strings.Join(a.notes, "; "), nil
	}
}

// Savepoint runs fn inside a savepoint of the event's transaction: when fn
// fails, what it did is undone and the rest of the event's work stands.
// One document in a file of many is applied this way.
func (a *Answer) Savepoint(fn func(b *Answer) error) error {
	return a.Tx.Transaction(func(tx *gorm.DB) error {
		b := *a
		b.Tx, b.notes = tx, nil
		err := fn(&b)
		a.notes = append(a.notes, b.notes...)
		return err
	})
}

// Note adds to the event's note, which the admin shows beside it.
func (a *Answer) Note(format string, args ...any) {
	a.notes = append(a.notes, fmt.Sprintf(format, args...))
}

// Header is a header the message was stored with (File-Name, ...).
func (a *Answer) Header(name string) string {
	var h map[string]string
	_ = json.Unmarshal([]byte(a.Event.Headers), &h)
	return h[name]
}

// Actor names the channel the message came through in PO histories.
func (a *Answer) Actor() string { return actor(a.Event.Platform) }

// FindPO finds the partner's PO by its number. A number the partner has no
// PO under is models.ErrNotFound.
func (a *Answer) FindPO(number string) (PO, error) {
	var po models.PurchaseOrder
	err := a.Tx.Select("id").Where("number = ? AND supplier_id = ? AND retailer_id = ?",
		strings.TrimSpace(number), a.Partner.SupplierID, a.Partner.RetailerID).Take(&po).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return PO{}, fmt.Errorf("purchase order %q of this supplier: %w", number, models.ErrNotFound)
	}
	if err != nil {
		return PO{}, fmt.Errorf("find purchase order %q: %w", number, err)
	}
	return a.s.loadPO(a.Tx, po.ID)
}

// PO loads one of the partner's POs by id.
func (a *Answer) PO(id int64) (PO, error) {
	po, err := a.s.loadPO(a.Tx, id)
	if err != nil {
		return po, err
	}
	if po.SupplierID != a.Partner.SupplierID || po.RetailerID != a.Partner.RetailerID {
		return PO{}, fmt.Errorf("purchase order %d of this supplier: %w", id, models.ErrNotFound)
	}
	return po, nil
}

// Reload reads a PO again after an action changed it.
func (a *Answer) Reload(po PO) (PO, error) { return a.s.loadPO(a.Tx, po.ID) }

// Link puts the message on a PO's timeline.
func (a *Answer) Link(po PO, note string) error {
	err := a.Tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&models.POMessage{PurchaseOrderID: po.ID, EventID: a.Event.ID, Note: note}).Error
	if err != nil {
		return fmt.Errorf("link event %d to purchase order %d: %w", a.Event.ID, po.ID, err)
	}
	return nil
}

// Accept accepts every open line of a PO the supplier has not answered.
// It reports whether anything changed.
func (a *Answer) Accept(po PO, note string) (bool, error) {
	if po.State != models.POSent {
		return false, nil
	}
	if err := a.s.Purchasing.AcceptTx(a.Ctx, a.Tx, po.SupplierID, po.ID, note, a.Actor()); err != nil {
		return false, err
	}
	return true, nil
}

// Reject rejects a PO the supplier has not answered, with a reason.
func (a *Answer) Reject(po PO, reason string) (bool, error) {
	if po.State != models.POSent {
		return false, nil
	}
	if strings.TrimSpace(reason) == "" {
		reason = "rejected by the supplier"
	}
	if err := a.s.Purchasing.RejectTx(a.Ctx, a.Tx, po.SupplierID, po.ID, reason, a.Actor()); err != nil {
		return false, err
	}
	return true, nil
}

// AnswerLines accepts and rejects lines of a PO the supplier has not
// answered yet; lines answered before are left as they are.
func (a *Answer) AnswerLines(po PO, accept, reject []int64, reason string) (bool, error) {
	if po.State != models.POSent {
		return false, nil
	}
	open := map[int64]bool{}
	for _, l := range po.Lines {
		if l.State == models.LineOpen {
			open[l.ID] = true
		}
	}
	keep := func(ids []int64) []int64 {
		var out []int64
		for _, id := range ids {
			if open[id] && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	}
	accept, reject = keep(accept), keep(reject)
	changed := false
	if len(accept) > 0 {
		if err := a.s.Purchasing.AnswerLinesTx(a.Ctx, a.Tx, po.SupplierID, po.ID, accept, models.LineAccepted, "", a.Actor()); err != nil {
			return false, err
		}
		changed = true
	}
	if len(reject) > 0 {
		if strings.TrimSpace(reason) == "" {
			reason = "rejected by the supplier"
		}
		if err := a.s.Purchasing.AnswerLinesTx(a.Ctx, a.Tx, po.SupplierID, po.ID, reject, models.LineRejected, reason, a.Actor()); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}

// ShipLine is a quantity of one PO line in a shipment.
type ShipLine = purchasing.ShipmentLineInput

// Ship records a shipment with tracking, once per key (the document's own
// id for it). A PO the supplier never accepted is accepted by shipping
// it: many suppliers send a ship notice without answering first. Lines
// shipped in full already are left out; a shipment with nothing left to
// ship changes nothing.
func (a *Answer) Ship(po PO, carrier, number, trackingURL string, lines []ShipLine, key string) (bool, error) {
	if key == "" {
		return false, errors.New("a shipment from a channel needs its document's key")
	}
	// Once per key, and once per tracking number: the same parcel told
	// twice (a file re-sent under another name, an email and a file) is
	// one shipment.
	var seen int64
	if err := a.Tx.Model(&models.Shipment{}).Where("purchase_order_id = ? AND (remote_fulfillment_id = ? OR tracking_number = ?)",
		po.ID, key, strings.TrimSpace(number)).Count(&seen).Error; err != nil {
		return false, fmt.Errorf("look up shipment %s of purchase order %d: %w", key, po.ID, err)
	}
	if seen > 0 {
		return false, nil
	}
	switch po.State {
	case models.POSent:
		if _, err := a.Accept(po, "accepted by its shipment"); err != nil {
			return false, err
		}
	case models.POAccepted, models.POPartiallyShipped:
	default:
		return false, fmt.Errorf("%w: purchase order %s is %s: a shipment cannot be added", pipeline.ErrRefused, po.Number, po.State)
	}
	left, err := models.UnshippedQuantities(a.Tx, po.ID)
	if err != nil {
		return false, err
	}
	var fit []ShipLine
	for _, l := range lines {
		if n := min(l.Quantity, left[l.LineID]); n > 0 {
			fit = append(fit, ShipLine{LineID: l.LineID, Quantity: n})
			left[l.LineID] -= n
		}
	}
	if len(fit) == 0 {
		return false, nil
	}
	in := purchasing.ShipmentInput{Carrier: carrier, TrackingNumber: number, TrackingURL: trackingURL, Lines: fit}
	if _, err := a.s.Purchasing.AddShipmentTx(a.Ctx, a.Tx, po.SupplierID, po.ID, in, key); err != nil {
		return false, err
	}
	return true, nil
}

// Unshipped is how many units of each line of a PO have no tracking yet.
func (a *Answer) Unshipped(po PO) (map[int64]int, error) {
	return models.UnshippedQuantities(a.Tx, po.ID)
}

// Tell shows the retailer something the supplier said that Consign will
// not guess at: a line on the PO's history, and the order in front of a
// person.
func (a *Answer) Tell(po PO, what string) error {
	return a.s.flag(a.Tx, po.ID, "the supplier said: "+what)
}

// History writes a line on a PO's history.
func (a *Answer) History(po PO, what string) error { return a.s.note(a.Tx, po.ID, what, a.Actor()) }

// InvoiceLine is one line of a supplier's invoice, matched to a PO line
// where it could be.
type InvoiceLine struct {
	LineID     int64        `json:"line_id,omitempty"`
	SKU        string       `json:"sku"`
	Quantity   int          `json:"quantity"`
	Price      money.Amount `json:"price"`
	Expected   money.Amount `json:"expected"` // the PO line's cost
	Difference money.Amount `json:"difference"`
}

// Invoice stores a supplier's invoice for a PO once (per invoice number)
// with its differences from the PO's cost: a total or a line that differs
// flags the invoice and tells the retailer.
func (a *Answer) Invoice(po PO, number string, total money.Amount, lines []InvoiceLine) (bool, error) {
	var n int64
	if err := a.Tx.Model(&models.Invoice{}).Where("supplier_id = ? AND number = ?", po.SupplierID, number).Count(&n).Error; err != nil {
		return false, fmt.Errorf("look up invoice %s: %w", number, err)
	}
	if n > 0 {
		return false, nil
	}
	var expected money.Amount
	for _, l := range po.Lines {
		if l.State != models.LineRejected {
			expected += l.Cost * money.Amount(l.Quantity)
		}
	}
	var diffs []string
	for i := range lines {
		lines[i].Difference = lines[i].Price - lines[i].Expected
		if lines[i].LineID != 0 && lines[i].Difference != 0 {
			diffs = append(diffs, fmt.Sprintf("%s at %s, not %s", lines[i].SKU,
				lines[i].Price.Format(po.Currency), lines[i].Expected.Format(po.Currency)))
		}
	}
	raw, err := json.Marshal(lines)
	if err != nil {
		return false, err
	}
	flagged := total != expected || len(diffs) > 0
	evID := a.Event.ID
	inv := models.Invoice{PurchaseOrderID: po.ID, SupplierID: po.SupplierID, Number: number, Currency: po.Currency,
		Total: total, Expected: expected, Lines: string(raw), Flagged: flagged, EventID: &evID, CreatedAt: a.s.Now()}
	if err := a.Tx.Create(&inv).Error; err != nil {
		return false, fmt.Errorf("store invoice %s: %w", number, err)
	}
	what := fmt.Sprintf("invoice %s for %s: %s", number, po.Number, total.Format(po.Currency))
	if !flagged {
		return true, a.History(po, what+", as the PO's cost")
	}
	what += fmt.Sprintf(", PO cost %s (difference %s)", expected.Format(po.Currency), (total - expected).Format(po.Currency))
	if len(diffs) > 0 {
		what += "; lines: " + strings.Join(diffs, ", ")
	}
	return true, a.s.flag(a.Tx, po.ID, what)
}

// SetStock sets the supplier's stock of its catalog items by SKU (absolute
// quantities, as the supplier counts them). Rows are updated in SKU order,
// the one order every stock change takes its locks in. It returns how many
// items it set and the SKUs it does not know.
func (a *Answer) SetStock(stock map[string]int) (int, []string, error) {
	skus := make([]string, 0, len(stock))
	for sku := range stock {
		skus = append(skus, sku)
	}
	slices.Sort(skus)
	set := 0
	var unknown []string
	now := a.s.Now()
	for _, sku := range skus {
		q := max(stock[sku], 0)
		res := a.Tx.Model(&models.CatalogItem{}).Where("supplier_id = ? AND sku = ?", a.Partner.SupplierID, sku).
			Updates(map[string]any{"inventory": q, "updated_at": now})
		if res.Error != nil {
			return set, unknown, fmt.Errorf("set stock of %s: %w", sku, res.Error)
		}
		if res.RowsAffected == 0 {
			unknown = append(unknown, sku)
			continue
		}
		set++
	}
	return set, unknown, nil
}

// Enqueue stores outbound messages (a 997) and queues their sending.
func (a *Answer) Enqueue(poID *int64, out ...Outbound) error {
	return a.s.Enqueue(a.Ctx, a.Tx, a.Partner, poID, out...)
}

// MarkAnswered records a partner's acknowledgment of the messages it sent
// in one group (an EDI 997): acknowledged, or rejected. It returns the
// messages it changed.
func (a *Answer) MarkAnswered(groupControl string, accepted bool, why string) ([]models.OutboundMessage, error) {
	var msgs []models.OutboundMessage
	if err := a.Tx.Where("partnership_id = ? AND group_control_number = ? AND state = ?", a.Partner.ID,
		strings.TrimLeft(groupControl, "0"), models.MessageSent).Find(&msgs).Error; err != nil {
		return nil, fmt.Errorf("find messages of group %s: %w", groupControl, err)
	}
	state := models.MessageAcknowledged
	if !accepted {
		state = models.MessageRejected
	}
	for _, m := range msgs {
		if err := a.Tx.Model(&models.OutboundMessage{}).Where("id = ?", m.ID).
			Updates(map[string]any{"state": state, "answered_at": a.s.Now(), "error": why}).Error; err != nil {
			return nil, fmt.Errorf("mark message %d %s: %w", m.ID, state, err)
		}
	}
	return msgs, nil
}

// MatchLine finds the PO line a document's item names: by the line number
// Consign sent it under, else by the supplier's SKU, else by GTIN.
func MatchLine(po PO, lineNumber string, skus, gtins []string) *models.POLine {
	if n, err := strconv.Atoi(strings.TrimSpace(lineNumber)); err == nil && n >= 1 && n <= len(po.Lines) {
		l := po.Lines[n-1]
		if len(skus) == 0 || containsFold(skus, l.SKU) {
			return &po.Lines[n-1]
		}
	}
	for i, l := range po.Lines {
		if containsFold(skus, l.SKU) {
			return &po.Lines[i]
		}
	}
	for i, l := range po.Lines {
		if g := po.GTINs[l.ID]; g != "" && slices.ContainsFunc(gtins, func(s string) bool { return sameGTIN(s, g) }) {
			return &po.Lines[i]
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(strings.TrimSpace(v), s) })
}

// sameGTIN compares GTINs ignoring leading zeros (a UPC-A is a GTIN-12,
// the same number as its GTIN-14 with two zeros in front).
func sameGTIN(a, b string) bool {
	a, b = strings.TrimLeft(strings.TrimSpace(a), "0"), strings.TrimLeft(strings.TrimSpace(b), "0")
	return a != "" && a == b
}
