// Package edi is the EDI channel: each PO goes to the trading partner as an
// X12 850 over SFTP (the Folder seam; a VAN's mailbox works the same), and
// what the partner sends back is applied: 997 acknowledgments, 855 PO
// acknowledgments (accept or reject per line), 856 ship notices (shipments
// with tracking), 810 invoices (compared with the PO's cost) and 846
// inventory advice (stock). Consign answers every functional group it
// receives with a 997.
package edi

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
)

// Edge sends 850s and reads the partner's answers from its folder.
type Edge struct {
	Folder channels.Folder
	Now    func() time.Time
}

// ContentType of X12 documents.
const ContentType = "application/edi-x12"

// Render writes the PO as an 850 in an interchange of its own, with the
// partner's next control numbers (taken in tx, so a document that is never
// stored took none). A cancellation is the same 850 with BEG01 01.
func (e *Edge) Render(ctx context.Context, tx *gorm.DB, p channels.Partner, po channels.PO, kind string) ([]channels.Outbound, error) {
	purpose := "00" // original
	if kind == "cancel" {
		purpose = "01" // cancellation
	}
	doc := PurchaseOrder(po, purpose)
	raw, isa, gs, err := e.encode(tx, p, false, "PO", doc.Set())
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("850_%s_%09d.edi", fileSafe(po.Number), isa)
	if kind == "cancel" {
		name = fmt.Sprintf("850_%s_cancel_%09d.edi", fileSafe(po.Number), isa)
	}
	return []channels.Outbound{{Kind: kindOf(kind), Name: name, ContentType: ContentType, Body: raw,
		ControlNumber: strconv.FormatInt(isa, 10), GroupControlNumber: strconv.FormatInt(gs, 10)}}, nil
}

// kindOf names an outbound 850: "850" for a PO, "cancel" for its withdrawal.
func kindOf(kind string) string {
	if kind == "cancel" {
		return "cancel"
	}
	return "850"
}

// encode wraps sets in an interchange to the partner, with control numbers
// taken in tx.
func (e *Edge) encode(tx *gorm.DB, p channels.Partner, test bool, functionalID string, sets ...x12.SetBody) ([]byte, int64, int64, error) {
	isa, gs, err := channels.NextControlNumbers(tx, p.ID)
	if err != nil {
		return nil, 0, 0, err
	}
	env := p.Settings.EDI.Envelope(test)
	env.InterchangeControl, env.GroupControl, env.Time = isa, gs, e.Now().UTC()
	raw, err := x12.Encode(env, functionalID, sets)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("encode %s for partnership %d: %w", functionalID, p.ID, err)
	}
	return raw, isa, gs, nil
}

// PurchaseOrder is the 850 of a PO: BEG with its number, the retailer's
// order as REF*CO, the customer's address as the N1*ST loop, one PO1 per
// line with quantity, unit, the supplier's cost and the supplier's SKU (VN)
// and GTIN where known, and CTT.
func PurchaseOrder(po channels.PO, purpose string) *x12.PurchaseOrder {
	clean := x12.Clean
	doc := &x12.PurchaseOrder{
		Purpose: purpose, Type: "DS", PONumber: clean(po.Number), Date: po.CreatedAt.UTC().Format("20060102"),
		Currency: po.Currency,
		Dates:    []x12.DateRef{{Qualifier: "004", Value: po.CreatedAt.UTC().Format("20060102")}}, // purchase order date
	}
	if po.OrderName != "" {
		doc.Refs = append(doc.Refs, x12.Ref{Qualifier: "CO", Value: clean(po.OrderName)})
	}
	a := po.ShipTo
	name := a.Name
	if name == "" {
		name = a.Company
	}
	doc.Parties = append(doc.Parties, x12.Party{Entity: "ST", Name: clean(name), Name2: clean(nonDup(a.Company, name)),
		Address1: clean(a.Address1), Address2: clean(a.Address2), City: clean(a.City), State: clean(first(a.ProvinceCode, a.Province)),
		Zip: clean(a.Zip), Country: clean(a.CountryCode)})
	for i, l := range po.Lines {
		doc.Lines = append(doc.Lines, x12.POLine{
			LineNumber: strconv.Itoa(i + 1), Quantity: strconv.Itoa(l.Quantity), Unit: "EA",
			Price: decimal(l.Cost, po.Currency), PriceBasis: "PE",
			IDs: x12.ProductIDs(clean(l.SKU), po.GTINs[l.ID]), Description: clean(l.Title),
		})
	}
	doc.LineCount = strconv.Itoa(len(doc.Lines))
	return doc
}

// decimal is an amount as X12 writes a price: a plain decimal.
func decimal(a money.Amount, currency string) string { return a.Format(currency) }

func nonDup(v, name string) string {
	if v == name {
		return ""
	}
	return v
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileSafe keeps a PO number usable in a file name.
func fileSafe(s string) string { return strings.Trim(unsafeName.ReplaceAllString(s, "-"), "-.") }

// Send writes the document to the partner's outbound folder.
func (e *Edge) Send(ctx context.Context, p channels.Partner, m models.OutboundMessage) error {
	return e.Folder.Put(ctx, p, m.Name, m.Body)
}

// Poll reads the partner's inbound folder.
func (e *Edge) Poll(ctx context.Context, p channels.Partner, receive func(string, []byte) error) (int, error) {
	return e.Folder.Poll(ctx, p, receive)
}

// Test logs in, checks the folders and writes a test 850 (ISA15 T, so the
// partner's translator does not act on it) for a sample PO, with real
// control numbers.
func (e *Edge) Test(ctx context.Context, tx *gorm.DB, p channels.Partner) (string, error) {
	if err := e.Folder.Check(ctx, p); err != nil {
		return "", fmt.Errorf("SFTP check failed: %w", err)
	}
	now := e.Now().UTC()
	sample := channels.PO{PurchaseOrder: models.PurchaseOrder{Number: "TEST-" + now.Format("20060102150405"), Currency: "USD",
		CreatedAt: now, Lines: []models.POLine{{ID: 1, SKU: "TEST-SKU", Title: "Consign test item", Quantity: 1, Cost: 100}}},
		OrderName: "#TEST", GTINs: map[int64]string{}}
	sample.ShipTo.Name, sample.ShipTo.Address1, sample.ShipTo.City, sample.ShipTo.Province, sample.ShipTo.Zip, sample.ShipTo.CountryCode =
		"Consign Test", "1 Test Street", "Testville", "CA", "90001", "US"
	raw, isa, _, err := e.encode(tx, p, true, "PO", PurchaseOrder(sample, "00").Set())
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("850_TEST_%09d.edi", isa)
	if err := e.Folder.Put(ctx, p, name, raw); err != nil {
		return "", fmt.Errorf("logged in, but writing the test 850 failed: %w", err)
	}
	out, _, _ := p.Settings.SFTP.Folders()
	return fmt.Sprintf("logged in to %s, checked the folders, and wrote a test 850 (ISA15 T, interchange %09d) to %s/%s",
		p.Settings.SFTP.Host, isa, strings.TrimRight(out, "/"), name), nil
}
