package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// ProcessEvent translates a stored webhook event into the canonical order
// and stores it. A payload that cannot be translated marks the event failed
// with the reason (replayable); it is never retried blindly.
func (p *Pipeline) ProcessEvent(ctx context.Context, eventID int64) error {
	db := p.DB.Gorm.WithContext(ctx)
	// One read for the event, its connection and the retailer's trigger.
	var ev struct {
		models.WebhookEvent
		AccountID         int64
		ConnPlatform      string
		ConnUninstalledAt *time.Time
		RoutingTrigger    string
		IsRetailer        bool
	}
	err := db.Raw(`SELECT e.*, c.account_id, c.platform AS conn_platform, c.uninstalled_at AS conn_uninstalled_at, a.routing_trigger, a.is_retailer
		FROM webhook_events e
		LEFT JOIN connections c ON c.id = e.connection_id
		LEFT JOIN accounts a ON a.id = c.account_id
		WHERE e.id = ?`, eventID).Scan(&ev).Error
	if err != nil {
		return fmt.Errorf("load webhook event %d: %w", eventID, err)
	}
	if ev.ID == 0 {
		return fmt.Errorf("webhook event %d: %w", eventID, models.ErrNotFound)
	}
	if ev.State != models.EventReceived || (ev.ConnectionID == nil && ev.PartnershipID == nil) {
		return nil // already handled by an earlier run of this job
	}
	if handle, ok := p.Topics[ev.Platform+" "+ev.Topic]; ok {
		return p.processTopic(ctx, handle, ev.WebhookEvent)
	}
	if ev.ConnectionID == nil {
		return p.finishEvent(db, ev.ID, models.EventFailed, "no handler for "+ev.Platform+" "+ev.Topic)
	}
	if ev.ConnUninstalledAt != nil {
		// Queued before the uninstall: the store no longer wants its orders routed.
		return p.finishEvent(db, ev.ID, models.EventIgnored, "the store uninstalled Consign before this was processed")
	}
	if !ev.IsRetailer {
		// A supplier's own store (store channel) sends its orders too,
		// the ones Consign created there among them: not ours to route.
		return p.finishEvent(db, ev.ID, models.EventIgnored, "the shop is a supplier's store: its orders are not routed")
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
	conn := models.Connection{ID: *ev.ConnectionID, AccountID: ev.AccountID, Platform: ev.ConnPlatform}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := p.asyncCommit(tx); err != nil {
			return err
		}
		orderID, note, reserve, err := p.storeOrder(ctx, tx, conn, ev.RoutingTrigger, order)
		if err != nil {
			return err
		}
		// Mark it processed and link it to its order (the admin page shows
		// an order's raw events) in the same statement.
		err = tx.Model(&models.WebhookEvent{}).Where("id = ?", ev.ID).Updates(map[string]any{
			"state": models.EventProcessed, "error": note, "processed_at": p.Now(), "order_id": orderID,
		}).Error
		if err != nil {
			return fmt.Errorf("mark webhook event %d processed: %w", ev.ID, err)
		}
		return models.ReserveInventory(tx, reserve)
	})
}

// processTopic runs a non-order topic's handler and records the outcome.
func (p *Pipeline) processTopic(ctx context.Context, handle TopicHandler, ev models.WebhookEvent) error {
	db := p.DB.Gorm.WithContext(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		note, err := handle(ctx, tx, ev)
		if errors.Is(err, ErrPartly) {
			p.Log.WarnContext(ctx, "webhook event applied in part", "event_id", ev.ID, "platform", ev.Platform, "topic", ev.Topic, "error", err)
			return p.finishEvent(tx, ev.ID, models.EventFailed, err.Error())
		}
		if err != nil {
			return err
		}
		return p.finishEvent(tx, ev.ID, models.EventProcessed, note)
	})
	switch {
	case errors.Is(err, ErrMalformed):
		p.Log.WarnContext(ctx, "webhook event is malformed", "event_id", ev.ID, "platform", ev.Platform, "topic", ev.Topic, "error", err)
		return p.finishEvent(db, ev.ID, models.EventFailed, err.Error())
	case errors.Is(err, ErrRefused):
		p.Log.WarnContext(ctx, "webhook event refused", "event_id", ev.ID, "platform", ev.Platform, "topic", ev.Topic, "error", err)
		return p.finishEvent(db, ev.ID, models.EventFailed, err.Error())
	case err != nil:
		return fmt.Errorf("process %s event %d: %w", ev.Topic, ev.ID, err)
	}
	return nil
}

