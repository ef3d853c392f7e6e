package bigcommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/consign/consign/app/platforms/jsontext"
)

// BigCommerce's V2 API writes ids and quantities as JSON integers and money
// as decimal strings ("55.9900"). Both are read from their exact text, never
// through float64.

// parseID reads a positive integer id. ok is false when the field is
// absent, null or 0 (BigCommerce's "none": a custom product's product_id,
// a deleted variant's variant_id).
func parseID(field string, raw json.RawMessage) (id int64, ok bool, err error) {
	n, present, err := jsontext.Whole(field, raw)
	if err != nil || !present || n == 0 {
		return 0, false, err
	}
	return n, true, nil
}

// quantity reads a required count that must fit an int comfortably.
func quantity(field string, raw json.RawMessage, required bool) (int, error) {
	n, ok, err := jsontext.Whole(field, raw)
	if err != nil {
		return 0, err
	}
	if !ok {
		if required {
			return 0, fmt.Errorf("%s is missing", field)
		}
		return 0, nil
	}
	return jsontext.Int(field, n)
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
		return fmt.Errorf("%s is JSON %s, not an object", what, jsontext.Kind(trimmed))
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
		return fmt.Errorf("%s is JSON %s, not an array", what, jsontext.Kind(trimmed))
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
