package queue

import (
	"time"

	"github.com/riverqueue/river"
)

// SendMessage sends one stored outbound message (an email, a file) to its
// supplier, retried with River's backoff while the server cannot be reached.
type SendMessage struct {
	MessageID int64 `json:"message_id"`
}

func (SendMessage) Kind() string { return "send_message" }

func (SendMessage) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueuePlatform} }

// PollChannel reads one partnership's inbound SFTP folder.
type PollChannel struct {
	PartnershipID int64 `json:"partnership_id"`
}

func (PollChannel) Kind() string { return "poll_channel" }

func (PollChannel) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePlatform, UniqueOpts: uniqueWhileOpen, MaxAttempts: 3}
}

// PollChannels enqueues a PollChannel for every partnership whose inbound
// folder is due; a periodic job inserts it every minute.
type PollChannels struct{}

func (PollChannels) Kind() string { return "poll_channels" }

func (PollChannels) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePlatform, UniqueOpts: uniqueWhileOpen}
}

// PeriodicPollChannels schedules PollChannels every interval.
func PeriodicPollChannels(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return PollChannels{}, nil },
		&river.PeriodicJobOpts{ID: "poll_channels"})
}

// CheckAck flags an EDI document's PO when its 997 has not come by the
// partner's deadline; it is inserted scheduled at that deadline.
type CheckAck struct {
	MessageID int64 `json:"message_id"`
}

func (CheckAck) Kind() string { return "check_ack" }

// CancelByChannel tells a supplier on a message channel that a PO it was
// sent is cancelled (a reply in the PO's email thread, a cancellation 850
// or file).
type CancelByChannel struct {
	PurchaseOrderID int64 `json:"purchase_order_id"`
}

func (CancelByChannel) Kind() string { return "cancel_by_channel" }
