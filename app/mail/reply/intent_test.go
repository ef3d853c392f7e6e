package reply

import (
	"fmt"
	"strings"
	"testing"
)

// plain wraps a body in a minimal text/plain reply.
func plain(body string) []byte {
	return []byte("From: Acme Sales <sales@acme.example>\r\n" +
		"To: po-123+k3y@replies.consign.example\r\n" +
		"Subject: Re: Purchase order PO-123 - please accept or reject\r\n" +
		"Message-ID: <reply-1@acme.example>\r\n" +
		"In-Reply-To: <po-123.abc@consign.example>\r\n" +
		"References: <po-123.abc@consign.example>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n"))
}

// gmailQuote is Consign's own PO mail as a Gmail reply quotes it. It says
// "accept" and "reject" itself, so a reply whose quote survives stripping
// would read as unclear.
const gmailQuote = `

On Tue, Mar 3, 2026 at 10:00 AM Consign Orders <orders@consign.example>
wrote:

> Purchase order PO-123
>
> Reply "accept", "reject: <reason>" or with tracking numbers.
> 2 x Blue Mug (SKU MUG-BL) - ship to Jane Doe, 90210
>
`

const outlookQuote = `

________________________________
From: Consign Orders <orders@consign.example>
Sent: Tuesday, March 3, 2026 10:00 AM
To: Acme Sales <sales@acme.example>
Subject: Purchase order PO-123

Purchase order PO-123
Reply "accept", "reject: <reason>" or with tracking numbers.
`

const originalMessageQuote = `

-----Original Message-----
From: Consign Orders [mailto:orders@consign.example]
Sent: Tuesday, March 3, 2026 10:00 AM
Subject: Purchase order PO-123

Reply accept or reject. Out of stock? Say so.
`

type intentCase struct {
	name     string
	body     string
	intent   Intent
	reason   string
	tracking string // "Carrier:Number, ..."
}

