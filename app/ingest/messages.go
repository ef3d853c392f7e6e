package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/consign/consign/app/queue"
)

// Message is one thing a supplier sent back through a channel (an email
// reply, a file on its SFTP server), received whole. It is stored as an
// event of the partnership it came through, and processed, failed and
// replayed like a webhook delivery.
type Message struct {
	PartnershipID int64
	Channel       string // the event's platform: email, sftp, edi
	Topic         string
	// DedupKey makes a message stored once however often it is read: a
	// file's name and content hash, an email's Message-ID and hash.
	DedupKey string
	Headers  map[string]string
	Body     []byte
}

// StoreMessage stores m and queues its processing in tx, once: a message
// stored before is Duplicate and changes nothing.
func (in *Ingester) StoreMessage(ctx context.Context, tx *gorm.DB, m Message) (Outcome, int64, error) {
	headers, err := encodeHeaders(m.Headers)
	if err != nil {
		return "", 0, err
	}
	var id int64
	err = tx.Raw(`INSERT INTO webhook_events
		(platform, topic, delivery_id, shop, partnership_id, headers, body, state, error, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'received', '', ?)
		ON CONFLICT (platform, delivery_id) DO NOTHING RETURNING id`,
		m.Channel, m.Topic, m.DedupKey, "partnership:"+strconv.FormatInt(m.PartnershipID, 10), m.PartnershipID,
		string(headers), m.Body, in.Now()).Scan(&id).Error
	if err != nil {
		return "", 0, fmt.Errorf("store %s message: %w", m.Channel, err)
	}
	if id == 0 {
		return Duplicate, 0, nil
	}
	if _, err := in.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.ProcessEvent{EventID: id}, nil); err != nil {
		return "", 0, fmt.Errorf("enqueue %s message %d: %w", m.Channel, id, err)
	}
	return Stored, id, nil
}
