package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/models"
)

// ProcessEvent translates a stored webhook event into the canonical order
// and stores it. A payload that cannot be translated marks the event failed
// with the reason (replayable); it is never retried blindly.
func (p *Pipeline) ProcessEvent(ctx context.Context, eventID int64) error {
	db := p.DB.Gorm.WithContext(ctx)
	var ev models.WebhookEvent
	if err := db.Take(&ev, eventID).Error; err != nil {
		return fmt.Errorf("load webhook event %d: %w", eventID, err)
	}
	if ev.State != models.EventReceived || ev.ConnectionID == nil {
		return nil // already handled by an earlier run of this job
	}
	translate, ok := p.Translators[ev.Platform]
	if !ok {
		return p.finishEvent(db, ev.ID, models.EventFailed, "no translator for platform "+ev.Platform)
	}
	order, err := translate(ev.Body)
	if err != nil {
		p.Log.WarnContext(ctx, "webhook event is malformed", "event_id", ev.ID, "platform", ev.Platform, "topic", ev.Topic, "error", err)
		return p.finishEvent(db, ev.ID, models.EventFailed, err.Error())
	}
	var conn models.Connection
	if err := db.Take(&conn, *ev.ConnectionID).Error; err != nil {
		return fmt.Errorf("load connection %d: %w", *ev.ConnectionID, err)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		note, err := p.storeOrder(ctx, tx, conn, order)
		if err != nil {
			return err
		}
		// Mark it processed and link it to its order (the admin page shows
		// an order's raw events) in the same statement.
		err = tx.Model(&models.WebhookEvent{}).Where("id = ?", ev.ID).Updates(map[string]any{
			"state": models.EventProcessed, "error": note, "processed_at": p.Now(),
			"order_id": gorm.Expr("(SELECT id FROM orders WHERE connection_id = ? AND external_id = ?)", conn.ID, order.ExternalID),
		}).Error
		if err != nil {
			return fmt.Errorf("mark webhook event %d processed: %w", ev.ID, err)
		}
		return nil
	})
}

func (p *Pipeline) finishEvent(tx *gorm.DB, id int64, state, reason string) error {
	err := tx.Model(&models.WebhookEvent{}).Where("id = ?", id).
		Updates(map[string]any{"state": state, "error": reason, "processed_at": p.Now()}).Error
	if err != nil {
		return fmt.Errorf("mark webhook event %d %s: %w", id, state, err)
	}
	return nil
}

// storeOrder upserts the order by (connection, external id) and reacts to
// what changed. It returns a note for the event when the update was stale.
func (p *Pipeline) storeOrder(ctx context.Context, tx *gorm.DB, conn models.Connection, in canonical.Order) (string, error) {
	shipTo, err := json.Marshal(in.ShipTo)
	if err != nil {
		return "", fmt.Errorf("encode ship-to: %w", err)
	}
	now := p.Now()
	fresh := models.Order{
		ConnectionID: conn.ID, RetailerID: conn.AccountID, Platform: conn.Platform,
		ExternalID: in.ExternalID, GID: in.GID, Name: in.Name, Number: in.Number,
		Currency: in.Currency, FinancialStatus: in.FinancialStatus, CancelledAt: in.CancelledAt,
		CustomerEmail: in.CustomerEmail, ShipTo: string(shipTo), State: models.OrderPending,
		PlatformUpdatedAt: in.UpdatedAt.UTC(), CreatedAt: now, UpdatedAt: now,
	}
	// Insert-or-nothing, then lock: two events for a new order may race here.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh)
	if res.Error != nil {
		return "", fmt.Errorf("insert order %s: %w", in.ExternalID, res.Error)
	}
	created := res.RowsAffected == 1
	var stored models.Order
	if err := p.lockRow(tx).Where("connection_id = ? AND external_id = ?", conn.ID, in.ExternalID).Take(&stored).Error; err != nil {
		return "", fmt.Errorf("load order %s: %w", in.ExternalID, err)
	}
	var oldLines []models.OrderLine
	if !created {
		if in.UpdatedAt.Before(stored.PlatformUpdatedAt) {
			return "stale update ignored: the stored order is newer", nil
		}
		if err := tx.Where("order_id = ?", stored.ID).Find(&oldLines).Error; err != nil {
			return "", fmt.Errorf("load lines of order %d: %w", stored.ID, err)
		}
	}
	if err := p.upsertLines(tx, stored.ID, in.Lines); err != nil {
		return "", err
	}
	if !created {
		changes := changesAfterPOs(stored, oldLines, in, string(shipTo))
		if err := tx.Model(&models.Order{}).Where("id = ?", stored.ID).Updates(map[string]any{
			"gid": in.GID, "name": in.Name, "number": in.Number, "currency": in.Currency,
			"financial_status": in.FinancialStatus, "cancelled_at": in.CancelledAt,
			"customer_email": in.CustomerEmail, "ship_to": string(shipTo),
			"platform_updated_at": in.UpdatedAt.UTC(), "updated_at": now,
		}).Error; err != nil {
			return "", fmt.Errorf("update order %d: %w", stored.ID, err)
		}
		if len(changes) > 0 {
			if err := p.flagIfPOs(tx, stored.ID, "changed in the store after its purchase orders were created: "+strings.Join(changes, "; ")); err != nil {
				return "", err
			}
		}
	}
	if in.Cancelled() {
		if stored.State == models.OrderCancelled {
			return "", nil
		}
		return "", p.cancelOrder(ctx, tx, stored.ID, "order cancelled in the store")
	}
	// Route in this same transaction: the order's row is locked already,
	// and one job per delivery is all the queue has to carry.
	var current models.Order
	if err := tx.Take(&current, stored.ID).Error; err != nil {
		return "", fmt.Errorf("reload order %d: %w", stored.ID, err)
	}
	if _, err := p.route(ctx, tx, current); err != nil {
		return "", fmt.Errorf("route order %d: %w", stored.ID, err)
	}
	return "", nil
}

