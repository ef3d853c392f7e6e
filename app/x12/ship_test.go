package x12

import (
	"strconv"
	"testing"
)

// TestShipHierarchy walks HL structures the fixtures do not have.
func TestShipHierarchy(t *testing.T) {
	head := []string{"GS*SH*A*B*20240102*1030*1*X*004010", "ST*856*0001", "BSN*00*S1*20240102*1030"}
	tail := func(n int) []string {
		return []string{"SE*" + strconv.Itoa(n+3) + "*0001", "GE*1*1", "IEA*1*000000001"}
	}
	build := func(body ...string) string {
		return doc(append(append(append([]string{}, head...), body...), tail(len(body))...)...)
	}
	cases := []struct {
		name string
		data string
		want *ShipNotice
	}{
		{
			name: "IDs that are not 1, 2, 3",
			data: build("HL*A**S", "HL*B*A*O", "PRF*PO1", "HL*C*B*P", "MAN*GM*SSCC1**CP*1Z1", "HL*D*C*I", "LIN*1*VN*X", "SN1**2*EA", "HL*E*B*I", "LIN*2*VN*Y", "SN1**1*EA"),
			want: &ShipNotice{Purpose: "00", ShipmentID: "S1", Date: "20240102", Time: "1030",
				Packs: []Pack{{Level: "P", Marks: []Mark{{"GM", "SSCC1"}}, TrackingNumbers: []string{"1Z1"}}},
				Orders: []ShipOrder{{PONumber: "PO1", Items: []ShipItem{
					{LineNumber: "1", IDs: []ID{{"VN", "X"}}, Quantity: "2", Unit: "EA", Pack: 1},
					{LineNumber: "2", IDs: []ID{{"VN", "Y"}}, Quantity: "1", Unit: "EA"},
				}}}},
		},
		{
			name: "items with no order level, pallet (tare) above packs",
			data: build("HL*1**S", "REF*2I*TRACK9", "HL*2*1*T", "MAN*GM*PALLET", "HL*3*2*P", "REF*CN*PRO1", "HL*4*3*I", "LIN**UP*012345678905", "SN1*7*3*EA"),
			want: &ShipNotice{Purpose: "00", ShipmentID: "S1", Date: "20240102", Time: "1030", TrackingNumbers: []string{"TRACK9"},
				Packs:  []Pack{{Level: "T", Marks: []Mark{{"GM", "PALLET"}}}, {Level: "P", TrackingNumbers: []string{"PRO1"}}},
				Orders: []ShipOrder{{Items: []ShipItem{{LineNumber: "7", IDs: []ID{{"UP", "012345678905"}}, Quantity: "3", Unit: "EA", Pack: 2}}}}},
		},
		{
			name: "items of two orders interleaved",
			data: build("HL*1**S", "HL*2*1*O", "PRF*A", "HL*3*1*O", "PRF*B", "HL*4*2*I", "SN1**1*EA", "HL*5*3*I", "SN1**2*EA", "HL*6*2*I", "SN1**3*EA"),
			want: &ShipNotice{Purpose: "00", ShipmentID: "S1", Date: "20240102", Time: "1030",
				Orders: []ShipOrder{
					{PONumber: "A", Items: []ShipItem{{Quantity: "1", Unit: "EA"}, {Quantity: "3", Unit: "EA"}}},
					{PONumber: "B", Items: []ShipItem{{Quantity: "2", Unit: "EA"}}},
				}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, []byte(c.data))
			if len(f.Warnings) != 0 {
				t.Fatalf("warnings: %v", f.Warnings)
			}
			eq(t, "notice", shipNotice(t, f, 0, 0, 0), c.want)
		})
	}
}

func TestProductIDs(t *testing.T) {
	eq(t, "UPC", ProductIDs("SKU", "012345678905"), []ID{{"VN", "SKU"}, {"UP", "012345678905"}})
	eq(t, "EAN", ProductIDs("", "4006381333931"), []ID{{"EN", "4006381333931"}})
	eq(t, "GTIN-14", ProductIDs("SKU", "10012345678902"), []ID{{"VN", "SKU"}, {"UK", "10012345678902"}})
	eq(t, "not a GTIN", ProductIDs("SKU", "12-34"), []ID{{"VN", "SKU"}})
	eq(t, "nothing", ProductIDs("", ""), []ID(nil))
}
