package ecssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func resetJSON(password string, check bool) string {
	return fmt.Sprintf(`{"reset-password":{"new_password":%q,"is_check_password":%t}}`, password, check)
}

func TestV1ResetPassword(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{Name: "web", OSType: "Linux"})
	target := v1Path(srv.ID, "os-reset-password")

	res := h.call(defaultCred(), http.MethodPut, target, resetJSON("Nw0Pass!word", true))
	if res.status != http.StatusNoContent || len(res.body) != 0 {
		t.Fatalf("status = %d, body %q; want 204 and no body", res.status, res.body)
	}
	st, _ := h.sim.Server(srv.ID)
	if st.Password != "Nw0Pass!word" || st.ResetCount != 1 || st.LastResetAPI != "v1" || !st.LastIsCheckPassword {
		t.Fatalf("state after reset = %+v", st)
	}
	if len(st.ResetHistory) != 1 || st.ResetHistory[0].RequestID != res.header.Get("X-Request-Id") ||
		st.ResetHistory[0].AccessKey != DefaultAccessKey || !st.ResetHistory[0].IsCheckPassword || st.ResetHistory[0].API != "v1" {
		t.Fatalf("history = %+v", st.ResetHistory)
	}

	// Without is_check_password any non-empty password is accepted.
	for _, body := range []string{resetJSON("x", false), `{"reset-password":{"new_password":"weak"}}`} {
		if res := h.call(defaultCred(), http.MethodPut, target, body); res.status != http.StatusNoContent {
			t.Fatalf("weak password without check: status %d, body %s", res.status, res.body)
		}
	}
	st, _ = h.sim.Server(srv.ID)
	if st.Password != "weak" || st.ResetCount != 3 || st.LastIsCheckPassword {
		t.Fatalf("state = %+v", st)
	}

	// SHUTOFF servers can be reset too.
	off := h.addServer(ServerSpec{OSType: "Linux", Status: "shutoff"})
	if res := h.call(defaultCred(), http.MethodPut, v1Path(off.ID, "os-reset-password"), resetJSON("p", false)); res.status != http.StatusNoContent {
		t.Fatalf("SHUTOFF: status %d", res.status)
	}
}

func TestV1ResetPasswordErrors(t *testing.T) {
	h := newHarness(t, nil)
	ok := h.addServer(ServerSpec{OSType: "Linux"})
	noPlugin := h.addServer(ServerSpec{OSType: "Linux", ResetPasswordSupported: boolPtr(false)})
	building := h.addServer(ServerSpec{OSType: "Linux", Status: "BUILD"})
	locked := h.addServer(ServerSpec{OSType: "Linux", Locked: true})
	h.addPrincipal(Principal{AccessKey: "READONLY", SecretKey: "ro", Actions: []string{ActionGetServer}})

	const weak = "Weakpassword"
	tests := []struct {
		name   string
		c      cred
		server string
		body   string
		status int
		code   string
	}{
		{"complexity", defaultCred(), ok.ID, resetJSON(weak, true), 400, "Ecs.0011"},
		{"no plug-in", defaultCred(), noPlugin.ID, resetJSON("p", false), 400, "Ecs.0613"},
		{"bad status", defaultCred(), building.ID, resetJSON("p", false), 400, "Ecs.0100"},
		{"locked", defaultCred(), locked.ID, resetJSON("p", false), 400, "Ecs.0605"},
		{"unknown server", defaultCred(), "no-such-server", resetJSON("p", false), 404, "Ecs.0114"},
		{"empty body", defaultCred(), ok.ID, "", 400, "Common.0002"},
		{"blank body", defaultCred(), ok.ID, "  \n", 400, "Common.0002"},
		{"not json", defaultCred(), ok.ID, `{"reset-password":`, 400, "Ecs.0005"},
		{"array", defaultCred(), ok.ID, `[]`, 400, "Ecs.0005"},
		{"null", defaultCred(), ok.ID, `null`, 400, "Ecs.0005"},
		{"missing wrapper", defaultCred(), ok.ID, `{"new_password":"x"}`, 400, "Ecs.0005"},
		{"wrapper case", defaultCred(), ok.ID, `{"Reset-Password":{"new_password":"x"}}`, 400, "Ecs.0005"},
		{"missing password", defaultCred(), ok.ID, `{"reset-password":{}}`, 400, "Ecs.0005"},
		{"empty password", defaultCred(), ok.ID, `{"reset-password":{"new_password":""}}`, 400, "Ecs.0005"},
		{"password not string", defaultCred(), ok.ID, `{"reset-password":{"new_password":12345678}}`, 400, "Ecs.0005"},
		{"check not bool", defaultCred(), ok.ID, `{"reset-password":{"new_password":"x","is_check_password":"true"}}`, 400, "Ecs.0005"},
		{"trailing data", defaultCred(), ok.ID, resetJSON("p", false) + "{}", 400, "Ecs.0005"},
		{"no permission", cred{ak: "READONLY", sk: "ro"}, ok.ID, resetJSON("p", false), 403, "Pdp.0001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(tc.c, http.MethodPut, v1Path(tc.server, "os-reset-password"), tc.body)
			msg := wantV1Error(t, res, tc.status, tc.code)
			if strings.Contains(msg, weak) || strings.Contains(string(res.body), weak) {
				t.Fatalf("error echoes the password: %s", res.body)
			}
		})
	}
	for _, id := range []string{ok.ID, noPlugin.ID, building.ID, locked.ID} {
		if st, _ := h.sim.Server(id); st.ResetCount != 0 || st.Password != "" {
			t.Fatalf("server %s changed by a failed reset: %+v", id, st)
		}
	}
}

