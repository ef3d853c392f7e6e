package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/models"
)

// Config is a change of a partnership's channel: the channel, its settings
// and, when given, new secrets (nil keeps the stored ones).
type Config struct {
	Channel  string
	Settings Settings
	Secrets  *Secrets
}

// Configure sets a partnership's channel and its settings, checked for
// what that channel needs, with the secrets sealed. The store channel is
// set by accounts.SetChannel, which checks the supplier's store.
func (s *Service) Configure(ctx context.Context, retailerID, supplierID int64, c Config) (Partner, error) {
	var out Partner
	err := s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p models.Partnership
		err := tx.Where("retailer_id = ? AND supplier_id = ?", retailerID, supplierID).Take(&p).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("supplier %d of retailer %d: %w", supplierID, retailerID, models.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("load partnership: %w", err)
		}
		current, err := s.partner(tx, p)
		if err != nil {
			return err
		}
		secrets := current.Secrets
		if c.Secrets != nil {
			secrets = *c.Secrets
		}
		problems := c.Settings.Validate(c.Channel, secrets)
		if c.Channel == models.ChannelEmail && c.Settings.Email.To == "" && current.Supplier.Email == "" {
			problems["email.to"] = "required: the supplier's account has no email address"
		}
		if len(problems) > 0 {
			return validation(problems)
		}
		if c.Channel == models.ChannelStore {
			return &models.ValidationError{Message: "the store channel is chosen with the supplier's store connected (consign supplier add --channel store)"}
		}
		raw, err := json.Marshal(c.Settings)
		if err != nil {
			return err
		}
		updates := map[string]any{"channel": c.Channel, "channel_settings": string(raw), "updated_at": s.Now()}
		if c.Secrets != nil {
			sealed := ""
			if !c.Secrets.Empty() {
				plain, err := json.Marshal(c.Secrets)
				if err != nil {
					return err
				}
				if sealed, err = s.Sealer.Seal(string(plain)); err != nil {
					return fmt.Errorf("seal channel secrets: %w", err)
				}
			}
			updates["channel_secret"] = sealed
		}
		if err := tx.Model(&models.Partnership{}).Where("id = ?", p.ID).Updates(updates).Error; err != nil {
			return fmt.Errorf("set channel of partnership %d: %w", p.ID, err)
		}
		if err := tx.Take(&p, p.ID).Error; err != nil {
			return err
		}
		out, err = s.partner(tx, p)
		return err
	})
	return out, err
}

// validation turns field problems into one readable refusal.
func validation(problems map[string]string) error {
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + problems[k]
	}
	return &models.ValidationError{Message: strings.Join(parts, "; ")}
}

// Test proves a partnership's channel: a test 850 (usage T) or test email
// sent, or an SFTP login checked. It says what it did, or exactly what
// went wrong.
func (s *Service) Test(ctx context.Context, retailerID, supplierID int64) (string, error) {
	var p models.Partnership
	err := s.DB.Gorm.WithContext(ctx).Where("retailer_id = ? AND supplier_id = ?", retailerID, supplierID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("supplier %d of retailer %d: %w", supplierID, retailerID, models.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("load partnership: %w", err)
	}
	edge, ok := s.Edges[p.Channel]
	if !ok {
		return "", &models.ValidationError{Message: fmt.Sprintf("the %s channel has nothing to test: choose email, sftp or edi", p.Channel)}
	}
	partner, err := s.partner(s.DB.Gorm.WithContext(ctx), p)
	if err != nil {
		return "", err
	}
	var did string
	err = s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		did, err = edge.Test(ctx, tx, partner)
		return err
	})
	return did, err
}
