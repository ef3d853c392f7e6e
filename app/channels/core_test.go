package channels_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/devkit/channelstest"
	"github.com/consign/consign/models"
)

// recorder is an edge that keeps what it is asked to send and fails on
// demand: the core's contract with every edge, tested without a medium.
type recorder struct {
	mu    sync.Mutex
	sent  []string
	fail  error
	calls int
}

func (r *recorder) Render(ctx context.Context, tx *gorm.DB, p channels.Partner, po channels.PO, kind string) ([]channels.Outbound, error) {
	return []channels.Outbound{{Kind: kind, Name: kind + "-" + po.Number + ".txt", ContentType: "text/plain",
		Body: fmt.Appendf(nil, "%s %s with %d lines", kind, po.Number, len(po.Lines))}}, nil
}

func (r *recorder) Send(ctx context.Context, p channels.Partner, m models.OutboundMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		return r.fail
	}
	r.sent = append(r.sent, m.Name)
	return nil
}

func (r *recorder) Test(ctx context.Context, tx *gorm.DB, p channels.Partner) (string, error) {
	return "tested", nil
}

func TestDeliverStoresThenSends(t *testing.T) {
	rec := &recorder{}
	channelstest.Each(t, models.ChannelEmail, rec, func(t *testing.T, w *channelstest.World) {
		rec.sent, rec.fail = nil, nil
		tr := w.Trade(models.ChannelEmail, channels.Settings{}, nil, "PO-1", channelstest.Line{SKU: "A-1", Title: "Cap", Quantity: 2, Cost: "3.50"})
		if tr.PO.State != models.POSent {
			t.Fatalf("PO is %s after delivery", tr.PO.State)
		}
		out := w.Outbound(tr.Partnership.ID)
		if len(out) != 1 || out[0].State != models.MessageQueued || string(out[0].Body) != "po PO-1 with 1 lines" {
			t.Fatalf("outbound %+v", out)
		}
		// Unreachable: recorded on the message, retried; the last attempt gives up and flags the order.
		rec.fail = errors.New("dial tcp: connection refused")
		if err := w.Channels.SendMessage(context.Background(), out[0].ID, 1, 3); err == nil {
			t.Fatal("a failed send returned no error")
		}
		if m := w.Outbound(tr.Partnership.ID)[0]; m.State != models.MessageQueued || m.Error == "" || m.Attempts != 1 {
			t.Fatalf("after one failure: %+v", m)
		}
		rec.fail = nil
		if err := w.Channels.SendMessage(context.Background(), out[0].ID, 2, 3); err != nil {
			t.Fatal(err)
		}
		if m := w.Outbound(tr.Partnership.ID)[0]; m.State != models.MessageSent || m.Error != "" || m.SentAt == nil {
			t.Fatalf("after sending: %+v", m)
		}
		// Sent once: a second run of the job sends nothing more.
		if err := w.Channels.SendMessage(context.Background(), out[0].ID, 3, 3); err != nil || len(rec.sent) != 1 {
			t.Fatalf("a second run: %v, sent %v", err, rec.sent)
		}
	})
}

func TestSendGivesUpOnPermanentFailure(t *testing.T) {
	rec := &recorder{}
	channelstest.Each(t, models.ChannelEmail, rec, func(t *testing.T, w *channelstest.World) {
		rec.fail = channels.Permanent(errors.New("host key mismatch"))
		tr := w.Trade(models.ChannelEmail, channels.Settings{}, nil, "PO-2", channelstest.Line{SKU: "A-1", Title: "Cap", Quantity: 1, Cost: "3.50"})
		m := w.Outbound(tr.Partnership.ID)[0]
		w.Channels.SendMessage(context.Background(), m.ID, 1, 25)
		m = w.Outbound(tr.Partnership.ID)[0]
		var order models.Order
		if err := w.DB.Gorm.Take(&order, tr.Order.ID).Error; err != nil {
			t.Fatal(err)
		}
		if m.State != models.MessageFailed || order.State != models.OrderNeedsAttention || order.Attention == "" {
			t.Fatalf("message %s, order %s %q", m.State, order.State, order.Attention)
		}
	})
}

// Control numbers are unique and increasing across concurrent deliveries
// and a restart: they live in the database, not in a process.
func TestControlNumbersAreNeverReused(t *testing.T) {
	rec := &recorder{}
	channelstest.Each(t, models.ChannelEDI, rec, func(t *testing.T, w *channelstest.World) {
		tr := w.Trade(models.ChannelEDI, channels.Settings{}, nil, "PO-3", channelstest.Line{SKU: "A-1", Title: "Cap", Quantity: 1, Cost: "1.00"})
		const workers, each = 8, 25
		var mu sync.Mutex
		var got []int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					err := w.DB.Gorm.Transaction(func(tx *gorm.DB) error {
						isa, gs, err := channels.NextControlNumbers(tx, tr.Partnership.ID)
						if err == nil && isa != gs {
							err = fmt.Errorf("interchange %d and group %d drifted", isa, gs)
						}
						if err == nil {
							mu.Lock()
							got = append(got, isa)
							mu.Unlock()
						}
						return err
					})
					if err != nil && w.DB.Dialect == database.Postgres {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		slices.Sort(got)
		if len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("a control number was handed out twice: %v", got)
		}
		// A rolled-back transaction takes none; the next is still higher.
		_ = w.DB.Gorm.Transaction(func(tx *gorm.DB) error {
			channels.NextControlNumbers(tx, tr.Partnership.ID)
			return errors.New("roll back")
		})
		var next int64
		w.DB.Gorm.Transaction(func(tx *gorm.DB) error {
			var err error
			next, _, err = channels.NextControlNumbers(tx, tr.Partnership.ID)
			return err
		})
		if next <= got[len(got)-1] {
			t.Fatalf("after %v the next control number is %d", got[len(got)-1], next)
		}
	})
}

// An EDI document still unacknowledged at its partner's deadline flags its
// order; an acknowledged one does not.
func TestCheckAckFlagsOnlyTheUnacknowledged(t *testing.T) {
	rec := &recorder{}
	channelstest.Each(t, models.ChannelEDI, rec, func(t *testing.T, w *channelstest.World) {
		rec.fail = nil
		for _, c := range []struct {
			number string
			state  string
			flag   bool
		}{{"PO-A", models.MessageSent, true}, {"PO-B", models.MessageAcknowledged, false}} {
			tr := w.Trade(models.ChannelEDI, channels.Settings{}, nil, c.number, channelstest.Line{SKU: "A-1", Title: "Cap", Quantity: 1, Cost: "1.00"})
			m := w.Outbound(tr.Partnership.ID)[0]
			if err := w.DB.Gorm.Model(&m).Updates(map[string]any{"state": c.state, "group_control_number": "7"}).Error; err != nil {
				t.Fatal(err)
			}
			if err := w.Channels.CheckAck(context.Background(), m.ID); err != nil {
				t.Fatal(err)
			}
			var order models.Order
			w.DB.Gorm.Take(&order, tr.Order.ID)
			if flagged := order.State == models.OrderNeedsAttention; flagged != c.flag {
				t.Errorf("%s with its 850 %s: order %s %q", c.number, c.state, order.State, order.Attention)
			}
		}
	})
}
