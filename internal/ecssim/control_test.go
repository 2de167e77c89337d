package ecssim

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestControlLoopbackOnly(t *testing.T) {
	h := newHarness(t, nil)
	for addr, ok := range map[string]bool{
		"127.0.0.1:5000":      true,
		"127.1.2.3:5000":      true,
		"[::1]:5000":          true,
		"192.0.2.1:5000":      false,
		"[2001:db8::1]:5000":  false,
		"10.0.0.1:5000":       false,
		"":                    false,
		"localhost:5000":      false,
		"[fe80::1%eth0]:5000": false,
	} {
		t.Run(addr, func(t *testing.T) {
			for _, p := range []string{"/_sim/health", "/_sim/servers", "/_sim/stats"} {
				r := newRequest(http.MethodGet, p, "")
				r.RemoteAddr = addr
				res := h.serve(r)
				if ok && res.status != http.StatusOK {
					t.Fatalf("%s: status %d", p, res.status)
				}
				if !ok && (res.status != http.StatusForbidden || !strings.Contains(string(res.body), `"error"`)) {
					t.Fatalf("%s: status %d body %s, want 403", p, res.status, res.body)
				}
			}
		})
	}
}

// TestControlServers walks one pair of servers through the server endpoints
// of the control API: create, list and get, patch, delete.
func TestControlServers(t *testing.T) {
	h := newHarness(t, nil)
	created := checkControlCreateDefaults(t, h)
	key := testRSAKey(t)
	checkControlCreateFull(t, h, key)
	checkControlCreateErrors(t, h)
	checkControlListAndGet(t, h, created.ID, key)
	checkControlPatch(t, h, key)

	// DELETE: the server disappears from the API too.
	if res := h.control(http.MethodDelete, "/_sim/servers/win-1", ""); res.status != http.StatusNoContent {
		t.Fatalf("delete: %d", res.status)
	}
	if res := h.control(http.MethodDelete, "/_sim/servers/win-1", ""); res.status != http.StatusNotFound {
		t.Fatalf("second delete: %d", res.status)
	}
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, v1Path("win-1", ""), ""), 404, "Ecs.0114")
}

