package credentials

import (
	"errors"
	"fmt"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// Spec says where a client's credentials come from: one base source and,
// optionally, an agency to assume with the base credentials.
type Spec struct {
	// Exactly one base source is set.
	//
	// Static: fixed access keys (with a security token when temporary),
	// or a token; a profile's keys come here too.
	Static *ecsapi.Credentials
	// Login: a user name and password, exchanged for a project-scoped
	// token.
	Login *ecsapi.TokenRequest
	// Metadata: the instance metadata service.
	Metadata *MetadataSpec

	// BaseName describes the base source in errors and logs, such as
	// "the access key pair in the provider block".
	BaseName string

	// AssumeRole, when set, is the agency whose credentials the calls
	// use, obtained (and renewed) with the base credentials.
	AssumeRole *ecsapi.AgencyRequest

	// Now is the clock that decides when credentials are renewed; nil
	// means time.Now. (Request signatures keep the API configuration's
	// clock.)
	Now func() time.Time
}

// MetadataSpec configures the instance metadata source.
type MetadataSpec struct {
	// Endpoint is the service's base URL; empty means
	// ecsapi.DefaultMetadataEndpoint.
	Endpoint string
}

// metadataAttemptTimeout bounds each call to the instance metadata
// service. It answers from the hypervisor within milliseconds; off an ECS
// server the address leads nowhere, and the answer "no metadata service"
// should come quickly.
const metadataAttemptTimeout = 2 * time.Second

// maxMetadataRetries bounds the retries of the metadata call.
const maxMetadataRetries = 1

// New builds the credentials provider for spec. api is the configuration of
// the API client the credentials are for, without credentials: the IAM
// calls of a login or an agency use its IAM endpoint, TLS settings,
// proxy, retries and logger. The result renews temporary credentials before
// they expire; its String names the source.
func New(spec Spec, api ecsapi.Config) (*Cache, error) {
	if api.Credentials != (ecsapi.Credentials{}) || api.CredentialsProvider != nil {
		return nil, errors.New("credentials: the API configuration must not carry credentials of its own")
	}
	base, err := baseSource(spec, api)
	if err != nil {
		return nil, err
	}
	if spec.AssumeRole == nil {
		return base, nil
	}
	if spec.AssumeRole.AgencyName == "" {
		return nil, errors.New("credentials: assuming an agency needs its name")
	}
	caller := api
	caller.CredentialsProvider = base
	client, err := ecsapi.NewClient(caller)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s, assumed with %s", agencyName(*spec.AssumeRole), base.String())
	return NewCache(&AssumeRole{Client: client, Request: *spec.AssumeRole}, name, spec.Now, api.Logger), nil
}

// baseSource returns the cache of the base source of spec.
func baseSource(spec Spec, api ecsapi.Config) (*Cache, error) {
	set := 0
	for _, isSet := range []bool{spec.Static != nil, spec.Login != nil, spec.Metadata != nil} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("credentials: %d base sources given, want exactly one", set)
	}
	name := spec.BaseName
	switch {
	case spec.Static != nil:
		if name == "" {
			name = "the configured credentials"
		}
		return NewCache(Static{Credentials: *spec.Static}, name, spec.Now, api.Logger), nil
	case spec.Login != nil:
		if name == "" {
			name = fmt.Sprintf("the login of user %q", spec.Login.UserName)
		}
		anon := api
		anon.CredentialsProvider = none{}
		client, err := ecsapi.NewClient(anon)
		if err != nil {
			return nil, err
		}
		return NewCache(&UserLogin{Client: client, Request: *spec.Login}, name, spec.Now, api.Logger), nil
	}
	endpoint := spec.Metadata.Endpoint
	if endpoint == "" {
		endpoint = ecsapi.DefaultMetadataEndpoint
	}
	if name == "" {
		name = "the instance metadata service at " + ecsapi.RedactURL(endpoint)
	}
	anon := api
	anon.CredentialsProvider = none{}
	// The service is link-local and answers from the hypervisor: never
	// through a proxy, and quickly or not at all.
	if anon.HTTPClient == nil {
		anon.ProxyEnv = func(string) string { return "" }
	}
	anon.AttemptTimeout = metadataAttemptTimeout
	anon.MaxRetries = min(anon.MaxRetries, maxMetadataRetries)
	client, err := ecsapi.NewClient(anon)
	if err != nil {
		return nil, err
	}
	return NewCache(&InstanceMetadata{Client: client, Endpoint: endpoint}, name, spec.Now, api.Logger), nil
}
