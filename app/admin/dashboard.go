package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/consign/consign/models"
)

// lateListSize bounds each list of late POs on the dashboard.
const lateListSize = 20

// StateCount is how many POs are in one state.
type StateCount struct {
	State string
	Count int64
}

// LatePO is a purchase order past one of the retailer's thresholds.
type LatePO struct {
	ID        int64
	Number    string
	OrderID   int64
	OrderName string
	Supplier  string
	State     string
	CreatedAt time.Time
}

// Dashboard is the retailer's overview.
type Dashboard struct {
	OrdersToday    int64
	NeedsAttention int64
	POsByState     []StateCount
	// NotAccepted are POs still pending or sent LateAcceptHours after they
	// were created; NotShipped are POs accepted but not fully shipped
	// LateShipDays after they were created (the customer's wait).
	NotAccepted, NotShipped           []LatePO
	NotAcceptedCount, NotShippedCount int64
	LateAcceptHours, LateShipDays     int
}

// poStateOrder is the order states appear on the dashboard.
var poStateOrder = []string{models.POPending, models.POSent, models.POAccepted, models.POPartiallyShipped,
	models.POShipped, models.PORejected, models.POCancelled}

// Dashboard counts what the retailer should look at: six queries, all on
// the retailer's indexes.
func (s *Service) Dashboard(ctx context.Context, acct models.Account) (Dashboard, error) {
	now := s.Now()
	d := Dashboard{LateAcceptHours: acct.LateAcceptHours, LateShipDays: acct.LateShipDays}
	db := s.db(ctx)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if err := db.Model(&models.Order{}).Where("retailer_id = ? AND created_at >= ?", acct.ID, today).
		Count(&d.OrdersToday).Error; err != nil {
		return d, fmt.Errorf("count orders of today: %w", err)
	}
	if err := db.Model(&models.Order{}).Where("retailer_id = ? AND state = ?", acct.ID, models.OrderNeedsAttention).
		Count(&d.NeedsAttention).Error; err != nil {
		return d, fmt.Errorf("count orders needing attention: %w", err)
	}
	var counts []StateCount
	if err := db.Model(&models.PurchaseOrder{}).Select("state, COUNT(*) AS count").
		Where("retailer_id = ?", acct.ID).Group("state").Scan(&counts).Error; err != nil {
		return d, fmt.Errorf("count purchase orders by state: %w", err)
	}
	byState := make(map[string]int64, len(counts))
	for _, c := range counts {
		byState[c.State] = c.Count
	}
	for _, st := range poStateOrder {
		d.POsByState = append(d.POsByState, StateCount{st, byState[st]})
	}
	var err error
	acceptBy := now.Add(-time.Duration(acct.LateAcceptHours) * time.Hour)
	d.NotAccepted, d.NotAcceptedCount, err = s.latePOs(ctx, acct.ID, []string{models.POPending, models.POSent}, acceptBy)
	if err != nil {
		return d, err
	}
	shipBy := now.AddDate(0, 0, -acct.LateShipDays)
	d.NotShipped, d.NotShippedCount, err = s.latePOs(ctx, acct.ID, []string{models.POAccepted, models.POPartiallyShipped}, shipBy)
	return d, err
}

// latePOs lists the oldest POs in states created before cutoff, and counts
// them all: the count uses the COUNT window so it is one query.
func (s *Service) latePOs(ctx context.Context, retailerID int64, states []string, cutoff time.Time) ([]LatePO, int64, error) {
	var rows []struct {
		LatePO
		Total int64
	}
	err := s.db(ctx).Table("purchase_orders p").
		Select("p.id, p.number, p.order_id, o.name AS order_name, a.name AS supplier, p.state, p.created_at, COUNT(*) OVER () AS total").
		Joins("JOIN orders o ON o.id = p.order_id").
		Joins("JOIN accounts a ON a.id = p.supplier_id").
		Where("p.retailer_id = ? AND p.state IN ? AND p.created_at < ?", retailerID, states, cutoff).
		Order("p.created_at, p.id").Limit(lateListSize).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list late purchase orders: %w", err)
	}
	out := make([]LatePO, len(rows))
	var total int64
	for i, r := range rows {
		out[i], total = r.LatePO, r.Total
	}
	return out, total, nil
}
