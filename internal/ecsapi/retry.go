package ecsapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// apiRequest describes one logical API call (all of its attempts).
type apiRequest struct {
	method string
	url    *url.URL
	// body is nil for requests without a body.
	body []byte
	// projectID is sent as X-Project-Id; empty for IAM calls, which are
	// not scoped to a project.
	projectID string
	// secrets lists values of this call (e.g. the new password) that must
	// never appear in an error, even if the service echoes them.
	secrets []string
	// api is the API family of an ECS request; "" for IAM.
	api API
	// anonymous requests carry no credentials: the IAM token login and
	// the instance metadata service, which are where credentials come
	// from.
	anonymous bool
	// resendOnlyWhenRefused is for changes that must not happen twice (the
	// reboot, start and stop actions): the request is sent again only after
	// an answer that proves the service turned it away without acting (flow
	// control, "busy") or a failure before any connection carried it, never
	// when it may have been carried out.
	resendOnlyWhenRefused bool
}

// apiResponse is the buffered outcome of the last attempt.
type apiResponse struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	truncated    bool
	requestID    string
	secrets      []string
	api          API
	// code is the error code of the last attempt, if its body had one.
	code string
	// uncertain is set when an earlier attempt, or this answer, leaves it
	// open whether the request took effect; uncertainWhy says why.
	uncertain    bool
	uncertainWhy string
}

// errRetryPastDeadline is returned by the retry policy when the next wait
// would end after the context deadline: waiting would only end in
// "context deadline exceeded" and hide the real failure.
type errRetryPastDeadline struct {
	wait time.Duration
}

func (e *errRetryPastDeadline) Error() string {
	return fmt.Sprintf("the next retry (in %s) would start after the context deadline", e.wait.Round(time.Millisecond))
}

// attempt records what happened on one attempt for logs and final errors.
type attempt struct {
	number    int
	status    int
	code      string
	requestID string
	err       error
	body      []byte
	truncated bool
	readErr   error
}

// call holds the per-call state shared by the retryablehttp hooks. The
// hooks of one call run sequentially, so it needs no locking.
type call struct {
	c    *Client
	req  *apiRequest
	path string
	last attempt
	// prev is the attempt before last; it explains the failure when the
	// context ends while the last attempt is still in flight.
	prev     attempt
	nextWait time.Duration
	abort    *errRetryPastDeadline

	// attemptNo is the number of the attempt in flight and connAttempt the
	// number of the last attempt that obtained a connection; the transport
	// reports the latter through httptrace, possibly from its own
	// goroutine. An attempt that never got a connection cannot have
	// reached the service.
	attemptNo   atomic.Int64
	connAttempt atomic.Int64
	// uncertainWhy is set once an attempt may have reached the service
	// without a definitive answer.
	uncertainWhy string
	// throttledRetries and otherRetries count the retries made so far.
	throttledRetries, otherRetries int

	// creds are the credentials of the attempt in flight, retrieved before
	// it; credErr is why they could not be. renewed is set once the call
	// has asked for new credentials after a 401.
	creds   Credentials
	credErr error
	renewed bool
}

// markUncertain records why the outcome of the call may be open, if the
// current attempt obtained a connection.
func (cl *call) markUncertainIfSent(why string) {
	if cl.uncertainWhy == "" && cl.connAttempt.Load() == int64(cl.last.number) {
		cl.uncertainWhy = why
	}
}

// unknownIfSent wraps err for calls that change something when an attempt
// may have reached the service.
func (cl *call) unknownIfSent(err error) error {
	if cl.uncertainWhy == "" || cl.req.method == http.MethodGet {
		return err
	}
	return &OutcomeUnknownError{Err: err, Why: cl.uncertainWhy}
}

