package reply

import (
	"fmt"
	"strings"
	"testing"
)

// Valid and invalid numbers below are the published test numbers of
// github.com/jkeen/tracking_number_data (couriers/*.json), the UPS example
// 1Z 999 AA1 01 2345 6784 and the S10 example EA123456785US.
func TestCheckDigits(t *testing.T) {
	valid := map[string]format{
		"1Z5R89390357567127":                 fmtUPS,
		"1Z879E930346834440":                 fmtUPS,
		"1Z410E7W0392751591":                 fmtUPS,
		"1Z8V92A70367203024":                 fmtUPS,
		"1ZXX3150YW44070023":                 fmtUPS,
		"1Z999AA10123456784":                 fmtUPS,
		"9400111206206406260787":             fmtIMpb,
		"9400111201080805483016":             fmtIMpb,
		"9405803699300124287899":             fmtIMpb,
		"9434611206206406227577":             fmtIMpb,
		"9505511069605048600624":             fmtIMpb,
		"92748931507708513018050063":         fmtIMpb,
		"92001903060085300042901077":         fmtIMpb,
		"4201002334249200190132607600833457": fmtIMpb,
		"420787459400111206206406260787":     fmtIMpb,
		"4201028200009261290113185417468510": fmtIMpb,
		"EA123456785US":                      fmtS10,
		"RB123456785GB":                      fmtS10,
		"RB123456785US":                      fmtS10,
		"986578788855":                       fmtFedEx12,
		"477179081230":                       fmtFedEx12,
		"799531274483":                       fmtFedEx12,
		"790535312317":                       fmtFedEx12,
		"974367662710":                       fmtFedEx12,
		"041441760228964":                    fmtFedEx15,
		"568283610012000":                    fmtFedEx15,
		"568283610012734":                    fmtFedEx15,
		"9611020987654312345672":             fmtFedEx96,
		"3318810025":                         fmtDHL10,
		"8487135506":                         fmtDHL10,
		"1099255990":                         fmtDHL10,
		"3821724944":                         fmtDHL10,
		"JJD0099999999":                      fmtDHLPiece,
		"JVGL0999999990":                     fmtDHLPiece,
		"JJD014600006302548640":              fmtDHLPiece,
	}
	for n, want := range valid {
		if f, number, bad := classify(n); f != want || bad {
			t.Errorf("classify(%s) = %v %q bad=%v, want %v", n, f, number, bad, want)
		}
	}
	invalid := []string{
		"2Z5R89390357567127", "1A5R89390357567127", "1Z1111111111111111", "1Z999AA10123456780",
		"9434611206206407667131", "9434611306206407667222", "2334611306206407667222", "9200000000000000000001",
		"RB123456786US", "996578788855", "568283610012732", "9600000000000000000001",
		"3318810010", "3318810034", "3318810011", "XJD0099999998", "JJD12345",
	}
	for _, n := range invalid {
		if f, _, _ := classify(n); f != fmtNone {
			t.Errorf("classify(%s) = %v, want none", n, f)
		}
	}
}

func TestFindTracking(t *testing.T) {
	tests := []struct {
		text string
		want string // "Carrier:Number, ..."
	}{
		{"Shipped via UPS 1Z 999 AA1 01 2345 6784 today", "UPS:1Z999AA10123456784"},
		{"tracking: 1z999aa10123456784", "UPS:1Z999AA10123456784"},
		{"USPS 9400 1112 0108 0805 4830 16", "USPS:9400111201080805483016"},
		{"9400111206206406260787 (FedEx SmartPost)", "FedEx:9400111206206406260787"},
		{"DHL eCommerce 9261290113185417468510", "DHL:9261290113185417468510"},
		{"Label 420 10282 0000 9261 2901 1318 5417 4685 10", "USPS:9261290113185417468510"},
		{"Registered mail EA123456785US", "USPS:EA123456785US"},
		{"Parcel RB123456785GB", ":RB123456785GB"},
		{"FedEx tracking 9865 7878 8855", "FedEx:986578788855"},
		{"Tracking #: 986578788855", "FedEx:986578788855"},
		{"Ground 041441760228964", "FedEx:041441760228964"},
		{"9611020987654312345672", "FedEx:9611020987654312345672"},
		{"DHL Express waybill 3318810025", "DHL:3318810025"},
		{"Sent with DHL:\n3318810025", "DHL:3318810025"},
		{"Piece JJD0099999999 and JVGL0999999990", "DHL:JJD0099999999, DHL:JVGL0999999990"},
		{"https://www.ups.com/track?tracknum=1Z5R89390357567127&loc=en_US", "UPS:1Z5R89390357567127"},
		{"1Z5R89390357567127, 1Z879E930346834440 and again 1Z5R89390357567127", "UPS:1Z5R89390357567127, UPS:1Z879E930346834440"},
		// Not tracking numbers.
		{"3318810025", ""}, // 10 digits without DHL named
		{"Call me at +1 331 881 0025", ""},
		{"Phone: 986578788855", ""},
		{"Order #1003-1 ships Monday", ""},
		{"Order 986578788855 is ready", ""},
		{"Invoice no. 986578788855", ""},
		{"ZIP 90210-1234, 2024-06-03, 03/06/2024", ""},
		{"DHL support (331) 881-0025", ""},
		{"IBAN DE89 3704 0044 0532 0130 00", ""},
		{"Größe1Z999AA10123456784", ""},
		{"ref 2024-986578788855", ""},
		{"986 578 788 855", ""}, // phone-style grouping of a weak format
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var got []string
			for _, tr := range FindTracking(tt.text) {
				got = append(got, tr.Carrier+":"+tr.Number)
			}
			if g := strings.Join(got, ", "); g != tt.want {
				t.Errorf("FindTracking = %q, want %q", g, tt.want)
			}
		})
	}
}

func TestFindTrackingReportsBadCheckDigits(t *testing.T) {
	_, bad := findTracking("UPS 1Z999AA10123456780 and 1Z999AA10123456784")
	if fmt.Sprint(bad) != "[1Z999AA10123456780]" {
		t.Errorf("bad = %v", bad)
	}
}

func FuzzFindTracking(f *testing.F) {
	for _, s := range []string{
		"UPS 1Z 999 AA1 01 2345 6784", "9400 1112 0108 0805 4830 16", "EA123456785US",
		"DHL 3318810025", "JJD0099999999", "420 10282 0000 9261 2901 1318 5417 4685 10",
		"Phone +1 331 881 0025", "Größe1Z999AA10123456784", strings.Repeat("1Z ", 50),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		found, _ := findTracking(s)
		seen := map[string]bool{}
		for _, tr := range found {
			if seen[tr.Number] {
				t.Fatalf("duplicate %q", tr.Number)
			}
			seen[tr.Number] = true
			if f, _, _ := classify(tr.Number); f == fmtNone {
				t.Fatalf("reported %q which does not validate", tr.Number)
			}
		}
	})
}
