package ecssim

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The fuzz targets run their seed corpus as ordinary tests; run them with
// -fuzz to explore further. None may panic, and each checks the invariants
// the handlers rely on.

func FuzzDecodeResetBody(f *testing.F) {
	for _, s := range []string{
		``, ` `, `null`, `[]`, `{}`, `"x"`, `{"reset-password":null}`, `{"reset-password":[]}`,
		`{"reset-password":{"new_password":"Nw0Pass!word","is_check_password":true}}`,
		`{"reset-password":{"new_password":""}}`, `{"reset-password":{"new_password":1}}`,
		`{"reset-password":{"new_password":"x","is_check_password":"no"}}`,
		`{"reset-password":{"new_password":"x"}}garbage`, `{"reset-password":{"new_password":"\ud800"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, berr := decodeResetBody(body)
		if berr != nil {
			if berr.msg == "" {
				t.Fatal("error without a message")
			}
			return
		}
		if req.newPassword == "" {
			t.Fatal("accepted an empty password")
		}
		_ = checkPasswordRules(req.newPassword)
	})
}

func FuzzDecodeBatchBody(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{"servers":[]}`, `{"servers":null}`, `{"servers":[{"id":"a"}]}`,
		`{"new_password":"p","servers":[{"id":"a"},{"id":"b"}]}`, `{"dry_run":true,"servers":[{"id":"a"}]}`,
		`{"new_password":"p","servers":[{"id":"a"},{"id":"a"}]}`, `{"new_password":"p","servers":[1]}`,
		`{"new_password":"p","servers":[{"id":7}]}`, `{"new_password":"p","servers":{"id":"a"}}`,
		`{"new_password":"p","servers":[{}]}`, `{"new_password":null,"dry_run":null,"servers":[{"id":"a"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, berr := decodeBatchBody(body)
		if berr != nil || req.tooMany {
			return
		}
		if n := len(req.serverIDs); n < 1 || n > maxBatchServers {
			t.Fatalf("accepted %d servers", n)
		}
		seen := map[string]bool{}
		for _, id := range req.serverIDs {
			if id == "" || seen[id] {
				t.Fatalf("accepted empty or duplicate id %q", id)
			}
			seen[id] = true
		}
		if !req.dryRun && req.newPassword == "" {
			t.Fatal("accepted a real run without a password")
		}
	})
}

func FuzzDecodeActionBody(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `null`, `{"reboot":null}`, `{"reboot":{"type":"SOFT","servers":[{"id":"a"}]}}`,
		`{"reboot":{"servers":[{"id":"a"}]}}`, `{"os-stop":{"servers":[{"id":"a"},{"id":"b"}]}}`,
		`{"os-start":{"servers":[{"id":"a"}]},"reboot":{"type":"HARD","servers":[{"id":"a"}]}}`,
		`{"os-stop":{"type":"hard","servers":[{"id":"a"}]}}`, `{"os-start":{"servers":[]}}`, `{"os-start":[]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, berr := decodeActionBody(body)
		if berr != nil {
			if berr.msg == "" {
				t.Fatal("error without a message")
			}
			return
		}
		if req.kind == nil {
			t.Fatal("accepted a body without an action")
		}
		if req.tooMany {
			return
		}
		if n := len(req.serverIDs); n < 1 || n > maxBatchServers {
			t.Fatalf("accepted %d servers", n)
		}
		if req.kind.takesType != (req.rebootType == "SOFT" || req.rebootType == "HARD") {
			t.Fatalf("%s with type %q", req.kind.key, req.rebootType)
		}
	})
}

func FuzzControlBodies(f *testing.F) {
	for _, s := range controlBodySeeds() {
		f.Add(s.target, s.body)
	}
	f.Fuzz(fuzzControlBody)
}

// controlBodySeed is a body for the control route numbered target (modulo
// the number of routes) in fuzzControlBody.
type controlBodySeed struct {
	target uint8
	body   string
}

