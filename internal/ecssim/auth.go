package ecssim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

// IAM actions checked by the simulated operations (contract §1). Principals
// may also hold wildcard patterns such as "ecs:*:*" or "ecs:cloudServers:*".
const (
	ActionResetServerPwd        = "ecs:cloudServers:resetServerPwd"
	ActionGetServer             = "ecs:cloudServers:get"
	ActionShowResetPasswordFlag = "ecs:cloudServers:showResetPasswordFlag"
	ActionShowServerPassword    = "ecs:cloudServers:showServerPassword"
	ActionDeletePassword        = "ecs:cloudServers:deletePassword"
	ActionManageServerPasswords = "ecs:serverPasswords:manage"
	// ActionListServers and ActionListServersDetails both allow listing
	// servers (contract §8d): the current tables name the second and keep
	// the first as its alias.
	ActionListServers        = "ecs:cloudServers:list"
	ActionListServersDetails = "ecs:cloudServers:listServersDetails"
	// The batch actions of contract §8c, which restart, start or stop
	// servers so that a reset takes effect.
	ActionRebootServers = "ecs:cloudServers:reboot"
	ActionStartServers  = "ecs:cloudServers:start"
	ActionStopServers   = "ecs:cloudServers:stop"
	// ActionAssumeAgency allows a caller to obtain temporary credentials
	// for an agency through POST /v3.0/OS-CREDENTIAL/securitytokens. The
	// default principal and the IAM user hold it; other principals need it
	// in their actions (or a pattern such as "iam:*:*").
	ActionAssumeAgency = "iam:agencies:assume"
)

// Values of ResetRecord.Source: how the caller authenticated.
const (
	// SourceAKSK is a permanent access key (the default principal, or one
	// registered without a security token).
	SourceAKSK = "aksk"
	// SourceTemporary is temporary credentials registered through
	// AddPrincipal or POST /_sim/principals with a security token.
	SourceTemporary = "temporary"
	// SourceAssumeRole is temporary credentials of an agency, issued by
	// POST /v3.0/OS-CREDENTIAL/securitytokens.
	SourceAssumeRole = "assume_role"
	// SourceMetadata is temporary credentials issued by the instance
	// metadata endpoint GET /openstack/latest/securitykey.
	SourceMetadata = "metadata"
	// SourceToken is an IAM token from POST /v3/auth/tokens.
	SourceToken = "token"
)

// allActions is granted to the default principal and the IAM user, with
// ActionAssumeAgency.
const allActions = "ecs:*:*"

// defaultActions are the actions of the default principal and the IAM user.
func defaultActions() []string { return []string{allActions, ActionAssumeAgency} }

const (
	signAlgorithm  = "SDK-HMAC-SHA256"
	sdkDateLayout  = "20060102T150405Z"
	maxClockSkew   = 15 * time.Minute
	headerSdkDate  = "X-Sdk-Date"
	headerSdkHash  = "X-Sdk-Content-Sha256"
	headerSecToken = "X-Security-Token"
	headerToken    = "X-Auth-Token"
)

// Principal is an AK/SK credential and what it may do.
type Principal struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	// SecurityToken marks temporary credentials: requests must then carry it
	// in X-Security-Token (signed or not).
	SecurityToken string `json:"security_token,omitempty"`
	// ProjectID is the only project the credential may address; empty means
	// the simulator's project.
	ProjectID string `json:"project_id"`
	// Actions are IAM actions or wildcard patterns ("ecs:*:*").
	Actions []string `json:"actions"`
	// EnterpriseProjectIDs, when non-empty, turns the grant into an
	// enterprise-project grant: it covers only servers in those enterprise
	// projects and has no effect on the native (v2/v2.1) operations.
	EnterpriseProjectIDs []string `json:"enterprise_project_ids"`
	// ExpiresAt, when set, is when the credential stops working on the
	// simulator's clock: from then on requests signed with it get 401
	// "token expires", as temporary credentials do after their expires_at.
	ExpiresAt time.Time `json:"expires_at,omitzero"`

	// source and agency say where the simulator got the principal from
	// (one of the Source constants; "" for AddPrincipal, which derives it
	// from SecurityToken) and, for assumed agencies, "domain/agency".
	source string
	agency string
}

