package fakewoocommerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf16"
)

// phpJSON encodes v as wp_json_encode does: compact, "/" escaped as "\/",
// non-ASCII as \uXXXX, and <, >, & left alone.
func phpJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("fakewoocommerce: encoding %T: %v", v, err))
	}
	in := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(in)+len(in)/8)
	for _, r := range string(in) {
		switch {
		case r == '/': // only ever inside strings: JSON has no other '/'
			out = append(out, '\\', '/')
		case r < 0x80:
			out = append(out, byte(r))
		case r > 0xFFFF:
			a, b := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, a, b)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}
