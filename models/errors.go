package models

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

var (
	// ErrNotFound means the row does not exist or belongs to someone else.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique key is already taken.
	ErrConflict = errors.New("conflict")
)

// TransitionError is an illegal state change: it is refused, never applied.
type TransitionError struct {
	Entity   string
	From, To string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("%s cannot go from %s to %s", e.Entity, e.From, e.To)
}

// ValidationError is input that breaks a business rule (422 on the API).
type ValidationError struct{ Message string }

func (e *ValidationError) Error() string { return e.Message }

// translate maps GORM's errors to the package's typed errors.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	return err
}
