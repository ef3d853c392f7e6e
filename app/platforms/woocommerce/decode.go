package woocommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/platforms/jsontext"
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
		return fmt.Errorf("body is JSON %s, not an object", jsontext.Kind(trimmed))
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
	text, err := jsontext.Text(field, raw)
	if err != nil || text == "" {
		return 0, err
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || !jsontext.Digits(text) {
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
