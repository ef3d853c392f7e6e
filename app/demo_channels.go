package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/devkit/mailsink"
	"github.com/consign/consign/app/devkit/sftpserver"
	"github.com/consign/consign/app/mail/reply"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
	adminview "github.com/consign/consign/views/admin"
)

// demoChannels are the demo's stand-ins for suppliers' own systems: a mail
// server that catches what Consign mails (shown at /demo/mail), and the
// EDI supplier's SFTP server, both in-process, on loopback.
type demoChannels struct {
	dir      string // the demo's folder: the SFTP root, the sample answers
	mail     *mailsink.Sink
	sftp     *sftpserver.Server
	password string // the SFTP server's
}

// startDemoChannels starts the mail sink and the SFTP server under dir.
func startDemoChannels(dir string) (*demoChannels, error) {
	sink, err := mailsink.Start(mailsink.Options{})
	if err != nil {
		return nil, fmt.Errorf("start the demo mail server: %w", err)
	}
	root := filepath.Join(dir, "sftp")
	for _, d := range []string{"outbound", "inbound", "archive"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			sink.Close()
			return nil, err
		}
	}
	pw := make([]byte, 12)
	_, _ = rand.Read(pw)
	srv, err := sftpserver.Start(sftpserver.Options{Root: root, User: "copperline", Password: hex.EncodeToString(pw)})
	if err != nil {
		sink.Close()
		return nil, fmt.Errorf("start the demo SFTP server: %w", err)
	}
	return &demoChannels{dir: dir, mail: sink, sftp: srv, password: hex.EncodeToString(pw)}, nil
}

func (d *demoChannels) close() {
	d.sftp.Close()
	d.mail.Close()
}

// inbound is the folder the EDI supplier's answers go in.
func (d *demoChannels) inbound() string { return filepath.Join(d.sftp.Root(), "inbound") }

// configure puts the second sample supplier on email and the third on EDI
// over the demo SFTP server.
func (d *demoChannels) configure(ctx context.Context, a *App, retailerID int64, keys []demoKey) error {
	if _, err := a.Channels.Configure(ctx, retailerID, keys[1].id, channels.Config{Channel: models.ChannelEmail}); err != nil {
		return fmt.Errorf("put %s on email: %w", keys[1].name, err)
	}
	set := channels.Settings{
		SFTP: channels.SFTPSettings{Host: d.sftp.Host(), Port: d.sftp.Port(), User: "copperline", Fingerprint: d.sftp.Fingerprint(),
			Outbound: "/outbound", Inbound: "/inbound", Archive: "/archive", PollMinutes: 1},
		EDI: channels.EDISettings{SenderID: "DEMOOUTFITTERS", ReceiverID: "COPPERLINE", Version: "004010"},
	}
	secret := &channels.Secrets{Password: d.password}
	if _, err := a.Channels.Configure(ctx, retailerID, keys[2].id, channels.Config{Channel: models.ChannelEDI, Settings: set, Secrets: secret}); err != nil {
		return fmt.Errorf("put %s on EDI: %w", keys[2].name, err)
	}
	return nil
}

// writeAnswers writes the EDI supplier's 855 (accepting every line) and
// 856 (shipping them under one tracking number) for its PO, ready to be
// copied into the inbound folder.
func (d *demoChannels) writeAnswers(po models.PurchaseOrder) (ack, ship string, err error) {
	env := x12.Envelope{SenderQualifier: "ZZ", SenderID: "COPPERLINE", ReceiverQualifier: "ZZ", ReceiverID: "DEMOOUTFITTERS",
		Version: "004010", Usage: "P", InterchangeControl: 501, GroupControl: 501, Time: time.Now().UTC(), LineBreaks: true}
	poAck := &x12.POAck{Purpose: "00", AckType: "AD", PONumber: po.Number, Date: time.Now().UTC().Format("20060102")}
	notice := &x12.ShipNotice{Purpose: "00", ShipmentID: "DEMO-" + po.Number, Date: time.Now().UTC().Format("20060102"),
		Carrier: "UPSN", TrackingNumbers: []string{"1Z999AA10123456784"}, Orders: []x12.ShipOrder{{PONumber: po.Number}}}
	for i, l := range po.Lines {
		n, q := strconv.Itoa(i+1), strconv.Itoa(l.Quantity)
		ids := []x12.ID{{Qualifier: "VN", Value: l.SKU}}
		poAck.Lines = append(poAck.Lines, x12.AckLine{LineNumber: n, OrderedQuantity: q, Unit: "EA", IDs: ids,
			Acks: []x12.LineAck{{Status: "IA", Quantity: q, Unit: "EA"}}})
		notice.Orders[0].Items = append(notice.Orders[0].Items, x12.ShipItem{LineNumber: n, IDs: ids, Quantity: q, Unit: "EA"})
	}
	write := func(name, functionalID string, set x12.SetBody, control int64) (string, error) {
		env.InterchangeControl, env.GroupControl = control, control
		raw, err := x12.Encode(env, functionalID, []x12.SetBody{set})
		if err != nil {
			return "", err
		}
		path := filepath.Join(d.dir, name)
		return path, os.WriteFile(path, raw, 0o644)
	}
	if ack, err = write("855-"+fileName(po.Number)+".edi", "PR", poAck.Set(), 501); err != nil {
		return "", "", err
	}
	ship, err = write("856-"+fileName(po.Number)+".edi", "SH", notice.Set(), 502)
	return ack, ship, err
}

var notFileSafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string { return notFileSafe.ReplaceAllString(s, "-") }

// messages are the mails the demo caught, newest first, for /demo/mail.
func (d *demoChannels) messages() []adminview.DemoMail {
	caught := d.mail.Messages()
	out := make([]adminview.DemoMail, 0, len(caught))
	for i := len(caught) - 1; i >= 0; i-- {
		m := caught[i]
		v := adminview.DemoMail{At: m.Received, From: m.From, To: m.To, Subject: m.Subject}
		if r, err := reply.Parse(m.Raw); err == nil {
			v.Text = r.FullText
			for _, att := range r.Attachments {
				v.Attachments = append(v.Attachments, att.Filename)
			}
		}
		v.Links = linkPattern.FindAllString(v.Text, -1)
		out = append(out, v)
	}
	return out
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)
