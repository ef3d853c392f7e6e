package config

import (
	"testing"
	"time"
)

func TestReconcileInterval(t *testing.T) {
	for _, tc := range []struct {
		env     string
		want    time.Duration
		wantErr bool
	}{
		{"", 5 * time.Minute, false},
		{"15m", 15 * time.Minute, false},
		{"0", 0, false},
		{"10s", 0, true},
		{"-1m", 0, true},
		{"often", 0, true},
	} {
		c, err := Load(func(k string) string {
			if k == "CONSIGN_RECONCILE_INTERVAL" {
				return tc.env
			}
			return ""
		})
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.env, err, tc.wantErr)
		}
		if !tc.wantErr && c.ReconcileInterval != tc.want {
			t.Errorf("%q: interval %s, want %s", tc.env, c.ReconcileInterval, tc.want)
		}
	}
}