// do performs req with signing, retries and logging, and returns the
// buffered final response. Non-2xx statuses are not errors at this level.
func (c *Client) do(ctx context.Context, req *apiRequest) (*apiResponse, error) {
	cl := &call{c: c, req: req, path: req.url.EscapedPath()}
	if err := cl.retrieveCredentials(ctx); err != nil {
		return nil, err
	}
	r, err := cl.newRequest(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := cl.retryClient().Do(r)
	if resp != nil {
		// The body was already read into memory by checkRetry; closing
		// the in-memory reader is a formality.
		resp.Body.Close()
	}
	return cl.result(ctx, resp, err)
}

// newRequest builds the request with every header except the signature,
// which beforeAttempt adds to each attempt. Its context carries a trace
// that records which attempt obtained a connection.
func (cl *call) newRequest(ctx context.Context) (*retryablehttp.Request, error) {
	c, req := cl.c, cl.req
	var body any // an untyped nil keeps GET and DELETE free of a body
	if req.body != nil {
		body = req.body
	}
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { cl.connAttempt.Store(cl.attemptNo.Load()) },
	})
	r, err := retryablehttp.NewRequestWithContext(traced, req.method, req.url.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: building request: %w", req.method, cl.path, err)
	}
	r.Header.Set("Accept", "application/json")
	r.Header.Set("User-Agent", c.userAgent)
	if req.body != nil {
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	if req.projectID != "" {
		r.Header.Set(headerProjectID, req.projectID)
	}
	return r, nil
}

// retrieveCredentials asks the client's credentials provider for the
// credentials of the next attempt (anonymous requests need none). They are
// checked like fixed credentials, since a credential service's answer ends
// up in headers, and their secrets join those scrubbed from the call's
// errors: a service can only echo what the call sent it.
func (cl *call) retrieveCredentials(ctx context.Context) error {
	if cl.req.anonymous {
		return nil
	}
	creds, err := cl.c.creds.Retrieve(ctx)
	if err == nil {
		err = validateCredentials(creds)
	}
	if err != nil {
		cl.credErr = &CredentialsError{Err: err}
		return cl.credErr
	}
	cl.creds = creds
	for _, s := range secretsOf(creds) {
		if !slices.Contains(cl.req.secrets, s) {
			cl.req.secrets = append(cl.req.secrets, s)
		}
	}
	return nil
}

// retryClient returns the retrying client for this call. A
// retryablehttp.Client is a few words of configuration; one per call gives
// the hooks per-call state while every call shares c.httpClient and
// therefore one connection pool.
func (cl *call) retryClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   cl.c.httpClient,
		RetryWaitMin: cl.c.waitMin,
		RetryWaitMax: cl.c.waitMax,
		// The policy in decide counts retries itself (throttling apart from
		// other failures); this only keeps retryablehttp from stopping first.
		RetryMax:       cl.c.maxRetries + maxThrottledRetries,
		RequestLogHook: cl.beforeAttempt,
		// Credentials are retrieved again before every retry, so a
		// retry after a long backoff uses renewed ones.
		PrepareRetry: func(r *http.Request) error { return cl.retrieveCredentials(r.Context()) },
		CheckRetry:   cl.checkRetry,
		Backoff:      cl.backoff,
		// Pass the last response through so it becomes an *APIError
		// instead of retryablehttp's generic "giving up" error.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// result turns what the retrying client returned into the final response
// or error, marking a change whose outcome may be open as such.
func (cl *call) result(ctx context.Context, resp *http.Response, err error) (*apiResponse, error) {
	req := cl.req
	if ctx.Err() != nil && cl.last.status == 0 {
		// The caller gave up while the last attempt was in flight.
		cl.markUncertainIfSent("the operation was interrupted after the request was sent")
	}
	switch {
	case cl.credErr != nil:
		// No credentials for a retry: an earlier attempt may still have
		// been carried out.
		return nil, cl.unknownIfSent(cl.credErr)
	case cl.abort != nil:
		return nil, cl.unknownIfSent(cl.finalError(fmt.Errorf("giving up after attempt %d: %w", cl.last.number, cl.abort), context.DeadlineExceeded))
	case err != nil && ctx.Err() != nil:
		return nil, cl.unknownIfSent(cl.finalError(fmt.Errorf("stopped after %d attempt(s)", cl.last.number), ctx.Err()))
	case err != nil:
		return nil, cl.unknownIfSent(&TransportError{Method: req.method, Path: cl.path, Attempts: cl.last.number, Err: err})
	case resp == nil:
		return nil, cl.unknownIfSent(fmt.Errorf("%s %s: no response after %d attempt(s)", req.method, cl.path, cl.last.number))
	case cl.last.readErr != nil:
		return nil, cl.unknownIfSent(&TransportError{Method: req.method, Path: cl.path, Attempts: cl.last.number,
			StatusCode: cl.last.status, RequestID: cl.last.requestID, Err: cl.last.readErr})
	}
	return &apiResponse{
		method:    req.method,
		path:      cl.path,
		status:    resp.StatusCode,
		header:    resp.Header,
		body:      cl.last.body,
		truncated: cl.last.truncated,
		requestID: cl.last.requestID,
		secrets:   req.secrets,
		api:       req.api,
		code:      cl.last.code,
		// A definitive answer to this attempt does not settle an earlier
		// attempt that may have been carried out without an answer.
		uncertain:    cl.uncertainWhy != "",
		uncertainWhy: cl.uncertainWhy,
	}, nil
}