func controlBodySeeds() []controlBodySeed {
	return []controlBodySeed{
		{0, `{"name":"a","os_type":"Linux"}`},
		{0, `{"id":"x","os_type":"Windows","public_key":"ssh-rsa AAAAB3NzaC1yc2E=","windows_password":"p"}`},
		{0, `{"status":"build","locked":true,"reset_password_supported":false}`},
		{1, `{"status":"SHUTOFF","locked":false,"name":"n"}`},
		{1, `{"public_key":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}`},
		{2, `{"access_key":"AK","secret_key":"SK","actions":["ecs:*:*"],"enterprise_project_ids":["0"]}`},
		{2, `{"access_key":"AK","secret_key":"SK","actions":["["]}`},
		{3, `{"status":429,"count":1,"retry_after_seconds":2}`},
		{3, `{"reset_connection":true,"rate":0.5}`},
		{3, `{"delay_ms":5,"status":0}`},
		{3, `{"status":200,"content_type":"text/html","headers":{"X-Request-Id":"r"},"truncate_after":0,"body":"<p>"}`},
		{3, `{"status":103,"pass_through":true,"headers":{"Link":"</a>"}}`},
		{3, `{"status":202,"body_base64":"/w==","pass_through":true,"delay_ms":1}`},
		{4, `{"latency_ms":1,"rate_limit":0.5}`},
		{4, `{"rate_limit":1e999}`},
		{4, `{"job_duration_ms":150,"latency_ms":0}`},
		{0, `{"os_type":"Linux","login_password":"p"}`},
		{1, `{"fail_next_boot":"boot failed","login_password":""}`},
		{0, `[{"id":"y","tags":{"env":"prod","k":""}},{"name":"b"}]`},
		{0, `[{"id":"x"}]`},
		{1, `{"tags":{"a":"b","c":""}}`},
		{1, `{"tags":{}}`},
		{4, `{"token_lifetime_seconds":60}`},
		{4, `{"token_lifetime_seconds":-9223372036854775808}`},
		{2, `{"access_key":"AK","secret_key":"SK","security_token":"t","expires_at":"2026-11-26T08:20:00Z"}`},
		{2, `{"access_key":"AK","secret_key":"SK","expires_at":"yesterday"}`},
		{5, `{"domain_name":"acme","agency_name":"ops","actions":["ecs:*:*"],"enterprise_project_ids":["0"]}`},
		{5, `{"domain_name":"acme","domain_id":"id","agency_name":"ops","actions":["["]}`},
		{5, `{"domain_name":"","agency_name":"x"}`},
		{6, `{"lifetime_seconds":60,"actions":null,"disabled":true}`},
		{6, `{"lifetime_seconds":9223372036854775807}`},
		{6, `{"actions":["ecs:*:*"],"enterprise_project_ids":["ep"]}`},
		{6, `{"actions":"ecs:*:*"}`},
		{6, `{"enterprise_project_ids":["ep"]}`},
	}
}

// fuzzControlBody sends body to a control route chosen by target: the
// answer must be a success or a client error that echoes no secret key,
// and the API must keep working afterwards.
func fuzzControlBody(t *testing.T, target uint8, body string) {
	h := newHarness(t, nil)
	h.sim.sleep = (&sleepRecorder{}).sleep
	h.addServer(ServerSpec{ID: "x", OSType: "Windows"})
	routes := []struct{ method, path string }{
		{http.MethodPost, "/_sim/servers"},
		{http.MethodPatch, "/_sim/servers/x"},
		{http.MethodPost, "/_sim/principals"},
		{http.MethodPost, "/_sim/faults"},
		{http.MethodPut, "/_sim/config"},
		{http.MethodPost, "/_sim/agencies"},
		{http.MethodPut, "/_sim/metadata"},
	}
	rt := routes[int(target)%len(routes)]
	res := h.control(rt.method, rt.path, body)
	switch res.status {
	case http.StatusOK, http.StatusCreated, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict:
	default:
		t.Fatalf("%s %s answered %d: %s", rt.method, rt.path, res.status, res.body)
	}
	if strings.Contains(string(res.body), `"secret_key"`) {
		t.Fatalf("response echoes a secret key: %s", res.body)
	}
	// Whatever was accepted, the API keeps working, except where an
	// accepted fault now answers in its place.
	api := h.call(defaultCred(), http.MethodGet, v1Path("x", "os-resetpwd-flag"), "")
	faulted := rt.path == "/_sim/faults" && res.status == http.StatusCreated
	if !faulted && api.status >= 500 && api.status != 501 && api.status != 502 && api.status != 503 && api.status != 504 {
		t.Fatalf("API answered %d after control call: %s", api.status, api.body)
	}
}

