package ecssim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The control API under /_sim/ seeds and inspects the simulator. It needs no
// credentials, so it answers loopback clients only, whatever address the
// simulator listens on. Its bodies are plain JSON; errors are
// {"error":"message"}.

type controlError struct {
	Error string `json:"error"`
}

func writeControlError(w http.ResponseWriter, status int, msg string) {
	writeControlJSON(w, status, controlError{Error: msg})
}

func writeControlJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only simulator-built values reach here, and a controlError
		// always encodes, so this cannot recurse twice.
		writeControlError(w, http.StatusInternalServerError, "cannot encode response")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// isLoopback reports whether a RemoteAddr ("host:port") is a loopback
// address.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// controlConfig is the body of GET and PUT /_sim/config.
type controlConfig struct {
	LatencyMS          *int64   `json:"latency_ms,omitempty"`
	RateLimit          *float64 `json:"rate_limit,omitempty"`
	ClockOffsetSeconds *float64 `json:"clock_offset_seconds,omitempty"`
	JobDurationMS      *int64   `json:"job_duration_ms,omitempty"`
	// TokenLifetimeSeconds applies to tokens issued afterwards.
	TokenLifetimeSeconds *int64 `json:"token_lifetime_seconds,omitempty"`
}

// controlMetadata is the body of GET and PUT /_sim/metadata. Actions is
// raw so that PUT can tell an absent field (unchanged) from null (back to
// the default principal's grant).
type controlMetadata struct {
	LifetimeSeconds      *int64          `json:"lifetime_seconds,omitempty"`
	Actions              json.RawMessage `json:"actions,omitempty"`
	EnterpriseProjectIDs *[]string       `json:"enterprise_project_ids,omitempty"`
	Disabled             *bool           `json:"disabled,omitempty"`
}

// metadataView is the answer of GET and PUT /_sim/metadata: every field,
// actions null while the default principal's grant applies.
type metadataView struct {
	LifetimeSeconds      int64    `json:"lifetime_seconds"`
	Actions              []string `json:"actions"`
	EnterpriseProjectIDs []string `json:"enterprise_project_ids"`
	Disabled             bool     `json:"disabled"`
}

// controlRoute maps a method to its handler for one control path.
type controlRoute map[string]func()

func (cr controlRoute) serve(w http.ResponseWriter, r *http.Request) {
	if h, ok := cr[r.Method]; ok {
		h()
		return
	}
	allowed := make([]string, 0, len(cr))
	for m := range cr {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeControlError(w, http.StatusMethodNotAllowed,
		fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, strings.Join(allowed, ", ")))
}

func (s *Simulator) serveControl(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r.RemoteAddr) {
		writeControlError(w, http.StatusForbidden, "the /_sim/ control API answers loopback clients only")
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/_sim")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	route := s.cloudControlRoute(w, r, p)
	if route == nil {
		route = s.simControlRoute(w, r, p)
	}
	if route == nil {
		writeControlError(w, http.StatusNotFound, fmt.Sprintf("no control endpoint %s", r.URL.Path))
		return
	}
	route.serve(w, r)
}

// cloudControlRoute returns the handlers of control path p when it is about
// what the simulated cloud holds: servers, principals, agencies and the
// metadata service. It returns nil for other paths.
func (s *Simulator) cloudControlRoute(w http.ResponseWriter, r *http.Request, p string) controlRoute {
	switch {
	case p == "/servers":
		return controlRoute{
			http.MethodGet:  func() { writeControlJSON(w, http.StatusOK, map[string][]ServerState{"servers": s.Servers()}) },
			http.MethodPost: func() { s.controlAddServer(w, r) },
		}
	case strings.HasPrefix(p, "/servers/"):
		id := strings.TrimPrefix(p, "/servers/")
		return controlRoute{
			http.MethodGet:    func() { s.controlGetServer(w, id) },
			http.MethodPatch:  func() { s.controlPatchServer(w, r, id) },
			http.MethodDelete: func() { s.controlDeleteServer(w, id) },
		}
	case p == "/principals":
		return controlRoute{http.MethodPost: func() { s.controlAddPrincipal(w, r) }}
	case p == "/agencies":
		return controlRoute{
			http.MethodGet:  func() { writeControlJSON(w, http.StatusOK, map[string][]Agency{"agencies": s.Agencies()}) },
			http.MethodPost: func() { s.controlAddAgency(w, r) },
			http.MethodDelete: func() {
				s.ClearAgencies()
				w.WriteHeader(http.StatusNoContent)
			},
		}
	case p == "/metadata":
		return controlRoute{
			http.MethodGet: func() { writeControlJSON(w, http.StatusOK, s.metadataView()) },
			http.MethodPut: func() { s.controlPutMetadata(w, r) },
		}
	}
	return nil
}

