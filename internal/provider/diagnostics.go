package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// apiCall describes an API operation for a diagnostic.
type apiCall struct {
	// What is what was attempted, completing "Could not ...", e.g.
	// "reset the password of".
	What     string
	ServerID string
	// API is the API family used; empty for operations that exist on v1 only.
	API ecsapi.API
	// IAMAction is the permission the operation needs.
	IAMAction string
	// Secret, when set, is scrubbed from the detail in case a service
	// message echoes it.
	Secret string
}

// enterpriseProjectHint explains the most confusing 403 of the API family.
const enterpriseProjectHint = "The native v2.1 API does not honour permissions granted through an enterprise project: " +
	"only grants on the IAM project count there. If your permissions come from an enterprise project, set " +
	"`api = \"v1\"`; the v1 API honours enterprise-project grants."

// requestIDOrNone returns a response's request ID for a diagnostic, or a
// note that the response carried none, so the line is never left blank.
func requestIDOrNone(id string) string {
	if id == "" {
		return "none (the response carried no request ID)"
	}
	return id
}

// apiErrorDetail explains a failed call: what was attempted on which server,
// the API error code, the request ID, and what to do next.
func apiErrorDetail(call apiCall, err error) string {
	var b strings.Builder
	if call.API != "" {
		fmt.Fprintf(&b, "Could not %s server %q through the %s API.\n\n", call.What, call.ServerID, call.API)
	} else {
		fmt.Fprintf(&b, "Could not %s server %q.\n\n", call.What, call.ServerID)
	}

	writeResponseFacts(&b, err)

	if hint := errorHint(call, err); hint != "" {
		b.WriteString("\n")
		b.WriteString(hint)
	}
	return scrub(strings.TrimRight(b.String(), "\n"), call.Secret)
}

// writeResponseFacts writes what is known about the response to a failed
// call: the API error code, the request ID, the HTTP status and the message,
// or that no response was received.
func writeResponseFacts(b *strings.Builder, err error) {
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) {
		b.WriteString("API error code: none (no response was received)\nRequest ID: none (no response was received)\n")
		fmt.Fprintf(b, "Error: %s\n", err)
		return
	}
	code := apiErr.Code
	if code == "" {
		code = "none (the response carried no error code)"
	}
	fmt.Fprintf(b, "API error code: %s\nRequest ID: %s\nHTTP status: %d (%s %s)\n",
		code, requestIDOrNone(apiErr.RequestID), apiErr.StatusCode, apiErr.Method, apiErr.Path)
	if apiErr.Message != "" {
		fmt.Fprintf(b, "Message: %s\n", apiErr.Message)
	}
}

