package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Purchase order states.
const (
	POPending          = "pending"           // created, not yet delivered to the supplier
	POSent             = "sent"              // the supplier can see it
	POAccepted         = "accepted"          // the supplier will ship it
	PORejected         = "rejected"          // the supplier will not ship it
	POPartiallyShipped = "partially_shipped" // some units have tracking
	POShipped          = "shipped"           // every unit has tracking
	POCancelled        = "cancelled"         // the retailer's order was cancelled
)

// poTransitions is the one place that says which state changes are legal.
var poTransitions = map[string][]string{
	POPending:          {POSent, POCancelled},
	POSent:             {POAccepted, PORejected, POCancelled},
	POAccepted:         {POPartiallyShipped, POShipped, POCancelled},
	POPartiallyShipped: {POShipped},
}

// CanTransitionPO reports whether a PO may go from one state to another.
func CanTransitionPO(from, to string) bool {
	return slices.Contains(poTransitions[from], to)
}

// POCancellable reports whether cancelling the order may cancel a PO in this
// state: nothing has shipped yet.
func POCancellable(state string) bool { return CanTransitionPO(state, POCancelled) }

// TransitionPO moves po to state `to` and writes the history row, both in tx.
// The update is conditional on the state read, so two racing changes cannot
// both apply: the loser gets a *TransitionError.
func TransitionPO(ctx context.Context, tx *gorm.DB, po *PurchaseOrder, to, reason, actor string, now time.Time) error {
	if !CanTransitionPO(po.State, to) {
		return &TransitionError{Entity: "purchase order " + po.Number, From: po.State, To: to}
	}
	res := tx.WithContext(ctx).Model(&PurchaseOrder{}).
		Where("id = ? AND state = ?", po.ID, po.State).
		Updates(map[string]any{"state": to, "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("update purchase order %d state: %w", po.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		var current PurchaseOrder
		if err := tx.WithContext(ctx).Select("state").First(&current, po.ID).Error; err != nil {
			return translate(err)
		}
		return &TransitionError{Entity: "purchase order " + po.Number, From: current.State, To: to}
	}
	ev := POEvent{PurchaseOrderID: po.ID, FromState: po.State, ToState: to, Reason: reason, Actor: actor, CreatedAt: now}
	if err := tx.WithContext(ctx).Create(&ev).Error; err != nil {
		return fmt.Errorf("record purchase order %d history: %w", po.ID, err)
	}
	po.State, po.UpdatedAt = to, now
	return nil
}