// credentialSource is the Source constant of p.
func (p Principal) credentialSource() string {
	switch {
	case p.source != "":
		return p.source
	case p.SecurityToken != "":
		return SourceTemporary
	default:
		return SourceAKSK
	}
}

// principalView is how the control API echoes a principal: without secrets.
type principalView struct {
	AccessKey            string    `json:"access_key"`
	ProjectID            string    `json:"project_id"`
	Actions              []string  `json:"actions"`
	EnterpriseProjectIDs []string  `json:"enterprise_project_ids"`
	Temporary            bool      `json:"temporary"`
	ExpiresAt            time.Time `json:"expires_at,omitzero"`
}

func (p Principal) view() principalView {
	return principalView{
		AccessKey:            p.AccessKey,
		ProjectID:            p.ProjectID,
		Actions:              append([]string{}, p.Actions...),
		EnterpriseProjectIDs: append([]string{}, p.EnterpriseProjectIDs...),
		Temporary:            p.SecurityToken != "",
		ExpiresAt:            p.ExpiresAt,
	}
}

// AddPrincipal registers an AK/SK credential, replacing any principal with
// the same access key (so a test can change permissions mid-run).
func (s *Simulator) AddPrincipal(p Principal) error {
	_, err := s.addPrincipal(p)
	return err
}

// addPrincipal registers p and returns it as stored.
func (s *Simulator) addPrincipal(p Principal) (Principal, error) {
	p, err := s.normalizePrincipal(p)
	if err != nil {
		return p, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.principals[p.AccessKey] = p
	return p, nil
}

func (s *Simulator) normalizePrincipal(p Principal) (Principal, error) {
	if p.AccessKey == "" {
		return p, errors.New("access_key is required")
	}
	if strings.ContainsAny(p.AccessKey, " ,=\t\r\n") {
		return p, errors.New("access_key must not contain spaces, commas or '='")
	}
	if p.SecretKey == "" {
		return p, errors.New("secret_key is required")
	}
	if p.ProjectID == "" {
		p.ProjectID = s.cfg.ProjectID
	}
	for _, a := range p.Actions {
		if a == "" {
			return p, errors.New("actions must not contain empty strings")
		}
		if _, err := path.Match(a, ""); err != nil {
			return p, fmt.Errorf("action pattern %q is malformed", a)
		}
	}
	for _, ep := range p.EnterpriseProjectIDs {
		if ep == "" {
			return p, errors.New("enterprise_project_ids must not contain empty strings")
		}
	}
	p.Actions = append([]string{}, p.Actions...)
	p.EnterpriseProjectIDs = append([]string{}, p.EnterpriseProjectIDs...)
	// Monotonic clock readings would make the comparison with the
	// simulator's clock (which may be offset) depend on how the time was
	// obtained; the wall clock is what the caller means.
	p.ExpiresAt = p.ExpiresAt.Round(0)
	return p, nil
}

// identity is the authenticated caller of one request.
type identity struct {
	accessKey string // empty for token callers
	user      string // IAM user name for token callers
	projectID string
	actions   []string
	eps       []string // non-empty: enterprise-project-only grant
	source    string   // one of the Source constants
	agency    string   // "domain/agency" for assumed agencies
}

// credentialID names the credential in reset records: the access key, or
// "token:<user>" for token callers, so that tests can tell the sources
// apart.
func (id *identity) credentialID() string {
	if id.accessKey != "" {
		return id.accessKey
	}
	return "token:" + id.user
}

// rateKey identifies the credential for rate limiting.
func (id *identity) rateKey() string {
	if id.accessKey != "" {
		return "ak:" + id.accessKey
	}
	return "user:" + id.user
}

func (id *identity) holds(action string) bool {
	for _, pattern := range id.actions {
		if ok, _ := path.Match(pattern, action); ok {
			return true
		}
	}
	return false
}

func (id *identity) holdsAny(actions []string) bool {
	return slices.ContainsFunc(actions, id.holds)
}

// mayAttempt reports whether the caller could be allowed the operation on
// some server: used before the server is looked up. Operations that ignore
// enterprise projects (honourEP false) need a project-wide grant.
func (id *identity) mayAttempt(actions []string, honourEP bool) bool {
	if !id.holdsAny(actions) {
		return false
	}
	return len(id.eps) == 0 || honourEP
}

// allowedOn reports whether the caller may perform the operation on a server
// in enterprise project ep.
func (id *identity) allowedOn(actions []string, ep string, honourEP bool) bool {
	if !id.mayAttempt(actions, honourEP) {
		return false
	}
	return len(id.eps) == 0 || slices.Contains(id.eps, ep)
}

// tokenRecord is an IAM token issued by POST /v3/auth/tokens.
type tokenRecord struct {
	user      string
	projectID string
	issued    time.Time
	expires   time.Time
}

// Messages of APIGW.0301 authentication failures; each is appended to
// "Incorrect IAM authentication information: ".
const (
	authNoCredentials    = "x-auth-token not found"
	authBadSignature     = "verify aksk signature fail"
	authUnknownAK        = "Get secretKey failed, ak not exist"
	authSignatureExpired = "signature expired"
	authTokenExpired     = "token expires"
	authBadToken         = "decrypt token fail"
)

// authResult is the outcome of authenticating one request.
type authResult struct {
	id *identity
	// failure is one of the auth* messages when id is nil.
	failure string
}

// claimedAccessKey is the access key an AK/SK request names, whether or not
// it is valid; "" for other requests.
func claimedAccessKey(r *http.Request) string {
	if r.Header.Get(headerToken) != "" {
		return ""
	}
	p, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		return ""
	}
	return p.accessKey
}

