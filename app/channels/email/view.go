package email

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/csvsafe"
	"github.com/consign/consign/app/money"
)

// view is what a PO mail shows, in text, in HTML and in its CSV file.
type view struct {
	Subject   string
	Supplier  string
	Retailer  string
	Number    string
	Order     string
	Currency  string
	ShipTo    []string // address lines
	Lines     []lineView
	Total     string
	Link      string
	ReplyTo   string
	FileName  string
	Cancelled bool

	po channels.PO
}

type lineView struct {
	N        int
	SKU      string
	GTIN     string
	Title    string
	Quantity int
	Unit     string
	Total    string
}

func newView(p channels.Partner, po channels.PO) view {
	v := view{Subject: subject(p, po), Supplier: p.Supplier.Name, Retailer: p.Retailer.Name, Number: po.Number,
		Order: po.OrderName, Currency: po.Currency, ShipTo: addressLines(po), FileName: fileName(po), po: po}
	var total money.Amount
	for i, l := range po.Lines {
		sum := l.Cost * money.Amount(l.Quantity)
		total += sum
		v.Lines = append(v.Lines, lineView{N: i + 1, SKU: l.SKU, GTIN: po.GTINs[l.ID], Title: l.Title, Quantity: l.Quantity,
			Unit: l.Cost.Format(po.Currency), Total: sum.Format(po.Currency)})
	}
	v.Total = total.Format(po.Currency)
	return v
}

func addressLines(po channels.PO) []string {
	a := po.ShipTo
	city := strings.Join(nonEmpty(a.City, first(a.ProvinceCode, a.Province), a.Zip), " ")
	return nonEmpty(a.Name, a.Company, a.Address1, a.Address2, city, first(a.Country, a.CountryCode), a.Phone)
}