func FuzzSignatureVerifier(f *testing.F) {
	valid := newRequest(http.MethodGet, v1Path("srv", "os-resetpwd-flag"), "")
	signTestRequest(valid, nil, DefaultAccessKey, DefaultSecretKey, testNow, nil)
	f.Add(valid.Header.Get("Authorization"), valid.Header.Get("X-Sdk-Date"), "", http.MethodGet, v1Path("srv", "os-resetpwd-flag"), "", "", "")
	f.Add("SDK-HMAC-SHA256 Access=ECSSIMACCESSKEY00001, SignedHeaders=x-sdk-date;host, Signature=00", "20261126T081500Z",
		"x", http.MethodPut, "/v1/p/cloudservers/a%2Fb", "a=1&a=2&b", "{}", "UNSIGNED-PAYLOAD")
	f.Add("SDK-HMAC-SHA256 ", "", "", "", "", "", "", "")
	f.Add("SDK-HMAC-SHA256 Access=, SignedHeaders=;;, Signature=", "99999999T999999Z", "", "GET", "/", ";", "", "")
	f.Add("SDK-HMAC-SHA256 Access=A=B, Access=C, SignedHeaders=x-sdk-date", "20261126T081500Z", "v", "DELETE", "/v2/%zz", "%zz", "\x00", "")
	f.Fuzz(func(t *testing.T, authz, date, project, method, path, rawQuery, body, contentSHA string) {
		h := newHarness(t, nil)
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			method = http.MethodGet
		}
		r := newRequest(http.MethodGet, "/", body)
		r.Method = method
		r.URL = &url.URL{Path: path, RawQuery: rawQuery}
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Sdk-Date", date)
		if project != "" {
			r.Header.Set("X-Project-Id", project)
		}
		if contentSHA != "" {
			r.Header.Set("X-Sdk-Content-Sha256", contentSHA)
		}
		res := h.serve(r)
		if authz == valid.Header.Get("Authorization") && date == valid.Header.Get("X-Sdk-Date") &&
			method == http.MethodGet && path == valid.URL.Path && rawQuery == "" && body == "" && contentSHA == "" && project == "" {
			if res.status == http.StatusUnauthorized {
				t.Fatalf("the valid seed was rejected: %s", res.body)
			}
			return
		}
		if res.status == http.StatusUnauthorized || res.status == http.StatusRequestEntityTooLarge {
			return
		}
		// The request got past authentication, which the fuzzer can only
		// achieve by presenting the one correct signature: an independent
		// computation over the same request must agree.
		params, ok := parseAuthorization(authz)
		if !ok || params.accessKey != DefaultAccessKey {
			t.Fatalf("accepted Authorization %q", authz)
		}
		at, err := time.Parse(sdkDateLayout, date)
		if err != nil {
			t.Fatalf("accepted X-Sdk-Date %q", date)
		}
		check := r.Clone(context.Background())
		signTestRequest(check, []byte(body), DefaultAccessKey, DefaultSecretKey, at, params.signedHeaders)
		want, _ := parseAuthorization(check.Header.Get("Authorization"))
		if want.signature != params.signature {
			t.Fatalf("accepted signature %s; the request's signature is %s", params.signature, want.signature)
		}
	})
}

// FuzzAuthenticatedRequests signs arbitrary requests correctly, so that the
// routing and every handler see fuzzed methods, paths and bodies.
func FuzzAuthenticatedRequests(f *testing.F) {
	f.Add(http.MethodPut, v1Path("s1", "os-reset-password"), `{"reset-password":{"new_password":"Nw0Pass!word","is_check_password":true}}`)
	f.Add(http.MethodPut, "/v1/"+DefaultProjectID+"/cloudservers/os-reset-passwords", `{"new_password":"p","servers":[{"id":"s1"},{"id":"zz"}]}`)
	f.Add(http.MethodGet, v1Path("s1", "os-resetpwd-flag"), "")
	f.Add(http.MethodDelete, nativePath("v2", "s1", "os-server-password"), "")
	f.Add(http.MethodPut, nativePath("v2.1", "s1", "os-reset-password"), `{"reset-password":{}}`)
	f.Add(http.MethodPost, "/v3/auth/tokens", `{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":"x"}}}}}`)
	f.Add(http.MethodGet, "/v3/projects", "")
	f.Add("PATCH", "/v1/x/y/z", "{")
	f.Add(http.MethodPost, "/v3.0/OS-CREDENTIAL/securitytokens",
		`{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"ops","domain_name":"acme","duration_seconds":900}}}}`)
	f.Add(http.MethodPost, "/v3.0/OS-CREDENTIAL/securitytokens",
		`{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"ops","domain_id":"x","duration_seconds":1e99}}}}`)
	f.Add(http.MethodGet, "/openstack/latest/securitykey", "")
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n") {
			return
		}
		h := newHarness(t, nil)
		h.addServer(ServerSpec{ID: "s1", OSType: "Linux"})
		h.addAgency(Agency{DomainName: "acme", AgencyName: "ops", Actions: []string{allActions}})
		r := newRequest(http.MethodGet, "/", body)
		r.Method = method
		r.URL = &url.URL{Path: path}
		r.Header.Set("Content-Type", "application/json")
		signTestRequest(r, []byte(body), DefaultAccessKey, DefaultSecretKey, testNow, nil)
		res := h.serve(r)
		if isControlPath(path) {
			return // not an API request: answered by the control API
		}
		if res.status == http.StatusUnauthorized && strings.Contains(string(res.body), codeAuthFailed) {
			t.Fatalf("a correctly signed request was rejected: %s %q: %s", method, path, res.body)
		}
		if res.status >= 500 {
			t.Fatalf("%s %q answered %d: %s", method, path, res.status, res.body)
		}
		if res.header.Get("X-Request-Id") == "" {
			t.Fatal("no X-Request-Id")
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAAQE=")
	f.Add("-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n")
	f.Add("ssh-rsa AAAAB3NzaC1yc2H/////")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		pub, err := parsePublicKey(text)
		if err == nil && (pub.N.BitLen() < minRSABits || pub.E < 3) {
			t.Fatalf("accepted a weak key: %d bits, e=%d", pub.N.BitLen(), pub.E)
		}
	})
}
