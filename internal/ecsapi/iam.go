package ecsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
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