// text is the plain-text part.
func (v view) text() string {
	var b strings.Builder
	if v.Cancelled {
		fmt.Fprintf(&b, "Purchase order %s is CANCELLED. Do not ship it.\n\n", v.Number)
		fmt.Fprintf(&b, "%s withdrew this purchase order", v.Retailer)
		if v.Order != "" {
			fmt.Fprintf(&b, " (their order %s)", v.Order)
		}
		b.WriteString(". If it has shipped already, reply to this email with the tracking number.\n\nIt listed:\n\n")
	} else {
		fmt.Fprintf(&b, "Hello %s,\n\n%s sends you purchase order %s", v.Supplier, v.Retailer, v.Number)
		if v.Order != "" {
			fmt.Fprintf(&b, " for their order %s", v.Order)
		}
		b.WriteString(".\n\n")
	}
	b.WriteString("Ship to:\n")
	for _, l := range v.ShipTo {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	b.WriteString("\nLines:\n")
	for _, l := range v.Lines {
		fmt.Fprintf(&b, "  %d. SKU %s - %s - %d x %s = %s %s\n", l.N, l.SKU, l.Title, l.Quantity, l.Unit, l.Total, v.Currency)
	}
	fmt.Fprintf(&b, "\nTotal: %s %s\n", v.Total, v.Currency)
	if v.Cancelled {
		return b.String()
	}
	if v.Link != "" {
		fmt.Fprintf(&b, "\nOpen this purchase order in Consign (no sign-in needed; the link expires):\n%s\n", v.Link)
	}
	fmt.Fprintf(&b, `
To answer, reply to this email, above the quoted message:
  - "accept" to accept the whole order;
  - "reject: <reason>" to decline it, for example "reject: out of stock";
  - once shipped, the tracking number: one number marks the whole order shipped;
  - shipping in several parcels? attach a CSV with the columns
    po_number, sku, quantity, carrier, tracking_number.

The order is attached as %s.
`, v.FileName)
	return b.String()
}

// htmlTemplate is the HTML part. html/template escapes every value: titles
// and addresses come from shoppers and stores.
const htmlTemplate = `<!doctype html>
<html><body style="font-family:Arial,sans-serif;font-size:14px;color:#222">
{{if .Cancelled}}<p><strong>Purchase order {{.Number}} is CANCELLED. Do not ship it.</strong></p>
<p>{{.Retailer}} withdrew this purchase order{{with .Order}} (their order {{.}}){{end}}. If it has shipped already, reply to this email with the tracking number.</p>
{{else}}<p>Hello {{.Supplier}},</p>
<p>{{.Retailer}} sends you purchase order <strong>{{.Number}}</strong>{{with .Order}} for their order {{.}}{{end}}.</p>
{{end}}<h3>Ship to</h3>
<p>{{range $i, $l := .ShipTo}}{{if $i}}<br>{{end}}{{$l}}{{end}}</p>
<table cellpadding="6" style="border-collapse:collapse" border="1">
<tr><th>#</th><th>SKU</th><th>Item</th><th>Qty</th><th>Unit cost</th><th>Total</th></tr>
{{range .Lines}}<tr><td>{{.N}}</td><td>{{.SKU}}</td><td>{{.Title}}</td><td align="right">{{.Quantity}}</td><td align="right">{{.Unit}}</td><td align="right">{{.Total}}</td></tr>
{{end}}<tr><td colspan="5" align="right"><strong>Total ({{.Currency}})</strong></td><td align="right"><strong>{{.Total}}</strong></td></tr>
</table>
{{if not .Cancelled}}{{with .Link}}<p><a href="{{.}}">Open this purchase order in Consign</a> (no sign-in needed; the link expires).</p>
{{end}}<p>To answer, reply to this email, above the quoted message:</p>
<ul>
<li><strong>accept</strong> to accept the whole order;</li>
<li><strong>reject: &lt;reason&gt;</strong> to decline it, for example "reject: out of stock";</li>
<li>once shipped, the <strong>tracking number</strong>: one number marks the whole order shipped;</li>
<li>shipping in several parcels? attach a CSV with the columns po_number, sku, quantity, carrier, tracking_number.</li>
</ul>
<p>The order is attached as {{.FileName}}.</p>
{{end}}</body></html>
`

// html is the HTML part.
func (v view) html() (string, error) {
	t, err := template.New("po").Parse(htmlTemplate)
	if err != nil {
		return "", fmt.Errorf("parse the PO mail template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		return "", fmt.Errorf("render the PO mail of %s: %w", v.Number, err)
	}
	return b.String(), nil
}

// csvHeader are the columns of the attached PO file.
var csvHeader = []string{"po_number", "order", "line", "sku", "gtin", "title", "quantity", "unit_cost", "line_total", "currency",
	"ship_to_name", "ship_to_company", "ship_to_address1", "ship_to_address2", "ship_to_city", "ship_to_province",
	"ship_to_zip", "ship_to_country", "ship_to_phone"}

// poCSV is the attached PO file: a header row, then one row per line,
// with CRLF line ends as spreadsheet programs expect.
func poCSV(v view) ([]byte, error) {
	a := v.po.ShipTo
	rows := [][]string{append([]string(nil), csvHeader...)}
	for _, l := range v.Lines {
		rows = append(rows, []string{v.Number, v.Order, strconv.Itoa(l.N), l.SKU, l.GTIN, l.Title, strconv.Itoa(l.Quantity),
			l.Unit, l.Total, v.Currency, a.Name, a.Company, a.Address1, a.Address2, a.City, first(a.ProvinceCode, a.Province),
			a.Zip, first(a.CountryCode, a.Country), a.Phone})
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	for _, rec := range rows {
		// Titles and addresses come from shoppers: none may run as a
		// formula in the supplier's spreadsheet. SKUs stay text as written.
		if err := w.Write(csvsafe.Row(rec)); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// fileName is the attachment's name: the PO number, kept to characters
// every mail client and file system accepts.
func fileName(po channels.PO) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, po.Number)
	if safe = strings.Trim(safe, "-"); safe == "" {
		safe = fmt.Sprintf("PO-%d", po.ID)
	}
	return safe + ".csv"
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
