package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
)

// newSimHTTPClient returns the HTTP client of the bench's control requests.
//
// Keep-alive is off on purpose: every control request then opens exactly one connection, which
// is counted in the snapshot the request itself returns. The connections a CLI command opened
// are therefore the difference between two snapshots minus one.
func newSimHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		Timeout:   time.Minute,
	}
}

// configure sets the simulator's latency and rate limit (0 = unlimited).
func (b *bench) configure(ctx context.Context, latency time.Duration, rate float64) error {
	_, err := b.sim.SetConfig(ctx, simctl.ConfigChange{Latency: &latency, RateLimit: &rate})
	return err
}

// addServers creates n Linux servers and returns their IDs.
func (b *bench) addServers(ctx context.Context, prefix string, n int) ([]string, error) {
	ids := make([]string, 0, n)
	for i := range n {
		st, err := b.sim.AddServer(ctx, ecssim.ServerSpec{Name: fmt.Sprintf("%s-%04d", prefix, i), OSType: "Linux"})
		if err != nil {
			return nil, err
		}
		ids = append(ids, st.ID)
	}
	return ids, nil
}

// deleteServers removes servers so that later runs start from a small simulator.
func (b *bench) deleteServers(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if err := b.sim.DeleteServer(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// serversByID returns the ground truth of every server, by ID.
func (b *bench) serversByID(ctx context.Context) (map[string]ecssim.ServerState, error) {
	list, err := b.sim.Servers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ecssim.ServerState, len(list))
	for _, s := range list {
		out[s.ID] = s
	}
	return out, nil
}
