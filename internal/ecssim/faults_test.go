package ecssim

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// sleepRecorder replaces Simulator.sleep so delays are observed, not waited.
type sleepRecorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (r *sleepRecorder) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sleeps = append(r.sleeps, d)
	return nil
}

func (r *sleepRecorder) take() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sleeps
	r.sleeps = nil
	return out
}

func (h *harness) addFault(f Fault) {
	h.t.Helper()
	if err := h.sim.AddFault(f); err != nil {
		h.t.Fatalf("AddFault(%+v): %v", f, err)
	}
}

func TestFaultCount(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addFault(Fault{Method: "put", PathContains: "/os-reset-password", Status: 503, Count: 2, RetryAfterSeconds: 7})
	reset := func() response {
		return h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON("p", false))
	}
	for i := 0; i < 2; i++ {
		res := reset()
		wantV1Error(t, res, 503, "Common.1503")
		if res.header.Get("Retry-After") != "7" {
			t.Fatalf("Retry-After = %q", res.header.Get("Retry-After"))
		}
		// Requests that do not match are untouched.
		if res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), ""); res.status != 200 {
			t.Fatalf("unmatched request: %d", res.status)
		}
	}
	if res := reset(); res.status != http.StatusNoContent {
		t.Fatalf("third attempt: %d %s", res.status, res.body)
	}
	st, _ := h.sim.Server(srv.ID)
	if st.ResetCount != 1 {
		t.Fatalf("reset_count = %d, want 1 (faulted attempts change nothing)", st.ResetCount)
	}
	if n := h.sim.Stats().Requests["PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password"]; n != 3 {
		t.Fatalf("stats count = %d, want 3 attempts", n)
	}
	faults := h.sim.Faults()
	if len(faults) != 1 || faults[0].Injected != 2 || faults[0].Remaining == nil || *faults[0].Remaining != 0 || faults[0].Method != "PUT" {
		t.Fatalf("faults = %+v", faults)
	}
	h.sim.ClearFaults()
	if len(h.sim.Faults()) != 0 {
		t.Fatal("ClearFaults left faults")
	}
}

