package ecsapi

import (
	"context"
	"net/http"
)

// DefaultMetadataEndpoint is the ECS instance metadata service, reachable
// only from inside a server.
const DefaultMetadataEndpoint = "http://169.254.169.254"

// MetadataSecurityKey fetches the temporary credentials of the agency bound
// to the server this runs on from the instance metadata service at endpoint
// (GET {endpoint}/openstack/latest/securitykey, contract §2.9). The request
// carries no credentials, and the credentials it returns never appear in
// its errors.
func (c *Client) MetadataSecurityKey(ctx context.Context, endpoint string) (TemporaryCredentials, error) {
	base, err := parseEndpoint("instance metadata endpoint", endpoint)
	if err != nil {
		return TemporaryCredentials{}, err
	}
	if base == nil {
		base, _ = parseEndpoint("instance metadata endpoint", DefaultMetadataEndpoint)
	}
	req := &apiRequest{
		method:    http.MethodGet,
		url:       endpointURL(base, nil, "openstack", "latest", "securitykey"),
		anonymous: true,
	}
	r, err := c.send(ctx, req, http.StatusOK)
	if err != nil {
		return TemporaryCredentials{}, err
	}
	return c.decodeTemporaryCredentials(r, "the instance metadata service")
}
