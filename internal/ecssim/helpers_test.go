package ecssim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// testNow is the fixed simulator time of most tests.
var testNow = time.Date(2026, 11, 26, 8, 15, 0, 0, time.UTC)

// testClock is a settable clock for Config.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness drives a Simulator in-process through its Handler.
type harness struct {
	t     testing.TB
	sim   *Simulator
	clock *testClock
}

func newHarness(t testing.TB, mutate func(*Config)) *harness {
	t.Helper()
	clock := &testClock{t: testNow}
	cfg := Config{Now: clock.Now}
	if mutate != nil {
		mutate(&cfg)
	}
	sim, err := newSimulator(cfg)
	if err != nil {
		t.Fatalf("newSimulator: %v", err)
	}
	return &harness{t: t, sim: sim, clock: clock}
}

// addServer creates a server or fails the test.
func (h *harness) addServer(spec ServerSpec) ServerState {
	h.t.Helper()
	st, err := h.sim.AddServer(spec)
	if err != nil {
		h.t.Fatalf("AddServer(%+v): %v", spec, err)
	}
	return st
}

func (h *harness) addPrincipal(p Principal) {
	h.t.Helper()
	if err := h.sim.AddPrincipal(p); err != nil {
		h.t.Fatalf("AddPrincipal: %v", err)
	}
}

// cred selects how a test request authenticates.
type cred struct {
	ak, sk        string
	securityToken string
	token         string
	none          bool
	// signed lists the headers to sign; default x-project-id (when sent)
	// and x-sdk-date.
	signed []string
}

func defaultCred() cred { return cred{ak: DefaultAccessKey, sk: DefaultSecretKey} }

// response is a finished test request.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

// newRequest builds a request for target ("/path?query") with body.
func newRequest(method, target, body string) *http.Request {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/", strings.NewReader(body))
	r.Method = method
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Host = "ecs.cn-north-4.myhuaweicloud.com"
	if body == "" {
		r.Body = http.NoBody
		r.ContentLength = 0
	} else {
		r.ContentLength = int64(len(body))
	}
	return r
}

// serve runs r through the simulator's handler.
func (h *harness) serve(r *http.Request) response {
	rec := httptest.NewRecorder()
	h.sim.Handler().ServeHTTP(rec, r)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// call sends an authenticated API request.
func (h *harness) call(c cred, method, target, body string) response {
	h.t.Helper()
	r := newRequest(method, target, body)
	if body != "" {
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	h.authorize(r, c, body)
	return h.serve(r)
}

// authorize adds credentials to r at the simulator's current time.
func (h *harness) authorize(r *http.Request, c cred, body string) {
	switch {
	case c.none:
	case c.token != "":
		r.Header.Set("X-Auth-Token", c.token)
	default:
		if c.securityToken != "" {
			r.Header.Set("X-Security-Token", c.securityToken)
		}
		signTestRequest(r, []byte(body), c.ak, c.sk, h.clock.Now(), c.signed)
	}
}

// control sends a control API request from loopback.
func (h *harness) control(method, path, body string) response {
	h.t.Helper()
	r := newRequest(method, path, body)
	r.RemoteAddr = "127.0.0.1:40000"
	return h.serve(r)
}

// signTestRequest signs r the way the contract (§2.4) describes, written
// independently of the simulator's verifier so that a shared mistake cannot
// hide. signed defaults to x-sdk-date plus x-project-id when present.
func signTestRequest(r *http.Request, body []byte, ak, sk string, at time.Time, signed []string) {
	date := at.UTC().Format("20060102T150405Z")
	r.Header.Set("X-Sdk-Date", date)
	if signed == nil {
		signed = []string{"x-sdk-date"}
		if r.Header.Get("X-Project-Id") != "" {
			signed = []string{"x-project-id", "x-sdk-date"}
		}
	}
	var cr strings.Builder
	cr.WriteString(r.Method + "\n")
	// Canonical URI: escape each decoded segment, ensure a trailing slash.
	parts := strings.Split(r.URL.Path, "/")
	for i, p := range parts {
		parts[i] = testEscape(p)
	}
	uri := strings.Join(parts, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	cr.WriteString(uri + "\n")
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, testEscape(k)+"="+testEscape(v))
		}
	}
	cr.WriteString(strings.Join(pairs, "&") + "\n")
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		cr.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	cr.WriteString("\n" + strings.Join(signed, ";") + "\n")
	if override := r.Header.Get("X-Sdk-Content-Sha256"); override != "" {
		cr.WriteString(override)
	} else {
		sum := sha256.Sum256(body)
		cr.WriteString(hex.EncodeToString(sum[:]))
	}
	crSum := sha256.Sum256([]byte(cr.String()))
	sts := "SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(crSum[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	r.Header.Set("Authorization", fmt.Sprintf("SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s",
		ak, strings.Join(signed, ";"), hex.EncodeToString(mac.Sum(nil))))
}

func testEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// v1Path and nativePath build API paths in the default project.
func v1Path(serverID, suffix string) string {
	p := "/v1/" + DefaultProjectID + "/cloudservers/" + url.PathEscape(serverID)
	if suffix != "" {
		p += "/" + suffix
	}
	return p
}

func nativePath(version, serverID, suffix string) string {
	p := "/" + version + "/" + DefaultProjectID + "/servers/" + url.PathEscape(serverID)
	if suffix != "" {
		p += "/" + suffix
	}
	return p
}

// wantV1Error asserts an ECS {"error":{"code","message"}} body.
func wantV1Error(t testing.TB, res response, status int, code string) string {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d; body %s", res.status, status, res.body)
	}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("body = %s, want error code %s with a message", res.body, code)
	}
	return body.Error.Message
}

// wantNativeFault asserts a Nova {"<name>":{"code":status,"message"}} body.
func wantNativeFault(t testing.TB, res response, status int, name string) string {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d; body %s", res.status, status, res.body)
	}
	var body map[string]struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || len(body) != 1 {
		t.Fatalf("body = %s, want one Nova fault", res.body)
	}
	f, ok := body[name]
	if !ok || f.Code != status || f.Message == "" {
		t.Fatalf("body = %s, want fault %s with code %d and a message", res.body, name, status)
	}
	return f.Message
}

// wantGatewayError asserts an API gateway body whose request_id matches the
// X-Request-Id header.
func wantGatewayError(t testing.TB, res response, status int, code string) string {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d; body %s", res.status, status, res.body)
	}
	var body struct {
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || body.ErrorCode != code {
		t.Fatalf("body = %s, want gateway error %s", res.body, code)
	}
	if body.RequestID == "" || body.RequestID != res.header.Get("X-Request-Id") {
		t.Fatalf("request_id %q does not match X-Request-Id %q", body.RequestID, res.header.Get("X-Request-Id"))
	}
	return body.ErrorMsg
}

func boolPtr(b bool) *bool    { return &b }
func strPtr(s string) *string { return &s }
