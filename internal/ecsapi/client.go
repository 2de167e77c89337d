package ecsapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/go-cleanhttp"
	"golang.org/x/net/http/httpproxy"
)

const (
	// DefaultRetryWaitMin is the shortest pause before a retry.
	DefaultRetryWaitMin = 500 * time.Millisecond
	// DefaultRetryWaitMax is the longest pause before a retry, including
	// pauses requested by a Retry-After header.
	DefaultRetryWaitMax = 20 * time.Second
	// DefaultAttemptTimeout bounds one HTTP attempt, from dialling to the
	// end of the body, so that an endpoint that never answers costs a
	// retry rather than the whole operation's timeout.
	DefaultAttemptTimeout = time.Minute
	// DefaultUserAgent is sent when Config.UserAgent is empty.
	DefaultUserAgent = "terraform-provider-ecs"

	// maxResponseBody caps how much of any response is read. The password
	// APIs answer with a few hundred bytes; anything near this size is a
	// misbehaving proxy, not the service.
	maxResponseBody = 1 << 20
	// maxIDLength bounds server and project IDs (real ones are 32–36 characters).
	maxIDLength = 255

	// maxIdleConnsPerHost is how many idle connections the default
	// transport keeps per endpoint. Terraform runs 10 operations at once
	// by default and users raise -parallelism, so a pool sized from the
	// CPU count (as cleanhttp's is) would close and reopen most
	// connections, each with a new TLS handshake.
	maxIdleConnsPerHost = 100
	// maxIdleConns covers both endpoints (ECS and IAM).
	maxIdleConns = 2 * maxIdleConnsPerHost
)

// Credentials authenticate requests. Set either AccessKey and SecretKey
// (optionally with SecurityToken for temporary credentials) or Token.
type Credentials struct {
	AccessKey string
	SecretKey string
	// SecurityToken accompanies temporary access keys; it is sent as
	// X-Security-Token and covered by the signature.
	SecurityToken string
	// Token is a project-scoped IAM token sent as X-Auth-Token instead of
	// signing requests.
	Token string
}

// String describes which credentials are set without revealing any secret,
// so that printing a Config by accident cannot leak them.
func (c Credentials) String() string {
	set := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	return fmt.Sprintf("Credentials{AccessKey:%s SecretKey:%s SecurityToken:%s Token:%s}",
		set(c.AccessKey), set(c.SecretKey), set(c.SecurityToken), set(c.Token))
}

// GoString is String for the %#v verb.
func (c Credentials) GoString() string { return c.String() }

// CredentialsProvider supplies the credentials of each attempt, so that
// temporary credentials (an agency's, the instance metadata service's, a
// user login's token) can be renewed while a client is in use. Retrieve is
// called before every attempt and must be safe for concurrent use; it should
// answer from a cache and fetch new credentials only when the cached ones are
// about to expire. Its errors are returned as *CredentialsError, and nothing
// is sent.
type CredentialsProvider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// CredentialsExpirer is implemented by providers whose credentials can be
// renewed. When the service refuses credentials with 401, the client calls
// Expire with the credentials it used; when Expire reports that new ones can
// be had, the client retries the call once with what Retrieve returns next.
// Temporary credentials may expire earlier than their expiry time said
// (clock skew) or be revoked.
type CredentialsExpirer interface {
	Expire(used Credentials) bool
}

// CredentialsError is a failure to obtain the credentials of an attempt
// from a CredentialsProvider. The request was not sent.
type CredentialsError struct {
	Err error
}

func (e *CredentialsError) Error() string { return "ecsapi: obtaining credentials: " + e.Err.Error() }

func (e *CredentialsError) Unwrap() error { return e.Err }

// staticCredentials is the CredentialsProvider of Config.Credentials.
type staticCredentials Credentials

func (s staticCredentials) Retrieve(context.Context) (Credentials, error) { return Credentials(s), nil }