func TestV1ResetPasswordBodyTooLarge(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	big := `{"reset-password":{"new_password":"` + strings.Repeat("a", maxBodyBytes) + `"}}`
	res := h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password"), big)
	wantGatewayError(t, res, http.StatusRequestEntityTooLarge, codeBodyTooLarge)

	// Also when the client does not announce the length.
	r := newRequest(http.MethodPut, v1Path(srv.ID, "os-reset-password"), big)
	r.ContentLength = -1
	signTestRequest(r, []byte(big), DefaultAccessKey, DefaultSecretKey, testNow, nil)
	wantGatewayError(t, h.serve(r), http.StatusRequestEntityTooLarge, codeBodyTooLarge)
}

func TestV1ResetFlag(t *testing.T) {
	h := newHarness(t, nil)
	yes := h.addServer(ServerSpec{OSType: "Linux"})
	no := h.addServer(ServerSpec{OSType: "Windows", ResetPasswordSupported: boolPtr(false)})
	for id, want := range map[string]string{yes.ID: "True", no.ID: "False"} {
		res := h.call(defaultCred(), http.MethodGet, v1Path(id, "os-resetpwd-flag"), "")
		if res.status != http.StatusOK {
			t.Fatalf("status = %d", res.status)
		}
		var body map[string]any
		if err := json.Unmarshal(res.body, &body); err != nil || len(body) != 1 || body["resetpwd_flag"] != want {
			t.Fatalf("body = %s, want resetpwd_flag %q (a string)", res.body, want)
		}
	}
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, v1Path("missing", "os-resetpwd-flag"), ""), 404, "Ecs.0114")

	// Both the older and the newer action name authorize the flag.
	for _, action := range []string{ActionGetServer, ActionShowResetPasswordFlag} {
		h.addPrincipal(Principal{AccessKey: "AK1", SecretKey: "sk", Actions: []string{action}})
		if res := h.call(cred{ak: "AK1", sk: "sk"}, http.MethodGet, v1Path(yes.ID, "os-resetpwd-flag"), ""); res.status != http.StatusOK {
			t.Fatalf("%s: status %d", action, res.status)
		}
	}
	h.addPrincipal(Principal{AccessKey: "AK1", SecretKey: "sk", Actions: []string{ActionShowServerPassword}})
	msg := wantV1Error(t, h.call(cred{ak: "AK1", sk: "sk"}, http.MethodGet, v1Path(yes.ID, "os-resetpwd-flag"), ""), 403, "Pdp.0001")
	if msg != "Policy doesn't allow ecs:cloudServers:get to be performed." {
		t.Fatalf("message = %q", msg)
	}
}

