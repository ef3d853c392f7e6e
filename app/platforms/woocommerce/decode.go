package woocommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// decodeObject decodes a JSON object into v, with errors that name the JSON
// field rather than the Go one.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errors.New("body is empty")
	}
	if !json.Valid(trimmed) {
		var probe json.RawMessage
		return fmt.Errorf("body is not valid JSON: %v", json.Unmarshal(trimmed, &probe))
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("body is JSON %s, not an object", jsonKind(trimmed))
	}
	err := json.Unmarshal(trimmed, v)
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("field %s is a JSON %s, want %s", typ.Field, typ.Value, typ.Type.Kind())
	}
	if err != nil {
		return fmt.Errorf("decoding body: %w", err)
	}
	return nil
}

// parseID reads a WooCommerce id (a post or table row id) from its JSON text:
// an integer literal or a string of digits. Null, absent and 0 give 0: an id
// WooCommerce uses for "none" (variation_id of a simple product, product_id
// of a deleted product). Anything else, floats included, is an error.
func parseID(field string, raw json.RawMessage) (int64, error) {
	text, err := rawText(field, raw)
	if err != nil || text == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || !isDigits(text) {
		return 0, fmt.Errorf("%s %s is not a valid id: want a non-negative integer", field, raw)
	}
	return n, nil
}

// requireID is parseID for an id that must be there.
func requireID(field string, raw json.RawMessage) (int64, error) {
	n, err := parseID(field, raw)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("%s is missing or 0", field)
	}
	return n, nil
}

// parseWhole reads a non-negative integer such as a quantity. ok is false
// when the field is null or absent.
func parseWhole(field string, raw json.RawMessage) (n int64, ok bool, err error) {
	text, err := rawText(field, raw)
	if err != nil || text == "" {
		return 0, false, err
	}
	if strings.HasPrefix(text, "-") {
		return 0, false, fmt.Errorf("%s is negative (%s)", field, text)
	}
	n, err = strconv.ParseInt(text, 10, 64)
	if err != nil || !isDigits(text) {
		return 0, false, fmt.Errorf("%s %s is not a whole number", field, raw)
	}
	return n, true, nil
}

// rawText returns the text of a JSON number or string, "" for null or absent.
func rawText(field string, raw json.RawMessage) (string, error) {
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
	return "", fmt.Errorf("%s is a JSON %s, want a number", field, jsonKind(raw))
}

// wcTimeLayout is how the REST API writes dates: no zone. The *_gmt fields
// are UTC; the others are in the site's time zone, which Consign never uses.
const wcTimeLayout = "2006-01-02T15:04:05"

// parseGMT reads a *_gmt date. A zone, when present, is honoured.
func parseGMT(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation(wcTimeLayout, s, time.UTC); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date like 2006-01-02T15:04:05", field, s)
}

func toInt(field string, n int64) (int, error) {
	if n > 1<<31-1 {
		return 0, fmt.Errorf("%s %d is implausibly large", field, n)
	}
	return int(n), nil
}

func isDigits(s string) bool {
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

func isCurrencyCode(s string) bool {
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

func jsonKind(raw []byte) string {
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
