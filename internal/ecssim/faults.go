package ecssim

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxFaultDelay bounds delay_ms so a typo cannot hang a client for hours.
const maxFaultDelay = 10 * time.Minute

// Fault makes matching API requests fail or slow down. Faults never apply
// to the /_sim/ control API. When several faults match a request, the
// oldest one that triggers wins.
type Fault struct {
	// Method limits the fault to one HTTP method; empty matches any.
	Method string `json:"method,omitempty"`
	// PathContains limits the fault to paths containing this string; empty
	// matches any.
	PathContains string `json:"path_contains,omitempty"`
	// Status is the HTTP status to answer with: 202 or 400-599, with a
	// realistic error body for the status and API family. 0 means no status:
	// the request is only delayed (DelayMS) or its connection is reset.
	Status int `json:"status,omitempty"`
	// Count is how many matching requests the fault applies to; 0 means
	// every matching request until the faults are cleared.
	Count int `json:"count,omitempty"`
	// Rate is the probability (0-1) that a matching request triggers the
	// fault; 0 means always. Decisions come from a generator seeded by
	// Config.RandSeed, so a run repeats given the same request sequence.
	Rate float64 `json:"rate,omitempty"`
	// RetryAfterSeconds, when positive, is sent as the Retry-After header.
	RetryAfterSeconds int `json:"retry_after_seconds,omitempty"`
	// DelayMS delays the request before it fails (or, with Status 0, before
	// it is served normally).
	DelayMS int `json:"delay_ms,omitempty"`
	// ResetConnection closes the TCP connection without any response.
	ResetConnection bool `json:"reset_connection,omitempty"`
	// Code replaces the error code of the generated body (for the native
	// API: the fault name, such as "conflictingRequest").
	Code string `json:"code,omitempty"`
	// Body replaces the generated body entirely. It is sent as is, so it
	// may be anything from a truncated JSON document to an HTML page.
	Body string `json:"body,omitempty"`
	// ContentType is the Content-Type header sent with Body, such as
	// "text/html" for a load balancer's error page; empty means
	// "application/json;charset=UTF-8". It needs Body: generated bodies are
	// always JSON.
	ContentType string `json:"content_type,omitempty"`
}

// FaultStatus is a registered fault and how often it has triggered
// (GET /_sim/faults).
type FaultStatus struct {
	ID int `json:"id"`
	Fault
	Injected int `json:"injected"`
	// Remaining is how many more requests the fault will hit; absent when
	// Count is 0 (unlimited).
	Remaining *int `json:"remaining,omitempty"`
}

type faultState struct {
	id       int
	fault    Fault
	injected int
}

func (f *faultState) status() FaultStatus {
	st := FaultStatus{ID: f.id, Fault: f.fault, Injected: f.injected}
	if f.fault.Count > 0 {
		left := max(f.fault.Count-f.injected, 0)
		st.Remaining = &left
	}
	return st
}

func (f *faultState) exhausted() bool {
	return f.fault.Count > 0 && f.injected >= f.fault.Count
}

func (f *faultState) matches(r *http.Request) bool {
	if f.fault.Method != "" && f.fault.Method != r.Method {
		return false
	}
	return f.fault.PathContains == "" || strings.Contains(r.URL.Path, f.fault.PathContains)
}

// AddFault registers a fault. It fails when the fault is contradictory or
// out of range.
func (s *Simulator) AddFault(f Fault) error {
	_, err := s.addFault(f)
	return err
}

