package ecsapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

var sdkDatePattern = regexp.MustCompile(`^\d{8}T\d{6}Z$`)

func respond(status int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		if body == "" {
			w.Header().Set("X-Request-Id", "req-ok")
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, "req-ok", body)
	}
}

func onlyRequest(t *testing.T, f *fakeService) seenRequest {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("expected exactly one request, got %d", len(reqs))
	}
	if reqs[0].SignatureErr != nil {
		t.Fatalf("signature check failed: %v", reqs[0].SignatureErr)
	}
	return reqs[0]
}

func TestResetServerPasswordRequest(t *testing.T) {
	for _, check := range []bool{true, false} {
		t.Run(fmt.Sprint("check=", check), func(t *testing.T) {
			f := newFakeService(t, respond(http.StatusNoContent, ""))
			c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.UserAgent = "terraform-provider-ecs/test" })
			if err := c.ResetServerPassword(context.Background(), ecsapi.APIV1, testServer, "Nw0Pass!word", check); err != nil {
				t.Fatalf("reset: %v", err)
			}
			r := onlyRequest(t, f)
			if r.Method != http.MethodPut || r.Path != "/v1/"+testProject+"/cloudservers/"+testServer+"/os-reset-password" {
				t.Errorf("request line %s %s", r.Method, r.Path)
			}
			want := fmt.Sprintf(`{"reset-password":{"new_password":"Nw0Pass!word","is_check_password":%v}}`, check)
			if string(r.Body) != want {
				t.Errorf("body %s, want %s", r.Body, want)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json;charset=UTF-8" {
				t.Errorf("content type %q", got)
			}
			if got := r.Header.Get("X-Project-Id"); got != testProject {
				t.Errorf("X-Project-Id %q", got)
			}
			if got := r.Header.Get("User-Agent"); got != "terraform-provider-ecs/test" {
				t.Errorf("User-Agent %q", got)
			}
			if !sdkDatePattern.MatchString(r.Header.Get("X-Sdk-Date")) {
				t.Errorf("X-Sdk-Date %q", r.Header.Get("X-Sdk-Date"))
			}
			auth := r.Header.Get("Authorization")
			if !strings.HasPrefix(auth, "SDK-HMAC-SHA256 Access="+testAccessKey+", SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=") {
				t.Errorf("Authorization %q", auth)
			}
		})
	}
}

// TestResetServerPasswordV21Request checks that checkPassword is left out on
// the v2.1 API, which has no is_check_password field, whichever its value.
func TestResetServerPasswordV21Request(t *testing.T) {
	for _, check := range []bool{true, false} {
		t.Run(fmt.Sprint("check=", check), func(t *testing.T) {
			f := newFakeService(t, respond(http.StatusNoContent, ""))
			c := newTestClient(t, f.srv.URL)
			if err := c.ResetServerPassword(context.Background(), ecsapi.APIV21, testServer, "Nw0Pass!word", check); err != nil {
				t.Fatalf("reset: %v", err)
			}
			r := onlyRequest(t, f)
			if r.Method != http.MethodPut || r.Path != "/v2.1/"+testProject+"/servers/"+testServer+"/os-reset-password" {
				t.Errorf("request line %s %s", r.Method, r.Path)
			}
			if string(r.Body) != `{"reset-password":{"new_password":"Nw0Pass!word"}}` {
				t.Errorf("body %s", r.Body)
			}
		})
	}
}

