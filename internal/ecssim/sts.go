package ecssim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

// Agency is an IAM agency (a role) that callers holding ActionAssumeAgency
// may assume through POST /v3.0/OS-CREDENTIAL/securitytokens, registered
// with AddAgency or POST /_sim/agencies. The temporary credentials it
// yields act in the simulator's project with Actions and, when set,
// EnterpriseProjectIDs, exactly as a principal with those fields would.
type Agency struct {
	// DomainName is the account (domain) that owns the agency; required.
	DomainName string `json:"domain_name"`
	// DomainID identifies the same account; when empty it is derived from
	// DomainName (see AddAgency), so that requests may name either.
	DomainID string `json:"domain_id"`
	// AgencyName is required; together with the domain it identifies the
	// agency, and registering the same pair again replaces it.
	AgencyName string `json:"agency_name"`
	// Actions and EnterpriseProjectIDs are the grant of the credentials,
	// with the meaning they have in Principal.
	Actions              []string `json:"actions"`
	EnterpriseProjectIDs []string `json:"enterprise_project_ids"`
}

// simDomainName is the domain name reported in token bodies when the login
// names none; agencies registered under it get the simulator's domain ID.
const simDomainName = "ecssim-domain"

// maxNameLen bounds domain and agency names, which IAM limits to 64
// characters; the simulator is more lenient but still bounded.
const maxNameLen = 255

func agencyKey(domainName, agencyName string) string { return domainName + "\x00" + agencyName }

// derivedDomainID is the domain ID of a domain registered without one: a
// stable function of the name, shaped like IAM's 32-hex-digit IDs.
func derivedDomainID(domainName string) string {
	if domainName == simDomainName {
		return simDomainID
	}
	sum := sha256.Sum256([]byte("ecssim-domain:" + domainName))
	return hex.EncodeToString(sum[:16])
}

func validateName(field, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%s is required", field)
	case len(v) > maxNameLen:
		return fmt.Errorf("%s must be at most %d bytes", field, maxNameLen)
	case strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return fmt.Errorf("%s must not contain control characters", field)
	}
	return nil
}

// AddAgency registers an agency, replacing one with the same domain and
// agency name, and returns it as stored (with its domain ID). A domain name
// keeps one domain ID: naming another ID for a domain that already has
// agencies, or an ID that another domain uses, is a conflict.
func (s *Simulator) AddAgency(a Agency) (Agency, error) {
	if err := validateName("domain_name", a.DomainName); err != nil {
		return a, err
	}
	if err := validateName("agency_name", a.AgencyName); err != nil {
		return a, err
	}
	if a.DomainID == "" {
		a.DomainID = derivedDomainID(a.DomainName)
	} else if err := validateName("domain_id", a.DomainID); err != nil {
		return a, err
	}
	for _, act := range a.Actions {
		if act == "" {
			return a, errors.New("actions must not contain empty strings")
		}
		if _, err := path.Match(act, ""); err != nil {
			return a, fmt.Errorf("action pattern %q is malformed", act)
		}
	}
	if slices.Contains(a.EnterpriseProjectIDs, "") {
		return a, errors.New("enterprise_project_ids must not contain empty strings")
	}
	a.Actions = append([]string{}, a.Actions...)
	a.EnterpriseProjectIDs = append([]string{}, a.EnterpriseProjectIDs...)

	s.mu.Lock()
	defer s.mu.Unlock()
	key := agencyKey(a.DomainName, a.AgencyName)
	for k, other := range s.agencies {
		if k == key {
			continue
		}
		if other.DomainName == a.DomainName && other.DomainID != a.DomainID {
			return a, &conflictError{fmt.Sprintf("domain %q already has the domain_id %q", a.DomainName, other.DomainID)}
		}
		if other.DomainID == a.DomainID && other.DomainName != a.DomainName {
			return a, &conflictError{fmt.Sprintf("domain_id %q already belongs to the domain %q", a.DomainID, other.DomainName)}
		}
	}
	s.agencies[key] = a
	return cloneAgency(a), nil
}

func cloneAgency(a Agency) Agency {
	a.Actions = append([]string{}, a.Actions...)
	a.EnterpriseProjectIDs = append([]string{}, a.EnterpriseProjectIDs...)
	return a
}