// Config configures a Client.
type Config struct {
	// ECSEndpoint is the ECS base URL, e.g.
	// https://ecs.cn-north-4.myhuaweicloud.com. A trailing slash is ignored.
	ECSEndpoint string
	// IAMEndpoint is the IAM base URL, needed only to look up project IDs.
	IAMEndpoint string
	// Region is the region name; it doubles as the IAM project name.
	Region string
	// ProjectID may be empty; then call ResolveProjectID before other calls.
	ProjectID string
	// Credentials are fixed credentials. Set them or CredentialsProvider,
	// not both.
	Credentials Credentials
	// CredentialsProvider supplies credentials per attempt instead of
	// Credentials; the secrets it returns are scrubbed from the errors of
	// the calls that used them.
	CredentialsProvider CredentialsProvider
	// Secrets are further values that must never appear in the client's
	// errors, whatever a service or proxy echoes: the secrets behind a
	// CredentialsProvider (a user's password, a profile's keys) and a client
	// certificate's private key. The client's own Credentials are always
	// scrubbed.
	Secrets []string
	// HTTPClient is shared by all calls; nil means a client with a pooled
	// transport sized for Terraform's parallelism. Redirects are never
	// followed, whichever client is used.
	HTTPClient *http.Client
	// TLSConfig configures TLS for the default transport (a private CA, a
	// client certificate, or skipping verification in a test environment;
	// see NewTLSConfig); nil means Go's defaults. It cannot be combined with
	// HTTPClient, whose transport carries its own TLS settings.
	TLSConfig *tls.Config
	// ProxyEnv reads the proxy settings of the default transport:
	// HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case forms),
	// with the meaning net/http gives them (requests to loopback addresses
	// and "localhost" are never proxied). nil means os.Getenv; a function
	// that returns "" for every name turns proxies off. It is read once, by
	// NewClient. It cannot be combined with HTTPClient.
	ProxyEnv func(string) string
	// MaxRetries is the number of retries after the first attempt; 0
	// disables retries.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the pause between attempts;
	// zero values select DefaultRetryWaitMin and DefaultRetryWaitMax.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// AttemptTimeout bounds each HTTP attempt; zero selects
	// DefaultAttemptTimeout. It applies only when HTTPClient is nil or has
	// no Timeout of its own.
	AttemptTimeout time.Duration
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Logger receives one entry per attempt and per retry decision; nil
	// disables logging.
	Logger Logger
	// Now is the clock used for X-Sdk-Date; nil means time.Now.
	Now func() time.Time
}

// Logger receives one call per HTTP attempt and per retry decision. The
// fields name the method, path, attempt, status, error code, request ID and
// wait; they never hold credentials, passwords or bodies.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// Client calls the ECS password APIs and IAM. It is safe for concurrent use
// and shares one connection pool between all calls.
type Client struct {
	ecsBase    *url.URL
	iamBase    *url.URL
	region     string
	creds      CredentialsProvider
	httpClient *http.Client
	maxRetries int
	waitMin    time.Duration
	waitMax    time.Duration
	userAgent  string
	logger     Logger
	now        func() time.Time
	// secrets are scrubbed from any server-provided text before it is put
	// into an error, in case a service echoes a credential back.
	secrets []string

	mu        sync.RWMutex
	projectID string
}

