package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/routing"
	"github.com/consign/consign/models"
)

// RouteResult says what one routing run did.
type RouteResult struct {
	Created   []string // numbers of the POs created
	Extended  []string // numbers of pending POs that got more lines
	Unmatched []routing.Problem
	Why       string // why the order was not routed, when it was not eligible

	// reserve is the stock the new PO lines take, by catalog item. The
	// caller reserves it as the transaction's last statement: stock rows are
	// the most contended of all, and their locks are held until commit.
	reserve map[int64]int
}

// RouteOrder matches the order's lines to suppliers and creates whatever POs
// are missing, in one transaction that holds the order's row lock: a second
// run (a retry, a duplicate job) finds the POs and creates nothing.
func (p *Pipeline) RouteOrder(ctx context.Context, orderID int64) (RouteResult, error) {
	var result RouteResult
	err := p.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The order, locked, and its retailer's trigger in one read.
		var row struct {
			models.Order
			RoutingTrigger string
		}
		lock := ""
		if p.DB.Dialect == database.Postgres {
			lock = " FOR UPDATE OF orders"
		}
		err := tx.Raw(`SELECT orders.*, accounts.routing_trigger FROM orders
			JOIN accounts ON accounts.id = orders.retailer_id WHERE orders.id = ?`+lock, orderID).Scan(&row).Error
		if err != nil {
			return fmt.Errorf("load order %d: %w", orderID, err)
		}
		if row.ID == 0 {
			return fmt.Errorf("order %d: %w", orderID, models.ErrNotFound)
		}
		if result, err = p.route(ctx, tx, row.Order, row.RoutingTrigger, routeHints{}); err != nil {
			return err
		}
		return models.ReserveInventory(tx, result.reserve)
	})
	return result, err
}

// routeHints spare route queries whose answer the caller already has.
type routeHints struct {
	lines []models.OrderLine // all the order's lines, when just written
	noPOs bool               // the order is new: it has no POs yet
}

// route routes an order whose row lock tx already holds, under the
// retailer's routing trigger.
func (p *Pipeline) route(ctx context.Context, tx *gorm.DB, order models.Order, triggerSetting string, hints routeHints) (RouteResult, error) {
	var result RouteResult
	if order.State == models.OrderCancelled {
		result.Why = "the order is cancelled"
		return result, nil
	}
	if order.Hold != "" {
		// The store's own workflow says not yet (BigCommerce "Awaiting
		// Payment", WooCommerce "on-hold"): an update that clears it routes.
		result.Why = "waiting for the store: " + order.Hold
		return result, nil
	}
	trigger, _ := routing.ParseTrigger(triggerSetting)
	paid := (&canonical.Order{FinancialStatus: order.FinancialStatus}).Paid()
	// Money given back is as final as a cancellation, even under trigger "any".
	void := order.FinancialStatus == canonical.FinancialRefunded || order.FinancialStatus == canonical.FinancialVoided
	if ok, why := routing.Eligible(trigger, paid, order.CancelledAt != nil || void); !ok {
		result.Why = why
		return result, nil
	}
	in, rc, err := p.routingInput(tx, order, trigger, paid, hints)
	if err != nil {
		return result, err
	}
	plan := routing.Route(in)
	if err := p.applyPlan(ctx, tx, order, plan, rc, &result); err != nil {
		return result, err
	}
	result.Unmatched = plan.Unmatched
	return result, p.settleOrderState(tx, order, plan)
}

// routeContext is what applying a plan needs beyond the plan.
type routeContext struct {
	existing map[int64]*models.PurchaseOrder // live PO of this order, by supplier
	channels map[int64]string                // partnership channel, by supplier
}

