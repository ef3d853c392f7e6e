package portal

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/money"
	"github.com/consign/consign/models"
)

// InboxRow is one PO in a supplier's inbox, with what the list shows of
// its retailer and order.
type InboxRow struct {
	ID        int64
	Number    string
	State     string
	Currency  string
	TotalCost money.Amount
	CreatedAt time.Time
	Retailer  string
	OrderName string
	Lines     int
}

// InboxParams filter and page the inbox, newest first.
type InboxParams struct {
	State  string // empty: every state
	Cursor string
	Limit  int // default 50
}

// InboxStates are the states the inbox filters by, in the order shown.
var InboxStates = []string{models.POSent, models.POAccepted, models.POPartiallyShipped, models.POShipped, models.PORejected, models.POCancelled}

// OpenStates are the states of POs that still need the supplier.
var OpenStates = []string{models.POSent, models.POAccepted, models.POPartiallyShipped}

// Inbox returns one page of the supplier's POs across every retailer and the
// cursor of the next page. It is one query whatever the page size.
func (s *Service) Inbox(ctx context.Context, supplierID int64, p InboxParams) ([]InboxRow, string, error) {
	limit := p.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := s.DB.Gorm.WithContext(ctx).Table("purchase_orders AS p").
		Select(`p.id AS id, p.number AS number, p.state AS state, p.currency AS currency, p.total_cost AS total_cost,
			p.created_at AS created_at, r.name AS retailer, o.name AS order_name,
			(SELECT COUNT(*) FROM po_lines l WHERE l.purchase_order_id = p.id) AS lines`).
		Joins("JOIN accounts r ON r.id = p.retailer_id").
		Joins("JOIN orders o ON o.id = p.order_id").
		Where("p.supplier_id = ?", supplierID)
	if p.State != "" {
		q = q.Where("p.state = ?", p.State)
	}
	if p.Cursor != "" {
		before, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("p.id < ?", before)
	}
	var rows []InboxRow
	if err := q.Order("p.id DESC").Limit(limit + 1).Scan(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("list inbox of supplier %d: %w", supplierID, err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor(rows[limit-1].ID)
	}
	return rows, next, nil
}

// StateCounts counts the supplier's POs by state, for the inbox filter.
func (s *Service) StateCounts(ctx context.Context, supplierID int64) (map[string]int, error) {
	var rows []struct {
		State string
		N     int
	}
	err := s.DB.Gorm.WithContext(ctx).Table("purchase_orders").Select("state, COUNT(*) AS n").
		Where("supplier_id = ?", supplierID).Group("state").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count POs of supplier %d by state: %w", supplierID, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// RetailerName names the retailer of one of the supplier's POs.
func (s *Service) RetailerName(ctx context.Context, supplierID, poID int64) (string, error) {
	var names []string
	err := s.DB.Gorm.WithContext(ctx).Table("purchase_orders AS p").Joins("JOIN accounts r ON r.id = p.retailer_id").
		Where("p.id = ? AND p.supplier_id = ?", poID, supplierID).Pluck("r.name", &names).Error
	if err != nil {
		return "", fmt.Errorf("retailer of purchase order %d: %w", poID, err)
	}
	if len(names) == 0 {
		return "", fmt.Errorf("purchase order %d: %w", poID, models.ErrNotFound)
	}
	return names[0], nil
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("inbox:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(raw), "inbox:"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
				return id, nil
			}
		}
	}
	return 0, &models.ValidationError{Message: "that page link is not one the portal made"}
}