func (p *Pipeline) upsertLines(tx *gorm.DB, orderID int64, lines []canonical.Line) error {
	if len(lines) == 0 {
		return nil
	}
	rows := make([]models.OrderLine, len(lines))
	for i, l := range lines {
		rows[i] = models.OrderLine{
			OrderID: orderID, ExternalID: l.ExternalID, VariantID: l.VariantID, ProductID: l.ProductID,
			SKU: l.SKU, GTIN: l.GTIN, Title: l.Title, Quantity: l.Quantity,
			FulfillableQuantity: l.FulfillableQuantity, UnitPrice: l.UnitPrice,
			RequiresShipping: l.RequiresShipping, GiftCard: l.GiftCard,
		}
	}
	err := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "order_id"}, {Name: "external_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"variant_id", "product_id", "sku", "gtin", "title",
			"quantity", "fulfillable_quantity", "unit_price", "requires_shipping", "gift_card"}),
	}).Create(&rows).Error
	if err != nil {
		return fmt.Errorf("upsert lines of order %d: %w", orderID, err)
	}
	return nil
}

// changesAfterPOs lists what changed that a supplier's PO would care about.
// Fulfillable quantities are left out: they fall as the store records our
// own fulfillments.
func changesAfterPOs(stored models.Order, old []models.OrderLine, in canonical.Order, shipTo string) []string {
	var out []string
	if stored.ShipTo != shipTo {
		out = append(out, "shipping address")
	}
	if stored.FinancialStatus != in.FinancialStatus && slices.Contains([]string{canonical.FinancialRefunded, canonical.FinancialVoided}, in.FinancialStatus) {
		out = append(out, "payment "+in.FinancialStatus)
	}
	byID := make(map[string]models.OrderLine, len(old))
	for _, l := range old {
		byID[l.ExternalID] = l
	}
	for _, l := range in.Lines {
		o, ok := byID[l.ExternalID]
		switch {
		case !ok:
			out = append(out, "line "+l.ExternalID+" added")
		case o.Quantity != l.Quantity:
			out = append(out, fmt.Sprintf("line %s quantity %d -> %d", l.ExternalID, o.Quantity, l.Quantity))
		case o.VariantID != l.VariantID || o.SKU != l.SKU:
			out = append(out, "line "+l.ExternalID+" variant")
		}
	}
	return out
}

// flagIfPOs asks a person to look at the order when it has live POs.
func (p *Pipeline) flagIfPOs(tx *gorm.DB, orderID int64, why string) error {
	var n int64
	if err := tx.Model(&models.PurchaseOrder{}).Where("order_id = ? AND state <> ?", orderID, models.POCancelled).Count(&n).Error; err != nil {
		return fmt.Errorf("count purchase orders of order %d: %w", orderID, err)
	}
	if n == 0 {
		return nil
	}
	return p.flag(tx, orderID, why)
}

func (p *Pipeline) flag(tx *gorm.DB, orderID int64, why string) error {
	err := tx.Model(&models.Order{}).Where("id = ?", orderID).
		Updates(map[string]any{"attention": why, "updated_at": p.Now()}).Error
	if err != nil {
		return fmt.Errorf("flag order %d: %w", orderID, err)
	}
	return nil
}

// cancelOrder cancels every PO that has not shipped, returns their reserved
// inventory, and flags the order when some PO had already shipped.
func (p *Pipeline) cancelOrder(ctx context.Context, tx *gorm.DB, orderID int64, why string) error {
	var pos []models.PurchaseOrder
	if err := tx.Preload("Lines").Where("order_id = ?", orderID).Order("id").Find(&pos).Error; err != nil {
		return fmt.Errorf("load purchase orders of order %d: %w", orderID, err)
	}
	var shipped []string
	for i := range pos {
		po := &pos[i]
		switch {
		case po.State == models.POCancelled || po.State == models.PORejected:
		case models.POCancellable(po.State):
			if err := models.TransitionPO(ctx, tx, po, models.POCancelled, why, "store", p.Now()); err != nil {
				return err
			}
			if err := models.ReleaseInventory(tx, po.Lines); err != nil {
				return err
			}
		default:
			shipped = append(shipped, po.Number+" ("+po.State+")")
		}
	}
	updates := map[string]any{"state": models.OrderCancelled, "updated_at": p.Now(), "attention": ""}
	if len(shipped) > 0 {
		updates["attention"] = "cancelled in the store, but already shipped: " + strings.Join(shipped, ", ")
	}
	if err := tx.Model(&models.Order{}).Where("id = ?", orderID).Updates(updates).Error; err != nil {
		return fmt.Errorf("cancel order %d: %w", orderID, err)
	}
	return nil
}