func (p *Pipeline) finishEvent(tx *gorm.DB, id int64, state, reason string) error {
	err := tx.Model(&models.WebhookEvent{}).Where("id = ?", id).
		Updates(map[string]any{"state": state, "error": reason, "processed_at": p.Now()}).Error
	if err != nil {
		return fmt.Errorf("mark webhook event %d %s: %w", id, state, err)
	}
	return nil
}

// storeOrder upserts the order by (connection, external id), reacts to what
// changed and routes it, all in tx. It returns the order's id, and a note for
// the event when the update was stale.
func (p *Pipeline) storeOrder(ctx context.Context, tx *gorm.DB, conn models.Connection, trigger string, in canonical.Order) (int64, string, map[int64]int, error) {
	shipTo, err := json.Marshal(in.ShipTo)
	if err != nil {
		return 0, "", nil, fmt.Errorf("encode ship-to: %w", err)
	}
	now := p.Now()
	order := models.Order{
		ConnectionID: conn.ID, RetailerID: conn.AccountID, Platform: conn.Platform,
		ExternalID: in.ExternalID, GID: in.GID, Name: in.Name, Number: in.Number,
		Currency: in.Currency, FinancialStatus: in.FinancialStatus, CancelledAt: in.CancelledAt,
		CustomerEmail: in.CustomerEmail, ShipTo: string(shipTo), State: models.OrderPending,
		PlatformStatus: in.Status, Hold: in.Hold,
		PlatformUpdatedAt: in.UpdatedAt.UTC(), CreatedAt: now, UpdatedAt: now,
	}
	// Insert-or-nothing: two events for a new order may race here. The
	// winner's insert holds the row lock until commit; the loser locks the
	// row it found.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&order)
	if res.Error != nil {
		return 0, "", nil, fmt.Errorf("insert order %s: %w", in.ExternalID, res.Error)
	}
	if res.RowsAffected == 1 {
		lines, err := p.upsertLines(tx, order.ID, in.Lines)
		if err != nil {
			return 0, "", nil, err
		}
		if in.Cancelled() {
			return order.ID, "", nil, p.cancelOrder(ctx, tx, order.ID, "order cancelled in the store")
		}
		// Route in this same transaction: one job per delivery is all the
		// queue has to carry.
		res, err := p.route(ctx, tx, order, trigger, routeHints{lines: lines, noPOs: true})
		if err != nil {
			return 0, "", nil, fmt.Errorf("route order %d: %w", order.ID, err)
		}
		return order.ID, "", res.reserve, nil
	}

	var stored models.Order
	if err := p.lockRow(tx).Where("connection_id = ? AND external_id = ?", conn.ID, in.ExternalID).Take(&stored).Error; err != nil {
		return 0, "", nil, fmt.Errorf("load order %s: %w", in.ExternalID, err)
	}
	if in.UpdatedAt.Before(stored.PlatformUpdatedAt) {
		return stored.ID, "stale update ignored: the stored order is newer", nil, nil
	}
	var oldLines []models.OrderLine
	if err := tx.Where("order_id = ?", stored.ID).Find(&oldLines).Error; err != nil {
		return 0, "", nil, fmt.Errorf("load lines of order %d: %w", stored.ID, err)
	}
	if _, err := p.upsertLines(tx, stored.ID, in.Lines); err != nil {
		return 0, "", nil, err
	}
	changes := changesAfterPOs(stored, oldLines, in, string(shipTo))
	if err := tx.Model(&models.Order{}).Where("id = ?", stored.ID).Updates(map[string]any{
		"gid": in.GID, "name": in.Name, "number": in.Number, "currency": in.Currency,
		"financial_status": in.FinancialStatus, "cancelled_at": in.CancelledAt,
		"customer_email": in.CustomerEmail, "ship_to": string(shipTo),
		"platform_status": in.Status, "hold": in.Hold,
		"platform_updated_at": in.UpdatedAt.UTC(), "updated_at": now,
	}).Error; err != nil {
		return 0, "", nil, fmt.Errorf("update order %d: %w", stored.ID, err)
	}
	if len(changes) > 0 {
		why := "changed in the store after its purchase orders were created: " + strings.Join(changes, "; ")
		flagged, err := p.flagIfPOs(tx, stored.ID, why)
		if err != nil {
			return 0, "", nil, err
		}
		if flagged {
			stored.Attention = why
		}
	}
	if in.Cancelled() {
		if stored.State == models.OrderCancelled {
			return stored.ID, "", nil, nil
		}
		return stored.ID, "", nil, p.cancelOrder(ctx, tx, stored.ID, "order cancelled in the store")
	}
	current := order
	current.ID, current.State, current.Attention, current.CreatedAt = stored.ID, stored.State, stored.Attention, stored.CreatedAt
	routed, err := p.route(ctx, tx, current, trigger, routeHints{})
	if err != nil {
		return 0, "", nil, fmt.Errorf("route order %d: %w", stored.ID, err)
	}
	return stored.ID, "", routed.reserve, nil
}