// checkControlCreateDefaults creates a server from a minimal spec and
// checks the defaults and the documented field set of its state.
func checkControlCreateDefaults(t *testing.T, h *harness) ServerState {
	res := h.control(http.MethodPost, "/_sim/servers", `{"name":"web-1","os_type":"linux"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var created ServerState
	if err := json.Unmarshal(res.body, &created); err != nil {
		t.Fatal(err)
	}
	if len(created.ID) != 36 || created.Name != "web-1" || created.Status != "ACTIVE" || created.OSType != "Linux" ||
		created.EnterpriseProjectID != "0" || !created.ResetPasswordSupported || created.Locked || created.ResetHistory == nil {
		t.Fatalf("defaults = %+v", created)
	}
	// The documented field set of a server state.
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(res.body, &raw)
	for _, key := range []string{"id", "name", "status", "os_type", "enterprise_project_id", "reset_password_supported", "locked",
		"key_name", "password", "reset_count", "last_reset_api", "last_is_check_password", "windows_password_present",
		"reset_history", "created", "updated"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("server state lacks %q: %s", key, res.body)
		}
	}
	return created
}

// checkControlCreateFull creates win-1 with every field set, its Windows
// password encrypted under key.
func checkControlCreateFull(t *testing.T, h *harness, key *rsa.PrivateKey) {
	spec, _ := json.Marshal(ServerSpec{
		ID: "win-1", Name: "win", OSType: "Windows", Status: "SHUTOFF", EnterpriseProjectID: "ep-1",
		ResetPasswordSupported: boolPtr(false), Locked: true, KeyName: "kp", PublicKey: sshRSA(t, &key.PublicKey),
		WindowsPassword: "Secret!Init1",
	})
	res := h.control(http.MethodPost, "/_sim/servers", string(spec))
	if res.status != http.StatusCreated {
		t.Fatalf("create full: %d %s", res.status, res.body)
	}
	if strings.Contains(string(res.body), "Secret!Init1") {
		t.Fatal("windows password echoed in plain text")
	}
}

func checkControlCreateErrors(t *testing.T, h *harness) {
	for name, tc := range map[string]struct {
		body   string
		status int
	}{
		"duplicate id":      {`{"id":"win-1","os_type":"Linux"}`, http.StatusConflict},
		"bad os_type":       {`{"os_type":"Plan9"}`, http.StatusBadRequest},
		"unknown field":     {`{"os_type":"Linux","flavour":"big"}`, http.StatusBadRequest},
		"not json":          {`{"os_type":`, http.StatusBadRequest},
		"trailing data":     {`{"os_type":"Linux"} {}`, http.StatusBadRequest},
		"empty":             {``, http.StatusBadRequest},
		"wrong type":        {`{"locked":"yes"}`, http.StatusBadRequest},
		"password w/o key":  {`{"os_type":"Windows","windows_password":"x"}`, http.StatusBadRequest},
		"ssh key malformed": {`{"os_type":"Windows","public_key":"ssh-rsa AAAAB3Nza"}`, http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			res := h.control(http.MethodPost, "/_sim/servers", tc.body)
			var e controlError
			if res.status != tc.status || json.Unmarshal(res.body, &e) != nil || e.Error == "" {
				t.Fatalf("status %d body %s, want %d with an error message", res.status, res.body, tc.status)
			}
		})
	}
}

// checkControlListAndGet checks the list of the two servers and the state
// of win-1, whose Windows password key decrypts.
func checkControlListAndGet(t *testing.T, h *harness, firstID string, key *rsa.PrivateKey) {
	res := h.control(http.MethodGet, "/_sim/servers", "")
	var list struct {
		Servers []ServerState `json:"servers"`
	}
	if res.status != 200 || json.Unmarshal(res.body, &list) != nil || len(list.Servers) != 2 ||
		list.Servers[0].ID != firstID || list.Servers[1].ID != "win-1" {
		t.Fatalf("list: %d %s", res.status, res.body)
	}

	res = h.control(http.MethodGet, "/_sim/servers/win-1", "")
	var win ServerState
	if res.status != 200 || json.Unmarshal(res.body, &win) != nil {
		t.Fatalf("get: %d %s", res.status, res.body)
	}
	if !win.WindowsPasswordPresent || decryptTestPassword(t, key, win.EncryptedPassword) != "Secret!Init1" ||
		win.KeyName != "kp" || win.ResetPasswordSupported || !win.Locked || win.Status != "SHUTOFF" || win.EnterpriseProjectID != "ep-1" {
		t.Fatalf("get = %+v", win)
	}
	if res := h.control(http.MethodGet, "/_sim/servers/nope", ""); res.status != http.StatusNotFound {
		t.Fatalf("get unknown: %d", res.status)
	}
}

// checkControlPatch patches win-1: PATCH changes only what it names, and a
// failed patch changes nothing.
func checkControlPatch(t *testing.T, h *harness, key *rsa.PrivateKey) {
	res := h.control(http.MethodPatch, "/_sim/servers/win-1", `{"status":"active","locked":false,"reset_password_supported":true}`)
	var patched ServerState
	if res.status != 200 || json.Unmarshal(res.body, &patched) != nil {
		t.Fatalf("patch: %d %s", res.status, res.body)
	}
	if patched.Status != "ACTIVE" || patched.Locked || !patched.ResetPasswordSupported || !patched.WindowsPasswordPresent || patched.Name != "win" {
		t.Fatalf("patched = %+v", patched)
	}
	res = h.control(http.MethodPatch, "/_sim/servers/win-1", `{"windows_password":""}`)
	patched = ServerState{}
	if err := json.Unmarshal(res.body, &patched); err != nil || patched.WindowsPasswordPresent || patched.EncryptedPassword != "" {
		t.Fatalf("clear password: %s", res.body)
	}
	res = h.control(http.MethodPatch, "/_sim/servers/win-1", `{"public_key":`+mustJSON(pemPKCS1(&key.PublicKey))+`,"windows_password":"N3w!pass"}`)
	if err := json.Unmarshal(res.body, &patched); err != nil || decryptTestPassword(t, key, patched.EncryptedPassword) != "N3w!pass" {
		t.Fatalf("new password: %s", res.body)
	}
	for name, tc := range map[string]struct {
		path, body string
		status     int
	}{
		"unknown server": {"/_sim/servers/nope", `{"locked":true}`, http.StatusNotFound},
		"bad status":     {"/_sim/servers/win-1", `{"status":"RUNNING"}`, http.StatusBadRequest},
		"unknown field":  {"/_sim/servers/win-1", `{"colour":"red"}`, http.StatusBadRequest},
		"empty name":     {"/_sim/servers/win-1", `{"name":""}`, http.StatusBadRequest},
		"bad key":        {"/_sim/servers/win-1", `{"public_key":"nope"}`, http.StatusBadRequest},
		"key removed":    {"/_sim/servers/win-1", `{"public_key":"","windows_password":"x"}`, http.StatusBadRequest},
	} {
		t.Run("patch "+name, func(t *testing.T) {
			if res := h.control(http.MethodPatch, tc.path, tc.body); res.status != tc.status {
				t.Fatalf("status %d body %s, want %d", res.status, res.body, tc.status)
			}
		})
	}
	if st, _ := h.sim.Server("win-1"); st.Status != "ACTIVE" || st.Name != "win" || !st.WindowsPasswordPresent {
		t.Fatalf("state after failed patches = %+v", st)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestControlPrincipals(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux", EnterpriseProjectID: "ep-9"})
	res := h.control(http.MethodPost, "/_sim/principals",
		`{"access_key":"NEWAK","secret_key":"very-secret","security_token":"tok-123","actions":["ecs:cloudServers:get"],"enterprise_project_ids":["ep-9"]}`)
	if res.status != http.StatusCreated {
		t.Fatalf("status %d %s", res.status, res.body)
	}
	if strings.Contains(string(res.body), "very-secret") || strings.Contains(string(res.body), "tok-123") {
		t.Fatalf("secrets echoed: %s", res.body)
	}
	var view principalView
	if err := json.Unmarshal(res.body, &view); err != nil || view.AccessKey != "NEWAK" || view.ProjectID != DefaultProjectID ||
		!view.Temporary || !slices.Equal(view.Actions, []string{ActionGetServer}) || !slices.Equal(view.EnterpriseProjectIDs, []string{"ep-9"}) {
		t.Fatalf("view = %s", res.body)
	}
	c := cred{ak: "NEWAK", sk: "very-secret", securityToken: "tok-123"}
	if res := h.call(c, http.MethodGet, v1Path(srv.ID, ""), ""); res.status != 200 {
		t.Fatalf("new principal: %d %s", res.status, res.body)
	}
	// Posting the same access key replaces the grant.
	h.control(http.MethodPost, "/_sim/principals", `{"access_key":"NEWAK","secret_key":"very-secret","actions":[]}`)
	wantV1Error(t, h.call(cred{ak: "NEWAK", sk: "very-secret"}, http.MethodGet, v1Path(srv.ID, ""), ""), 403, "Pdp.0001")

	for name, body := range map[string]string{
		"no access key":   `{"secret_key":"s"}`,
		"no secret":       `{"access_key":"A"}`,
		"comma in key":    `{"access_key":"A,B","secret_key":"s"}`,
		"bad pattern":     `{"access_key":"A","secret_key":"s","actions":["["]}`,
		"empty action":    `{"access_key":"A","secret_key":"s","actions":[""]}`,
		"empty ep":        `{"access_key":"A","secret_key":"s","enterprise_project_ids":[""]}`,
		"unknown field":   `{"access_key":"A","secret_key":"s","role":"admin"}`,
		"actions no list": `{"access_key":"A","secret_key":"s","actions":"ecs:*:*"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if res := h.control(http.MethodPost, "/_sim/principals", body); res.status != http.StatusBadRequest {
				t.Fatalf("status %d %s", res.status, res.body)
			}
		})
	}
}

