package x12

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse: Parse never panics, fails only with a *SyntaxError, and what it
// reads re-encodes (Marshal) into data that parses to the same segments. The
// decoders, Report and Acknowledge must not panic on whatever parses.
func FuzzParse(f *testing.F) {
	if dir, err := findFixtureDir(); err == nil {
		names, _ := filepath.Glob(filepath.Join(dir, "*.edi"))
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, version := range []string{"004010", "005010"} {
		env := testEnvelope(version)
		env.LineBreaks = version == "005010"
		data, err := Encode(env, "PO", []SetBody{samplePO.Set(), sampleAck.Set(), sampleShip.Set(), sampleInvoice.Set(), sampleInventory.Set()})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(doc(goodBody...)))
	f.Add([]byte(doc(replaced(7, "SE*9*0002")...)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			return
		}
		for i := range file.Interchanges {
			for j := range file.Interchanges[i].Groups {
				g := &file.Interchanges[i].Groups[j]
				for k := range g.Transactions {
					_ = decode(&g.Transactions[k])
				}
				Acknowledge(g, file.Warnings)
			}
		}
		Report(file)
		out, err := Marshal(file, Delimiters{}, false)
		if err != nil {
			t.Fatalf("parsed data does not re-encode: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-encoded data does not parse: %v\n%q", err, out)
		}
		if a, b := canon(file), canon(again); !reflect.DeepEqual(a, b) {
			t.Fatalf("re-encoded data reads differently:\n%q\n%q", a, b)
		}
	})
}
