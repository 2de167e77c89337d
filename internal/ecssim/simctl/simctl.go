// Package simctl is a Go client of the /_sim/ control API of the ECS simulator, which seeds and
// inspects it (internal/ecssim/README.md documents the API). New attaches to a simulator at a
// base URL, whether an ecs-simulator process or an ecssim.Loopback in the same process; Start runs
// the ecs-simulator command as a child process and attaches to it.
//
// Request and response bodies are ecssim's own types (ServerSpec, ServerState, ServerPatch,
// Principal, Agency, MetadataSettings, Fault, FaultStatus, RequestRecord, Stats), so a field
// added to one of them travels through this client without a change here. Only the bodies that
// ecssim does not export have a type of their own: PrincipalInfo and Config.
//
// A simulator serving HTTPS needs an HTTP client that trusts its certificate (and presents a
// client certificate when it demands one): pass it to New, or to Start in StartOptions.
package simctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// DefaultTimeout bounds one control request made with the client New builds when it is given
// no HTTP client. The control API is never delayed or throttled, so a slow answer means the
// simulator is stuck.
const DefaultTimeout = time.Minute

// maxResponseBytes bounds what is read of one answer. The largest are the request log (up to
// 10000 records) and the server list with every server's reset history, which stay far below it.
const maxResponseBytes = 64 << 20

// Client calls the control API of one simulator. It is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the simulator whose base URL (as ecs-simulator prints it, such as
// http://127.0.0.1:8089) is baseURL. httpClient nil means a client that connects directly,
// ignoring proxy settings, since the control API answers loopback clients only, and gives up
// after DefaultTimeout.
func New(baseURL string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("simulator URL %q is not an http(s) URL with a host", baseURL)
	}
	if httpClient == nil {
		httpClient = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: DefaultTimeout}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: httpClient}, nil
}

// URL returns the simulator's base URL without a trailing slash: the endpoint for both the ECS
// and the IAM API.
func (c *Client) URL() string { return c.base }

// Error is an answer of the control API with another status than the operation's success status.
type Error struct {
	Method     string
	Path       string
	StatusCode int
	// Message is the simulator's explanation (the "error" member of its JSON body), or the body
	// as text when it holds none.
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.StatusCode)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, e.Message)
}

// IsNotFound reports whether err is a 404 answer, such as for a server that does not exist.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// Health checks that the simulator answers (GET /_sim/health).
func (c *Client) Health(ctx context.Context) error {
	var body struct {
		Status string `json:"status"`
	}
	if err := c.do(ctx, http.MethodGet, "/_sim/health", nil, &body, http.StatusOK); err != nil {
		return err
	}
	if body.Status != "ok" {
		return fmt.Errorf("GET /_sim/health: status %q, want \"ok\"", body.Status)
	}
	return nil
}

// AddServer creates a server (POST /_sim/servers) and returns its state.
func (c *Client) AddServer(ctx context.Context, spec ecssim.ServerSpec) (ecssim.ServerState, error) {
	var st ecssim.ServerState
	err := c.do(ctx, http.MethodPost, "/_sim/servers", spec, &st, http.StatusCreated)
	return st, err
}

// AddServers creates many servers in one request (POST /_sim/servers with an array), all of them
// or none, and returns their states in the order of specs.
func (c *Client) AddServers(ctx context.Context, specs []ecssim.ServerSpec) ([]ecssim.ServerState, error) {
	if specs == nil {
		// A nil slice would travel as null, which the simulator reads as one server with
		// every default.
		specs = []ecssim.ServerSpec{}
	}
	var body struct {
		Servers []ecssim.ServerState `json:"servers"`
	}
	err := c.do(ctx, http.MethodPost, "/_sim/servers", specs, &body, http.StatusCreated)
	return body.Servers, err
}

