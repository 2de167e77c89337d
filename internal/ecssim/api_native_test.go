package ecssim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestNativeOperations(t *testing.T) {
	for _, version := range []string{"v2.1", "v2"} {
		t.Run(version, func(t *testing.T) {
			h := newHarness(t, nil)
			key := testRSAKey(t)
			win := h.addServer(ServerSpec{OSType: "Windows", PublicKey: sshRSA(t, &key.PublicKey), WindowsPassword: "W1n!pass"})

			res := h.call(defaultCred(), http.MethodGet, nativePath(version, win.ID, "os-server-password"), "")
			var body struct {
				Password string `json:"password"`
			}
			if res.status != http.StatusOK || json.Unmarshal(res.body, &body) != nil {
				t.Fatalf("get: %d %s", res.status, res.body)
			}
			if got := decryptTestPassword(t, key, body.Password); got != "W1n!pass" {
				t.Fatalf("decrypted %q", got)
			}
			if res := h.call(defaultCred(), http.MethodDelete, nativePath(version, win.ID, "os-server-password"), ""); res.status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", res.status, res.body)
			}
			if res := h.call(defaultCred(), http.MethodGet, nativePath(version, win.ID, "os-server-password"), ""); string(res.body) != `{"password":""}` {
				t.Fatalf("after delete: %d %s", res.status, res.body)
			}

			// The deprecated reset never checks complexity, even when asked.
			res = h.call(defaultCred(), http.MethodPut, nativePath(version, win.ID, "os-reset-password"), resetJSON("weak", true))
			if res.status != http.StatusNoContent {
				t.Fatalf("reset: %d %s", res.status, res.body)
			}
			st, _ := h.sim.Server(win.ID)
			if st.Password != "weak" || st.LastResetAPI != "v2.1" || st.LastIsCheckPassword || st.ResetCount != 1 {
				t.Fatalf("state = %+v", st)
			}

			res = h.call(defaultCred(), http.MethodGet, nativePath(version, win.ID, ""), "")
			var show struct {
				Server struct {
					ID       string            `json:"id"`
					Status   string            `json:"status"`
					TenantID string            `json:"tenant_id"`
					KeyName  string            `json:"key_name"`
					Metadata map[string]string `json:"metadata"`
					Links    []link            `json:"links"`
				} `json:"server"`
			}
			if res.status != http.StatusOK || json.Unmarshal(res.body, &show) != nil {
				t.Fatalf("show: %d %s", res.status, res.body)
			}
			if show.Server.ID != win.ID || show.Server.Status != "ACTIVE" || show.Server.TenantID != DefaultProjectID ||
				show.Server.KeyName == "" || show.Server.Metadata["os_type"] != "Windows" || len(show.Server.Links) == 0 {
				t.Fatalf("show = %+v", show.Server)
			}
			if strings.Contains(string(res.body), "enterprise_project_id") {
				t.Fatal("native show carries the Huawei enterprise project field")
			}
		})
	}
}

