package edi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/app/x12"
)

// HandleFile applies a file the partner left: every transaction set of
// every group, each in a savepoint of its own, so one set that cannot be
// applied (a PO number Consign never sent) does not undo the others. Each
// functional group is answered with a 997 saying what was accepted. A file
// that is not X12 at all is failed with the segment and reason; a file
// applied in part is failed with what was left, after the rest is
// committed, and can be replayed.
func (e *Edge) HandleFile(a *channels.Answer) error {
	f, err := x12.Parse(a.Event.Body)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", pipeline.ErrMalformed, a.Header("File-Name"), err)
	}
	var failed []string
	for ii := range f.Interchanges {
		ic := &f.Interchanges[ii]
		for gi := range ic.Groups {
			g := &ic.Groups[gi]
			problems := append([]*x12.SyntaxError(nil), g.Warnings...)
			for ti := range g.Transactions {
				t := &g.Transactions[ti]
				problems = append(problems, t.Warnings...)
				err := a.Savepoint(func(b *channels.Answer) error { return apply(b, t) })
				if err == nil {
					continue
				}
				var se *x12.SyntaxError
				if !errors.As(err, &se) {
					se = &x12.SyntaxError{Segment: t.Segments[0].Pos, ID: "ST", Kind: x12.KindSyntax, Reason: err.Error()}
				}
				problems = append(problems, se)
				failed = append(failed, fmt.Sprintf("%s %s: %v", t.Set, t.ControlNumber, err))
			}
			// Acknowledgments are not acknowledged.
			if g.FunctionalID == "FA" {
				continue
			}
			if err := e.acknowledge(a, g, problems); err != nil {
				return err
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: %s", pipeline.ErrPartly, strings.Join(failed, "; "))
	}
	return nil
}

// acknowledge queues the 997 answering a received group.
func (e *Edge) acknowledge(a *channels.Answer, g *x12.Group, problems []*x12.SyntaxError) error {
	ack := x12.Acknowledge(g, problems)
	raw, isa, gs, err := e.encode(a.Tx, a.Partner, false, "FA", ack.Set())
	if err != nil {
		return err
	}
	a.Note("997 %s for group %s", ack.Status, g.ControlNumber)
	return a.Enqueue(nil, channels.Outbound{Kind: "997", Name: fmt.Sprintf("997_%s_%09d.edi", fileSafe(g.ControlNumber), isa),
		ContentType: ContentType, Body: raw, ControlNumber: strconv.FormatInt(isa, 10), GroupControlNumber: strconv.FormatInt(gs, 10)})
}

// apply applies one transaction set.
func apply(a *channels.Answer, t *x12.Transaction) error {
	switch t.Set {
	case "997":
		return applyFunctionalAck(a, t)
	case "855":
		return applyPOAck(a, t)
	case "856":
		return applyShipNotice(a, t)
	case "810":
		return applyInvoice(a, t)
	case "846":
		return applyInventory(a, t)
	}
	a.Note("%s %s kept, not acted on", t.Set, t.ControlNumber)
	return nil
}

// applyFunctionalAck marks the documents a 997 answers acknowledged, or
// rejected (the PO then needs a person).
func applyFunctionalAck(a *channels.Answer, t *x12.Transaction) error {
	fa, err := t.FunctionalAck()
	if err != nil {
		return err
	}
	accepted := fa.Status == "A" || fa.Status == "E" || fa.Status == "P"
	why := "997 " + fa.Status
	for _, tx := range fa.Transactions {
		why += fmt.Sprintf("; set %s %s: %s %s", tx.Set, tx.ControlNumber, tx.Status, strings.Join(tx.Errors, ", "))
	}
	msgs, err := a.MarkAnswered(fa.GroupControlNumber, accepted, why)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		a.Note("997 for group %s: nothing sent under that number waits for it", fa.GroupControlNumber)
		return nil
	}
	for _, m := range msgs {
		if m.PurchaseOrderID == nil {
			continue
		}
		po, err := a.PO(*m.PurchaseOrderID)
		if err != nil {
			return err
		}
		if err := a.Link(po, why); err != nil {
			return err
		}
		if !accepted {
			if err := a.Tell(po, fmt.Sprintf("its EDI translator rejected %s (%s)", m.Name, why)); err != nil {
				return err
			}
			continue
		}
		if err := a.History(po, fmt.Sprintf("%s acknowledged (997 %s)", m.Name, fa.Status)); err != nil {
			return err
		}
	}
	a.Note("997 %s for group %s", fa.Status, fa.GroupControlNumber)
	return nil
}

