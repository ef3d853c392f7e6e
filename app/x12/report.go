package x12

// FileReport is the summary Report gives of a parsed file. Its JSON field
// names are a contract with the CLI that prints it: fields may be added,
// never renamed. Every number is a JSON string holding the exact decimal text.
type FileReport struct {
	Interchanges []InterchangeReport `json:"interchanges"`
}

// InterchangeReport summarizes one interchange.
type InterchangeReport struct {
	SenderID      string        `json:"sender_id"`
	ReceiverID    string        `json:"receiver_id"`
	ControlNumber string        `json:"control_number"`
	Version       string        `json:"isa_version"`
	Usage         string        `json:"usage"`
	Groups        []GroupReport `json:"groups"`
	Warnings      []string      `json:"warnings,omitempty"`
}

// GroupReport summarizes one functional group.
type GroupReport struct {
	FunctionalID  string `json:"functional_id"`
	Version       string `json:"version"`
	ControlNumber string `json:"control_number"`
	// Transactions hold "set" and "control_number", then the fields of the
	// set's document (see Report), or "error" when it could not be decoded.
	Transactions []map[string]any `json:"transactions"`
	Warnings     []string         `json:"warnings,omitempty"`
}

// Report summarizes f for printing as JSON. Each transaction carries its
// decoded document:
//
//	850 po_number, lines [line_number, quantity, unit, price, ids {qualifier: value}]
//	855 po_number, lines [line_number, status, quantity]: one entry per ACK, the
//	    line number repeated; a line without ACK gives one entry with an empty
//	    status and the ordered quantity
//	856 shipment_id, tracking_numbers (shipment and packs), orders [po_number,
//	    items [quantity, ids]]
//	810 invoice_number, po_number, total
//	846 items [ids, quantity (OnHand, "" when none)]
//	832 items [ids, description, prices]
//	997 group_control_number, status
//
// with more fields alongside. Other sets carry only set and control_number.
func Report(f *File) *FileReport {
	r := &FileReport{Interchanges: []InterchangeReport{}}
	for _, ic := range f.Interchanges {
		ir := InterchangeReport{
			SenderID: ic.SenderID, ReceiverID: ic.ReceiverID, ControlNumber: ic.ControlNumber,
			Version: ic.Version, Usage: ic.Usage, Groups: []GroupReport{}, Warnings: messages(ic.Warnings),
		}
		for _, g := range ic.Groups {
			gr := GroupReport{
				FunctionalID: g.FunctionalID, Version: g.Version, ControlNumber: g.ControlNumber,
				Transactions: []map[string]any{}, Warnings: messages(g.Warnings),
			}
			for i := range g.Transactions {
				gr.Transactions = append(gr.Transactions, reportSet(&g.Transactions[i]))
			}
			ir.Groups = append(ir.Groups, gr)
		}
		r.Interchanges = append(r.Interchanges, ir)
	}
	return r
}

func messages(ws []*SyntaxError) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Error())
	}
	return out
}

// idMap turns product IDs into {qualifier: value}; the first value of a
// qualifier wins.
func idMap(ids []ID) map[string]string {
	m := make(map[string]string, len(ids))
	for _, id := range ids {
		if _, ok := m[id.Qualifier]; !ok {
			m[id.Qualifier] = id.Value
		}
	}
	return m
}

func reportSet(t *Transaction) map[string]any {
	r := map[string]any{"set": t.Set, "control_number": t.ControlNumber}
	if ws := messages(t.Warnings); ws != nil {
		r["warnings"] = ws
	}
	var err error
	switch t.Set {
	case "850":
		err = reportPO(t, r)
	case "855":
		err = reportAck(t, r)
	case "856":
		err = reportShip(t, r)
	case "810":
		err = reportInvoice(t, r)
	case "846":
		err = reportInventory(t, r)
	case "832":
		err = reportCatalog(t, r)
	case "997":
		err = reportFuncAck(t, r)
	}
	if err != nil {
		r["error"] = err.Error()
	}
	return r
}

func reportPO(t *Transaction, r map[string]any) error {
	po, err := t.PurchaseOrder()
	if err != nil {
		return err
	}
	lines := []map[string]any{}
	for _, l := range po.Lines {
		lines = append(lines, map[string]any{
			"line_number": l.LineNumber, "quantity": l.Quantity, "unit": l.Unit, "price": l.Price,
			"ids": idMap(l.IDs), "description": l.Description,
		})
	}
	r["po_number"], r["purpose"], r["type"], r["date"], r["currency"] = po.PONumber, po.Purpose, po.Type, po.Date, po.Currency
	r["line_count"], r["lines"] = po.LineCount, lines
	return nil
}

