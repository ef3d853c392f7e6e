// Package jsontext reads the numbers in platforms' JSON payloads from their
// exact text, never through float64: ids exceed 2^53, quantities must be
// whole, and money arrives as decimal strings. Errors name the JSON field.
package jsontext

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Text returns the text of a JSON number or string, "" for null or absent.
func Text(field string, raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		return strings.TrimSpace(s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), nil
	}
	return "", fmt.Errorf("%s is a JSON %s, want a number", field, Kind(raw))
}

// Whole reads a non-negative integer such as a quantity, written as a JSON
// integer or a string of digits. ok is false when the field is null or
// absent.
func Whole(field string, raw json.RawMessage) (n int64, ok bool, err error) {
	text, err := Text(field, raw)
	if err != nil || text == "" {
		return 0, false, err
	}
	if strings.HasPrefix(text, "-") {
		return 0, false, fmt.Errorf("%s is negative (%s)", field, text)
	}
	n, err = strconv.ParseInt(text, 10, 64)
	if err != nil || !Digits(text) {
		return 0, false, fmt.Errorf("%s %s is not a whole number", field, raw)
	}
	return n, true, nil
}

// Int narrows a count to an int, refusing one no order could hold.
func Int(field string, n int64) (int, error) {
	if n > 1<<31-1 {
		return 0, fmt.Errorf("%s %d is implausibly large", field, n)
	}
	return int(n), nil
}

// Digits reports whether s is a non-empty run of ASCII digits.
func Digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// CurrencyCode reports whether s looks like an ISO 4217 code.
func CurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// Kind names the JSON type of a non-empty value, for error messages.
func Kind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
