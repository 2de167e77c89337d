package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/passwordpolicy"
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
	// InAction marks a call made by an action, whose arguments are
	// server_ids and timeout rather than a resource's server_id and
	// timeouts block.
	InAction bool
}

// enterpriseProjectHint explains the most confusing 403 of the API family.
const enterpriseProjectHint = "The v2.1 API does not honour permissions granted through an enterprise project: " +
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
	return ecsapi.Redact(strings.TrimRight(b.String(), "\n"), call.Secret)
}

// writeResponseFacts writes what is known about the response to a failed
// call: the API error code, the request ID, the HTTP status and the message,
// or that no answer was received.
func writeResponseFacts(b *strings.Builder, err error) {
	var apiErr *ecsapi.APIError
	var transportErr *ecsapi.TransportError
	switch {
	case errors.As(err, &apiErr):
		code := apiErr.Code
		if code == "" {
			code = "none (the response carried no error code)"
		}
		fmt.Fprintf(b, "API error code: %s\nRequest ID: %s\nHTTP status: %d (%s %s)\n",
			code, requestIDOrNone(apiErr.RequestID), apiErr.StatusCode, apiErr.Method, apiErr.Path)
		if apiErr.Message != "" {
			fmt.Fprintf(b, "Message: %s\n", apiErr.Message)
		}
		return
	case errors.As(err, &transportErr) && transportErr.StatusCode != 0:
		fmt.Fprintf(b, "API error code: none (the body of the answer could not be read)\nRequest ID: %s\n"+
			"HTTP status: %d (%s %s)\n", requestIDOrNone(transportErr.RequestID), transportErr.StatusCode,
			transportErr.Method, transportErr.Path)
	default:
		b.WriteString("API error code: none (no answer was received)\nRequest ID: none (no answer was received)\n")
	}
	fmt.Fprintf(b, "Error: %s\n", err)
}

// errorHint says what to do about err, or "".
func errorHint(call apiCall, err error) string {
	var apiErr *ecsapi.APIError
	isAPI := errors.As(err, &apiErr)
	switch {
	case ecsapi.IsNotFound(err):
		idField := "`server_id`"
		if call.InAction {
			idField = "`server_ids`"
		}
		return "No server with this ID exists in the configured project and region. Check " + idField + ", " +
			"`region` and `project_id`."
	case ecsapi.IsForbidden(err) && !apiErr.FromService():
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
		raise := "Raise the matching value in the `timeouts` block"
		if call.InAction {
			raise = "Raise the action's `timeout`"
		}
		return "The API kept throttling the requests until the operation's time ran out (throttled calls are " +
			"retried until the timeout; with `max_retries = 0` they are not retried). " + raise + ", try again " +
			"later, or run Terraform with a lower `-parallelism`."
	case isAPI && apiErr.StatusCode == 401:
		return credentialsHint
	case isAPI && apiErr.StatusCode == 404:
		return endpointNotFoundHint(apiErr)
	case isAPI:
		return codeHint(apiErr.Code)
	}
	return transportHint(err, "The API endpoint could not be reached. Check `region`, `cloud` and `endpoints` in "+
		"the provider block (or their environment variables) and the network path (proxy, firewall, DNS).")
}

// endpointNotFoundHint explains a 404 that does not say the server is
// missing: only Ecs.0114-style codes do, so anything else points at the
// endpoint or the path in front of the API.
func endpointNotFoundHint(apiErr *ecsapi.APIError) string {
	what := "without an ECS error"
	if apiErr.FromService() {
		what = fmt.Sprintf("with error code %s, which does not mean that the server is missing", apiErr.Code)
	}
	return "The endpoint answered 404 " + what + ": the API path itself was not found, which suggests a wrong " +
		"endpoint URL (for example a path prefix that does not belong there) or a gateway that does not route to " +
		"ECS. Nothing was changed in the state. Check `region`, `cloud` and `endpoints` in the provider block."
}

