// Package replay refuses a signed message seen before: the message's unique
// id (a JWT's jti) is kept until the message expires, so a captured callback
// URL cannot be played again while its signature is still valid.
package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/database"
)

// ErrReplayed means the id was used before.
var ErrReplayed = errors.New("this signed request was already used")

// Guard remembers used ids in the used_tokens table, which every process
// shares.
type Guard struct {
	DB  *database.DB
	Now func() time.Time
}

type usedToken struct {
	JTI       string `gorm:"column:jti;primaryKey"`
	ExpiresAt time.Time
}

func (usedToken) TableName() string { return "used_tokens" }

// Use records id as used until expires, or returns ErrReplayed when it was
// recorded before. Expired ids are forgotten on the way.
func (g *Guard) Use(ctx context.Context, id string, expires time.Time) error {
	if id == "" {
		return errors.New("a signed request without a unique id cannot be checked for replay")
	}
	var fresh bool
	err := g.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", g.Now()).Delete(&usedToken{}).Error; err != nil {
			return fmt.Errorf("forget expired ids: %w", err)
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&usedToken{JTI: id, ExpiresAt: expires.UTC()})
		if res.Error != nil {
			return fmt.Errorf("record id: %w", res.Error)
		}
		fresh = res.RowsAffected == 1
		return nil
	})
	if err != nil {
		return err
	}
	if !fresh {
		return ErrReplayed
	}
	return nil
}
