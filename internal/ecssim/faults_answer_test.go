package ecssim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func intPtr(n int) *int { return &n }

// TestFaultAnswersAnyStatus covers answers the real API never gives:
// success statuses with error bodies, pages or nothing at all.
func TestFaultAnswersAnyStatus(t *testing.T) {
	const (
		v1Error   = `{"error":{"code":"Ecs.0000","message":"The request is being processed."}}`
		overLimit = `{"overLimit":{"code":413,"message":"Over limit"}}`
		page      = "<html><body>Accept the terms to continue.</body></html>"
	)
	tests := []struct {
		name     string
		fault    Fault
		status   int
		body     string
		wantType string
		header   [2]string
	}{
		{"202 with a v1 error", Fault{Status: 202, Body: v1Error}, 202, v1Error, contentTypeJSON, [2]string{}},
		{"202 with a Nova overLimit", Fault{Status: 202, Body: overLimit, ContentType: "application/json"}, 202, overLimit, "application/json", [2]string{}},
		{"204 alone", Fault{Status: 204}, 204, "", "", [2]string{}},
		{"204 with a content type", Fault{Status: 204, ContentType: "application/json"}, 204, "", "application/json", [2]string{}},
		{"200 HTML page", Fault{Status: 200, Body: page, ContentType: "text/html; charset=utf-8"}, 200, page, "text/html; charset=utf-8", [2]string{}},
		{"200 empty JSON", Fault{Status: 200, ContentType: "application/json"}, 200, "", "application/json", [2]string{}},
		{"200 alone", Fault{Status: 200}, 200, "", "", [2]string{}},
		{"201 with a body", Fault{Status: 201, Body: `{}`}, 201, `{}`, contentTypeJSON, [2]string{}},
		{"302 redirect", Fault{Status: 302, Headers: map[string]string{"Location": "https://login.example.com/"}}, 302, "", "",
			[2]string{"Location", "https://login.example.com/"}},
		{"304", Fault{Status: 304}, 304, "", "", [2]string{}},
		{"418 generated", Fault{Status: 418, Code: "Ecs.0418"}, 418,
			`{"error":{"code":"Ecs.0418","message":"I'm a teapot"}}`, contentTypeJSON, [2]string{}},
		{"binary body", Fault{Status: 500, BodyBase64: base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0xff, 0x00}),
			ContentType: "application/octet-stream"}, 500, "\x1f\x8b\xff\x00", "application/octet-stream", [2]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			srv := h.addServer(ServerSpec{OSType: "Linux"})
			f := tc.fault
			f.Count = 1
			h.addFault(f)
			res := h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON("Kq7!vRm2@Lp9", true))
			if res.status != tc.status || string(res.body) != tc.body {
				t.Fatalf("got %d %q, want %d %q", res.status, res.body, tc.status, tc.body)
			}
			if ct := res.header.Get("Content-Type"); ct != tc.wantType {
				t.Fatalf("Content-Type = %q, want %q", ct, tc.wantType)
			}
			if tc.header[0] != "" && res.header.Get(tc.header[0]) != tc.header[1] {
				t.Fatalf("%s = %q, want %q", tc.header[0], res.header.Get(tc.header[0]), tc.header[1])
			}
			// The fault answered in place of the API: nothing was reset.
			if st, _ := h.sim.Server(srv.ID); st.ResetCount != 0 {
				t.Fatalf("reset_count = %d, want 0", st.ResetCount)
			}
			recs := h.sim.Requests()
			if len(recs) != 1 || recs[0].Status != tc.status || recs[0].FaultID != 1 || recs[0].APIStatus != 0 {
				t.Fatalf("log = %+v", recs)
			}
		})
	}
}

