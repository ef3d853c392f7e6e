package fakebigcommerce_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/bigcommerce/fakebigcommerce"
)

func get(t *testing.T, f *fakebigcommerce.Server, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/stores/abc123/v2/orders", nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestRateLimitWindow(t *testing.T) {
	f := fakebigcommerce.New("id", "secret")
	defer f.Close()
	f.AddStore("abc123", "tok")
	f.SetRateLimit(3, 300*time.Millisecond)
	for i, wantLeft := range []string{"2", "1", "0"} {
		resp := get(t, f, "tok")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("X-Rate-Limit-Requests-Left") != wantLeft ||
			resp.Header.Get("X-Rate-Limit-Requests-Quota") != "3" || resp.Header.Get("X-Rate-Limit-Time-Window-Ms") != "300" ||
			resp.Header.Get("X-Rate-Limit-Time-Reset-Ms") == "" {
			t.Fatalf("request %d: %d %v", i, resp.StatusCode, resp.Header)
		}
	}
	resp := get(t, f, "tok")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("X-Retry-After") != "1" || f.RateLimited() != 1 {
		t.Fatalf("over quota: %d %v, %d limited", resp.StatusCode, resp.Header, f.RateLimited())
	}
	// A bad token is refused before it counts.
	if resp := get(t, f, "wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
	time.Sleep(310 * time.Millisecond)
	if resp := get(t, f, "tok"); resp.StatusCode != http.StatusNoContent || resp.Header.Get("X-Rate-Limit-Requests-Left") != "2" {
		t.Errorf("next window: %d %v", resp.StatusCode, resp.Header)
	}
	if n := len(f.Requests()); n != 6 {
		t.Errorf("%d requests recorded, want 6", n)
	}
}