// errorHint says what to do about err, or "".
func errorHint(call apiCall, err error) string {
	var apiErr *ecsapi.APIError
	isAPI := errors.As(err, &apiErr)
	switch {
	case ecsapi.IsNotFound(err):
		return "No server with this ID exists in the configured project and region. Check `server_id`, " +
			"`region` and `project_id`."
	case ecsapi.IsForbidden(err) && !fromAPI(apiErr):
		// Only the ECS API's own denials (Pdp.0001, Ecs.0003, forbidden,
		// ...) are about permissions; pointing at IAM for a firewall's
		// page would send the user to the wrong place.
		return foreignForbiddenHint("ECS")
	case ecsapi.IsForbidden(err) && call.API == ecsapi.APIV21:
		return enterpriseProjectHint
	case ecsapi.IsForbidden(err):
		return fmt.Sprintf("The caller is not allowed to do this. It needs the IAM action `%s` on the project or on "+
			"the server's enterprise project.", call.IAMAction)
	case ecsapi.IsThrottled(err):
		return "The API kept throttling the requests after every retry. Try again later, raise the provider's " +
			"`max_retries`, or run Terraform with a lower `-parallelism`."
	case isAPI && apiErr.StatusCode == 401:
		return credentialsHint
	case isAPI && apiErr.StatusCode == 404:
		// A 404 without an ECS error body comes from something other than
		// the ECS API, such as a proxy or a wrong base URL.
		return "The endpoint answered 404 without an ECS error, which suggests a wrong endpoint URL. Check " +
			"`region`, `cloud` and `endpoints` in the provider block."
	case isAPI:
		return codeHint(apiErr.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return "The operation did not finish within its timeout. Raise the matching value in the `timeouts` block, " +
			"or check why the API is slow to answer."
	case errors.Is(err, context.Canceled):
		return "The operation was cancelled."
	case isCertificateError(err):
		return certificateHint
	case isNetworkError(err):
		return "The API endpoint could not be reached. Check `region`, `cloud` and `endpoints` in the provider " +
			"block (or their environment variables) and the network path (proxy, firewall, DNS)."
	}
	return ""
}

// fromAPI reports whether an API error carries an error code, which only
// the ECS and IAM APIs' own error documents provide.
func fromAPI(apiErr *ecsapi.APIError) bool {
	return apiErr != nil && apiErr.Code != ""
}

// foreignForbiddenHint explains a 403 without an API error code from the
// named service ("ECS" or "IAM").
func foreignForbiddenHint(service string) string {
	return "The endpoint answered 403 without an API error code, so the refusal did not come from the " + service +
		" API and says nothing about IAM permissions: something else refused the request, such as a proxy or a " +
		"firewall on the network path, or whatever a wrong endpoint URL points at. Check `region`, `cloud` and " +
		"`endpoints` in the provider block (or their environment variables), and the proxy and firewall rules."
}

// codeHint explains the ECS error codes a password operation can meet.
func codeHint(code string) string {
	switch code {
	case "Ecs.0613":
		return "The one-click password reset plug-in is not installed in the server. " + pluginHint
	case "Ecs.0612", "Ecs.0610":
		return "The reset failed on the server. Check that the password reset plug-in is installed and running " +
			"in the guest and that the server has network access, then try again."
	case "Ecs.0011":
		return "The password breaks the ECS password rules:\n" + passwordRulesMarkdown()
	case "Ecs.0100":
		return "The server is in a state that does not allow a password reset; it must be running (ACTIVE) or " +
			"stopped (SHUTOFF)."
	case "Ecs.0605":
		return "The server is locked. Unlock it, then try again."
	case "Ecs.0603":
		return "Another operation is running on the server. Try again in a minute."
	case "Ecs.0023", "Common.0018":
		return "The project ID does not match the credentials. Check `project_id` and `region`."
	}
	return ""
}

// credentialsHint explains a 401.
const credentialsHint = "The credentials were rejected. Check `access_key` and `secret_key` (or `token`, which " +
	"expires after 24 hours) and that this machine's clock is correct: signed requests expire after 15 minutes."

// pluginHint explains the guest plug-in the reset APIs depend on.
const pluginHint = "Password resets are carried out inside the guest by the one-click password reset plug-in " +
	"(CloudResetPwdAgent), which public images include and private images need installed. Without it the API " +
	"accepts a reset and silently does nothing, so the provider refuses to reset. Install the plug-in and wait " +
	"until the server reports support, or set `verify_reset_support = false` to skip this check at your own risk."

// certificateHint explains a TLS verification failure.
const certificateHint = "The endpoint's TLS certificate could not be verified. Install the issuing CA on this " +
	"machine, or, for a test environment only, set `insecure = true`."

func isCertificateError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		invalid          x509.CertificateInvalidError
		hostname         x509.HostnameError
		verification     *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &invalid) || errors.As(err, &hostname) ||
		errors.As(err, &verification)
}

func isNetworkError(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &urlErr) || errors.As(err, &netErr) || errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// scrub removes a secret from text. Very short values are left alone: they
// would garble the text without protecting anything.
func scrub(text, secret string) string {
	if len(secret) < 4 {
		return text
	}
	return strings.ReplaceAll(text, secret, "(redacted)")
}

// projectLookupDetail explains a failed IAM project lookup.
func projectLookupDetail(region, iamEndpoint string, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "No project_id is configured, so the provider tried to look up the project named %q through "+
		"IAM at %s and failed.\n\n", region, iamEndpoint)
	writeResponseFacts(&b, err)
	b.WriteString("\n")
	var apiErr *ecsapi.APIError
	isAPI := errors.As(err, &apiErr)
	switch {
	case isCertificateError(err):
		b.WriteString(certificateHint)
	case isNetworkError(err) && !isAPI:
		b.WriteString("The IAM endpoint could not be reached. Check `region`, `cloud` and `endpoints.iam` (or " +
			envIAMEndpoint + ") and the network path.")
	case isAPI && apiErr.StatusCode == 401:
		b.WriteString(credentialsHint)
	case ecsapi.IsForbidden(err) && !fromAPI(apiErr):
		b.WriteString(foreignForbiddenHint("IAM"))
	case ecsapi.IsForbidden(err):
		b.WriteString("The caller may not list IAM projects. Set `project_id` (or " + envProjectID + ") instead.")
	default:
		b.WriteString("Set `project_id` (or " + envProjectID + ") to skip the lookup.")
	}
	return b.String()
}
