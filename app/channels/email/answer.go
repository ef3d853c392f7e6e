package email

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/mail/reply"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/app/sheet"
	"github.com/consign/consign/models"
)

// maxQuoted is how much of a reply's new text the retailer is shown.
const maxQuoted = 300

// HandleReply applies a supplier's reply to the PO its address named,
// conservatively: only a clear instruction in the new text (quotes
// stripped) is acted on, and everything else is shown to the retailer,
// never guessed at.
//
//   - "accept" accepts the PO; "reject: <reason>" rejects it with the reason.
//   - One tracking number ships every unshipped unit under it. Several are
//     told to the retailer: which line went in which parcel was not said.
//   - An attached CSV or XLSX with tracking columns ships the rows naming
//     this PO; rows naming another PO are refused (this address speaks for
//     one PO only), as are rows that cannot be applied, in the note.
//   - Anything unclear, or an answer the PO can no longer take (an accept
//     of a cancelled PO), is told to the retailer with the supplier's words.
//
// Every action is idempotent and the retailer is told once, so the same
// reply applied twice changes nothing the second time.
func (e *Edge) HandleReply(a *channels.Answer) error {
	r, err := reply.Parse(a.Event.Body)
	if err != nil {
		return fmt.Errorf("%w: %v", pipeline.ErrMalformed, err)
	}
	if a.Header("Test") != "" {
		return testReply(a, r)
	}
	po, err := replyPO(a)
	if err != nil {
		return err
	}
	// A reply linked to its PO already was applied before (a replay, or
	// a job run twice): what it did stands, and the retailer was told.
	var linked int64
	if err := a.Tx.Model(&models.POMessage{}).Where("purchase_order_id = ? AND event_id = ?", po.ID, a.Event.ID).
		Count(&linked).Error; err != nil {
		return fmt.Errorf("look up event %d on purchase order %s: %w", a.Event.ID, po.Number, err)
	}
	if err := a.Link(po, "email reply: "+describe(r)); err != nil {
		return err
	}
	h := &handling{a: a, po: po, r: r, toldBefore: linked > 0}
	if err := h.apply(); err != nil {
		return err
	}
	if len(h.done) == 0 {
		h.done = append(h.done, "nothing to do")
	}
	a.Note("%s: %s", po.Number, strings.Join(h.done, "; "))
	return nil
}

// replyPO is the PO the reply's address named, verified when the reply was
// received, and still the partner's.
func replyPO(a *channels.Answer) (channels.PO, error) {
	id, err := strconv.ParseInt(a.Header("PO"), 10, 64)
	if err != nil {
		return channels.PO{}, fmt.Errorf("%w: the reply was stored without the purchase order its address names", pipeline.ErrMalformed)
	}
	po, err := a.PO(id)
	if errors.Is(err, models.ErrNotFound) {
		return po, fmt.Errorf("%w: purchase order %d is not one of this partnership's", pipeline.ErrRefused, id)
	}
	return po, err
}

// handling is one reply being applied to its PO.
type handling struct {
	a          *channels.Answer
	po         channels.PO
	r          *reply.Reply
	toldBefore bool     // this reply was applied, and told, before
	done       []string // what was done, for the event's note
}

func (h *handling) apply() error {
	tables := h.trackingTables()
	if h.r.Intent == reply.IntentReject && len(tables) > 0 {
		return h.tell("rejects the order but attaches tracking")
	}
	switch h.r.Intent {
	case reply.IntentAccept:
		if err := h.accept(); err != nil {
			return err
		}
	case reply.IntentReject:
		return h.reject()
	}
	usable := false
	var inFiles []string
	var refused []string
	for _, t := range tables {
		res, err := h.applyTable(t)
		if err != nil {
			return err
		}
		usable = usable || res.applied
		inFiles = append(inFiles, res.numbers...)
		refused = append(refused, res.refused...)
	}
	switch {
	case usable:
		return h.textTracking(inFiles)
	case len(tables) > 0:
		// Every row of every file was refused: the file says nothing
		// Consign could record, so a person reads it.
		return h.tell("attached tracking that could not be recorded: " + list(refused))
	case h.r.Intent == reply.IntentShip:
		return h.textTracking(nil)
	case h.r.Intent == reply.IntentUnclear || h.r.Intent == reply.IntentNone:
		return h.tell(strings.Join(h.r.Unclear, "; "))
	}
	return nil
}

// accept accepts a PO waiting for its answer.
func (h *handling) accept() error {
	changed, err := h.a.Accept(h.po, "accepted by email reply")
	if err != nil {
		return fmt.Errorf("accept %s: %w", h.po.Number, err)
	}
	switch {
	case changed:
		h.done = append(h.done, "accepted")
		po, err := h.a.Reload(h.po)
		h.po = po
		return err
	case h.po.State == models.PORejected || h.po.State == models.POCancelled:
		return h.tell(fmt.Sprintf("accepts, but %s is %s: nothing changed", h.po.Number, h.po.State))
	}
	h.done = append(h.done, "accepted already")
	return nil
}