func TestControlFaultsAndConfig(t *testing.T) {
	h := newHarness(t, nil)
	res := h.control(http.MethodPost, "/_sim/faults", `{"method":"GET","path_contains":"/os-resetpwd-flag","status":429,"count":2,"retry_after_seconds":3}`)
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	var fs FaultStatus
	if err := json.Unmarshal(res.body, &fs); err != nil || fs.ID != 1 || fs.Status != 429 || fs.Remaining == nil || *fs.Remaining != 2 {
		t.Fatalf("fault = %s", res.body)
	}
	if res := h.control(http.MethodPost, "/_sim/faults", `{"status":999}`); res.status != http.StatusBadRequest {
		t.Fatalf("invalid fault: %d", res.status)
	}
	h.call(defaultCred(), http.MethodGet, v1Path("x", "os-resetpwd-flag"), "")
	res = h.control(http.MethodGet, "/_sim/faults", "")
	var list struct {
		Faults []FaultStatus `json:"faults"`
	}
	if err := json.Unmarshal(res.body, &list); err != nil || len(list.Faults) != 1 || list.Faults[0].Injected != 1 || *list.Faults[0].Remaining != 1 {
		t.Fatalf("list = %s", res.body)
	}
	if res := h.control(http.MethodDelete, "/_sim/faults", ""); res.status != http.StatusNoContent {
		t.Fatalf("clear: %d", res.status)
	}
	if res := h.control(http.MethodGet, "/_sim/faults", ""); string(res.body) != `{"faults":[]}` {
		t.Fatalf("after clear: %s", res.body)
	}

	if res := h.control(http.MethodGet, "/_sim/config", ""); string(res.body) != `{"latency_ms":0,"rate_limit":0,"clock_offset_seconds":0,"job_duration_ms":2000,"token_lifetime_seconds":86400}` {
		t.Fatalf("config: %s", res.body)
	}
	for _, body := range []string{`{"latency_ms":-1}`, `{"rate_limit":-2}`, `{"latency":5}`, `nope`,
		`{"job_duration_ms":0}`, `{"job_duration_ms":86400001}`, `{"job_duration_ms":1.5}`, `{"rate_limit":1,"job_duration_ms":-5}`} {
		if res := h.control(http.MethodPut, "/_sim/config", body); res.status != http.StatusBadRequest {
			t.Fatalf("%s: status %d", body, res.status)
		}
	}
	res = h.control(http.MethodPut, "/_sim/config", `{"rate_limit":2.5}`)
	if string(res.body) != `{"latency_ms":0,"rate_limit":2.5,"clock_offset_seconds":0,"job_duration_ms":2000,"token_lifetime_seconds":86400}` {
		t.Fatalf("set rate: %s", res.body)
	}
	res = h.control(http.MethodPut, "/_sim/config", `{"job_duration_ms":250}`)
	if string(res.body) != `{"latency_ms":0,"rate_limit":2.5,"clock_offset_seconds":0,"job_duration_ms":250,"token_lifetime_seconds":86400}` || h.sim.JobDuration() != 250*time.Millisecond {
		t.Fatalf("set job duration: %s", res.body)
	}
}

