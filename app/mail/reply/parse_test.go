package reply

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 60 {
		out.WriteString(s[:60] + "\n")
		s = s[60:]
	}
	return out.String() + s
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t *testing.T, raw []byte) *Reply {
	t.Helper()
	r, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// gmailReply is the shape of a Gmail reply: multipart/alternative with a
// quoted-printable plain part and an HTML part holding a gmail_quote.
const gmailReply = `From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@acme.example>
Date: Wed, 4 Mar 2026 09:12:00 +0100
Message-ID: <CAB123=abc@mail.gmail.com>
In-Reply-To: <po-123.abc@consign.example>
References: <root@consign.example>
 <po-123.abc@consign.example>
Subject: =?UTF-8?B?UmU6IEJlc3RlbGx1bmcgUE8tMTIzIOKAkyBiaXR0ZSBiZXN0w6R0aWdlbg==?=
To: Consign Orders <po-123+k3y@replies.consign.example>
Cc: "Lager, Team" <lager@acme.example>, backup@acme.example
Content-Type: multipart/alternative; boundary="000000000000abc"

--000000000000abc
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Best=C3=A4tigt, Versand morgen.

On Tue, Mar 3, 2026 at 10:00=E2=80=AFAM Consign Orders <orders@consign.exampl=
e> wrote:

> Purchase order PO-123. Reply accept or reject.
>

--000000000000abc
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Best=C3=A4tigt, Versand morgen.</div><br><div class=3D"gm=
ail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On Tue, Mar 3, 2026 at 10:=
00 AM Consign Orders wrote:<br></div><blockquote class=3D"gmail_quote">Purc=
hase order PO-123. Reply accept or reject.</blockquote></div>

--000000000000abc--
`

func TestParseGmailReply(t *testing.T) {
	r := mustParse(t, crlf(gmailReply))
	if r.From != "juergen@acme.example" {
		t.Errorf("From = %q", r.From)
	}
	if strings.Join(r.To, ",") != "po-123+k3y@replies.consign.example,lager@acme.example,backup@acme.example" {
		t.Errorf("To = %q", r.To)
	}
	if r.Subject != "Re: Bestellung PO-123 – bitte bestätigen" {
		t.Errorf("Subject = %q", r.Subject)
	}
	if r.MessageID != "CAB123=abc@mail.gmail.com" || r.InReplyTo != "po-123.abc@consign.example" ||
		strings.Join(r.References, " ") != "root@consign.example po-123.abc@consign.example" {
		t.Errorf("ids = %q %q %q", r.MessageID, r.InReplyTo, r.References)
	}
	if r.Text != "Bestätigt, Versand morgen." {
		t.Errorf("Text = %q", r.Text)
	}
	if !strings.Contains(r.FullText, "> Purchase order PO-123") {
		t.Errorf("FullText lost the quote: %q", r.FullText)
	}
	if r.Intent != IntentAccept {
		t.Errorf("Intent = %s %q", r.Intent, r.Unclear)
	}
	if len(r.Attachments) != 0 {
		t.Errorf("attachments = %v", r.Attachments)
	}
}

func TestParseHTMLOnly(t *testing.T) {
	tests := []struct {
		name, html, text, full string
		intent                 Intent
	}{
		{
			"gmail quote",
			`<html><head><style>p{color:red}</style><title>x</title></head><body><div dir="ltr">Accepted&nbsp;&amp; packed.<br>Tracking:&nbsp;1Z 999 AA1 01 2345 6784</div><div class="gmail_quote gmail_quote_container"><div class="gmail_attr">On Tue, Consign wrote:</div><blockquote type="cite">Reply <b>accept</b> or reject<div>nested</div></blockquote></div></body></html>`,
			"Accepted & packed.\nTracking: 1Z 999 AA1 01 2345 6784",
			"Accepted & packed.\nTracking: 1Z 999 AA1 01 2345 6784\nOn Tue, Consign wrote:\nReply accept or reject\nnested",
			IntentShip,
		},
		{
			"outlook divRplyFwdMsg",
			`<div><p class="MsoNormal">Rejected: price changed<o:p></o:p></p></div><div id="appendonsend"></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Consign Orders<br><b>Sent:</b> Tuesday<br><b>Subject:</b> PO-123</font></div><div>Reply accept or reject</div>`,
			"Rejected: price changed",
			"Rejected: price changed\nFrom: Consign Orders\nSent: Tuesday\nSubject: PO-123\nReply accept or reject",
			IntentReject,
		},
		{
			"thunderbird and paragraphs",
			`<p>Confirmed.</p><p>We ship Monday&#8230; &lt;promise&gt;</p><div class="moz-cite-prefix">On 3/3/26 Consign wrote:<br></div><blockquote type="cite" cite="mid:x">Reply accept</blockquote><pre>keep   spacing</pre>`,
			"Confirmed.\nWe ship Monday… <promise>\nkeep   spacing",
			"Confirmed.\nWe ship Monday… <promise>\nOn 3/3/26 Consign wrote:\nReply accept\nkeep   spacing",
			IntentAccept,
		},
		{
			"broken markup",
			`Accept <b>this <i>order</b> a < b <!-- a comment --> <script>if (a<b) {}</script>tail <div class='x`,
			"Accept this order a < b tail",
			"Accept this order a < b tail",
			IntentUnclear, // "Accept" is not followed by the end or punctuation

		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := "From: a@acme.example\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + b64([]byte(tt.html)) + "\n"
			r := mustParse(t, crlf(raw))
			if r.Text != tt.text {
				t.Errorf("Text = %q, want %q", r.Text, tt.text)
			}
			if r.FullText != tt.full {
				t.Errorf("FullText = %q, want %q", r.FullText, tt.full)
			}
			if r.Intent != tt.intent {
				t.Errorf("Intent = %s (%q), want %s", r.Intent, r.Unclear, tt.intent)
			}
		})
	}
}

