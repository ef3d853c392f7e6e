// Package csvsafe keeps spreadsheet programs from running CSV cells as
// formulas. Exported titles, names and addresses come from shoppers and
// stores, not from whoever opens the file, so every export writes its cells
// through Cell.
package csvsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// triggers start a formula in Excel, LibreOffice or Google Sheets, in their
// ASCII and full-width forms (spreadsheets fold the latter to the former).
const triggers = "=+-@\uFF1D\uFF0B\uFF0D\uFF20"

// Cell returns v, or v behind a leading apostrophe when a spreadsheet
// would read it as a formula. Leading spaces and control characters (tab,
// carriage return, line feed, NUL, ...) are skipped before looking, since
// spreadsheets skip them too. A plain number, such as "-5" or "+1.5", is
// left alone: it is a number, not a formula.
func Cell(v string) string {
	trimmed := strings.TrimLeftFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	if trimmed == "" {
		return v
	}
	first, _ := utf8.DecodeRuneInString(trimmed)
	if !strings.ContainsRune(triggers, first) {
		return v
	}
	if trimmed == v && isNumber(v) {
		return v
	}
	return "'" + v
}

// isNumber accepts decimal numbers only (no hex, no inf or nan, no
// underscores): what a spreadsheet would read as a number anyway.
func isNumber(s string) bool {
	if strings.ContainsAny(s, "xXpP_iInN") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// Row applies Cell to every cell of a record, in place, and returns it.
func Row(rec []string) []string {
	for i := range rec {
		rec[i] = Cell(rec[i])
	}
	return rec
}
