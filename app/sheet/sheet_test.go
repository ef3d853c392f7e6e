package sheet

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestReadCSVKeepsText(t *testing.T) {
	for name, body := range map[string]string{
		"comma":     "\ufeffPO Number,SKU,Quantity\nPO-1,00123,2\nPO-1,1E5,1\n\n",
		"semicolon": "po_number;sku;quantity\r\nPO-1;00123;2\r\nPO-1;1E5;1\r\n",
		"tab":       "po_number\tsku\tquantity\nPO-1\t00123\t2\nPO-1\t1E5\t1\n",
	} {
		tab, err := Read([]byte(body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(tab.Header, []string{"po_number", "sku", "quantity"}) || len(tab.Rows) != 2 {
			t.Fatalf("%s: header %q, %d rows", name, tab.Header, len(tab.Rows))
		}
		sku := tab.Index("sku")
		if Cell(tab.Rows[0], sku) != "00123" || Cell(tab.Rows[1], sku) != "1E5" || tab.Lines[1] != 3 {
			t.Errorf("%s: rows %q at lines %v", name, tab.Rows, tab.Lines)
		}
	}
}

func TestReadXLSXKeepsText(t *testing.T) {
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	for i, row := range [][]any{{"SKU", "Quantity"}, {"00123", 4}, {"1E5", 7}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tab, err := Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !IsXLSX(buf.Bytes()) || len(tab.Rows) != 2 || Cell(tab.Rows[0], 0) != "00123" || Cell(tab.Rows[1], 0) != "1E5" ||
		Cell(tab.Rows[1], 1) != "7" || tab.Lines[0] != 2 {
		t.Fatalf("xlsx read as %q %q lines %v", tab.Header, tab.Rows, tab.Lines)
	}
}

func TestReadRefusesBrokenFiles(t *testing.T) {
	for name, body := range map[string][]byte{
		"empty":       nil,
		"bad quote":   []byte("sku,quantity\n\"open,1\n"),
		"broken xlsx": []byte("PK\x03\x04garbage"),
	} {
		if _, err := Read(body); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
}