// authenticate checks the X-Auth-Token or the AK/SK signature of r, whose
// body has already been read into body.
func (s *Simulator) authenticate(r *http.Request, body []byte) authResult {
	if tok := r.Header.Get(headerToken); tok != "" {
		return s.authenticateToken(tok)
	}
	if authz := r.Header.Get("Authorization"); authz != "" {
		return s.authenticateSignature(r, authz, body)
	}
	return authResult{failure: authNoCredentials}
}

func (s *Simulator) authenticateToken(tok string) authResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.tokens[tok]
	if !ok {
		return authResult{failure: authBadToken}
	}
	if !s.now().Before(rec.expires) {
		delete(s.tokens, tok)
		return authResult{failure: authTokenExpired}
	}
	return authResult{id: &identity{
		user:      rec.user,
		projectID: rec.projectID,
		actions:   defaultActions(),
		source:    SourceToken,
	}}
}

// issueToken creates a project-scoped token for the IAM user.
func (s *Simulator) issueToken(user, projectID string) (string, tokenRecord) {
	var b [48]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	// Real IAM tokens are long opaque strings starting with "MII"; clients
	// must treat them as opaque, so only the shape is imitated.
	tok := "MII" + base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := tokenRecord{user: user, projectID: projectID, issued: now, expires: now.Add(s.tokenLifetime)}
	s.tokens[tok] = rec
	return tok, rec
}

// sigParams are the fields of an SDK-HMAC-SHA256 Authorization header.
type sigParams struct {
	accessKey     string
	signedHeaders []string
	signature     string
}

// parseAuthorization splits an Authorization header of the form
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(v string) (sigParams, bool) {
	var p sigParams
	rest, ok := strings.CutPrefix(v, signAlgorithm+" ")
	if !ok {
		return p, false
	}
	seen := map[string]bool{}
	for field := range strings.SplitSeq(rest, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok || seen[key] {
			return p, false
		}
		seen[key] = true
		switch key {
		case "Access":
			p.accessKey = val
		case "SignedHeaders":
			for h := range strings.SplitSeq(val, ";") {
				if h == "" {
					return p, false
				}
				p.signedHeaders = append(p.signedHeaders, strings.ToLower(h))
			}
		case "Signature":
			p.signature = val
		default:
			return p, false
		}
	}
	if p.accessKey == "" || len(p.signedHeaders) == 0 || p.signature == "" {
		return p, false
	}
	return p, true
}

