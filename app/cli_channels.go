package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/edi"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
)

// supplierChannel sets how a supplier's POs reach it, with the channel's
// settings; flags not given keep their stored values.
func (c *cli) supplierChannel(ctx context.Context, args []string) error {
	fs := newFlags("supplier channel", c.stderr)
	supplier := fs.Int64("supplier", 0, "the supplier's id")
	retailer := fs.String("retailer", "", "the retailer's shop, when the supplier works for several")
	channel := fs.String("channel", "", "email, sftp, edi, portal or store")
	test := fs.Bool("test", false, "send a test through the channel after saving (a test 850, a test email, an SFTP login check)")
	asJSON := fs.Bool("json", false, "print JSON")

	email := fs.String("email", "", "email: the supplier's order address (default: its account email)")
	host := fs.String("sftp-host", "", "sftp/edi: the server's host")
	port := fs.Int("sftp-port", 0, "sftp/edi: the server's port (default 22)")
	user := fs.String("sftp-user", "", "sftp/edi: the login")
	password := fs.String("sftp-password", "", "sftp/edi: the password (stored encrypted)")
	keyFile := fs.String("sftp-key-file", "", "sftp/edi: a private key file (PEM), instead of a password (stored encrypted)")
	passphrase := fs.String("sftp-passphrase", "", "sftp/edi: the private key's passphrase")
	fingerprint := fs.String("sftp-fingerprint", "", "sftp/edi: the server's host key fingerprint, SHA256:... (ssh-keygen -lf)")
	outbound := fs.String("sftp-outbound", "", "sftp/edi: folder Consign writes to (default /outbound)")
	inbound := fs.String("sftp-inbound", "", "sftp/edi: folder Consign reads (default /inbound)")
	archive := fs.String("sftp-archive", "", "sftp/edi: folder read files move to (default /archive)")
	poll := fs.Int("poll-minutes", 0, "sftp/edi: how often the inbound folder is read (default 5)")
	columns := fs.String("csv-columns", "", "sftp: the PO file's columns, field:Header,... (fields: "+strings.Join(channels.POFields, ", ")+")")
	batch := fs.Bool("csv-batch", false, "sftp: one batch file per run instead of one file per PO")
	var e channels.EDISettings
	fs.StringVar(&e.SenderQualifier, "edi-sender-qualifier", "", "edi: ISA05 (default ZZ)")
	fs.StringVar(&e.SenderID, "edi-sender-id", "", "edi: ISA06, Consign's id with the partner")
	fs.StringVar(&e.ReceiverQualifier, "edi-receiver-qualifier", "", "edi: ISA07 (default ZZ)")
	fs.StringVar(&e.ReceiverID, "edi-receiver-id", "", "edi: ISA08, the partner's id")
	fs.StringVar(&e.GroupSenderID, "edi-gs-sender", "", "edi: GS02 (default the ISA06)")
	fs.StringVar(&e.GroupReceiverID, "edi-gs-receiver", "", "edi: GS03 (default the ISA08)")
	fs.StringVar(&e.Version, "edi-version", "", "edi: 004010 (default) or 005010")
	fs.StringVar(&e.Usage, "edi-usage", "", "edi: P production (default) or T test")
	fs.StringVar(&e.Element, "edi-element", "", "edi: element separator (default *)")
	fs.StringVar(&e.Component, "edi-component", "", "edi: sub-element separator (default >)")
	fs.StringVar(&e.Repetition, "edi-repetition", "", "edi: repetition separator (default ^)")
	fs.StringVar(&e.Segment, "edi-segment", "", `edi: segment terminator (default ~; \n for a newline)`)
	fs.IntVar(&e.AckHours, "edi-ack-hours", 0, "edi: hours an 850 may wait for its 997 (default 24)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *supplier <= 0 || *channel == "" {
		return errors.New("usage: consign supplier channel --supplier ID --channel email|sftp|edi|portal|store [settings flags] [--test] [--json]")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := partnershipOf(ctx, a, *supplier, *retailer)
	if err != nil {
		return err
	}
	if *channel == models.ChannelStore {
		if err := a.Accounts.SetChannel(ctx, p.RetailerID, p.SupplierID, models.ChannelStore); err != nil {
			return err
		}
		return c.print(*asJSON, map[string]any{"supplier_id": p.SupplierID, "retailer_id": p.RetailerID, "channel": models.ChannelStore},
			fmt.Sprintf("supplier %d now gets its POs as orders in its own store\n", p.SupplierID))
	}
	s, err := channels.ParseSettings(p.ChannelSettings)
	if err != nil {
		return err
	}
	str := func(name string, dst *string, v string) {
		if set[name] {
			*dst = v
		}
	}
	str("email", &s.Email.To, *email)
	str("sftp-host", &s.SFTP.Host, *host)
	str("sftp-user", &s.SFTP.User, *user)
	str("sftp-fingerprint", &s.SFTP.Fingerprint, *fingerprint)
	str("sftp-outbound", &s.SFTP.Outbound, *outbound)
	str("sftp-inbound", &s.SFTP.Inbound, *inbound)
	str("sftp-archive", &s.SFTP.Archive, *archive)
	if set["sftp-port"] {
		s.SFTP.Port = *port
	}
	if set["poll-minutes"] {
		s.SFTP.PollMinutes = *poll
	}
	if set["csv-batch"] {
		s.CSV.Batch = *batch
	}
	if set["csv-columns"] {
		if s.CSV.Columns, err = parseColumns(*columns); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
		v    string
	}{
		{"edi-sender-qualifier", &s.EDI.SenderQualifier, e.SenderQualifier}, {"edi-sender-id", &s.EDI.SenderID, e.SenderID},
		{"edi-receiver-qualifier", &s.EDI.ReceiverQualifier, e.ReceiverQualifier}, {"edi-receiver-id", &s.EDI.ReceiverID, e.ReceiverID},
		{"edi-gs-sender", &s.EDI.GroupSenderID, e.GroupSenderID}, {"edi-gs-receiver", &s.EDI.GroupReceiverID, e.GroupReceiverID},
		{"edi-version", &s.EDI.Version, e.Version}, {"edi-usage", &s.EDI.Usage, e.Usage},
		{"edi-element", &s.EDI.Element, e.Element}, {"edi-component", &s.EDI.Component, e.Component},
		{"edi-repetition", &s.EDI.Repetition, e.Repetition}, {"edi-segment", &s.EDI.Segment, e.Segment},
	} {
		str(f.name, f.dst, f.v)
	}
	if set["edi-ack-hours"] {
		s.EDI.AckHours = e.AckHours
	}
	var secrets *channels.Secrets
	if set["sftp-password"] || set["sftp-key-file"] {
		secrets = &channels.Secrets{Password: *password, Passphrase: *passphrase}
		if *keyFile != "" {
			pem, err := os.ReadFile(*keyFile)
			if err != nil {
				return fmt.Errorf("read --sftp-key-file: %w", err)
			}
			secrets.PrivateKey = string(pem)
		}
	}
	if len(c.cfg.EncryptionKey) == 0 && secrets != nil {
		return errors.New("channel secrets need CONSIGN_ENCRYPTION_KEY in the environment: they are stored encrypted")
	}
	partner, err := a.Channels.Configure(ctx, p.RetailerID, p.SupplierID, channels.Config{Channel: *channel, Settings: s, Secrets: secrets})
	if err != nil {
		return err
	}
	out := map[string]any{"supplier_id": p.SupplierID, "retailer_id": p.RetailerID, "channel": partner.Channel,
		"settings": partner.Settings, "has_secret": !partner.Secrets.Empty()}
	text := fmt.Sprintf("supplier %d now gets its POs by %s\n", p.SupplierID, partner.Channel)
	if *test {
		did, err := a.Channels.Test(ctx, p.RetailerID, p.SupplierID)
		if err != nil {
			return fmt.Errorf("saved, but the test failed: %w", err)
		}
		out["test"] = did
		text += did + "\n"
	}
	return c.print(*asJSON, out, text)
}

// partnershipOf finds the supplier's partnership: the only one, or the one
// with the retailer named.
func partnershipOf(ctx context.Context, a *App, supplierID int64, retailerShop string) (models.Partnership, error) {
	q := a.DB.Gorm.WithContext(ctx).Where("supplier_id = ?", supplierID)
	if retailerShop != "" {
		acct, err := a.Accounts.Retailer(ctx, retailerShop)
		if err != nil {
			return models.Partnership{}, err
		}
		q = q.Where("retailer_id = ?", acct.ID)
	}
	var ps []models.Partnership
	if err := q.Order("id").Limit(2).Find(&ps).Error; err != nil {
		return models.Partnership{}, fmt.Errorf("find partnerships of supplier %d: %w", supplierID, err)
	}
	switch len(ps) {
	case 0:
		return models.Partnership{}, fmt.Errorf("supplier %d has no retailer: %w", supplierID, models.ErrNotFound)
	case 1:
		return ps[0], nil
	}
	return models.Partnership{}, &models.ValidationError{Message: fmt.Sprintf("supplier %d works for several retailers: name one with --retailer SHOP", supplierID)}
}

// parseColumns reads "field:Header,field" into a column template.
func parseColumns(s string) ([]channels.Column, error) {
	var cols []channels.Column
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		field, header, _ := strings.Cut(part, ":")
		cols = append(cols, channels.Column{Field: strings.TrimSpace(field), Header: strings.TrimSpace(header)})
	}
	if len(cols) == 0 {
		return nil, errors.New("--csv-columns names no column")
	}
	return cols, nil
}