// applyPOAck accepts or rejects a PO, whole or per line. Lines whose
// acknowledgment changes them (another quantity, price or item) are not
// applied: the retailer is told and decides.
func applyPOAck(a *channels.Answer, t *x12.Transaction) error {
	ack, err := t.POAck()
	if err != nil {
		return err
	}
	po, err := a.FindPO(ack.PONumber)
	if err != nil {
		return err
	}
	if err := a.Link(po, "855 "+ack.AckType); err != nil {
		return err
	}
	if len(ack.Lines) == 0 {
		switch ack.AckType {
		case "AT", "AK", "AC", "AD":
			_, err = a.Accept(po, "accepted in an 855 ("+ack.AckType+")")
		case "RJ", "RD":
			_, err = a.Reject(po, "rejected in an 855 ("+ack.AckType+")")
		default:
			err = a.Tell(po, "an 855 with acknowledgment type "+ack.AckType+" and no lines")
		}
		a.Note("855 %s for %s", ack.AckType, po.Number)
		return err
	}
	var accept, reject []int64
	var told []string
	for _, l := range ack.Lines {
		line := channels.MatchLine(po, l.LineNumber, idValues(l.IDs, skuQualifiers), idValues(l.IDs, gtinQualifiers))
		if line == nil {
			told = append(told, fmt.Sprintf("line %s (%s) is not on the PO", l.LineNumber, describeIDs(l.IDs)))
			continue
		}
		verdict, why := judgeLine(l, line.Quantity)
		switch verdict {
		case lineAccept:
			accept = append(accept, line.ID)
		case lineReject:
			reject = append(reject, line.ID)
		default:
			told = append(told, fmt.Sprintf("%s: %s", line.SKU, why))
		}
	}
	if _, err := a.AnswerLines(po, accept, reject, "rejected in an 855"); err != nil {
		return err
	}
	if len(told) > 0 {
		if err := a.Tell(po, "855: "+strings.Join(told, "; ")); err != nil {
			return err
		}
	}
	a.Note("855 for %s: %d accepted, %d rejected, %d for the retailer", po.Number, len(accept), len(reject), len(told))
	return nil
}

type lineVerdict int

const (
	lineAccept lineVerdict = iota
	lineReject
	lineAsk
)

// judgeLine reads a line's ACK segments. A line is accepted when every ACK
// accepts it and the quantities add up to what was ordered (IA, or IQ with
// the same quantity); rejected when every ACK rejects it; anything else
// (a changed quantity, a substitution, a backorder, a partial) goes to the
// retailer.
func judgeLine(l x12.AckLine, ordered int) (lineVerdict, string) {
	if len(l.Acks) == 0 {
		return lineAsk, "acknowledged with no status"
	}
	allAccept, allReject := true, true
	total, counted := 0, true
	var codes []string
	for _, ack := range l.Acks {
		codes = append(codes, ack.Status+" "+ack.Quantity)
		allAccept = allAccept && ack.Accepted()
		allReject = allReject && ack.Rejected()
		if q, err := strconv.ParseFloat(ack.Quantity, 64); err == nil && q == float64(int(q)) {
			total += int(q)
		} else if ack.Quantity != "" {
			counted = false
		} else {
			total += ordered // no quantity: the whole line
		}
	}
	switch {
	case allReject:
		return lineReject, ""
	case allAccept && counted && total == ordered && onlyPlain(l.Acks):
		return lineAccept, ""
	}
	return lineAsk, fmt.Sprintf("acknowledged as %s of %d ordered", strings.Join(codes, ", "), ordered)
}

// onlyPlain is true when no ACK changes the line: IA (accepted), AR
// (accepted and released), AC (accepted and shipped) or IQ/IC with the
// same quantity, which judgeLine has checked.
func onlyPlain(acks []x12.LineAck) bool {
	for _, a := range acks {
		switch a.Status {
		case "IA", "AR", "AC", "IQ", "IC":
		default:
			return false
		}
	}
	return true
}

