package x12

import (
	"strings"
	"testing"
)

func TestAcknowledge(t *testing.T) {
	decodePO := func(f *File, i int) []*SyntaxError {
		if _, err := set(t, f, 0, 0, i).PurchaseOrder(); err != nil {
			return []*SyntaxError{err.(*SyntaxError)}
		}
		return nil
	}
	cases := []struct {
		name     string
		data     string
		problems func(f *File) []*SyntaxError
		want     FunctionalAck
	}{
		{
			name: "clean",
			data: doc(goodBody...),
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "A", Included: "1", Received: "1", Accepted: "1",
				Transactions: []TxAck{{Set: "850", ControlNumber: "0001", Status: "A"}}},
		},
		{
			name: "segment count wrong rejects the set and so the group",
			data: doc(replaced(7, "SE*4*0001")...),
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "R", Included: "1", Received: "1", Accepted: "0",
				Transactions: []TxAck{{Set: "850", ControlNumber: "0001", Status: "R", Codes: []string{"4"}}}},
		},
		{
			name: "control number mismatch rejects",
			data: doc(replaced(7, "SE*5*0009")...),
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "R", Included: "1", Received: "1", Accepted: "0",
				Transactions: []TxAck{{Set: "850", ControlNumber: "0001", Status: "R", Codes: []string{"3"}}}},
		},
		{
			name: "GE01 wrong notes the group, the set stays accepted",
			data: doc(replaced(8, "GE*3*1")...),
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "E", Included: "3", Received: "1", Accepted: "1",
				Codes: []string{"5"}, Transactions: []TxAck{{Set: "850", ControlNumber: "0001", Status: "A"}}},
		},
		{
			name:     "a decoder's element problem",
			data:     doc(replaced(5, "PO1*1*two*EA")...),
			problems: func(f *File) []*SyntaxError { return decodePO(f, 0) },
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "R", Included: "1", Received: "1", Accepted: "0",
				Transactions: []TxAck{{Set: "850", ControlNumber: "0001", Status: "R", Codes: []string{"5"},
					Notes:  []SegmentNote{{ID: "PO1", Position: "3", Code: "8", Elements: []ElementNote{{Position: "2", Code: "6"}}}},
					Errors: []string{"AK3 PO1 at 3: 8 segment has data element errors", "AK4 PO1 element 2: 6 invalid character in data element"}}}},
		},
		{
			name: "one set of three rejected, one noted: partially accepted",
			data: doc(append(append([]string{}, goodBody[:5]...), "SE*9*0001",
				"ST*850*0002", "PO1*1*2*EA", "SE*3*0002",
				"ST*850*0002", "BEG*00*DS*PO9**20240102", "SE*3*0002",
				"GE*3*1", "IEA*1*000000001")...),
			problems: func(f *File) []*SyntaxError { return decodePO(f, 1) },
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "P", Included: "3", Received: "3", Accepted: "1",
				Transactions: []TxAck{
					{Set: "850", ControlNumber: "0001", Status: "R", Codes: []string{"4"}},
					{Set: "850", ControlNumber: "0002", Status: "R", Codes: []string{"5"}, Notes: []SegmentNote{{ID: "BEG", Position: "1", Code: "3"}},
						Errors: []string{"AK3 BEG at 1: 3 mandatory segment missing"}},
					{Set: "850", ControlNumber: "0002", Status: "E", Codes: []string{"23"}},
				}},
		},
		{
			name: "005010 names its version and a repeated GS06",
			data: doc("GS*PO*A*B*20240102*1030*1*X*005010", "GE*0*1", "GS*PO*A*B*20240102*1030*1*X*005010", "GE*0*1", "IEA*2*000000001"),
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", GroupVersion: "005010", Status: "A", Included: "0", Received: "0", Accepted: "0"},
		},
		{
			name:     "problems outside the group are not its business",
			data:     doc(replaced(9, "IEA*1*000000002")...),
			problems: func(f *File) []*SyntaxError { return f.Warnings },
			want: FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "A", Included: "1", Received: "1", Accepted: "1",
				Transactions: []TxAck{{Set: "850", ControlNumber: "0001", Status: "A"}}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, []byte(c.data))
			var problems []*SyntaxError
			if c.problems != nil {
				problems = c.problems(f)
			}
			got := Acknowledge(&f.Interchanges[0].Groups[0], problems)
			eq(t, "997", *got, c.want)
		})
	}
}

func TestAcknowledgeDuplicateGroup(t *testing.T) {
	f := mustParse(t, []byte(doc("GS*PO*A*B*20240102*1030*1*X*005010", "GE*0*1", "GS*PO*A*B*20240102*1030*1*X*005010", "GE*0*1", "IEA*2*000000001")))
	got := Acknowledge(&f.Interchanges[0].Groups[1], nil)
	eq(t, "second group", []string{got.Status, strings.Join(got.Codes, ",")}, []string{"E", "19"})
}

func TestAcknowledgeFixture(t *testing.T) {
	// The 860 sample's count is off: its answer rejects the set.
	f := mustParse(t, readFixture(t, "4010_860_oopf_1.edi"))
	ack := Acknowledge(&f.Interchanges[0].Groups[0], f.Warnings)
	eq(t, "set", ack.Transactions[0], TxAck{Set: "860", ControlNumber: "56488", Status: "R", Codes: []string{"4"}})
	eq(t, "group", ack.Status, "R")
}
