package ecssim

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxFaultDelay bounds delay_ms so a typo cannot hang a client for hours.
const maxFaultDelay = 10 * time.Minute

// maxFaultBody bounds a fault's body. It is four times the largest response
// a client is expected to accept (1 MiB), so oversized answers fit, while a
// long-running simulator cannot be made to hold arbitrary amounts of memory.
const maxFaultBody = 4 << 20

// maxFaultRequestBytes bounds a POST /_sim/faults body: room for the
// largest body in base64 (a third longer) or with JSON escapes, plus the
// other fields.
const maxFaultRequestBytes = 8 << 20

// Fault makes matching API requests fail, slow down or receive any answer
// at all, including ones the real API never gives. Faults never apply to the
// /_sim/ control API. When several faults match a request, the oldest one
// that triggers wins.
//
// A fault answers in place of the API, before authentication, unless
// PassThrough is set: then the request is served first and the fault
// replaces, delays or drops the API's answer.
type Fault struct {
	// Method limits the fault to one HTTP method; empty matches any.
	Method string `json:"method,omitempty"`
	// PathContains limits the fault to paths containing this string; empty
	// matches any.
	PathContains string `json:"path_contains,omitempty"`
	// Status is the HTTP status to answer with, 100-599. 202 and 400-599
	// come with a realistic error body for the status and API family unless
	// Body, BodyBase64 or ContentType replaces it; other statuses have an
	// empty body unless one is given. 1xx statuses are written alone on the
	// connection, which is then closed, so the client never gets a final
	// answer. 0 means no status: the request is only delayed (DelayMS) or
	// its connection is reset.
	Status int `json:"status,omitempty"`
	// Count is how many matching requests the fault applies to; 0 means
	// every matching request until the faults are cleared.
	Count int `json:"count,omitempty"`
	// Rate is the probability (0-1) that a matching request triggers the
	// fault; 0 means always. Decisions come from a generator seeded by
	// Config.RandSeed, so a run repeats given the same request sequence.
	Rate float64 `json:"rate,omitempty"`
	// RetryAfterSeconds, when positive, is sent as the Retry-After header
	// (with Status only). For the HTTP-date form, use Headers instead.
	RetryAfterSeconds int `json:"retry_after_seconds,omitempty"`
	// DelayMS delays the request before it fails (or, with Status 0, before
	// it is served normally). With PassThrough the request is served first
	// and the delay comes between serving it and answering.
	DelayMS int `json:"delay_ms,omitempty"`
	// ResetConnection closes the TCP connection with a reset and no
	// response. Nothing is sent, so it excludes every field that shapes an
	// answer.
	ResetConnection bool `json:"reset_connection,omitempty"`
	// Code replaces the error code of the generated body (for the native
	// API: the fault name, such as "conflictingRequest"). It is ignored
	// with Body or BodyBase64, which replace the generated body.
	Code string `json:"code,omitempty"`
	// Body replaces the generated body entirely. It is sent byte for byte,
	// so it may be anything from a truncated JSON document to an HTML page.
	Body string `json:"body,omitempty"`
	// BodyBase64 is Body given in standard base64, for bodies that are not
	// UTF-8 text and so cannot travel in a JSON string. It excludes Body.
	BodyBase64 string `json:"body_base64,omitempty"`
	// ContentType is the Content-Type header of Body, such as "text/html"
	// for a load balancer's error page; empty means
	// "application/json;charset=UTF-8" for a non-empty Body and no header
	// otherwise. Without Body it makes the body empty, which is how an
	// empty document with a content type is written. It cannot be sent
	// with 1xx or 304.
	ContentType string `json:"content_type,omitempty"`
	// Headers are extra response headers, by name. They are set after the
	// simulator's own, so "X-Request-Id" (one word, without spaces)
	// replaces the request ID (in the log and in generated bodies as well)
	// and "Retry-After" may carry an HTTP date. Content-Type,
	// Content-Length and Transfer-Encoding are refused: ContentType and
	// TruncateAfter control them. Names are stored in canonical form
	// (x-request-id becomes X-Request-Id).
	Headers map[string]string `json:"headers,omitempty"`
	// TruncateAfter, when set, announces the whole body in Content-Length
	// but sends only its first TruncateAfter bytes, then closes the
	// connection, so the client reads an interrupted body. With Body or
	// BodyBase64 it must be shorter than the body; a generated body no
	// longer than TruncateAfter is sent whole before the connection closes.
	TruncateAfter *int `json:"truncate_after,omitempty"`
	// PassThrough lets the request reach the API first: it is served as
	// usual (authentication, rate limit and the operation, whose effects
	// are recorded), and then the client gets the fault's answer instead
	// of the API's (Status, or ResetConnection), or the API's answer late
	// (DelayMS alone). The request log keeps the API's status as
	// RequestRecord.APIStatus.
	PassThrough bool `json:"pass_through,omitempty"`
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
	id    int
	fault Fault
	// body is Body or the decoded BodyBase64.
	body     []byte
	injected int
}