// simControlRoute returns the handlers of control path p when it is about
// the simulator itself: its health, faults, request log, statistics and
// settings. It returns nil for other paths.
func (s *Simulator) simControlRoute(w http.ResponseWriter, r *http.Request, p string) controlRoute {
	switch p {
	case "/health":
		return controlRoute{http.MethodGet: func() {
			writeControlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		}}
	case "/faults":
		return controlRoute{
			http.MethodGet:  func() { writeControlJSON(w, http.StatusOK, map[string][]FaultStatus{"faults": s.Faults()}) },
			http.MethodPost: func() { s.controlAddFault(w, r) },
			http.MethodDelete: func() {
				s.ClearFaults()
				w.WriteHeader(http.StatusNoContent)
			},
		}
	case "/requests":
		return controlRoute{
			http.MethodGet: func() {
				writeControlJSON(w, http.StatusOK, map[string][]RequestRecord{"requests": s.Requests()})
			},
			http.MethodDelete: func() {
				s.ClearRequests()
				w.WriteHeader(http.StatusNoContent)
			},
		}
	case "/stats":
		return controlRoute{http.MethodGet: func() { writeControlJSON(w, http.StatusOK, s.Stats()) }}
	case "/config":
		return controlRoute{
			http.MethodGet: func() { writeControlJSON(w, http.StatusOK, s.controlConfig()) },
			http.MethodPut: func() { s.controlPutConfig(w, r) },
		}
	}
	return nil
}

// decodeControlBody reads exactly one JSON value into dst, rejecting unknown
// fields so that a typo in a test setup fails loudly instead of being
// ignored.
func decodeControlBody(r *http.Request, dst any) error {
	return decodeControlBodyUpTo(r, dst, maxBodyBytes)
}

// decodeControlBodyUpTo is decodeControlBody for bodies of up to limit
// bytes.
func decodeControlBodyUpTo(r *http.Request, dst any, limit int64) error {
	body, err := readBodyUpTo(r, limit)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return fmt.Errorf("body exceeds %d bytes", limit)
		}
		return errors.New("cannot read body")
	}
	return decodeStrictJSON(body, dst)
}

func decodeStrictJSON(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("body is empty; a JSON object is required")
		}
		return fmt.Errorf("body is not valid: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("body holds data after the JSON value")
	}
	return nil
}

// maxServersRequestBytes bounds POST /_sim/servers, which may carry
// thousands of servers at once (about 10000 with public keys).
const maxServersRequestBytes = 32 << 20

// controlAddServer creates one server from a JSON object, or many from a
// JSON array (the shape of a seed file), all of them or none.
func (s *Simulator) controlAddServer(w http.ResponseWriter, r *http.Request) {
	body, err := readBodyUpTo(r, maxServersRequestBytes)
	if err != nil {
		msg := "cannot read body"
		if errors.Is(err, errBodyTooLarge) {
			msg = fmt.Sprintf("body exceeds %d bytes", maxServersRequestBytes)
		}
		writeControlError(w, http.StatusBadRequest, msg)
		return
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		var specs []ServerSpec
		if err := decodeStrictJSON(body, &specs); err != nil {
			writeControlError(w, http.StatusBadRequest, err.Error())
			return
		}
		states, err := s.AddServers(specs)
		if err != nil {
			writeControlError(w, controlStatus(err), err.Error())
			return
		}
		writeControlJSON(w, http.StatusCreated, map[string][]ServerState{"servers": states})
		return
	}
	var spec ServerSpec
	if err := decodeStrictJSON(body, &spec); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := s.AddServer(spec)
	if err != nil {
		writeControlError(w, controlStatus(err), err.Error())
		return
	}
	writeControlJSON(w, http.StatusCreated, st)
}