func TestFaultBodies(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	v1 := v1Path(srv.ID, "os-resetpwd-flag")
	native := nativePath("v2.1", srv.ID, "os-server-password")
	tests := []struct {
		name   string
		path   string
		status int
		check  func(t *testing.T, res response)
	}{
		{"429 v1", v1, 429, func(t *testing.T, res response) { wantGatewayError(t, res, 429, codeThrottled) }},
		{"429 native", native, 429, func(t *testing.T, res response) { wantGatewayError(t, res, 429, codeThrottled) }},
		{"503 v1", v1, 503, func(t *testing.T, res response) { wantV1Error(t, res, 503, "Common.1503") }},
		{"503 native", native, 503, func(t *testing.T, res response) { wantNativeFault(t, res, 503, "serviceUnavailable") }},
		{"500 v1", v1, 500, func(t *testing.T, res response) { wantV1Error(t, res, 500, "Common.0001") }},
		{"500 native", native, 500, func(t *testing.T, res response) { wantNativeFault(t, res, 500, "computeFault") }},
		{"501 v1", v1, 501, func(t *testing.T, res response) { wantV1Error(t, res, 501, "Ecs.0603") }},
		{"202 v1", v1, 202, func(t *testing.T, res response) { wantV1Error(t, res, 202, "Common.0024") }},
		{"202 native", native, 202, func(t *testing.T, res response) { wantV1Error(t, res, 202, "Common.0024") }},
		{"401", v1, 401, func(t *testing.T, res response) { wantGatewayError(t, res, 401, codeAuthFailed) }},
		{"404 native", native, 404, func(t *testing.T, res response) { wantNativeFault(t, res, 404, "itemNotFound") }},
		{"502 v1", v1, 502, func(t *testing.T, res response) { wantV1Error(t, res, 502, "Common.0001") }},
		{"429 iam", "/v3/projects", 429, func(t *testing.T, res response) { wantGatewayError(t, res, 429, codeThrottled) }},
		{"503 iam", "/v3/projects", 503, func(t *testing.T, res response) {
			if res.status != 503 || string(res.body) != `{"error":{"code":503,"message":"Api flow control Error because the request rate exceeds the limit","title":"Service Unavailable"}}` {
				t.Fatalf("%d %s", res.status, res.body)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.sim.ClearFaults()
			h.addFault(Fault{Status: tc.status, Count: 1})
			tc.check(t, h.call(defaultCred(), http.MethodGet, tc.path, ""))
		})
	}

	t.Run("custom code", func(t *testing.T) {
		h.sim.ClearFaults()
		h.addFault(Fault{Status: 400, Code: "Ecs.0610", Count: 1})
		wantV1Error(t, h.call(defaultCred(), http.MethodGet, v1, ""), 400, "Ecs.0610")
		h.addFault(Fault{Status: 409, Code: "conflictingRequest", Count: 1})
		wantNativeFault(t, h.call(defaultCred(), http.MethodGet, native, ""), 409, "conflictingRequest")
	})
	t.Run("custom body", func(t *testing.T) {
		h.sim.ClearFaults()
		h.addFault(Fault{Status: 500, Body: `{"weird":true}`, Count: 1})
		res := h.call(defaultCred(), http.MethodGet, v1, "")
		if res.status != 500 || string(res.body) != `{"weird":true}` {
			t.Fatalf("%d %s", res.status, res.body)
		}
		if ct := res.header.Get("Content-Type"); ct != contentTypeJSON {
			t.Fatalf("Content-Type = %q, want %q", ct, contentTypeJSON)
		}
	})
}

func TestFaultContentType(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	const page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
	const truncated = `{"error":{"code":"Ecs.0000","mess`
	tests := []struct {
		name        string
		fault       Fault
		wantStatus  int
		wantType    string
		wantBody    string
		wantGateway bool
	}{
		{"html page", Fault{Status: 502, Body: page, ContentType: "text/html"}, 502, "text/html", page, false},
		{"parameters kept", Fault{Status: 503, Body: page, ContentType: "text/html; charset=iso-8859-1"}, 503, "text/html; charset=iso-8859-1", page, false},
		{"truncated json", Fault{Status: 500, Body: truncated, ContentType: "application/json"}, 500, "application/json", truncated, false},
		{"default for a custom body", Fault{Status: 500, Body: truncated}, 500, contentTypeJSON, truncated, false},
		{"generated body", Fault{Status: 429}, 429, contentTypeJSON, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.sim.ClearFaults()
			f := tc.fault
			f.Count = 1
			h.addFault(f)
			res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
			if tc.wantGateway {
				wantGatewayError(t, res, tc.wantStatus, codeThrottled)
			} else if res.status != tc.wantStatus || string(res.body) != tc.wantBody {
				t.Fatalf("got %d %q, want %d %q", res.status, res.body, tc.wantStatus, tc.wantBody)
			}
			if ct := res.header.Get("Content-Type"); ct != tc.wantType {
				t.Fatalf("Content-Type = %q, want %q", ct, tc.wantType)
			}
		})
	}

	// Over the control API, the field round-trips.
	h.sim.ClearFaults()
	res := h.control(http.MethodPost, "/_sim/faults", `{"status":502,"body":"<html></html>","content_type":"text/html","count":1}`)
	if res.status != http.StatusCreated || !strings.Contains(string(res.body), `"content_type":"text/html"`) {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	got := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "")
	if got.status != 502 || string(got.body) != "<html></html>" || got.header.Get("Content-Type") != "text/html" {
		t.Fatalf("got %d %q %q", got.status, got.header.Get("Content-Type"), got.body)
	}
	for _, body := range []string{
		`{"status":502,"body":"x","content_type":"text/html\r\nX-Injected: 1"}`,
		`{"status":304,"content_type":"text/html"}`,
	} {
		if res := h.control(http.MethodPost, "/_sim/faults", body); res.status != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", body, res.status, res.body)
		}
	}
}

// faultPattern returns which of n requests hit a 50% fault.
func faultPattern(t *testing.T, seed uint64, n int) []bool {
	h := newHarness(t, func(c *Config) { c.RandSeed = seed })
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addFault(Fault{Status: 500, Rate: 0.5})
	out := make([]bool, n)
	for i := range out {
		res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "")
		out[i] = res.status == 500
	}
	return out
}

func TestFaultRate(t *testing.T) {
	const n = 200
	a := faultPattern(t, 42, n)
	hits := 0
	for _, hit := range a {
		if hit {
			hits++
		}
	}
	// A fair coin over 200 throws lands in 60..140 with overwhelming
	// probability; the seed makes the outcome fixed anyway.
	if hits < 60 || hits > 140 {
		t.Fatalf("%d of %d requests faulted at rate 0.5", hits, n)
	}
	b := faultPattern(t, 42, n)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different outcome at request %d", i)
		}
	}
	c := faultPattern(t, 43, n)
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Fatal("different seeds gave identical fault sequences")
	}

	// Count caps a rate-based fault.
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addFault(Fault{Status: 500, Rate: 0.9, Count: 3})
	hits = 0
	for i := 0; i < 50; i++ {
		if h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "").status == 500 {
			hits++
		}
	}
	if hits != 3 {
		t.Fatalf("%d faults, want exactly count=3", hits)
	}
}

