// Package channels sends purchase orders to suppliers through the medium
// each one works in (email, CSV files over SFTP, EDI X12 over SFTP) and
// turns what they send back into the purchasing actions the portal and the
// API use: accept, reject whole or per line, shipments with tracking,
// invoices, stock.
//
// Each medium is an Edge in a folder of its own (channels/email,
// channels/sftpcsv, channels/edi). This package is what they share: every
// message is stored whole before it is sent and sent by a River job,
// retried with backoff; what suppliers send back is stored whole as an
// event of their partnership and processed like a webhook, so a failure is
// kept with its reason and can be replayed; and the answers are applied
// idempotently, so a document processed twice changes nothing the second
// time.
package channels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// Edge is one medium: how a PO reaches the supplier, and how its answers
// come back (the edge's event handlers, see Handlers).
type Edge interface {
	// Render builds the messages that carry po to the partner: kind "po"
	// delivers it, "cancel" withdraws it. It runs in tx (an EDI edge takes
	// its control numbers there).
	Render(ctx context.Context, tx *gorm.DB, p Partner, po PO, kind string) ([]Outbound, error)
	// Send transmits one stored message. An error wrapping ErrPermanent is
	// not retried (a refused login, a mismatched host key).
	Send(ctx context.Context, p Partner, m models.OutboundMessage) error
	// Test proves the channel as far as it can without a real PO, and says
	// what it did.
	Test(ctx context.Context, tx *gorm.DB, p Partner) (string, error)
}

// Poller is an Edge whose supplier leaves answers in a folder Consign
// reads. Poll hands each file to receive, which stores it durably, and
// archives the file once receive returned nil.
type Poller interface {
	Poll(ctx context.Context, p Partner, receive func(name string, body []byte) error) (int, error)
}

// Batcher is an Edge that can gather a partner's queued POs into one
// message (CSVSettings.Batch).
type Batcher interface {
	Batch(ctx context.Context, p Partner, msgs []models.OutboundMessage) (Outbound, error)
}

// ErrPermanent marks a send failure that retrying cannot fix.
var ErrPermanent = errors.New("permanent failure")

// Permanent wraps err as a failure retrying cannot fix.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// Outbound is a message an edge rendered, before it is stored.
type Outbound struct {
	Kind               string
	Name               string
	ContentType        string
	Body               []byte
	MessageID          string // an email's
	ControlNumber      string // an X12 interchange's ISA13
	GroupControlNumber string // its GS06
	// Batched leaves the message for the partner's next batch file.
	Batched bool
}

// Partner is a partnership with what its channel needs to work.
type Partner struct {
	models.Partnership
	Settings Settings
	Secrets  Secrets
	Supplier models.Account
	Retailer models.Account
}

// PO is a purchase order with what rendering it needs.
type PO struct {
	models.PurchaseOrder
	ShipTo canonical.Address
	// GTINs of the lines' catalog items, by PO line id, where known.
	GTINs map[int64]string
	// OrderName is the retailer's order name (#1003).
	OrderName string
}

// LineNumber is the 1-based position of a PO line in the documents Consign
// sends: what suppliers' answers may name it by.
func (po PO) LineNumber(lineID int64) int {
	for i, l := range po.Lines {
		if l.ID == lineID {
			return i + 1
		}
	}
	return 0
}

// Sealer seals and opens channel secrets (the store tokens' keyring).
type Sealer interface {
	Seal(plaintext string) (string, error)
	Open(sealed string) (string, error)
}

// Service runs the message channels.
type Service struct {
	DB         *database.DB
	Queue      queue.Inserter
	Ingester   *ingest.Ingester
	Purchasing *purchasing.Service
	Sealer     Sealer
	// Edges by channel name: models.ChannelEmail, ChannelSFTP, ChannelEDI.
	Edges map[string]Edge
	// PollEvery, when set, reads every inbound folder this often whatever
	// the partnerships say (the demo reads them every few seconds).
	PollEvery time.Duration
	Now       func() time.Time
	Log       *slog.Logger
}

// actor names the channels in PO histories.
func actor(channel string) string { return channel + " channel" }

