package ecsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DefaultListPageSize is how many servers ListServers asks for per page.
// Larger pages cost fewer calls; the service caps the size anyway.
const DefaultListPageSize = 1000

// maxListPages stops a listing whose pages never end (a service that
// ignores the marker would otherwise be paged forever).
const maxListPages = 10000

// ListServersOptions filters a server listing. Empty fields do not filter.
type ListServersOptions struct {
	// Name matches server names on the service's side (a fuzzy match).
	Name string
	// Status matches a status exactly, such as ACTIVE or SHUTOFF.
	Status string
	// Tags keeps servers that carry every one of these tags.
	Tags map[string]string
	// EnterpriseProjectID keeps servers of one enterprise project;
	// "all_granted_eps" asks for every project the caller is granted.
	EnterpriseProjectID string
	// PageSize is the number of servers per request; 0 selects
	// DefaultListPageSize.
	PageSize int
}

// ListServers returns every server that matches opts
// (GET /v1/{project_id}/cloudservers/detail), following the pages with a
// marker until a page comes back short. A listing is a snapshot taken page
// by page: a server that appears on two pages is returned once.
func (c *Client) ListServers(ctx context.Context, opts ListServersOptions) ([]Server, error) {
	pid, err := c.requireProjectID()
	if err != nil {
		return nil, err
	}
	size := opts.PageSize
	switch {
	case size < 0:
		return nil, errors.New("ecsapi: the page size must not be negative")
	case size == 0:
		size = DefaultListPageSize
	}
	query, err := listQuery(opts)
	if err != nil {
		return nil, err
	}
	var out []Server
	seen := map[string]bool{}
	marker := ""
	for range maxListPages {
		page, err := c.listPage(ctx, pid, query, size, marker)
		if err != nil {
			return nil, err
		}
		for _, s := range page {
			if !seen[s.ID] {
				seen[s.ID] = true
				out = append(out, s)
			}
		}
		if len(page) < size {
			return out, nil
		}
		next := page[len(page)-1].ID
		if next == marker {
			return nil, fmt.Errorf("ecsapi: listing servers: the page after %q starts over; the service ignores the marker", marker)
		}
		marker = next
	}
	return nil, fmt.Errorf("ecsapi: listing servers: more than %d pages", maxListPages)
}

// listQuery turns the filters into query parameters.
func listQuery(opts ListServersOptions) (url.Values, error) {
	q := url.Values{}
	if opts.Name != "" {
		q.Set("name", opts.Name)
	}
	if opts.Status != "" {
		q.Set("status", opts.Status)
	}
	if opts.EnterpriseProjectID != "" {
		q.Set("enterprise_project_id", opts.EnterpriseProjectID)
	}
	if len(opts.Tags) > 0 {
		tags, err := tagFilter(opts.Tags)
		if err != nil {
			return nil, err
		}
		q.Set("tags", tags)
	}
	return q, nil
}

// tagFilter renders tags as the service's filter: "key=value" pairs joined
// by commas, which is why neither may contain a comma or an equals sign
// (a key) that would change how the filter reads.
func tagFilter(tags map[string]string) (string, error) {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		v := tags[k]
		switch {
		case k == "":
			return "", errors.New("ecsapi: a tag key must not be empty")
		case strings.ContainsAny(k, ",="):
			return "", fmt.Errorf("ecsapi: the tag key %s must not contain a comma or an equals sign", quoteID(k))
		case strings.Contains(v, ","):
			return "", fmt.Errorf("ecsapi: the value of tag %s must not contain a comma", quoteID(k))
		}
		pairs = append(pairs, k+"="+v)
	}
	return strings.Join(pairs, ","), nil
}

// listPage reads one page of the listing.
func (c *Client) listPage(ctx context.Context, projectID string, filters url.Values, size int, marker string) ([]Server, error) {
	q := url.Values{}
	for k, v := range filters {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(size))
	if marker != "" {
		q.Set("marker", marker)
	}
	req := &apiRequest{
		method:    http.MethodGet,
		url:       endpointURL(c.ecsBase, q, "v1", projectID, "cloudservers", "detail"),
		projectID: projectID,
		api:       APIV1,
	}
	r, err := c.send(ctx, req, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var body struct {
		Servers *[]serverBody `json:"servers"`
	}
	if err := c.decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Servers == nil {
		return nil, c.responseError(r, "response has no servers list")
	}
	out := make([]Server, 0, len(*body.Servers))
	for i := range *body.Servers {
		s := &(*body.Servers)[i]
		if s.ID == "" || CheckServerID(s.ID) != nil {
			return nil, c.responseError(r, fmt.Sprintf("server %d of the page has no usable id", i))
		}
		out = append(out, serverFromBody(s))
	}
	return out, nil
}
