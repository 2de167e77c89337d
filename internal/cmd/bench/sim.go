package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// simControl talks to the /_sim/ control API of an ecs-simulator process.
//
// Keep-alive is off on purpose: every control request then opens exactly one connection, which
// is counted in the snapshot the request itself returns. The connections a CLI command opened
// are therefore the difference between two snapshots minus one.
type simControl struct {
	base string
	http *http.Client
}

func newSimControl(base string) *simControl {
	return &simControl{
		base: strings.TrimRight(base, "/"),
		http: &http.Client{
			Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
			Timeout:   time.Minute,
		},
	}
}

// do sends a control request with an optional JSON body and decodes a JSON answer into out.
func (c *simControl) do(ctx context.Context, method, path string, in, out any, wantStatus int) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != wantStatus {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// configure sets the simulator's latency and rate limit (0 = unlimited).
func (c *simControl) configure(ctx context.Context, latency time.Duration, rate float64) error {
	ms := latency.Milliseconds()
	return c.do(ctx, http.MethodPut, "/_sim/config", map[string]any{"latency_ms": ms, "rate_limit": rate}, nil, http.StatusOK)
}

// stats returns the simulator's request and connection counters.
func (c *simControl) stats(ctx context.Context) (ecssim.Stats, error) {
	var st ecssim.Stats
	err := c.do(ctx, http.MethodGet, "/_sim/stats", nil, &st, http.StatusOK)
	return st, err
}

// addServers creates n Linux servers and returns their IDs.
func (c *simControl) addServers(ctx context.Context, prefix string, n int) ([]string, error) {
	ids := make([]string, 0, n)
	for i := range n {
		var st ecssim.ServerState
		spec := ecssim.ServerSpec{Name: fmt.Sprintf("%s-%04d", prefix, i), OSType: "Linux"}
		if err := c.do(ctx, http.MethodPost, "/_sim/servers", spec, &st, http.StatusCreated); err != nil {
			return nil, err
		}
		ids = append(ids, st.ID)
	}
	return ids, nil
}

// deleteServers removes servers so that later runs start from a small simulator.
func (c *simControl) deleteServers(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if err := c.do(ctx, http.MethodDelete, "/_sim/servers/"+url.PathEscape(id), nil, nil, http.StatusNoContent); err != nil {
			return err
		}
	}
	return nil
}

// servers returns the ground truth of every server, by ID.
func (c *simControl) servers(ctx context.Context) (map[string]ecssim.ServerState, error) {
	var list struct {
		Servers []ecssim.ServerState `json:"servers"`
	}
	if err := c.do(ctx, http.MethodGet, "/_sim/servers", nil, &list, http.StatusOK); err != nil {
		return nil, err
	}
	out := make(map[string]ecssim.ServerState, len(list.Servers))
	for _, s := range list.Servers {
		out[s.ID] = s
	}
	return out, nil
}

// clearRequests empties the request log.
func (c *simControl) clearRequests(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/requests", nil, nil, http.StatusNoContent)
}

// requests returns the request log.
func (c *simControl) requests(ctx context.Context) ([]ecssim.RequestRecord, error) {
	var list struct {
		Requests []ecssim.RequestRecord `json:"requests"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/requests", nil, &list, http.StatusOK)
	return list.Requests, err
}