func TestNativeErrors(t *testing.T) {
	h := newHarness(t, nil)
	locked := h.addServer(ServerSpec{OSType: "Linux", Locked: true})
	building := h.addServer(ServerSpec{OSType: "Linux", Status: "REBUILD"})
	noPlugin := h.addServer(ServerSpec{OSType: "Linux", ResetPasswordSupported: boolPtr(false)})
	ok := h.addServer(ServerSpec{OSType: "Linux"})
	h.addPrincipal(Principal{AccessKey: "V1ONLY", SecretKey: "sk", Actions: []string{
		ActionGetServer, ActionShowServerPassword, ActionDeletePassword,
	}})
	v1only := cred{ak: "V1ONLY", sk: "sk"}

	tests := []struct {
		name   string
		c      cred
		method string
		path   string
		body   string
		status int
		fault  string
	}{
		{"get unknown", defaultCred(), http.MethodGet, nativePath("v2.1", "nope", "os-server-password"), "", 404, "itemNotFound"},
		{"delete unknown", defaultCred(), http.MethodDelete, nativePath("v2", "nope", "os-server-password"), "", 404, "itemNotFound"},
		{"show unknown", defaultCred(), http.MethodGet, nativePath("v2.1", "nope", ""), "", 404, "itemNotFound"},
		{"reset unknown", defaultCred(), http.MethodPut, nativePath("v2.1", "nope", "os-reset-password"), resetJSON("p", false), 404, "itemNotFound"},
		{"reset locked", defaultCred(), http.MethodPut, nativePath("v2.1", locked.ID, "os-reset-password"), resetJSON("p", false), 409, "conflictingRequest"},
		{"reset bad status", defaultCred(), http.MethodPut, nativePath("v2.1", building.ID, "os-reset-password"), resetJSON("p", false), 409, "conflictingRequest"},
		{"reset no plug-in", defaultCred(), http.MethodPut, nativePath("v2.1", noPlugin.ID, "os-reset-password"), resetJSON("p", false), 400, "badRequest"},
		{"reset empty body", defaultCred(), http.MethodPut, nativePath("v2.1", ok.ID, "os-reset-password"), "", 400, "badRequest"},
		{"reset malformed", defaultCred(), http.MethodPut, nativePath("v2.1", ok.ID, "os-reset-password"), `{"reset-password":"x"}`, 400, "badRequest"},
		// v1 read actions do not cover the native password operations.
		{"get without manage", v1only, http.MethodGet, nativePath("v2.1", ok.ID, "os-server-password"), "", 403, "forbidden"},
		{"delete without manage", v1only, http.MethodDelete, nativePath("v2.1", ok.ID, "os-server-password"), "", 403, "forbidden"},
		{"reset without action", v1only, http.MethodPut, nativePath("v2.1", ok.ID, "os-reset-password"), resetJSON("p", false), 403, "forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantNativeFault(t, h.call(tc.c, tc.method, tc.path, tc.body), tc.status, tc.fault)
		})
	}
}

func TestEnterpriseProjectGrants(t *testing.T) {
	h := newHarness(t, nil)
	key := testRSAKey(t)
	inEP := h.addServer(ServerSpec{OSType: "Windows", EnterpriseProjectID: "ep-a", PublicKey: pemPKIX(t, &key.PublicKey), WindowsPassword: "Pw!12345"})
	outEP := h.addServer(ServerSpec{OSType: "Windows", EnterpriseProjectID: "ep-b"})
	h.addPrincipal(Principal{
		AccessKey: "EPUSER", SecretKey: "sk",
		Actions:              []string{ActionResetServerPwd, ActionGetServer, ActionDeletePassword, ActionManageServerPasswords},
		EnterpriseProjectIDs: []string{"ep-a"},
	})
	ep := cred{ak: "EPUSER", sk: "sk"}
	testV1EnterpriseProjectGrants(t, h, ep, inEP.ID, outEP.ID)
	testNativeEnterpriseProjectGrants(t, h, ep, inEP.ID, outEP.ID)
}

// testV1EnterpriseProjectGrants runs a subtest of t per v1 operation by
// ep, granted enterprise project of server inEP but not that of outEP.
func testV1EnterpriseProjectGrants(t *testing.T, h *harness, ep cred, inEP, outEP string) {
	v1Ops := []struct {
		method, suffix, body string
		status               int
	}{
		{http.MethodGet, "os-resetpwd-flag", "", 200},
		{http.MethodGet, "os-server-password", "", 200},
		{http.MethodGet, "", "", 200},
		{http.MethodPut, "os-reset-password", resetJSON("p", false), 204},
		{http.MethodDelete, "os-server-password", "", 204},
	}
	for _, op := range v1Ops {
		name := op.method + " " + op.suffix
		t.Run("v1 allowed in granted EP "+name, func(t *testing.T) {
			if res := h.call(ep, op.method, v1Path(inEP, op.suffix), op.body); res.status != op.status {
				t.Fatalf("status = %d, want %d; body %s", res.status, op.status, res.body)
			}
		})
		t.Run("v1 denied outside granted EP "+name, func(t *testing.T) {
			wantV1Error(t, h.call(ep, op.method, v1Path(outEP, op.suffix), op.body), 403, "Pdp.0001")
		})
	}
	t.Run("batch", func(t *testing.T) {
		if res := h.call(ep, http.MethodPut, batchPath, batchJSON("p", false, inEP)); res.status != http.StatusOK {
			t.Fatalf("status = %d; body %s", res.status, res.body)
		}
		wantV1Error(t, h.call(ep, http.MethodPut, batchPath, batchJSON("p", false, inEP, outEP)), 403, "Pdp.0001")
	})
}