// transportHint explains a call that got no usable answer, or returns
// fallback for a network failure that has no more precise explanation.
func transportHint(err error, fallback string) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "The operation did not finish within its timeout. Raise the matching value in the `timeouts` block, " +
			"or check why the API is slow to answer."
	case errors.Is(err, context.Canceled):
		return "The operation was cancelled (for example with Ctrl-C)."
	case ecsapi.IsCertificateError(err):
		return certificateHint
	case ecsapi.IsSchemeMismatch(err):
		return "The endpoint does not speak TLS although its URL starts with `https://`: it answered in plain HTTP " +
			"or in another protocol. Check the port and scheme in `endpoints` (use `http://` only for a local " +
			"simulator) and any proxy on the way. This is not retried, since it cannot go away by itself."
	case ecsapi.IsHandshakeRefused(err):
		return "The endpoint refused the TLS handshake. If it demands a client certificate, set `cert` and `key` " +
			"to one its CA trusts. This is not retried, since it cannot go away by itself."
	case ecsapi.IsHostNotFound(err):
		return "The endpoint's host name does not exist (DNS answered \"no such host\"). Check `region`, `cloud` and " +
			"`endpoints` in the provider block (or their environment variables) and this machine's DNS settings. " +
			"This is not retried, since it cannot go away by itself."
	case ecsapi.IsNetworkError(err):
		return fallback
	}
	return ""
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
		return "The password breaks the ECS password rules:\n" + passwordpolicy.RulesMarkdown()
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
const certificateHint = "The endpoint's TLS certificate could not be verified. Give the issuing CA in " +
	"`cacert_file` (or " + envCACertFile + "), or install it on this machine, or, for a test environment only, set " +
	"`insecure = true`."

// projectLookupDetail explains a failed IAM project lookup.
func projectLookupDetail(region, iamEndpoint string, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "No project_id is configured, so the provider tried to look up the project named %q through "+
		"IAM at %s and failed.\n\n", region, ecsapi.RedactURL(iamEndpoint))
	writeResponseFacts(&b, err)
	b.WriteString("\n")
	var apiErr *ecsapi.APIError
	isAPI := errors.As(err, &apiErr)
	switch {
	case isAPI && apiErr.StatusCode == 401:
		b.WriteString(credentialsHint)
	case ecsapi.IsForbidden(err) && !apiErr.FromService():
		b.WriteString(foreignForbiddenHint("IAM"))
	case ecsapi.IsForbidden(err):
		b.WriteString("The caller may not list IAM projects. Set `project_id` (or " + envProjectID + ") instead.")
	case isAPI:
		b.WriteString("Check that `region` (or " + envRegion + ") names a region this account can use, or set " +
			"`project_id` (or " + envProjectID + ") to skip the lookup.")
	default:
		hint := transportHint(err, "The IAM endpoint could not be reached. Check `region`, `cloud` and "+
			"`endpoints.iam` (or "+envIAMEndpoint+") and the network path.")
		if hint == "" {
			hint = "Check `region` (or " + envRegion + "), or set `project_id` (or " + envProjectID + ") to skip the lookup."
		}
		b.WriteString(hint)
	}
	return b.String()
}

// outcomeUnknownNote explains a reset that was sent but not confirmed. The
// state records nothing for it (a create leaves no resource, an update keeps
// the previous values), which is why the next apply plans the same change
// again; saying so keeps the user from assuming the old password still
// holds.
func outcomeUnknownNote(serverID, why string) string {
	return fmt.Sprintf("The reset request for server %q may have reached the API and taken effect although no "+
		"answer confirmed it (%s). The API does not undo a reset, so the server may already have the new password "+
		"(it applies at the server's next start or reboot), or may still have the old one.\n\n"+
		"The state does not record this reset, so the next apply sends the same password again, which is harmless: "+
		"it sets the same password once more and does nothing else (in particular, it does not delete the stored "+
		"Windows password). Run apply again once the cause is fixed.", serverID, why)
}
