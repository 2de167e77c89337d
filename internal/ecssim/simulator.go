package ecssim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes bounds request bodies. A batch reset of 1000 servers is about
// 50 KiB, so 1 MiB leaves room while keeping a misbehaving client from
// exhausting memory.
const maxBodyBytes = 1 << 20

// maxRequestLog bounds the request log of a long-running simulator; the
// oldest records are dropped first.
const maxRequestLog = 10000

// Simulator is the in-memory ECS/IAM API. It is safe for concurrent use.
type Simulator struct {
	cfg Config
	// now reads Config.Now plus the clock offset. The offset is atomic
	// because now is called with mu held as well as without.
	now         func() time.Time
	clockOffset atomic.Int64
	onRequest   func(RequestRecord)
	routes      []*route
	conns       atomic.Int64
	// sleep waits for latency and fault delays; tests replace it to observe
	// the durations without waiting.
	sleep func(ctx context.Context, d time.Duration) error

	mu          sync.Mutex
	servers     map[string]*serverRecord
	serverOrder []string
	// listIndex is every server in listing order (see listKey); nil when
	// a server was created or deleted since it was built, so that the
	// next listing sorts once and later pages only scan it.
	listIndex  []listKey
	principals map[string]Principal
	tokens     map[string]tokenRecord
	// tokenLifetime applies to tokens issued from now on.
	tokenLifetime time.Duration
	// agencies are keyed by agencyKey(domain name, agency name).
	agencies map[string]Agency
	metadata MetadataSettings
	// issued lists the access keys of temporary credentials the simulator
	// issued itself (assume role, metadata), oldest first, so that expired
	// ones can be dropped without scanning every principal.
	issued      []string
	faults      []*faultState
	nextFaultID int
	rng         *rand.Rand
	// requests is a ring of at most maxRequestLog records; once it is
	// full, requestsStart is the index of the oldest one, so that logging
	// a request never moves the others.
	requests      []RequestRecord
	requestsStart int
	stats         map[string]int
	latency       time.Duration
	rateLimit     float64
	buckets       map[string]*bucket
	// jobDuration applies to jobs accepted from now on; jobs keep the
	// duration they were accepted with.
	jobDuration time.Duration
	// jobs holds the batch jobs by ID until a day after they finish;
	// pendingJobs lists the unfinished ones in the order they were
	// accepted, the order in which they are settled.
	jobs        map[string]*jobRecord
	pendingJobs []*jobRecord
}

// RequestRecord is one entry of the request log. It never holds secrets,
// bodies or query strings.
type RequestRecord struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Route is the matched route template, e.g.
	// "/v1/{project_id}/cloudservers/{server_id}/os-reset-password"; empty
	// when no route matched.
	Route string `json:"route,omitempty"`
	// Status is the HTTP status sent, or 0 when the connection was reset
	// without a response (or the client went away first).
	Status int `json:"status"`
	// FaultID is the ID of the fault that triggered for the request (see
	// FaultStatus); 0 when none did.
	FaultID int `json:"fault_id,omitempty"`
	// APIStatus is, for a request let through by a pass_through fault, the
	// status the API answered with before the fault replaced or delayed
	// that answer; 0 otherwise (or when the API wrote nothing).
	APIStatus int `json:"api_status,omitempty"`
	// AccessKey is the access key the request claimed (even if unknown);
	// empty for token and unauthenticated requests.
	AccessKey string `json:"access_key,omitempty"`
	RequestID string `json:"request_id"`
	// RemoteAddr is the client's address as "host:port" (the port tells
	// apart connections, and so client processes, on one host).
	RemoteAddr string `json:"remote_addr"`
}

// Stats counts traffic.
type Stats struct {
	// Requests counts API requests by "METHOD route-template", including
	// requests that then failed authentication or got an injected fault.
	Requests map[string]int `json:"requests"`
	// ConnectionsAccepted counts TCP connections accepted by StartLoopback or
	// ListenAndServe (always 0 for a bare Handler).
	ConnectionsAccepted int64 `json:"connections_accepted"`
}

