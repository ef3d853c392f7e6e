package x12

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The benchmarks receive a real two-set 856 (4010_856_bots_1.edi, 87
// segments): Parse856 parses it and decodes both ship notices, the work of
// receiving an ASN; SplitBaseline only splits the same bytes on the
// terminator. The Read variants also read the file each time, as a job
// picking documents up from disk or a mailbox would.

func BenchmarkParse856(b *testing.B) {
	data := readFixture(b, "4010_856_bots_1.edi")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		parse856(b, data)
	}
}

func BenchmarkSplitBaseline(b *testing.B) {
	data := readFixture(b, "4010_856_bots_1.edi")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		split(b, data)
	}
}

func BenchmarkReadParse856(b *testing.B) {
	path := filepath.Join(fixtureDir(b), "4010_856_bots_1.edi")
	b.ReportAllocs()
	for b.Loop() {
		parse856(b, readFile(b, path))
	}
}

func BenchmarkReadSplitBaseline(b *testing.B) {
	path := filepath.Join(fixtureDir(b), "4010_856_bots_1.edi")
	b.ReportAllocs()
	for b.Loop() {
		split(b, readFile(b, path))
	}
}

func parse856(b *testing.B, data []byte) {
	f, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	for _, tx := range f.Interchanges[0].Groups[0].Transactions {
		if _, err := tx.ShipNotice(); err != nil {
			b.Fatal(err)
		}
	}
}

func split(b *testing.B, data []byte) {
	if len(bytes.Split(data, []byte{'~'})) < 2 {
		b.Fatal("nothing to split")
	}
}

func readFile(b *testing.B, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}
