package channels

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/consign/consign/app/sftp"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
)

// Settings are a partnership's channel settings, stored as JSON on the
// partnership. Only the part of the chosen channel matters; the others are
// kept, so switching back restores them.
type Settings struct {
	Email EmailSettings `json:"email,omitzero"`
	SFTP  SFTPSettings  `json:"sftp,omitzero"`
	CSV   CSVSettings   `json:"csv,omitzero"`
	EDI   EDISettings   `json:"edi,omitzero"`
}

// EmailSettings: where POs are mailed.
type EmailSettings struct {
	// To is the supplier's order desk; empty means the supplier's account
	// email.
	To string `json:"to,omitempty"`
}

// SFTPSettings: the supplier's (or its VAN's) SFTP server, for the sftp
// and edi channels. The password or key is a Secret.
type SFTPSettings struct {
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
	User string `json:"user,omitempty"`
	// Fingerprint pins the server's host key ("SHA256:...", as ssh-keygen
	// -lf prints it): a server presenting another key is refused.
	Fingerprint string `json:"fingerprint,omitempty"`
	Outbound    string `json:"outbound,omitempty"` // where Consign writes POs (default /outbound)
	Inbound     string `json:"inbound,omitempty"`  // where the supplier leaves answers (default /inbound)
	Archive     string `json:"archive,omitempty"`  // where read files go (default /archive)
	// PollMinutes is how often the inbound folder is read (default 5).
	PollMinutes int `json:"poll_minutes,omitempty"`
}

// CSVSettings: the files of the sftp channel.
type CSVSettings struct {
	// Columns of the PO file, in order; empty means DefaultPOColumns.
	Columns []Column `json:"columns,omitempty"`
	// Batch writes one file per delivery run with every PO since the last
	// one, instead of one file per PO.
	Batch bool `json:"batch,omitempty"`
}

// Column is one column of a PO file: which field, under which header.
type Column struct {
	Field  string `json:"field"`
	Header string `json:"header,omitempty"` // default: the field's name
}

// EDISettings: the trading partner's X12 identities and conventions.
type EDISettings struct {
	SenderQualifier   string `json:"sender_qualifier,omitempty"` // ISA05 (default ZZ)
	SenderID          string `json:"sender_id,omitempty"`        // ISA06: Consign's id with this partner
	ReceiverQualifier string `json:"receiver_qualifier,omitempty"`
	ReceiverID        string `json:"receiver_id,omitempty"`
	GroupSenderID     string `json:"group_sender_id,omitempty"` // GS02 (default SenderID)
	GroupReceiverID   string `json:"group_receiver_id,omitempty"`
	Version           string `json:"version,omitempty"` // 004010 (default) or 005010
	Usage             string `json:"usage,omitempty"`   // P (default) or T
	// Delimiters, one character each; empty means * > ^ ~.
	Element    string `json:"element,omitempty"`
	Component  string `json:"component,omitempty"`
	Repetition string `json:"repetition,omitempty"`
	Segment    string `json:"segment,omitempty"`
	// AckHours is how long an 850 may go without a 997 before its PO is
	// flagged (default 24).
	AckHours int `json:"ack_hours,omitempty"`
}

// Secrets are a channel's credentials, sealed at rest like store tokens.
type Secrets struct {
	Password   string `json:"password,omitempty"`
	PrivateKey string `json:"private_key,omitempty"` // PEM
	Passphrase string `json:"passphrase,omitempty"`
}

// Empty reports whether no credential is set.
func (s Secrets) Empty() bool { return s.Password == "" && s.PrivateKey == "" }

// ParseSettings reads a partnership's settings column.
func ParseSettings(raw string) (Settings, error) {
	var s Settings
	if strings.TrimSpace(raw) == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, fmt.Errorf("channel settings: %w", err)
	}
	return s, nil
}

// Fields of a PO file (CSVSettings.Columns), one row per PO line.
var POFields = []string{
	"po_number", "order", "created_at", "retailer",
	"ship_to_name", "ship_to_company", "ship_to_address1", "ship_to_address2", "ship_to_city",
	"ship_to_province", "ship_to_zip", "ship_to_country", "ship_to_phone",
	"line", "sku", "gtin", "title", "quantity", "unit_cost", "currency",
}

// DefaultPOColumns are the columns of a PO file when the partnership names none.
func DefaultPOColumns() []Column {
	cols := make([]Column, len(POFields))
	for i, f := range POFields {
		cols[i] = Column{Field: f, Header: f}
	}
	return cols
}

// POColumns are the PO file's columns: the template, or the default.
func (c CSVSettings) POColumns() []Column {
	if len(c.Columns) == 0 {
		return DefaultPOColumns()
	}
	out := make([]Column, len(c.Columns))
	for i, col := range c.Columns {
		if col.Header == "" {
			col.Header = col.Field
		}
		out[i] = col
	}
	return out
}

// Folders are the SFTP folders, with their defaults.
func (s SFTPSettings) Folders() (outbound, inbound, archive string) {
	outbound, inbound, archive = s.Outbound, s.Inbound, s.Archive
	if outbound == "" {
		outbound = "/outbound"
	}
	if inbound == "" {
		inbound = "/inbound"
	}
	if archive == "" {
		archive = "/archive"
	}
	return outbound, inbound, archive
}

// Transport is the SFTP client configuration of these settings.
func (s SFTPSettings) Transport(secrets Secrets) sftp.Folders {
	out, in, arch := s.Folders()
	return sftp.Folders{
		Config: sftp.Config{Host: s.Host, Port: s.Port, User: s.User, Password: secrets.Password,
			PrivateKey: []byte(secrets.PrivateKey), Passphrase: secrets.Passphrase, HostKeyFingerprint: s.Fingerprint},
		Outbound: out, Inbound: in, Archive: arch,
	}
}