// upsertLines writes the order's lines and returns them with their ids.
func (p *Pipeline) upsertLines(tx *gorm.DB, orderID int64, lines []canonical.Line) ([]models.OrderLine, error) {
	if len(lines) == 0 {
		return nil, nil
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
		return nil, fmt.Errorf("upsert lines of order %d: %w", orderID, err)
	}
	return rows, nil
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
func (p *Pipeline) flagIfPOs(tx *gorm.DB, orderID int64, why string) (bool, error) {
	var n int64
	if err := tx.Model(&models.PurchaseOrder{}).Where("order_id = ? AND state <> ?", orderID, models.POCancelled).Count(&n).Error; err != nil {
		return false, fmt.Errorf("count purchase orders of order %d: %w", orderID, err)
	}
	if n == 0 {
		return false, nil
	}
	return true, p.flag(tx, orderID, why)
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
	var released []models.POLine // stock is returned once, in one sorted pass
	for i := range pos {
		po := &pos[i]
		switch {
		case po.State == models.POCancelled || po.State == models.PORejected:
		case models.POCancellable(po.State):
			if err := models.TransitionPO(ctx, tx, po, models.POCancelled, why, "store", p.Now()); err != nil {
				return err
			}
			released = append(released, po.Lines...)
			// Its order in the supplier's own store goes too. (One still
			// being created is cancelled by the job creating it.)
			if po.RemoteOrderID != "" {
				if _, err := p.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.CancelStoreOrder{PurchaseOrderID: po.ID}, nil); err != nil {
					return fmt.Errorf("enqueue cancel of purchase order %d's store order: %w", po.ID, err)
				}
			}
			// A supplier who got it by email or file is told in kind (the job
			// does nothing for the portal and store channels).
			if _, err := p.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.CancelByChannel{PurchaseOrderID: po.ID}, nil); err != nil {
				return fmt.Errorf("enqueue cancel of purchase order %d by its channel: %w", po.ID, err)
			}
		default:
			shipped = append(shipped, po.Number+" ("+po.State+")")
		}
	}
	if err := models.ReleaseInventory(tx, released); err != nil {
		return err
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
