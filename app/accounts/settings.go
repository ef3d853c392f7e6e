package accounts

import (
	"context"
	"fmt"

	"github.com/consign/consign/app/routing"
	"github.com/consign/consign/models"
)

// Settings are a retailer's routing choices. Zero fields are left unchanged
// by UpdateSettings.
type Settings struct {
	Trigger         string // paid or any
	LateAcceptHours int
	LateShipDays    int
}

// Validate checks the settings on their own.
func (s Settings) Validate() error {
	if s.Trigger != "" {
		if _, err := routing.ParseTrigger(s.Trigger); err != nil {
			return &models.ValidationError{Message: err.Error()}
		}
	}
	if s.LateAcceptHours < 0 || s.LateShipDays < 0 {
		return &models.ValidationError{Message: "late thresholds must be positive"}
	}
	return nil
}

// UpdateSettings changes the given settings and returns them all.
func (s *Service) UpdateSettings(ctx context.Context, retailerID int64, in Settings) (Settings, error) {
	if err := in.Validate(); err != nil {
		return Settings{}, err
	}
	updates := map[string]any{"updated_at": s.Now()}
	if in.Trigger != "" {
		t, _ := routing.ParseTrigger(in.Trigger)
		updates["routing_trigger"] = string(t)
	}
	if in.LateAcceptHours > 0 {
		updates["late_accept_hours"] = in.LateAcceptHours
	}
	if in.LateShipDays > 0 {
		updates["late_ship_days"] = in.LateShipDays
	}
	db := s.DB.Gorm.WithContext(ctx)
	if err := db.Model(&models.Account{}).Where("id = ? AND is_retailer", retailerID).Updates(updates).Error; err != nil {
		return Settings{}, fmt.Errorf("update settings of retailer %d: %w", retailerID, err)
	}
	var a models.Account
	if err := db.Take(&a, retailerID).Error; err != nil {
		return Settings{}, fmt.Errorf("load retailer %d: %w", retailerID, err)
	}
	return Settings{Trigger: a.RoutingTrigger, LateAcceptHours: a.LateAcceptHours, LateShipDays: a.LateShipDays}, nil
}
