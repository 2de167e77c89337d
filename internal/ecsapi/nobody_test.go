package ecsapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// noBodyOperations are the calls whose success answer carries no document.
var noBodyOperations = map[string]func(*ecsapi.Client) error{
	"reset": func(c *ecsapi.Client) error {
		return c.ResetServerPassword(context.Background(), ecsapi.APIV1, testServer, "Nw0Pass!word", true)
	},
	"v2.1 reset": func(c *ecsapi.Client) error {
		return c.ResetServerPassword(context.Background(), ecsapi.APIV21, testServer, "Nw0Pass!word", false)
	},
	"delete password v1": func(c *ecsapi.Client) error {
		return c.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer)
	},
	"delete password v2.1": func(c *ecsapi.Client) error {
		return c.DeleteServerPassword(context.Background(), ecsapi.APIV21, testServer)
	},
}

// answer replies with a fixed status, content type and body.
func answer(status int, contentType, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		} else {
			// A nil entry stops net/http from sniffing a content type.
			w.Header()["Content-Type"] = nil
		}
		w.Header().Set("X-Request-Id", "rid-portal")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// TestNoBodyOperationsRejectForeignSuccess proves that a success status is
// not taken for success when the body shows that something other than the
// ECS API answered, such as a captive portal or a proxy's login page: the
// provider would otherwise record a reset that never happened.
func TestNoBodyOperationsRejectForeignSuccess(t *testing.T) {
	const portal = "<!DOCTYPE html>\n<html><head><title>Sign in to the guest network</title></head>" +
		"<body><form action=\"/login\">Accept the terms</form></body></html>"
	answers := map[string]struct {
		status      int
		contentType string
		body        string
		want        []string
	}{
		"200 HTML": {200, "text/html; charset=utf-8", portal,
			[]string{"HTTP 200", "not from the ECS API", "text/html", "Sign in to the guest network", "request ID rid-portal"}},
		"202 HTML": {202, "text/html", portal,
			[]string{"HTTP 202", "not from the ECS API", "text/html", "request ID rid-portal"}},
		"200 text without a content type": {200, "", "Welcome! Please log in.",
			[]string{"HTTP 200", "not from the ECS API", "no content type", "Please log in"}},
		"JSON content type, body is not JSON": {200, "application/json", "<html>gateway</html>",
			[]string{"HTTP 200", "not from the ECS API", "application/json", "gateway"}},
		"plain text that happens to be JSON": {200, "text/plain", `{"status":"ok"}`,
			[]string{"HTTP 200", "not from the ECS API", "text/plain"}},
		"unrelated JSON object": {200, "application/json;charset=UTF-8", `{"request_id":"x"}`,
			[]string{"HTTP 200", "not from the ECS API", "application/json"}},
		"unrelated JSON with a +json type": {200, "application/problem+json", `{"status":"accepted"}`,
			[]string{"HTTP 200", "not from the ECS API"}},
		"JSON null": {200, "application/json", `null`,
			[]string{"HTTP 200", "not from the ECS API"}},
		"JSON array": {202, "application/json", `[]`,
			[]string{"HTTP 202", "not from the ECS API"}},
	}
	for opName, op := range noBodyOperations {
		for name, a := range answers {
			t.Run(opName+"/"+name, func(t *testing.T) {
				f := newFakeService(t, answer(a.status, a.contentType, a.body))
				c := newTestClient(t, f.srv.URL)
				err := op(c)
				var apiErr *ecsapi.APIError
				if !errors.As(err, &apiErr) {
					t.Fatalf("error = %v, want an *APIError", err)
				}
				if apiErr.StatusCode != a.status || apiErr.RequestID != "rid-portal" {
					t.Errorf("status %d, request ID %q", apiErr.StatusCode, apiErr.RequestID)
				}
				for _, w := range a.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if strings.ContainsAny(err.Error(), "\n\r") || len(err.Error()) > 600 {
					t.Errorf("the excerpt must be one short line: %q", err)
				}
				if ecsapi.IsNotFound(err) || ecsapi.IsThrottled(err) {
					t.Errorf("a foreign page must not be classified as an API condition: %v", err)
				}
				if n := len(f.requests()); n != 1 {
					t.Errorf("%d attempts, want 1: a success status is not retried", n)
				}
				// Whatever answered may have passed the request on: the
				// caller must not report the change as not done.
				if !ecsapi.IsOutcomeUnknown(err) {
					t.Errorf("a foreign success answer must leave the outcome unknown: %v", err)
				}
			})
		}
	}
}

// TestNoBodyOperationsAcceptEmptyAnswers keeps the answers the service (or
// a gateway rewriting its status) really gives working: no body, or the
// empty object.
func TestNoBodyOperationsAcceptEmptyAnswers(t *testing.T) {
	answers := map[string]func(int, http.ResponseWriter, *http.Request){
		"204 empty":                answer(204, "", ""),
		"200 empty":                answer(200, "", ""),
		"202 empty with HTML type": answer(202, "text/html", ""),
		"200 white space":          answer(200, "text/plain", " \r\n"),
		"200 empty JSON object":    answer(200, "application/json;charset=UTF-8", `{ }`),
		"202 JSON without a type":  answer(202, "", "{}"),
	}
	for opName, op := range noBodyOperations {
		for name, handle := range answers {
			t.Run(opName+"/"+name, func(t *testing.T) {
				f := newFakeService(t, handle)
				c := newTestClient(t, f.srv.URL)
				if err := op(c); err != nil {
					t.Fatalf("error = %v", err)
				}
				if n := len(f.requests()); n != 1 {
					t.Errorf("%d attempts, want 1", n)
				}
			})
		}
	}
}

// TestNoBodyOperationsForeignBodyIsScrubbed proves that a page echoing the
// request back cannot leak the new password through the error's excerpt.
func TestNoBodyOperationsForeignBodyIsScrubbed(t *testing.T) {
	const password = "Nw0Pass!word"
	f := newFakeService(t, answer(http.StatusOK, "text/html",
		`<p>you sent {"reset-password":{"new_password":"`+password+`"}}</p>`))
	c := newTestClient(t, f.srv.URL)
	err := c.ResetServerPassword(context.Background(), ecsapi.APIV1, testServer, password, true)
	if err == nil {
		t.Fatal("a 200 HTML page was taken for a successful reset")
	}
	if strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "(redacted)") {
		t.Errorf("the error does not hide the password: %v", err)
	}
}