func TestFaultHeaders(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	const date = "Wed, 25 Nov 2026 08:15:30 GMT"
	h.addFault(Fault{Status: 429, Count: 1, Headers: map[string]string{
		"x-request-id": "lb-0001", "Retry-After": date, "X-Cache": "MISS from edge",
	}})
	res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
	wantGatewayError(t, res, 429, codeThrottled)
	for name, want := range map[string]string{"X-Request-Id": "lb-0001", "Retry-After": date, "X-Cache": "MISS from edge"} {
		if got := res.header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want just %q", name, got, want)
		}
	}
	// The replaced ID is the request's ID everywhere the client or a test
	// could look for it.
	var gw gatewayBody
	if err := json.Unmarshal(res.body, &gw); err != nil || gw.RequestID != "lb-0001" {
		t.Errorf("body request_id = %q (%v), want lb-0001", gw.RequestID, err)
	}
	if recs := h.sim.Requests(); len(recs) != 1 || recs[0].RequestID != "lb-0001" {
		t.Errorf("log = %+v", recs)
	}
	// Names are listed in canonical form.
	faults := h.sim.Faults()
	if len(faults) != 1 || faults[0].Headers["X-Request-Id"] != "lb-0001" || len(faults[0].Headers) != 3 {
		t.Errorf("faults = %+v", faults)
	}
	// Without the header, requests get fresh IDs again.
	res = h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
	if id := res.header.Get("X-Request-Id"); res.status != 200 || len(id) != 32 {
		t.Errorf("next request: %d with ID %q", res.status, id)
	}
}

func TestFaultTruncateAfterInProcess(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	const doc = `{"resetpwd_flag":"True"}`
	h.addFault(Fault{Status: 200, Body: doc, ContentType: "application/json", TruncateAfter: intPtr(10), Count: 1})
	res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
	if res.status != 200 || string(res.body) != doc[:10] || res.header.Get("Content-Length") != strconv.Itoa(len(doc)) {
		t.Fatalf("got %d %q with Content-Length %q", res.status, res.body, res.header.Get("Content-Length"))
	}
}

// startTCP starts a simulator on a loopback port.
func startTCP(t *testing.T) *Loopback {
	t.Helper()
	srv, err := StartLoopback(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// tcpCall sends a signed request over a fresh connection.
func tcpCall(t *testing.T, srv *Loopback, method, path, body string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = nil, 0
	}
	signTestRequest(req, []byte(body), DefaultAccessKey, DefaultSecretKey, time.Now(), nil)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return client.Do(req)
}

// truncateCase is a fault with truncate_after and what the client reads:
// the status, the bytes before the cut, and the whole body's length the
// answer announces (-1: not checked).
type truncateCase struct {
	name   string
	fault  Fault
	status int
	prefix string
	full   int
}

func TestFaultTruncateAfterOverTCP(t *testing.T) {
	srv := startTCP(t)
	st, err := srv.AddServer(ServerSpec{OSType: "Linux"})
	if err != nil {
		t.Fatal(err)
	}
	flag := v1Path(st.ID, "os-resetpwd-flag")
	const doc = `{"resetpwd_flag":"True","padding":"` + "0123456789abcdef" + `"}`
	tests := []truncateCase{
		{"custom body", Fault{Status: 200, Body: doc, ContentType: "application/json", TruncateAfter: intPtr(20)}, 200, doc[:20], len(doc)},
		{"headers only", Fault{Status: 200, Body: doc, TruncateAfter: intPtr(0)}, 200, "", len(doc)},
		{"generated body", Fault{Status: 503, TruncateAfter: intPtr(12)}, 503, `{"error":{"c`, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.ClearFaults()
			srv.ClearRequests()
			f := tc.fault
			f.Count = 1
			if err := srv.AddFault(f); err != nil {
				t.Fatal(err)
			}
			checkTruncatedAnswer(t, srv, flag, tc)
			// The fault is spent; the next request is answered whole.
			res, err := tcpCall(t, srv, http.MethodGet, flag, "")
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if err != nil || res.StatusCode != 200 || string(body) != `{"resetpwd_flag":"True"}` {
				t.Fatalf("next request: %d %q %v", res.StatusCode, body, err)
			}
		})
	}
}

