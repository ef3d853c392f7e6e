package channels

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/consign/consign/models"
)

// Entry is one message on a PO's timeline: sent to the supplier, or
// received from it.
type Entry struct {
	At        time.Time
	Direction string // "out" or "in"
	Channel   string
	Kind      string // 850, 997, po, cancel, reply, file, ...
	Name      string
	State     string // out: queued, sent, acknowledged, rejected, failed; in: received, processed, failed, ignored
	Note      string // what came of it, or why it failed
	Body      string // the raw document, cut at MaxBody
	Truncated bool
	EventID   int64 // a received message's event, for replay
}

// MaxBody bounds the raw document a timeline shows.
const MaxBody = 64 << 10

// Timeline lists the messages a PO was sent in and the ones it was named
// in, oldest first, each with its raw document.
func (s *Service) Timeline(ctx context.Context, poID int64) ([]Entry, error) {
	db := s.DB.Gorm.WithContext(ctx)
	var out []models.OutboundMessage
	if err := db.Where("purchase_order_id = ?", poID).Or("id IN (?)",
		db.Model(&models.OutboundMessage{}).Select("batch_id").Where("purchase_order_id = ? AND batch_id IS NOT NULL", poID)).
		Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list messages of purchase order %d: %w", poID, err)
	}
	var in []struct {
		models.WebhookEvent
		Note string
	}
	if err := db.Table("po_messages pm").Select("e.*, pm.note AS note").
		Joins("JOIN webhook_events e ON e.id = pm.event_id").
		Where("pm.purchase_order_id = ?", poID).Order("e.id").Scan(&in).Error; err != nil {
		return nil, fmt.Errorf("list received messages of purchase order %d: %w", poID, err)
	}
	entries := make([]Entry, 0, len(out)+len(in))
	for _, m := range out {
		e := Entry{At: m.CreatedAt, Direction: "out", Channel: m.Channel, Kind: m.Kind, Name: m.Name, State: m.State, Note: m.Error}
		if m.SentAt != nil {
			e.At = *m.SentAt
		}
		e.Body, e.Truncated = cut(m.Body)
		entries = append(entries, e)
	}
	for _, ev := range in {
		e := Entry{At: ev.ReceivedAt, Direction: "in", Channel: ev.Platform, Kind: ev.Topic, State: ev.State,
			Note: ev.Note, EventID: ev.ID, Name: ev.DeliveryID}
		if ev.Error != "" && ev.State == models.EventFailed {
			e.Note = ev.Error
		}
		e.Body, e.Truncated = cut(ev.Body)
		entries = append(entries, e)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].At.Before(entries[j].At) })
	return entries, nil
}

func cut(b []byte) (string, bool) {
	if len(b) > MaxBody {
		return string(b[:MaxBody]), true
	}
	return string(b), false
}