// New returns a simulator that is not listening; serve it with Handler.
// Servers in cfg.Seed are created immediately; New panics if one of them is
// invalid, the way a template.Must would, because Config is written by the
// program itself. StartLoopback and ListenAndServe report the same problem as an
// error instead.
func New(cfg Config) *Simulator {
	s, err := newSimulator(cfg)
	if err != nil {
		panic("ecssim: " + err.Error())
	}
	return s
}

func newSimulator(cfg Config) (*Simulator, error) {
	cfg = cfg.withDefaults()
	s := &Simulator{
		cfg:        cfg,
		onRequest:  cfg.OnRequest,
		sleep:      sleepContext,
		servers:    map[string]*serverRecord{},
		principals: map[string]Principal{},
		tokens:     map[string]tokenRecord{},
		agencies:   map[string]Agency{},
		rng:        rand.New(rand.NewPCG(cfg.RandSeed, cfg.RandSeed)),
		stats:      map[string]int{},
		latency:    cfg.Latency,
		rateLimit:  cfg.RateLimit,
		buckets:    map[string]*bucket{},
		jobs:       map[string]*jobRecord{},
	}
	if err := s.SetClockOffset(cfg.ClockOffset); err != nil {
		return nil, err
	}
	if err := s.SetJobDuration(cfg.JobDuration); err != nil {
		return nil, err
	}
	if err := s.SetTokenLifetime(cfg.TokenLifetime); err != nil {
		return nil, err
	}
	if err := s.SetMetadataSettings(MetadataSettings{Lifetime: cfg.MetadataLifetime}); err != nil {
		return nil, err
	}
	s.now = func() time.Time { return cfg.Now().Add(s.ClockOffset()) }
	s.routes = apiRoutes()
	if err := s.AddPrincipal(Principal{
		AccessKey: cfg.AccessKey,
		SecretKey: cfg.SecretKey,
		ProjectID: cfg.ProjectID,
		Actions:   defaultActions(),
	}); err != nil {
		return nil, fmt.Errorf("default principal: %w", err)
	}
	for i, spec := range cfg.Seed {
		if _, err := s.AddServer(spec); err != nil {
			return nil, fmt.Errorf("seed server %d: %w", i, err)
		}
	}
	return s, nil
}

// Handler serves the API and the /_sim/ control API.
func (s *Simulator) Handler() http.Handler { return s }

// ServeHTTP implements http.Handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := RequestRecord{
		Time:       s.now().UTC(),
		Method:     r.Method,
		Path:       r.URL.Path,
		RequestID:  newRequestID(),
		RemoteAddr: r.RemoteAddr,
	}
	w.Header().Set("X-Request-Id", rec.RequestID)
	rw := &statusWriter{ResponseWriter: w}
	if isControlPath(r.URL.Path) {
		s.serveControl(rw, r)
		rec.Status = rw.status
	} else {
		// The record enters the log when the answer is settled, before its
		// first byte or a connection reset can reach the client. Logging
		// after the handler returned would let a client that already saw
		// its answer (or its reset) read a log that lacks the request.
		rw.onSettle = func(status int) {
			rec.Status = status
			s.logRequest(rec)
		}
		s.serveAPI(rw, r, &rec)
		// Nothing was sent when the client went away before an answer.
		rw.settle(0)
	}
	if s.onRequest != nil {
		s.onRequest(rec)
	}
}

func isControlPath(p string) bool {
	return p == "/_sim" || strings.HasPrefix(p, "/_sim/")
}

// serveAPI runs one API request through the simulated gateway (latency,
// faults, body limit, authentication, rate limit, routing) and the API. It
// fills in the route template and the claimed access key of rec, the
// request's log record, before anything is written.
func (s *Simulator) serveAPI(w *statusWriter, r *http.Request, rec *RequestRecord) {
	// Until authentication succeeds, the log shows the key the request
	// claims, which helps to tell apart requests that never got that far.
	rec.AccessKey = claimedAccessKey(r)
	reqID := rec.RequestID
	m := s.match(r.Method, r.URL)
	fam := familyOf(r.URL.Path)
	if m.route != nil {
		rec.Route = m.route.template
		fam = m.route.family
		s.count(r.Method + " " + m.route.template)
	}

	if d := s.currentLatency(); d > 0 {
		if s.sleep(r.Context(), d) != nil {
			return
		}
	}
	if hit := s.pickFault(r); hit != nil {
		rec.FaultID = hit.id
		if id := hit.fault.Headers["X-Request-Id"]; id != "" {
			// The client will see this ID, so the log and any generated
			// body quote it too.
			rec.RequestID, reqID = id, id
		}
		if hit.fault.PassThrough {
			s.passThrough(w, r, hit, fam, rec, func(api http.ResponseWriter) {
				s.serveGateway(api, r, m, fam, reqID, rec)
			})
			return
		}
		if s.applyFault(w, r, hit, fam, reqID) {
			return
		}
	}
	s.serveGateway(w, r, m, fam, reqID, rec)
}

