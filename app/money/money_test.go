package money

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, cur string
		want    Amount
		ok      bool
	}{
		{"19.99", "USD", 1999, true},
		{"19.9", "USD", 1990, true},
		{"19", "USD", 1900, true},
		{"19.9900", "USD", 1999, true},
		{"0.00", "USD", 0, true},
		{"-5.25", "USD", -525, true},
		{" 7.25 ", "usd", 725, true},
		{"1500", "JPY", 1500, true},
		{"1500.5", "JPY", 0, false},
		{"1.234", "KWD", 1234, true},
		{"19.999", "USD", 0, false},
		{"1e5", "USD", 0, false},
		{"", "USD", 0, false},
		{"abc", "USD", 0, false},
		{"1,000.00", "USD", 0, false},
		{"92233720368547758.07", "USD", 0, false},
	} {
		got, err := Parse(tc.in, tc.cur)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("Parse(%q, %s) = %d, %v; want %d ok=%v", tc.in, tc.cur, got, err, tc.want, tc.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		a    Amount
		cur  string
		want string
	}{
		{1999, "USD", "19.99"}, {5, "USD", "0.05"}, {-525, "EUR", "-5.25"}, {1500, "JPY", "1500"}, {1234, "KWD", "1.234"},
	} {
		if got := tc.a.Format(tc.cur); got != tc.want {
			t.Errorf("%d.Format(%s) = %q, want %q", tc.a, tc.cur, got, tc.want)
		}
		if back, err := Parse(tc.want, tc.cur); err != nil || back != tc.a {
			t.Errorf("Parse(Format(%d)) = %d, %v", tc.a, back, err)
		}
	}
}