// finalError explains why the call stopped, keeping the last attempt's
// failure (an *APIError or a transport error) reachable with errors.As and
// the context error reachable with errors.Is.
func (cl *call) finalError(why error, ctxErr error) error {
	method, path := cl.req.method, cl.path
	a := cl.last
	if a.status == 0 && (a.err == nil || errors.Is(a.err, ctxErr)) && cl.prev.number > 0 {
		a = cl.prev
	}
	switch {
	case a.status != 0:
		last := cl.c.apiError(&apiResponse{
			method: method, path: path, status: a.status, body: a.body,
			truncated: a.truncated, requestID: a.requestID, secrets: cl.req.secrets,
		})
		return fmt.Errorf("%w; %w (%w)", last, why, ctxErr)
	case a.err != nil && !errors.Is(a.err, ctxErr):
		return fmt.Errorf("%s %s: %w; %w (%w)", method, path, a.err, why, ctxErr)
	}
	return fmt.Errorf("%s %s: %w (%w)", method, path, why, ctxErr)
}

func requestIDSuffix(id string) string {
	if id == "" {
		return ""
	}
	return ", request ID " + id
}

// beforeAttempt runs before every attempt, the first included. Signing here
// rather than once up front gives each retry a fresh X-Sdk-Date: a retry
// after long backoff with the original date could fall outside the
// gateway's 15-minute window.
func (cl *call) beforeAttempt(_ retryablehttp.Logger, r *http.Request, retry int) {
	if cl.last.number > 0 {
		cl.prev = cl.last
	}
	cl.last = attempt{number: retry + 1}
	cl.attemptNo.Store(int64(cl.last.number))
	// retryablehttp reuses the previous attempt's header map in a shallow
	// copy; cloning avoids writing to a map the transport may still read.
	r.Header = r.Header.Clone()
	if !cl.req.anonymous {
		cl.authenticate(r)
	}
	cl.c.logDebug(r.Context(), "sending ECS API request", map[string]any{
		"method": cl.req.method, "path": cl.path, "attempt": cl.last.number,
	})
}

// authenticate puts the attempt's credentials on r: a token in
// X-Auth-Token, or an SDK-HMAC-SHA256 signature (with X-Security-Token for
// temporary credentials). Whatever an earlier attempt set is removed first,
// since the credentials may have been renewed in between.
func (cl *call) authenticate(r *http.Request) {
	for _, h := range []string{headerAuthToken, headerSecurityToken, headerSdkDate, headerAuthorization} {
		r.Header.Del(h)
	}
	creds := cl.creds
	if creds.Token != "" {
		r.Header.Set(headerAuthToken, creds.Token)
		return
	}
	if creds.SecurityToken != "" {
		r.Header.Set(headerSecurityToken, creds.SecurityToken)
	}
	r.Header.Set(headerSdkDate, cl.c.now().UTC().Format(sdkDateLayout))
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	auth, err := signAuthorization(creds.AccessKey, creds.SecretKey, &signingInput{
		method:        r.Method,
		host:          host,
		path:          r.URL.Path,
		query:         r.URL.Query(),
		header:        r.Header,
		signedHeaders: signedHeaderNames(r.Header),
		body:          cl.req.body,
	})
	if err == nil {
		r.Header.Set(headerAuthorization, auth)
		// A proxy error page may echo request headers; the signature
		// is scrubbed from anything quoted back, like other secrets.
		if _, sig, ok := strings.Cut(auth, "Signature="); ok {
			cl.req.secrets = append(cl.req.secrets, sig)
		}
	}
}