// checkTruncatedAnswer gets flag once, with tc's fault registered, and
// checks that the answer is cut as tc says.
func checkTruncatedAnswer(t *testing.T, srv *Loopback, flag string, tc truncateCase) {
	res, err := tcpCall(t, srv, http.MethodGet, flag, "")
	if err != nil {
		t.Fatalf("the status and headers should arrive: %v", err)
	}
	got, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading the body: %v, want an unexpected EOF", err)
	}
	if res.StatusCode != tc.status || string(got) != tc.prefix {
		t.Fatalf("got %d %q, want %d %q", res.StatusCode, got, tc.status, tc.prefix)
	}
	if tc.full >= 0 && res.ContentLength != int64(tc.full) {
		t.Fatalf("Content-Length %d, want the whole body's %d", res.ContentLength, tc.full)
	}
	if res.ContentLength <= int64(len(tc.prefix)) {
		t.Fatalf("Content-Length %d announces no more than was sent", res.ContentLength)
	}
	if recs := srv.Requests(); len(recs) != 1 || recs[0].Status != tc.status {
		t.Fatalf("log = %+v", recs)
	}
}

func TestFaultInformationalStatus(t *testing.T) {
	srv := startTCP(t)
	if err := srv.AddFault(Fault{Status: 103, Count: 1, Headers: map[string]string{"Link": "</style.css>; rel=preload"}}); err != nil {
		t.Fatal(err)
	}
	conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	// Faults apply before authentication, so an unsigned request will do.
	if _, err := fmt.Fprintf(conn, "GET /v3/projects HTTP/1.1\r\nHost: sim\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading until the simulator closes: %v", err)
	}
	// The status line and headers, then nothing: no final answer follows.
	text := string(raw)
	if !strings.HasPrefix(text, "HTTP/1.1 103 Early Hints\r\n") || !strings.HasSuffix(text, "\r\n\r\n") ||
		strings.Count(text, "HTTP/1.1") != 1 || !strings.Contains(text, "Link: </style.css>; rel=preload\r\n") ||
		!strings.Contains(text, "X-Request-Id: ") {
		t.Fatalf("raw answer %q", text)
	}
	if recs := srv.Requests(); len(recs) != 1 || recs[0].Status != 103 {
		t.Fatalf("log = %+v", recs)
	}

	// Without a connection to take over, the fault degrades to a 502.
	h := newHarness(t, nil)
	h.addFault(Fault{Status: 100})
	wantGatewayError(t, h.call(defaultCred(), http.MethodGet, "/v3/projects", ""), http.StatusBadGateway, "APIGW.0000")
}

// TestFaultPassThrough covers requests the API acts on while the client
// gets another answer, or none.
func TestFaultPassThrough(t *testing.T) {
	t.Run("status replaces the answer", testPassThroughStatus)
	t.Run("rejected requests pass too", func(t *testing.T) {
		h := newHarness(t, nil)
		srv := h.addServer(ServerSpec{OSType: "Linux"})
		h.addFault(Fault{Status: 200, Body: `{"resetpwd_flag":"True"}`, PassThrough: true})
		res := h.call(cred{ak: DefaultAccessKey, sk: "wrong"}, http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
		if res.status != 200 || string(res.body) != `{"resetpwd_flag":"True"}` {
			t.Fatalf("got %d %s", res.status, res.body)
		}
		if recs := h.sim.Requests(); len(recs) != 1 || recs[0].Status != 200 || recs[0].APIStatus != http.StatusUnauthorized {
			t.Fatalf("log = %+v", recs)
		}
	})
	t.Run("delay delivers the API's answer late", testPassThroughDelay)
	t.Run("client gone during the delay", testPassThroughClientGone)
	t.Run("reset after the API acted", testPassThroughReset)
}

// passThroughPassword is the password the pass-through tests reset.
const passThroughPassword = "Kq7!vRm2@Lp9"

func testPassThroughStatus(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addFault(Fault{Method: "PUT", Status: 500, PassThrough: true, Count: 1})
	res := h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON(passThroughPassword, true))
	wantV1Error(t, res, 500, "Common.0001")
	if st, _ := h.sim.Server(srv.ID); st.ResetCount != 1 || st.Password != passThroughPassword {
		t.Fatalf("the reset was not applied: %+v", st)
	}
	recs := h.sim.Requests()
	if len(recs) != 1 || recs[0].Status != 500 || recs[0].APIStatus != http.StatusNoContent || recs[0].FaultID != 1 ||
		recs[0].AccessKey != DefaultAccessKey {
		t.Fatalf("log = %+v", recs)
	}
	if h := recs[0].RequestID; len(h) != 32 {
		t.Fatalf("request ID %q", h)
	}
	hist := h.sim.mustServer(t, srv.ID).ResetHistory
	if len(hist) != 1 || hist[0].RequestID != recs[0].RequestID {
		t.Fatalf("reset history %+v does not quote the request %s", hist, recs[0].RequestID)
	}
}