func TestResetRejectsEmptyPasswordWithoutRequest(t *testing.T) {
	f := newFakeService(t, respond(http.StatusNoContent, ""))
	c := newTestClient(t, f.srv.URL)
	for _, api := range []ecsapi.API{ecsapi.APIV1, ecsapi.APIV21} {
		if err := c.ResetServerPassword(context.Background(), api, testServer, "", true); err == nil {
			t.Errorf("empty password accepted by ResetServerPassword on the %s API", api)
		}
	}
	if err := c.ResetServerPassword(context.Background(), "v3", testServer, "Nw0Pass!word", true); err == nil {
		t.Error("unknown API family accepted by ResetServerPassword")
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

func TestGetResetPasswordFlag(t *testing.T) {
	tests := []struct {
		body      string
		raw       string
		supported bool
		wantErr   string
	}{
		{body: `{"resetpwd_flag":"True"}`, raw: "True", supported: true},
		{body: `{"resetpwd_flag":"False"}`, raw: "False", supported: false},
		{body: `{"resetpwd_flag":true}`, raw: "true", supported: true},
		{body: `{"resetpwd_flag":"maybe"}`, wantErr: `resetpwd_flag is "maybe"`},
		{body: `{}`, wantErr: "no resetpwd_flag"},
		{body: `{"resetpwd_flag":`, wantErr: "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			f := newFakeService(t, respond(http.StatusOK, tt.body))
			c := newTestClient(t, f.srv.URL)
			flag, err := c.GetResetPasswordFlag(context.Background(), testServer)
			r := onlyRequest(t, f)
			if r.Method != http.MethodGet || r.Path != "/v1/"+testProject+"/cloudservers/"+testServer+"/os-resetpwd-flag" {
				t.Errorf("request line %s %s", r.Method, r.Path)
			}
			if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
				t.Errorf("GET carried a body or content type")
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to mention %q", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "req-ok") {
					t.Errorf("error lacks the request ID: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("flag: %v", err)
			}
			if flag.Raw != tt.raw || flag.Supported != tt.supported || flag.RequestID != "req-ok" {
				t.Errorf("flag = %+v, want Raw %q, Supported %v, RequestID req-ok", flag, tt.raw, tt.supported)
			}
		})
	}
}

func TestGetServerPasswordBothAPIs(t *testing.T) {
	paths := map[ecsapi.API]string{
		ecsapi.APIV1:  "/v1/" + testProject + "/cloudservers/" + testServer + "/os-server-password",
		ecsapi.APIV21: "/v2.1/" + testProject + "/servers/" + testServer + "/os-server-password",
	}
	bodies := map[string]string{
		`{"password":"UHC9+YW1xDC1Yu8Mg9n+tnOp7euEO/cW//9KgdJKWhr5w=="}`: "UHC9+YW1xDC1Yu8Mg9n+tnOp7euEO/cW//9KgdJKWhr5w==",
		`{"password":""}`:   "",
		`{"password":null}`: "",
		`{}`:                "",
	}
	for api, path := range paths {
		for body, want := range bodies {
			t.Run(string(api)+body, func(t *testing.T) {
				f := newFakeService(t, respond(http.StatusOK, body))
				c := newTestClient(t, f.srv.URL)
				got, err := c.GetServerPassword(context.Background(), api, testServer)
				if err != nil {
					t.Fatalf("get: %v", err)
				}
				if got.Encrypted != want {
					t.Errorf("password = %q, want %q", got.Encrypted, want)
				}
				if got.RequestID != "req-ok" {
					t.Errorf("request ID = %q, want req-ok", got.RequestID)
				}
				if r := onlyRequest(t, f); r.Method != http.MethodGet || r.Path != path {
					t.Errorf("request line %s %s", r.Method, r.Path)
				}
			})
		}
	}
}

// A successful result carries the request ID of the response that was
// used, not that of an earlier attempt which was retried.
func TestSuccessRequestIDIsTheFinalAttempts(t *testing.T) {
	throttled := func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusTooManyRequests, "req-throttled", v1Error("Common.1503", "Api flow control Error"))
	}
	answer := func(body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, "req-final", body) }
	}

	f := newFakeService(t, failThenSucceed(1, throttled, answer(`{"resetpwd_flag":"False"}`)))
	flag, err := newTestClient(t, f.srv.URL).GetResetPasswordFlag(context.Background(), testServer)
	if err != nil {
		t.Fatalf("flag: %v", err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("server saw %d attempts, want 2", n)
	}
	if flag.RequestID != "req-final" {
		t.Errorf("flag request ID = %q, want req-final", flag.RequestID)
	}

	f = newFakeService(t, failThenSucceed(1, throttled, answer(`{"password":""}`)))
	pw, err := newTestClient(t, f.srv.URL).GetServerPassword(context.Background(), ecsapi.APIV1, testServer)
	if err != nil {
		t.Fatalf("password: %v", err)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("server saw %d attempts, want 2", n)
	}
	if pw.Encrypted != "" || pw.RequestID != "req-final" {
		t.Errorf("password = %+v, want no ciphertext and request ID req-final", pw)
	}
}