func TestParseCharsets(t *testing.T) {
	tests := []struct {
		name    string
		charset string
		enc     encoding.Encoding
		text    string
		cte     string
	}{
		{"iso-8859-1 base64", "ISO-8859-1", charmap.ISO8859_1, "Bestätigt, Größe 42", "base64"},
		{"latin1 label with windows quotes", "iso-8859-1", charmap.Windows1252, "“Accepted” – 12 €", "8bit"},
		{"windows-1252 quoted-printable", "windows-1252", charmap.Windows1252, "Confirmé, livraison lundi", "quoted-printable"},
		{"iso-2022-jp", "ISO-2022-JP", japanese.ISO2022JP, "ご注文を承りました。", "7bit"},
		{"shift_jis base64", "Shift_JIS", japanese.ShiftJIS, "出荷しました", "base64"},
		{"gb2312", "GB2312", simplifiedchinese.GBK, "订单已确认", "base64"},
		{"gbk", "gbk", simplifiedchinese.GBK, "已发货", "8bit"},
		{"utf-8 label on latin1 bytes", "utf-8", charmap.Windows1252, "Bestätigt", "8bit"},
		{"unknown charset on latin1 bytes", "x-made-up", charmap.Windows1252, "Bestätigt", "8bit"},
		{"no charset", "", charmap.Windows1252, "Bestätigt", "8bit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := encode(t, tt.enc, tt.text)
			switch tt.cte {
			case "base64":
				body = []byte(b64(body))
			case "quoted-printable":
				var qp bytes.Buffer
				for _, c := range body {
					if c >= 0x80 || c == '=' {
						qp.WriteString("=" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
					} else {
						qp.WriteByte(c)
					}
				}
				body = qp.Bytes()
			}
			ctype := "text/plain"
			if tt.charset != "" {
				ctype += "; charset=" + tt.charset
			}
			raw := append(crlf("From: a@acme.example\nContent-Type: "+ctype+"\nContent-Transfer-Encoding: "+tt.cte+"\n\n"), body...)
			r := mustParse(t, raw)
			if r.Text != tt.text {
				t.Errorf("Text = %q, want %q", r.Text, tt.text)
			}
		})
	}
}

func TestParseEncodedHeaders(t *testing.T) {
	jp := encode(t, japanese.ISO2022JP, "注文の確認")
	subject := "=?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString(jp) + "?="
	raw := "From: =?iso-8859-1?q?J=FCrgen?= <j@acme.example>\n" +
		"Subject: Re: " + subject + "\n" +
		"Content-Type: text/plain\n\nAccepted\n"
	r := mustParse(t, crlf(raw))
	if r.Subject != "Re: 注文の確認" {
		t.Errorf("Subject = %q", r.Subject)
	}
	if r.From != "j@acme.example" {
		t.Errorf("From = %q", r.From)
	}

	// Raw 8-bit Latin-1 in a header, and a From that does not parse.
	raw2 := append([]byte("From: Jürgen Müller juergen@acme.example\r\nSubject: Best\xe4tigt\r\n\r\nok\r\n"), nil...)
	r = mustParse(t, raw2)
	if r.Subject != "Bestätigt" || r.From != "juergen@acme.example" {
		t.Errorf("Subject = %q, From = %q", r.Subject, r.From)
	}
}

// nestedReply is multipart/mixed > multipart/related > multipart/alternative
// with an inline logo and two attachments, as Outlook and Apple Mail build.
func nestedReply() []byte {
	csv := []byte("po,tracking\r\nPO-123,1Z5R89390357567127\r\n")
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3, 0xff}
	pdf := bytes.Repeat([]byte{'%', 'P', 'D', 'F', 0}, 40)
	jpName := mime.BEncoding.Encode("utf-8", "請求書.pdf")
	return crlf(`From: Acme <sales@acme.example>
To: po-123@replies.consign.example
Subject: Re: PO-123
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

This is a multi-part message in MIME format.
--mixed
Content-Type: multipart/related; boundary="related"; type="multipart/alternative"

--related
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=us-ascii

Shipped, tracking in the attached CSV.
--alt
Content-Type: text/html; charset=us-ascii

<p>Shipped, tracking in the attached CSV.</p><img src="cid:logo">
--alt--

--related
Content-Type: image/png
Content-ID: <logo>
Content-Disposition: inline
Content-Transfer-Encoding: base64

` + b64(png) + `
--related--

--mixed
Content-Type: text/csv; name="tracking.csv"
Content-Disposition: attachment; filename*=utf-8''Tracking%20%C3%BCbersicht.csv
Content-Transfer-Encoding: base64

` + b64(csv) + `
--mixed
Content-Type: application/pdf; name="` + jpName + `"
Content-Disposition: attachment; filename="` + jpName + `"
Content-Transfer-Encoding: base64

` + b64(pdf) + `
--mixed--
`)
}