func (s *Simulator) controlGetServer(w http.ResponseWriter, id string) {
	st, ok := s.Server(id)
	if !ok {
		writeControlError(w, http.StatusNotFound, fmt.Sprintf("server %q not found", id))
		return
	}
	writeControlJSON(w, http.StatusOK, st)
}

func (s *Simulator) controlPatchServer(w http.ResponseWriter, r *http.Request, id string) {
	var patch ServerPatch
	if err := decodeControlBody(r, &patch); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := s.UpdateServer(id, patch)
	if err != nil {
		writeControlError(w, controlStatus(err), err.Error())
		return
	}
	writeControlJSON(w, http.StatusOK, st)
}

func (s *Simulator) controlDeleteServer(w http.ResponseWriter, id string) {
	if !s.DeleteServer(id) {
		writeControlError(w, http.StatusNotFound, fmt.Sprintf("server %q not found", id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) controlAddPrincipal(w http.ResponseWriter, r *http.Request) {
	var p Principal
	if err := decodeControlBody(r, &p); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	stored, err := s.addPrincipal(p)
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeControlJSON(w, http.StatusCreated, stored.view())
}

func (s *Simulator) controlAddAgency(w http.ResponseWriter, r *http.Request) {
	var a Agency
	if err := decodeControlBody(r, &a); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	stored, err := s.AddAgency(a)
	if err != nil {
		writeControlError(w, controlStatus(err), err.Error())
		return
	}
	writeControlJSON(w, http.StatusCreated, stored)
}

func (s *Simulator) metadataView() metadataView {
	m := s.MetadataSettings()
	eps := m.EnterpriseProjectIDs
	if eps == nil {
		eps = []string{}
	}
	return metadataView{
		LifetimeSeconds:      int64(m.Lifetime / time.Second),
		Actions:              m.Actions,
		EnterpriseProjectIDs: eps,
		Disabled:             m.Disabled,
	}
}

func (s *Simulator) controlPutMetadata(w http.ResponseWriter, r *http.Request) {
	var in controlMetadata
	if err := decodeControlBody(r, &in); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	m := s.MetadataSettings()
	if in.LifetimeSeconds != nil {
		secs := *in.LifetimeSeconds
		// Checked here rather than left to SetMetadataSettings, because
		// multiplying an out-of-range count by time.Second could overflow.
		if secs < 0 || secs > int64(MaxMetadataLifetime/time.Second) {
			writeControlError(w, http.StatusBadRequest, fmt.Sprintf("lifetime_seconds must be between %d and %d (0 restores the default, %d)",
				int64(MinMetadataLifetime/time.Second), int64(MaxMetadataLifetime/time.Second), int64(DefaultMetadataLifetime/time.Second)))
			return
		}
		m.Lifetime = time.Duration(secs) * time.Second
	}
	if in.Actions != nil {
		if string(in.Actions) == "null" {
			m.Actions, m.EnterpriseProjectIDs = nil, nil
		} else {
			var actions []string
			if err := decodeStrictJSON(in.Actions, &actions); err != nil {
				writeControlError(w, http.StatusBadRequest, "actions: "+err.Error())
				return
			}
			m.Actions = append([]string{}, actions...)
		}
	}
	if in.EnterpriseProjectIDs != nil {
		m.EnterpriseProjectIDs = *in.EnterpriseProjectIDs
	}
	if in.Disabled != nil {
		m.Disabled = *in.Disabled
	}
	if err := s.SetMetadataSettings(m); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeControlJSON(w, http.StatusOK, s.metadataView())
}

func (s *Simulator) controlAddFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	// A fault may carry a body larger than the API accepts, to test how a
	// client copes with an oversized answer.
	if err := decodeControlBodyUpTo(r, &f, maxFaultRequestBytes); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, err := s.addFault(f)
	if err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeControlJSON(w, http.StatusCreated, st)
}

func (s *Simulator) controlConfig() controlConfig {
	latency := s.currentLatency().Milliseconds()
	rate := s.currentRateLimit()
	offset := s.ClockOffset().Seconds()
	job := s.JobDuration().Milliseconds()
	tokenLifetime := int64(s.TokenLifetime() / time.Second)
	return controlConfig{LatencyMS: &latency, RateLimit: &rate, ClockOffsetSeconds: &offset, JobDurationMS: &job,
		TokenLifetimeSeconds: &tokenLifetime}
}

func (s *Simulator) controlPutConfig(w http.ResponseWriter, r *http.Request) {
	var cfg controlConfig
	if err := decodeControlBody(r, &cfg); err != nil {
		writeControlError(w, http.StatusBadRequest, err.Error())
		return
	}
	if cfg.LatencyMS != nil && (*cfg.LatencyMS < 0 || *cfg.LatencyMS > maxFaultDelay.Milliseconds()) {
		writeControlError(w, http.StatusBadRequest, fmt.Sprintf("latency_ms must be between 0 and %d", maxFaultDelay.Milliseconds()))
		return
	}
	if cfg.RateLimit != nil && (*cfg.RateLimit < 0 || math.IsInf(*cfg.RateLimit, 0) || math.IsNaN(*cfg.RateLimit)) {
		writeControlError(w, http.StatusBadRequest, "rate_limit must be a non-negative number (0 = unlimited)")
		return
	}
	if ms := cfg.JobDurationMS; ms != nil && (*ms < MinJobDuration.Milliseconds() || *ms > MaxJobDuration.Milliseconds()) {
		writeControlError(w, http.StatusBadRequest, fmt.Sprintf("job_duration_ms must be between %d and %d",
			MinJobDuration.Milliseconds(), MaxJobDuration.Milliseconds()))
		return
	}
	if secs := cfg.TokenLifetimeSeconds; secs != nil &&
		(*secs < int64(MinTokenLifetime/time.Second) || *secs > int64(MaxTokenLifetime/time.Second)) {
		writeControlError(w, http.StatusBadRequest, fmt.Sprintf("token_lifetime_seconds must be between %d and %d",
			int64(MinTokenLifetime/time.Second), int64(MaxTokenLifetime/time.Second)))
		return
	}
	var offset time.Duration
	if cfg.ClockOffsetSeconds != nil {
		secs := *cfg.ClockOffsetSeconds
		if math.IsNaN(secs) || math.Abs(secs) > MaxClockOffset.Seconds() {
			writeControlError(w, http.StatusBadRequest, fmt.Sprintf("clock_offset_seconds must be between %.0f and %.0f",
				-MaxClockOffset.Seconds(), MaxClockOffset.Seconds()))
			return
		}
		// Clamped because float rounding may step a few nanoseconds past
		// the bound that secs itself respects.
		offset = min(max(time.Duration(math.Round(secs*float64(time.Second))), -MaxClockOffset), MaxClockOffset)
	}
	// Every field was checked above, so the changes apply together or not
	// at all.
	if cfg.ClockOffsetSeconds != nil {
		// Within MaxClockOffset by construction, so it cannot fail.
		_ = s.SetClockOffset(offset)
	}
	if cfg.LatencyMS != nil {
		s.SetLatency(time.Duration(*cfg.LatencyMS) * time.Millisecond)
	}
	if cfg.RateLimit != nil {
		s.SetRateLimit(*cfg.RateLimit)
	}
	if cfg.JobDurationMS != nil {
		// Within the bounds checked above, so it cannot fail.
		_ = s.SetJobDuration(time.Duration(*cfg.JobDurationMS) * time.Millisecond)
	}
	if cfg.TokenLifetimeSeconds != nil {
		// Within the bounds checked above, so it cannot fail.
		_ = s.SetTokenLifetime(time.Duration(*cfg.TokenLifetimeSeconds) * time.Second)
	}
	writeControlJSON(w, http.StatusOK, s.controlConfig())
}

// controlStatus maps store errors to HTTP statuses.
func controlStatus(err error) int {
	var conflict *conflictError
	var notFound *notFoundError
	switch {
	case errors.As(err, &conflict):
		return http.StatusConflict
	case errors.As(err, &notFound):
		return http.StatusNotFound
	default:
		return http.StatusBadRequest
	}
}