// A response without an X-Request-Id leaves RequestID empty rather than
// inventing one.
func TestSuccessWithoutRequestID(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		body := `{"password":"c2VjcmV0"}`
		if strings.HasSuffix(r.URL.Path, "/os-resetpwd-flag") {
			body = `{"resetpwd_flag":"True"}`
		}
		writeJSON(w, http.StatusOK, "", body)
	})
	c := newTestClient(t, f.srv.URL)
	flag, err := c.GetResetPasswordFlag(context.Background(), testServer)
	if err != nil || !flag.Supported || flag.RequestID != "" {
		t.Errorf("flag = %+v, %v; want supported with no request ID", flag, err)
	}
	pw, err := c.GetServerPassword(context.Background(), ecsapi.APIV21, testServer)
	if err != nil || pw.Encrypted != "c2VjcmV0" || pw.RequestID != "" {
		t.Errorf("password = %+v, %v; want the ciphertext with no request ID", pw, err)
	}
}

func TestGetServerPasswordBadBodyDoesNotQuoteIt(t *testing.T) {
	f := newFakeService(t, respond(http.StatusOK, `{"password":"CIPHERTEXT-SHOULD-NOT-LEAK`))
	c := newTestClient(t, f.srv.URL)
	_, err := c.GetServerPassword(context.Background(), ecsapi.APIV1, testServer)
	if err == nil {
		t.Fatal("truncated JSON accepted")
	}
	if strings.Contains(err.Error(), "CIPHERTEXT") {
		t.Errorf("error quotes the success body: %v", err)
	}
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 200 || apiErr.RequestID != "req-ok" {
		t.Errorf("error = %#v", err)
	}
}

func TestDeleteServerPasswordBothAPIs(t *testing.T) {
	for api, path := range map[ecsapi.API]string{
		ecsapi.APIV1:  "/v1/" + testProject + "/cloudservers/" + testServer + "/os-server-password",
		ecsapi.APIV21: "/v2.1/" + testProject + "/servers/" + testServer + "/os-server-password",
	} {
		f := newFakeService(t, respond(http.StatusNoContent, ""))
		c := newTestClient(t, f.srv.URL)
		if err := c.DeleteServerPassword(context.Background(), api, testServer); err != nil {
			t.Fatalf("%s delete: %v", api, err)
		}
		r := onlyRequest(t, f)
		if r.Method != http.MethodDelete || r.Path != path || len(r.Body) != 0 {
			t.Errorf("%s: request %s %s body %q", api, r.Method, r.Path, r.Body)
		}
	}
}

func TestGetServer(t *testing.T) {
	v1Body := `{"server":{"id":"` + testServer + `","name":"web-1","status":"ACTIVE","locked":true,"key_name":"kp-1",` +
		`"metadata":{"os_type":"Windows","image_name":"w"},"enterprise_project_id":"ep-7","OS-EXT-STS:power_state":1,"unknown":{"x":1}}}`
	v21Body := `{"server":{"id":"` + testServer + `","name":"web-2","status":"SHUTOFF","locked":"False","key_name":null,` +
		`"metadata":{"os_type":"Linux"},"sys_tags":[{"key":"_sys_enterprise_project_id","value":"0"}]}}`

	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			writeJSON(w, 200, "r1", v1Body)
			return
		}
		writeJSON(w, 200, "r2", v21Body)
	})
	c := newTestClient(t, f.srv.URL)
	s, err := c.GetServer(context.Background(), ecsapi.APIV1, testServer)
	if err != nil {
		t.Fatalf("v1: %v", err)
	}
	want := ecsapi.Server{ID: testServer, Name: "web-1", Status: "ACTIVE", Locked: true, KeyName: "kp-1", OSType: "Windows", EnterpriseProjectID: "ep-7"}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("v1 server = %+v, want %+v", *s, want)
	}
	s, err = c.GetServer(context.Background(), ecsapi.APIV21, testServer)
	if err != nil {
		t.Fatalf("v2.1: %v", err)
	}
	want = ecsapi.Server{ID: testServer, Name: "web-2", Status: "SHUTOFF", OSType: "Linux", EnterpriseProjectID: "0"}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("v2.1 server = %+v, want %+v", *s, want)
	}
	reqs := f.requests()
	if reqs[0].Path != "/v1/"+testProject+"/cloudservers/"+testServer || reqs[1].Path != "/v2.1/"+testProject+"/servers/"+testServer {
		t.Errorf("paths %s, %s", reqs[0].Path, reqs[1].Path)
	}
}

