package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

func TestAPIErrorDetail(t *testing.T) {
	t.Parallel()
	const serverID = "5f1c2a9e-1111-4222-8333-444455556666"
	const password = "Kq7!vRm2@Lp9"
	apiErr := func(status int, code, msg string) error {
		return &ecsapi.APIError{Method: "PUT", Path: "/v1/p/cloudservers/" + serverID + "/os-reset-password",
			StatusCode: status, Code: code, Message: msg, RequestID: "req-0123456789"}
	}
	v1 := apiCall{What: "reset the password of", ServerID: serverID, API: ecsapi.APIV1, IAMAction: iamActionResetPassword, Secret: password}
	v21 := v1
	v21.API = ecsapi.APIV21
	flag := apiCall{What: "read the password reset flag of", ServerID: serverID, IAMAction: iamActionResetFlag}

	cases := []struct {
		name    string
		call    apiCall
		err     error
		want    []string
		notWant []string
	}{
		// A 404 the client could not attribute to the ECS API (the
		// acceptance tests cover the recognised one).
		{"unrecognised 404", v1, apiErr(404, "", "<html>not found</html>"),
			[]string{`server "` + serverID + `" through the v1 API`, "Request ID: req-0123456789", "HTTP status: 404", "wrong endpoint URL"}, nil},
		{"forbidden on v2.1", v21, apiErr(403, "forbidden", "Policy doesn't allow it."),
			[]string{"through the v2.1 API", "API error code: forbidden", "does not honour permissions granted through an enterprise project", "`api = \"v1\"`"}, nil},
		{"forbidden on v1", v1, apiErr(403, "Pdp.0001", "Policy doesn't allow it."),
			[]string{"API error code: Pdp.0001", "`" + iamActionResetPassword + "`"}, []string{"proxy"}},
		{"account forbidden", v1, apiErr(403, "Ecs.0003", "The account is frozen."),
			[]string{"API error code: Ecs.0003", "`" + iamActionResetPassword + "`"}, nil},
		// A firewall's or proxy's refusal page: the client found no API
		// error code in it.
		{"403 page from a firewall", v1, apiErr(403, "", `response is not a JSON document (text/html): "<html>Access denied</html>"`),
			[]string{"API error code: none", "HTTP status: 403", "did not come from the ECS API", "proxy", "firewall", "`endpoints`"},
			[]string{iamActionResetPassword, "The caller is not allowed"}},
		{"403 page on v2.1", v21, apiErr(403, "", "Forbidden (empty body)"),
			[]string{"did not come from the ECS API", "firewall"},
			[]string{"enterprise project", iamActionResetPassword}},
		{"throttled", v1, apiErr(429, "APIGW.0308", "throttled"), []string{"max_retries", "-parallelism"}, nil},
		{"unauthorized", v1, apiErr(401, "APIGW.0301", "bad signature"), []string{"credentials were rejected"}, nil},
		{"plug-in missing", v1, apiErr(400, "Ecs.0613", "no plug-in"), []string{"CloudResetPwdAgent", "verify_reset_support = false"}, nil},
		{"complexity", v1, apiErr(400, "Ecs.0011", "too weak"), []string{"password rules", "8 to 26 characters"}, nil},
		{"locked", v1, apiErr(400, "Ecs.0605", "locked"), []string{"locked"}, nil},
		{"bad state", v1, apiErr(400, "Ecs.0100", "state"), []string{"ACTIVE", "SHUTOFF"}, nil},
		{"no code, no request ID", v1, &ecsapi.APIError{Method: "PUT", Path: "/x", StatusCode: 502, Message: "bad gateway"},
			[]string{"API error code: none (the response carried no error code)", "Request ID: none (the response carried no request ID)"}, nil},
		{"v1-only operation", flag, apiErr(404, "Ecs.0114", "missing"), []string{`Could not read the password reset flag of server "` + serverID + `".`}, nil},
		{"deadline", v1, fmt.Errorf("ecsapi: %w", context.DeadlineExceeded),
			[]string{"API error code: none (no answer was received)", "Request ID: none", "`timeouts`"}, nil},
		{"network", v1, &url.Error{Op: "Put", URL: "https://ecs.example", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}},
			[]string{"could not be reached", "`endpoints`"}, nil},
		{"service echoes the password", v1, apiErr(400, "Ecs.0005", "bad value "+password),
			[]string{"bad value (redacted)"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := apiErrorDetail(tc.call, tc.err)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("detail lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("detail contains %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, password) {
				t.Errorf("detail contains the password:\n%s", got)
			}
		})
	}
}

// TestProjectLookupDetailForbidden proves that only a 403 carrying an IAM
// error code is explained as missing permission to list projects.
func TestProjectLookupDetailForbidden(t *testing.T) {
	t.Parallel()
	const endpoint = "https://iam.cn-north-4.example"
	denied := &ecsapi.APIError{Method: "GET", Path: "/v3/projects", StatusCode: 403, Code: "403",
		Message: "You are not authorized to perform the requested action.", RequestID: "req-iam-1"}
	page := &ecsapi.APIError{Method: "GET", Path: "/v3/projects", StatusCode: 403,
		Message: `response is not a JSON document (text/html): "<h1>Blocked by policy</h1>"`}

	got := projectLookupDetail("cn-north-4", endpoint, denied)
	if !strings.Contains(got, "may not list IAM projects") || strings.Contains(got, "firewall") {
		t.Errorf("an IAM denial is not explained as one:\n%s", got)
	}
	got = projectLookupDetail("cn-north-4", endpoint, page)
	if strings.Contains(got, "may not list IAM projects") {
		t.Errorf("a 403 page without an API error code is blamed on permissions:\n%s", got)
	}
	for _, w := range []string{"HTTP status: 403", "did not come from the IAM API", "firewall", "`endpoints`"} {
		if !strings.Contains(got, w) {
			t.Errorf("detail lacks %q:\n%s", w, got)
		}
	}
}

// TestErrorHintNamesTheActionArguments: an action's hints name its own
// arguments (server_ids, timeout), not a resource's.
func TestErrorHintNamesTheActionArguments(t *testing.T) {
	t.Parallel()
	notFound := &ecsapi.APIError{Method: "GET", Path: "/v1/p/cloudservers/x", StatusCode: 404, Code: "Ecs.0114", Message: "not found", API: ecsapi.APIV1}
	throttled := &ecsapi.APIError{Method: "POST", Path: "/v1/p/cloudservers/action", StatusCode: 429, Code: "APIGW.0308", Message: "throttled"}
	for _, c := range []struct {
		err       error
		inAction  bool
		want, not string
	}{
		{notFound, true, "`server_ids`", "`server_id`,"},
		{notFound, false, "`server_id`,", "`server_ids`"},
		{throttled, true, "the action's `timeout`", "`timeouts` block"},
		{throttled, false, "`timeouts` block", "the action's"},
	} {
		hint := errorHint(apiCall{What: "reboot", IAMAction: iamActionReboot, InAction: c.inAction}, c.err)
		if !strings.Contains(hint, c.want) || strings.Contains(hint, c.not) {
			t.Errorf("in action %v, %v: hint %q, want %q and not %q", c.inAction, c.err, hint, c.want, c.not)
		}
	}
}