// signedHeaderNames chooses the headers covered by the signature. A
// verifier recomputes the signature over whatever SignedHeaders lists, so
// any set that includes x-sdk-date is valid; the vendor's own vectors sign
// only x-sdk-date and x-project-id (plus host and x-security-token when
// asked). This client signs every header whose tampering would matter:
//   - host: binds the signature to the endpoint it was made for;
//   - x-sdk-date: mandatory, bounds replay to the gateway's time window;
//   - x-project-id: binds the request to the project;
//   - x-security-token: binds temporary credentials to their token;
//   - content-type: decides how the signed body is interpreted.
//
// User-Agent, Accept and Content-Length are left out because proxies and
// the transport may legitimately rewrite them.
func signedHeaderNames(h http.Header) []string {
	names := []string{"host", "x-sdk-date"}
	for _, n := range []string{headerProjectID, headerSecurityToken, "Content-Type"} {
		if h.Get(n) != "" {
			names = append(names, strings.ToLower(n))
		}
	}
	return names
}

// checkRetry is the retry policy. It buffers the response body (so the
// connection can be reused and the error code inspected), logs the
// attempt, and decides whether another attempt is worthwhile.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	fields := map[string]any{"method": cl.req.method, "path": cl.path, "attempt": cl.last.number}
	if err != nil {
		return cl.checkTransportError(ctx, err, fields)
	}
	errorDoc := cl.recordResponse(resp)
	fields["status"] = resp.StatusCode
	fields["request_id"] = cl.last.requestID
	if cl.last.code != "" {
		fields["code"] = cl.last.code
	}
	cl.c.logDebug(ctx, "received ECS API response", fields)

	if cl.last.readErr != nil {
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			// Only a 4xx status proves the request was turned away; any
			// other answer cut short may have been an acceptance.
			cl.markUncertainIfSent("the answer was cut short")
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		fields["error"] = cl.last.readErr.Error()
		if cl.req.resendOnlyWhenRefused {
			// An answer cut short may have been an acceptance.
			return false, nil
		}
		return cl.decide(ctx, resp, "response body interrupted", fields)
	}
	if resp.StatusCode == http.StatusUnauthorized && cl.renewCredentials() {
		// The gateway refused the request before carrying it out, so
		// repeating it at once with renewed credentials is safe.
		cl.nextWait = 0
		fields["reason"] = "credentials refused (HTTP 401); renewing them"
		cl.c.logWarn(ctx, "retrying ECS API request", fields)
		return true, nil
	}
	reason := retryReason(cl.req.method, resp.StatusCode, cl.last.code, errorDoc)
	if reason == "" || (cl.req.resendOnlyWhenRefused && !refusedWithoutActing(reason)) {
		return false, nil
	}
	return cl.decide(ctx, resp, reason, fields)
}

// refusedWithoutActing tells whether a retry reason proves that the service
// did nothing with the request: flow control (429, 503 Common.1503, even
// 202 Common.0024) and "busy, retry later" (501 Ecs.0603).
func refusedWithoutActing(reason string) bool {
	return strings.HasPrefix(reason, reasonThrottled) || strings.HasPrefix(reason, reasonBusy)
}

// checkTransportError decides about an attempt that got no answer.
// Transport failures are retried for every method, resets included: a
// reset carries the complete new password, so a repeat that lands after a
// lost response only sets the same password again.
func (cl *call) checkTransportError(ctx context.Context, err error, fields map[string]any) (bool, error) {
	c := cl.c
	cl.last.err = err
	fields["error"] = err.Error()
	if !IsHandshakeRefused(err) {
		// A refused TLS handshake (with TLS 1.3 the client learns of it
		// only when it reads the answer) means the request never reached
		// the service.
		cl.markUncertainIfSent("the connection ended after the request was sent, before an answer arrived")
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		c.logWarn(ctx, "ECS API request interrupted", fields)
		return false, ctxErr
	}
	if permanent := permanentTransportError(err); permanent != "" {
		// Certificate, TLS and DNS failures cannot go away by themselves;
		// retrying them would only delay the real cause.
		fields["reason"] = permanent + " (not retried)"
		c.logWarn(ctx, "ECS API request failed", fields)
		return false, nil
	}
	if cl.req.resendOnlyWhenRefused && cl.uncertainWhy != "" {
		fields["reason"] = "the request may have been carried out (not resent)"
		c.logWarn(ctx, "ECS API request failed", fields)
		return false, nil
	}
	c.logWarn(ctx, "ECS API request failed", fields)
	return cl.decide(ctx, nil, "transport error: "+transportReason(err), fields)
}