// applyShipNotice records each order of an 856 as shipments: one per
// tracking number, with the quantities its items carry.
func applyShipNotice(a *channels.Answer, t *x12.Transaction) error {
	sn, err := t.ShipNotice()
	if err != nil {
		return err
	}
	plan, err := PlanShipments(sn, a.FindPO)
	if err != nil {
		return err
	}
	shipped := 0
	for _, o := range plan {
		if err := a.Link(o.PO, "856 "+sn.ShipmentID); err != nil {
			return err
		}
		if len(o.Unknown) > 0 {
			if err := a.Tell(o.PO, fmt.Sprintf("856 %s lists items not on the PO: %s", sn.ShipmentID, strings.Join(o.Unknown, "; "))); err != nil {
				return err
			}
		}
		po := o.PO
		for _, sh := range o.Shipments {
			ok, err := a.Ship(po, sh.Carrier, sh.Number, portal.TrackingURL(sh.Carrier, sh.Number), sh.Lines, sh.Key)
			if err != nil {
				return err
			}
			if ok {
				shipped++
			}
			if po, err = a.Reload(po); err != nil {
				return err
			}
		}
	}
	a.Note("856 %s: %d shipment(s)", sn.ShipmentID, shipped)
	return nil
}

// OrderPlan is what an 856 ships of one PO.
type OrderPlan struct {
	PO        channels.PO
	Shipments []PlannedShipment
	Unknown   []string // items the PO does not have
}

// PlannedShipment is one tracking number's share of an order.
type PlannedShipment struct {
	Carrier, Number, Key string
	Lines                []channels.ShipLine
}

// PlanShipments reads an 856 into shipments per PO (found with find),
// grouping each order's items by the tracking number of their pack (else
// the shipment's first): the part of applying a ship notice that needs no
// database.
func PlanShipments(sn *x12.ShipNotice, find func(number string) (channels.PO, error)) ([]OrderPlan, error) {
	carrier := CarrierName(sn.Carrier, sn.Routing)
	plans := make([]OrderPlan, 0, len(sn.Orders))
	for _, order := range sn.Orders {
		po, err := find(order.PONumber)
		if err != nil {
			return nil, err
		}
		plan := OrderPlan{PO: po}
		at := map[string]int{}
		for _, it := range order.Items {
			line := channels.MatchLine(po, it.LineNumber, idValues(it.IDs, skuQualifiers), idValues(it.IDs, gtinQualifiers))
			if line == nil {
				plan.Unknown = append(plan.Unknown, describeIDs(it.IDs))
				continue
			}
			q, err := strconv.ParseFloat(it.Quantity, 64)
			if err != nil || q <= 0 || q != float64(int(q)) {
				return nil, fmt.Errorf("856 %s: item %s ships quantity %q, not a whole number", sn.ShipmentID, line.SKU, it.Quantity)
			}
			number := packTracking(sn, it.Pack)
			if number == "" {
				return nil, fmt.Errorf("856 %s names no tracking number for %s (REF*CN, REF*2I or MAN*CP)", sn.ShipmentID, po.Number)
			}
			i, ok := at[number]
			if !ok {
				i = len(plan.Shipments)
				at[number] = i
				plan.Shipments = append(plan.Shipments, PlannedShipment{Carrier: carrier, Number: number,
					Key: "856:" + sn.ShipmentID + ":" + number})
			}
			plan.Shipments[i].Lines = append(plan.Shipments[i].Lines, channels.ShipLine{LineID: line.ID, Quantity: int(q)})
		}
		plans = append(plans, plan)
	}
	return plans, nil
}

// packTracking is the tracking number of the pack an item is in, else the
// shipment's.
func packTracking(sn *x12.ShipNotice, pack int) string {
	if pack > 0 && pack <= len(sn.Packs) && len(sn.Packs[pack-1].TrackingNumbers) > 0 {
		return sn.Packs[pack-1].TrackingNumbers[0]
	}
	if len(sn.TrackingNumbers) > 0 {
		return sn.TrackingNumbers[0]
	}
	if all := sn.AllTrackingNumbers(); len(all) > 0 {
		return all[0]
	}
	return ""
}

