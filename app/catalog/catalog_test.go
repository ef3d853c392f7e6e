package catalog

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/consign/consign/app/money"
)

// parse runs Parse on a string and collects the items.
func parse(t testing.TB, in, currency string) ([]Item, Report) {
	t.Helper()
	var items []Item
	rep, err := Parse(strings.NewReader(in), currency, func(it Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return items, rep
}

func TestParseGood(t *testing.T) {
	in := "sku,gtin,title,cost,inventory\n" +
		"A-1,012345678905,Red mug,12.50,7\n" +
		"B-2,,Blue mug,3,\n" +
		"\n" + // blank lines are skipped but still counted as lines
		"C-3,96385074,  Green mug  ,0.99,0\n"
	items, rep := parse(t, in, "USD")
	want := []Item{
		{Line: 2, SKU: "A-1", GTIN: "012345678905", Title: "Red mug", Cost: 1250, Currency: "USD", Inventory: 7, HasInventory: true},
		{Line: 3, SKU: "B-2", Title: "Blue mug", Cost: 300, Currency: "USD"},
		{Line: 5, SKU: "C-3", GTIN: "96385074", Title: "Green mug", Cost: 99, Currency: "USD", Inventory: 0, HasInventory: true},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items =\n%+v\nwant\n%+v", items, want)
	}
	if want := (Report{Rows: 3, Good: 3}); !reflect.DeepEqual(rep, want) {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
}

func TestParseBadRows(t *testing.T) {
	in := strings.Join([]string{
		"sku,gtin,title,cost,inventory", // 1
		`OK-1,,"Two`,                    // 2: a record over two lines
		`lines",1.00,1`,                 // 3
		"BADCOST,,x,abc,1",              // 4
		"",                              // 5
		"NEG,,x,-1.00,1",                // 6
		"  ,,no sku,1.00,1",             // 7
		"BADGTIN,12345,x,1.00,1",        // 8
		"LETTERS,0123456789ab,x,1.00,1", // 9
		"BADINV,,x,1.00,2.5",            // 10
		"NEGINV,,x,1.00,-3",             // 11
		"FEW,,x,1.00",                   // 12
		"MANY,,x,1.00,1,extra",          // 13
		"PREC,,x,1.005,1",               // 14
		",,,,",                          // 15: an empty spreadsheet row
		"OK-2,,x,2.00,",                 // 16
		`QUOTE,,"bad"x,1.00,1`,          // 17
		`BARE,,a"b,1.00,1`,              // 18
		"NOCOST,,x,,1",                  // 19
		`QUOTE2,,"two`,                  // 20
		`lines"x,1.00,1`,                // 21
		"OK-3,,x,3,0",                   // 22
	}, "\n")
	items, rep := parse(t, in, "USD")
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%d %s", it.Line, it.SKU))
	}
	if want := []string{"2 OK-1", "16 OK-2", "22 OK-3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("good rows = %q, want %q", got, want)
	}
	wantErrs := []RowError{
		{4, `cost: amount "abc" is not a decimal number`},
		{6, "cost -1.00 is negative"},
		{7, "sku is empty"},
		{8, `gtin "12345" is not 8, 12, 13 or 14 digits`},
		{9, `gtin "0123456789ab" is not 8, 12, 13 or 14 digits`},
		{10, `inventory "2.5" is not a whole number of at least 0`},
		{11, `inventory "-3" is not a whole number of at least 0`},
		{12, "has 4 fields, the header has 5"},
		{13, "has 6 fields, the header has 5"},
		{14, `cost: amount "1.005" has more than 2 decimal places`},
		{17, `extraneous or missing " in quoted-field`},
		{18, `bare " in non-quoted-field`},
		{19, "cost: empty amount"},
		{20, `extraneous or missing " in quoted-field`},
	}
	if !reflect.DeepEqual(rep.Errors, wantErrs) {
		t.Errorf("errors =\n%v\nwant\n%v", rep.Errors, wantErrs)
	}
	if rep.Rows != 17 || rep.Good != 3 || rep.Bad != 14 {
		t.Errorf("report rows/good/bad = %d/%d/%d, want 17/3/14", rep.Rows, rep.Good, rep.Bad)
	}
}

func TestParseQuoted(t *testing.T) {
	in := "sku,title,cost\r\n" +
		"\"SKU, with comma\",\"Mug, large\",1\r\n" +
		"Q-2,\"He said \"\"hi\"\"\r\nand left\",2\r\n" +
		"\"Q\"\"3\",\"\",3\r\n"
	items, _ := parse(t, in, "USD")
	want := []Item{
		{Line: 2, SKU: "SKU, with comma", Title: "Mug, large", Cost: 100, Currency: "USD"},
		{Line: 3, SKU: "Q-2", Title: "He said \"hi\"\nand left", Cost: 200, Currency: "USD"},
		{Line: 5, SKU: `Q"3`, Cost: 300, Currency: "USD"},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items =\n%+v\nwant\n%+v", items, want)
	}
}

func TestParseBOM(t *testing.T) {
	items, rep := parse(t, "\uFEFFsku,cost\nA,1\n", "USD")
	if len(items) != 1 || items[0].SKU != "A" || items[0].Line != 2 || rep.Bad != 0 {
		t.Errorf("items = %+v, report %+v; want A on line 2", items, rep)
	}
}

func TestParseSKUsVerbatim(t *testing.T) {
	in := "sku,gtin,cost\n" +
		"100000,,1\n" +
		"00123,00012345678905,1\n" +
		"1E+05,,1\n" +
		" 0042 ,,1\n" +
		"\"  7 \",,1\n" +
		"12.50,,1\n"
	items, _ := parse(t, in, "USD")
	var got []string
	for _, it := range items {
		got = append(got, it.SKU)
	}
	if want := []string{"100000", "00123", "1E+05", "0042", "7", "12.50"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SKUs = %q, want %q", got, want)
	}
	if items[1].GTIN != "00012345678905" {
		t.Errorf("GTIN = %q, want leading zeros kept", items[1].GTIN)
	}
}

func TestParseColumnOrder(t *testing.T) {
	in := " Inventory ,notes,COST,Title,sku , Gtin\n" +
		"4,ignored,9.99,Lamp,L-1,4006381333931\n"
	items, _ := parse(t, in, "EUR")
	want := []Item{{Line: 2, SKU: "L-1", GTIN: "4006381333931", Title: "Lamp", Cost: 999, Currency: "EUR", Inventory: 4, HasInventory: true}}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items = %+v, want %+v", items, want)
	}
}

func TestParseBadHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"title,gtin\nx,1\n", "lacks required column(s): sku, cost"},
		{"sku,title\nx,1\n", "lacks required column(s): cost"},
		{"cost\n1\n", "lacks required column(s): sku"},
		{"", "empty"},
		{"\n\n", "empty"},
		{"sku,cost,SKU\na,1,b\n", `names column "sku" twice`},
		{"sku,\"cost\n", "catalog header"},
	}
	for _, tt := range tests {
		called := false
		rep, err := Parse(strings.NewReader(tt.in), "USD", func(Item) error { called = true; return nil })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.want)
		}
		if called || rep.Rows != 0 {
			t.Errorf("Parse(%q) processed rows: %+v", tt.in, rep)
		}
	}
}

