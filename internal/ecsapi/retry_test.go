package ecsapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// failThenSucceed answers the first `failures` attempts with fail and then
// with the operation's normal success.
func failThenSucceed(failures int, fail, succeed func(http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		if n < failures {
			fail(w, r)
			return
		}
		succeed(w, r)
	}
}

func jsonStatus(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, status, "rid-"+r.Method, body)
	}
}

// hijackAndClose drops the connection without any response, as a reset
// connection or a crashed proxy would.
func hijackAndClose(w http.ResponseWriter, _ *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

type operation struct {
	name    string
	method  string
	run     func(*ecsapi.Client) error
	succeed func(http.ResponseWriter, *http.Request)
}

var (
	opGetFlag = operation{"get flag", http.MethodGet, func(c *ecsapi.Client) error {
		_, err := c.GetResetPasswordFlag(context.Background(), testServer)
		return err
	}, jsonStatus(200, `{"resetpwd_flag":"True"}`)}
	opDelete = operation{"delete password", http.MethodDelete, func(c *ecsapi.Client) error {
		return c.DeleteServerPassword(context.Background(), ecsapi.APIV21, testServer)
	}, jsonStatus(204, "")}
	opReset = operation{"reset", http.MethodPut, func(c *ecsapi.Client) error {
		return c.ResetServerPassword(context.Background(), ecsapi.APIV1, testServer, "Nw0Pass!word", true)
	}, jsonStatus(204, "")}
)

func TestRetriedResponses(t *testing.T) {
	tests := []struct {
		name string
		op   operation
		fail func(http.ResponseWriter, *http.Request)
	}{
		{"429", opReset, jsonStatus(429, `{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"gw"}`)},
		{"429 without body", opGetFlag, jsonStatus(429, "")},
		{"502", opReset, jsonStatus(502, "")},
		{"503", opReset, jsonStatus(503, "")},
		{"504", opDelete, jsonStatus(504, "")},
		{"503 Common.1503", opReset, jsonStatus(503, v1Error("Common.1503", "Api flow control Error"))},
		{"429 Common.1503", opGetFlag, jsonStatus(429, v1Error("Common.1503", "Api flow control Error"))},
		{"501 Ecs.0603", opReset, jsonStatus(501, v1Error("Ecs.0603", "other commands are being executed"))},
		{"202 Common.0024", opReset, jsonStatus(202, v1Error("Common.0024", "exceeds flow over limit"))},
		{"500 on GET", opGetFlag, jsonStatus(500, v1Error("Common.0001", "internal"))},
		{"500 on DELETE", opDelete, jsonStatus(500, `{"computeFault":{"message":"oops","code":500}}`)},
		{"reset connection on GET", opGetFlag, hijackAndClose},
		{"reset connection on PUT", opReset, hijackAndClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeService(t, failThenSucceed(2, tt.fail, tt.op.succeed))
			log := &captureLogger{}
			c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Logger = log })
			if err := tt.op.run(c); err != nil {
				t.Fatalf("%s failed despite retries: %v", tt.op.name, err)
			}
			if n := len(f.requests()); n != 3 {
				t.Errorf("server saw %d attempts, want 3", n)
			}
			retries := log.retries()
			if len(retries) != 2 {
				t.Fatalf("logged %d retries, want 2:\n%s", len(retries), log.text())
			}
			for i, e := range retries {
				if e.Fields["attempt"] != i+1 || e.Fields["method"] != tt.op.method || e.Fields["reason"] == "" || e.Fields["wait"] == nil {
					t.Errorf("retry entry %d: %v", i, e.Fields)
				}
			}
			for i, r := range f.requests() {
				if r.SignatureErr != nil {
					t.Errorf("attempt %d: %v", i+1, r.SignatureErr)
				}
			}
		})
	}
}

