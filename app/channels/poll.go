package channels

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// TopicFile is the event topic of a file read from a supplier's folder.
const TopicFile = "file"

// defaultPollMinutes is how often an inbound folder is read unless the
// partnership says otherwise.
const defaultPollMinutes = 5

// PollDue queues a PollChannel for every partnership on a folder channel
// whose inbound folder was not read within its interval. A periodic job
// calls it every minute; uniqueness keeps one poll per partner in flight.
func (s *Service) PollDue(ctx context.Context) (int, error) {
	var ps []models.Partnership
	err := s.DB.Gorm.WithContext(ctx).Select("id", "channel", "channel_settings", "polled_at").
		Where("active AND channel IN ?", []string{models.ChannelSFTP, models.ChannelEDI}).Find(&ps).Error
	if err != nil {
		return 0, fmt.Errorf("list partnerships to poll: %w", err)
	}
	now := s.Now()
	var due []int64
	for _, p := range ps {
		set, err := ParseSettings(p.ChannelSettings)
		if err != nil {
			continue // the partner page says what is wrong with them
		}
		every := time.Duration(set.SFTP.PollMinutes) * time.Minute
		if every <= 0 {
			every = defaultPollMinutes * time.Minute
		}
		if s.PollEvery > 0 {
			every = s.PollEvery
		}
		if p.PolledAt == nil || now.Sub(*p.PolledAt) >= every-every/10 {
			due = append(due, p.ID)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	err = s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, id := range due {
			if _, err := s.Queue.InsertTx(ctx, sqlTx(tx), queue.PollChannel{PartnershipID: id}, nil); err != nil {
				return fmt.Errorf("enqueue poll of partnership %d: %w", id, err)
			}
		}
		return nil
	})
	return len(due), err
}

// Poll reads one partner's inbound folder: each file is stored once (its
// name and content hash), and its processing queued, before the edge
// archives it; a file seen before is archived and nothing else changes.
func (s *Service) Poll(ctx context.Context, partnershipID int64) (int, error) {
	p, err := s.Partner(ctx, partnershipID)
	if err != nil {
		return 0, err
	}
	edge, ok := s.Edges[p.Channel].(Poller)
	if !ok {
		return 0, nil // the partner moved to a channel without a folder
	}
	db := s.DB.Gorm.WithContext(ctx)
	stored := 0
	n, pollErr := edge.Poll(ctx, p, func(name string, body []byte) error {
		sum := sha256.Sum256(body)
		return db.Transaction(func(tx *gorm.DB) error {
			out, _, err := s.Receive(ctx, tx, ingest.Message{
				PartnershipID: p.ID, Channel: p.Channel, Topic: TopicFile,
				DedupKey: fmt.Sprintf("%d:%s:%s", p.ID, name, hex.EncodeToString(sum[:])),
				Headers:  map[string]string{"File-Name": name}, Body: body,
			})
			if out == ingest.Stored {
				stored++
			}
			return err
		})
	})
	// Recorded even when the poll failed, so a dead server is retried on
	// its schedule rather than every minute.
	if err := db.Model(&models.Partnership{}).Where("id = ?", p.ID).Update("polled_at", s.Now()).Error; err != nil {
		return stored, fmt.Errorf("record poll of partnership %d: %w", p.ID, err)
	}
	if pollErr != nil {
		return stored, fmt.Errorf("poll the %s folder of partnership %d: %w", p.Channel, p.ID, pollErr)
	}
	s.Log.DebugContext(ctx, "polled a supplier folder", "partnership_id", p.ID, "files", n, "new", stored)
	return stored, nil
}

// Flush gathers a batching partner's waiting messages into one batch file
// and queues it; Poll's job calls it after reading the inbound folder.
func (s *Service) Flush(ctx context.Context, partnershipID int64) error {
	p, err := s.Partner(ctx, partnershipID)
	if err != nil {
		return err
	}
	edge, ok := s.Edges[p.Channel].(Batcher)
	if !ok {
		return nil
	}
	return s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.lockPartnership(tx, p.ID); err != nil {
			return err
		}
		var msgs []models.OutboundMessage
		if err := tx.Where("partnership_id = ? AND state = ? AND batch_id IS NULL", p.ID, models.MessageBatched).Order("id").Find(&msgs).Error; err != nil {
			return fmt.Errorf("list batched messages of partnership %d: %w", p.ID, err)
		}
		if len(msgs) == 0 {
			return nil
		}
		batch, err := edge.Batch(ctx, p, msgs)
		if err != nil {
			return fmt.Errorf("batch %d messages of partnership %d: %w", len(msgs), p.ID, err)
		}
		m, err := s.store(ctx, tx, p, nil, batch)
		if err != nil {
			return err
		}
		ids := make([]int64, len(msgs))
		for i, b := range msgs {
			ids[i] = b.ID
		}
		// The POs' own messages say which batch carries them, and are sent
		// when it is (SendMessage).
		return tx.Model(&models.OutboundMessage{}).Where("id IN ?", ids).Update("batch_id", m.ID).Error
	})
}
