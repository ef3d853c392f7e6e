package channels

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
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
	all, err := s.Timelines(ctx, []int64{poID})
	return all[poID], err
}

// Timelines is Timeline for several POs in one query, whatever they hold:
// the messages each was sent in (alone, or in a batch file) and the
// received ones that named it.
func (s *Service) Timelines(ctx context.Context, poIDs []int64) (map[int64][]Entry, error) {
	out := map[int64][]Entry{}
	if len(poIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		PO        int64
		Direction string
		At        dbTime
		Channel   string
		Kind      string
		Name      string
		State     string
		Note      string
		Headers   string
		Body      []byte
		EventID   int64
	}
	err := s.DB.Gorm.WithContext(ctx).Raw(`
		SELECT m.purchase_order_id AS po, 'out' AS direction, COALESCE(m.sent_at, m.created_at) AS at, m.channel, m.kind,
		       m.name, m.state, m.error AS note, '' AS headers, m.body, 0 AS event_id
		FROM outbound_messages m WHERE m.purchase_order_id IN ?
		UNION ALL
		SELECT c.purchase_order_id, 'out', COALESCE(b.sent_at, b.created_at), b.channel, b.kind, b.name, b.state, b.error, '', b.body, 0
		FROM outbound_messages c JOIN outbound_messages b ON b.id = c.batch_id WHERE c.purchase_order_id IN ?
		UNION ALL
		SELECT pm.purchase_order_id, 'in', e.received_at, e.platform, e.topic, '', e.state,
		       CASE WHEN e.state = 'failed' THEN e.error ELSE pm.note END, e.headers, e.body, e.id
		FROM po_messages pm JOIN webhook_events e ON e.id = pm.event_id WHERE pm.purchase_order_id IN ?`,
		poIDs, poIDs, poIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list messages of %d purchase orders: %w", len(poIDs), err)
	}
	for _, r := range rows {
		e := Entry{At: time.Time(r.At), Direction: r.Direction, Channel: r.Channel, Kind: r.Kind, Name: r.Name, State: r.State,
			Note: r.Note, EventID: r.EventID}
		if r.Direction == "in" {
			e.Name = receivedName(r.Headers)
		}
		e.Body, e.Truncated = cut(r.Body)
		out[r.PO] = append(out[r.PO], e)
	}
	for id := range out {
		sort.SliceStable(out[id], func(i, j int) bool { return out[id][i].At.Before(out[id][j].At) })
	}
	return out, nil
}

// receivedName is what a received message calls itself: its file name or
// its subject.
func receivedName(headers string) string {
	var h map[string]string
	if json.Unmarshal([]byte(headers), &h) != nil {
		return ""
	}
	return cmp.Or(h["File-Name"], h["Subject"])
}

func cut(b []byte) (string, bool) {
	if len(b) > MaxBody {
		return string(b[:MaxBody]), true
	}
	return string(b), false
}

// dbTime scans a time that SQLite returns as text when it comes out of an
// expression (COALESCE, a UNION) rather than straight from a column.
type dbTime time.Time

func (t *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*t = dbTime(x)
		return nil
	case nil:
		*t = dbTime{}
		return nil
	case []byte:
		return t.parse(string(x))
	case string:
		return t.parse(x)
	}
	return fmt.Errorf("scan %T as a time", v)
}

func (t *dbTime) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			*t = dbTime(v)
			return nil
		}
	}
	return fmt.Errorf("cannot read %q as a time", s)
}
