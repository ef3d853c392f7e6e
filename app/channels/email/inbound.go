package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	netmail "net/mail"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/mail"
	"github.com/consign/consign/models"
)

// Inbound is where the SMTP listener hands suppliers' replies: it refuses
// every recipient but a valid reply address, and stores each reply as an
// event of the partnership of the PO its address names.
type Inbound struct {
	Edge     *Edge
	Channels *channels.Service
	DB       *database.DB
	Log      *slog.Logger
}

// Accept is ListenerConfig.Accept: only reply addresses Consign gave out,
// with a token that verifies, are mailboxes here. A forged reply (the
// supplier's From, a guessed address) is refused before its data is read.
func (in *Inbound) Accept(rcpt string) bool {
	_, _, ok := in.Edge.parseAddress(rcpt)
	return ok
}

// Deliver is ListenerConfig.Deliver: the raw message is stored once per
// reply address it was sent to, in one transaction, and its processing
// queued. An error answers 451, so the sending server tries again later; a
// recipient that no longer leads anywhere (a PO deleted since) is logged and
// dropped, since no retry would help.
func (in *Inbound) Deliver(ctx context.Context, env mail.Envelope, raw []byte) error {
	sum := sha256.Sum256(raw)
	hash := hex.EncodeToString(sum[:])
	head := headers(raw)
	head["Envelope-From"] = env.From
	stored := 0
	err := in.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seen := map[string]bool{}
		for _, rcpt := range env.To {
			kind, id, ok := in.Edge.parseAddress(rcpt)
			key := kind + strconv.FormatInt(id, 10)
			if !ok || seen[key] {
				continue
			}
			seen[key] = true
			m, found, err := in.message(tx, kind, id, hash, head, raw)
			if err != nil {
				return err
			}
			if !found {
				in.log().WarnContext(ctx, "an email reply names a purchase order or partnership that no longer exists; dropped",
					"rcpt", rcpt, "from", env.From)
				continue
			}
			out, _, err := in.Channels.Receive(ctx, tx, m)
			if err != nil {
				return fmt.Errorf("store the email reply to %s: %w", rcpt, err)
			}
			if out == ingest.Stored {
				stored++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	in.log().DebugContext(ctx, "received an email reply", "from", env.From, "to", env.To, "stored", stored)
	return nil
}

// message is the event to store for one verified reply address.
func (in *Inbound) message(tx *gorm.DB, kind string, id int64, hash string, head map[string]string, raw []byte) (ingest.Message, bool, error) {
	h := make(map[string]string, len(head)+1)
	for k, v := range head {
		h[k] = v
	}
	if kind == addrTest {
		var p models.Partnership
		found, err := take(tx.Select("id"), &p, id)
		if err != nil || !found {
			return ingest.Message{}, found, err
		}
		h["Test"] = strconv.FormatInt(p.ID, 10)
		return ingest.Message{PartnershipID: p.ID, Channel: models.ChannelEmail, Topic: TopicReply,
			DedupKey: fmt.Sprintf("%d:test:%s", p.ID, hash), Headers: h, Body: raw}, true, nil
	}
	var po models.PurchaseOrder
	found, err := take(tx.Select("id", "retailer_id", "supplier_id"), &po, id)
	if err != nil || !found {
		return ingest.Message{}, found, err
	}
	// The PO's partnership, whatever its channel is now: the supplier
	// answers the mail it got.
	var p models.Partnership
	err = tx.Select("id").Where("retailer_id = ? AND supplier_id = ?", po.RetailerID, po.SupplierID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ingest.Message{}, false, nil
	}
	if err != nil {
		return ingest.Message{}, false, fmt.Errorf("load the partnership of purchase order %d: %w", po.ID, err)
	}
	h["PO"] = strconv.FormatInt(po.ID, 10)
	return ingest.Message{PartnershipID: p.ID, Channel: models.ChannelEmail, Topic: TopicReply,
		DedupKey: fmt.Sprintf("%d:%d:%s", p.ID, po.ID, hash), Headers: h, Body: raw}, true, nil
}

// take loads one row by id, saying whether it exists.
func take(q *gorm.DB, dst any, id int64) (bool, error) {
	err := q.Take(dst, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %T %d: %w", dst, id, err)
	}
	return true, nil
}

// maxHeader bounds a header value kept beside the event, for the admin's
// list; the whole message is kept anyway.
const maxHeader = 300

// headers are the reply's header fields worth showing beside the event. A
// message whose header cannot be read is stored all the same: processing
// fails it with the reason, kept for a person.
func headers(raw []byte) map[string]string {
	out := map[string]string{}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return out
	}
	dec := mime.WordDecoder{}
	for _, k := range []string{"Subject", "From", "Message-Id"} {
		v := m.Header.Get(k)
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		if v = cut(strings.Join(strings.Fields(v), " "), maxHeader); v != "" {
			out[k] = v
		}
	}
	return out
}

func (in *Inbound) log() *slog.Logger {
	if in.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Log
}
