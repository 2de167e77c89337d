package ecssim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewServerEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var seen []RequestRecord
	srv, err := StartLoopback(Config{
		Seed: []ServerSpec{{ID: "seeded", Name: "seeded", OSType: "Linux"}},
		OnRequest: func(rec RequestRecord) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, rec)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q", srv.URL)
	}

	body := resetJSON("Nw0Pass!word", true)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, srv.URL+v1Path("seeded", "os-reset-password"), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	signTestRequest(req, []byte(body), DefaultAccessKey, DefaultSecretKey, time.Now(), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNoContent || res.Header.Get("X-Request-Id") == "" {
		t.Fatalf("status %d", res.StatusCode)
	}
	if st, _ := srv.Server("seeded"); st.Password != "Nw0Pass!word" {
		t.Fatalf("state = %+v", st)
	}

	res, err = httpGet(t, srv.URL+"/_sim/servers/seeded")
	if err != nil {
		t.Fatal(err)
	}
	var st ServerState
	err = json.NewDecoder(res.Body).Decode(&st)
	_ = res.Body.Close()
	if err != nil || st.ResetCount != 1 || st.LastResetAPI != "v1" || !st.LastIsCheckPassword {
		t.Fatalf("control GET: %+v %v", st, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0].Status != 204 || seen[1].Path != "/_sim/servers/seeded" || seen[1].Status != 200 {
		t.Fatalf("OnRequest saw %+v", seen)
	}
}

func TestRequestLogRemoteAddr(t *testing.T) {
	srv, err := StartLoopback(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	// Two clients with separate connections, as two processes would have.
	var locals []string
	for range 2 {
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		var local string
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { local = info.Conn.LocalAddr().String() }}
		ctx := httptrace.WithClientTrace(t.Context(), trace)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v3/projects", nil)
		signTestRequest(req, nil, DefaultAccessKey, DefaultSecretKey, time.Now(), nil)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || local == "" {
			t.Fatalf("status %d, local address %q", res.StatusCode, local)
		}
		locals = append(locals, local)
	}
	if locals[0] == locals[1] {
		t.Fatalf("both clients used %s", locals[0])
	}

	res, err := httpGet(t, srv.URL+"/_sim/requests")
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Requests []map[string]any `json:"requests"`
	}
	err = json.NewDecoder(res.Body).Decode(&log)
	_ = res.Body.Close()
	if err != nil || len(log.Requests) != len(locals) {
		t.Fatalf("log = %+v (%v)", log.Requests, err)
	}
	for i, want := range locals {
		if got := log.Requests[i]["remote_addr"]; got != want {
			t.Fatalf("requests[%d].remote_addr = %v, want the client's address %s", i, got, want)
		}
	}
}

// httpGet is http.Get bound to the test's context.
func httpGet(t *testing.T, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

func TestInvalidSeed(t *testing.T) {
	cfg := Config{Seed: []ServerSpec{{OSType: "Linux"}, {OSType: "Amiga"}}}
	if _, err := StartLoopback(cfg); err == nil || !strings.Contains(err.Error(), "seed server 1") {
		t.Fatalf("NewServer error = %v", err)
	}
	if err := ListenAndServe(context.Background(), "127.0.0.1:0", cfg, nil); err == nil {
		t.Fatal("ListenAndServe accepted an invalid seed")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("New did not panic on an invalid seed")
		}
	}()
	New(cfg)
}

func TestListenAndServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- ListenAndServe(ctx, "127.0.0.1:0", Config{}, func(u string) { urls <- u }) }()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("ListenAndServe returned early: %v", err)
	}
	res, err := httpGet(t, url+"/_sim/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if string(b) != `{"status":"ok"}` {
		t.Fatalf("health = %s", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe after cancel: %v", err)
	}
	if err := ListenAndServe(context.Background(), "256.0.0.1:1", Config{}, nil); err == nil {
		t.Fatal("bad address accepted")
	}
}

func TestConfigDefaults(t *testing.T) {
	sim := New(Config{})
	if sim.cfg.ProjectID != DefaultProjectID || sim.cfg.Region != DefaultRegion || sim.cfg.User != DefaultUser ||
		sim.cfg.RandSeed != DefaultRandSeed || sim.now == nil {
		t.Fatalf("defaults = %+v", sim.cfg)
	}
	if _, ok := sim.principals[DefaultAccessKey]; !ok {
		t.Fatal("default principal missing")
	}
	sim = New(Config{Latency: -time.Second, RateLimit: -1})
	if sim.currentLatency() != 0 || sim.currentRateLimit() != 0 {
		t.Fatal("negative latency or rate limit kept")
	}
}

func TestConcurrentRequests(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimit = 1e9 })
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = h.addServer(ServerSpec{OSType: "Windows"}).ID
	}
	h.addFault(Fault{Status: 503, Rate: 0.2})
	const workers, perWorker = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	succeeded := map[string]int{}
	apiCalls := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				id := ids[(w+i)%len(ids)]
				if i%4 != 3 {
					mu.Lock()
					apiCalls++
					mu.Unlock()
				}
				switch i % 4 {
				case 0:
					res := h.call(defaultCred(), http.MethodPut, v1Path(id, "os-reset-password"), resetJSON(fmt.Sprintf("pw-%d-%d", w, i), false))
					if res.status == http.StatusNoContent {
						mu.Lock()
						succeeded[id]++
						mu.Unlock()
					}
				case 1:
					h.call(defaultCred(), http.MethodGet, v1Path(id, ""), "")
				case 2:
					h.call(defaultCred(), http.MethodDelete, nativePath("v2.1", id, "os-server-password"), "")
				default:
					_, _ = h.sim.UpdateServer(id, ServerPatch{Locked: boolPtr(false)})
					h.control(http.MethodGet, "/_sim/stats", "")
				}
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		st, _ := h.sim.Server(id)
		if st.ResetCount != succeeded[id] || len(st.ResetHistory) != st.ResetCount {
			t.Fatalf("server %s: reset_count %d, history %d, successful requests %d", id, st.ResetCount, len(st.ResetHistory), succeeded[id])
		}
	}
	if n := len(h.sim.Requests()); n != apiCalls {
		t.Fatalf("logged %d API requests, want %d", n, apiCalls)
	}
}