func TestControlRequestsAndStats(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	const secretPassword = "Nw0Pass!word"
	tok, _ := h.login(`{"name":"cn-north-4"}`)
	h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password")+"?q=1", resetJSON(secretPassword, true))
	h.call(cred{token: tok}, http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
	h.call(cred{ak: DefaultAccessKey, sk: "wrong"}, http.MethodGet, v1Path(srv.ID, ""), "")
	h.control(http.MethodGet, "/_sim/health", "")

	checkRequestLog(t, h, srv.ID, []string{DefaultSecretKey, secretPassword, tok, DefaultPassword, "SDK-HMAC-SHA256", "q=1"})
	checkRequestStats(t, h)

	if res := h.control(http.MethodDelete, "/_sim/requests", ""); res.status != http.StatusNoContent {
		t.Fatalf("clear: %d", res.status)
	}
	if res := h.control(http.MethodGet, "/_sim/requests", ""); string(res.body) != `{"requests":[]}` {
		t.Fatalf("after clear: %s", res.body)
	}
}

// checkRequestLog checks GET /_sim/requests after the calls of
// TestControlRequestsAndStats: one record per API call, none of secrets.
func checkRequestLog(t *testing.T, h *harness, serverID string, secrets []string) {
	res := h.control(http.MethodGet, "/_sim/requests", "")
	if res.status != 200 {
		t.Fatalf("requests: %d", res.status)
	}
	for _, secret := range secrets {
		if strings.Contains(string(res.body), secret) {
			t.Fatalf("request log contains %q: %s", secret, res.body)
		}
	}
	var log struct {
		Requests []RequestRecord `json:"requests"`
	}
	if err := json.Unmarshal(res.body, &log); err != nil {
		t.Fatal(err)
	}
	// The login, three API calls; control requests are not logged.
	want := []struct {
		method, path string
		status       int
		ak           string
	}{
		{"POST", "/v3/auth/tokens", 201, ""},
		{"PUT", v1Path(serverID, "os-reset-password"), 204, DefaultAccessKey},
		{"GET", v1Path(serverID, "os-resetpwd-flag"), 200, ""},
		{"GET", v1Path(serverID, ""), 401, DefaultAccessKey},
	}
	if len(log.Requests) != len(want) {
		t.Fatalf("log = %+v", log.Requests)
	}
	for i, w := range want {
		got := log.Requests[i]
		// httptest.NewRequest comes from 192.0.2.1:1234.
		if got.Method != w.method || got.Path != w.path || got.Status != w.status || got.AccessKey != w.ak || len(got.RequestID) != 32 ||
			!got.Time.Equal(testNow) || got.RemoteAddr != "192.0.2.1:1234" {
			t.Fatalf("log[%d] = %+v, want %+v", i, got, w)
		}
	}
	if log.Requests[1].Route != "/v1/{project_id}/cloudservers/{server_id}/os-reset-password" {
		t.Fatalf("route = %q", log.Requests[1].Route)
	}
}

// checkRequestStats checks GET /_sim/stats after the calls of
// TestControlRequestsAndStats: one count per route.
func checkRequestStats(t *testing.T, h *harness) {
	res := h.control(http.MethodGet, "/_sim/stats", "")
	var stats Stats
	if err := json.Unmarshal(res.body, &stats); err != nil {
		t.Fatal(err)
	}
	wantStats := map[string]int{
		"POST /v3/auth/tokens": 1,
		"PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password": 1,
		"GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag":  1,
		"GET /v1/{project_id}/cloudservers/{server_id}":                   1,
	}
	if len(stats.Requests) != len(wantStats) {
		t.Fatalf("stats = %s", res.body)
	}
	for k, v := range wantStats {
		if stats.Requests[k] != v {
			t.Fatalf("stats[%q] = %d, want %d (%s)", k, stats.Requests[k], v, res.body)
		}
	}
	if !strings.Contains(string(res.body), `"connections_accepted":0`) {
		t.Fatalf("stats body %s", res.body)
	}
}

func TestControlRouting(t *testing.T) {
	h := newHarness(t, nil)
	if res := h.control(http.MethodGet, "/_sim/health/", ""); res.status != 200 || string(res.body) != `{"status":"ok"}` {
		t.Fatalf("health: %d %s", res.status, res.body)
	}
	for _, p := range []string{"/_sim", "/_sim/", "/_sim/nothing"} {
		if res := h.control(http.MethodGet, p, ""); res.status != http.StatusNotFound {
			t.Fatalf("%s: %d", p, res.status)
		}
	}
	res := h.control(http.MethodPut, "/_sim/servers", "{}")
	if res.status != http.StatusMethodNotAllowed || res.header.Get("Allow") != "GET, POST" {
		t.Fatalf("wrong method: %d Allow %q", res.status, res.header.Get("Allow"))
	}
	big := `{"name":"` + strings.Repeat("n", maxBodyBytes) + `"}`
	if res := h.control(http.MethodPut, "/_sim/config", big); res.status != http.StatusBadRequest {
		t.Fatalf("oversized body: %d", res.status)
	}
	// Creating servers takes bodies of many servers, up to a larger bound.
	if res := h.control(http.MethodPost, "/_sim/servers", big); res.status != http.StatusCreated {
		t.Fatalf("a 1 MiB server body: %d %.200s", res.status, res.body)
	}
	huge := `{"name":"` + strings.Repeat("n", maxServersRequestBytes) + `"}`
	if res := h.control(http.MethodPost, "/_sim/servers", huge); res.status != http.StatusBadRequest ||
		!strings.Contains(string(res.body), "exceeds") {
		t.Fatalf("oversized servers body: %d %.200s", res.status, res.body)
	}
}

func TestRequestLogIsBounded(t *testing.T) {
	h := newHarness(t, nil)
	const extra = 5
	for i := 0; i < maxRequestLog+extra; i++ {
		h.call(cred{none: true}, http.MethodGet, fmt.Sprintf("/nowhere/%d", i), "")
	}
	recs := h.sim.Requests()
	if len(recs) != maxRequestLog {
		t.Fatalf("log holds %d records, want %d", len(recs), maxRequestLog)
	}
	// The oldest records were dropped and the rest kept their order.
	for i, rec := range recs {
		if want := fmt.Sprintf("/nowhere/%d", i+extra); rec.Path != want {
			t.Fatalf("record %d is %s, want %s", i, rec.Path, want)
		}
	}
	h.call(cred{none: true}, http.MethodGet, "/nowhere/last", "")
	if recs := h.sim.Requests(); recs[0].Path != fmt.Sprintf("/nowhere/%d", extra+1) || recs[len(recs)-1].Path != "/nowhere/last" {
		t.Fatalf("after one more request the log runs from %s to %s", recs[0].Path, recs[len(recs)-1].Path)
	}
	h.sim.ClearRequests()
	h.call(cred{none: true}, http.MethodGet, "/nowhere/after-clear", "")
	if recs := h.sim.Requests(); len(recs) != 1 || recs[0].Path != "/nowhere/after-clear" {
		t.Fatalf("after clearing, the log holds %+v", recs)
	}
}