// Servers returns the state of every server, in creation order (GET /_sim/servers).
func (c *Client) Servers(ctx context.Context) ([]ecssim.ServerState, error) {
	var body struct {
		Servers []ecssim.ServerState `json:"servers"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/servers", nil, &body, http.StatusOK)
	return body.Servers, err
}

// Server returns the ground truth about one server (GET /_sim/servers/{id}); IsNotFound tells
// an unknown ID.
func (c *Client) Server(ctx context.Context, id string) (ecssim.ServerState, error) {
	var st ecssim.ServerState
	err := c.do(ctx, http.MethodGet, serverPath(id), nil, &st, http.StatusOK)
	return st, err
}

// PatchServer changes a server out of band (PATCH /_sim/servers/{id}), all of the patch or none
// of it, and returns its new state.
func (c *Client) PatchServer(ctx context.Context, id string, patch ecssim.ServerPatch) (ecssim.ServerState, error) {
	var st ecssim.ServerState
	err := c.do(ctx, http.MethodPatch, serverPath(id), patch, &st, http.StatusOK)
	return st, err
}

// DeleteServer removes a server as if it had been deleted elsewhere (DELETE /_sim/servers/{id}).
func (c *Client) DeleteServer(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, serverPath(id), nil, nil, http.StatusNoContent)
}

func serverPath(id string) string { return "/_sim/servers/" + url.PathEscape(id) }

// PrincipalInfo is how the simulator reports a registered principal: without its secrets.
type PrincipalInfo struct {
	AccessKey            string   `json:"access_key"`
	ProjectID            string   `json:"project_id"`
	Actions              []string `json:"actions"`
	EnterpriseProjectIDs []string `json:"enterprise_project_ids"`
	// Temporary is true for a principal registered with a security token.
	Temporary bool `json:"temporary"`
	// ExpiresAt is when the credential stops working; zero when it does not expire.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// AddPrincipal registers a credential, or replaces the one with the same access key
// (POST /_sim/principals).
func (c *Client) AddPrincipal(ctx context.Context, p ecssim.Principal) (PrincipalInfo, error) {
	var info PrincipalInfo
	err := c.do(ctx, http.MethodPost, "/_sim/principals", p, &info, http.StatusCreated)
	return info, err
}

// AddAgency registers an agency, or replaces the one with the same domain and agency name
// (POST /_sim/agencies), and returns it with its domain ID.
func (c *Client) AddAgency(ctx context.Context, a ecssim.Agency) (ecssim.Agency, error) {
	var out ecssim.Agency
	err := c.do(ctx, http.MethodPost, "/_sim/agencies", a, &out, http.StatusCreated)
	return out, err
}

// Agencies lists the registered agencies by domain name, then agency name (GET /_sim/agencies).
func (c *Client) Agencies(ctx context.Context) ([]ecssim.Agency, error) {
	var body struct {
		Agencies []ecssim.Agency `json:"agencies"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/agencies", nil, &body, http.StatusOK)
	return body.Agencies, err
}

// ClearAgencies removes every agency (DELETE /_sim/agencies); credentials already issued for
// them keep working until they expire.
func (c *Client) ClearAgencies(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/agencies", nil, nil, http.StatusNoContent)
}

// metadataBody is the JSON of GET and PUT /_sim/metadata.
type metadataBody struct {
	LifetimeSeconds      int64    `json:"lifetime_seconds"`
	Actions              []string `json:"actions"`
	EnterpriseProjectIDs []string `json:"enterprise_project_ids"`
	Disabled             bool     `json:"disabled"`
}

func (b metadataBody) settings() ecssim.MetadataSettings {
	return ecssim.MetadataSettings{
		Lifetime:             time.Duration(b.LifetimeSeconds) * time.Second,
		Actions:              b.Actions,
		EnterpriseProjectIDs: b.EnterpriseProjectIDs,
		Disabled:             b.Disabled,
	}
}

// Metadata returns the settings of the instance metadata endpoint (GET /_sim/metadata); Actions
// is nil while the credentials copy the default principal's grant.
func (c *Client) Metadata(ctx context.Context) (ecssim.MetadataSettings, error) {
	var body metadataBody
	err := c.do(ctx, http.MethodGet, "/_sim/metadata", nil, &body, http.StatusOK)
	return body.settings(), err
}

// SetMetadata replaces every setting of the instance metadata endpoint (PUT /_sim/metadata with
// all fields), as ecssim's SetMetadataSettings does: a zero Lifetime restores the default and
// nil Actions the default principal's grant. The lifetime travels in whole seconds.
func (c *Client) SetMetadata(ctx context.Context, m ecssim.MetadataSettings) (ecssim.MetadataSettings, error) {
	in := metadataBody{
		LifetimeSeconds:      int64(m.Lifetime / time.Second),
		Actions:              m.Actions,
		EnterpriseProjectIDs: m.EnterpriseProjectIDs,
		Disabled:             m.Disabled,
	}
	if in.EnterpriseProjectIDs == nil {
		// null is not a list; the simulator wants one.
		in.EnterpriseProjectIDs = []string{}
	}
	var out metadataBody
	err := c.do(ctx, http.MethodPut, "/_sim/metadata", in, &out, http.StatusOK)
	return out.settings(), err
}

// AddFault registers a fault (POST /_sim/faults) and returns it with its ID and progress.
func (c *Client) AddFault(ctx context.Context, f ecssim.Fault) (ecssim.FaultStatus, error) {
	var st ecssim.FaultStatus
	err := c.do(ctx, http.MethodPost, "/_sim/faults", f, &st, http.StatusCreated)
	return st, err
}

// Faults lists the registered faults, exhausted ones included (GET /_sim/faults).
func (c *Client) Faults(ctx context.Context) ([]ecssim.FaultStatus, error) {
	var body struct {
		Faults []ecssim.FaultStatus `json:"faults"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/faults", nil, &body, http.StatusOK)
	return body.Faults, err
}

// ClearFaults removes every fault (DELETE /_sim/faults).
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/faults", nil, nil, http.StatusNoContent)
}

// Requests returns the API request log, oldest first (GET /_sim/requests).
func (c *Client) Requests(ctx context.Context) ([]ecssim.RequestRecord, error) {
	var body struct {
		Requests []ecssim.RequestRecord `json:"requests"`
	}
	err := c.do(ctx, http.MethodGet, "/_sim/requests", nil, &body, http.StatusOK)
	return body.Requests, err
}

// ClearRequests empties the request log (DELETE /_sim/requests).
func (c *Client) ClearRequests(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/_sim/requests", nil, nil, http.StatusNoContent)
}

// Stats returns the request and connection counters (GET /_sim/stats). Every control request
// opens a connection unless the HTTP client reuses one, and is counted as well.
func (c *Client) Stats(ctx context.Context) (ecssim.Stats, error) {
	var st ecssim.Stats
	err := c.do(ctx, http.MethodGet, "/_sim/stats", nil, &st, http.StatusOK)
	return st, err
}

// Config is the simulator's run-time configuration (GET /_sim/config).
type Config struct {
	// Latency is added to every API request.
	Latency time.Duration
	// RateLimit is the number of API requests per second allowed per credential; 0 means
	// unlimited.
	RateLimit float64
	// ClockOffset is how far the simulator's clock runs ahead of (positive) or behind
	// (negative) its base clock.
	ClockOffset time.Duration
	// JobDuration is how long a batch reboot, start or stop job runs on the simulator's clock.
	JobDuration time.Duration
	// TokenLifetime is how long IAM tokens issued from now on stay valid.
	TokenLifetime time.Duration
}

// ConfigChange is a change of the run-time configuration; nil fields are left as they are.
type ConfigChange struct {
	// Latency is sent in whole milliseconds, the simulator's unit; a finer part is dropped.
	Latency     *time.Duration
	RateLimit   *float64
	ClockOffset *time.Duration
	// JobDuration is sent in whole milliseconds too, and must be between ecssim.MinJobDuration
	// and ecssim.MaxJobDuration.
	JobDuration *time.Duration
	// TokenLifetime is sent in whole seconds, and must be between ecssim.MinTokenLifetime and
	// ecssim.MaxTokenLifetime.
	TokenLifetime *time.Duration
}

// configBody is the JSON of GET and PUT /_sim/config.
type configBody struct {
	LatencyMS          *int64   `json:"latency_ms,omitempty"`
	RateLimit          *float64 `json:"rate_limit,omitempty"`
	ClockOffsetSeconds *float64 `json:"clock_offset_seconds,omitempty"`
	JobDurationMS      *int64   `json:"job_duration_ms,omitempty"`
	TokenLifetimeSecs  *int64   `json:"token_lifetime_seconds,omitempty"`
}

func (b configBody) config() (Config, error) {
	if b.LatencyMS == nil || b.RateLimit == nil || b.ClockOffsetSeconds == nil || b.JobDurationMS == nil ||
		b.TokenLifetimeSecs == nil {
		return Config{}, errors.New("/_sim/config: the answer lacks latency_ms, rate_limit, clock_offset_seconds, " +
			"job_duration_ms or token_lifetime_seconds")
	}
	return Config{
		Latency:       time.Duration(*b.LatencyMS) * time.Millisecond,
		RateLimit:     *b.RateLimit,
		ClockOffset:   time.Duration(math.Round(*b.ClockOffsetSeconds * float64(time.Second))),
		JobDuration:   time.Duration(*b.JobDurationMS) * time.Millisecond,
		TokenLifetime: time.Duration(*b.TokenLifetimeSecs) * time.Second,
	}, nil
}

// Config returns the run-time configuration (GET /_sim/config).
func (c *Client) Config(ctx context.Context) (Config, error) {
	var body configBody
	if err := c.do(ctx, http.MethodGet, "/_sim/config", nil, &body, http.StatusOK); err != nil {
		return Config{}, err
	}
	return body.config()
}

// SetConfig applies a change, all of it or none of it when a value is out of range
// (PUT /_sim/config), and returns the whole configuration afterwards.
func (c *Client) SetConfig(ctx context.Context, change ConfigChange) (Config, error) {
	var in configBody
	if change.Latency != nil {
		ms := change.Latency.Milliseconds()
		in.LatencyMS = &ms
	}
	in.RateLimit = change.RateLimit
	if change.ClockOffset != nil {
		secs := change.ClockOffset.Seconds()
		in.ClockOffsetSeconds = &secs
	}
	if change.JobDuration != nil {
		ms := change.JobDuration.Milliseconds()
		in.JobDurationMS = &ms
	}
	if change.TokenLifetime != nil {
		secs := int64(*change.TokenLifetime / time.Second)
		in.TokenLifetimeSecs = &secs
	}
	var out configBody
	if err := c.do(ctx, http.MethodPut, "/_sim/config", in, &out, http.StatusOK); err != nil {
		return Config{}, err
	}
	return out.config()
}

// do sends one control request with an optional JSON body and decodes the JSON answer into out
// (when not nil) if the status is wantStatus.
func (c *Client) do(ctx context.Context, method, path string, in, out any, wantStatus int) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if len(data) > maxResponseBytes {
		return fmt.Errorf("%s %s: the answer exceeds %d bytes", method, path, maxResponseBytes)
	}
	if resp.StatusCode != wantStatus {
		return &Error{Method: method, Path: path, StatusCode: resp.StatusCode, Message: errorMessage(data)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// maxMessageBytes bounds the body quoted in an Error when it is not the simulator's own error
// body (a proxy's HTML page, say), so that one message does not flood a log.
const maxMessageBytes = 1000

// errorMessage extracts the message of a {"error":"..."} body, or returns the body as text.
func errorMessage(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	text := strings.TrimSpace(string(body))
	if len(text) > maxMessageBytes {
		text = strings.ToValidUTF8(text[:maxMessageBytes], "") + "..."
	}
	return text
}
