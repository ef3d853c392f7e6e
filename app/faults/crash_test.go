package faults_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// A consign process killed with SIGKILL at any moment loses nothing it
// acknowledged and doubles nothing: the next process (same database) works
// what was stored, River rescues jobs the dead process left running, and
// Shopify's resends of unacknowledged deliveries are deduplicated.
func TestCrashRecovery(t *testing.T) {
	bin := buildConsign(t)
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			// Most of each run is waiting for River to rescue the dead
			// processes' jobs: the dialects wait side by side.
			t.Parallel()
			crashRecovery(t, bin, d)
		})
	}
}

func crashRecovery(t *testing.T, bin string, d database.Dialect) {
	const orders, clients, kills = 1000, 16, 10
	rng := newRand(t)
	dbURL := dbtest.URL(t, d)
	fake := fakeshopify.New(fakeshopify.Options{})
	fake.SetToken(apptest.Shop, apptest.Token)
	fakeSrv := httptest.NewServer(fake)
	t.Cleanup(fakeSrv.Close)
	logs, err := os.Create(filepath.Join(t.TempDir(), "consign.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := os.ReadFile(logs.Name())
			t.Logf("consign's log (last 8 KiB):\n%s", out[max(0, len(out)-8<<10):])
		}
	})
	env := []string{
		"DATABASE_URL=" + dbURL, "SHOPIFY_API_KEY=test-api-key", "SHOPIFY_API_SECRET=" + apptest.Secret, "CONSIGN_ENCRYPTION_KEY=" + apptest.EncryptionKey,
		"SHOPIFY_API_BASE_URL=" + fakeSrv.URL, "LOG_LEVEL=warn",
		// A dead process's running jobs are rescued after 10 s, not 2 min.
		"CONSIGN_JOB_TIMEOUT=5s", "CONSIGN_RESCUE_AFTER=10s",
	}
	migrate := exec.Command(bin, "migrate")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("consign migrate: %v\n%s", err, out)
	}
	// The store connection and the suppliers, set up in-process.
	setup := apptest.Start(t, d, apptest.Options{NoWorkers: true, DBURL: dbURL, Fake: fake})
	addSampleSuppliers(setup)
	setup.Stop()

	sample := sampleOrders(rng, orders, 8_000_000)
	list := make([]delivery, orders)
	for i, o := range sample {
		list[i] = delivery{ID: fmt.Sprintf("crash-%d", o.ID), Topic: "orders/create", Order: i, Body: samples.ShopifyOrder(o)}
	}

	var proc atomic.Pointer[consignProcess]
	proc.Store(startConsign(t, bin, env, logs))
	var acked [orders]atomic.Bool
	var nAcked, attempts atomic.Int64
	todo := make(chan int, orders)
	for i := range list {
		todo <- i
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var i int
				select {
				case <-ctx.Done():
					return
				case i = <-todo:
				}
				attempts.Add(1)
				status, err := post(ctx, proc.Load().url, list[i])
				if err == nil && status == http.StatusOK {
					acked[i].Store(true)
					if nAcked.Add(1) == orders {
						stop()
					}
				} else {
					// Not acknowledged: Shopify sends it again later.
					time.Sleep(20 * time.Millisecond)
					todo <- i
				}
				// Pace the senders so the kills land while deliveries are
				// still arriving and jobs are running.
				time.Sleep(time.Duration(100+rand.IntN(100)) * time.Millisecond)
			}
		}()
	}

	start := time.Now()
	for k := range kills {
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		p := proc.Load()
		p.kill(t)
		t.Logf("kill %d at %s: %d of %d acknowledged", k+1, time.Since(start).Round(time.Millisecond), nAcked.Load(), orders)
		proc.Store(startConsign(t, bin, env, logs))
	}
	select {
	case <-ctx.Done():
	case <-time.After(60 * time.Second):
		t.Fatalf("only %d of %d deliveries acknowledged a minute after the last kill", nAcked.Load(), orders)
	}
	wg.Wait()
	t.Logf("all %d acknowledged after %d posts in %s", orders, attempts.Load(), time.Since(start).Round(time.Millisecond))

	// Check through an in-process view of the same database; the last
	// process keeps working.
	h := apptest.Start(t, d, apptest.Options{NoWorkers: true, DBURL: dbURL, Fake: fake})
	settled(t, h, 90*time.Second, orders, 3*orders)
	t.Logf("settled %s after the first delivery", time.Since(start).Round(time.Millisecond))
	proc.Load().kill(t)

	if n := h.Count("webhook_events", ""); n != orders {
		t.Errorf("webhook events = %d, want %d (one per delivery)", n, orders)
	}
	if n := h.Count("webhook_events", "state <> ?", models.EventProcessed); n != 0 {
		t.Errorf("%d webhook events not processed", n)
	}
	if n := h.Count("po_lines", ""); n != 3*orders {
		t.Errorf("po lines = %d, want %d", n, 3*orders)
	}
	comparePOs(t, storedPOs(t, h), expectedPOs(t, sample))
}

// buildConsign builds the real binary once for the test.
func buildConsign(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "consign")
	start := time.Now()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "github.com/consign/consign")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built consign in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// consignProcess is one `consign serve` child.
type consignProcess struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
}

// startConsign runs `consign serve` on a free loopback port and waits until
// it answers.
func startConsign(t *testing.T, bin string, env []string, logs *os.File) *consignProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, fmt.Sprintf("PORT=%d", port))
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start consign serve: %v", err)
	}
	p := &consignProcess{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.kill(t) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(p.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("consign serve exited before answering: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			p.kill(t)
			t.Fatalf("consign serve did not answer on %s within 30 s", p.url)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *consignProcess) kill(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Logf("kill consign: %v", err)
	}
	<-p.exited
}