// reject rejects a PO waiting for its answer, with the supplier's reason.
func (h *handling) reject() error {
	changed, err := h.a.Reject(h.po, h.r.Reason)
	if err != nil {
		return fmt.Errorf("reject %s: %w", h.po.Number, err)
	}
	switch {
	case changed:
		h.done = append(h.done, "rejected: "+h.r.Reason)
		return nil
	case h.po.State == models.PORejected || h.po.State == models.POCancelled:
		h.done = append(h.done, "rejected already")
		return nil
	}
	return h.tell(fmt.Sprintf("rejects, but %s is %s already: nothing changed", h.po.Number, h.po.State))
}

// textTracking applies the tracking numbers of the text. With a tracking
// file applied, the file says which units went where: numbers of the text
// it does not list are told, not guessed at.
func (h *handling) textTracking(inFiles []string) error {
	var numbers []string
	for _, t := range h.r.Tracking {
		if !containsFold(inFiles, t.Number) {
			numbers = append(numbers, t.Number)
		}
	}
	switch {
	case len(numbers) == 0:
		return nil
	case inFiles != nil:
		return h.tell(fmt.Sprintf("tracking %s besides the attached file, which does not list it", strings.Join(numbers, ", ")))
	case len(numbers) > 1:
		return h.tell(fmt.Sprintf("%d tracking numbers (%s) without saying which units are in which parcel: none was recorded; "+
			"add the shipments in the portal, or ask for a tracking file", len(numbers), strings.Join(numbers, ", ")))
	}
	return h.shipAll(h.r.Tracking[0])
}

// shipAll ships every unit without tracking under one number.
func (h *handling) shipAll(t reply.Tracking) error {
	var recorded int64
	if err := h.a.Tx.Model(&models.Shipment{}).Where("purchase_order_id = ? AND tracking_number = ?", h.po.ID, t.Number).
		Count(&recorded).Error; err != nil {
		return fmt.Errorf("look up tracking %s of %s: %w", t.Number, h.po.Number, err)
	}
	if recorded > 0 {
		h.done = append(h.done, "tracking "+t.Number+" recorded already")
		return nil
	}
	left, err := h.a.Unshipped(h.po)
	if err != nil {
		return err
	}
	var lines []channels.ShipLine
	for _, l := range h.po.Lines {
		if n := left[l.ID]; n > 0 {
			lines = append(lines, channels.ShipLine{LineID: l.ID, Quantity: n})
		}
	}
	switch {
	case h.po.State == models.POShipped || (len(lines) == 0 && h.po.State == models.POPartiallyShipped):
		return h.tell(fmt.Sprintf("tracking %s, but every unit of %s has tracking already: not recorded", t.Number, h.po.Number))
	case h.po.State != models.POSent && h.po.State != models.POAccepted && h.po.State != models.POPartiallyShipped:
		return h.tell(fmt.Sprintf("tracking %s, but %s is %s: not recorded", t.Number, h.po.Number, h.po.State))
	case len(lines) == 0:
		return h.tell(fmt.Sprintf("tracking %s, but %s has nothing left to ship: not recorded", t.Number, h.po.Number))
	}
	var shipped bool
	err = h.a.Savepoint(func(b *channels.Answer) error {
		var err error
		shipped, err = b.Ship(h.po, t.Carrier, t.Number, portal.TrackingURL(t.Carrier, t.Number), lines, "email:"+t.Number)
		return err
	})
	switch {
	case refusal(err):
		return h.tell(fmt.Sprintf("tracking %s, which could not be recorded: %v", t.Number, err))
	case err != nil:
		return fmt.Errorf("ship %s under %s: %w", h.po.Number, t.Number, err)
	case shipped:
		h.done = append(h.done, fmt.Sprintf("shipped under %s %s", carrierName(t.Carrier), t.Number))
	}
	return nil
}

// table is an attached tracking file.
type table struct {
	name string
	data []byte
	t    sheet.Table
}

// tableResult is what one tracking file did.
type tableResult struct {
	applied bool     // some row was recorded, now or by an earlier run
	numbers []string // the tracking numbers of its rows for this PO
	refused []string
}

// trackingTables are the attachments that are tracking files. The others
// are noted and left alone (a logo, the PO file sent back).
func (h *handling) trackingTables() []table {
	var out []table
	for _, att := range h.r.Attachments {
		if !spreadsheet(att) {
			continue
		}
		t, err := sheet.Read(att.Data)
		switch {
		case err != nil:
			h.done = append(h.done, fmt.Sprintf("attachment %s could not be read: %v", att.Filename, err))
		case !channels.IsTrackingTable(t):
			h.done = append(h.done, fmt.Sprintf("attachment %s has no tracking columns (po_number, tracking_number)", att.Filename))
		default:
			out = append(out, table{name: att.Filename, data: att.Data, t: t})
		}
	}
	return out
}

