package handlers_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consign/consign/app/apptest"
)

// chromium finds the system Chromium. Without one the browser tests skip,
// except under CI=true, where they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is required under CI (apt-get install -y chromium)")
	}
	t.Skip("no Chromium installed (apt-get install -y chromium): skipping the browser test")
	return ""
}

// newChrome starts a headless Chromium with a fresh profile, offline but for
// loopback: App Bridge's CDN script fails to load, as it would outside
// Shopify, and the pages must work without it.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser and must not carry a timeout.
	apptest.Must(t, chromedp.Do(ctx))
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// artifactDir is where screenshots go: $CONSIGN_ARTIFACTS, else the test's
// temporary directory.
func artifactDir(t *testing.T) string {
	if dir := os.Getenv("CONSIGN_ARTIFACTS"); dir != "" {
		apptest.Must(t, os.MkdirAll(dir, 0o755))
		return dir
	}
	return t.TempDir()
}