func TestNotRetriedResponses(t *testing.T) {
	tests := []struct {
		name string
		op   operation
		fail func(http.ResponseWriter, *http.Request)
	}{
		{"400", opReset, jsonStatus(400, v1Error("Ecs.0011", "weak password"))},
		{"400 claiming throttling", opReset, jsonStatus(400, v1Error("Common.1503", "odd"))},
		{"401", opGetFlag, jsonStatus(401, `{"error_code":"APIGW.0301","error_msg":"verify aksk signature fail","request_id":"x"}`)},
		{"403", opDelete, jsonStatus(403, v1Error("Pdp.0001", "Policy doesn't allow it"))},
		{"404", opGetFlag, jsonStatus(404, v1Error("Ecs.0114", "not found"))},
		{"409", opReset, jsonStatus(409, `{"conflictingRequest":{"message":"busy","code":409}}`)},
		{"500 on PUT", opReset, jsonStatus(500, v1Error("Ecs.0615", "internal"))},
		{"501 without busy code", opGetFlag, jsonStatus(501, v1Error("Common.0001", "not implemented"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeService(t, failThenSucceed(1, tt.fail, tt.op.succeed))
			log := &captureLogger{}
			c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Logger = log })
			err := tt.op.run(c)
			var apiErr *ecsapi.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if apiErr.RequestID != "rid-"+tt.op.method {
				t.Errorf("request ID %q", apiErr.RequestID)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("server saw %d attempts, want 1", n)
			}
			if n := len(log.retries()); n != 0 {
				t.Errorf("logged %d retries", n)
			}
		})
	}
}

func TestRetriesExhaustedReturnsLastAPIError(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 503, "rid-"+string(rune('a'+n)), v1Error("Common.1503", "Api flow control Error because busy"))
	})
	log := &captureLogger{}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2; cfg.Logger = log })
	err := opReset.run(c)
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	if apiErr.StatusCode != 503 || apiErr.Code != "Common.1503" || apiErr.RequestID != "rid-c" || !ecsapi.IsThrottled(err) {
		t.Errorf("error %#v", apiErr)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("attempts %d, want 3", n)
	}
	if !strings.Contains(log.text(), "retries exhausted") {
		t.Errorf("exhaustion not logged:\n%s", log.text())
	}
}

func TestNoRetriesWhenMaxRetriesIsZero(t *testing.T) {
	f := newFakeService(t, failThenSucceed(1, jsonStatus(503, ""), opGetFlag.succeed))
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 0 })
	if err := opGetFlag.run(c); err == nil {
		t.Fatal("expected the 503 to be returned")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("attempts %d, want 1", n)
	}
}

func TestTransportErrorsExhausted(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) { hijackAndClose(w, r) })
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2 })
	err := opGetFlag.run(c)
	if err == nil || !strings.Contains(err.Error(), "request failed after 3 attempt(s)") {
		t.Fatalf("error %v", err)
	}
	t.Logf("error: %v", err)
	var apiErr *ecsapi.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a transport failure is not an API error: %#v", apiErr)
	}
}

func waitsLogged(log *captureLogger) []string {
	var out []string
	for _, e := range log.retries() {
		wait, _ := e.Fields["wait"].(string)
		out = append(out, wait)
	}
	return out
}

func TestRetryAfterSecondsIsHonoured(t *testing.T) {
	f := newFakeService(t, failThenSucceed(1, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		jsonStatus(429, "")(w, r)
	}, opGetFlag.succeed))
	log := &captureLogger{}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Logger = log; cfg.RetryWaitMax = 10 * time.Second })
	if err := opGetFlag.run(c); err != nil {
		t.Fatal(err)
	}
	got := waitsLogged(log)
	if len(got) != 1 {
		t.Fatalf("waits %v, want one", got)
	}
	if d, err := time.ParseDuration(got[0]); err != nil || d < time.Second || d > 1500*time.Millisecond {
		t.Errorf("wait %v, want Retry-After's 1s plus at most half of it", got)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d attempts", len(reqs))
	}
}

func TestRetryAfterIsCappedAtRetryWaitMax(t *testing.T) {
	for _, value := range []string{"120", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)} {
		f := newFakeService(t, failThenSucceed(1, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", value)
			jsonStatus(503, "")(w, r)
		}, opGetFlag.succeed))
		log := &captureLogger{}
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Logger = log; cfg.RetryWaitMax = 7 * time.Millisecond })
		if err := opGetFlag.run(c); err != nil {
			t.Fatal(err)
		}
		got := waitsLogged(log)
		if len(got) != 1 {
			t.Fatalf("Retry-After %q: waits %v, want one", value, got)
		}
		if d, err := time.ParseDuration(got[0]); err != nil || d > 7*time.Millisecond || d < 5*time.Millisecond {
			t.Errorf("Retry-After %q: wait %v, want within the upper quarter below the 7ms cap", value, got)
		}
	}
}

