package csvsafe

import "testing"

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"Blue mug":           "Blue mug",
		"00123":              "00123",
		"1E5":                "1E5",
		"-5":                 "-5",
		"+1.5":               "+1.5",
		"-1e3":               "-1e3",
		"=1+1":               "'=1+1",
		"+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
		"-2+3":               "'-2+3",
		"@SUM(A1)":           "'@SUM(A1)",
		" =1":                "' =1",
		"\n=1":               "'\n=1",
		"\t=1":               "'\t=1",
		"\r=1":               "'\r=1",
		"\u00a0=1":           "'\u00a0=1", // no-break space
		"\u3000=1":           "'\u3000=1", // ideographic space
		"\x00=1":             "'\x00=1",
		"\uFF1D1+1":          "'\uFF1D1+1", // full-width =
		"\uFF0B1":            "'\uFF0B1",
		"\uFF0D1":            "'\uFF0D1",
		"\uFF20A1":           "'\uFF20A1",
		"-Inf":               "'-Inf",
		"+NaN":               "'+NaN",
		"-0x1F":              "'-0x1F",
		" -5":                "' -5", // not a plain number once padded
		"\tHello":            "\tHello",
		"Ann = Bob":          "Ann = Bob",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}