// intentCases are replies as suppliers write them. They seed FuzzParse too.
var intentCases = []intentCase{
	// Accepts.
	{"bare accepted", "Accepted", IntentAccept, "", ""},
	{"bare accept lower case", "accept", IntentAccept, "", ""},
	{"shouted", "ACCEPTED!!!", IntentAccept, "", ""},
	{"confirmed with plan", "Confirmed, will ship Monday." + gmailQuote, IntentAccept, "", ""},
	{"greeting and we accept", "Hi Consign,\n\nWe accept this order.\n\nThanks,\nBob" + gmailQuote, IntentAccept, "", ""},
	{"ok we will ship", "OK, we will ship tomorrow.", IntentAccept, "", ""},
	{"yes confirmed", "Yes, confirmed!", IntentAccept, "", ""},
	{"po number confirmed", "PO-123 confirmed. Thank you", IntentAccept, "", ""},
	{"order confirmed dash", "Order confirmed - shipping this week." + outlookQuote, IntentAccept, "", ""},
	{"thanks then accepted", "Thanks for the order! Accepted.", IntentAccept, "", ""},
	{"short line after small talk", "Thanks for thinking of us again.\nAccepted\n\nBest,\nMaria" + originalMessageQuote, IntentAccept, "", ""},
	{"mobile footer and wrapped attribution", "Accept\n\nSent from my iPhone" + gmailQuote, IntentAccept, "", ""},
	{"german", "Akzeptiert, Versand morgen.\n\nAm 03.03.2026 um 10:00 schrieb Consign Orders <orders@consign.example>:\n> Bitte antworten Sie mit accept oder reject.", IntentAccept, "", ""},
	{"french", "Bonjour,\n\nCommande acceptée.\n\nCordialement\n\nLe mar. 3 mars 2026 à 10:00, Consign <orders@consign.example> a écrit :\n> Répondez accept ou reject.", IntentAccept, "", ""},
	{"spanish", "Pedido confirmado.\n\nEl mar, 3 mar 2026 a las 10:00, Consign (<orders@consign.example>) escribió:\n> Responda accept o reject.", IntentAccept, "", ""},
	{"dutch bottom posted", "Op di 3 mrt. 2026 om 10:00 schreef Consign <orders@consign.example>:\n> Antwoord accept of reject.\n\nAkkoord, we versturen vandaag.", IntentAccept, "", ""},
	{"accepted with our order number", "Accepted. Our order number is 986578788855.", IntentAccept, "", ""},
	{"signature with phone", "Confirmed.\n\n-- \nBob Smith | Acme\nTel +1 331 881 0025\nDHL account 3318810025", IntentAccept, "", ""},

	// Rejects.
	{"reject colon reason", "Reject: out of stock", IntentReject, "out of stock", ""},
	{"rejected dash reason", "Rejected - item discontinued." + gmailQuote, IntentReject, "item discontinued", ""},
	{"cannot fulfil reason next sentence", "Sorry, we cannot fulfil this order. The manufacturer stopped making it.", IntentReject, "The manufacturer stopped making it", ""},
	{"out of stock sentence", "Hello,\nUnfortunately the item is out of stock until June.\nRegards", IntentReject, "out of stock until June", ""},
	{"decline because", "We have to decline this order because the shipping address is a P.O. box.", IntentReject, "the shipping address is a PO box", ""},
	{"reject with negated ship agrees", "Rejected - we do not ship to Alaska.", IntentReject, "we do not ship to Alaska", ""},
	{"hard wrapped reject", "Sorry, we have to decline this order because the item has been\ndiscontinued by the manufacturer.\nBest,\nAnna", IntentReject, "the item has been discontinued by the manufacturer", ""},
	{"reject bare with reason below", "Rejected.\n\nPrice changed, new quote attached.", IntentReject, "Price changed, new quote attached", ""},
	{"german reject", "Abgelehnt: Artikel nicht mehr lieferbar.", IntentReject, "Artikel nicht mehr lieferbar", ""},
	{"french reject", "Désolé, rupture de stock.", IntentReject, "rupture de stock", ""},
	{"spanish reject", "Rechazado: sin stock" + gmailQuote, IntentReject, "sin stock", ""},
	{"dutch reject", "Helaas uitverkocht.", IntentReject, "uitverkocht", ""},

	// Shipments.
	{"ups spaced", "Shipped today via UPS 1Z 999 AA1 01 2345 6784" + gmailQuote, IntentShip, "", "UPS:1Z999AA10123456784"},
	{"tracking label", "Tracking: 1Z5R89390357567127", IntentShip, "", "UPS:1Z5R89390357567127"},
	{"usps spaced", "Your order has shipped.\nUSPS 9400 1112 0108 0805 4830 16", IntentShip, "", "USPS:9400111201080805483016"},
	{"fedex", "Your order has shipped with FedEx, tracking 986578788855.", IntentShip, "", "FedEx:986578788855"},
	{"dhl", "DHL 3318810025", IntentShip, "", "DHL:3318810025"},
	{"two boxes", "Two boxes:\n1Z5R89390357567127\n1Z879E930346834440\n1Z5R89390357567127 (same as first)", IntentShip, "", "UPS:1Z5R89390357567127, UPS:1Z879E930346834440"},
	{"accepted and shipped", "Accepted and shipped: 1Z5R89390357567127", IntentShip, "", "UPS:1Z5R89390357567127"},
	{"s10 international", "Versendet mit Deutscher Post / USPS: EA123456785US", IntentShip, "", "USPS:EA123456785US"},

	// Unclear: negations.
	{"cannot accept", "We cannot accept this order.", IntentUnclear, "", ""},
	{"not accepted", "Not accepted.", IntentUnclear, "", ""},
	{"dont ship", "Please don't ship yet, the customer called us.", IntentUnclear, "", ""},
	{"cannot accept out of stock", "Cannot accept, out of stock.", IntentUnclear, "", ""},
	{"wont be able to ship", "We won't be able to ship this order.", IntentUnclear, "", ""},
	{"german trailing nicht", "Wir akzeptieren die Bestellung nicht.", IntentUnclear, "", ""},
	{"french ne pas", "Nous ne pouvons pas accepter cette commande.", IntentUnclear, "", ""},
	{"french n'", "Nous n'acceptons pas les commandes avec PO box.", IntentUnclear, "", ""},
	{"spanish no podemos", "No podemos enviar este pedido.", IntentUnclear, "", ""},
	{"shipped but something missing", "Shipped: 1Z5R89390357567127\nUnfortunately the red mug was not in the box.", IntentUnclear, "", "UPS:1Z5R89390357567127"},
	{"sorry for the delay then tracking", "Sorry for the delay! Tracking: 1Z5R89390357567127", IntentShip, "", "UPS:1Z5R89390357567127"},
	{"not shipped yet with tracking", "Not shipped yet, label created: 1Z5R89390357567127", IntentUnclear, "", "UPS:1Z5R89390357567127"},

	// Unclear: conflicts and qualifiers.
	{"accepted but partial", "Accepted, but we can only ship 2 of the 3 units.", IntentUnclear, "", ""},
	{"accepted then caveat", "Accepted. However the blue mug is on backorder.", IntentUnclear, "", ""},
	{"accept and reject", "Accepted. Reject the second line though, it is out of stock.", IntentUnclear, "", ""},
	{"will ship once paid", "We will ship once payment is received.", IntentUnclear, "", ""},
	{"reject with tracking", "Rejected, but here is a label anyway 1Z5R89390357567127", IntentUnclear, "", "UPS:1Z5R89390357567127"},
	{"question about stock then accepted", "Out of stock? No, we have plenty. Accepted.", IntentUnclear, "", ""},
	{"bad check digit", "Tracking 1Z999AA10123456780", IntentUnclear, "", ""},
	{"shipped without tracking", "Shipped yesterday.", IntentUnclear, "", ""},
	{"accept in a question", "Accept? We need to check with the warehouse first.", IntentUnclear, "", ""},
	{"accept returns policy", "We accept returns within 30 days.", IntentUnclear, "", ""},
	{"stock mention only", "Hi, 1003-1 is out of stock, the rest is fine.", IntentUnclear, "", ""},

	// Nothing to act on.
	{"question about address", "Can you confirm the shipping address?", IntentNone, "", ""},
	{"acknowledgement", "Thanks, we received the PO and will get back to you." + outlookQuote, IntentNone, "", ""},
	{"confirm receipt", "I confirm receipt of your order and will revert shortly.", IntentNone, "", ""},
	{"bare ok", "OK", IntentNone, "", ""},
	{"phone number and order number", "Please call me at 331-881-0025 or +1 (331) 881 0025 about order #1003-1 from 2026-03-03, ZIP 90210.", IntentNone, "", ""},
	{"only quoted history", "> Reply accept or reject\n> 1Z5R89390357567127" + gmailQuote, IntentNone, "", ""},
	{"empty", "", IntentNone, "", ""},
}