// Deliver renders po for its partner's channel, stores the messages and
// queues their sending, all in tx: the PO is sent once they are stored. It
// says how, for the PO's history.
func (s *Service) Deliver(ctx context.Context, tx *gorm.DB, po models.PurchaseOrder, p models.Partnership) (string, error) {
	partner, err := s.partner(tx, p)
	if err != nil {
		return "", err
	}
	edge, ok := s.Edges[p.Channel]
	if !ok {
		return "", fmt.Errorf("no %s channel in this process", p.Channel)
	}
	full, err := s.loadPO(tx, po.ID)
	if err != nil {
		return "", err
	}
	out, err := edge.Render(ctx, tx, partner, full, "po")
	if err != nil {
		return "", fmt.Errorf("render purchase order %s for the %s channel: %w", po.Number, p.Channel, err)
	}
	var names []string
	for _, o := range out {
		m, err := s.store(ctx, tx, partner, &po.ID, o)
		if err != nil {
			return "", err
		}
		names = append(names, m.Name)
	}
	return fmt.Sprintf("%s: %s queued to send", p.Channel, strings.Join(names, ", ")), nil
}

// store inserts one outbound message and, unless it waits for a batch,
// queues its sending.
func (s *Service) store(ctx context.Context, tx *gorm.DB, p Partner, poID *int64, o Outbound) (models.OutboundMessage, error) {
	state := models.MessageQueued
	if o.Batched {
		state = models.MessageBatched
	}
	po := int64(0)
	if poID != nil {
		po = *poID
	}
	m := models.OutboundMessage{
		PartnershipID: p.ID, PurchaseOrderID: poID, Channel: p.Channel, Kind: o.Kind, Name: o.Name,
		ContentType: o.ContentType, Body: o.Body, State: state, MessageID: o.MessageID,
		ControlNumber: o.ControlNumber, GroupControlNumber: o.GroupControlNumber,
		DedupKey:  fmt.Sprintf("%d:%d:%s:%s", p.ID, po, o.Kind, o.Name),
		CreatedAt: s.Now(),
	}
	if err := tx.Create(&m).Error; err != nil {
		return m, fmt.Errorf("store %s message %s: %w", p.Channel, o.Name, err)
	}
	if state == models.MessageQueued {
		if _, err := s.Queue.InsertTx(ctx, sqlTx(tx), queue.SendMessage{MessageID: m.ID}, nil); err != nil {
			return m, fmt.Errorf("enqueue sending of message %d: %w", m.ID, err)
		}
	}
	return m, nil
}

// Enqueue stores messages an edge made outside a PO's delivery (a 997)
// and queues their sending, in tx.
func (s *Service) Enqueue(ctx context.Context, tx *gorm.DB, p Partner, poID *int64, out ...Outbound) error {
	for _, o := range out {
		if _, err := s.store(ctx, tx, p, poID, o); err != nil {
			return err
		}
	}
	return nil
}

