package reply

import (
	"strings"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, tc := range intentCases {
		f.Add(plain(tc.body))
	}
	f.Add(crlf(gmailReply))
	f.Add(nestedReply())
	f.Add([]byte("From: a@b\r\nContent-Type: text/html\r\n\r\n<div class=gmail_quote><blockquote><p>x</div></blockquote>"))
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\n\r\nAccepted\r\n--y--\r\n--x--\r\n"))
	f.Add([]byte("From: a@b\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n=1B$B=3F=3D\r\n"))
	f.Add([]byte("Subject: =?utf-8?b?////?= =?x-bad?q?=FF?=\r\n\r\n"))

	valid := map[Intent]bool{IntentNone: true, IntentAccept: true, IntentReject: true, IntentShip: true, IntentUnclear: true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := Parse(raw)
		if err != nil {
			return
		}
		if !valid[r.Intent] {
			t.Fatalf("Intent %q", r.Intent)
		}
		clear := r.Intent == IntentAccept || r.Intent == IntentReject || r.Intent == IntentShip
		if clear && len(r.Unclear) > 0 && strings.TrimSpace(r.Text) != "" {
			t.Fatalf("intent %s with Unclear %q", r.Intent, r.Unclear)
		}
		if !clear && len(r.Unclear) == 0 {
			t.Fatalf("intent %s without a reason", r.Intent)
		}
		if r.Intent == IntentShip && len(r.Tracking) == 0 {
			t.Fatal("IntentShip without tracking")
		}
	})
}

// TestParseStaysLinear feeds inputs built to make a careless parser
// quadratic, at two sizes, and checks that four times the input takes well
// under sixteen times as long, in CPU time. Ratios rather than absolute
// times keep it meaningful on a busy machine.
func TestParseStaysLinear(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("timing test; slow under -short and -race")
	}
	header := "From: a@acme.example\r\nContent-Type: text/html\r\n\r\n"
	inputs := map[string]func(n int) string{
		"unclosed tags":         func(n int) string { return header + strings.Repeat("<a ", n/3) },
		"open quotes in tags":   func(n int) string { return header + strings.Repeat("<a '", n/4) },
		"lone angle brackets":   func(n int) string { return header + strings.Repeat("< ", n/2) },
		"nested blockquotes":    func(n int) string { return header + strings.Repeat("<blockquote>", n/12) },
		"unterminated comments": func(n int) string { return header + strings.Repeat("<!--", n/4) },
		"script without end":    func(n int) string { return header + "<script>" + strings.Repeat("<", n) },
		"attributions":          func(n int) string { return "From: a@b\r\n\r\n" + strings.Repeat("On Monday Bob wrote:\n", n/21) },
		"long line": func(n int) string {
			return "From: a@b\r\n\r\n" + strings.Repeat("On accept reject out of stock 1Z ", n/33)
		},
		"digit groups":        func(n int) string { return "From: a@b\r\n\r\n" + strings.Repeat("1234 ", n/5) },
		"quote markers":       func(n int) string { return "From: a@b\r\n\r\n" + strings.Repeat(">\n", n/2) },
		"header block starts": func(n int) string { return "From: a@b\r\n\r\n" + strings.Repeat("From: x\n", n/8) },
		"folded header":       func(n int) string { return "Subject: a\r\n" + strings.Repeat(" b\r\n", n/4) + "\r\nok" },
		"boundaries": func(n int) string {
			return "From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n" + strings.Repeat("--x\r\n\r\n", n/7)
		},
	}
	for name, build := range inputs {
		t.Run(name, func(t *testing.T) {
			small, large := build(64<<10), build(256<<10)
			measure := func(in string) time.Duration {
				best := time.Duration(1<<63 - 1)
				for range 5 {
					start := cpuTime()
					Parse([]byte(in))
					best = min(best, cpuTime()-start)
				}
				return best
			}
			ds, dl := measure(small), measure(large)
			if dl > 10*ds && dl > 50*time.Millisecond {
				t.Errorf("%d bytes took %v, %d bytes %v: not linear", len(small), ds, len(large), dl)
			}
		})
	}
}
