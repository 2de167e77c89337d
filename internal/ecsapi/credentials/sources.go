package credentials

import (
	"context"
	"fmt"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// UserLogin is a Source of project-scoped IAM tokens obtained with a user
// name and password (contract §2.3). Tokens last 24 hours; the Cache logs
// in again before one expires.
type UserLogin struct {
	// Client makes the login call; it needs an IAM endpoint and sends no
	// credentials.
	Client  *ecsapi.Client
	Request ecsapi.TokenRequest
}

// Fetch implements Source.
func (l *UserLogin) Fetch(ctx context.Context) (Value, error) {
	tok, err := l.Client.IssueToken(ctx, l.Request)
	if err != nil {
		return Value{}, err
	}
	return Value{Credentials: ecsapi.Credentials{Token: tok.Token}, Expires: tok.ExpiresAt}, nil
}

// AssumeRole is a Source of an agency's temporary credentials, obtained
// from IAM with the credentials of Client (contract §2.9).
type AssumeRole struct {
	// Client makes the IAM call, signed with the base credentials.
	Client  *ecsapi.Client
	Request ecsapi.AgencyRequest
}

// Fetch implements Source.
func (a *AssumeRole) Fetch(ctx context.Context) (Value, error) {
	tc, err := a.Client.AssumeAgency(ctx, a.Request)
	if err != nil {
		return Value{}, err
	}
	return Value{Credentials: tc.Credentials, Expires: tc.ExpiresAt}, nil
}

// InstanceMetadata is a Source of the temporary credentials of the agency
// bound to the ECS server this runs on, from its instance metadata service
// (contract §2.9).
type InstanceMetadata struct {
	// Client makes the call; it sends no credentials.
	Client *ecsapi.Client
	// Endpoint is the metadata service's base URL; empty means
	// ecsapi.DefaultMetadataEndpoint.
	Endpoint string
}

// Fetch implements Source.
func (m *InstanceMetadata) Fetch(ctx context.Context) (Value, error) {
	tc, err := m.Client.MetadataSecurityKey(ctx, m.Endpoint)
	if err != nil {
		return Value{}, err
	}
	return Value{Credentials: tc.Credentials, Expires: tc.ExpiresAt}, nil
}

// agencyName describes an agency request for messages.
func agencyName(r ecsapi.AgencyRequest) string {
	switch {
	case r.DomainName != "":
		return fmt.Sprintf("agency %q of account %q", r.AgencyName, r.DomainName)
	case r.DomainID != "":
		return fmt.Sprintf("agency %q of account ID %s", r.AgencyName, r.DomainID)
	}
	return fmt.Sprintf("agency %q", r.AgencyName)
}

// MinAgencyDuration and MaxAgencyDuration bound how long an agency's
// credentials may be asked to last (IAM's duration_seconds).
const (
	MinAgencyDuration = 900 * time.Second
	MaxAgencyDuration = 43200 * time.Second
)