// Agencies returns the registered agencies sorted by domain name, then
// agency name.
func (s *Simulator) Agencies() []Agency {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Agency, 0, len(s.agencies))
	for _, a := range s.agencies {
		out = append(out, cloneAgency(a))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DomainName != out[j].DomainName {
			return out[i].DomainName < out[j].DomainName
		}
		return out[i].AgencyName < out[j].AgencyName
	})
	return out
}

// ClearAgencies removes every agency. Credentials already issued for them
// keep working until they expire, as they would after an agency is deleted
// in IAM.
func (s *Simulator) ClearAgencies() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.agencies)
}

// findAgencyLocked looks an agency up by name within a domain given by
// name or ID.
func (s *Simulator) findAgencyLocked(agencyName, domainName, domainID string) (Agency, bool) {
	if domainName != "" {
		a, ok := s.agencies[agencyKey(domainName, agencyName)]
		if ok && (domainID == "" || a.DomainID == domainID) {
			return a, true
		}
		return Agency{}, false
	}
	for _, a := range s.agencies {
		if a.AgencyName == agencyName && a.DomainID == domainID {
			return a, true
		}
	}
	return Agency{}, false
}

// Temporary credentials the simulator issues: shapes imitate IAM's (20
// upper-case alphanumerics for the access key, 40 for the secret, a long
// opaque security token), which clients must treat as opaque anyway.
const (
	tempAKLen      = 20
	tempSKLen      = 40
	tempTokenBytes = 96
	// issuedRetention is how long expired issued credentials are kept, so
	// that a client using them meets "token expires" rather than "ak not
	// exist"; after that they are dropped to bound memory.
	issuedRetention = 24 * time.Hour
	// maxIssued bounds the issued credentials kept at once; beyond it the
	// oldest are dropped, even unexpired ones, so that a client fetching
	// credentials in a loop cannot exhaust memory.
	maxIssued = 100000
)

func randomAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails.
	for i := range b {
		// 256 is not a multiple of 36, so this is slightly biased; the
		// values only need to be unique and opaque, not uniform.
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// credentialBody is the "credential" object of the assume-role and
// metadata answers.
type credentialBody struct {
	Access        string `json:"access"`
	Secret        string `json:"secret"`
	SecurityToken string `json:"securitytoken"`
	ExpiresAt     string `json:"expires_at"`
}

type credentialResponse struct {
	Credential credentialBody `json:"credential"`
}

// issueTemporary registers fresh temporary credentials acting in the
// simulator's project with actions and eps until now+lifetime, and returns
// them in the answer's shape.
func (s *Simulator) issueTemporary(actions, eps []string, lifetime time.Duration, source, agency string) credentialResponse {
	var tok [tempTokenBytes]byte
	_, _ = rand.Read(tok[:]) // crypto/rand.Read never fails.
	p := Principal{
		SecretKey:            randomAlnum(tempSKLen),
		SecurityToken:        base64.RawURLEncoding.EncodeToString(tok[:]),
		ProjectID:            s.cfg.ProjectID,
		Actions:              append([]string{}, actions...),
		EnterpriseProjectIDs: append([]string{}, eps...),
		source:               source,
		agency:               agency,
	}
	now := s.now()
	p.ExpiresAt = now.Add(lifetime).Round(0)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneIssuedLocked(now)
	for {
		p.AccessKey = randomAlnum(tempAKLen)
		if _, taken := s.principals[p.AccessKey]; !taken {
			break
		}
	}
	s.principals[p.AccessKey] = p
	s.issued = append(s.issued, p.AccessKey)
	return credentialResponse{Credential: credentialBody{
		Access:        p.AccessKey,
		Secret:        p.SecretKey,
		SecurityToken: p.SecurityToken,
		ExpiresAt:     p.ExpiresAt.UTC().Format(iamTimeLayout),
	}}
}

// pruneIssuedLocked drops issued credentials from the oldest on while they
// expired more than issuedRetention ago, and beyond maxIssued. Lifetimes
// differ, so a long-lived credential at the front may hold back shorter
// ones behind it; maxIssued still bounds them.
func (s *Simulator) pruneIssuedLocked(now time.Time) {
	n := 0
	for n < len(s.issued) {
		ak := s.issued[n]
		p, ok := s.principals[ak]
		// A principal registered later under the same access key through
		// AddPrincipal is not the simulator's to drop.
		mine := ok && (p.source == SourceAssumeRole || p.source == SourceMetadata)
		if mine && len(s.issued)-n < maxIssued && now.Sub(p.ExpiresAt) < issuedRetention {
			break
		}
		if mine {
			delete(s.principals, ak)
		}
		n++
	}
	s.issued = append(s.issued[:0], s.issued[n:]...)
}

// assumeRoleRequest is the part of the POST
// /v3.0/OS-CREDENTIAL/securitytokens body the simulator reads.
type assumeRoleRequest struct {
	Auth *struct {
		Identity *struct {
			Methods    []string          `json:"methods"`
			AssumeRole *assumeRoleParams `json:"assume_role"`
		} `json:"identity"`
	} `json:"auth"`
}

// assumeRoleParams is auth.identity.assume_role of a security token
// request.
type assumeRoleParams struct {
	AgencyName      string `json:"agency_name"`
	DomainName      string `json:"domain_name"`
	DomainID        string `json:"domain_id"`
	DurationSeconds *int64 `json:"duration_seconds"`
}

// handleAssumeRole is POST /v3.0/OS-CREDENTIAL/securitytokens with the
// assume_role method (contract §2.9): temporary credentials of an agency
// for a caller holding ActionAssumeAgency. Errors use the IAM body of
// iamError400 and friends.
func (s *Simulator) handleAssumeRole(c *call) {
	ar, duration, e := parseAssumeRole(c.body)
	if e != nil {
		c.fail(*e)
		return
	}
	if !c.id.holds(ActionAssumeAgency) {
		c.fail(apiError{status: http.StatusForbidden,
			msg: fmt.Sprintf("Policy doesn't allow %s to be performed.", ActionAssumeAgency)})
		return
	}
	s.mu.Lock()
	agency, ok := s.findAgencyLocked(ar.AgencyName, ar.DomainName, ar.DomainID)
	s.mu.Unlock()
	if !ok {
		domain := ar.DomainName
		if domain == "" {
			domain = ar.DomainID
		}
		c.fail(apiError{status: http.StatusNotFound,
			msg: fmt.Sprintf("The agency %q of the domain %q could not be found.", ar.AgencyName, domain)})
		return
	}
	out := s.issueTemporary(agency.Actions, agency.EnterpriseProjectIDs, duration,
		SourceAssumeRole, agency.DomainName+"/"+agency.AgencyName)
	writeJSON(c.w, http.StatusCreated, out)
}

// parseAssumeRole reads and checks the body of an assume_role request and
// returns its parameters and the lifetime asked for.
func parseAssumeRole(body []byte) (*assumeRoleParams, time.Duration, *apiError) {
	fail := func(msg string) (*assumeRoleParams, time.Duration, *apiError) {
		e := iamError400(msg)
		return nil, 0, &e
	}
	if len(body) == 0 {
		return fail("The request body is empty.")
	}
	var req assumeRoleRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return fail(fmt.Sprintf("%s has the wrong type: %s is not allowed there.", typeErr.Field, typeErr.Value))
		}
		return fail("The request body is not valid JSON for a security token request.")
	}
	if req.Auth == nil || req.Auth.Identity == nil {
		return fail("auth.identity is required.")
	}
	ident := req.Auth.Identity
	if !slices.Contains(ident.Methods, "assume_role") || ident.AssumeRole == nil {
		return fail(`auth.identity must use the "assume_role" method with auth.identity.assume_role; the simulator issues no other temporary credentials.`)
	}
	ar := ident.AssumeRole
	if ar.AgencyName == "" {
		return fail("auth.identity.assume_role.agency_name is required.")
	}
	if ar.DomainName == "" && ar.DomainID == "" {
		return fail("auth.identity.assume_role needs domain_name or domain_id.")
	}
	duration, ok := assumeRoleDuration(ar.DurationSeconds)
	if !ok {
		return fail(fmt.Sprintf("auth.identity.assume_role.duration_seconds must be between %d and %d.",
			int64(MinAssumeRoleDuration/time.Second), int64(MaxAssumeRoleDuration/time.Second)))
	}
	return ar, duration, nil
}

// assumeRoleDuration returns the lifetime duration_seconds asks for, the
// default when it is absent; false when it is out of range.
func assumeRoleDuration(secs *int64) (time.Duration, bool) {
	if secs == nil {
		return DefaultAssumeRoleDuration, true
	}
	if *secs < int64(MinAssumeRoleDuration/time.Second) || *secs > int64(MaxAssumeRoleDuration/time.Second) {
		return 0, false
	}
	return time.Duration(*secs) * time.Second, true
}
