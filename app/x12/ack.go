package x12

// POAck is an 855 purchase order acknowledgment.
type POAck struct {
	Purpose  string // BAK01: 00 original, ...
	AckType  string // BAK02: AC with detail and change, AD with detail no change, AK no detail, RD rejected with detail, RJ rejected
	PONumber string // BAK03
	Date     string // BAK04, CCYYMMDD
	Lines    []AckLine
}

// AckLine is a PO1 of the 855 with the ACK segments that follow it.
type AckLine struct {
	LineNumber      string // PO101
	OrderedQuantity string // PO102
	Unit            string // PO103
	Price           string // PO104
	IDs             []ID   // PO106/PO107, ...
	Description     string // PID05 of the first PID*F
	Acks            []LineAck
}

// LineAck is an ACK segment: what the seller does with (part of) a line.
type LineAck struct {
	Status   string // ACK01 line item status code, see Accepted and Rejected
	Quantity string // ACK02
	Unit     string // ACK03
}

// ACK01 codes (element 668, line item status), grouped by what a buyer does
// with them. Accepted codes mean the seller will ship (now, later, changed);
// rejected codes mean that quantity will not come. The on-hold codes IF
// (incomplete description), IH (on hold) and IW (waiver required) are neither:
// the line is still pending.
//
//	accepted: AA forwarded to an alternate supplier location, AC accepted and
//	          shipped, AR accepted and released for shipment, BP partial
//	          shipment, balance backordered, DR date rescheduled, IA accepted,
//	          IB backordered, IC changes made, IE price pending, IP price
//	          changed, IQ quantity changed, IS substitution made, SP schedule
//	          date pending
//	rejected: ID deleted, IR rejected, R1 not a contract item, R2 invalid
//	          product number, R3 invalid unit of issue, R4 contract item not
//	          available, R5-R8 reorder as JIT, extended delivery, drop
//	          shipment or surge order
var lineStatus = map[string]bool{
	"AA": true, "AC": true, "AR": true, "BP": true, "DR": true, "IA": true, "IB": true,
	"IC": true, "IE": true, "IP": true, "IQ": true, "IS": true, "SP": true,
	"ID": false, "IR": false, "R1": false, "R2": false, "R3": false, "R4": false,
	"R5": false, "R6": false, "R7": false, "R8": false,
}

// Accepted reports whether the status says the seller will ship this quantity.
func (a LineAck) Accepted() bool {
	ok, known := lineStatus[a.Status]
	return known && ok
}

// Rejected reports whether the status says this quantity will not ship.
func (a LineAck) Rejected() bool {
	ok, known := lineStatus[a.Status]
	return known && !ok
}

// POAck decodes an 855.
func (t *Transaction) POAck() (*POAck, error) {
	if err := t.expect("855"); err != nil {
		return nil, err
	}
	ack := &POAck{}
	sawBAK := false
	line := -1
	for _, seg := range t.Segments {
		switch seg.ID {
		case "BAK":
			sawBAK = true
			ack.Purpose, ack.AckType, ack.PONumber, ack.Date = seg.E(1), seg.E(2), seg.E(3), seg.E(4)
		case "PO1":
			if err := checkDecimals(seg, 2, "quantity", 4, "unit price"); err != nil {
				return nil, err
			}
			ack.Lines = append(ack.Lines, AckLine{
				LineNumber: seg.E(1), OrderedQuantity: seg.E(2), Unit: seg.E(3), Price: seg.E(4), IDs: idPairs(seg, 6),
			})
			line = len(ack.Lines) - 1
		case "PID":
			if line >= 0 && seg.E(1) == "F" && ack.Lines[line].Description == "" {
				ack.Lines[line].Description = seg.E(5)
			}
		case "ACK":
			if line < 0 {
				return nil, problem(KindSyntax, seg, 0, "ACK before any PO1 line")
			}
			if seg.E(1) == "" {
				return nil, problem(KindMissingElement, seg, 1, "the line item status code is empty")
			}
			if err := checkDecimals(seg, 2, "quantity", 2, "quantity"); err != nil {
				return nil, err
			}
			ack.Lines[line].Acks = append(ack.Lines[line].Acks, LineAck{Status: seg.E(1), Quantity: seg.E(2), Unit: seg.E(3)})
		case "CTT":
			line = -1
		}
	}
	if !sawBAK {
		return nil, t.missing("BAK")
	}
	return ack, nil
}

// Set writes the acknowledgment as an 855 body: BAK, then each PO1 with its
// PID*F description and ACK segments, and CTT with the number of lines.
func (a *POAck) Set() SetBody {
	b := SetBody{ID: "855"}
	b.Add("BAK", a.Purpose, a.AckType, a.PONumber, a.Date)
	for _, l := range a.Lines {
		b.Add("PO1", append([]string{l.LineNumber, l.OrderedQuantity, l.Unit, l.Price, ""}, idElements(l.IDs)...)...)
		if l.Description != "" {
			b.Add("PID", "F", "", "", "", l.Description)
		}
		for _, k := range l.Acks {
			b.Add("ACK", k.Status, k.Quantity, k.Unit)
		}
	}
	b.Add("CTT", countOr("", len(a.Lines)))
	return b
}