// recordResponse buffers the answer's body (so the connection can be
// reused and the body read again) and records the attempt: status, body,
// request ID, error code, and whether the outcome is left open. It reports
// whether a success status came with an error document.
func (cl *call) recordResponse(resp *http.Response) bool {
	body, truncated, readErr := readCapped(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	cl.last.status = resp.StatusCode
	cl.last.body = body
	cl.last.truncated = truncated
	cl.last.readErr = readErr
	cl.last.requestID = sanitizeText(resp.Header.Get(headerRequestID), 128)

	contentType := resp.Header.Get("Content-Type")
	doc, errorDoc := errorInBody(contentType, body, truncated)
	if resp.StatusCode >= 400 && !errorDoc {
		doc = decodeErrorBody(contentType, body, truncated)
	}
	if resp.StatusCode >= 400 || errorDoc {
		cl.last.code = doc.code
		if cl.last.requestID == "" {
			cl.last.requestID = doc.requestID
		}
	}
	if why := ambiguousStatus(resp.StatusCode, cl.last.code); why != "" {
		cl.markUncertainIfSent(why)
	}
	return errorDoc
}

// renewCredentials asks a provider of renewable credentials to drop the
// ones the attempt used, once per call, and reports whether it did: a 401
// may mean that temporary credentials expired early (clock skew) or were
// revoked, and the next attempt then retrieves new ones. Fixed credentials
// cannot be renewed, so their 401 is final.
func (cl *call) renewCredentials() bool {
	expirer, ok := cl.c.creds.(CredentialsExpirer)
	if !ok || cl.req.anonymous || cl.renewed {
		return false
	}
	cl.renewed = true
	return expirer.Expire(cl.creds)
}

// decide schedules a retry if any are left and the wait fits in the
// context deadline.
func (cl *call) decide(ctx context.Context, resp *http.Response, reason string, fields map[string]any) (bool, error) {
	c := cl.c
	fields["reason"] = reason
	retriesLeft := cl.retriesLeft(ctx, strings.HasPrefix(reason, reasonThrottled))
	if retriesLeft <= 0 {
		if c.maxRetries > 0 {
			fields["attempts"] = cl.last.number
			c.logWarn(ctx, "ECS API retries exhausted", fields)
		}
		return false, nil
	}
	if strings.HasPrefix(reason, reasonThrottled) {
		cl.throttledRetries++
	} else {
		cl.otherRetries++
	}
	wait := c.backoff(cl.last.number-1, resp)
	fields["wait"] = wait.String()
	fields["wait_ms"] = wait.Milliseconds()
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= wait {
		cl.abort = &errRetryPastDeadline{wait: wait}
		c.logWarn(ctx, "ECS API retry skipped: the wait would outlast the context deadline", fields)
		return false, cl.abort
	}
	cl.nextWait = wait
	fields["retries_left"] = retriesLeft
	c.logWarn(ctx, "retrying ECS API request", fields)
	return true, nil
}

// maxThrottledRetries bounds the retries of throttled answers within one
// call, as a safety net: the context deadline normally ends them first.
const maxThrottledRetries = 200

// retriesLeft says how many more retries the call may make for a failure of
// this kind. Flow control is not a fault: it only says "later", and under a
// quota every caller gets through in time. So a throttled answer is retried
// for as long as the operation's deadline allows (the backoff keeps growing
// and spreading the callers out), and only other failures count against
// max_retries. Without a deadline, or with retries disabled (max_retries =
// 0), throttling counts like any other failure.
func (cl *call) retriesLeft(ctx context.Context, throttled bool) int {
	c := cl.c
	if c.maxRetries == 0 {
		return 0
	}
	if _, hasDeadline := ctx.Deadline(); throttled && hasDeadline {
		return maxThrottledRetries - cl.throttledRetries
	}
	return c.maxRetries - cl.otherRetries - cl.throttledRetries
}

// backoff hands retryablehttp the wait chosen by decide, which already
// knew the context deadline.
func (cl *call) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return cl.nextWait
}

