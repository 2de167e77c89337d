package credentials_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi/credentials"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// countingSource issues numbered credentials valid for life from the
// clock's now; gate, when set, holds every fetch until it is closed.
type countingSource struct {
	clock *fakeClock
	life  time.Duration
	n     atomic.Int32
	gate  chan struct{}
	fail  atomic.Bool
}

func (s *countingSource) Fetch(ctx context.Context) (credentials.Value, error) {
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return credentials.Value{}, ctx.Err()
		}
	}
	n := s.n.Add(1)
	if s.fail.Load() {
		return credentials.Value{}, errors.New("IAM is down")
	}
	return credentials.Value{
		Credentials: ecsapi.Credentials{AccessKey: fmt.Sprintf("AK%d", n), SecretKey: "sk", SecurityToken: "st"},
		Expires:     s.clock.Now().Add(s.life),
	}, nil
}

func retrieve(t *testing.T, c *credentials.Cache) ecsapi.Credentials {
	t.Helper()
	creds, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	return creds
}

// waitFor polls cond for a second: background renewals end on their own
// goroutine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestCacheSharesOneFetch: a hundred concurrent callers without
// credentials wait for one fetch and all get its result.
func TestCacheSharesOneFetch(t *testing.T) {
	clock := newFakeClock()
	src := &countingSource{clock: clock, life: time.Hour, gate: make(chan struct{})}
	c := credentials.NewCache(src, "test source", clock.Now, nil)
	var wg sync.WaitGroup
	got := make([]ecsapi.Credentials, 100)
	for i := range got {
		wg.Go(func() { got[i] = retrieve(t, c) })
	}
	time.Sleep(20 * time.Millisecond)
	close(src.gate)
	wg.Wait()
	if n := src.n.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	for i, g := range got {
		if g.AccessKey != "AK1" {
			t.Fatalf("caller %d got %s", i, g.AccessKey)
		}
	}
}

// TestCacheRenewsBeforeExpiry: credentials are renewed ten minutes before
// they expire (half-way through a short life), in the background while the
// old ones still work, and synchronously once they no longer do.
func TestCacheRenewsBeforeExpiry(t *testing.T) {
	clock := newFakeClock()
	src := &countingSource{clock: clock, life: time.Hour}
	c := credentials.NewCache(src, "test source", clock.Now, nil)

	if got := retrieve(t, c).AccessKey; got != "AK1" {
		t.Fatalf("first: %s", got)
	}
	clock.Advance(49 * time.Minute)
	if got := retrieve(t, c).AccessKey; got != "AK1" || src.n.Load() != 1 {
		t.Fatalf("at 49 min: %s after %d fetches, want AK1 after 1", got, src.n.Load())
	}
	clock.Advance(2 * time.Minute) // 9 minutes left: renew, keep using AK1 meanwhile
	_ = retrieve(t, c)
	waitFor(t, "the background renewal", func() bool { return src.n.Load() == 2 })
	waitFor(t, "the renewed credentials", func() bool { return retrieve(t, c).AccessKey == "AK2" })

	// A short life renews half-way, and past the margin before expiry
	// callers wait for the new credentials.
	src.life = 10 * time.Second
	clock.Advance(2 * time.Hour)
	if got := retrieve(t, c).AccessKey; got != "AK3" {
		t.Fatalf("after expiry: %s, want AK3 (fetched synchronously)", got)
	}
	clock.Advance(4 * time.Second)
	if got := retrieve(t, c).AccessKey; got != "AK3" || src.n.Load() != 3 {
		t.Fatalf("at 4 of 10 s: %s after %d fetches", got, src.n.Load())
	}
	clock.Advance(5500 * time.Millisecond) // 0.5 s left, within the margin of 1 s
	if got := retrieve(t, c).AccessKey; got != "AK4" {
		t.Fatalf("within the margin: %s, want AK4", got)
	}
}

// TestCacheRenewalFailure: a failed background renewal keeps the working
// credentials and is not repeated at once; once they expire the failure is
// the answer, naming the source.
func TestCacheRenewalFailure(t *testing.T) {
	clock := newFakeClock()
	src := &countingSource{clock: clock, life: time.Hour}
	c := credentials.NewCache(src, "agency \"ops\"", clock.Now, nil)
	_ = retrieve(t, c)
	src.fail.Store(true)
	clock.Advance(55 * time.Minute)
	if got := retrieve(t, c).AccessKey; got != "AK1" {
		t.Fatalf("got %s during a failing renewal, want AK1", got)
	}
	waitFor(t, "the failed renewal", func() bool { return src.n.Load() == 2 })
	for range 10 {
		_ = retrieve(t, c)
	}
	time.Sleep(10 * time.Millisecond)
	if n := src.n.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2: a failed renewal waits before the next", n)
	}
	clock.Advance(5 * time.Minute)
	_, err := c.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), `agency "ops": IAM is down`) {
		t.Fatalf("got %v, want the failure naming the source", err)
	}
}

// TestCacheExpire: refused temporary credentials are replaced on the next
// Retrieve; fixed ones are not renewable and Expire says so.
func TestCacheExpire(t *testing.T) {
	clock := newFakeClock()
	src := &countingSource{clock: clock, life: time.Hour}
	c := credentials.NewCache(src, "test source", clock.Now, nil)
	first := retrieve(t, c)
	if !c.Expire(ecsapi.Credentials{AccessKey: "other"}) {
		t.Fatal("Expire of temporary credentials reported them not renewable")
	}
	if got := retrieve(t, c); got != first {
		t.Fatalf("Expire of credentials no longer in use replaced the current ones: %s", got.AccessKey)
	}
	c.Expire(first)
	if got := retrieve(t, c).AccessKey; got != "AK2" {
		t.Fatalf("after Expire: %s, want AK2", got)
	}

	static := credentials.NewCache(credentials.Static{Credentials: ecsapi.Credentials{AccessKey: "AK", SecretKey: "SK"}}, "keys", clock.Now, nil)
	used := retrieve(t, static)
	if static.Expire(used) {
		t.Error("fixed credentials were reported renewable")
	}
	clock.Advance(1000 * time.Hour)
	if got := retrieve(t, static); got != used {
		t.Errorf("fixed credentials changed: %v", got)
	}
}

// TestCacheRefusesExpiredAnswer: credentials that expired before they
// arrived are an error, not a loop of fetches.
func TestCacheRefusesExpiredAnswer(t *testing.T) {
	clock := newFakeClock()
	src := &countingSource{clock: clock, life: -time.Minute}
	c := credentials.NewCache(src, "metadata", clock.Now, nil)
	_, err := c.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "expired at") {
		t.Fatalf("got %v, want an expiry error", err)
	}
}

// TestCacheCallerGivesUp: a caller whose context ends stops waiting, while
// the fetch goes on for the others.
func TestCacheCallerGivesUp(t *testing.T) {
	clock := newFakeClock()
	src := &countingSource{clock: clock, life: time.Hour, gate: make(chan struct{})}
	c := credentials.NewCache(src, "slow source", clock.Now, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.Retrieve(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "slow source") {
		t.Fatalf("got %v, want the deadline naming the source", err)
	}
	close(src.gate)
	if got := retrieve(t, c).AccessKey; got != "AK1" {
		t.Fatalf("got %s, want AK1 from the fetch the first caller started", got)
	}
	if n := src.n.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}