func testPassThroughDelay(t *testing.T) {
	rec := &sleepRecorder{}
	h := newHarness(t, nil)
	h.sim.sleep = rec.sleep
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addFault(Fault{DelayMS: 3000, PassThrough: true, Count: 1})
	res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "")
	if res.status != 200 || !strings.Contains(string(res.body), srv.ID) || res.header.Get("Content-Type") != contentTypeJSON {
		t.Fatalf("got %d %q %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	if got := rec.take(); len(got) != 1 || got[0] != 3*time.Second {
		t.Fatalf("sleeps = %v", got)
	}
	if recs := h.sim.Requests(); len(recs) != 1 || recs[0].Status != 200 || recs[0].APIStatus != 200 {
		t.Fatalf("log = %+v", recs)
	}
}

func testPassThroughClientGone(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addFault(Fault{DelayMS: int(maxFaultDelay.Milliseconds()), PassThrough: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := resetJSON(passThroughPassword, false)
	r := newRequest(http.MethodPut, v1Path(srv.ID, "os-reset-password"), body).WithContext(ctx)
	h.authorize(r, defaultCred(), body)
	if res := h.serve(r); len(res.body) != 0 {
		t.Fatalf("wrote %d %s to a client that is gone", res.status, res.body)
	}
	if st, _ := h.sim.Server(srv.ID); st.ResetCount != 1 {
		t.Fatalf("reset_count = %d: the request should have been served before the delay", st.ResetCount)
	}
	if recs := h.sim.Requests(); len(recs) != 1 || recs[0].Status != 0 || recs[0].APIStatus != 204 {
		t.Fatalf("log = %+v", recs)
	}
}

func testPassThroughReset(t *testing.T) {
	srv := startTCP(t)
	st, err := srv.AddServer(ServerSpec{OSType: "Linux"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddFault(Fault{Method: "PUT", ResetConnection: true, PassThrough: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if res, err := tcpCall(t, srv, http.MethodPut, v1Path(st.ID, "os-reset-password"), resetJSON(passThroughPassword, true)); err == nil {
		_ = res.Body.Close()
		t.Fatalf("got status %d, want a transport error", res.StatusCode)
	}
	// The log is complete as soon as the client has seen the reset.
	recs := srv.Requests()
	if len(recs) != 1 || recs[0].Status != 0 || recs[0].APIStatus != http.StatusNoContent || recs[0].FaultID != 1 {
		t.Fatalf("log = %+v", recs)
	}
	if got, _ := srv.Server(st.ID); got.ResetCount != 1 || got.Password != passThroughPassword {
		t.Fatalf("the reset was not applied: %+v", got)
	}
}

// mustServer returns a server's state or fails the test.
func (s *Simulator) mustServer(t *testing.T, id string) ServerState {
	t.Helper()
	st, ok := s.Server(id)
	if !ok {
		t.Fatalf("server %s does not exist", id)
	}
	return st
}

func TestControlFaultNewFields(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	res := h.control(http.MethodPost, "/_sim/faults", `{"method":"put","status":202,"pass_through":true,"count":1,
		"body":"{\"overLimit\":{\"code\":413,\"message\":\"slow down\"}}","headers":{"x-request-id":"edge-7","Retry-After":"Wed, 25 Nov 2026 08:15:30 GMT"}}`)
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	var fs FaultStatus
	if err := json.Unmarshal(res.body, &fs); err != nil || !fs.PassThrough || fs.Headers["X-Request-Id"] != "edge-7" || fs.Method != "PUT" {
		t.Fatalf("fault = %s (%v)", res.body, err)
	}
	got := h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON("Kq7!vRm2@Lp9", true))
	if got.status != 202 || string(got.body) != `{"overLimit":{"code":413,"message":"slow down"}}` || got.header.Get("X-Request-Id") != "edge-7" {
		t.Fatalf("got %d %q %s", got.status, got.header.Get("X-Request-Id"), got.body)
	}
	if st, _ := h.sim.Server(srv.ID); st.ResetCount != 1 || st.ResetHistory[0].RequestID != "edge-7" {
		t.Fatalf("server = %+v", st)
	}

	// truncate_after and body_base64 round-trip; 0 is a value, not absence.
	res = h.control(http.MethodPost, "/_sim/faults", `{"status":200,"body_base64":"eyJhIjox","truncate_after":0}`)
	if res.status != http.StatusCreated || !strings.Contains(string(res.body), `"truncate_after":0`) ||
		!strings.Contains(string(res.body), `"body_base64":"eyJhIjox"`) {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	h.sim.ClearFaults()

	// A body over the API's 1 MiB request limit still fits in a fault, so
	// an oversized answer can be set up over HTTP.
	big := strings.Repeat("x", 2<<20)
	res = h.control(http.MethodPost, "/_sim/faults", `{"status":200,"count":1,"body":"`+big+`"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("large body: %d %.200s", res.status, res.body)
	}
	if got := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), ""); got.status != 200 || len(got.body) != len(big) {
		t.Fatalf("large body: got %d with %d bytes", got.status, len(got.body))
	}

	h.sim.ClearFaults()
	checkControlFaultRefusals(t, h)
}

// checkControlFaultRefusals posts invalid faults, which must be refused
// with the field named and leave no fault registered.
func checkControlFaultRefusals(t *testing.T, h *harness) {
	for body, field := range map[string]string{
		`{"status":204,"body":"x"}`:                                           "body",
		`{"status":500,"headers":{"Content-Length":"9"}}`:                     "headers",
		`{"status":500,"truncate_after":-1}`:                                  "truncate_after",
		`{"pass_through":true}`:                                               "status",
		`{"status":500,"body_base64":"%%%"}`:                                  "body_base64",
		`{"status":700}`:                                                      "status",
		`{"status":500,"header":{"A":"b"}}`:                                   "header",
		`{"status":200,"body":"` + strings.Repeat("x", maxFaultBody+1) + `"}`: "body",
	} {
		res := h.control(http.MethodPost, "/_sim/faults", body)
		var e controlError
		if res.status != http.StatusBadRequest || json.Unmarshal(res.body, &e) != nil || !strings.Contains(e.Error, field) {
			t.Errorf("%.80s: %d %.200s, want 400 naming %s", body, res.status, res.body, field)
		}
	}
	if n := len(h.sim.Faults()); n != 0 {
		t.Fatalf("%d invalid faults registered", n)
	}
}

// observedRequest runs one request through the handler with a writer that
// checks the log whenever the answer leaves.
func observedRequest(t *testing.T, h *harness, method, target, body string) *observingWriter {
	t.Helper()
	r := newRequest(method, target, body)
	h.authorize(r, defaultCred(), body)
	o := &observingWriter{t: t, sim: h.sim, header: http.Header{}}
	h.sim.Handler().ServeHTTP(o, r)
	return o
}

func TestNewFaultAnswersAreLoggedBeforeTheyLeave(t *testing.T) {
	tests := []struct {
		name       string
		fault      Fault
		wantStatus int
		wantClosed bool
	}{
		{"truncated body", Fault{Status: 200, Body: `{"resetpwd_flag":"True"}`, TruncateAfter: intPtr(5)}, 200, false},
		{"informational", Fault{Status: 102}, 102, true},
		{"pass-through status", Fault{Status: 503, PassThrough: true}, 503, false},
		{"pass-through reset", Fault{ResetConnection: true, PassThrough: true}, 0, true},
		{"pass-through delay", Fault{DelayMS: 5, PassThrough: true}, 200, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.sim.sleep = (&sleepRecorder{}).sleep
			srv := h.addServer(ServerSpec{OSType: "Linux"})
			h.addFault(tc.fault)
			o := observedRequest(t, h, http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
			if o.status != tc.wantStatus || o.closed != tc.wantClosed {
				t.Fatalf("status %d, closed %t; want %d, %t", o.status, o.closed, tc.wantStatus, tc.wantClosed)
			}
		})
	}
}