// The retry reasons that mean "later": the service did not act.
const (
	reasonThrottled = "throttled"
	reasonBusy      = "server busy"
)

// retryReason returns why a response deserves another attempt, or "".
// errorDoc tells whether a success status came with an error document.
func retryReason(method string, status int, code string, errorDoc bool) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict:
		// The request itself is wrong; repeating it cannot help.
		return ""
	}
	switch {
	case slices.Contains(throttlingCodes, code):
		// Flow control, whatever the status: Common.0024 comes with a
		// success status.
		return reasonThrottled + " (" + code + ")"
	case status < 300 && errorDoc:
		// Any other error reported with a success status is final.
		return ""
	case status == http.StatusTooManyRequests:
		return reasonThrottled + " (HTTP 429)"
	case status == http.StatusNotImplemented && code == codeServerBusy:
		return reasonBusy + " (" + code + ")"
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return "HTTP " + strconv.Itoa(status)
	case status == http.StatusInternalServerError && (method == http.MethodGet || method == http.MethodDelete):
		// Only reads and deletes are retried on 500: a reset that failed
		// half-way is reported rather than silently repeated.
		return "HTTP 500 on an idempotent request"
	}
	return ""
}

// transportReason names a retryable transport failure in a few words for
// the retry log.
func transportReason(err error) string {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	}
	return "connection failed"
}

// backoff returns the wait before retry number retry+1. Without a
// Retry-After it is "equal jitter" exponential backoff: the ceiling doubles
// from 2*waitMin up to waitMax and the wait is drawn from its upper half, so
// it never drops below waitMin and concurrent clients spread out from the
// first retry on. A Retry-After is a floor, not a schedule: every client
// throttled in the same second is told the same value, and honouring it to
// the millisecond would bring them all back in the same instant to collide
// again. So the wait is at least the Retry-After plus a random spread of up
// to half of it (at least up to waitMin), never shorter than the
// exponential wait, and a date in the past counts as "now" (the floor is
// then waitMin). Waits are capped at waitMax, spread over its upper quarter.
func (c *Client) backoff(retry int, resp *http.Response) time.Duration {
	ceiling := c.waitMax
	if retry < 32 {
		if d := c.waitMin << uint(retry+1); d > 0 && d < c.waitMax {
			ceiling = d
		}
	}
	half := ceiling / 2
	wait := max(half+rand.N(half+1), c.waitMin)
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			floor := max(d, c.waitMin)
			spread := max(floor/2, c.waitMin)
			wait = max(wait, floor+rand.N(spread+1))
		}
	}
	if wait > c.waitMax {
		quarter := c.waitMax / 4
		wait = c.waitMax - quarter + rand.N(quarter+1)
	}
	return wait
}

// parseRetryAfter reads a Retry-After value in delta-seconds or HTTP-date
// form. Dates in the past mean "now".
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// readCapped reads at most maxResponseBody bytes. When the body is larger
// the rest is not drained (the connection is simply not reused).
func readCapped(body io.Reader) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(body, maxResponseBody+1))
	if len(b) > maxResponseBody {
		return b[:maxResponseBody], true, err
	}
	return b, false, err
}

// logDebug and logWarn hand the logger its own copy of fields: the retry
// policy keeps adding to its map after logging, and a logger may keep what
// it was given.
func (c *Client) logDebug(ctx context.Context, msg string, fields map[string]any) {
	if c.logger != nil {
		c.logger.Debug(ctx, msg, maps.Clone(fields))
	}
}

func (c *Client) logWarn(ctx context.Context, msg string, fields map[string]any) {
	if c.logger != nil {
		c.logger.Warn(ctx, msg, maps.Clone(fields))
	}
}