func TestGetServerNotFoundBothFormats(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			writeJSON(w, 404, "nf-1", v1Error("Ecs.0114", "Instance["+testServer+"] could not be found."))
			return
		}
		writeJSON(w, 404, "nf-2", `{"itemNotFound":{"message":"Instance could not be found.","code":404}}`)
	})
	c := newTestClient(t, f.srv.URL)
	for api, code := range map[ecsapi.API]string{ecsapi.APIV1: "Ecs.0114", ecsapi.APIV21: "itemNotFound"} {
		_, err := c.GetServer(context.Background(), api, testServer)
		if !ecsapi.IsNotFound(err) {
			t.Fatalf("%s: IsNotFound false for %v", api, err)
		}
		var apiErr *ecsapi.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != code || apiErr.StatusCode != 404 || apiErr.Method != "GET" {
			t.Errorf("%s: error %#v", api, apiErr)
		}
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("404 must not be retried: %d requests", n)
	}
}

func TestGetServerMalformedBodies(t *testing.T) {
	tests := map[string]struct {
		contentType, body, want string
	}{
		"html on 200":      {"text/html", "<html>login</html>", `content type "text/html"`},
		"no server object": {"application/json", `{"servers":[]}`, "no server object"},
		"wrong type":       {"application/json", `{"server":{"id":5}}`, "wrong type"},
		"empty body":       {"application/json", ``, "body is empty"},
		"array":            {"application/json", `[]`, "wrong type"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Header().Set("X-Request-Id", "rid-9")
				_, _ = io.WriteString(w, tt.body)
			})
			c := newTestClient(t, f.srv.URL)
			_, err := c.GetServer(context.Background(), ecsapi.APIV1, testServer)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "rid-9") {
				t.Errorf("error = %v, want it to mention %q and the request ID", err, tt.want)
			}
		})
	}
}

func TestErrorResponsesThatAreNotJSON(t *testing.T) {
	huge := strings.Repeat("x", 2<<20)
	tests := map[string]struct {
		status      int
		contentType string
		body        string
		want        []string
	}{
		"html from a proxy": {502, "text/html", "<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>",
			[]string{"HTTP 502", "text/html", "502 Bad Gateway", "request ID rid-x"}},
		"truncated json": {400, "application/json", `{"error":{"code":"Ecs.00`,
			[]string{"HTTP 400", "not a JSON document", "request ID rid-x"}},
		"oversized": {500, "application/json", huge, []string{"HTTP 500", "larger than 1048576 bytes"}},
		"empty":     {403, "", "", []string{"HTTP 403", "Forbidden (empty body)"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.Header().Set("X-Request-Id", "rid-x")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 0 })
			err := c.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer)
			var apiErr *ecsapi.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if len(err.Error()) > 600 {
				t.Errorf("error is %d bytes long; excerpts must be short", len(err.Error()))
			}
		})
	}
}

func TestHTML404IsNotNotFound(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		_, _ = io.WriteString(w, "<html>no such route</html>")
	})
	c := newTestClient(t, f.srv.URL)
	_, err := c.GetServer(context.Background(), ecsapi.APIV1, testServer)
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("error = %v", err)
	}
	if ecsapi.IsNotFound(err) {
		t.Error("an HTML 404 (wrong endpoint) must not look like a deleted server")
	}
}