func TestParseCurrency(t *testing.T) {
	in := "sku,cost,currency\n" +
		"A,1500,JPY\n" +
		"B,12.5,usd\n" +
		"C,12.5,\n" +
		"D,1.5,JPY\n" +
		"E,1,US\n" +
		"F,1.234,KWD\n"
	items, rep := parse(t, in, "eur")
	var got []string
	for _, it := range items {
		got = append(got, fmt.Sprintf("%s %d %s", it.SKU, it.Cost, it.Currency))
	}
	if want := []string{"A 1500 JPY", "B 1250 USD", "C 1250 EUR", "F 1234 KWD"}; !reflect.DeepEqual(got, want) {
		t.Errorf("items = %q, want %q", got, want)
	}
	wantErrs := []RowError{
		{5, `cost: amount "1.5" has more than 0 decimal places`},
		{6, `currency "US" is not a three-letter code`},
	}
	if !reflect.DeepEqual(rep.Errors, wantErrs) {
		t.Errorf("errors = %v, want %v", rep.Errors, wantErrs)
	}

	// No currency column and no default: every row is refused, none guessed.
	_, rep = parse(t, "sku,cost\nA,1\n", "")
	if want := []RowError{{2, `currency "" is not a three-letter code`}}; !reflect.DeepEqual(rep.Errors, want) {
		t.Errorf("errors without currency = %v, want %v", rep.Errors, want)
	}
}