// faultHit is a fault that triggered for one request.
type faultHit struct {
	id    int
	fault Fault
	body  []byte
}

func (f *faultState) status() FaultStatus {
	st := FaultStatus{ID: f.id, Fault: f.fault, Injected: f.injected}
	st.Headers = maps.Clone(f.fault.Headers)
	if f.fault.TruncateAfter != nil {
		n := *f.fault.TruncateAfter
		st.TruncateAfter = &n
	}
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
// out of range; the error names the offending field.
func (s *Simulator) AddFault(f Fault) error {
	_, err := s.addFault(f)
	return err
}

func (s *Simulator) addFault(f Fault) (FaultStatus, error) {
	f, body, err := normalizeFault(f)
	if err != nil {
		return FaultStatus{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextFaultID++
	fs := &faultState{id: s.nextFaultID, fault: f, body: body}
	s.faults = append(s.faults, fs)
	return fs.status(), nil
}

// hasGeneratedBody reports whether the simulator has an error body of its
// own for status.
func hasGeneratedBody(status int) bool {
	return status == http.StatusAccepted || status >= 400
}

// bodyAllowed reports whether an HTTP response with status may carry a
// body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// managedHeaders are the headers a fault cannot set through Headers, with
// the reason: the simulator writes them from other fields, and a second
// value would contradict the first or break the message framing.
var managedHeaders = map[string]string{
	"Content-Type":      "use content_type",
	"Content-Length":    "it is computed from the body; use truncate_after to announce more than is sent",
	"Transfer-Encoding": "the simulator frames the body with Content-Length",
}

// normalizeFault checks f, returns it in canonical form (upper-case method,
// canonical header names, copies of the map and pointer) and returns its
// body as bytes. Every error names the field it is about.
//
// The checks run in a fixed order, so that a fault with several mistakes
// is always refused for the same one.
func normalizeFault(f Fault) (Fault, []byte, error) {
	f.Method = strings.ToUpper(f.Method)
	if err := checkFaultMethod(f.Method); err != nil {
		return f, nil, err
	}
	body, err := faultBody(f)
	if err != nil {
		return f, nil, err
	}
	if err := checkFaultRanges(f, body); err != nil {
		return f, nil, err
	}
	if f.Status == 0 {
		return f, nil, checkFaultWithoutStatus(f)
	}
	if err := checkFaultAnswer(f, body); err != nil {
		return f, nil, err
	}
	if f.TruncateAfter != nil {
		n := *f.TruncateAfter
		f.TruncateAfter = &n
	}
	if len(f.Headers) > 0 {
		headers, err := normalizeFaultHeaders(f.Headers, f.RetryAfterSeconds)
		if err != nil {
			return f, nil, err
		}
		f.Headers = headers
	}
	return f, body, nil
}

// checkFaultMethod accepts an upper-case method name of letters only, or
// none.
func checkFaultMethod(method string) error {
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return fmt.Errorf("method %q is not an HTTP method", method)
		}
	}
	return nil
}

// faultBody returns the body f gives, from Body or BodyBase64.
func faultBody(f Fault) ([]byte, error) {
	if f.BodyBase64 == "" {
		return []byte(f.Body), nil
	}
	if f.Body != "" {
		return nil, errors.New("body and body_base64 are two ways to give the body: set one of them")
	}
	body, err := base64.StdEncoding.DecodeString(f.BodyBase64)
	if err != nil {
		return nil, fmt.Errorf("body_base64 is not standard base64: %w", err)
	}
	return body, nil
}

// checkFaultRanges checks what every fault must satisfy, with or without
// a status: the field ranges and that the fault does something.
func checkFaultRanges(f Fault, body []byte) error {
	switch {
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("status %d must be between 100 and 599 (or 0 for none)", f.Status)
	case f.ResetConnection && f.Status != 0:
		return errors.New("reset_connection sends no response, so it cannot be combined with status")
	case f.Status == 0 && !f.ResetConnection && f.DelayMS == 0:
		return errors.New("a fault needs status, reset_connection or delay_ms")
	case len(body) > maxFaultBody:
		return fmt.Errorf("body is %d bytes long; at most %d are allowed", len(body), maxFaultBody)
	case !validHeaderValue(f.ContentType):
		return errors.New("content_type must be printable ASCII, without control characters or surrounding spaces")
	case f.Count < 0:
		return errors.New("count must not be negative")
	case math.IsNaN(f.Rate) || f.Rate < 0 || f.Rate > 1:
		return errors.New("rate must be between 0 and 1")
	case f.RetryAfterSeconds < 0:
		return errors.New("retry_after_seconds must not be negative")
	case f.DelayMS < 0 || time.Duration(f.DelayMS)*time.Millisecond > maxFaultDelay:
		return fmt.Errorf("delay_ms must be between 0 and %d", maxFaultDelay.Milliseconds())
	}
	return nil
}

// checkFaultWithoutStatus refuses the fields that shape an answer in a
// fault that sends none (a delay alone or a connection reset).
func checkFaultWithoutStatus(f Fault) error {
	answers := []struct {
		set  bool
		name string
	}{
		{f.Code != "", "code"},
		{f.Body != "", "body"},
		{f.BodyBase64 != "", "body_base64"},
		{f.ContentType != "", "content_type"},
		{len(f.Headers) > 0, "headers"},
		{f.TruncateAfter != nil, "truncate_after"},
	}
	for _, a := range answers {
		if !a.set {
			continue
		}
		if f.ResetConnection {
			return fmt.Errorf("reset_connection sends no response, so it cannot be combined with %s", a.name)
		}
		return fmt.Errorf("%s shapes an answer, so it needs status", a.name)
	}
	return nil
}

// checkFaultAnswer checks that the body fields of a fault with a status
// fit that status and each other.
func checkFaultAnswer(f Fault, body []byte) error {
	customBody := len(body) > 0 || f.ContentType != ""
	switch {
	case !bodyAllowed(f.Status) && len(body) > 0:
		return fmt.Errorf("status %d carries no body, so body cannot be set", f.Status)
	case !bodyAllowed(f.Status) && f.TruncateAfter != nil:
		return fmt.Errorf("status %d carries no body, so there is nothing for truncate_after to cut", f.Status)
	case (f.Status < 200 || f.Status == http.StatusNotModified) && f.ContentType != "":
		// net/http drops Content-Type from a 304, and a 1xx describes no
		// body at all.
		return fmt.Errorf("content_type cannot be sent with status %d, which describes no body of its own", f.Status)
	case f.Code != "" && !hasGeneratedBody(f.Status):
		return fmt.Errorf("code replaces the code of a generated error body, and status %d has none", f.Status)
	case f.Code != "" && len(body) == 0 && f.ContentType != "":
		return errors.New("code replaces the code of a generated error body, which content_type without body replaces with an empty one")
	case f.TruncateAfter != nil && *f.TruncateAfter < 0:
		return errors.New("truncate_after must not be negative")
	case f.TruncateAfter != nil && customBody && *f.TruncateAfter >= len(body):
		return fmt.Errorf("truncate_after must be less than the body's %d bytes, or nothing is cut", len(body))
	case f.TruncateAfter != nil && !customBody && !hasGeneratedBody(f.Status):
		return fmt.Errorf("status %d has an empty body unless one is given, so there is nothing for truncate_after to cut", f.Status)
	}
	return nil
}

// normalizeFaultHeaders checks a fault's extra headers and returns a copy
// keyed by canonical names. retryAfterSeconds is the fault's own
// Retry-After, which a header of that name would contradict.
func normalizeFaultHeaders(given map[string]string, retryAfterSeconds int) (map[string]string, error) {
	headers := make(map[string]string, len(given))
	for name, value := range given {
		if !validHeaderName(name) {
			return nil, fmt.Errorf("headers: %q is not a valid header name", name)
		}
		canonical := http.CanonicalHeaderKey(name)
		if why, ok := managedHeaders[canonical]; ok {
			return nil, fmt.Errorf("headers: %s cannot be set here: %s", canonical, why)
		}
		if _, dup := headers[canonical]; dup {
			return nil, fmt.Errorf("headers: %s is given twice, in different letter cases", canonical)
		}
		if !validHeaderValue(value) {
			return nil, fmt.Errorf("headers: the value of %s must be printable ASCII, without control characters or surrounding spaces", canonical)
		}
		if canonical == "Retry-After" && retryAfterSeconds > 0 {
			return nil, errors.New("headers: Retry-After and retry_after_seconds both set the Retry-After header: set one of them")
		}
		if canonical == "X-Request-Id" && (value == "" || strings.Contains(value, " ")) {
			// It becomes the request's ID, which log lines quote
			// as one word.
			return nil, errors.New("headers: X-Request-Id must be one word (not empty, no spaces), since it becomes the request's ID")
		}
		headers[canonical] = value
	}
	return headers, nil
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

// validHeaderName reports whether name is an HTTP token (RFC 9110 5.6.2),
// the only form a field name may take.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
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
func (s *Simulator) pickFault(r *http.Request) *faultHit {
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
		// The fault's map and body are never changed after registration,
		// so sharing them with the request is safe.
		return &faultHit{id: f.id, fault: f.fault, body: f.body}
	}
	return nil
}

// applyFault carries out a fault that answers in place of the API and
// reports whether the request is finished.
func (s *Simulator) applyFault(w *statusWriter, r *http.Request, hit *faultHit, fam family, reqID string) bool {
	f := &hit.fault
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
	writeFaultAnswer(w, hit, fam, reqID)
	return true
}

// passThrough lets serve answer the request into a buffer, so that the API
// acts on it, then answers the client as the fault says: with the fault's
// own answer, with a reset, or with the API's answer after the delay.
func (s *Simulator) passThrough(w *statusWriter, r *http.Request, hit *faultHit, fam family, rec *RequestRecord, serve func(http.ResponseWriter)) {
	api := newCaptureWriter()
	serve(api)
	rec.APIStatus = api.status
	f := &hit.fault
	if f.DelayMS > 0 {
		if s.sleep(r.Context(), time.Duration(f.DelayMS)*time.Millisecond) != nil {
			return
		}
	}
	switch {
	case f.ResetConnection:
		resetConnection(w, rec.RequestID)
	case f.Status != 0:
		writeFaultAnswer(w, hit, fam, rec.RequestID)
	case api.status != 0:
		// A delay alone: the API's own answer, late.
		for name, values := range api.header {
			w.Header()[name] = values
		}
		w.WriteHeader(api.status)
		_, _ = w.Write(api.body.Bytes())
	}
}

// captureWriter keeps the API's answer to a pass-through request, which
// the client may never see.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newCaptureWriter() *captureWriter { return &captureWriter{header: http.Header{}} }

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(b)
}