// serveGateway runs the steps after the faults: body limit,
// authentication, rate limit, routing and the operation.
func (s *Simulator) serveGateway(w http.ResponseWriter, r *http.Request, m routeMatch, fam family, reqID string, rec *RequestRecord) {
	body, err := readBody(r)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			writeGatewayError(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge,
				fmt.Sprintf("Request entity too large: the body exceeds %d bytes", maxBodyBytes), reqID)
		}
		// Any other read error means the client is gone; nobody is left to
		// receive a response.
		return
	}

	var id *identity
	if m.route == nil || m.route.authenticated {
		res := s.authenticate(r, body)
		if res.id == nil {
			writeGatewayError(w, http.StatusUnauthorized, codeAuthFailed, authMessagePrefix+res.failure, reqID)
			return
		}
		id = res.id
		rec.AccessKey = id.accessKey
		if ok, retryAfter, limit := s.allowRate(id.rateKey()); !ok {
			writeThrottled(w, retryAfter, limit, reqID)
			return
		}
	}

	if m.route == nil {
		if len(m.allowed) > 0 {
			w.Header().Set("Allow", strings.Join(m.allowed, ", "))
			writeError(w, fam, methodNotAllowed(fam, r.Method, m.allowed), reqID)
			return
		}
		writeGatewayError(w, http.StatusNotFound, codeNoSuchAPI,
			"The API does not exist or has not been published in the environment", reqID)
		return
	}
	m.route.handle(s, &call{w: w, r: r, reqID: reqID, body: body, params: m.params, id: id, family: fam})
}

func methodNotAllowed(fam family, method string, allowed []string) apiError {
	msg := fmt.Sprintf("Method %s is not allowed on this resource; allowed: %s", method, strings.Join(allowed, ", "))
	switch fam {
	case familyV1:
		return apiError{status: http.StatusMethodNotAllowed, code: "Ecs.0000", msg: msg}
	case familyNative:
		return apiError{status: http.StatusMethodNotAllowed, code: "badMethod", msg: msg}
	default:
		return apiError{status: http.StatusMethodNotAllowed, code: "APIGW.0101", msg: msg}
	}
}

var errBodyTooLarge = errors.New("request body too large")

func readBody(r *http.Request) ([]byte, error) { return readBodyUpTo(r, maxBodyBytes) }

// readBodyUpTo reads the request body, failing with errBodyTooLarge beyond
// limit bytes.
func readBodyUpTo(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, errBodyTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errBodyTooLarge
	}
	return body, nil
}

// call is one routed API request.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	reqID  string
	body   []byte
	params map[string]string
	id     *identity
	family family
}

func (c *call) fail(e apiError) { writeError(c.w, c.family, e, c.reqID) }

// route is one API operation.
type route struct {
	method        string
	template      string
	segments      []string
	family        family
	authenticated bool
	handle        func(s *Simulator, c *call)
}

func newRoute(method, template string, fam family, authenticated bool, h func(*Simulator, *call)) *route {
	return &route{
		method:        method,
		template:      template,
		segments:      strings.Split(strings.TrimPrefix(template, "/"), "/"),
		family:        fam,
		authenticated: authenticated,
		handle:        h,
	}
}