// routingInput loads the order's lines, its live POs and every candidate
// catalog item with a bounded number of indexed queries, whatever the
// catalog size.
func (p *Pipeline) routingInput(tx *gorm.DB, order models.Order, trigger routing.Trigger, paid bool, hints routeHints) (routing.Input, routeContext, error) {
	rc := routeContext{channels: map[int64]string{}}
	in := routing.Input{Trigger: trigger, Paid: paid, Routed: map[int64]bool{}, Blocked: map[int64]string{}}
	lines := hints.lines
	if lines == nil {
		if err := tx.Where("order_id = ?", order.ID).Order("id").Find(&lines).Error; err != nil {
			return in, rc, fmt.Errorf("load lines of order %d: %w", order.ID, err)
		}
	}
	var pos []models.PurchaseOrder
	if !hints.noPOs {
		if err := tx.Preload("Lines").Where("order_id = ?", order.ID).Find(&pos).Error; err != nil {
			return in, rc, fmt.Errorf("load purchase orders of order %d: %w", order.ID, err)
		}
	}
	existing := make(map[int64]*models.PurchaseOrder, len(pos))
	for i := range pos {
		po := &pos[i]
		existing[po.SupplierID] = po
		if po.State != models.POPending {
			in.Blocked[po.SupplierID] = fmt.Sprintf("its purchase order %s for this order is already %s", po.Number, po.State)
		}
		if po.State == models.POCancelled || po.State == models.PORejected {
			continue
		}
		for _, l := range po.Lines {
			in.Routed[l.OrderLineID] = true
		}
	}
	var variants, skus, gtins []string
	for _, l := range lines {
		in.Lines = append(in.Lines, routing.Line{
			ID: l.ID, VariantID: l.VariantID, SKU: l.SKU, GTIN: l.GTIN, Title: l.Title,
			Quantity: l.Quantity, FulfillableQuantity: l.FulfillableQuantity,
			RequiresShipping: l.RequiresShipping, GiftCard: l.GiftCard,
		})
		if l.VariantID != "" {
			variants = append(variants, l.VariantID)
		}
		if l.SKU != "" {
			skus = append(skus, l.SKU)
		}
		if l.GTIN != "" {
			gtins = append(gtins, l.GTIN)
		}
	}
	cands, err := models.FindCandidates(tx, order.RetailerID, variants, skus, gtins)
	if err != nil {
		return in, rc, err
	}
	for _, c := range cands {
		rc.channels[c.Item.SupplierID] = c.Partnership.Channel
	}
	for _, l := range lines {
		for _, c := range cands {
			via := ""
			switch {
			case c.MappedVariant != "" && c.MappedVariant == l.VariantID:
				via = routing.ViaMapping
			case c.MappedVariant == "" && l.SKU != "" && c.Item.SKU == l.SKU:
				via = routing.ViaSKU
			case c.MappedVariant == "" && l.GTIN != "" && c.Item.GTIN == l.GTIN:
				via = routing.ViaGTIN
			default:
				continue
			}
			inv := math.MaxInt32 // untracked stock never runs out
			if c.Item.Inventory != nil {
				inv = *c.Item.Inventory
			}
			in.Candidates = append(in.Candidates, routing.Candidate{
				LineID: l.ID, Via: via, SupplierID: c.Item.SupplierID, CatalogItemID: c.Item.ID,
				SKU: c.Item.SKU, Title: c.Item.Title, Cost: c.Item.Cost, Currency: c.Item.Currency,
				Inventory: inv, PartnerPriority: c.Partnership.Priority, MappingPriority: c.MappingPriority,
				Strategy: routing.Strategy(c.Partnership.Strategy),
			})
		}
	}
	rc.existing = existing
	return in, rc, nil
}