// writeFaultAnswer sends the answer a fault with a status describes.
func writeFaultAnswer(w *statusWriter, hit *faultHit, fam family, reqID string) {
	f := &hit.fault
	h := w.Header()
	if f.RetryAfterSeconds > 0 {
		h.Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
	}
	for name, value := range f.Headers {
		h.Set(name, value)
	}
	if f.Status < 200 {
		writeInterimOnly(w, f.Status, reqID)
		return
	}
	var body []byte
	switch {
	case len(hit.body) > 0 || f.ContentType != "":
		body = hit.body
		ct := f.ContentType
		if ct == "" {
			ct = contentTypeJSON
		}
		h.Set("Content-Type", ct)
	case hasGeneratedBody(f.Status):
		e, bodyFamily := faultError(fam, f.Status)
		if f.Code != "" {
			e.code = f.Code
		}
		generated := newCaptureWriter()
		writeError(generated, bodyFamily, e, reqID)
		h.Set("Content-Type", generated.header.Get("Content-Type"))
		body = generated.body.Bytes()
	}
	if f.TruncateAfter != nil && *f.TruncateAfter < len(body) {
		// Fewer bytes than the announced Content-Length make net/http
		// close the connection once the handler returns, since the next
		// message could not be framed; the client reads an unexpected end
		// of the body.
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(f.Status)
		_, _ = w.Write(body[:*f.TruncateAfter])
		return
	}
	w.WriteHeader(f.Status)
	if len(body) > 0 {
		_, _ = w.Write(body)
	}
}

// writeInterimOnly writes an informational (1xx) status line and the
// headers on the raw connection and closes it: net/http would follow a 1xx
// with a final answer of its own, which is exactly what the fault leaves
// out.
func writeInterimOnly(w *statusWriter, status int, reqID string) {
	conn, buf, err := w.hijack()
	if err != nil {
		// Only a handler embedded behind a writer that cannot be hijacked
		// gets here, as with reset_connection.
		writeGatewayError(w, http.StatusBadGateway, "APIGW.0000",
			fmt.Sprintf("status %d fault: the connection cannot be taken over, so it is answered with 502", status), reqID)
		return
	}
	defer func() { _ = conn.Close() }()
	// Settled before anything is written, so the log holds the request
	// before the client can read the status line.
	w.settle(status)
	text := http.StatusText(status)
	if text == "" {
		text = "Informational"
	}
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, text)
	_ = w.Header().Write(buf)
	_, _ = buf.WriteString("\r\n")
	_ = buf.Flush()
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
