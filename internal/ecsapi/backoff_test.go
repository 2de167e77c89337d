package ecsapi

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	configs := []struct{ min, max time.Duration }{
		{500 * time.Millisecond, 20 * time.Second},
		{15 * time.Second, 20 * time.Second},
		{time.Millisecond, time.Millisecond},
		{time.Nanosecond, time.Hour},
	}
	for _, cfg := range configs {
		c := &Client{waitMin: cfg.min, waitMax: cfg.max}
		for retry := 0; retry < 70; retry++ {
			ceiling := c.waitMax
			if shifted := c.waitMin << (retry + 1); retry < 32 && shifted > 0 && shifted < c.waitMax {
				ceiling = shifted
			}
			for i := 0; i < 50; i++ {
				d := c.backoff(retry, nil)
				if d < c.waitMin || d > c.waitMax || d > max(ceiling, c.waitMin) || d < ceiling/2 {
					t.Fatalf("min %s max %s retry %d: wait %s outside [max(%s, %s), %s]", cfg.min, cfg.max, retry, d, c.waitMin, ceiling/2, ceiling)
				}
			}
		}
	}
}

func TestBackoffIsJittered(t *testing.T) {
	c := &Client{waitMin: 500 * time.Millisecond, waitMax: 20 * time.Second}
	seen := map[time.Duration]bool{}
	for i := 0; i < 20; i++ {
		seen[c.backoff(0, nil)] = true
	}
	if len(seen) < 2 {
		t.Errorf("20 waits for the same retry were all %v", seen)
	}
}

// TestBackoffHonoursRetryAfter checks that Retry-After is a floor with a
// random spread on top, never a schedule: clients throttled together are
// all told the same value and must not return in the same instant.
func TestBackoffHonoursRetryAfter(t *testing.T) {
	c := &Client{waitMin: 500 * time.Millisecond, waitMax: 20 * time.Second}
	resp := &http.Response{Header: http.Header{"Retry-After": {"3"}}}
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		d := c.backoff(0, resp)
		if d < 3*time.Second || d > 3*time.Second+1500*time.Millisecond {
			t.Fatalf("Retry-After 3: wait %s outside [3s, 4.5s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("Retry-After 3: 50 waits took only %d values: not jittered", len(seen))
	}
	resp.Header.Set("Retry-After", "3600")
	for i := 0; i < 50; i++ {
		if d := c.backoff(0, resp); d < c.waitMax*3/4 || d > c.waitMax {
			t.Fatalf("Retry-After 3600: wait %s, want within the upper quarter below the %s cap", d, c.waitMax)
		}
	}
	resp.Header.Set("Retry-After", "soon")
	if d := c.backoff(0, resp); d < c.waitMin || d > 2*c.waitMin {
		t.Errorf("unparseable Retry-After: wait %s, want the normal first wait in [%s, %s]", d, c.waitMin, 2*c.waitMin)
	}
	// A date in the past means "now", which must not become "at once":
	// the floor is the minimum wait.
	resp.Header.Set("Retry-After", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
	for i := 0; i < 50; i++ {
		if d := c.backoff(0, resp); d < c.waitMin {
			t.Fatalf("Retry-After in the past: wait %s, below the %s floor", d, c.waitMin)
		}
	}
	// Later retries keep growing even when the server repeats a short
	// Retry-After, so a crowd of throttled clients thins out.
	resp.Header.Set("Retry-After", "1")
	if d := c.backoff(4, resp); d < 8*time.Second {
		t.Errorf("fifth retry with Retry-After 1: wait %s, want the exponential wait of at least 8s", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"99999999999999", 24 * time.Hour, true},
		{"Thu, 26 Nov 2026 08:00:30 GMT", 30 * time.Second, true},
		{"Thursday, 26-Nov-26 08:01:00 GMT", time.Minute, true},
		{"Thu, 26 Nov 2026 07:00:00 GMT", 0, true},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRetryReason(t *testing.T) {
	tests := []struct {
		method string
		status int
		code   string
		retry  bool
	}{
		{"PUT", 429, "", true},
		{"PUT", 429, "APIGW.0308", true},
		{"GET", 503, "Common.1503", true},
		{"PUT", 503, "", true},
		{"PUT", 502, "", true},
		{"PUT", 504, "", true},
		{"PUT", 501, "Ecs.0603", true},
		{"PUT", 501, "", false},
		{"PUT", 202, "Common.0024", true},
		{"PUT", 202, "", false},
		{"GET", 500, "", true},
		{"DELETE", 500, "", true},
		{"PUT", 500, "", false},
		{"PUT", 400, "APIGW.0308", false},
		{"PUT", 401, "", false},
		{"GET", 403, "Common.1503", false},
		{"GET", 404, "", false},
		{"PUT", 409, "", false},
		{"GET", 200, "", false},
		{"GET", 200, "overLimit", true},
		{"PUT", 200, "Common.1503", true},
		{"PUT", 202, "Ecs.0000", false},
	}
	for _, tt := range tests {
		errorDoc := tt.status < 300 && tt.code != ""
		if got := retryReason(tt.method, tt.status, tt.code, errorDoc) != ""; got != tt.retry {
			t.Errorf("%s %d %q: retry=%v, want %v", tt.method, tt.status, tt.code, got, tt.retry)
		}
	}
}