// ediCmd parses X12 files and shows the 850 Consign would send.
func (c *cli) ediCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: consign edi parse FILE | consign edi render PO_ID")
	}
	switch args[0] {
	case "parse":
		return c.ediParse(args[1:])
	case "render":
		return c.ediRender(ctx, args[1:])
	}
	return fmt.Errorf("unknown edi command %q: want parse or render", args[0])
}

// ediParse prints a file's interchanges as one JSON object; a malformed
// file is an error naming the segment and the reason.
func (c *cli) ediParse(args []string) error {
	fs := newFlags("edi parse", c.stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: consign edi parse FILE")
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	f, err := x12.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(x12.Report(f))
}

// ediRender prints the 850 Consign would send for a PO now, with the
// partner's next control numbers, which it does not take.
func (c *cli) ediRender(ctx context.Context, args []string) error {
	fs := newFlags("edi render", c.stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: consign edi render PO_ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("PO_ID %q is not a purchase order id", pos[0])
	}
	a, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	po, err := a.Channels.LoadPO(ctx, id)
	if err != nil {
		return err
	}
	p, err := partnershipOf(ctx, a, po.SupplierID, "")
	if err != nil {
		return err
	}
	partner, err := a.Channels.Partner(ctx, p.ID)
	if err != nil {
		return err
	}
	var out []channels.Outbound
	errDry := errors.New("dry run")
	err = a.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if out, err = (&edi.Edge{Now: a.Purchasing.Now}).Render(ctx, tx, partner, po, "po"); err != nil {
			return err
		}
		return errDry // the control numbers stay untaken
	})
	if !errors.Is(err, errDry) {
		return err
	}
	_, err = c.stdout.Write(out[0].Body)
	return err
}