func TestParseNestedMultipart(t *testing.T) {
	r := mustParse(t, nestedReply())
	if r.Text != "Shipped, tracking in the attached CSV." {
		t.Errorf("Text = %q", r.Text)
	}
	if r.Intent != IntentUnclear || len(r.Unclear) == 0 {
		t.Errorf("Intent = %s %q; shipped without a tracking number in the text is unclear", r.Intent, r.Unclear)
	}
	want := []Attachment{
		{"", "image/png", []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 3, 0xff}},
		{"Tracking übersicht.csv", "text/csv", []byte("po,tracking\r\nPO-123,1Z5R89390357567127\r\n")},
		{"請求書.pdf", "application/pdf", bytes.Repeat([]byte{'%', 'P', 'D', 'F', 0}, 40)},
	}
	if len(r.Attachments) != len(want) {
		t.Fatalf("%d attachments: %+v", len(r.Attachments), r.Attachments)
	}
	for i, w := range want {
		a := r.Attachments[i]
		if a.Filename != w.Filename || a.ContentType != w.ContentType || !bytes.Equal(a.Data, w.Data) {
			t.Errorf("attachment %d = %q %q %q, want %q %q %q", i, a.Filename, a.ContentType, a.Data, w.Filename, w.ContentType, w.Data)
		}
	}
	if len(r.Tracking) != 0 {
		t.Errorf("tracking read from an attachment: %v", r.Tracking)
	}
}

func TestParseLimits(t *testing.T) {
	if _, err := Parse(make([]byte, MaxSize+1)); err == nil {
		t.Error("oversized input accepted")
	}
	for _, raw := range []string{"", "not a mail message\r\n\r\nbody", " leading space: x\r\n\r\n"} {
		if _, err := Parse([]byte(raw)); err == nil {
			t.Errorf("Parse(%q) succeeded", raw)
		}
	}

	// A thousand levels of multipart nest no deeper than maxDepth and
	// still return quickly.
	var b strings.Builder
	b.WriteString("From: a@acme.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i < 1000; i++ {
		b.WriteString("--b" + itoa(i-1) + "\r\nContent-Type: multipart/mixed; boundary=b" + itoa(i) + "\r\n\r\n")
	}
	b.WriteString("--b999\r\nContent-Type: text/plain\r\n\r\nAccepted\r\n")
	start := time.Now()
	r := mustParse(t, []byte(b.String()))
	if time.Since(start) > 5*time.Second {
		t.Errorf("deep nesting took %v", time.Since(start))
	}
	if r.Intent == IntentAccept {
		t.Error("text beyond the depth limit was read")
	}

	// Many parts are cut off at maxParts.
	b.Reset()
	b.WriteString("From: a@acme.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n")
	for range 5000 {
		b.WriteString("--x\r\nContent-Type: application/octet-stream\r\n\r\nz\r\n")
	}
	b.WriteString("--x--\r\n")
	r = mustParse(t, []byte(b.String()))
	if len(r.Attachments) >= maxParts {
		t.Errorf("%d attachments read", len(r.Attachments))
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestParseMboxLineAndBareLF(t *testing.T) {
	raw := "From sales@acme.example Wed Mar  4 09:12:00 2026\nFrom: sales@acme.example\nSubject: x\n\nReject: price\n"
	r := mustParse(t, []byte(raw))
	if r.From != "sales@acme.example" || r.Intent != IntentReject || r.Reason != "price" {
		t.Errorf("got %q %s %q", r.From, r.Intent, r.Reason)
	}
}

func TestDecodeQuotedPrintableLenient(t *testing.T) {
	got := string(decodeQuotedPrintable([]byte("a=3Db = c=\r\nd=ZZ  \r\ne=\n")))
	if want := "a=b = cd=ZZ\r\ne"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestParseFlowedAndLenientContentType(t *testing.T) {
	raw := "From: a@acme.example\n" +
		"Content-Type: multipart/alternative; boundary=----=_Part_77_1.2; charset=utf-8\n\n" +
		"------=_Part_77_1.2\n" +
		"Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes; ; \n\n" +
		"Sorry, we cannot ful \nfil this order: the warehouse is closed until  \nMonday.\n" +
		"------=_Part_77_1.2--\n"
	r := mustParse(t, crlf(raw))
	if r.Text != "Sorry, we cannot fulfil this order: the warehouse is closed until Monday." {
		t.Errorf("Text = %q", r.Text)
	}
	if r.Intent != IntentReject || r.Reason != "the warehouse is closed until Monday" {
		t.Errorf("got %s %q", r.Intent, r.Reason)
	}
}
