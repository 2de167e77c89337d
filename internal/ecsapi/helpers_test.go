package ecsapi_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

const (
	testProject   = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	testServer    = "b5a8d7c6-1f2e-4d3c-9b8a-7f6e5d4c3b2a"
	testAccessKey = "TESTACCESSKEY0000001"
	testSecretKey = "test-secret-key-0123456789abcdefghij"
)

// seenRequest is a copy of what the fake service received on one attempt.
type seenRequest struct {
	Method, Path, RawPath, Query string
	Header                       http.Header
	Body                         []byte
	Host                         string
	SignatureErr                 error
}

// fakeService is an httptest server whose behaviour is one handler per
// attempt; it records every request it sees.
type fakeService struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []seenRequest
	handle func(n int, w http.ResponseWriter, r *http.Request)
	conns  int
}

func newFakeService(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *fakeService {
	t.Helper()
	f := &fakeService{t: t, handle: handle}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.mu.Lock()
			f.conns++
			f.mu.Unlock()
		}
	}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeService) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := seenRequest{
		Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, Host: r.Host,
	}
	if r.Header.Get("Authorization") != "" {
		rec.SignatureErr = ecsapi.VerifySignature(r, body, testAccessKey, testSecretKey)
	}
	f.mu.Lock()
	n := len(f.seen)
	f.seen = append(f.seen, rec)
	f.mu.Unlock()
	f.handle(n, w, r)
}

func (f *fakeService) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeService) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

// writeJSON sends a JSON response with a request ID.
func writeJSON(w http.ResponseWriter, status int, requestID, body string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if requestID != "" {
		w.Header().Set("X-Request-Id", requestID)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func v1Error(code, message string) string {
	return fmt.Sprintf(`{"error":{"code":%q,"message":%q}}`, code, message)
}

// logEntry is one captured log call.
type logEntry struct {
	Level, Msg string
	Fields     map[string]any
}

// captureLogger records everything the client logs.
type captureLogger struct {
	mu      sync.Mutex
	entries []logEntry
}

func (l *captureLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.add("DEBUG", msg, fields)
}

func (l *captureLogger) Warn(_ context.Context, msg string, fields map[string]any) {
	l.add("WARN", msg, fields)
}

func (l *captureLogger) add(level, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, logEntry{level, msg, fields})
}

func (l *captureLogger) all() []logEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEntry(nil), l.entries...)
}

// text renders every entry, fields sorted, for secret scanning.
func (l *captureLogger) text() string {
	var b strings.Builder
	for _, e := range l.all() {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "%s %s", e.Level, e.Msg)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, e.Fields[k])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// retries returns the retry-decision entries.
func (l *captureLogger) retries() []logEntry {
	var out []logEntry
	for _, e := range l.all() {
		if e.Msg == "retrying ECS API request" {
			out = append(out, e)
		}
	}
	return out
}

// newTestClient returns a client for url with AK/SK credentials, tiny
// retry waits and the given overrides.
func newTestClient(t *testing.T, url string, mutate ...func(*ecsapi.Config)) *ecsapi.Client {
	t.Helper()
	cfg := ecsapi.Config{
		ECSEndpoint:  url,
		IAMEndpoint:  url,
		Region:       "cn-north-4",
		ProjectID:    testProject,
		Credentials:  ecsapi.Credentials{AccessKey: testAccessKey, SecretKey: testSecretKey},
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := ecsapi.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}
