package app

import (
	"context"
	"errors"
)

// Scenarios still being written; each lives in its own file when done.

func (c *cli) benchPipeline(ctx context.Context, args []string) error {
	return errors.New("bench pipeline: not available in this build")
}

func (c *cli) benchRoute(ctx context.Context, args []string) error {
	return errors.New("bench route: not available in this build")
}

func (c *cli) benchImport(ctx context.Context, args []string) error {
	return errors.New("bench import: not available in this build")
}

func (c *cli) benchPush(ctx context.Context, args []string) error {
	return errors.New("bench push: not available in this build")
}
