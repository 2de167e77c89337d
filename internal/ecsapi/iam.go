package ecsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// LookupProjectID returns the ID of the IAM project with the given name
// (GET {iam}/v3/projects?name=...). On Huawei Cloud the project of a region
// is named after the region.
func (c *Client) LookupProjectID(ctx context.Context, name string) (string, error) {
	if c.iamBase == nil {
		return "", errors.New("ecsapi: cannot look up the project ID: no IAM endpoint is configured")
	}
	if strings.TrimSpace(name) == "" {
		return "", errors.New("ecsapi: the project name to look up must not be empty")
	}
	req := &apiRequest{
		method: http.MethodGet,
		url:    endpointURL(c.iamBase, url.Values{"name": {name}}, "v3", "projects"),
	}
	r, err := c.send(ctx, req, http.StatusOK)
	if err != nil {
		return "", err
	}
	var body struct {
		Projects []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Enabled *bool  `json:"enabled"`
		} `json:"projects"`
	}
	if err := c.decodeJSON(r, &body); err != nil {
		return "", err
	}
	// The name filter is applied by IAM, but only an exact match is
	// trusted in case a service treats it as a prefix.
	var ids []string
	for _, p := range body.Projects {
		if p.Name == name && p.ID != "" && (p.Enabled == nil || *p.Enabled) {
			ids = append(ids, p.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("ecsapi: no enabled IAM project named %q is visible to these credentials (request ID %s)", sanitizeText(name, 64), orUnknown(r.requestID))
	case 1:
		if err := validateID("project ID", ids[0]); err != nil {
			return "", c.responseError(r, "IAM returned an unusable project ID: "+err.Error())
		}
		return ids[0], nil
	}
	return "", fmt.Errorf("ecsapi: %d IAM projects are named %q; configure the project ID explicitly", len(ids), sanitizeText(name, 64))
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// TokenRequest is a password login for a project-scoped IAM token
// (contract §2.3): the user (by name, in the domain of that name) and the
// project the token is for (by ID, or by name, which on Huawei Cloud is
// the region's name).
type TokenRequest struct {
	UserName, Password, DomainName string
	ProjectID, ProjectName         string
}

// IssuedToken is an IAM token and what IAM said about it.
type IssuedToken struct {
	Token     string
	ExpiresAt time.Time
	// ProjectID is the project the token is scoped to.
	ProjectID string
}

// loginBody is the password login of contract §2.3, scoped to the project
// by ID when known, else by name.
func loginBody(tr TokenRequest) ([]byte, error) {
	type nameID struct {
		Name string `json:"name,omitempty"`
		ID   string `json:"id,omitempty"`
	}
	var body struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name     string `json:"name"`
						Password string `json:"password"`
						Domain   nameID `json:"domain"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
			Scope struct {
				Project nameID `json:"project"`
			} `json:"scope"`
		} `json:"auth"`
	}
	id := &body.Auth.Identity
	id.Methods = []string{"password"}
	id.Password.User.Name = tr.UserName
	id.Password.User.Password = tr.Password
	id.Password.User.Domain.Name = tr.DomainName
	if tr.ProjectID != "" {
		body.Auth.Scope.Project.ID = tr.ProjectID
	} else {
		body.Auth.Scope.Project.Name = tr.ProjectName
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("ecsapi: encoding the login request: %w", err)
	}
	return raw, nil
}

// IssueToken logs in with a user name and password
// (POST {iam}/v3/auth/tokens) and returns a project-scoped token. The
// request carries no credentials; the password and the token never appear
// in its errors.
func (c *Client) IssueToken(ctx context.Context, tr TokenRequest) (IssuedToken, error) {
	if c.iamBase == nil {
		return IssuedToken{}, errors.New("ecsapi: cannot log in: no IAM endpoint is configured")
	}
	raw, err := loginBody(tr)
	if err != nil {
		return IssuedToken{}, err
	}
	req := &apiRequest{
		method:    http.MethodPost,
		url:       endpointURL(c.iamBase, url.Values{"nocatalog": {"true"}}, "v3", "auth", "tokens"),
		body:      raw,
		secrets:   []string{tr.Password},
		anonymous: true,
	}
	r, err := c.send(ctx, req, http.StatusCreated)
	if err != nil {
		return IssuedToken{}, err
	}
	token := r.header.Get("X-Subject-Token")
	r.secrets = append(r.secrets, token)
	if token == "" || !isHeaderSafe(token) {
		return IssuedToken{}, c.responseError(r, "IAM issued no usable token (the X-Subject-Token header is missing or malformed)")
	}
	var doc struct {
		Token struct {
			ExpiresAt string `json:"expires_at"`
			Project   struct {
				ID string `json:"id"`
			} `json:"project"`
		} `json:"token"`
	}
	if err := c.decodeJSON(r, &doc); err != nil {
		return IssuedToken{}, err
	}
	expires, err := parseExpiry(doc.Token.ExpiresAt)
	if err != nil {
		return IssuedToken{}, c.responseError(r, "IAM issued a token with "+err.Error())
	}
	return IssuedToken{Token: token, ExpiresAt: expires, ProjectID: doc.Token.Project.ID}, nil
}

// AgencyRequest asks for temporary credentials of an agency (contract §2.9):
// the agency's name and the account (domain) that created it, by name or
// ID, and how long the credentials should last (zero: IAM's default).
type AgencyRequest struct {
	AgencyName           string
	DomainName, DomainID string
	Duration             time.Duration
}

// TemporaryCredentials are temporary access keys and when they expire.
type TemporaryCredentials struct {
	Credentials
	ExpiresAt time.Time
}

// AssumeAgency obtains temporary credentials of an agency
// (POST {iam}/v3.0/OS-CREDENTIAL/securitytokens, the assume_role method),
// authenticated with the client's credentials. The credentials it returns
// never appear in its errors.
func (c *Client) AssumeAgency(ctx context.Context, ar AgencyRequest) (TemporaryCredentials, error) {
	if c.iamBase == nil {
		return TemporaryCredentials{}, errors.New("ecsapi: cannot assume an agency: no IAM endpoint is configured")
	}
	type assumeRole struct {
		AgencyName      string `json:"agency_name"`
		DomainName      string `json:"domain_name,omitempty"`
		DomainID        string `json:"domain_id,omitempty"`
		DurationSeconds int64  `json:"duration_seconds,omitempty"`
	}
	var body struct {
		Auth struct {
			Identity struct {
				Methods    []string   `json:"methods"`
				AssumeRole assumeRole `json:"assume_role"`
			} `json:"identity"`
		} `json:"auth"`
	}
	body.Auth.Identity.Methods = []string{"assume_role"}
	body.Auth.Identity.AssumeRole = assumeRole{
		AgencyName:      ar.AgencyName,
		DomainName:      ar.DomainName,
		DomainID:        ar.DomainID,
		DurationSeconds: int64(ar.Duration / time.Second),
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return TemporaryCredentials{}, fmt.Errorf("ecsapi: encoding the agency request: %w", err)
	}
	req := &apiRequest{
		method: http.MethodPost,
		url:    endpointURL(c.iamBase, nil, "v3.0", "OS-CREDENTIAL", "securitytokens"),
		body:   raw,
	}
	r, err := c.send(ctx, req, http.StatusCreated)
	if err != nil {
		return TemporaryCredentials{}, err
	}
	return c.decodeTemporaryCredentials(r, "IAM")
}

// decodeTemporaryCredentials reads the {"credential":{...}} document that
// both IAM and the instance metadata service answer with. from names the
// service in messages.
func (c *Client) decodeTemporaryCredentials(r *apiResponse, from string) (TemporaryCredentials, error) {
	var doc struct {
		Credential struct {
			Access        string `json:"access"`
			Secret        string `json:"secret"`
			SecurityToken string `json:"securitytoken"`
			ExpiresAt     string `json:"expires_at"`
		} `json:"credential"`
	}
	if err := c.decodeJSON(r, &doc); err != nil {
		return TemporaryCredentials{}, err
	}
	cred := doc.Credential
	r.secrets = append(r.secrets, cred.Secret, cred.SecurityToken)
	out := TemporaryCredentials{Credentials: Credentials{
		AccessKey: cred.Access, SecretKey: cred.Secret, SecurityToken: cred.SecurityToken,
	}}
	if cred.Access == "" || cred.Secret == "" || cred.SecurityToken == "" {
		return TemporaryCredentials{}, c.responseError(r, from+" answered without temporary credentials (credential.access, secret and securitytoken are required)")
	}
	if err := validateCredentials(out.Credentials); err != nil {
		return TemporaryCredentials{}, c.responseError(r, from+" answered with unusable temporary credentials: "+strings.TrimPrefix(err.Error(), "ecsapi: "))
	}
	expires, err := parseExpiry(cred.ExpiresAt)
	if err != nil {
		return TemporaryCredentials{}, c.responseError(r, from+" answered with temporary credentials whose "+err.Error())
	}
	out.ExpiresAt = expires
	return out, nil
}

// parseExpiry reads an expires_at timestamp (RFC 3339, with or without
// fractional seconds).
func parseExpiry(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("expires_at is missing")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expires_at %q is not an RFC 3339 time", sanitizeText(s, 40))
	}
	return t, nil
}