// authenticateSignature checks the SDK-HMAC-SHA256 signature of r, given
// its Authorization header and body.
func (s *Simulator) authenticateSignature(r *http.Request, authz string, body []byte) authResult {
	params, ok := parseAuthorization(authz)
	if !ok || !slices.Contains(params.signedHeaders, "x-sdk-date") {
		return authResult{failure: authBadSignature}
	}
	dateValue := r.Header.Get(headerSdkDate)
	signedAt, err := time.Parse(sdkDateLayout, dateValue)
	if err != nil {
		return authResult{failure: authBadSignature}
	}

	s.mu.Lock()
	p, known := s.principals[params.accessKey]
	s.mu.Unlock()
	if !known {
		return authResult{failure: authUnknownAK}
	}
	if failure := s.checkSignatureTime(p, signedAt); failure != "" {
		return authResult{failure: failure}
	}
	if !signatureMatches(r, body, params, p, dateValue) {
		return authResult{failure: authBadSignature}
	}
	return authResult{id: &identity{
		accessKey: p.AccessKey,
		projectID: p.ProjectID,
		actions:   p.Actions,
		eps:       p.EnterpriseProjectIDs,
		source:    p.credentialSource(),
		agency:    p.agency,
	}}
}

// checkSignatureTime returns the failure of a request signed at signedAt
// with p's credentials when they have expired or the signature is too far
// from the simulator's clock, and "" otherwise.
func (s *Simulator) checkSignatureTime(p Principal, signedAt time.Time) string {
	// Expiry is checked before the clock skew, so that a test which moves
	// the simulator's clock past expires_at sees the expiry even when its
	// client's clock stayed behind.
	if !p.ExpiresAt.IsZero() && !s.now().Before(p.ExpiresAt) {
		return authTokenExpired
	}
	if skew := s.now().Sub(signedAt); skew > maxClockSkew || skew < -maxClockSkew {
		return authSignatureExpired
	}
	return ""
}

// signatureMatches reports whether params carries p's signature of r and
// body made at dateValue, and r the security token of p's temporary
// credentials, if any.
func signatureMatches(r *http.Request, body []byte, params sigParams, p Principal, dateValue string) bool {
	payloadHash := r.Header.Get(headerSdkHash)
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	canonical := canonicalRequest(r, params.signedHeaders, payloadHash)
	want := signString(p.SecretKey, dateValue, canonical)
	if !hmac.Equal([]byte(want), []byte(params.signature)) {
		return false
	}
	return p.SecurityToken == "" ||
		subtle.ConstantTimeCompare([]byte(p.SecurityToken), []byte(r.Header.Get(headerSecToken))) == 1
}

// signString returns the lower-case hex HMAC-SHA256, keyed with the raw secret
// key, of the string to sign built from the date and canonical request.
func signString(secretKey, date, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	sts := signAlgorithm + "\n" + date + "\n" + hex.EncodeToString(sum[:])
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(sts))
	return hex.EncodeToString(mac.Sum(nil))
}

// canonicalRequest rebuilds the canonical request of contract §2.4 from what
// the server received.
func canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		var values []string
		if name == "host" {
			values = []string{r.Host}
		} else {
			values = append(values, r.Header.Values(name)...)
			sort.Strings(values)
		}
		if len(values) == 0 {
			values = []string{""}
		}
		for _, v := range values {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI escapes every decoded path segment and ends the path with "/".
// Segments are split on the escaped path so that an encoded "/" (%2F) stays
// inside its segment, as it was when the client signed it.
func canonicalURI(u *url.URL) string {
	segs := strings.Split(u.EscapedPath(), "/")
	for i, seg := range segs {
		if dec, err := url.PathUnescape(seg); err == nil {
			seg = dec
		}
		segs[i] = signEscape(seg)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// canonicalQuery sorts the query by key, then by value within a key.
func canonicalQuery(u *url.URL) string {
	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string{}, q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, signEscape(k)+"="+signEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// signEscape percent-encodes every byte outside A-Z a-z 0-9 - _ . ~ with
// upper-case hex digits.
func signEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