// NewClient validates cfg and returns a Client. The checks run in a fixed
// order, so a configuration with several mistakes always reports the same
// one first.
func NewClient(cfg Config) (*Client, error) {
	ecsBase, iamBase, err := parseEndpoints(cfg.ECSEndpoint, cfg.IAMEndpoint)
	if err != nil {
		return nil, err
	}
	creds, err := credentialsProvider(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.ProjectID != "" {
		if err := validateID("project ID", cfg.ProjectID); err != nil {
			return nil, fmt.Errorf("ecsapi: %w", err)
		}
	}
	if cfg.MaxRetries < 0 {
		return nil, fmt.Errorf("ecsapi: max retries must not be negative, got %d", cfg.MaxRetries)
	}
	waitMin, waitMax, err := retryWaits(cfg.RetryWaitMin, cfg.RetryWaitMax)
	if err != nil {
		return nil, err
	}
	userAgent, err := userAgentOrDefault(cfg.UserAgent)
	if err != nil {
		return nil, err
	}
	attemptTimeout, err := attemptTimeoutOrDefault(cfg.AttemptTimeout)
	if err != nil {
		return nil, err
	}
	if cfg.HTTPClient != nil && cfg.TLSConfig != nil {
		return nil, errors.New("ecsapi: set TLS settings on the HTTP client's transport or in TLSConfig, not both")
	}
	if cfg.HTTPClient != nil && cfg.ProxyEnv != nil {
		return nil, errors.New("ecsapi: set the proxy on the HTTP client's transport or through ProxyEnv, not both")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{
		ecsBase:    ecsBase,
		iamBase:    iamBase,
		region:     cfg.Region,
		creds:      creds,
		httpClient: noRedirectClient(cfg.HTTPClient, transportSettings{cfg.TLSConfig, cfg.ProxyEnv}, attemptTimeout),
		maxRetries: cfg.MaxRetries,
		waitMin:    waitMin,
		waitMax:    waitMax,
		userAgent:  userAgent,
		logger:     cfg.Logger,
		now:        now,
		secrets:    append(secretsOf(cfg.Credentials), nonEmpty(cfg.Secrets)...),
		projectID:  cfg.ProjectID,
	}, nil
}

// parseEndpoints parses both endpoints; the ECS one is required, the IAM one
// (needed only to look up a project ID) is nil when not given.
func parseEndpoints(ecs, iam string) (ecsBase, iamBase *url.URL, err error) {
	ecsBase, err = parseEndpoint("ECS endpoint", ecs)
	if err != nil {
		return nil, nil, err
	}
	if ecsBase == nil {
		return nil, nil, errors.New("ecsapi: the ECS endpoint is required")
	}
	iamBase, err = parseEndpoint("IAM endpoint", iam)
	if err != nil {
		return nil, nil, err
	}
	return ecsBase, iamBase, nil
}

// retryWaits fills in the default bounds of the wait between retries and
// checks that they make a range.
func retryWaits(waitMin, waitMax time.Duration) (time.Duration, time.Duration, error) {
	if waitMin < 0 || waitMax < 0 {
		return 0, 0, errors.New("ecsapi: retry waits must not be negative")
	}
	if waitMin == 0 {
		waitMin = DefaultRetryWaitMin
	}
	if waitMax == 0 {
		waitMax = DefaultRetryWaitMax
	}
	if waitMin > waitMax {
		return 0, 0, fmt.Errorf("ecsapi: the minimum retry wait (%s) exceeds the maximum (%s)", waitMin, waitMax)
	}
	return waitMin, waitMax, nil
}

// userAgentOrDefault returns ua, or DefaultUserAgent when ua is empty, as
// long as it can travel in a header.
func userAgentOrDefault(ua string) (string, error) {
	if ua == "" {
		ua = DefaultUserAgent
	}
	if !isHeaderSafe(ua) {
		return "", errors.New("ecsapi: the user agent contains control characters")
	}
	return ua, nil
}

// attemptTimeoutOrDefault returns d, or DefaultAttemptTimeout when d is zero.
func attemptTimeoutOrDefault(d time.Duration) (time.Duration, error) {
	if d < 0 {
		return 0, errors.New("ecsapi: the attempt timeout must not be negative")
	}
	if d == 0 {
		return DefaultAttemptTimeout, nil
	}
	return d, nil
}

// credentialsProvider returns the provider of cfg's credentials: its
// CredentialsProvider, or its fixed Credentials once they pass the checks.
func credentialsProvider(cfg Config) (CredentialsProvider, error) {
	if cfg.CredentialsProvider != nil {
		if cfg.Credentials != (Credentials{}) {
			return nil, errors.New("ecsapi: set either credentials or a credentials provider, not both")
		}
		return cfg.CredentialsProvider, nil
	}
	if err := validateCredentials(cfg.Credentials); err != nil {
		return nil, err
	}
	return staticCredentials(cfg.Credentials), nil
}

// secretsOf lists the credentials that must never appear in an error.
func secretsOf(c Credentials) []string {
	var out []string
	for _, s := range []string{c.SecretKey, c.SecurityToken, c.Token} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// transportSettings are the settings of the default transport.
type transportSettings struct {
	tls *tls.Config
	// proxyEnv reads the proxy environment variables; nil means os.Getenv.
	proxyEnv func(string) string
}

// nonEmpty returns the non-empty strings of ss.
func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// noRedirectClient returns a copy of hc (or a client with the default
// transport using settings) that never follows redirects: a redirect would
// replay X-Auth-Token or X-Security-Token to wherever the Location points,
// and the ECS APIs never redirect legitimately. Copying keeps the caller's
// Transport, and with it the connection pool.
func noRedirectClient(hc *http.Client, settings transportSettings, attemptTimeout time.Duration) *http.Client {
	var out http.Client
	if hc != nil {
		out = *hc
	} else {
		out.Transport = defaultTransport(settings)
	}
	if out.Timeout == 0 {
		out.Timeout = attemptTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// defaultTransport is the one transport definition of the package: a
// private pool (so that nothing else in the process can change it) that
// keeps enough idle connections for every concurrent Terraform operation,
// and goes through the proxy the environment names.
func defaultTransport(settings transportSettings) *http.Transport {
	t := cleanhttp.DefaultPooledTransport()
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	if settings.tls != nil {
		t.TLSClientConfig = settings.tls.Clone()
	}
	t.Proxy = proxyFromEnv(settings.proxyEnv)
	return t
}

// proxyFromEnv is http.ProxyFromEnvironment for the variables getenv reads
// (os.Getenv when nil). Unlike http.ProxyFromEnvironment, which reads the
// process environment once for the whole process, it reads them when the
// client is made, so that each client follows the environment it was given.
func proxyFromEnv(getenv func(string) string) func(*http.Request) (*url.URL, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	either := func(upper, lower string) string {
		if v := getenv(upper); v != "" {
			return v
		}
		return getenv(lower)
	}
	proxyFor := (&httpproxy.Config{
		HTTPProxy:  either("HTTP_PROXY", "http_proxy"),
		HTTPSProxy: either("HTTPS_PROXY", "https_proxy"),
		NoProxy:    either("NO_PROXY", "no_proxy"),
	}).ProxyFunc()
	return func(r *http.Request) (*url.URL, error) { return proxyFor(r.URL) }
}

func validateCredentials(c Credentials) error {
	hasKeys := c.AccessKey != "" || c.SecretKey != ""
	switch {
	case c.Token != "" && (hasKeys || c.SecurityToken != ""):
		return errors.New("ecsapi: set either a token or an access key and secret key, not both")
	case c.Token != "":
		if !isHeaderSafe(c.Token) {
			return errors.New("ecsapi: the token contains white space or control characters")
		}
		return nil
	case c.AccessKey == "" && c.SecretKey == "":
		if c.SecurityToken != "" {
			return errors.New("ecsapi: a security token needs the access key and secret key it was issued with")
		}
		return errors.New("ecsapi: no credentials: set an access key and secret key, or a token")
	case c.AccessKey == "":
		return errors.New("ecsapi: a secret key was given without an access key")
	case c.SecretKey == "":
		return errors.New("ecsapi: an access key was given without a secret key")
	}
	// The access key is placed verbatim in the Authorization header, so
	// separators would corrupt it.
	if !isHeaderSafe(c.AccessKey) || strings.ContainsAny(c.AccessKey, ",=;") {
		return errors.New("ecsapi: the access key contains characters that are not allowed")
	}
	if c.SecurityToken != "" && !isHeaderSafe(c.SecurityToken) {
		return errors.New("ecsapi: the security token contains white space or control characters")
	}
	return nil
}

// isHeaderSafe rejects values that cannot travel in an HTTP header intact.
func isHeaderSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return strings.TrimSpace(s) == s
}

// CheckServerID reports why id cannot be used as a server ID, or nil. It is
// the rule every operation applies before sending a request, exported so
// that callers can apply it when they validate configuration.
func CheckServerID(id string) error {
	return validateID("server ID", id)
}

// validateID accepts an ID only if it can be used as one path segment:
// anything that could change the path ("/", ".."), white space of any kind
// (the no-break space included), and invisible or control characters
// (NUL, zero-width and bidirectional controls) are refused before a request
// is made. The ID is quoted with escapes, so that the message shows exactly
// which character is wrong and cannot itself carry control characters.
func validateID(kind, id string) error {
	shown := quoteID(id)
	switch {
	case id == "":
		return fmt.Errorf("the %s must not be empty", kind)
	case len(id) > maxIDLength:
		return fmt.Errorf("the %s is longer than %d characters", kind, maxIDLength)
	case id == "." || id == "..":
		return fmt.Errorf("the %s %s is not a valid ID", kind, shown)
	case !utf8.ValidString(id):
		return fmt.Errorf("the %s %s is not valid UTF-8", kind, shown)
	}
	for _, r := range id {
		switch {
		case r == '/' || r == '\\':
			return fmt.Errorf("the %s %s must not contain %q", kind, shown, r)
		case unicode.IsSpace(r):
			return fmt.Errorf("the %s %s must not contain white space (%U)", kind, shown, r)
		case unicode.IsControl(r) || !unicode.IsPrint(r):
			return fmt.Errorf("the %s %s must not contain invisible or control characters (%U)", kind, shown, r)
		}
	}
	return nil
}

// quoteID quotes at most 80 bytes of an ID in ASCII, with Go escapes for
// everything else.
func quoteID(id string) string {
	if len(id) > 80 {
		cut := 80
		for cut > 0 && !utf8.RuneStart(id[cut]) {
			cut--
		}
		return strconv.QuoteToASCII(id[:cut]) + "..."
	}
	return strconv.QuoteToASCII(id)
}

// ProjectID returns the project ID in use, or "" before it is resolved.
func (c *Client) ProjectID() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.projectID
}

// ResolveProjectID looks up the project named after the region through IAM
// when no project ID was configured, and keeps it for later calls.
func (c *Client) ResolveProjectID(ctx context.Context) error {
	if c.ProjectID() != "" {
		return nil
	}
	if c.region == "" {
		return errors.New("ecsapi: cannot look up the project ID: no region is configured")
	}
	id, err := c.LookupProjectID(ctx, c.region)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.projectID == "" {
		c.projectID = id
	}
	return nil
}

// requireProjectID returns the project ID or a clear error when it has not
// been configured or resolved yet.
func (c *Client) requireProjectID() (string, error) {
	id := c.ProjectID()
	if id == "" {
		return "", errors.New("ecsapi: the project ID is not known: configure it or call ResolveProjectID first")
	}
	return id, nil
}

// endpointURL joins base with already validated path segments, escaping
// each one so that no segment can alter the path structure.
func endpointURL(base *url.URL, query url.Values, segments ...string) *url.URL {
	u := *base
	decoded := make([]string, 0, len(segments)+1)
	escaped := make([]string, 0, len(segments)+1)
	decoded = append(decoded, base.Path)
	escaped = append(escaped, base.EscapedPath())
	for _, s := range segments {
		decoded = append(decoded, s)
		escaped = append(escaped, url.PathEscape(s))
	}
	u.Path = strings.Join(decoded, "/")
	u.RawPath = strings.Join(escaped, "/")
	u.RawQuery = query.Encode()
	return &u
}

// send performs req and returns the response when its status is one of ok
// and its body is not an error document; anything else is an error. A call
// whose outcome the service may have applied without saying so is wrapped
// so that IsOutcomeUnknown recognises it.
func (c *Client) send(ctx context.Context, req *apiRequest, ok ...int) (*apiResponse, error) {
	r, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ok, r.status) {
		return nil, r.maybeUnknown(c.apiError(r))
	}
	if _, isError := errorInBody(r.header.Get("Content-Type"), r.body, r.truncated); isError {
		return nil, r.maybeUnknown(c.apiError(r))
	}
	return r, nil
}

// sendNoBody is send for operations whose success answer carries no
// document (reset, delete). A success status alone does not prove that the
// ECS API answered: a captive portal or a proxy's login page also answers
// 200, and taking it for success would record a password change that never
// happened. So the body must be empty or the empty object {}; error
// envelopes were already turned away by send, and anything else (null, an
// array, an unrelated object, HTML) is an error whose outcome is unknown.
func (c *Client) sendNoBody(ctx context.Context, req *apiRequest, ok ...int) error {
	r, err := c.send(ctx, req, ok...)
	if err != nil {
		return err
	}
	if err := c.checkNoBody(r); err != nil {
		r.uncertain = true
		return r.maybeUnknown(err)
	}
	return nil
}

// checkNoBody accepts an empty body or an empty JSON object and reports
// anything else as a response that did not come from the ECS API, with a
// short excerpt to recognise it by.
func (c *Client) checkNoBody(r *apiResponse) error {
	trimmed := bytes.TrimSpace(r.body)
	if !r.truncated && (len(trimmed) == 0 || isEmptyObject(trimmed)) {
		return nil
	}
	what := mediaType(r.header.Get("Content-Type"))
	if what == "" {
		what = "no content type"
	}
	// The request carried the new password; a page that echoes the
	// request must not carry it into the error.
	body := c.scrubbedBody(r)
	return c.responseError(r, fmt.Sprintf("unexpected response (%s, %d bytes where no body was expected), "+
		"not from the ECS API; check the endpoint and any proxy or firewall in between. The body starts with %s",
		sanitizeText(what, 64), len(r.body), excerpt(body)))
}

// isEmptyObject reports whether b is the JSON object {} (with any spacing).
func isEmptyObject(b []byte) bool {
	var m map[string]json.RawMessage
	return len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &m) == nil && len(m) == 0
}

// decodeJSON decodes a successful response into v with clear errors for
// the ways a proxy or a broken service can get it wrong.
func (c *Client) decodeJSON(r *apiResponse, v any) error {
	ct := r.header.Get("Content-Type")
	switch {
	case !isJSONMediaType(ct):
		return c.responseError(r, fmt.Sprintf("expected a JSON response but got content type %q (%d bytes)", sanitizeText(mediaType(ct), 64), len(r.body)))
	case r.truncated:
		return c.responseError(r, fmt.Sprintf("response body larger than %d bytes", maxResponseBody))
	case len(bytes.TrimSpace(r.body)) == 0:
		return c.responseError(r, "expected a JSON response but the body is empty")
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return c.responseError(r, fmt.Sprintf("malformed JSON response (%d bytes): %s", len(r.body), DescribeJSONError(err)))
	}
	return nil
}

// DescribeJSONError describes a JSON decoding error without quoting the
// document, which may hold secrets: where it broke or which field had the
// wrong type.
func DescribeJSONError(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Sprintf("field %s has the wrong type (want %s)", field, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return "undecodable JSON"
}