// apiRoutes lists every API operation. The native operations are served
// under both /v2.1/ and its /v2/ alias.
func apiRoutes() []*route {
	const v1 = "/v1/{project_id}/cloudservers"
	rs := []*route{
		newRoute(http.MethodPut, v1+"/{server_id}/os-reset-password", familyV1, true, (*Simulator).handleV1Reset),
		newRoute(http.MethodGet, v1+"/{server_id}/os-resetpwd-flag", familyV1, true, (*Simulator).handleV1ResetFlag),
		newRoute(http.MethodGet, v1+"/{server_id}/os-server-password", familyV1, true, (*Simulator).handleV1GetPassword),
		newRoute(http.MethodDelete, v1+"/{server_id}/os-server-password", familyV1, true, (*Simulator).handleV1DeletePassword),
		newRoute(http.MethodGet, v1+"/{server_id}", familyV1, true, (*Simulator).handleV1ShowServer),
		newRoute(http.MethodGet, v1+"/detail", familyV1, true, (*Simulator).handleV1ListServers),
		newRoute(http.MethodPut, v1+"/os-reset-passwords", familyV1, true, (*Simulator).handleV1BatchReset),
		newRoute(http.MethodPost, v1+"/action", familyV1, true, (*Simulator).handleV1ServerAction),
		newRoute(http.MethodGet, "/v1/{project_id}/jobs/{job_id}", familyV1, true, (*Simulator).handleV1ShowJob),
		newRoute(http.MethodPost, "/v3/auth/tokens", familyIAM, false, (*Simulator).handleIssueToken),
		newRoute(http.MethodGet, "/v3/projects", familyIAM, true, (*Simulator).handleListProjects),
		newRoute(http.MethodPost, "/v3.0/OS-CREDENTIAL/securitytokens", familyIAM, true, (*Simulator).handleAssumeRole),
		// The metadata service needs no credentials: a server reaches it
		// from inside, and the agency bound to the server decides what the
		// credentials may do.
		newRoute(http.MethodGet, "/openstack/latest/securitykey", familyGateway, false, (*Simulator).handleMetadataSecurityKey),
	}
	for _, version := range []string{"/v2.1", "/v2"} {
		base := version + "/{project_id}/servers/{server_id}"
		rs = append(rs,
			newRoute(http.MethodPut, base+"/os-reset-password", familyNative, true, (*Simulator).handleNativeReset),
			newRoute(http.MethodGet, base+"/os-server-password", familyNative, true, (*Simulator).handleNativeGetPassword),
			newRoute(http.MethodDelete, base+"/os-server-password", familyNative, true, (*Simulator).handleNativeDeletePassword),
			newRoute(http.MethodGet, base, familyNative, true, (*Simulator).handleNativeShowServer),
		)
	}
	return rs
}

// routeMatch is the result of routing: a route, or the methods the path
// allows (405), or neither (404).
type routeMatch struct {
	route   *route
	params  map[string]string
	allowed []string
}

// match finds the route for method and path. One trailing slash is ignored
// because the signature cannot tell "/x" from "/x/" either. When several
// templates match, the one with the most literal segments wins, so
// cloudservers/os-reset-passwords beats cloudservers/{server_id}.
func (s *Simulator) match(method string, u *url.URL) routeMatch {
	raw := u.EscapedPath()
	if len(raw) > 1 {
		raw = strings.TrimSuffix(raw, "/")
	}
	segs := strings.Split(strings.TrimPrefix(raw, "/"), "/")
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return routeMatch{}
		}
		segs[i] = dec
	}
	var (
		best      routeMatch
		bestScore = -1
		allowed   []string
	)
	for _, rt := range s.routes {
		params, score, ok := matchSegments(rt.segments, segs)
		if !ok {
			continue
		}
		if !slices.Contains(allowed, rt.method) {
			allowed = append(allowed, rt.method)
		}
		if rt.method == method && score > bestScore {
			best = routeMatch{route: rt, params: params}
			bestScore = score
		}
	}
	if best.route != nil {
		return best
	}
	slices.Sort(allowed)
	return routeMatch{allowed: allowed}
}

// matchSegments matches a template against path segments and returns the
// variables and the number of literal segments.
func matchSegments(tmpl, segs []string) (map[string]string, int, bool) {
	if len(tmpl) != len(segs) {
		return nil, 0, false
	}
	// Every route is tried for every request, so the variables are only
	// collected once the template is known to match.
	literals := 0
	for i, t := range tmpl {
		switch {
		case isTemplateVar(t):
			if segs[i] == "" {
				return nil, 0, false
			}
		case t != segs[i]:
			return nil, 0, false
		default:
			literals++
		}
	}
	params := make(map[string]string, len(tmpl)-literals)
	for i, t := range tmpl {
		if isTemplateVar(t) {
			params[t[1:len(t)-1]] = segs[i]
		}
	}
	return params, literals, true
}