// applyPlan creates each planned PO (or adds lines to its pending one) with
// a few multi-row statements, notes the stock to reserve, and delivers the new POs:
// a portal supplier sees a PO as soon as it exists, so it is sent at once;
// other channels get a delivery job.
func (p *Pipeline) applyPlan(ctx context.Context, tx *gorm.DB, order models.Order, plan routing.Plan, rc routeContext, result *RouteResult) error {
	if len(plan.POs) == 0 {
		return nil
	}
	now := p.Now()
	var fresh []models.PurchaseOrder
	for _, planned := range plan.POs {
		if po, ok := rc.existing[planned.SupplierID]; ok {
			result.Extended = append(result.Extended, po.Number)
			continue
		}
		state := models.POPending
		if rc.channels[planned.SupplierID] == models.ChannelPortal {
			state = models.POSent
		}
		fresh = append(fresh, models.PurchaseOrder{
			Number:  fmt.Sprintf("PO-%d-%d", order.ID, planned.SupplierID),
			OrderID: order.ID, RetailerID: order.RetailerID, SupplierID: planned.SupplierID,
			State: state, Currency: planned.Lines[0].Currency, ShipTo: order.ShipTo,
			TotalCost: lineTotal(planned.Lines), CreatedAt: now, UpdatedAt: now,
		})
	}
	byID := map[int64]*models.PurchaseOrder{}
	if len(fresh) > 0 {
		if err := tx.Create(&fresh).Error; err != nil {
			return fmt.Errorf("create purchase orders for order %d: %w", order.ID, err)
		}
		var events []models.POEvent
		for i := range fresh {
			po := &fresh[i]
			byID[po.SupplierID] = po
			result.Created = append(result.Created, po.Number)
			events = append(events, models.POEvent{PurchaseOrderID: po.ID, ToState: models.POPending,
				Reason: "routed from order " + order.Name, Actor: "consign", CreatedAt: now})
			if po.State == models.POSent {
				events = append(events, models.POEvent{PurchaseOrderID: po.ID, FromState: models.POPending, ToState: models.POSent,
					Reason: "available in the supplier portal and API", Actor: "consign", CreatedAt: now})
				continue
			}
			if _, err := p.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.DeliverPO{PurchaseOrderID: po.ID}, nil); err != nil {
				return fmt.Errorf("enqueue delivery of purchase order %d: %w", po.ID, err)
			}
		}
		if err := tx.Create(&events).Error; err != nil {
			return fmt.Errorf("record history of order %d's purchase orders: %w", order.ID, err)
		}
	}
	var lines []models.POLine
	result.reserve = map[int64]int{}
	for _, planned := range plan.POs {
		po, ok := byID[planned.SupplierID]
		if !ok {
			po = rc.existing[planned.SupplierID]
			err := tx.Model(&models.PurchaseOrder{}).Where("id = ?", po.ID).
				Updates(map[string]any{"total_cost": po.TotalCost + lineTotal(planned.Lines), "updated_at": now}).Error
			if err != nil {
				return fmt.Errorf("total purchase order %d: %w", po.ID, err)
			}
		}
		for _, l := range planned.Lines {
			item := l.CatalogItemID
			lines = append(lines, models.POLine{
				PurchaseOrderID: po.ID, OrderLineID: l.OrderLineID, CatalogItemID: &item,
				SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, Cost: l.Cost, State: models.LineOpen,
			})
			result.reserve[l.CatalogItemID] += l.Quantity
		}
	}
	if err := tx.Create(&lines).Error; err != nil {
		return fmt.Errorf("add lines to order %d's purchase orders: %w", order.ID, err)
	}
	return nil
}

func lineTotal(lines []routing.POLine) money.Amount {
	var total money.Amount
	for _, l := range lines {
		total += l.Cost * money.Amount(l.Quantity)
	}
	return total
}

// settleOrderState records whether the order still needs a person.
func (p *Pipeline) settleOrderState(tx *gorm.DB, order models.Order, plan routing.Plan) error {
	state, attention := models.OrderRouted, ""
	if len(plan.Unmatched) > 0 {
		reasons := make([]string, len(plan.Unmatched))
		for i, u := range plan.Unmatched {
			reasons[i] = u.Reason
		}
		state, attention = models.OrderNeedsAttention, strings.Join(reasons, "; ")
	} else if order.State == models.OrderRouted && order.Attention != "" {
		attention = order.Attention // keep a flag raised by an update
	}
	err := tx.Model(&models.Order{}).Where("id = ?", order.ID).
		Updates(map[string]any{"state": state, "attention": attention, "updated_at": p.Now()}).Error
	if err != nil {
		return fmt.Errorf("settle order %d: %w", order.ID, err)
	}
	return nil
}