func TestBatchReset(t *testing.T) {
	second := "c6b9e8d7-2a3f-4e5d-8c9b-0a1f2e3d4c5b"
	f := newFakeService(t, respond(200, `{"response":[{"id":"`+testServer+`"},{"id":"`+second+`"}]}`))
	c := newTestClient(t, f.srv.URL)
	res, err := c.BatchResetServerPasswords(context.Background(), ecsapi.BatchResetRequest{
		NewPassword: "Nw0Pass!word", ServerIDs: []string{testServer, second},
	})
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	if len(res.ServerIDs) != 2 || res.ServerIDs[0] != testServer || res.ServerIDs[1] != second {
		t.Errorf("result %+v", res)
	}
	r := onlyRequest(t, f)
	if r.Method != http.MethodPut || r.Path != "/v1/"+testProject+"/cloudservers/os-reset-passwords" {
		t.Errorf("request line %s %s", r.Method, r.Path)
	}
	want := `{"new_password":"Nw0Pass!word","dry_run":false,"servers":[{"id":"` + testServer + `"},{"id":"` + second + `"}]}`
	if string(r.Body) != want {
		t.Errorf("body %s\nwant %s", r.Body, want)
	}
}

func TestBatchResetDryRun(t *testing.T) {
	f := newFakeService(t, respond(200, ""))
	c := newTestClient(t, f.srv.URL)
	res, err := c.BatchResetServerPasswords(context.Background(), ecsapi.BatchResetRequest{DryRun: true, ServerIDs: []string{testServer}})
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if len(res.ServerIDs) != 0 {
		t.Errorf("result %+v", res)
	}
	if got := string(onlyRequest(t, f).Body); got != `{"dry_run":true,"servers":[{"id":"`+testServer+`"}]}` {
		t.Errorf("body %s", got)
	}
}

func TestBatchResetValidation(t *testing.T) {
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("srv-%04d", i)
	}
	tests := map[string]ecsapi.BatchResetRequest{
		"no servers":    {NewPassword: "Nw0Pass!word"},
		"too many":      {NewPassword: "Nw0Pass!word", ServerIDs: many},
		"duplicate":     {NewPassword: "Nw0Pass!word", ServerIDs: []string{"a", "b", "a"}},
		"bad id":        {NewPassword: "Nw0Pass!word", ServerIDs: []string{"a", "../b"}},
		"no password":   {ServerIDs: []string{"a"}},
		"empty id":      {NewPassword: "Nw0Pass!word", ServerIDs: []string{""}},
		"whitespace id": {NewPassword: "Nw0Pass!word", ServerIDs: []string{"a b"}},
	}
	f := newFakeService(t, respond(200, `{"response":[]}`))
	c := newTestClient(t, f.srv.URL)
	for name, req := range tests {
		if _, err := c.BatchResetServerPasswords(context.Background(), req); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid batches", n)
	}
	// Exactly 1000 is allowed.
	if _, err := c.BatchResetServerPasswords(context.Background(), ecsapi.BatchResetRequest{NewPassword: "Nw0Pass!word", ServerIDs: many[:1000]}); err != nil {
		t.Errorf("1000 servers rejected: %v", err)
	}
}

func TestBatchResetFailures(t *testing.T) {
	f := newFakeService(t, respond(400, `{"error":{"code":"Ecs.0611","message":"batch operation failed"},"internalError":[`+
		`{"id":"a","error_code":"Ecs.0613","error_message":"plug-in missing"},{"id":"b","error_code":"Ecs.0114","error_message":"not found"}]}`))
	c := newTestClient(t, f.srv.URL)
	_, err := c.BatchResetServerPasswords(context.Background(), ecsapi.BatchResetRequest{NewPassword: "Nw0Pass!word", ServerIDs: []string{"a", "b"}})
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v", err)
	}
	want := []ecsapi.BatchFailure{{ServerID: "a", Code: "Ecs.0613", Message: "plug-in missing"}, {ServerID: "b", Code: "Ecs.0114", Message: "not found"}}
	if apiErr.Code != "Ecs.0611" || fmt.Sprint(apiErr.Failures) != fmt.Sprint(want) {
		t.Errorf("error %#v", apiErr)
	}
	if !strings.Contains(err.Error(), "2 server(s) failed") {
		t.Errorf("message %q", err)
	}
}