func TestLatencyAndDelay(t *testing.T) {
	rec := &sleepRecorder{}
	h := newHarness(t, func(c *Config) { c.Latency = 150 * time.Millisecond })
	h.sim.sleep = rec.sleep
	srv := h.addServer(ServerSpec{OSType: "Linux"})

	h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "")
	if got := rec.take(); len(got) != 1 || got[0] != 150*time.Millisecond {
		t.Fatalf("latency sleeps = %v", got)
	}
	h.control(http.MethodGet, "/_sim/health", "")
	if got := rec.take(); len(got) != 0 {
		t.Fatalf("control API was delayed: %v", got)
	}

	// A delay-only fault slows the request down and then serves it.
	h.sim.SetLatency(0)
	h.addFault(Fault{DelayMS: 2500, Count: 1})
	if res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), ""); res.status != 200 {
		t.Fatalf("delayed request: %d", res.status)
	}
	if got := rec.take(); len(got) != 1 || got[0] != 2500*time.Millisecond {
		t.Fatalf("delay sleeps = %v", got)
	}
	// Delay with a status: wait, then fail.
	h.addFault(Fault{DelayMS: 10, Status: 504, Count: 1})
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), ""), 504, "Common.0001")
	if got := rec.take(); len(got) != 1 || got[0] != 10*time.Millisecond {
		t.Fatalf("delay sleeps = %v", got)
	}

	// PUT /_sim/config changes latency over HTTP.
	res := h.control(http.MethodPut, "/_sim/config", `{"latency_ms":75}`)
	if res.status != 200 || string(res.body) != `{"latency_ms":75,"rate_limit":0,"clock_offset_seconds":0,"job_duration_ms":2000,"token_lifetime_seconds":86400}` {
		t.Fatalf("config: %d %s", res.status, res.body)
	}
	h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "")
	if got := rec.take(); len(got) != 1 || got[0] != 75*time.Millisecond {
		t.Fatalf("latency sleeps = %v", got)
	}
}

func TestDelayHonoursClientCancellation(t *testing.T) {
	h := newHarness(t, nil)
	h.addFault(Fault{DelayMS: int(maxFaultDelay.Milliseconds()), Status: 500})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := newRequest(http.MethodGet, v1Path("x", ""), "").WithContext(ctx)
	res := h.serve(r)
	// The client is gone: nothing is written, and the handler returns at
	// once instead of sleeping for ten minutes.
	if len(res.body) != 0 {
		t.Fatalf("wrote %d %s to a cancelled client", res.status, res.body)
	}
	if recs := h.sim.Requests(); len(recs) != 1 || recs[0].Status != 0 {
		t.Fatalf("log = %+v", recs)
	}
}

func TestFaultsNeverApplyToControlAPI(t *testing.T) {
	h := newHarness(t, nil)
	h.addFault(Fault{Status: 500})
	h.addFault(Fault{ResetConnection: true})
	if res := h.control(http.MethodGet, "/_sim/health", ""); res.status != 200 {
		t.Fatalf("health: %d %s", res.status, res.body)
	}
}

// invalidFault is a fault AddFault must refuse, with a message naming
// field (or one of the fields) at fault.
type invalidFault struct {
	fault Fault
	field string
}

func TestFaultValidation(t *testing.T) {
	h := newHarness(t, nil)
	bad := invalidFaultSettings()
	maps.Copy(bad, invalidFaultAnswers())
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			err := h.sim.AddFault(tc.fault)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %q does not name %s", err, tc.field)
			}
		})
	}
	if len(h.sim.Faults()) != 0 {
		t.Fatal("invalid faults were registered")
	}
}

