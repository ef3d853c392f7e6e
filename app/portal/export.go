package portal

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/csvsafe"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/models"
)

// ExportHeader is the first row of the open-PO export.
var ExportHeader = []string{
	"po_number", "po_state", "retailer", "order", "created_at",
	"ship_to_name", "ship_to_company", "ship_to_address1", "ship_to_address2", "ship_to_city",
	"ship_to_province", "ship_to_zip", "ship_to_country", "ship_to_phone",
	"line_id", "sku", "title", "quantity", "unshipped", "unit_cost", "currency", "line_state",
}

// ExportOpen writes the supplier's open POs (sent, accepted, partially
// shipped) as CSV, one row per line, streaming rows as the database yields
// them.
func (s *Service) ExportOpen(ctx context.Context, supplierID int64, w io.Writer) error {
	rows, err := s.DB.Gorm.WithContext(ctx).Raw(`
		SELECT p.number, p.state, r.name, o.name, p.created_at, p.ship_to, p.currency,
		       l.id, l.sku, l.title, l.quantity, l.cost, l.state,
		       COALESCE((SELECT SUM(sl.quantity) FROM shipment_lines sl WHERE sl.po_line_id = l.id), 0)
		FROM purchase_orders p
		JOIN accounts r ON r.id = p.retailer_id
		JOIN orders o ON o.id = p.order_id
		JOIN po_lines l ON l.purchase_order_id = p.id
		WHERE p.supplier_id = ? AND p.state IN ?
		ORDER BY p.id, l.id`, supplierID, OpenStates).Rows()
	if err != nil {
		return fmt.Errorf("query open POs of supplier %d: %w", supplierID, err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportHeader); err != nil {
		return fmt.Errorf("write export header: %w", err)
	}
	for rows.Next() {
		var (
			number, state, retailer, order, shipTo, currency string
			sku, title, lineState                            string
			created                                          time.Time
			lineID                                           int64
			qty, shipped                                     int
			cost                                             money.Amount
		)
		if err := rows.Scan(&number, &state, &retailer, &order, &created, &shipTo, &currency,
			&lineID, &sku, &title, &qty, &cost, &lineState, &shipped); err != nil {
			return fmt.Errorf("read open PO row: %w", err)
		}
		var a canonical.Address
		_ = json.Unmarshal([]byte(shipTo), &a) // a malformed address exports as blanks
		unshipped := qty - shipped
		if lineState == models.LineRejected {
			unshipped = 0
		}
		rec := []string{
			number, state, retailer, order, created.UTC().Format(time.RFC3339),
			a.Name, a.Company, a.Address1, a.Address2, a.City, a.Province, a.Zip, a.CountryCode, a.Phone,
			strconv.FormatInt(lineID, 10), sku, title, strconv.Itoa(qty), strconv.Itoa(unshipped),
			cost.Format(currency), currency, lineState,
		}
		if err := cw.Write(csvsafe.Row(rec)); err != nil {
			return fmt.Errorf("write export row: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read open POs of supplier %d: %w", supplierID, err)
	}
	cw.Flush()
	return cw.Error()
}