// testNativeEnterpriseProjectGrants checks that the native API ignores
// ep's grant in the enterprise project of inEP, and honours the same
// actions granted project-wide.
func testNativeEnterpriseProjectGrants(t *testing.T, h *harness, ep cred, inEP, outEP string) {
	nativeOps := []struct{ method, suffix, body string }{
		{http.MethodGet, "os-server-password", ""},
		{http.MethodDelete, "os-server-password", ""},
		{http.MethodPut, "os-reset-password", resetJSON("p", false)},
		{http.MethodGet, "", ""},
	}
	for _, op := range nativeOps {
		for _, version := range []string{"v2.1", "v2"} {
			t.Run("native ignores EP grant "+version+" "+op.method+" "+op.suffix, func(t *testing.T) {
				msg := wantNativeFault(t, h.call(ep, op.method, nativePath(version, inEP, op.suffix), op.body), 403, "forbidden")
				if !strings.HasPrefix(msg, "Policy doesn't allow ") {
					t.Fatalf("message = %q", msg)
				}
			})
		}
	}
	// The same actions granted project-wide work on the native API.
	h.addPrincipal(Principal{AccessKey: "EPUSER", SecretKey: "sk", Actions: []string{ActionManageServerPasswords, ActionGetServer}})
	if res := h.call(ep, http.MethodGet, nativePath("v2.1", outEP, ""), ""); res.status != http.StatusOK {
		t.Fatalf("project-wide grant: status %d", res.status)
	}
	if res := h.call(ep, http.MethodGet, nativePath("v2.1", outEP, "os-server-password"), ""); res.status != http.StatusOK {
		t.Fatalf("project-wide grant: status %d", res.status)
	}
}

func TestWildcardActions(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addPrincipal(Principal{AccessKey: "WILD", SecretKey: "sk", Actions: []string{"ecs:cloudServers:*"}})
	c := cred{ak: "WILD", sk: "sk"}
	if res := h.call(c, http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON("p", false)); res.status != http.StatusNoContent {
		t.Fatalf("status %d", res.status)
	}
	wantNativeFault(t, h.call(c, http.MethodGet, nativePath("v2.1", srv.ID, "os-server-password"), ""), 403, "forbidden")
	if err := h.sim.AddPrincipal(Principal{AccessKey: "BAD", SecretKey: "sk", Actions: []string{"ecs:[:x"}}); err == nil {
		t.Fatal("malformed pattern accepted")
	}
}

func TestRouting(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})

	wantGatewayError(t, h.call(defaultCred(), http.MethodGet, "/v1/"+DefaultProjectID+"/nothing", ""), 404, codeNoSuchAPI)
	wantGatewayError(t, h.call(defaultCred(), http.MethodGet, "/", ""), 404, codeNoSuchAPI)
	wantGatewayError(t, h.call(defaultCred(), http.MethodGet, "/v1//cloudservers/x", ""), 404, codeNoSuchAPI)

	res := h.call(defaultCred(), http.MethodPost, v1Path(srv.ID, "os-server-password"), "")
	wantV1Error(t, res, 405, "Ecs.0000")
	if res.header.Get("Allow") != "DELETE, GET" {
		t.Fatalf("Allow = %q", res.header.Get("Allow"))
	}
	res = h.call(defaultCred(), http.MethodPost, nativePath("v2.1", srv.ID, "os-server-password"), "")
	wantNativeFault(t, res, 405, "badMethod")
	// GET on the batch path is show-server with a server named like the
	// operation, as on ECS.
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, batchPath, ""), 404, "Ecs.0114")
	// Unauthenticated requests to unknown paths are rejected by
	// authentication first, as behind a gateway.
	wantGatewayError(t, h.call(cred{none: true}, http.MethodGet, "/nothing", ""), 401, codeAuthFailed)

	// Request IDs are unique and present on every response.
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		id := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "").header.Get("X-Request-Id")
		if len(id) != 32 || seen[id] {
			t.Fatalf("request ID %q is malformed or repeated", id)
		}
		seen[id] = true
	}
	if id := h.control(http.MethodGet, "/_sim/health", "").header.Get("X-Request-Id"); id == "" {
		t.Fatal("control response without X-Request-Id")
	}
}
