package handlers_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/models"
)

// TestFinding8ExportNeutralizesFormulas: titles from shoppers and stores
// that a spreadsheet would run reach the export defused, whatever comes
// before the formula sign.
func TestFinding8ExportNeutralizesFormulas(t *testing.T) {
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		attacks := []string{" =1+1", "\n=HYPERLINK(\"https://evil.example\")", "\t=1", "\r+1", "\uFF1D1+1", "\uFF0BSUM(A1)",
			"\uFF0D2+3", "\uFF20SUM(A1)", "\u00a0@SUM(A1)"}
		db := w.h.App.DB.Gorm
		for i, l := range w.poA.Lines {
			apptest.Must(t, db.Model(&models.POLine{}).Where("id = ?", l.ID).Update("title", attacks[i%len(attacks)]).Error)
		}
		b := w.signIn(t, w.supA)
		if res := b.do(http.MethodGet, "/portal/purchase-orders.csv", nil); res.StatusCode != 200 {
			t.Fatalf("export: %d", res.StatusCode)
		}
		recs, err := csv.NewReader(strings.NewReader(b.last)).ReadAll()
		apptest.Must(t, err)
		title := slices.Index(portal.ExportHeader, "title")
		if len(recs) < 2 {
			t.Fatalf("export has no rows:\n%s", b.last)
		}
		for _, r := range recs[1:] {
			if !strings.HasPrefix(r[title], "'") {
				t.Errorf("title %q reaches the export live", r[title])
			}
		}
	})
}