func TestIntent(t *testing.T) {
	if len(intentCases) < 40 {
		t.Fatalf("only %d cases", len(intentCases))
	}
	for _, tc := range intentCases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Parse(plain(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var tracking []string
			for _, tr := range r.Tracking {
				tracking = append(tracking, tr.Carrier+":"+tr.Number)
			}
			if r.Intent != tc.intent || r.Reason != tc.reason || strings.Join(tracking, ", ") != tc.tracking {
				t.Errorf("got %s %q %v, want %s %q %q\nText: %q\nUnclear: %q",
					r.Intent, r.Reason, tracking, tc.intent, tc.reason, tc.tracking, r.Text, r.Unclear)
			}
			clear := r.Intent == IntentAccept || r.Intent == IntentReject || r.Intent == IntentShip
			if clear == (len(r.Unclear) > 0) {
				t.Errorf("intent %s with Unclear %q", r.Intent, r.Unclear)
			}
			if strings.Contains(r.Text, "Reply") || strings.Contains(r.Text, "wrote") {
				t.Errorf("quoted history left in Text: %q", r.Text)
			}
		})
	}
}

func TestStripQuoted(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"gmail top post", "Accepted, thanks." + gmailQuote, "Accepted, thanks."},
		{"outlook separator", "Accepted." + outlookQuote, "Accepted."},
		{"original message", "Rejected." + originalMessageQuote, "Rejected."},
		{"outlook header without separator", "Fine by us.\n\nFrom: Consign Orders <orders@consign.example>\nSent: Tuesday, March 3, 2026\nTo: Acme\nSubject: PO-123\n\nold text", "Fine by us."},
		{"german outlook header", "Passt.\n\nVon: Consign Orders\nGesendet: Dienstag, 3. März 2026 10:00\nAn: Acme\nBetreff: PO-123\n\nalt", "Passt."},
		{"french outlook header", "D'accord.\n\nDe : Consign Orders\nEnvoyé : mardi 3 mars 2026 10:00\nÀ : Acme\nObjet : PO-123\n\nancien", "D'accord."},
		{"interleaved", "> Can you ship by Friday?\nYes.\n> And the red one?\nNo, out of stock.", "Yes.\nNo, out of stock."},
		{"bottom post", "On Tue, Mar 3, 2026, Consign wrote:\n> PO-123\n> please answer\n\nAccepted.", "Accepted."},
		{"attribution without quote marks", "Ok.\n\nOn 3 Mar 2026, at 10:00, Consign <orders@consign.example> wrote:\n\nPurchase order PO-123", "Ok."},
		{"bare name wrote", "Sure.\n\nConsign Orders wrote:\n> PO-123", "Sure."},
		{"forwarded", "See below.\n\nBegin forwarded message:\n\nFrom: x", "See below."},
		{"gmail forward", "FYI\n\n---------- Forwarded message ---------\nFrom: x", "FYI"},
		{"signature", "Accepted.\n-- \nBob\nAcme Inc.", "Accepted."},
		{"mobile footers", "Accepted\n\nSent from my iPhone\nGet Outlook for Android\nVon meinem iPhone gesendet", "Accepted"},
		{"underscores", "Ok\n______________________________\nanything", "Ok"},
		{"text mentioning wrote is kept", "Our driver wrote the wrong address on it.", "Our driver wrote the wrong address on it."},
		{"dash line is not a signature", "Items:\n--- two boxes ---\nAccepted", "Items:\n--- two boxes ---\nAccepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stripQuoted(tt.in); got != tt.want {
				t.Errorf("stripQuoted = %q, want %q", got, tt.want)
			}
		})
	}
}

func ExampleParse() {
	r, err := Parse([]byte("From: Acme <sales@acme.example>\r\n" +
		"Subject: Re: PO-123\r\n" +
		"In-Reply-To: <po-123.abc@consign.example>\r\n\r\n" +
		"Reject: out of stock\r\n\r\n" +
		"On Tue, Mar 3, 2026 at 10:00 AM Consign <orders@consign.example> wrote:\r\n" +
		"> Reply accept or reject.\r\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println(r.From, r.InReplyTo, r.Intent, r.Reason)
	// Output: sales@acme.example po-123.abc@consign.example reject out of stock
}