// SendMessage sends one stored message; River calls it, and retries it with
// backoff while it fails, up to maxAttempts. Each failure is recorded on
// the message (and so on its PO's timeline); the last one, or a permanent
// one, marks it failed and flags the order for a person.
func (s *Service) SendMessage(ctx context.Context, id int64, attempt, maxAttempts int) error {
	db := s.DB.Gorm.WithContext(ctx)
	var m models.OutboundMessage
	if err := db.Take(&m, id).Error; err != nil {
		return fmt.Errorf("load message %d: %w", id, translate(err))
	}
	if m.State != models.MessageQueued {
		return nil // sent by an earlier run, or given up
	}
	p, err := s.Partner(ctx, m.PartnershipID)
	if err != nil {
		return err
	}
	edge, ok := s.Edges[m.Channel]
	if !ok {
		return fmt.Errorf("no %s channel in this process", m.Channel)
	}
	sendErr := edge.Send(ctx, p, m)
	now := s.Now()
	if sendErr == nil {
		return db.Transaction(func(tx *gorm.DB) error {
			res := tx.Model(&models.OutboundMessage{}).Where("id = ? AND state = ?", m.ID, models.MessageQueued).
				Updates(map[string]any{"state": models.MessageSent, "sent_at": now, "error": "", "attempts": gorm.Expr("attempts + 1")})
			if res.Error != nil {
				return fmt.Errorf("mark message %d sent: %w", m.ID, res.Error)
			}
			if m.PurchaseOrderID != nil {
				if err := s.note(tx, *m.PurchaseOrderID, fmt.Sprintf("%s sent: %s", m.Kind, m.Name), actor(m.Channel)); err != nil {
					return err
				}
			}
			if err := s.sentInBatch(tx, m, now); err != nil {
				return err
			}
			if m.GroupControlNumber != "" && m.Kind == "850" && m.PurchaseOrderID != nil {
				at := now.Add(time.Duration(p.Settings.EDI.AckDeadlineHours()) * time.Hour)
				if _, err := s.Queue.InsertTx(ctx, sqlTx(tx), queue.CheckAck{MessageID: m.ID}, &river.InsertOpts{ScheduledAt: at}); err != nil {
					return fmt.Errorf("schedule the 997 check of message %d: %w", m.ID, err)
				}
			}
			return nil
		})
	}
	final := errors.Is(sendErr, ErrPermanent) || attempt >= maxAttempts
	err = db.Transaction(func(tx *gorm.DB) error {
		updates := map[string]any{"error": fmt.Sprintf("attempt %d: %v", attempt, sendErr), "attempts": gorm.Expr("attempts + 1")}
		if final {
			updates["state"] = models.MessageFailed
		}
		if err := tx.Model(&models.OutboundMessage{}).Where("id = ?", m.ID).Updates(updates).Error; err != nil {
			return fmt.Errorf("record failure of message %d: %w", m.ID, err)
		}
		if final && m.PurchaseOrderID != nil {
			return s.flag(tx, *m.PurchaseOrderID, fmt.Sprintf("could not send %s %s to the supplier: %v", m.Kind, m.Name, sendErr))
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.Log.WarnContext(ctx, "sending a channel message failed", "message_id", m.ID, "channel", m.Channel,
		"attempt", attempt, "final", final, "error", sendErr)
	if final {
		return river.JobCancel(sendErr)
	}
	return fmt.Errorf("send message %d: %w", m.ID, sendErr)
}

// sentInBatch marks the messages a sent batch file carried as sent, with a
// line on each one's PO.
func (s *Service) sentInBatch(tx *gorm.DB, batch models.OutboundMessage, now time.Time) error {
	var carried []models.OutboundMessage
	if err := tx.Select("id", "purchase_order_id", "name").Where("batch_id = ? AND state = ?", batch.ID, models.MessageBatched).
		Find(&carried).Error; err != nil {
		return fmt.Errorf("list messages of batch %d: %w", batch.ID, err)
	}
	for _, c := range carried {
		if err := tx.Model(&models.OutboundMessage{}).Where("id = ?", c.ID).
			Updates(map[string]any{"state": models.MessageSent, "sent_at": now}).Error; err != nil {
			return fmt.Errorf("mark message %d sent: %w", c.ID, err)
		}
		if c.PurchaseOrderID != nil {
			if err := s.note(tx, *c.PurchaseOrderID, "sent in batch file "+batch.Name, actor(batch.Channel)); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckAck flags the PO of an EDI document still unacknowledged at its
// partner's deadline.
func (s *Service) CheckAck(ctx context.Context, id int64) error {
	db := s.DB.Gorm.WithContext(ctx)
	var m models.OutboundMessage
	if err := db.Take(&m, id).Error; err != nil {
		return fmt.Errorf("load message %d: %w", id, translate(err))
	}
	if m.State != models.MessageSent || m.PurchaseOrderID == nil {
		return nil // acknowledged, rejected, or never sent
	}
	return db.Transaction(func(tx *gorm.DB) error {
		return s.flag(tx, *m.PurchaseOrderID, fmt.Sprintf("no 997 acknowledgment for %s (group %s) from the supplier by the deadline", m.Name, m.GroupControlNumber))
	})
}

// Cancel tells the supplier of a cancelled PO, through its channel, that
// the PO is withdrawn, once.
func (s *Service) Cancel(ctx context.Context, poID int64) error {
	return s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		po, err := s.loadPO(tx, poID)
		if err != nil {
			return err
		}
		if po.State != models.POCancelled {
			return nil
		}
		var pship models.Partnership
		if err := tx.Where("retailer_id = ? AND supplier_id = ?", po.RetailerID, po.SupplierID).Take(&pship).Error; err != nil {
			return fmt.Errorf("load partnership of purchase order %d: %w", po.ID, translate(err))
		}
		edge, ok := s.Edges[pship.Channel]
		if !ok {
			return nil // the portal and store channels tell suppliers their own way
		}
		// What has not gone out yet is withdrawn: the supplier never sees
		// the PO, and needs no cancellation either.
		if err := tx.Model(&models.OutboundMessage{}).
			Where("purchase_order_id = ? AND (state = ? OR (state = ? AND batch_id IS NULL))", po.ID, models.MessageQueued, models.MessageBatched).
			Updates(map[string]any{"state": models.MessageWithdrawn, "error": "the PO was cancelled before this went out"}).Error; err != nil {
			return fmt.Errorf("withdraw messages of purchase order %d: %w", po.ID, err)
		}
		var delivered int64
		if err := tx.Model(&models.OutboundMessage{}).Where("purchase_order_id = ? AND kind NOT IN ? AND (state IN ? OR batch_id IS NOT NULL)",
			po.ID, []string{"cancel", "test"}, []string{models.MessageSent, models.MessageAcknowledged, models.MessageRejected}).
			Count(&delivered).Error; err != nil {
			return fmt.Errorf("count messages of purchase order %d: %w", po.ID, err)
		}
		if delivered == 0 {
			return nil // it never reached the supplier
		}
		partner, err := s.partner(tx, pship)
		if err != nil {
			return err
		}
		out, err := edge.Render(ctx, tx, partner, po, "cancel")
		if err != nil {
			return fmt.Errorf("render the cancellation of %s: %w", po.Number, err)
		}
		for _, o := range out {
			o.Batched = false // a withdrawal does not wait
			// The dedup key makes a second run store nothing new.
			var n int64
			if err := tx.Model(&models.OutboundMessage{}).Where("dedup_key = ?", fmt.Sprintf("%d:%d:%s:%s", partner.ID, po.ID, o.Kind, o.Name)).
				Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if _, err := s.store(ctx, tx, partner, &po.ID, o); err != nil {
				return err
			}
		}
		return nil
	})
}

// Receive stores a message a supplier sent back through its channel, once,
// and queues its processing, in tx.
func (s *Service) Receive(ctx context.Context, tx *gorm.DB, m ingest.Message) (ingest.Outcome, int64, error) {
	return s.Ingester.StoreMessage(ctx, tx, m)
}

// Partner loads a partnership with its settings and opened secrets.
func (s *Service) Partner(ctx context.Context, partnershipID int64) (Partner, error) {
	var p models.Partnership
	if err := s.DB.Gorm.WithContext(ctx).Take(&p, partnershipID).Error; err != nil {
		return Partner{}, fmt.Errorf("load partnership %d: %w", partnershipID, translate(err))
	}
	return s.partner(s.DB.Gorm.WithContext(ctx), p)
}

func (s *Service) partner(db *gorm.DB, p models.Partnership) (Partner, error) {
	out := Partner{Partnership: p}
	var err error
	if out.Settings, err = ParseSettings(p.ChannelSettings); err != nil {
		return out, err
	}
	if p.ChannelSecret != "" {
		plain, err := s.Sealer.Open(p.ChannelSecret)
		if err != nil {
			return out, fmt.Errorf("open the secrets of partnership %d: %w", p.ID, err)
		}
		if err := json.Unmarshal([]byte(plain), &out.Secrets); err != nil {
			return out, fmt.Errorf("secrets of partnership %d: %w", p.ID, err)
		}
	}
	if err := db.Take(&out.Supplier, p.SupplierID).Error; err != nil {
		return out, fmt.Errorf("load supplier %d: %w", p.SupplierID, translate(err))
	}
	if err := db.Take(&out.Retailer, p.RetailerID).Error; err != nil {
		return out, fmt.Errorf("load retailer %d: %w", p.RetailerID, translate(err))
	}
	return out, nil
}

// loadPO reads a PO with its lines, order, ship-to and the GTINs of its
// catalog items.
func (s *Service) loadPO(tx *gorm.DB, poID int64) (PO, error) {
	var po PO
	err := tx.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Preload("Order").Take(&po.PurchaseOrder, poID).Error
	if err != nil {
		return po, fmt.Errorf("load purchase order %d: %w", poID, translate(err))
	}
	if po.PurchaseOrder.ShipTo != "" {
		if err := json.Unmarshal([]byte(po.PurchaseOrder.ShipTo), &po.ShipTo); err != nil {
			return po, fmt.Errorf("ship-to of purchase order %d: %w", poID, err)
		}
	}
	if po.Order != nil {
		po.OrderName = po.Order.Name
	}
	var ids []int64
	for _, l := range po.Lines {
		if l.CatalogItemID != nil {
			ids = append(ids, *l.CatalogItemID)
		}
	}
	po.GTINs = map[int64]string{}
	if len(ids) > 0 {
		var items []models.CatalogItem
		if err := tx.Select("id", "gtin").Where("id IN ?", ids).Find(&items).Error; err != nil {
			return po, fmt.Errorf("load catalog items of purchase order %d: %w", poID, err)
		}
		gtin := map[int64]string{}
		for _, it := range items {
			gtin[it.ID] = it.GTIN
		}
		for _, l := range po.Lines {
			if l.CatalogItemID != nil && gtin[*l.CatalogItemID] != "" {
				po.GTINs[l.ID] = gtin[*l.CatalogItemID]
			}
		}
	}
	return po, nil
}

// LoadPO is loadPO for edges and commands: a PO as rendering sees it.
func (s *Service) LoadPO(ctx context.Context, poID int64) (PO, error) {
	return s.loadPO(s.DB.Gorm.WithContext(ctx), poID)
}

// note writes a line on a PO's history without changing its state.
func (s *Service) note(tx *gorm.DB, poID int64, text, who string) error {
	var po models.PurchaseOrder
	if err := tx.Select("id", "state").Take(&po, poID).Error; err != nil {
		return fmt.Errorf("load purchase order %d: %w", poID, translate(err))
	}
	ev := models.POEvent{PurchaseOrderID: po.ID, FromState: po.State, ToState: po.State, Reason: text, Actor: who, CreatedAt: s.Now()}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("record purchase order %d history: %w", po.ID, err)
	}
	return nil
}

// flag notes why on the PO's history and puts its order in front of a
// person.
func (s *Service) flag(tx *gorm.DB, poID int64, why string) error {
	if err := s.note(tx, poID, why, "consign"); err != nil {
		return err
	}
	var po models.PurchaseOrder
	if err := tx.Select("id", "order_id").Take(&po, poID).Error; err != nil {
		return fmt.Errorf("load purchase order %d: %w", poID, translate(err))
	}
	err := tx.Model(&models.Order{}).Where("id = ? AND state <> ?", po.OrderID, models.OrderCancelled).
		Updates(map[string]any{"state": models.OrderNeedsAttention, "attention": why, "updated_at": s.Now()}).Error
	if err != nil {
		return fmt.Errorf("flag order %d: %w", po.OrderID, err)
	}
	return nil
}

// NextControlNumbers takes the partner's next interchange and group
// control numbers, in tx: one UPDATE ... RETURNING, so numbers strictly
// increase and are never handed out twice, across machines and crashes (a
// rolled-back transaction took none: its document was never sent).
func NextControlNumbers(tx *gorm.DB, partnershipID int64) (interchange, group int64, err error) {
	row := struct {
		EDIInterchangeSeq int64
		EDIGroupSeq       int64
	}{}
	err = tx.Raw(`UPDATE partnerships SET edi_interchange_seq = edi_interchange_seq + 1, edi_group_seq = edi_group_seq + 1
		WHERE id = ? RETURNING edi_interchange_seq, edi_group_seq`, partnershipID).Scan(&row).Error
	if err != nil {
		return 0, 0, fmt.Errorf("take control numbers of partnership %d: %w", partnershipID, err)
	}
	if row.EDIInterchangeSeq == 0 {
		return 0, 0, fmt.Errorf("partnership %d: %w", partnershipID, models.ErrNotFound)
	}
	if row.EDIInterchangeSeq > 999_999_999 {
		return 0, 0, fmt.Errorf("partnership %d has used every interchange control number", partnershipID)
	}
	return row.EDIInterchangeSeq, row.EDIGroupSeq, nil
}

// lockPartnership takes a partnership's row for the rest of tx (Postgres);
// SQLite's one writer needs no lock.
func (s *Service) lockPartnership(tx *gorm.DB, id int64) (models.Partnership, error) {
	q := tx
	if s.DB.Dialect == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var p models.Partnership
	if err := q.Take(&p, id).Error; err != nil {
		return p, fmt.Errorf("load partnership %d: %w", id, translate(err))
	}
	return p, nil
}

func sqlTx(tx *gorm.DB) *sql.Tx { return tx.Statement.ConnPool.(*sql.Tx) }

func translate(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}