// invalidFaultSettings are faults that do nothing, or whose status, count,
// rate, delay or method is out of range, or that shape an answer they do
// not send.
func invalidFaultSettings() map[string]invalidFault {
	return map[string]invalidFault{
		"nothing to do":             {Fault{}, "status"},
		"status 99":                 {Fault{Status: 99}, "status"},
		"status 600":                {Fault{Status: 600}, "status"},
		"negative status":           {Fault{Status: -200}, "status"},
		"reset with status":         {Fault{ResetConnection: true, Status: 500}, "reset_connection"},
		"reset with headers":        {Fault{ResetConnection: true, Headers: map[string]string{"X-A": "b"}}, "headers"},
		"reset with truncation":     {Fault{ResetConnection: true, TruncateAfter: intPtr(1)}, "truncate_after"},
		"code without status":       {Fault{DelayMS: 1, Code: "x"}, "code"},
		"body without status":       {Fault{DelayMS: 1, Body: "x"}, "body"},
		"headers without status":    {Fault{DelayMS: 1, Headers: map[string]string{"X-A": "b"}}, "headers"},
		"truncation without status": {Fault{DelayMS: 1, TruncateAfter: intPtr(0)}, "truncate_after"},
		"pass through alone":        {Fault{PassThrough: true}, "status"},
		"negative count":            {Fault{Status: 500, Count: -1}, "count"},
		"rate above one":            {Fault{Status: 500, Rate: 1.5}, "rate"},
		"negative rate":             {Fault{Status: 500, Rate: -0.1}, "rate"},
		"negative retry":            {Fault{Status: 429, RetryAfterSeconds: -1}, "retry_after_seconds"},
		"negative delay":            {Fault{DelayMS: -1}, "delay_ms"},
		"huge delay":                {Fault{DelayMS: 11 * 60 * 1000}, "delay_ms"},
		"bad method":                {Fault{Status: 500, Method: "GET /"}, "method"},
	}
}

// invalidFaultAnswers are faults whose content type, body, code, headers or
// truncation cannot be sent with their status or with each other.
func invalidFaultAnswers() map[string]invalidFault {
	return map[string]invalidFault{
		"type without status":         {Fault{DelayMS: 1, ContentType: "text/html"}, "content_type"},
		"type with newline":           {Fault{Status: 502, Body: "x", ContentType: "text/html\nSet-Cookie: a=b"}, "content_type"},
		"type with NUL":               {Fault{Status: 502, Body: "x", ContentType: "text/html\x00"}, "content_type"},
		"type with DEL":               {Fault{Status: 502, Body: "x", ContentType: "text/\x7fhtml"}, "content_type"},
		"type with tab":               {Fault{Status: 502, Body: "x", ContentType: "text/html;\tcharset=utf-8"}, "content_type"},
		"type not ASCII":              {Fault{Status: 502, Body: "x", ContentType: "text/htmlé"}, "content_type"},
		"type blank":                  {Fault{Status: 502, Body: "x", ContentType: " "}, "content_type"},
		"type with 304":               {Fault{Status: 304, ContentType: "text/html"}, "content_type"},
		"type with 1xx":               {Fault{Status: 103, ContentType: "text/html"}, "content_type"},
		"body with 204":               {Fault{Status: 204, Body: "x"}, "body"},
		"body with 304":               {Fault{Status: 304, Body: "x"}, "body"},
		"body with 1xx":               {Fault{Status: 103, Body: "x"}, "body"},
		"body twice":                  {Fault{Status: 500, Body: "x", BodyBase64: "eA=="}, "body_base64"},
		"base64 not base64":           {Fault{Status: 500, BodyBase64: "not base64!"}, "body_base64"},
		"body too large":              {Fault{Status: 500, Body: strings.Repeat("x", maxFaultBody+1)}, "body"},
		"code with 200":               {Fault{Status: 200, Code: "Ecs.0000"}, "code"},
		"code with an empty body":     {Fault{Status: 500, Code: "Ecs.0000", ContentType: "text/plain"}, "code"},
		"header name with space":      {Fault{Status: 500, Headers: map[string]string{"X A": "b"}}, "headers"},
		"header name empty":           {Fault{Status: 500, Headers: map[string]string{"": "b"}}, "headers"},
		"header value with newline":   {Fault{Status: 500, Headers: map[string]string{"X-A": "b\r\nX-B: c"}}, "headers"},
		"header value not ASCII":      {Fault{Status: 500, Headers: map[string]string{"X-A": "é"}}, "headers"},
		"header twice":                {Fault{Status: 500, Headers: map[string]string{"x-a": "1", "X-A": "2"}}, "headers"},
		"content type header":         {Fault{Status: 500, Headers: map[string]string{"content-type": "text/html"}}, "content_type"},
		"content length header":       {Fault{Status: 500, Headers: map[string]string{"Content-Length": "10"}}, "truncate_after"},
		"transfer encoding header":    {Fault{Status: 500, Headers: map[string]string{"Transfer-Encoding": "chunked"}}, "headers"},
		"two Retry-After":             {Fault{Status: 429, RetryAfterSeconds: 3, Headers: map[string]string{"Retry-After": "5"}}, "retry_after_seconds"},
		"empty request ID":            {Fault{Status: 500, Headers: map[string]string{"X-Request-Id": ""}}, "headers"},
		"request ID with a space":     {Fault{Status: 500, Headers: map[string]string{"X-Request-Id": "a b"}}, "headers"},
		"negative truncation":         {Fault{Status: 500, TruncateAfter: intPtr(-1)}, "truncate_after"},
		"truncation cuts nothing":     {Fault{Status: 500, Body: "abc", TruncateAfter: intPtr(3)}, "truncate_after"},
		"truncation of an empty body": {Fault{Status: 200, ContentType: "application/json", TruncateAfter: intPtr(0)}, "truncate_after"},
		"truncation without any body": {Fault{Status: 200, TruncateAfter: intPtr(0)}, "truncate_after"},
		"truncation of a 204":         {Fault{Status: 204, TruncateAfter: intPtr(0)}, "truncate_after"},
		"truncation of a 1xx":         {Fault{Status: 100, TruncateAfter: intPtr(0)}, "truncate_after"},
	}
}