// applyInvoice stores an 810 against its PO with the differences from the
// PO's cost.
func applyInvoice(a *channels.Answer, t *x12.Transaction) error {
	inv, err := t.Invoice()
	if err != nil {
		return err
	}
	po, err := a.FindPO(inv.PONumber)
	if err != nil {
		return err
	}
	if err := a.Link(po, "810 "+inv.InvoiceNumber); err != nil {
		return err
	}
	total, err := money.Parse(inv.Total, po.Currency)
	if err != nil {
		return fmt.Errorf("810 %s: total %q: %w", inv.InvoiceNumber, inv.Total, err)
	}
	var lines []channels.InvoiceLine
	for _, l := range inv.Lines {
		price, err := money.Parse(l.Price, po.Currency)
		if err != nil {
			return fmt.Errorf("810 %s: line %s price %q: %w", inv.InvoiceNumber, l.LineNumber, l.Price, err)
		}
		q, _ := strconv.ParseFloat(l.Quantity, 64)
		il := channels.InvoiceLine{Quantity: int(q), Price: price}
		if line := channels.MatchLine(po, l.LineNumber, idValues(l.IDs, skuQualifiers), idValues(l.IDs, gtinQualifiers)); line != nil {
			il.LineID, il.SKU, il.Expected = line.ID, line.SKU, line.Cost
		} else {
			il.SKU = describeIDs(l.IDs)
		}
		lines = append(lines, il)
	}
	if _, err := a.Invoice(po, inv.InvoiceNumber, total, lines); err != nil {
		return err
	}
	a.Note("810 %s for %s: %s", inv.InvoiceNumber, po.Number, total.Format(po.Currency))
	return nil
}

// applyInventory sets the supplier's stock from an 846.
func applyInventory(a *channels.Answer, t *x12.Transaction) error {
	adv, err := t.InventoryAdvice()
	if err != nil {
		return err
	}
	stock := map[string]int{}
	var skipped []string
	for _, it := range adv.Items {
		skus := idValues(it.IDs, skuQualifiers)
		q, ok := it.OnHand()
		n, err := strconv.ParseFloat(q, 64)
		if len(skus) == 0 || !ok || err != nil {
			skipped = append(skipped, describeIDs(it.IDs))
			continue
		}
		stock[skus[0]] = int(n)
	}
	set, unknown, err := a.SetStock(stock)
	if err != nil {
		return err
	}
	a.Note("846: stock of %d item(s) set", set)
	if len(unknown) > 0 {
		a.Note("846: SKUs not in the catalog: %s", strings.Join(unknown, ", "))
	}
	if len(skipped) > 0 {
		a.Note("846: items without a SKU or an on-hand quantity: %s", strings.Join(skipped, "; "))
	}
	return nil
}

// Product id qualifiers (element 235) that carry the supplier's own SKU,
// and those that carry a GTIN.
var (
	skuQualifiers  = []string{"VN", "VP", "SK", "VA", "MG", "IN", "BP"}
	gtinQualifiers = []string{"UP", "UK", "EN", "UA", "UI", "EO"}
)

func idValues(ids []x12.ID, quals []string) []string {
	var out []string
	for _, q := range quals {
		for _, id := range ids {
			if id.Qualifier == q && id.Value != "" {
				out = append(out, id.Value)
			}
		}
	}
	return out
}

func describeIDs(ids []x12.ID) string {
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		parts = append(parts, id.Qualifier+" "+id.Value)
	}
	if len(parts) == 0 {
		return "no item id"
	}
	return strings.Join(parts, ", ")
}

// CarrierName names a carrier as the retailer's store does, from an 856's
// SCAC (TD503) or routing (TD505).
func CarrierName(scac, routing string) string {
	switch strings.ToUpper(strings.TrimSpace(scac)) {
	case "UPSN", "UPSS", "UPGF", "UPS":
		return "UPS"
	case "USPS", "USPO":
		return "USPS"
	case "FDEG", "FDXE", "FDX", "FEDX", "FXFE", "FDEN":
		return "FedEx"
	case "DHLC", "DHL", "DHLG", "DHLE":
		return "DHL Express"
	}
	r := strings.ToUpper(routing)
	switch {
	case strings.Contains(r, "UPS"):
		return "UPS"
	case strings.Contains(r, "FEDEX"), strings.Contains(r, "FED EX"):
		return "FedEx"
	case strings.Contains(r, "USPS"), strings.Contains(r, "POSTAL"):
		return "USPS"
	case strings.Contains(r, "DHL"):
		return "DHL Express"
	}
	if scac != "" {
		return strings.TrimSpace(scac)
	}
	return strings.TrimSpace(routing)
}