func (s *Simulator) addFault(f Fault) (FaultStatus, error) {
	f, err := normalizeFault(f)
	if err != nil {
		return FaultStatus{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFaultID++
	fs := &faultState{id: s.nextFaultID, fault: f}
	s.faults = append(s.faults, fs)
	return fs.status(), nil
}

func normalizeFault(f Fault) (Fault, error) {
	f.Method = strings.ToUpper(f.Method)
	for _, c := range f.Method {
		if c < 'A' || c > 'Z' {
			return f, fmt.Errorf("method %q is not an HTTP method", f.Method)
		}
	}
	switch {
	case f.Status != 0 && f.Status != http.StatusAccepted && (f.Status < 400 || f.Status > 599):
		return f, fmt.Errorf("status %d must be 202 or between 400 and 599", f.Status)
	case f.ResetConnection && f.Status != 0:
		return f, errors.New("reset_connection sends no response, so it cannot be combined with status")
	case f.Status == 0 && !f.ResetConnection && f.DelayMS == 0:
		return f, errors.New("a fault needs status, reset_connection or delay_ms")
	case f.Status == 0 && (f.Code != "" || f.Body != "" || f.ContentType != ""):
		return f, errors.New("code, body and content_type need a status")
	case f.ContentType != "" && f.Body == "":
		return f, errors.New("content_type applies to a custom body only, so it needs body")
	case !validHeaderValue(f.ContentType):
		return f, errors.New("content_type must be printable ASCII, without control characters or surrounding spaces")
	case f.Count < 0:
		return f, errors.New("count must not be negative")
	case math.IsNaN(f.Rate) || f.Rate < 0 || f.Rate > 1:
		return f, errors.New("rate must be between 0 and 1")
	case f.RetryAfterSeconds < 0:
		return f, errors.New("retry_after_seconds must not be negative")
	case f.DelayMS < 0 || time.Duration(f.DelayMS)*time.Millisecond > maxFaultDelay:
		return f, fmt.Errorf("delay_ms must be between 0 and %d", maxFaultDelay.Milliseconds())
	}
	return f, nil
}

// validHeaderValue reports whether v can be sent as a header value exactly
// as given: printable ASCII only. Control characters could split or
// truncate the header, and other bytes have no agreed meaning in it.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return strings.TrimSpace(v) == v
}

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults lists the registered faults, oldest first.
func (s *Simulator) Faults() []FaultStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]FaultStatus, 0, len(s.faults))
	for _, f := range s.faults {
		out = append(out, f.status())
	}
	return out
}

// pickFault returns the fault that triggers for r, if any, and counts it.
func (s *Simulator) pickFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.exhausted() || !f.matches(r) {
			continue
		}
		if f.fault.Rate > 0 && f.fault.Rate < 1 && s.rng.Float64() >= f.fault.Rate {
			continue
		}
		f.injected++
		picked := f.fault
		return &picked
	}
	return nil
}

// applyFault carries out f and reports whether the request is finished.
func (s *Simulator) applyFault(w *statusWriter, r *http.Request, f *Fault, fam family, reqID string) bool {
	if f.DelayMS > 0 {
		if s.sleep(r.Context(), time.Duration(f.DelayMS)*time.Millisecond) != nil {
			return true
		}
	}
	if f.ResetConnection {
		resetConnection(w, reqID)
		return true
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
	}
	if f.Body != "" {
		ct := f.ContentType
		if ct == "" {
			ct = contentTypeJSON
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return true
	}
	e, bodyFamily := faultError(fam, f.Status)
	if f.Code != "" {
		e.code = f.Code
	}
	writeError(w, bodyFamily, e, reqID)
	return true
}

// resetConnection drops the TCP connection without a response. A TCP reset
// (linger 0) rather than a clean close makes clients see the failure the way
// they would when a load balancer drops them.
func resetConnection(w *statusWriter, reqID string) {
	conn, _, err := w.hijack()
	if err != nil {
		// Not reachable through net/http's HTTP/1 server; only a handler
		// embedded behind a writer that cannot be hijacked gets here.
		writeGatewayError(w, http.StatusBadGateway, "APIGW.0000",
			"reset_connection fault: the connection cannot be taken over, so it is answered with 502", reqID)
		return
	}
	// Logged before the close: once the client sees the reset, the log
	// must already hold the request.
	w.settle(0)
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// faultError builds the realistic error body for an injected status and
// returns the family whose format it uses: throttling and authentication
// errors come from the gateway, flow control with 202 from ECS itself.
func faultError(fam family, status int) (apiError, family) {
	switch status {
	case http.StatusTooManyRequests:
		return apiError{status: status, code: codeThrottled,
			msg: "The throttling threshold has been reached: policy user over ratelimit"}, familyGateway
	case http.StatusUnauthorized:
		return apiError{status: status, code: codeAuthFailed, msg: authMessagePrefix + authBadSignature}, familyGateway
	case http.StatusAccepted:
		return apiError{status: status, code: "Common.0024", msg: "exceeds flow over limit"}, familyV1
	}
	msg := http.StatusText(status)
	if msg == "" {
		msg = "Error"
	}
	code := "Ecs.0000"
	switch {
	case status == http.StatusServiceUnavailable:
		code, msg = "Common.1503", "Api flow control Error because the request rate exceeds the limit"
	case status == http.StatusNotImplemented:
		code, msg = "Ecs.0603", "Other operations are being performed on the ECS. Try again in 1 minute."
	case status >= 500:
		code, msg = "Common.0001", "Internal error."
	}
	if fam == familyNative {
		// Nova bodies carry the fault name instead of a code string.
		code = novaFaultName(status)
	}
	return apiError{status: status, code: code, msg: msg}, fam
}
