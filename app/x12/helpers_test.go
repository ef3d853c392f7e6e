package x12

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fixtureDir finds ../shared/fixtures/x12 next to the module root (the
// directory holding go.mod above this file). Without it the test is skipped,
// unless CI=true, where missing fixtures are a failure.
func fixtureDir(t testing.TB) string {
	t.Helper()
	dir, err := findFixtureDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("X12 fixtures missing (CI=true): %v", err)
		}
		t.Skipf("X12 fixtures not found, skipping: %v", err)
	}
	return dir
}

func findFixtureDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("runtime.Caller cannot locate this test file")
	}
	root := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("no go.mod above %s", file)
		}
		root = parent
	}
	dir := filepath.Join(root, "..", "shared", "fixtures", "x12")
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustParse(t testing.TB, data []byte) *File {
	t.Helper()
	f, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// canon renders what a File says independently of its delimiters and
// layout: envelope fields, and every set segment with composite and repeated
// elements split and trailing empty elements dropped. Trailer counts, which
// Marshal recomputes, and warnings are left out.
func canon(f *File) []string {
	var out []string
	for _, ic := range f.Interchanges {
		out = append(out, fmt.Sprintf("ISA %q", []string{ic.AuthQual, ic.Auth, ic.SecQual, ic.Sec, ic.SenderQualifier, ic.SenderID,
			ic.ReceiverQualifier, ic.ReceiverID, ic.Date, ic.Time, ic.Version, ic.ControlNumber, ic.AckRequested, ic.Usage}))
		for _, s := range ic.TA1 {
			out = append(out, canonSegment(s))
		}
		for _, g := range ic.Groups {
			out = append(out, fmt.Sprintf("GS %q", []string{g.FunctionalID, g.SenderID, g.ReceiverID, g.Date, g.Time, g.ControlNumber, g.Agency, g.Version}))
			for _, tx := range g.Transactions {
				out = append(out, fmt.Sprintf("TX %q %q", tx.Set, tx.ControlNumber))
				for _, s := range tx.Segments {
					out = append(out, canonSegment(s))
				}
			}
		}
	}
	return out
}

func canonSegment(s Segment) string {
	n := len(s.Elements)
	for n > 0 && s.Elements[n-1] == "" {
		n--
	}
	var b strings.Builder
	b.WriteString(s.ID)
	for i := 1; i <= n; i++ {
		var reps []string
		for _, r := range splitOn(s.E(i), s.repetition) {
			reps = append(reps, fmt.Sprintf("%q", splitOn(r, s.component)))
		}
		fmt.Fprintf(&b, " [%s]", strings.Join(reps, " "))
	}
	return b.String()
}

// testEnvelope is an envelope for writer tests.
func testEnvelope(version string) Envelope {
	return Envelope{
		SenderQualifier: "ZZ", SenderID: "CONSIGN", ReceiverQualifier: "ZZ", ReceiverID: "SUPPLIER01",
		Version: version, Usage: "T", InterchangeControl: 42, GroupControl: 7,
		Time: time.Date(2024, 3, 9, 14, 5, 0, 0, time.UTC),
	}
}

// doc builds a small 850 interchange from body segments (each written with
// * and terminated by ~), for tests that count segment ordinals: the ISA is
// 1, the GS 2, the ST 3, so body segment k is 3+k.
func doc(body ...string) string {
	isa := fmt.Sprintf("ISA*00*%-10s*00*%-10s*ZZ*%-15s*ZZ*%-15s*240102*1030*U*00401*000000001*0*T*>~", "", "", "SENDER", "RECEIVER")
	var b strings.Builder
	b.WriteString(isa)
	for _, s := range body {
		b.WriteString(s)
		b.WriteString("~")
	}
	return b.String()
}

// goodBody is a clean group with one 850: segments 2..9 of doc.
var goodBody = []string{
	"GS*PO*SENDER*RECEIVER*20240102*1030*1*X*004010", // 2
	"ST*850*0001",                               // 3
	"BEG*00*DS*PO123**20240102",                 // 4
	"PO1*1*2*EA*9.99**VN*SKU-1*UP*012345678905", // 5
	"CTT*1",           // 6
	"SE*5*0001",       // 7
	"GE*1*1",          // 8
	"IEA*1*000000001", // 9
}

// replaced returns goodBody with segment ordinal pos (as in doc) replaced by
// segs; no segs deletes it.
func replaced(pos int, segs ...string) []string {
	i := pos - 2
	out := append([]string{}, goodBody[:i]...)
	out = append(out, segs...)
	return append(out, goodBody[i+1:]...)
}