func TestEachAttemptIsSignedAfresh(t *testing.T) {
	var tick atomic.Int64
	base := time.Date(2026, 11, 26, 8, 15, 0, 0, time.UTC)
	clock := func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Minute) }
	f := newFakeService(t, failThenSucceed(2, jsonStatus(503, ""), opReset.succeed))
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Now = clock })
	if err := opReset.run(c); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts", len(reqs))
	}
	dates := map[string]bool{}
	sigs := map[string]bool{}
	for i, r := range reqs {
		if r.SignatureErr != nil {
			t.Errorf("attempt %d: %v", i+1, r.SignatureErr)
		}
		if string(r.Body) != `{"reset-password":{"new_password":"Nw0Pass!word","is_check_password":true}}` {
			t.Errorf("attempt %d body %s", i+1, r.Body)
		}
		dates[r.Header.Get("X-Sdk-Date")] = true
		sigs[r.Header.Get("Authorization")] = true
	}
	if len(dates) != 3 || len(sigs) != 3 {
		t.Errorf("attempts reused dates or signatures: %v", dates)
	}
	if !dates["20261126T081600Z"] || !dates["20261126T081800Z"] {
		t.Errorf("dates %v do not come from the configured clock", dates)
	}
}

func TestRetryWaitThatWouldPassTheDeadlineIsNotStarted(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, 503, "rid-deadline", v1Error("Common.1503", "flow control"))
	})
	log := &captureLogger{}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Logger = log; cfg.RetryWaitMax = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.ResetServerPassword(ctx, ecsapi.APIV1, testServer, "Nw0Pass!word", false)
	if err == nil {
		t.Fatal("expected an error")
	}
	if ctx.Err() != nil {
		t.Fatalf("the client waited until the deadline: %v", err)
	}
	t.Logf("error: %v", err)
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Code != "Common.1503" || apiErr.RequestID != "rid-deadline" {
		t.Errorf("last API error not kept: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "after the context deadline") {
		t.Errorf("error does not explain the deadline: %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
	if !strings.Contains(log.text(), "retry skipped") {
		t.Errorf("skip not logged:\n%s", log.text())
	}
}

func TestCancellationDuringWaitKeepsLastError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, 429, "rid-cancel", `{"error_code":"APIGW.0308","error_msg":"throttled"}`)
	})
	log := &captureLogger{}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.RetryWaitMax = time.Minute
		cfg.Logger = cancelOnRetry{log, cancel}
	})
	err := c.DeleteServerPassword(ctx, ecsapi.APIV1, testServer)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v does not report the cancellation", err)
	}
	t.Logf("error: %v", err)
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "APIGW.0308" || apiErr.RequestID != "rid-cancel" {
		t.Errorf("last API error not kept: %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// cancelOnRetry cancels the call's context as soon as a retry is scheduled.
type cancelOnRetry struct {
	*captureLogger
	cancel context.CancelFunc
}

func (l cancelOnRetry) Warn(ctx context.Context, msg string, fields map[string]any) {
	l.captureLogger.Warn(ctx, msg, fields)
	if msg == "retrying ECS API request" {
		l.cancel()
	}
}

func TestExpiredContextSendsNothing(t *testing.T) {
	f := newFakeService(t, respond(204, ""))
	c := newTestClient(t, f.srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.DeleteServerPassword(ctx, ecsapi.APIV1, testServer)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	t.Logf("error: %v", err)
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent with a cancelled context", n)
	}
}

func TestConnectionsAreReused(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n%2 == 0 {
			// Every other attempt fails with a body, which must be drained
			// for the connection to be reused.
			writeJSON(w, 503, "busy", v1Error("Common.1503", strings.Repeat("busy ", 200)))
			return
		}
		writeJSON(w, 200, "ok", `{"resetpwd_flag":"True","padding":"`+strings.Repeat("p", 4096)+`"}`)
	})
	c := newTestClient(t, f.srv.URL)
	for i := 0; i < 10; i++ {
		if err := opGetFlag.run(c); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.requests()); n != 20 {
		t.Errorf("%d attempts, want 20", n)
	}
	if n := f.connections(); n != 1 {
		t.Errorf("%d connections opened for sequential calls, want 1", n)
	}
}

func TestDeadlineDuringARetryKeepsTheEarlierFailure(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			writeJSON(w, 503, "rid-first", v1Error("Common.1503", "flow control"))
			return
		}
		// Hold the retry until the client gives up.
		<-r.Context().Done()
	})
	c := newTestClient(t, f.srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.GetResetPasswordFlag(ctx, testServer)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v does not report the deadline", err)
	}
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.RequestID != "rid-first" || apiErr.StatusCode != 503 {
		t.Errorf("the first attempt's failure was lost: %v", err)
	}
	t.Logf("error: %v", err)
}
