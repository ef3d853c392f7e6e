package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/models"
)

// maxListed bounds the admin's list of data requests.
const maxListed = 200

// DataRequests lists the retailer's data requests, newest first.
func (s *Service) DataRequests(ctx context.Context, retailerID int64) ([]DataRequest, error) {
	var rows []DataRequest
	err := s.DB.Gorm.WithContext(ctx).Omit("payload").Where("retailer_id = ?", retailerID).
		Order("id DESC").Limit(maxListed).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list data requests of account %d: %w", retailerID, err)
	}
	return rows, nil
}

// DataRequest is one of the retailer's data requests with its record; a
// foreign one is not found.
func (s *Service) DataRequest(ctx context.Context, retailerID, id int64) (DataRequest, Record, error) {
	var row DataRequest
	err := s.DB.Gorm.WithContext(ctx).Where("id = ? AND retailer_id = ?", id, retailerID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, Record{}, fmt.Errorf("data request %d: %w", id, models.ErrNotFound)
	}
	if err != nil {
		return row, Record{}, fmt.Errorf("load data request %d: %w", id, err)
	}
	var rec Record
	if err := json.Unmarshal([]byte(row.Payload), &rec); err != nil {
		return row, Record{}, fmt.Errorf("decode data request %d: %w", id, err)
	}
	return row, rec, nil
}

// ShipToRedacted reports whether a stored ship-to (JSON of
// canonical.Address) lacks the recipient: Shopify withholds names and
// addresses from apps without Level 2 protected customer data access, and
// customers/redact erases them.
func ShipToRedacted(shipTo string) bool {
	var a canonical.Address
	if json.Unmarshal([]byte(shipTo), &a) != nil {
		return true
	}
	return a.Name == "" && a.Address1 == ""
}