func TestV1ServerPassword(t *testing.T) {
	h := newHarness(t, nil)
	key := testRSAKey(t)
	win := h.addServer(ServerSpec{OSType: "Windows", PublicKey: pemPKIX(t, &key.PublicKey), WindowsPassword: "Init!alPass1"})
	linux := h.addServer(ServerSpec{OSType: "Linux"})

	res := h.call(defaultCred(), http.MethodGet, v1Path(win.ID, "os-server-password"), "")
	if res.status != http.StatusOK {
		t.Fatalf("status = %d; body %s", res.status, res.body)
	}
	var body struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatal(err)
	}
	if got := decryptTestPassword(t, key, body.Password); got != "Init!alPass1" {
		t.Fatalf("decrypted %q", got)
	}

	// Linux servers have nothing stored.
	if res := h.call(defaultCred(), http.MethodGet, v1Path(linux.ID, "os-server-password"), ""); string(res.body) != `{"password":""}` {
		t.Fatalf("linux body = %s", res.body)
	}

	// Delete, then the password reads back empty; deleting again is fine.
	for i := 0; i < 2; i++ {
		if res := h.call(defaultCred(), http.MethodDelete, v1Path(win.ID, "os-server-password"), ""); res.status != http.StatusNoContent || len(res.body) != 0 {
			t.Fatalf("delete %d: status %d body %s", i, res.status, res.body)
		}
	}
	res = h.call(defaultCred(), http.MethodGet, v1Path(win.ID, "os-server-password"), "")
	if res.status != http.StatusOK || string(res.body) != `{"password":""}` {
		t.Fatalf("after delete: %d %s", res.status, res.body)
	}
	if st, _ := h.sim.Server(win.ID); st.WindowsPasswordPresent || st.EncryptedPassword != "" {
		t.Fatalf("state after delete = %+v", st)
	}

	wantV1Error(t, h.call(defaultCred(), http.MethodGet, v1Path("missing", "os-server-password"), ""), 404, "Ecs.0114")
	wantV1Error(t, h.call(defaultCred(), http.MethodDelete, v1Path("missing", "os-server-password"), ""), 404, "Ecs.0114")

	// Permissions: get accepts ecs:cloudServers:get and showServerPassword;
	// delete needs deletePassword.
	h.addPrincipal(Principal{AccessKey: "SHOWPW", SecretKey: "sk", Actions: []string{ActionShowServerPassword}})
	if res := h.call(cred{ak: "SHOWPW", sk: "sk"}, http.MethodGet, v1Path(win.ID, "os-server-password"), ""); res.status != http.StatusOK {
		t.Fatalf("showServerPassword: status %d", res.status)
	}
	wantV1Error(t, h.call(cred{ak: "SHOWPW", sk: "sk"}, http.MethodDelete, v1Path(win.ID, "os-server-password"), ""), 403, "Pdp.0001")
	h.addPrincipal(Principal{AccessKey: "NOTHING", SecretKey: "sk"})
	wantV1Error(t, h.call(cred{ak: "NOTHING", sk: "sk"}, http.MethodGet, v1Path(win.ID, "os-server-password"), ""), 403, "Pdp.0001")
}

