// Package money holds amounts as integers in a currency's minor unit.
// Money is never a float: prices arrive as decimal strings and are parsed exactly.
package money

import (
	"fmt"
	"strings"
)

// Amount is a quantity of a currency's minor unit (cents for USD, yen for JPY).
type Amount int64

// exponents lists the ISO 4217 currencies whose minor unit is not 1/100.
var exponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// Exponent is the number of decimal places of the currency's minor unit.
func Exponent(currency string) int {
	if e, ok := exponents[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// Parse reads a decimal string such as "19.99" into minor units of currency.
// Trailing zeros beyond the currency's precision are accepted ("19.9900");
// any other extra digit is an error, never a silent rounding.
func Parse(s, currency string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty amount")
	}
	neg := false
	switch s[0] {
	case '-':
		neg, s = true, s[1:]
	case '+':
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("amount %q has no digits", s)
	}
	exp := Exponent(currency)
	frac = strings.TrimRight(frac, "0")
	if len(frac) > exp {
		return 0, fmt.Errorf("amount %q has more than %d decimal places", s, exp)
	}
	frac += strings.Repeat("0", exp-len(frac))
	var v int64
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("amount %q is not a decimal number", s)
		}
		if v > (1<<63-1)/10-1 {
			return 0, fmt.Errorf("amount %q is too large", s)
		}
		v = v*10 + int64(r-'0')
	}
	if neg {
		v = -v
	}
	return Amount(v), nil
}

// Format writes a as a decimal string with the currency's precision.
func (a Amount) Format(currency string) string {
	exp := Exponent(currency)
	v := int64(a)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if exp == 0 {
		return fmt.Sprintf("%s%d", sign, v)
	}
	p := int64(1)
	for range exp {
		p *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, v/p, exp, v%p)
}