func TestInvalidServerIDsNeverReachTheNetwork(t *testing.T) {
	f := newFakeService(t, respond(200, `{}`))
	c := newTestClient(t, f.srv.URL)
	ctx := context.Background()
	for _, id := range []string{"", "a/b", "/", "..", ".", "a b", "a\tb", "a\nb", "a\x00b", "a\\b", "\u00a0x", strings.Repeat("a", 300), "\xff"} {
		errs := []error{
			c.ResetServerPassword(ctx, ecsapi.APIV1, id, "Nw0Pass!word", true),
			c.ResetServerPassword(ctx, ecsapi.APIV21, id, "Nw0Pass!word", false),
			c.DeleteServerPassword(ctx, ecsapi.APIV1, id),
			c.DeleteServerPassword(ctx, ecsapi.APIV21, id),
		}
		_, err := c.GetResetPasswordFlag(ctx, id)
		errs = append(errs, err)
		_, err = c.GetServerPassword(ctx, ecsapi.APIV21, id)
		errs = append(errs, err)
		_, err = c.GetServer(ctx, ecsapi.APIV1, id)
		errs = append(errs, err)
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "server ID") {
				t.Errorf("id %q, call %d: error %v", id, i, err)
			}
		}
	}
	if _, err := c.GetServer(ctx, ecsapi.API("v3"), testServer); err == nil || !strings.Contains(err.Error(), "unknown API") {
		t.Errorf("unknown API: %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid IDs", n)
	}
}

func TestServerIDIsEscapedAsOneSegment(t *testing.T) {
	id := "srv:1%2F?x=y#frag;@+"
	f := newFakeService(t, respond(200, `{"password":""}`))
	c := newTestClient(t, f.srv.URL)
	if _, err := c.GetServerPassword(context.Background(), ecsapi.APIV1, id); err != nil {
		t.Fatalf("get: %v", err)
	}
	r := onlyRequest(t, f)
	if r.Path != "/v1/"+testProject+"/cloudservers/"+id+"/os-server-password" || r.Query != "" {
		t.Errorf("server saw path %q query %q (raw %q)", r.Path, r.Query, r.RawPath)
	}
}

func TestEndpointWithBasePath(t *testing.T) {
	f := newFakeService(t, respond(204, ""))
	c := newTestClient(t, f.srv.URL+"/gateway/ecs/")
	if err := c.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer); err != nil {
		t.Fatal(err)
	}
	if r := onlyRequest(t, f); r.Path != "/gateway/ecs/v1/"+testProject+"/cloudservers/"+testServer+"/os-server-password" {
		t.Errorf("path %q", r.Path)
	}
}

func TestTokenAuthentication(t *testing.T) {
	const token = "MIIZtokenvalue-abc+/="
	f := newFakeService(t, respond(204, ""))
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Credentials = ecsapi.Credentials{Token: token} })
	if err := c.ResetServerPassword(context.Background(), ecsapi.APIV1, testServer, "Nw0Pass!word", true); err != nil {
		t.Fatal(err)
	}
	r := onlyRequest(t, f)
	if r.Header.Get("X-Auth-Token") != token {
		t.Errorf("X-Auth-Token %q", r.Header.Get("X-Auth-Token"))
	}
	for _, h := range []string{"Authorization", "X-Sdk-Date", "X-Security-Token"} {
		if r.Header.Get(h) != "" {
			t.Errorf("token request carries %s", h)
		}
	}
}

func TestTemporaryCredentialsSignTheSecurityToken(t *testing.T) {
	const securityToken = "gQpjbi1ub3J0aC00SecurityToken+/=="
	f := newFakeService(t, respond(200, `{"resetpwd_flag":"True"}`))
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Credentials.SecurityToken = securityToken })
	if _, err := c.GetResetPasswordFlag(context.Background(), testServer); err != nil {
		t.Fatal(err)
	}
	r := onlyRequest(t, f)
	if r.Header.Get("X-Security-Token") != securityToken {
		t.Errorf("X-Security-Token %q", r.Header.Get("X-Security-Token"))
	}
	if !strings.Contains(r.Header.Get("Authorization"), "SignedHeaders=host;x-project-id;x-sdk-date;x-security-token,") {
		t.Errorf("security token not signed: %s", r.Header.Get("Authorization"))
	}
}