func TestV1ShowServer(t *testing.T) {
	h := newHarness(t, nil)
	key := testRSAKey(t)
	srv := h.addServer(ServerSpec{
		Name: "app-01", OSType: "Windows", Status: "SHUTOFF", EnterpriseProjectID: "ep-42",
		Locked: true, KeyName: "kp-app", PublicKey: sshRSA(t, &key.PublicKey),
	})
	res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "")
	if res.status != http.StatusOK {
		t.Fatalf("status = %d; body %s", res.status, res.body)
	}
	var body struct {
		Server struct {
			ID                  string            `json:"id"`
			Name                string            `json:"name"`
			Status              string            `json:"status"`
			TenantID            string            `json:"tenant_id"`
			Locked              bool              `json:"locked"`
			KeyName             *string           `json:"key_name"`
			Metadata            map[string]string `json:"metadata"`
			EnterpriseProjectID string            `json:"enterprise_project_id"`
			SysTags             []sysTag          `json:"sys_tags"`
			VMState             string            `json:"OS-EXT-STS:vm_state"`
			PowerState          int               `json:"OS-EXT-STS:power_state"`
			Created             string            `json:"created"`
		} `json:"server"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatal(err)
	}
	s := body.Server
	if s.ID != srv.ID || s.Name != "app-01" || s.Status != "SHUTOFF" || s.TenantID != DefaultProjectID || !s.Locked ||
		s.KeyName == nil || *s.KeyName != "kp-app" || s.Metadata["os_type"] != "Windows" || s.EnterpriseProjectID != "ep-42" ||
		len(s.SysTags) != 1 || s.SysTags[0].Value != "ep-42" || s.VMState != "stopped" || s.PowerState != 4 ||
		s.Created != "2026-11-26T08:15:00Z" {
		t.Fatalf("server = %+v", s)
	}

	// key_name is null for a server created without a key pair.
	plain := h.addServer(ServerSpec{OSType: "Linux"})
	res = h.call(defaultCred(), http.MethodGet, v1Path(plain.ID, ""), "")
	if !strings.Contains(string(res.body), `"key_name":null`) || !strings.Contains(string(res.body), `"enterprise_project_id":"0"`) {
		t.Fatalf("body = %s", res.body)
	}
	msg := wantV1Error(t, h.call(defaultCred(), http.MethodGet, v1Path("gone", ""), ""), 404, "Ecs.0114")
	if msg != "Instance[gone] could not be found." {
		t.Fatalf("message = %q", msg)
	}
	h.addPrincipal(Principal{AccessKey: "RESETONLY", SecretKey: "sk", Actions: []string{ActionResetServerPwd}})
	wantV1Error(t, h.call(cred{ak: "RESETONLY", sk: "sk"}, http.MethodGet, v1Path(srv.ID, ""), ""), 403, "Pdp.0001")
}

func batchJSON(password string, dryRun bool, ids ...string) string {
	servers := make([]map[string]string, 0, len(ids))
	for _, id := range ids {
		servers = append(servers, map[string]string{"id": id})
	}
	b, _ := json.Marshal(map[string]any{"new_password": password, "dry_run": dryRun, "servers": servers})
	return string(b)
}

const batchPath = "/v1/" + DefaultProjectID + "/cloudservers/os-reset-passwords"

func TestV1BatchReset(t *testing.T) {
	h := newHarness(t, nil)
	a := h.addServer(ServerSpec{OSType: "Linux"})
	b := h.addServer(ServerSpec{OSType: "Windows", Status: "SHUTOFF"})

	// Dry run: validated, nothing changes.
	res := h.call(defaultCred(), http.MethodPut, batchPath, `{"dry_run":true,"servers":[{"id":"`+a.ID+`"},{"id":"`+b.ID+`"}]}`)
	if res.status != http.StatusOK {
		t.Fatalf("dry run: status %d body %s", res.status, res.body)
	}
	if st, _ := h.sim.Server(a.ID); st.ResetCount != 0 {
		t.Fatal("dry run reset a server")
	}

	res = h.call(defaultCred(), http.MethodPut, batchPath, batchJSON("weak", false, a.ID, b.ID))
	if res.status != http.StatusOK {
		t.Fatalf("status = %d; body %s", res.status, res.body)
	}
	var body struct {
		Response []struct {
			ID string `json:"id"`
		} `json:"response"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || len(body.Response) != 2 || body.Response[0].ID != a.ID || body.Response[1].ID != b.ID {
		t.Fatalf("body = %s", res.body)
	}
	for _, id := range []string{a.ID, b.ID} {
		st, _ := h.sim.Server(id)
		if st.Password != "weak" || st.LastResetAPI != "batch" || st.ResetCount != 1 || st.LastIsCheckPassword {
			t.Fatalf("state = %+v", st)
		}
	}
}