// applyTable records the shipments of one tracking file's rows for this
// PO, keyed by the file's hash so the same file read again adds nothing.
func (h *handling) applyTable(t table) (tableResult, error) {
	rows, bad := channels.TrackingRows(t.t)
	var res tableResult
	var mine []channels.TrackingRow
	for _, r := range rows {
		if !strings.EqualFold(strings.TrimSpace(r.PONumber), h.po.Number) {
			bad = append(bad, channels.RowError{Line: r.Line,
				Reason: fmt.Sprintf("names purchase order %s, and this reply answers %s only", r.PONumber, h.po.Number)})
			continue
		}
		r.PONumber = h.po.Number
		mine = append(mine, r)
		res.numbers = append(res.numbers, r.Number)
	}
	sum := sha256.Sum256(t.data)
	source := "email-attachment:" + hex.EncodeToString(sum[:])
	var shipped int
	var more []channels.RowError
	err := h.a.Savepoint(func(b *channels.Answer) error {
		var err error
		shipped, more, err = b.ApplyTracking(mine, source)
		return err
	})
	switch {
	case refusal(err):
		for _, r := range mine {
			more = append(more, channels.RowError{Line: r.Line, Reason: err.Error()})
		}
	case err != nil:
		return res, fmt.Errorf("apply tracking file %s: %w", t.name, err)
	}
	bad = append(bad, more...)
	refusedLines := map[int]bool{}
	for _, r := range bad {
		refusedLines[r.Line] = true
		res.refused = append(res.refused, t.name+" "+r.String())
	}
	for _, r := range mine {
		res.applied = res.applied || !refusedLines[r.Line]
	}
	what := fmt.Sprintf("%s: %d shipments recorded", t.name, shipped)
	if len(res.refused) > 0 {
		what += fmt.Sprintf("; %d rows refused: %s", len(res.refused), list(res.refused))
	}
	h.done = append(h.done, what)
	return res, nil
}

// spreadsheet reports whether an attachment claims to be a CSV or XLSX
// file, by name or type.
func spreadsheet(att reply.Attachment) bool {
	name, ct := strings.ToLower(att.Filename), strings.ToLower(att.ContentType)
	for _, ext := range []string{".csv", ".tsv", ".txt", ".xlsx"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	for _, t := range []string{"text/csv", "text/tab-separated-values", "application/vnd.ms-excel",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
		if strings.HasPrefix(ct, t) {
			return true
		}
	}
	return false
}

// tell shows the retailer the supplier's words and why Consign did not act
// on them, the first time the reply is applied only.
func (h *handling) tell(why string) error {
	if h.toldBefore {
		h.done = append(h.done, "told the retailer before: "+why)
		return nil
	}
	h.done = append(h.done, "told the retailer: "+why)
	said := strconv.Quote(cut(strings.Join(strings.Fields(h.r.Text), " "), maxQuoted))
	if strings.TrimSpace(h.r.Text) == "" {
		said = "(a reply with no new text)"
	}
	return h.a.Tell(h.po, fmt.Sprintf("%s (email reply about %s; %s)", said, h.po.Number, why))
}

// testReply notes how a reply to the test email reads, and does nothing.
func testReply(a *channels.Answer, r *reply.Reply) error {
	if a.Header("Test") != strconv.FormatInt(a.Partner.ID, 10) {
		return fmt.Errorf("%w: a test reply stored for partnership %s arrived on partnership %d",
			pipeline.ErrRefused, a.Header("Test"), a.Partner.ID)
	}
	a.Note("reply to the test email, read as %s; nothing done", describe(r))
	return nil
}

// describe says how a reply reads.
func describe(r *reply.Reply) string {
	switch r.Intent {
	case reply.IntentAccept:
		return "accept"
	case reply.IntentReject:
		return "reject: " + r.Reason
	case reply.IntentShip:
		numbers := make([]string, len(r.Tracking))
		for i, t := range r.Tracking {
			numbers[i] = strings.TrimSpace(t.Carrier + " " + t.Number)
		}
		return "tracking " + strings.Join(numbers, ", ")
	}
	what := "no instruction"
	if r.Intent == reply.IntentUnclear {
		what = "unclear"
	}
	if len(r.Unclear) > 0 {
		what += " (" + strings.Join(r.Unclear, "; ") + ")"
	}
	if len(r.Attachments) > 0 {
		what += fmt.Sprintf(", %d attachments", len(r.Attachments))
	}
	return what
}

// refusal reports whether err is purchasing saying no to what the reply
// asks (a shipment on a cancelled PO), rather than a failure worth a retry.
func refusal(err error) bool {
	var invalid *models.ValidationError
	var transition *models.TransitionError
	return errors.Is(err, pipeline.ErrRefused) || errors.As(err, &invalid) || errors.As(err, &transition)
}

func carrierName(c string) string {
	if c == "" {
		return "carrier unknown,"
	}
	return c
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// maxListed bounds the refused rows a note lists one by one.
const maxListed = 20

func list(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:maxListed], "; ") + fmt.Sprintf("; and %d more", len(items)-maxListed)
}

// cut shortens s to n runes, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
