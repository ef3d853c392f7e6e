package bigcommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// BigCommerce's V2 API writes ids and quantities as JSON integers and money
// as decimal strings ("55.9900"). Both are read from their exact text, never
// through float64.

// parseID reads a positive integer id. ok is false when the field is
// absent, null or 0 (BigCommerce's "none": a custom product's product_id,
// a deleted variant's variant_id).
func parseID(field string, raw json.RawMessage) (id int64, ok bool, err error) {
	n, present, err := parseWhole(field, raw)
	if err != nil || !present || n == 0 {
		return 0, false, err
	}
	return n, true, nil
}

// parseWhole reads a non-negative integer. ok is false when absent or null.
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

// quantity reads a required count that must fit an int comfortably.
func quantity(field string, raw json.RawMessage, required bool) (int, error) {
	n, ok, err := parseWhole(field, raw)
	if err != nil {
		return 0, err
	}
	if !ok {
		if required {
			return 0, fmt.Errorf("%s is missing", field)
		}
		return 0, nil
	}
	if n > 1<<31-1 {
		return 0, fmt.Errorf("%s %d is implausibly large", field, n)
	}
	return int(n), nil
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

// decodeObject decodes a JSON object into v with errors naming JSON fields.
func decodeObject(what string, data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return fmt.Errorf("%s is empty", what)
	}
	if !json.Valid(trimmed) {
		return fmt.Errorf("%s is not valid JSON", what)
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("%s is JSON %s, not an object", what, jsonKind(trimmed))
	}
	return decodeErr(what, json.Unmarshal(trimmed, v))
}

// decodeArray decodes a JSON array into v; null or absent is an empty list.
func decodeArray(what string, data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return nil
	}
	if trimmed[0] != '[' {
		return fmt.Errorf("%s is JSON %s, not an array", what, jsonKind(trimmed))
	}
	return decodeErr(what, json.Unmarshal(trimmed, v))
}

func decodeErr(what string, err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("%s: field %s is a JSON %s, want %s", what, typ.Field, typ.Value, typ.Type.Kind())
	}
	if err != nil {
		return fmt.Errorf("decoding %s: %w", what, err)
	}
	return nil
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