func TestV1BatchResetErrors(t *testing.T) {
	h := newHarness(t, nil)
	a := h.addServer(ServerSpec{OSType: "Linux"})
	locked := h.addServer(ServerSpec{OSType: "Linux", Locked: true})
	noPlugin := h.addServer(ServerSpec{OSType: "Linux", ResetPasswordSupported: boolPtr(false)})

	many := make([]string, maxBatchServers+1)
	for i := range many {
		many[i] = fmt.Sprintf("srv-%d", i)
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"empty body", "", 400, "Common.0002"},
		{"not json", "{", 400, "Ecs.0005"},
		{"no servers", `{"new_password":"p"}`, 400, "Ecs.0005"},
		{"zero servers", `{"new_password":"p","servers":[]}`, 400, "Ecs.0005"},
		{"too many servers", batchJSON("p", false, many...), 400, "Ecs.0118"},
		{"servers not array", `{"new_password":"p","servers":{"id":"x"}}`, 400, "Ecs.0005"},
		{"server without id", `{"new_password":"p","servers":[{}]}`, 400, "Ecs.0005"},
		{"server not object", `{"new_password":"p","servers":["x"]}`, 400, "Ecs.0005"},
		{"duplicate server", batchJSON("p", false, a.ID, a.ID), 400, "Ecs.0005"},
		{"no password", `{"servers":[{"id":"` + a.ID + `"}]}`, 400, "Ecs.0005"},
		{"dry_run not bool", `{"new_password":"p","dry_run":"yes","servers":[{"id":"` + a.ID + `"}]}`, 400, "Ecs.0005"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantV1Error(t, h.call(defaultCred(), http.MethodPut, batchPath, tc.body), tc.status, tc.code)
		})
	}

	t.Run("per-server failures", func(t *testing.T) { testBatchResetServerFailures(t, h, a.ID, locked.ID, noPlugin.ID) })
	t.Run("exactly the limit", func(t *testing.T) {
		ids := make([]string, maxBatchServers)
		for i := range ids {
			ids[i] = h.addServer(ServerSpec{OSType: "Linux"}).ID
		}
		if res := h.call(defaultCred(), http.MethodPut, batchPath, batchJSON("p", false, ids...)); res.status != http.StatusOK {
			t.Fatalf("status = %d", res.status)
		}
	})
	t.Run("no permission", func(t *testing.T) {
		h.addPrincipal(Principal{AccessKey: "GETONLY", SecretKey: "sk", Actions: []string{ActionGetServer}})
		wantV1Error(t, h.call(cred{ak: "GETONLY", sk: "sk"}, http.MethodPut, batchPath, batchJSON("p", false, a.ID)), 403, "Pdp.0001")
	})
}

// testBatchResetServerFailures resets ok with a missing, a locked and a
// plug-in-less server, for real and as a dry run: every failing server is
// listed and ok is not reset.
func testBatchResetServerFailures(t *testing.T, h *harness, ok, locked, noPlugin string) {
	for _, dry := range []bool{false, true} {
		res := h.call(defaultCred(), http.MethodPut, batchPath, batchJSON("p", dry, ok, "missing", locked, noPlugin))
		wantV1Error(t, res, 400, "Ecs.0611")
		var body struct {
			InternalError []batchFailure `json:"internalError"`
		}
		if err := json.Unmarshal(res.body, &body); err != nil {
			t.Fatal(err)
		}
		want := []batchFailure{{ID: "missing", ErrorCode: "Ecs.0114"}, {ID: locked, ErrorCode: "Ecs.0605"}, {ID: noPlugin, ErrorCode: "Ecs.0613"}}
		if len(body.InternalError) != len(want) {
			t.Fatalf("internalError = %+v", body.InternalError)
		}
		for i, w := range want {
			got := body.InternalError[i]
			if got.ID != w.ID || got.ErrorCode != w.ErrorCode || got.ErrorMessage == "" {
				t.Fatalf("internalError[%d] = %+v, want %+v", i, got, w)
			}
		}
	}
	if st, _ := h.sim.Server(ok); st.ResetCount != 0 {
		t.Fatal("a failing batch reset some servers")
	}
}

func TestResetHistoryIsBounded(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	var ids []string
	for i := 0; i < maxResetHistory+5; i++ {
		res := h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON("p", false))
		ids = append(ids, res.header.Get("X-Request-Id"))
	}
	st, _ := h.sim.Server(srv.ID)
	if st.ResetCount != maxResetHistory+5 || len(st.ResetHistory) != maxResetHistory {
		t.Fatalf("reset_count %d, history %d", st.ResetCount, len(st.ResetHistory))
	}
	if st.ResetHistory[0].RequestID != ids[5] || st.ResetHistory[maxResetHistory-1].RequestID != ids[len(ids)-1] {
		t.Fatal("history does not hold the most recent resets in order")
	}
}