func TestResetConnectionFault(t *testing.T) {
	srv, err := StartLoopback(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if err := srv.AddFault(Fault{ResetConnection: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() (*http.Response, error) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/v3/projects", nil)
		signTestRequest(req, nil, DefaultAccessKey, DefaultSecretKey, time.Now(), nil)
		return client.Do(req)
	}
	if res, err := get(); err == nil {
		_ = res.Body.Close()
		t.Fatalf("got status %d, want a transport error", res.StatusCode)
	}
	res, err := get()
	if err != nil {
		t.Fatalf("second request: %v", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("second request status %d", res.StatusCode)
	}
	if st := srv.Stats(); st.ConnectionsAccepted != 2 || st.Requests["GET /v3/projects"] != 2 {
		t.Fatalf("stats = %+v", st)
	}
	recs := srv.Requests()
	if len(recs) != 2 || recs[0].Status != 0 || recs[1].Status != 200 {
		t.Fatalf("log = %+v", recs)
	}
}

func TestResetConnectionWithoutHijacker(t *testing.T) {
	// httptest.ResponseRecorder cannot be hijacked; the fault degrades to
	// a 502 instead of panicking.
	h := newHarness(t, nil)
	h.addFault(Fault{ResetConnection: true})
	res := h.call(defaultCred(), http.MethodGet, "/v3/projects", "")
	wantGatewayError(t, res, http.StatusBadGateway, "APIGW.0000")
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimit = 2 })
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addPrincipal(Principal{AccessKey: "OTHER", SecretKey: "sk", Actions: []string{allActions}})
	get := func(c cred) response { return h.call(c, http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "") }

	for i := 0; i < 2; i++ {
		if res := get(defaultCred()); res.status != 200 {
			t.Fatalf("request %d: %d", i, res.status)
		}
	}
	res := get(defaultCred())
	wantGatewayError(t, res, 429, codeThrottled)
	if res.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After = %q, want 1", res.header.Get("Retry-After"))
	}
	// Another credential has its own bucket.
	if res := get(cred{ak: "OTHER", sk: "sk"}); res.status != 200 {
		t.Fatalf("other credential: %d", res.status)
	}
	// Half a second refills one token at 2/s.
	h.clock.Advance(500 * time.Millisecond)
	if res := get(defaultCred()); res.status != 200 {
		t.Fatalf("after refill: %d", res.status)
	}
	wantGatewayError(t, get(defaultCred()), 429, codeThrottled)

	// Slow rates advertise longer waits, rounded up.
	h.sim.SetRateLimit(0.4)
	if res := get(defaultCred()); res.status != 200 {
		t.Fatalf("fresh bucket: %d", res.status)
	}
	res = get(defaultCred())
	if res.status != 429 || res.header.Get("Retry-After") != "3" {
		t.Fatalf("status %d Retry-After %q, want 429 and 3", res.status, res.header.Get("Retry-After"))
	}

	// Tokens are limited like AK/SK credentials.
	h.sim.SetRateLimit(1)
	tok, _ := h.login(`{"name":"cn-north-4"}`)
	if res := get(cred{token: tok}); res.status != 200 {
		t.Fatalf("token: %d", res.status)
	}
	wantGatewayError(t, get(cred{token: tok}), 429, codeThrottled)

	// Over HTTP, and 0 lifts the limit.
	if res := h.control(http.MethodPut, "/_sim/config", `{"rate_limit":0}`); res.status != 200 {
		t.Fatalf("config: %d %s", res.status, res.body)
	}
	for i := 0; i < 20; i++ {
		if res := get(defaultCred()); res.status != 200 {
			t.Fatalf("unlimited request %d: %d", i, res.status)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 10 * time.Second: 10} {
		if got := retryAfterSeconds(d); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
	// A vanishing rate cannot overflow the wait.
	b := &bucket{last: testNow}
	if ok, wait := b.take(testNow, 1e-300); ok || wait != maxRetryAfter {
		t.Fatalf("take = %v, %v", ok, wait)
	}
}

// observingWriter stands for the client's side of a connection: when the
// status line leaves or the connection is closed, it reads the request log,
// which must already hold the request with that status.
type observingWriter struct {
	t      *testing.T
	sim    *Simulator
	header http.Header
	body   strings.Builder
	status int
	closed bool
}

func (o *observingWriter) Header() http.Header { return o.header }

func (o *observingWriter) WriteHeader(code int) {
	if o.status != 0 {
		return
	}
	o.status = code
	o.expectLogged(code)
}

func (o *observingWriter) Write(b []byte) (int, error) {
	o.WriteHeader(http.StatusOK)
	return o.body.Write(b)
}

func (o *observingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	server, client := net.Pipe()
	_ = client.Close()
	conn := &observedConn{Conn: server, o: o}
	return conn, bufio.NewReadWriter(bufio.NewReader(conn), bufio.NewWriter(conn)), nil
}

// expectLogged checks that the last log record is this request with status.
func (o *observingWriter) expectLogged(status int) {
	o.t.Helper()
	recs := o.sim.Requests()
	if len(recs) == 0 {
		o.t.Errorf("the answer (status %d) left before the request was logged", status)
		return
	}
	last := recs[len(recs)-1]
	if last.RequestID != o.header.Get("X-Request-Id") || last.Status != status {
		o.t.Errorf("when the answer left, the last record was %+v, want request %s with status %d",
			last, o.header.Get("X-Request-Id"), status)
	}
}

type observedConn struct {
	net.Conn
	o *observingWriter
}

// Write sees what a fault writes on a connection it took over: a status
// line must not leave before the request is logged with its status.
func (c *observedConn) Write(b []byte) (int, error) {
	var code int
	if _, err := fmt.Sscanf(string(b), "HTTP/1.1 %d ", &code); err == nil && c.o.status == 0 {
		c.o.status = code
		c.o.expectLogged(code)
	}
	return c.Conn.Write(b)
}

func (c *observedConn) Close() error {
	if !c.o.closed {
		c.o.closed = true
		if c.o.status == 0 {
			c.o.expectLogged(0)
		}
	}
	return c.Conn.Close()
}

func TestRequestLoggedBeforeTheAnswerLeaves(t *testing.T) {
	tests := []struct {
		name       string
		fault      *Fault
		wantStatus int
		wantClosed bool
	}{
		{name: "served", wantStatus: http.StatusOK},
		{name: "status fault", fault: &Fault{Status: 503}, wantStatus: 503},
		{name: "delayed status fault", fault: &Fault{Status: 500, DelayMS: 5}, wantStatus: 500},
		{name: "delay only", fault: &Fault{DelayMS: 5}, wantStatus: http.StatusOK},
		{name: "connection reset", fault: &Fault{ResetConnection: true}, wantClosed: true},
		{name: "delayed connection reset", fault: &Fault{ResetConnection: true, DelayMS: 5}, wantClosed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.sim.sleep = (&sleepRecorder{}).sleep
			if tc.fault != nil {
				h.addFault(*tc.fault)
			}
			r := newRequest(http.MethodGet, "/v3/projects", "")
			h.authorize(r, defaultCred(), "")
			o := &observingWriter{t: t, sim: h.sim, header: http.Header{}}
			h.sim.Handler().ServeHTTP(o, r)
			if o.status != tc.wantStatus || o.closed != tc.wantClosed {
				t.Fatalf("status %d, closed %t; want %d, %t", o.status, o.closed, tc.wantStatus, tc.wantClosed)
			}
			if n := len(h.sim.Requests()); n != 1 {
				t.Fatalf("%d records, want 1", n)
			}
		})
	}
}
