package shopify_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fixture reads a file from ../shared/fixtures/shopify next to the
// repository. Without it the test is skipped, except in CI, where a missing
// fixture is a failure.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	dir := fixtureDir(t)
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	return b
}

func fixtureDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			fixtures := filepath.Join(dir, "..", "shared", "fixtures", "shopify")
			if _, err := os.Stat(fixtures); err != nil {
				missing(t, "Shopify fixtures not found at "+fixtures)
			}
			return fixtures
		}
		if filepath.Dir(dir) == dir {
			missing(t, "go.mod not found above "+wd)
			return ""
		}
	}
}

func missing(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: fixtures are required)")
	}
	t.Skip(msg + "; check out ../shared/fixtures next to the repository to run this test")
}

// clock is a fake clock: Sleep records the wait and moves time on at once,
// so the client's waits cost nothing and the fake's bucket sees them pass.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
