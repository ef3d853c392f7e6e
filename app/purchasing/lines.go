package purchasing

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/models"
)

// AcceptLines records that the supplier will ship these lines of a PO it has
// not answered yet. Once no line is left open the PO is accepted.
func (s *Service) AcceptLines(ctx context.Context, supplierID, poID int64, lineIDs []int64, actor string) (models.PurchaseOrder, error) {
	return s.answerLines(ctx, supplierID, poID, lineIDs, models.LineAccepted, "", actor)
}

// RejectLines records that the supplier will not ship these lines: their
// stock is released, the retailer's order is flagged with the reason, and the
// PO stays open for the other lines. Once no line is left open the PO is
// accepted (some lines accepted) or rejected (every line rejected).
func (s *Service) RejectLines(ctx context.Context, supplierID, poID int64, lineIDs []int64, reason, actor string) (models.PurchaseOrder, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return models.PurchaseOrder{}, &models.ValidationError{Message: "a reason is required to reject lines"}
	}
	return s.answerLines(ctx, supplierID, poID, lineIDs, models.LineRejected, reason, actor)
}

func (s *Service) answerLines(ctx context.Context, supplierID, poID int64, lineIDs []int64, to, reason, actor string) (models.PurchaseOrder, error) {
	err := s.inTx(ctx, func(tx *gorm.DB) error { return s.AnswerLinesTx(ctx, tx, supplierID, poID, lineIDs, to, reason, actor) })
	if err != nil {
		return models.PurchaseOrder{}, err
	}
	return s.Get(ctx, supplierID, poID)
}

// AnswerLinesTx accepts (to = models.LineAccepted) or rejects (with a
// reason) some open lines of a sent PO inside the caller's transaction;
// AcceptLines and RejectLines tell what follows.
func (s *Service) AnswerLinesTx(ctx context.Context, tx *gorm.DB, supplierID, poID int64, lineIDs []int64, to, reason, actor string) error {
	if len(lineIDs) == 0 {
		return &models.ValidationError{Message: "choose at least one line"}
	}
	if to == models.LineRejected && strings.TrimSpace(reason) == "" {
		return &models.ValidationError{Message: "a reason is required to reject lines"}
	}
	return func() error {
		po, err := s.lockPO(tx, poID, supplierID)
		if err != nil {
			return err
		}
		if po.State != models.POSent {
			return &models.TransitionError{Entity: "purchase order " + po.Number, From: po.State, To: "lines " + to}
		}
		var lines []models.POLine
		if err := tx.Where("purchase_order_id = ?", po.ID).Order("id").Find(&lines).Error; err != nil {
			return fmt.Errorf("load lines of purchase order %d: %w", po.ID, err)
		}
		byID := make(map[int64]*models.POLine, len(lines))
		for i := range lines {
			byID[lines[i].ID] = &lines[i]
		}
		var chosen []models.POLine
		var described []string
		for _, id := range lineIDs {
			l, ok := byID[id]
			if !ok {
				return &models.ValidationError{Message: fmt.Sprintf("line %d is not on purchase order %s", id, po.Number)}
			}
			if l.State != models.LineOpen {
				return &models.ValidationError{Message: fmt.Sprintf("line %s of purchase order %s is %s already", l.SKU, po.Number, l.State)}
			}
			chosen = append(chosen, *l)
			described = append(described, fmt.Sprintf("%s x%d", l.SKU, l.Quantity))
			l.State = to
		}
		if to == models.LineRejected {
			if err := models.ReleaseInventory(tx, chosen); err != nil {
				return err
			}
		}
		if err := tx.Model(&models.POLine{}).Where("purchase_order_id = ? AND id IN ?", po.ID, lineIDs).
			Updates(map[string]any{"state": to, "reason": reason}).Error; err != nil {
			return fmt.Errorf("mark lines of purchase order %d %s: %w", po.ID, to, err)
		}
		now := s.Now()
		note := fmt.Sprintf("%s lines %s", to, strings.Join(described, ", "))
		if reason != "" {
			note += ": " + reason
		}
		if to == models.LineRejected {
			if err := tx.Model(&models.Order{}).Where("id = ?", po.OrderID).Updates(map[string]any{
				"state": models.OrderNeedsAttention, "updated_at": now,
				"attention": fmt.Sprintf("supplier rejected lines %s of %s: %s", strings.Join(described, ", "), po.Number, reason),
			}).Error; err != nil {
				return fmt.Errorf("flag order %d: %w", po.OrderID, err)
			}
		}
		open, accepted := 0, 0
		for _, l := range lines {
			switch l.State {
			case models.LineOpen:
				open++
			case models.LineAccepted:
				accepted++
			}
		}
		switch {
		case open > 0:
			// The PO stays sent; the history still says what was answered.
			ev := models.POEvent{PurchaseOrderID: po.ID, FromState: po.State, ToState: po.State, Reason: note, Actor: actor, CreatedAt: now}
			if err := tx.Create(&ev).Error; err != nil {
				return fmt.Errorf("record purchase order %d history: %w", po.ID, err)
			}
			return tx.Model(&models.PurchaseOrder{}).Where("id = ?", po.ID).Update("updated_at", now).Error
		case accepted > 0:
			return models.TransitionPO(ctx, tx, &po, models.POAccepted, note, actor, now)
		default:
			return models.TransitionPO(ctx, tx, &po, models.PORejected, note, actor, now)
		}
	}()
}