// Delimiters are the partner's X12 delimiters.
func (e EDISettings) Delimiters() x12.Delimiters {
	d := x12.DefaultDelimiters()
	for _, c := range []struct {
		set string
		dst *byte
	}{{e.Element, &d.Element}, {e.Component, &d.Component}, {e.Repetition, &d.Repetition}, {e.Segment, &d.Segment}} {
		if v := unescapeDelimiter(c.set); v != "" {
			*c.dst = v[0]
		}
	}
	return d
}

// unescapeDelimiter lets a newline terminator be typed as \n.
func unescapeDelimiter(s string) string {
	switch s {
	case `\n`:
		return "\n"
	case `\r`:
		return "\r"
	}
	return s
}

// AckDeadlineHours is AckHours with its default.
func (e EDISettings) AckDeadlineHours() int {
	if e.AckHours > 0 {
		return e.AckHours
	}
	return 24
}

// Envelope is the X12 envelope of an interchange to this partner.
func (e EDISettings) Envelope(test bool) x12.Envelope {
	env := x12.Envelope{
		SenderQualifier: e.SenderQualifier, SenderID: e.SenderID,
		ReceiverQualifier: e.ReceiverQualifier, ReceiverID: e.ReceiverID,
		GroupSenderID: e.GroupSenderID, GroupReceiverID: e.GroupReceiverID,
		Version: e.Version, Usage: e.Usage, Delimiters: e.Delimiters(), LineBreaks: true,
	}
	if env.SenderQualifier == "" {
		env.SenderQualifier = "ZZ"
	}
	if env.ReceiverQualifier == "" {
		env.ReceiverQualifier = "ZZ"
	}
	if env.Version == "" {
		env.Version = "004010"
	}
	if env.Usage == "" {
		env.Usage = "P"
	}
	if test {
		env.Usage = "T"
	}
	if env.Delimiters.Segment == '\n' {
		env.LineBreaks = false
	}
	return env
}

// Validate checks the settings a channel needs, field by field.
func (s Settings) Validate(channel string, secrets Secrets) map[string]string {
	problems := map[string]string{}
	switch channel {
	case models.ChannelEmail:
		if s.Email.To != "" {
			if _, err := mail.ParseAddress(s.Email.To); err != nil {
				problems["email.to"] = "not an email address"
			}
		}
	case models.ChannelSFTP, models.ChannelEDI:
		s.SFTP.validate(secrets, problems)
		for _, col := range s.CSV.Columns {
			if !slices.Contains(POFields, col.Field) {
				problems["csv.columns"] = fmt.Sprintf("unknown field %q: fields are %s", col.Field, strings.Join(POFields, ", "))
			}
		}
		if channel == models.ChannelEDI {
			s.EDI.validate(problems)
		}
	case models.ChannelPortal, models.ChannelStore:
	default:
		problems["channel"] = fmt.Sprintf("unknown channel %q: want one of %s", channel, strings.Join(models.Channels, ", "))
	}
	return problems
}

func (s SFTPSettings) validate(secrets Secrets, problems map[string]string) {
	cfg := s.Transport(secrets)
	if s.Host == "" {
		problems["sftp.host"] = "required"
	}
	if s.User == "" {
		problems["sftp.user"] = "required"
	}
	if secrets.Empty() {
		problems["sftp.password"] = "a password or a private key is required"
	}
	if s.Fingerprint == "" {
		problems["sftp.fingerprint"] = "required: the server's host key fingerprint, SHA256:..."
	}
	if s.Port < 0 || s.Port > 65535 {
		problems["sftp.port"] = "not a port number"
	}
	if err := cfg.Config.Validate(); err != nil && len(problems) == 0 {
		problems["sftp"] = err.Error()
	}
	for name, dir := range map[string]string{"sftp.outbound": cfg.Outbound, "sftp.inbound": cfg.Inbound, "sftp.archive": cfg.Archive} {
		if strings.ContainsAny(dir, "\r\n\x00") {
			problems[name] = "not a folder"
		}
	}
	if cfg.Inbound == cfg.Archive {
		problems["sftp.archive"] = "must differ from the inbound folder"
	}
	if s.PollMinutes < 0 {
		problems["sftp.poll_minutes"] = "must be positive"
	}
}

func (e EDISettings) validate(problems map[string]string) {
	if e.SenderID == "" {
		problems["edi.sender_id"] = "required: Consign's id with this partner (ISA06)"
	}
	if e.ReceiverID == "" {
		problems["edi.receiver_id"] = "required: the partner's id (ISA08)"
	}
	for name, v := range map[string]string{"edi.sender_id": e.SenderID, "edi.receiver_id": e.ReceiverID} {
		if len(v) > 15 {
			problems[name] = "at most 15 characters"
		}
	}
	switch e.Version {
	case "", "004010", "005010":
	default:
		problems["edi.version"] = "004010 or 005010"
	}
	switch e.Usage {
	case "", "P", "T":
	default:
		problems["edi.usage"] = "P (production) or T (test)"
	}
	for name, v := range map[string]string{"edi.element": e.Element, "edi.component": e.Component,
		"edi.repetition": e.Repetition, "edi.segment": e.Segment} {
		if len(unescapeDelimiter(v)) > 1 {
			problems[name] = "one character"
		}
	}
	d := e.Delimiters()
	if d.Element == d.Component || d.Element == d.Segment || d.Component == d.Segment ||
		(d.Repetition != 0 && (d.Repetition == d.Element || d.Repetition == d.Segment || d.Repetition == d.Component)) {
		problems["edi.element"] = "the delimiters must all differ"
	}
	if e.AckHours < 0 {
		problems["edi.ack_hours"] = "must be positive"
	}
}
