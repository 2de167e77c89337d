package ecsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// API selects one of the two path families that expose password operations.
type API string

const (
	// APIV1 is Huawei's own API: /v1/{project_id}/cloudservers/...; it
	// honours enterprise-project grants.
	APIV1 API = "v1"
	// APIV21 is the v2.1 API: /v2.1/{project_id}/servers/..., which the API
	// reference calls the native OpenStack API; only IAM-project grants
	// authorise it.
	APIV21 API = "v2.1"
)

// Server is the part of a server's details relevant to password management.
type Server struct {
	ID, Name, Status string
	// Locked servers reject password operations.
	Locked bool
	// KeyName is empty for servers created with a password; only servers
	// created with a key pair have an encrypted password to fetch.
	KeyName string
	// OSType is metadata.os_type, "Linux" or "Windows".
	OSType string
	// EnterpriseProjectID is "0" for the default enterprise project and
	// may be empty on the v2.1 API.
	EnterpriseProjectID string
	// Tags are the server's tags; the API lists them as "key=value".
	Tags map[string]string
}

// serverSegments returns the path segments of a server under api, followed
// by suffix.
func (c *Client) serverSegments(api API, serverID string, suffix ...string) ([]string, error) {
	pid, err := c.requireProjectID()
	if err != nil {
		return nil, err
	}
	if err := validateID("server ID", serverID); err != nil {
		return nil, fmt.Errorf("ecsapi: %w", err)
	}
	var segs []string
	switch api {
	case APIV1:
		segs = []string{"v1", pid, "cloudservers", serverID}
	case APIV21:
		segs = []string{"v2.1", pid, "servers", serverID}
	default:
		return nil, fmt.Errorf("ecsapi: unknown API %q: use %q or %q", sanitizeText(string(api), 32), APIV1, APIV21)
	}
	return append(segs, suffix...), nil
}

// ecsRequest builds a request against the ECS endpoint.
func (c *Client) ecsRequest(method string, segments []string, body []byte, secrets ...string) *apiRequest {
	return &apiRequest{
		method:    method,
		url:       endpointURL(c.ecsBase, nil, segments...),
		body:      body,
		projectID: c.ProjectID(),
		secrets:   secrets,
		api:       apiOfSegments(segments),
	}
}

// apiOfSegments tells the API family from the first path segment.
func apiOfSegments(segments []string) API {
	if len(segments) > 0 && segments[0] == "v2.1" {
		return APIV21
	}
	return APIV1
}

type serverEnvelope struct {
	Server *serverBody `json:"server"`
}

type serverBody struct {
	ID                  string                     `json:"id"`
	Name                string                     `json:"name"`
	Status              string                     `json:"status"`
	Locked              flexBool                   `json:"locked"`
	KeyName             *string                    `json:"key_name"`
	Metadata            map[string]json.RawMessage `json:"metadata"`
	EnterpriseProjectID string                     `json:"enterprise_project_id"`
	// Tags is kept raw: the list of "key=value" strings is documented,
	// and a server whose tags come in another shape must still be
	// readable.
	Tags    json.RawMessage `json:"tags"`
	SysTags []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"sys_tags"`
}

// flexBool accepts JSON booleans and their string spellings ("true",
// "False"); null means false. The v2.1 API is not consistent about it.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch strings.ToLower(strings.Trim(string(data), `"`)) {
	case "true":
		*b = true
	case "false", "null", "":
		*b = false
	default:
		return &json.UnmarshalTypeError{Value: "non-boolean", Type: boolType}
	}
	return nil
}

// GetServer returns the details of a server through the chosen API family:
// GET /v1/{project_id}/cloudservers/{id} or /v2.1/{project_id}/servers/{id}.
func (c *Client) GetServer(ctx context.Context, api API, serverID string) (*Server, error) {
	segs, err := c.serverSegments(api, serverID)
	if err != nil {
		return nil, err
	}
	r, err := c.send(ctx, c.ecsRequest(http.MethodGet, segs, nil), http.StatusOK)
	if err != nil {
		return nil, err
	}
	var env serverEnvelope
	if err := c.decodeJSON(r, &env); err != nil {
		return nil, err
	}
	if env.Server == nil || env.Server.ID == "" {
		return nil, c.responseError(r, "response has no server object with an id")
	}
	s := env.Server
	if !strings.EqualFold(s.ID, serverID) {
		// An answer about another server (a proxy's cache, a broken
		// gateway) must not pass for this one.
		return nil, c.responseError(r, fmt.Sprintf("the response describes server %q, not the one requested", sanitizeText(s.ID, 80)))
	}
	out := serverFromBody(s)
	return &out, nil
}

// serverFromBody turns a server object of the API into a Server.
// Everything the server reports is untrusted text that may end up in a
// diagnostic, a log or the state: it is sanitised like error messages are.
func serverFromBody(s *serverBody) Server {
	out := Server{
		ID:                  s.ID,
		Name:                sanitizeText(s.Name, 255),
		Status:              sanitizeText(s.Status, 64),
		Locked:              bool(s.Locked),
		OSType:              sanitizeText(jsonScalar(s.Metadata["os_type"]), 64),
		EnterpriseProjectID: sanitizeText(s.EnterpriseProjectID, 64),
	}
	if s.KeyName != nil {
		out.KeyName = sanitizeText(*s.KeyName, 255)
	}
	if out.EnterpriseProjectID == "" {
		for _, t := range s.SysTags {
			if t.Key == "_sys_enterprise_project_id" {
				out.EnterpriseProjectID = sanitizeText(t.Value, 64)
				break
			}
		}
	}
	var tags []json.RawMessage
	_ = json.Unmarshal(s.Tags, &tags)
	for _, raw := range tags {
		tag := jsonScalar(raw)
		k, v, _ := strings.Cut(tag, "=")
		if k = sanitizeText(k, 128); k != "" {
			if out.Tags == nil {
				out.Tags = map[string]string{}
			}
			out.Tags[k] = sanitizeText(v, 255)
		}
	}
	return out
}