func isTemplateVar(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// statusWriter remembers the status sent and settles the request's log
// record before the answer leaves.
type statusWriter struct {
	http.ResponseWriter
	// status is the status sent; 0 until then, and for good when the
	// connection was reset or the client went away.
	status  int
	settled bool
	// onSettle, when set, is called once with the final status, before the
	// first byte of the answer or a connection reset reaches the client.
	onSettle func(status int)
}

// settle fixes the request's status; calls after the first change nothing.
func (w *statusWriter) settle(status int) {
	if w.settled {
		return
	}
	w.settled = true
	w.status = status
	if w.onSettle != nil {
		w.onSettle(status)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.settle(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.settle(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// hijack takes over the connection. Nothing has been sent when it returns,
// so the caller settles the status before it writes to or closes the
// connection.
func (w *statusWriter) hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Simulator) logRequest(rec RequestRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) < maxRequestLog {
		s.requests = append(s.requests, rec)
		return
	}
	s.requests[s.requestsStart] = rec
	s.requestsStart = (s.requestsStart + 1) % maxRequestLog
}

func (s *Simulator) count(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats[key]++
}

// Requests returns the API request log in the order the answers were
// settled, oldest first. A request is logged before the first byte of its
// answer, or its connection reset, reaches the client, so a client that
// has its answer always finds the request here; requests still in progress
// are not listed. Control API requests are not logged.
func (s *Simulator) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RequestRecord, 0, len(s.requests))
	out = append(out, s.requests[s.requestsStart:]...)
	return append(out, s.requests[:s.requestsStart]...)
}

// ClearRequests empties the request log.
func (s *Simulator) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.requestsStart = 0
}

// Stats returns request counts by route and the number of accepted
// connections.
func (s *Simulator) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Requests: make(map[string]int, len(s.stats)), ConnectionsAccepted: s.conns.Load()}
	for k, v := range s.stats {
		st.Requests[k] = v
	}
	return st
}

// SetLatency changes the delay added to every API request.
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

func (s *Simulator) currentLatency() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latency
}

// SetJobDuration changes how long batch reboot, start and stop jobs run, for
// jobs accepted from now on. It fails, changing nothing, unless d lies
// between MinJobDuration and MaxJobDuration.
func (s *Simulator) SetJobDuration(d time.Duration) error {
	if d < MinJobDuration || d > MaxJobDuration {
		return fmt.Errorf("job duration %v is not between %v and %v", d, MinJobDuration, MaxJobDuration)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobDuration = d
	return nil
}

// JobDuration returns the duration of jobs accepted from now on.
func (s *Simulator) JobDuration() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobDuration
}

// SetClockOffset moves the simulator's clock by d relative to Config.Now
// (see Config.ClockOffset). It fails, changing nothing, when d is beyond
// MaxClockOffset either way.
func (s *Simulator) SetClockOffset(d time.Duration) error {
	if d > MaxClockOffset || d < -MaxClockOffset {
		return fmt.Errorf("clock offset %v is beyond %v either way", d, MaxClockOffset)
	}
	s.clockOffset.Store(int64(d))
	return nil
}

// SetTokenLifetime changes how long IAM tokens issued from now on stay
// valid. It fails, changing nothing, unless d lies between MinTokenLifetime
// and MaxTokenLifetime.
func (s *Simulator) SetTokenLifetime(d time.Duration) error {
	if d < MinTokenLifetime || d > MaxTokenLifetime {
		return fmt.Errorf("token lifetime %v is not between %v and %v", d, MinTokenLifetime, MaxTokenLifetime)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLifetime = d
	return nil
}

// TokenLifetime returns the lifetime of tokens issued from now on.
func (s *Simulator) TokenLifetime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenLifetime
}

// ClockOffset returns the current clock offset.
func (s *Simulator) ClockOffset() time.Duration {
	return time.Duration(s.clockOffset.Load())
}
