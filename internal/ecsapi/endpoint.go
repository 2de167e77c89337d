package ecsapi

import (
	"fmt"
	"net/url"
	"strings"
)

// EndpointError explains why a configured endpoint cannot be used. Its
// text shows the endpoint only through RedactURL, so a token or password
// written into the URL never reaches a message.
type EndpointError struct {
	// Shown is the endpoint as it may be displayed.
	Shown string
	// Problem completes "The endpoint ... ", e.g. "has no host name".
	Problem string
	// Suggestion, when set, is a corrected spelling to try.
	Suggestion string
}

func (e *EndpointError) Error() string {
	msg := fmt.Sprintf("the endpoint %q %s", e.Shown, e.Problem)
	if e.Suggestion != "" {
		msg += fmt.Sprintf("; did you mean %q?", e.Suggestion)
	}
	return msg
}

// CheckEndpoint parses an endpoint base URL as the client needs it: http or
// https, a host, and no user information, query or fragment (they would
// end up in logs and errors). It is the one definition of a valid endpoint,
// used both by NewClient and by callers validating configuration early.
func CheckEndpoint(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	shown := RedactURL(raw)
	fail := func(problem, suggestion string) (*url.URL, error) {
		return nil, &EndpointError{Shown: shown, Problem: problem, Suggestion: suggestion}
	}
	if strings.Contains(raw, "@") {
		// Checked before parsing: a URL that does not parse may still
		// carry credentials, and no spelling of user information is
		// acceptable.
		return fail("contains user information (credentials before an \"@\"); put credentials in the provider's "+
			"credential settings, never in a URL", "")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fail("is not a valid URL", "")
	}
	switch {
	case u.Scheme == "" || (u.Opaque != "" && u.Host == ""):
		// "ecs.example.com" parses as a path and "ecs.example.com:443"
		// as scheme "ecs.example.com" with an opaque part.
		return fail("has no scheme: it must start with https:// (or http:// for a local simulator)", "https://"+shown)
	case u.Scheme != "http" && u.Scheme != "https":
		return fail("must start with https:// (or http:// for a local simulator)", "")
	case u.Host == "":
		return fail("has no host name", "")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return fail("must not contain a query or fragment", "")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

// parseEndpoint is CheckEndpoint for NewClient: an empty value means "not
// configured", and errors name the endpoint.
func parseEndpoint(name, raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	u, err := CheckEndpoint(raw)
	if err != nil {
		return nil, fmt.Errorf("ecsapi: the %s: %w", name, err)
	}
	return u, nil
}