func TestParseDuplicateSKUsPassThrough(t *testing.T) {
	items, _ := parse(t, "sku,cost\nA,1\nA,2\n", "USD")
	if len(items) != 2 || items[0].Cost != 100 || items[1].Cost != 200 {
		t.Errorf("items = %+v, want both rows of A in file order", items)
	}
}

func TestParseCallbackError(t *testing.T) {
	boom := errors.New("database is gone")
	calls := 0
	rep, err := Parse(strings.NewReader("sku,cost\nA,1\nB,2\nC,3\n"), "USD", func(Item) error {
		calls++
		if calls == 2 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("err = %v, want %v at line 3", err, boom)
	}
	if calls != 2 || rep.Good != 1 {
		t.Errorf("calls = %d, good = %d; want Parse to stop at the failing row", calls, rep.Good)
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("sku,cost\nA,1\n"), &failing{boom})
	_, err := Parse(r, "USD", func(Item) error { return nil })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

func TestParseErrorCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("sku,cost\n")
	for range maxErrors + 500 {
		b.WriteString("X,bad\n")
	}
	b.WriteString("OK,1\n")
	_, rep := parse(t, b.String(), "USD")
	if rep.Bad != maxErrors+500 || len(rep.Errors) != maxErrors || rep.Good != 1 {
		t.Errorf("bad = %d, kept %d, good %d; want %d, %d, 1", rep.Bad, len(rep.Errors), rep.Good, maxErrors+500, maxErrors)
	}
	if last := rep.Errors[maxErrors-1]; last.Line != maxErrors+1 {
		t.Errorf("last kept error on line %d, want %d (the first ones are kept)", last.Line, maxErrors+1)
	}
}

// rows generates a catalog of n rows as it is read, so that tests can see
// how far ahead of the callback Parse reads.
type rows struct {
	n, next int
	buf     []byte
	pending []byte
	read    int64 // bytes handed out so far
	row     func(buf []byte, i int) []byte
}

func newRows(n int) *rows {
	return &rows{n: n, row: func(buf []byte, i int) []byte {
		return fmt.Appendf(buf, "SKU-%07d,%013d,\"Item %d, boxed\",%d.%02d,%d\n", i, i, i, i%500, i%100, i%50)
	}}
}

// Read fills p as far as it can, as a file would.
func (s *rows) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(s.pending) == 0 {
			switch {
			case s.next > s.n:
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			case s.next == 0:
				s.buf = append(s.buf[:0], "sku,gtin,title,cost,inventory\n"...)
			default:
				s.buf = s.row(s.buf[:0], s.next)
			}
			s.pending = s.buf
			s.next++
		}
		c := copy(p[n:], s.pending)
		s.pending = s.pending[c:]
		n += c
	}
	s.read += int64(n)
	return n, nil
}