func TestLookupAndResolveProjectID(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v3/projects" {
			writeJSON(w, 404, "", v1Error("Ecs.0114", "wrong path"))
			return
		}
		switch r.URL.Query().Get("name") {
		case "cn-north-4":
			writeJSON(w, 200, "iam-1", `{"projects":[{"id":"`+testProject+`","name":"cn-north-4","enabled":true},{"id":"other","name":"cn-north-4_sub"}]}`)
		case "twice":
			writeJSON(w, 200, "iam-2", `{"projects":[{"id":"a","name":"twice"},{"id":"b","name":"twice"}]}`)
		default:
			writeJSON(w, 200, "iam-3", `{"projects":[]}`)
		}
	})
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.ProjectID = "" })

	if err := c.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer); err == nil || !strings.Contains(err.Error(), "ResolveProjectID") {
		t.Errorf("call before resolving: %v", err)
	}
	if err := c.ResolveProjectID(context.Background()); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if c.ProjectID() != testProject {
		t.Errorf("project ID %q", c.ProjectID())
	}
	r := onlyRequest(t, f)
	if r.Method != http.MethodGet || r.Query != "name=cn-north-4" || r.Header.Get("X-Project-Id") != "" {
		t.Errorf("lookup request %s %s?%s project header %q", r.Method, r.Path, r.Query, r.Header.Get("X-Project-Id"))
	}
	// Resolving again uses the cached value.
	if err := c.ResolveProjectID(context.Background()); err != nil || len(f.requests()) != 1 {
		t.Errorf("second resolve: %v, %d requests", err, len(f.requests()))
	}
	if _, err := c.LookupProjectID(context.Background(), "nowhere"); err == nil || !strings.Contains(err.Error(), "no enabled IAM project") {
		t.Errorf("missing project: %v", err)
	}
	if _, err := c.LookupProjectID(context.Background(), "twice"); err == nil || !strings.Contains(err.Error(), "2 IAM projects") {
		t.Errorf("ambiguous project: %v", err)
	}
}

func TestResolveProjectIDNeedsIAMAndRegion(t *testing.T) {
	c, err := ecsapi.NewClient(ecsapi.Config{ECSEndpoint: "https://ecs.example.test", Credentials: ecsapi.Credentials{Token: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ResolveProjectID(context.Background()); err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("no region: %v", err)
	}
	if _, err := c.LookupProjectID(context.Background(), "cn-north-4"); err == nil || !strings.Contains(err.Error(), "IAM endpoint") {
		t.Errorf("no IAM endpoint: %v", err)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	target := newFakeService(t, respond(204, ""))
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.srv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Credentials = ecsapi.Credentials{Token: "secret-token-value"} })
	err := c.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer)
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("error = %v", err)
	}
	if n := len(target.requests()); n != 0 {
		t.Errorf("redirect target received %d requests (and the token)", n)
	}
}

func TestCustomHTTPClientIsUsed(t *testing.T) {
	f := newFakeService(t, respond(204, ""))
	var used int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.HTTPClient = hc })
	if err := c.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer); err != nil {
		t.Fatal(err)
	}
	if used != 1 {
		t.Errorf("custom transport used %d times", used)
	}
	if hc.CheckRedirect != nil {
		t.Error("the caller's client was modified")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestEchoedAuthorizationIsScrubbed(t *testing.T) {
	const token = "echoed-token-value-0123456789"
	for name, creds := range map[string]ecsapi.Credentials{
		"signature": {AccessKey: testAccessKey, SecretKey: testSecretKey},
		"token":     {Token: token},
	} {
		var echoed string
		f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			echoed = r.Header.Get("Authorization") + r.Header.Get("X-Auth-Token")
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<pre>"+echoed+"</pre>")
		})
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Credentials = creds; cfg.MaxRetries = 0 })
		err := c.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer)
		if err == nil || echoed == "" {
			t.Fatalf("%s: error %v, echoed %q", name, err, echoed)
		}
		secret := token
		if name == "signature" {
			_, secret, _ = strings.Cut(echoed, "Signature=")
		}
		if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "(redacted)") {
			t.Errorf("%s: error quotes the credential: %v", name, err)
		}
	}
}