func reportAck(t *Transaction, r map[string]any) error {
	ack, err := t.POAck()
	if err != nil {
		return err
	}
	lines := []map[string]any{}
	for _, l := range ack.Lines {
		acks := l.Acks
		if len(acks) == 0 {
			acks = []LineAck{{Quantity: l.OrderedQuantity, Unit: l.Unit}}
		}
		for _, a := range acks {
			lines = append(lines, map[string]any{
				"line_number": l.LineNumber, "status": a.Status, "quantity": a.Quantity, "unit": a.Unit,
				"ordered_quantity": l.OrderedQuantity, "ids": idMap(l.IDs),
			})
		}
	}
	r["po_number"], r["ack_type"], r["date"], r["lines"] = ack.PONumber, ack.AckType, ack.Date, lines
	return nil
}

func reportShip(t *Transaction, r map[string]any) error {
	sn, err := t.ShipNotice()
	if err != nil {
		return err
	}
	orders := []map[string]any{}
	for _, o := range sn.Orders {
		items := []map[string]any{}
		for _, it := range o.Items {
			item := map[string]any{"line_number": it.LineNumber, "quantity": it.Quantity, "unit": it.Unit, "ids": idMap(it.IDs)}
			if it.Pack > 0 && it.Pack <= len(sn.Packs) {
				item["pack_marks"] = markMap(sn.Packs[it.Pack-1].Marks)
			}
			items = append(items, item)
		}
		orders = append(orders, map[string]any{"po_number": o.PONumber, "items": items})
	}
	packs := []map[string]any{}
	for _, p := range sn.Packs {
		packs = append(packs, map[string]any{"level": p.Level, "marks": markMap(p.Marks), "tracking_numbers": nonNil(p.TrackingNumbers)})
	}
	r["shipment_id"], r["date"], r["carrier"], r["routing"] = sn.ShipmentID, sn.Date, sn.Carrier, sn.Routing
	r["tracking_numbers"], r["orders"], r["packs"] = nonNil(sn.AllTrackingNumbers()), orders, packs
	return nil
}

func markMap(marks []Mark) map[string]string {
	m := make(map[string]string, len(marks))
	for _, k := range marks {
		if _, ok := m[k.Qualifier]; !ok {
			m[k.Qualifier] = k.Value
		}
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func reportInvoice(t *Transaction, r map[string]any) error {
	inv, err := t.Invoice()
	if err != nil {
		return err
	}
	lines := []map[string]any{}
	for _, l := range inv.Lines {
		lines = append(lines, map[string]any{"line_number": l.LineNumber, "quantity": l.Quantity, "unit": l.Unit, "price": l.Price, "ids": idMap(l.IDs)})
	}
	r["invoice_number"], r["po_number"], r["date"], r["total"], r["total_raw"], r["lines"] = inv.InvoiceNumber, inv.PONumber, inv.Date, inv.Total, inv.TotalRaw, lines
	return nil
}

func reportInventory(t *Transaction, r map[string]any) error {
	adv, err := t.InventoryAdvice()
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, it := range adv.Items {
		onHand, _ := it.OnHand()
		qs := make(map[string]string, len(it.Quantities))
		for _, q := range it.Quantities {
			qs[q.Qualifier] = q.Value
		}
		items = append(items, map[string]any{"line_number": it.LineNumber, "ids": idMap(it.IDs), "quantity": onHand, "quantities": qs})
	}
	r["items"] = items
	return nil
}

func reportCatalog(t *Transaction, r map[string]any) error {
	cat, err := t.PriceCatalog()
	if err != nil {
		return err
	}
	items := []map[string]any{}
	for _, it := range cat.Items {
		prices := []map[string]any{}
		for _, p := range it.Prices {
			prices = append(prices, map[string]any{"qualifier": p.Qualifier, "value": p.Value})
		}
		items = append(items, map[string]any{"line_number": it.LineNumber, "ids": idMap(it.IDs), "description": it.Description, "prices": prices})
	}
	r["items"] = items
	return nil
}

func reportFuncAck(t *Transaction, r map[string]any) error {
	fa, err := t.FunctionalAck()
	if err != nil {
		return err
	}
	acks := []map[string]any{}
	for _, a := range fa.Transactions {
		acks = append(acks, map[string]any{"set": a.Set, "control_number": a.ControlNumber, "status": a.Status, "errors": nonNil(a.Errors)})
	}
	r["group_functional_id"], r["group_control_number"], r["status"] = fa.GroupFunctionalID, fa.GroupControlNumber, fa.Status
	r["included"], r["received"], r["accepted"], r["acks"] = fa.Included, fa.Received, fa.Accepted, acks
	return nil
}