func TestParseStreams(t *testing.T) {
	const n = 200_000
	src := newRows(n)
	var ahead int // the most rows generated beyond the one being handled
	var want int
	rep, err := Parse(src, "USD", func(it Item) error {
		want++
		if it.Line != want+1 || it.SKU != fmt.Sprintf("SKU-%07d", want) {
			return fmt.Errorf("got %s on line %d, want row %d", it.SKU, it.Line, want)
		}
		ahead = max(ahead, src.next-1-want)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Good != n || rep.Bad != 0 {
		t.Fatalf("report = %+v, want %d good rows", rep, n)
	}
	// Parse may buffer a few KiB (rows are about 55 bytes), never the file.
	if ahead > 200 {
		t.Errorf("Parse read %d rows ahead of the one it was handling; it must stream", ahead)
	}
	t.Logf("read at most %d rows ahead", ahead)
}

func TestParseRecordTooLong(t *testing.T) {
	// An unclosed quote on line 3 would otherwise swallow the whole file.
	// About 10 MiB, so that without the limit Parse ends quickly, and wrongly.
	src := newRows(1 << 20)
	src.row = func(buf []byte, i int) []byte {
		if i == 2 {
			return append(buf, "B,,\"unclosed,1,1\n"...)
		}
		return fmt.Appendf(buf, "S%d,,x,1,1\n", i)
	}
	_, err := Parse(src, "USD", func(Item) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "after line 2") {
		t.Fatalf("err = %v, want a record too long after line 2", err)
	}
	if src.read > maxRecord+64<<10 {
		t.Errorf("read %d bytes before giving up, want about %d", src.read, maxRecord)
	}
}

func BenchmarkParse200k(b *testing.B) {
	const n = 200_000
	b.ReportAllocs()
	var peak uint64
	var ms runtime.MemStats
	for b.Loop() {
		i := 0
		rep, err := Parse(newRows(n), "USD", func(Item) error {
			if i++; i%50_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return nil
		})
		if err != nil || rep.Good != n {
			b.Fatalf("Parse = %+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
	b.ReportMetric(float64(n), "rows/op")
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("sku,gtin,title,cost,inventory\nA-1,012345678905,Red mug,12.50,7\n"), "USD")
	f.Add([]byte("\uFEFFsku,cost,currency\n00123,1500,JPY\n1E+05,12.5,usd\n,,\n"), "")
	f.Add([]byte("sku,title,cost\r\n\"a,b\",\"x\"\"y\nz\",1\r\nq,\"bad\"x,1\nr,a\"b,1\n"), "EUR")
	f.Add([]byte("sku,cost\nA,-1\nB,1.005\nC\nD,1,2\n"), "KWD")
	f.Fuzz(func(t *testing.T, data []byte, currency string) {
		var items []Item
		rep, err := Parse(strings.NewReader(string(data)), currency, func(it Item) error {
			items = append(items, it)
			return nil
		})
		if len(items) != rep.Good || len(rep.Errors) != min(rep.Bad, maxErrors) {
			t.Fatalf("report %+v disagrees with %d items", rep, len(items))
		}
		if err == nil && rep.Rows != rep.Good+rep.Bad {
			t.Fatalf("report %+v: rows != good + bad", rep)
		}
		prev := 1
		for _, it := range items {
			if it.Line <= prev || it.SKU == "" || it.Cost < 0 || !validGTIN(it.GTIN) ||
				!validCurrency(it.Currency) || it.Inventory < 0 || (!it.HasInventory && it.Inventory != 0) {
				t.Fatalf("bad item after line %d: %+v", prev, it)
			}
			if _, err := money.Parse(it.Cost.Format(it.Currency), it.Currency); err != nil {
				t.Fatalf("item %+v: cost does not round-trip: %v", it, err)
			}
			prev = it.Line
		}
		for _, e := range rep.Errors {
			if e.Line < 1 || e.Reason == "" {
				t.Fatalf("bad row error %+v", e)
			}
		}
	})
}
