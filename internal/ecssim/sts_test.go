package ecssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

const assumeRolePath = "/v3.0/OS-CREDENTIAL/securitytokens"

func assumeRoleBody(agency, domainField, domain string, duration any) string {
	d := ""
	if duration != nil {
		d = fmt.Sprintf(`,"duration_seconds":%v`, duration)
	}
	return fmt.Sprintf(`{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":%q,%q:%q%s}}}}`,
		agency, domainField, domain, d)
}

// tempCred is a "credential" object of an assume-role or metadata answer.
type tempCred struct {
	Access        string `json:"access"`
	Secret        string `json:"secret"`
	SecurityToken string `json:"securitytoken"`
	ExpiresAt     string `json:"expires_at"`
}

func (c tempCred) cred() cred {
	return cred{ak: c.Access, sk: c.Secret, securityToken: c.SecurityToken}
}

func (c tempCred) expires(t testing.TB) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, c.ExpiresAt)
	if err != nil {
		t.Fatalf("expires_at %q is not RFC 3339: %v", c.ExpiresAt, err)
	}
	return at
}

// wantCredential decodes {"credential":{...}} from res, which must have
// status, with every field set.
func wantCredential(t testing.TB, res response, status int) tempCred {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d; body %s", res.status, status, res.body)
	}
	var body struct {
		Credential tempCred `json:"credential"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatalf("body %s: %v", res.body, err)
	}
	c := body.Credential
	if len(c.Access) != 20 || len(c.Secret) != 40 || len(c.SecurityToken) < 100 || c.ExpiresAt == "" {
		t.Fatalf("credential = %+v, want a 20-character access key, a 40-character secret, a long token and expires_at", c)
	}
	return c
}

// wantIAMError asserts a Keystone-style {"error":{"code","message","title"}}
// body.
func wantIAMError(t testing.TB, res response, status int) string {
	t.Helper()
	if res.status != status {
		t.Fatalf("status = %d, want %d; body %s", res.status, status, res.body)
	}
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Title   string `json:"title"`
		} `json:"error"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || body.Error.Code != status || body.Error.Message == "" ||
		body.Error.Title != http.StatusText(status) {
		t.Fatalf("body = %s, want an IAM error with code %d", res.body, status)
	}
	return body.Error.Message
}

func (h *harness) addAgency(a Agency) Agency {
	h.t.Helper()
	stored, err := h.sim.AddAgency(a)
	if err != nil {
		h.t.Fatalf("AddAgency(%+v): %v", a, err)
	}
	return stored
}

// resetWith resets srv's password through v1 with c and returns the status.
func (h *harness) resetWith(c cred, serverID string) response {
	h.t.Helper()
	return h.call(c, http.MethodPut, v1Path(serverID, "os-reset-password"), resetJSON("Nw0Pass!word", false))
}

func lastReset(t testing.TB, st ServerState) ResetRecord {
	t.Helper()
	if len(st.ResetHistory) == 0 {
		t.Fatalf("server %s has no reset history", st.ID)
	}
	return st.ResetHistory[len(st.ResetHistory)-1]
}

func TestAssumeRole(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux", EnterpriseProjectID: "ep-web"})
	other := h.addServer(ServerSpec{OSType: "Linux", EnterpriseProjectID: "ep-db"})
	agency := h.addAgency(Agency{DomainName: "acme", AgencyName: "ecs-operator",
		Actions: []string{ActionGetServer, ActionResetServerPwd}, EnterpriseProjectIDs: []string{"ep-web"}})
	if len(agency.DomainID) != 32 {
		t.Fatalf("derived domain ID = %q, want 32 hex digits", agency.DomainID)
	}

	res := h.call(defaultCred(), http.MethodPost, assumeRolePath, assumeRoleBody("ecs-operator", "domain_name", "acme", 3600))
	c := wantCredential(t, res, http.StatusCreated)
	if got, want := c.expires(t), testNow.Add(time.Hour); !got.Equal(want) {
		t.Fatalf("expires_at = %v, want %v", got, want)
	}

	// The credentials work, within the agency's grant: a reset on a server
	// of the granted enterprise project succeeds and is recorded with the
	// temporary access key.
	if res := h.resetWith(c.cred(), srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("reset with assumed credentials: %d %s", res.status, res.body)
	}
	st, _ := h.sim.Server(srv.ID)
	if rec := lastReset(t, st); rec.AccessKey != c.Access || rec.Source != SourceAssumeRole || rec.Agency != "acme/ecs-operator" {
		t.Fatalf("reset record = %+v, want access key %s from assume_role of acme/ecs-operator", rec, c.Access)
	}
	// The other enterprise project is not granted.
	wantV1Error(t, h.resetWith(c.cred(), other.ID), http.StatusForbidden, "Pdp.0001")
	// Nor is an action outside the agency's list.
	wantV1Error(t, h.call(c.cred(), http.MethodDelete, v1Path(srv.ID, "os-server-password"), ""), http.StatusForbidden, "Pdp.0001")
	// Without the security token the credentials are refused.
	noToken := c.cred()
	noToken.securityToken = ""
	if msg := wantGatewayError(t, h.resetWith(noToken, srv.ID), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authBadSignature {
		t.Fatalf("message = %q", msg)
	}

	// The domain may be named by ID instead of name.
	wantCredential(t, h.call(defaultCred(), http.MethodPost, assumeRolePath, assumeRoleBody("ecs-operator", "domain_id", agency.DomainID, nil)), http.StatusCreated)

	// At expires_at the credentials stop working, like the real ones.
	h.clock.Advance(time.Hour)
	if msg := wantGatewayError(t, h.resetWith(c.cred(), srv.ID), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
		t.Fatalf("message after expiry = %q", msg)
	}
}

func TestAssumeRoleDefaultDuration(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addAgency(Agency{DomainName: "acme", AgencyName: "ops", Actions: []string{allActions}})
	c := wantCredential(t, h.call(defaultCred(), http.MethodPost, assumeRolePath, assumeRoleBody("ops", "domain_name", "acme", nil)), http.StatusCreated)
	if got, want := c.expires(t), testNow.Add(900*time.Second); !got.Equal(want) {
		t.Fatalf("expires_at = %v, want the default of 900 s: %v", got, want)
	}
	h.clock.Advance(899 * time.Second)
	if res := h.resetWith(c.cred(), srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("a second before expiry: %d %s", res.status, res.body)
	}
	h.clock.Advance(time.Second)
	wantGatewayError(t, h.resetWith(c.cred(), srv.ID), http.StatusUnauthorized, codeAuthFailed)
}

func TestAssumeRoleFailures(t *testing.T) {
	h := newHarness(t, nil)
	h.addAgency(Agency{DomainName: "acme", AgencyName: "ops", Actions: []string{allActions}})
	h.addPrincipal(Principal{AccessKey: "NOASSUME", SecretKey: "sk", Actions: []string{allActions}})
	h.addPrincipal(Principal{AccessKey: "IAMSTAR", SecretKey: "sk", Actions: []string{"iam:*:*"}})

	for _, tc := range []struct {
		name   string
		c      cred
		body   string
		status int
		msg    string
	}{
		{"unknown agency", defaultCred(), assumeRoleBody("nobody", "domain_name", "acme", nil), 404, `agency "nobody"`},
		{"unknown domain", defaultCred(), assumeRoleBody("ops", "domain_name", "other", nil), 404, `domain "other"`},
		{"unknown domain id", defaultCred(), assumeRoleBody("ops", "domain_id", "0123", nil), 404, "could not be found"},
		{"duration too short", defaultCred(), assumeRoleBody("ops", "domain_name", "acme", 899), 400, "between 900 and 43200"},
		{"duration too long", defaultCred(), assumeRoleBody("ops", "domain_name", "acme", 43201), 400, "between 900 and 43200"},
		{"duration not whole", defaultCred(), assumeRoleBody("ops", "domain_name", "acme", 900.5), 400, "duration_seconds"},
		{"duration a string", defaultCred(), assumeRoleBody("ops", "domain_name", "acme", `"900"`), 400, "duration_seconds"},
		{"no agency name", defaultCred(), assumeRoleBody("", "domain_name", "acme", nil), 400, "agency_name"},
		{"no domain", defaultCred(), `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"ops"}}}}`, 400, "domain"},
		{"other method", defaultCred(), `{"auth":{"identity":{"methods":["token"],"token":{}}}}`, 400, "assume_role"},
		{"empty body", defaultCred(), ``, 400, "empty"},
		{"not JSON", defaultCred(), `{"auth":`, 400, "JSON"},
		{"no identity", defaultCred(), `{"auth":{}}`, 400, "identity"},
		{"caller may not assume", cred{ak: "NOASSUME", sk: "sk"}, assumeRoleBody("ops", "domain_name", "acme", nil), 403, ActionAssumeAgency},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.call(tc.c, http.MethodPost, assumeRolePath, tc.body)
			if msg := wantIAMError(t, res, tc.status); !strings.Contains(msg, tc.msg) {
				t.Fatalf("message = %q, want it to mention %q", msg, tc.msg)
			}
		})
	}

	// A wildcard covering the action is enough.
	wantCredential(t, h.call(cred{ak: "IAMSTAR", sk: "sk"}, http.MethodPost, assumeRolePath, assumeRoleBody("ops", "domain_name", "acme", nil)), http.StatusCreated)
	// The call needs credentials like every IAM call but the login.
	wantGatewayError(t, h.call(cred{none: true}, http.MethodPost, assumeRolePath, assumeRoleBody("ops", "domain_name", "acme", nil)), http.StatusUnauthorized, codeAuthFailed)
}

func TestAssumeRoleWithToken(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addAgency(Agency{DomainName: "acme", AgencyName: "ops", Actions: []string{ActionResetServerPwd}})
	tok, _ := h.login(`{"name":"cn-north-4"}`)
	c := wantCredential(t, h.call(cred{token: tok}, http.MethodPost, assumeRolePath, assumeRoleBody("ops", "domain_name", "acme", 1800)), http.StatusCreated)
	if res := h.resetWith(c.cred(), srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	// Assumed credentials without iam:agencies:assume cannot assume again.
	wantIAMError(t, h.call(c.cred(), http.MethodPost, assumeRolePath, assumeRoleBody("ops", "domain_name", "acme", nil)), http.StatusForbidden)
}

func TestResetHistoryNamesTheCredential(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addPrincipal(Principal{AccessKey: "TEMPAK", SecretKey: "temp-sk", SecurityToken: "sec-token", Actions: []string{allActions}})
	tok, _ := h.login(`{"name":"cn-north-4"}`)
	meta := wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)

	for _, tc := range []struct {
		name       string
		c          cred
		accessKey  string
		source     string
		requestKey string
	}{
		{"permanent", defaultCred(), DefaultAccessKey, SourceAKSK, DefaultAccessKey},
		{"temporary", cred{ak: "TEMPAK", sk: "temp-sk", securityToken: "sec-token"}, "TEMPAK", SourceTemporary, "TEMPAK"},
		{"metadata", meta.cred(), meta.Access, SourceMetadata, meta.Access},
		// The request log keeps access_key empty for tokens; the reset
		// record names the user.
		{"token", cred{token: tok}, "token:" + DefaultUser, SourceToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.sim.ClearRequests()
			if res := h.resetWith(tc.c, srv.ID); res.status != http.StatusNoContent {
				t.Fatalf("reset: %d %s", res.status, res.body)
			}
			st, _ := h.sim.Server(srv.ID)
			if rec := lastReset(t, st); rec.AccessKey != tc.accessKey || rec.Source != tc.source || rec.Agency != "" {
				t.Fatalf("reset record = %+v, want access key %q and source %q", rec, tc.accessKey, tc.source)
			}
			if reqs := h.sim.Requests(); len(reqs) != 1 || reqs[0].AccessKey != tc.requestKey {
				t.Fatalf("request log = %+v, want access key %q", reqs, tc.requestKey)
			}
		})
	}
}

const metadataPath = "/openstack/latest/securitykey"

func TestMetadataCredentials(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MetadataLifetime = 10 * time.Minute })
	srv := h.addServer(ServerSpec{OSType: "Linux", EnterpriseProjectID: "ep-1"})

	// No credentials needed, and every call issues fresh ones.
	first := wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	second := wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	if first.Access == second.Access || first.SecurityToken == second.SecurityToken {
		t.Fatalf("two calls returned the same credentials: %+v", first)
	}
	if got, want := first.expires(t), testNow.Add(10*time.Minute); !got.Equal(want) {
		t.Fatalf("expires_at = %v, want %v", got, want)
	}
	// They act as the default principal: every action, project-wide.
	if res := h.resetWith(first.cred(), srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	if res := h.call(first.cred(), http.MethodGet, nativePath("v2.1", srv.ID, "os-server-password"), ""); res.status != http.StatusOK {
		t.Fatalf("native read: %d %s", res.status, res.body)
	}
	// The log shows the path only.
	reqs := h.sim.Requests()
	if reqs[0].Path != metadataPath || reqs[0].Route != metadataPath || reqs[0].Status != http.StatusOK || reqs[0].AccessKey != "" {
		t.Fatalf("log entry = %+v", reqs[0])
	}

	h.clock.Advance(10 * time.Minute)
	if msg := wantGatewayError(t, h.resetWith(first.cred(), srv.ID), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
		t.Fatalf("message after expiry = %q", msg)
	}
	// A client refreshes by asking again.
	fresh := wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	if res := h.resetWith(fresh.cred(), srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("reset with refreshed credentials: %d %s", res.status, res.body)
	}
}

func TestMetadataSettings(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux", EnterpriseProjectID: "ep-1"})
	if m := h.sim.MetadataSettings(); m.Lifetime != DefaultMetadataLifetime || m.Actions != nil || m.Disabled {
		t.Fatalf("default settings = %+v", m)
	}

	// A limited grant.
	if err := h.sim.SetMetadataSettings(MetadataSettings{Lifetime: time.Minute, Actions: []string{ActionGetServer}}); err != nil {
		t.Fatal(err)
	}
	c := wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	if got := c.expires(t); !got.Equal(testNow.Add(time.Minute)) {
		t.Fatalf("expires_at = %v", got)
	}
	if res := h.call(c.cred(), http.MethodGet, v1Path(srv.ID, ""), ""); res.status != http.StatusOK {
		t.Fatalf("show server: %d %s", res.status, res.body)
	}
	wantV1Error(t, h.resetWith(c.cred(), srv.ID), http.StatusForbidden, "Pdp.0001")

	// An enterprise-project grant.
	if err := h.sim.SetMetadataSettings(MetadataSettings{Actions: []string{allActions}, EnterpriseProjectIDs: []string{"ep-2"}}); err != nil {
		t.Fatal(err)
	}
	c = wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	wantV1Error(t, h.resetWith(c.cred(), srv.ID), http.StatusForbidden, "Pdp.0001")

	// Nil actions follow the default principal, even after it changed.
	if err := h.sim.SetMetadataSettings(MetadataSettings{}); err != nil {
		t.Fatal(err)
	}
	h.addPrincipal(Principal{AccessKey: DefaultAccessKey, SecretKey: DefaultSecretKey, Actions: []string{ActionGetServer}})
	c = wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	wantV1Error(t, h.resetWith(c.cred(), srv.ID), http.StatusForbidden, "Pdp.0001")

	// Disabled: 404, as on a server without an agency.
	if err := h.sim.SetMetadataSettings(MetadataSettings{Disabled: true}); err != nil {
		t.Fatal(err)
	}
	if res := h.call(cred{none: true}, http.MethodGet, metadataPath, ""); res.status != http.StatusNotFound || !strings.Contains(string(res.body), "agency") {
		t.Fatalf("disabled: %d %s", res.status, res.body)
	}

	for _, bad := range []MetadataSettings{
		{Lifetime: time.Millisecond},
		{Lifetime: MaxMetadataLifetime + time.Second},
		{Lifetime: -time.Second},
		{Actions: []string{""}},
		{Actions: []string{"["}},
		{Actions: []string{allActions}, EnterpriseProjectIDs: []string{""}},
		{EnterpriseProjectIDs: []string{"ep-1"}},
	} {
		if err := h.sim.SetMetadataSettings(bad); err == nil {
			t.Errorf("SetMetadataSettings(%+v) succeeded", bad)
		}
	}
	if m := h.sim.MetadataSettings(); !m.Disabled {
		t.Fatalf("a rejected change altered the settings: %+v", m)
	}
}

func TestExpiringPrincipal(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	res := h.control(http.MethodPost, "/_sim/principals", fmt.Sprintf(
		`{"access_key":"STSAK","secret_key":"sts-sk","security_token":"st","actions":["ecs:*:*"],"expires_at":%q}`,
		testNow.Add(5*time.Minute).Format(time.RFC3339)))
	if res.status != http.StatusCreated || !strings.Contains(string(res.body), `"expires_at":"2026-11-26T08:20:00Z"`) {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	c := cred{ak: "STSAK", sk: "sts-sk", securityToken: "st"}
	if res := h.resetWith(c, srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("before expiry: %d %s", res.status, res.body)
	}
	h.clock.Advance(5 * time.Minute)
	if msg := wantGatewayError(t, h.resetWith(c, srv.ID), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
		t.Fatalf("message = %q", msg)
	}
	// Moving the simulator's clock alone, as a test of a real client does
	// through clock_offset_seconds, also reports the expiry rather than the
	// skew it causes.
	h2 := newHarness(t, nil)
	h2.addPrincipal(Principal{AccessKey: "STSAK", SecretKey: "sts-sk", SecurityToken: "st", Actions: []string{allActions},
		ExpiresAt: testNow.Add(time.Hour)})
	srv2 := h2.addServer(ServerSpec{OSType: "Linux"})
	if err := h2.sim.SetClockOffset(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	if msg := wantGatewayError(t, h2.resetWith(c, srv2.ID), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
		t.Fatalf("message with the clock moved = %q", msg)
	}
}

func TestTokenLifetime(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.TokenLifetime = time.Minute })
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	tok, body := h.login(`{"name":"cn-north-4"}`)
	exp, _ := body["token"].(map[string]any)["expires_at"].(string)
	if at, err := time.Parse(time.RFC3339, exp); err != nil || !at.Equal(testNow.Add(time.Minute)) {
		t.Fatalf("expires_at = %q (%v), want %v", exp, err, testNow.Add(time.Minute))
	}
	if res := h.resetWith(cred{token: tok}, srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	h.clock.Advance(time.Minute)
	if msg := wantGatewayError(t, h.resetWith(cred{token: tok}, srv.ID), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
		t.Fatalf("message = %q", msg)
	}

	// A change applies to tokens issued afterwards.
	if err := h.sim.SetTokenLifetime(2 * time.Hour); err != nil {
		t.Fatal(err)
	}
	tok, _ = h.login(`{"name":"cn-north-4"}`)
	h.clock.Advance(time.Hour)
	if res := h.resetWith(cred{token: tok}, srv.ID); res.status != http.StatusNoContent {
		t.Fatalf("reset an hour into a two-hour token: %d %s", res.status, res.body)
	}
	for _, bad := range []time.Duration{0, time.Millisecond, MaxTokenLifetime + time.Second} {
		if err := h.sim.SetTokenLifetime(bad); err == nil {
			t.Errorf("SetTokenLifetime(%v) succeeded", bad)
		}
	}
	if _, err := newSimulator(Config{TokenLifetime: 25 * time.Hour}); err == nil {
		t.Error("Config.TokenLifetime of 25h accepted")
	}
	if _, err := newSimulator(Config{MetadataLifetime: -time.Second}); err == nil {
		t.Error("negative Config.MetadataLifetime accepted")
	}
}

func TestIssuedCredentialsArePruned(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MetadataLifetime = time.Minute })
	old := wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	// Registered by the test under an access key the simulator also
	// tracks as issued: never the simulator's to drop.
	h.sim.mu.Lock()
	h.sim.issued = append(h.sim.issued, "MINE")
	h.sim.mu.Unlock()
	h.addPrincipal(Principal{AccessKey: "MINE", SecretKey: "sk", Actions: []string{allActions}})

	// Within the retention an expired credential still reads as expired.
	h.clock.Advance(time.Minute + issuedRetention - time.Second)
	wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	if msg := wantGatewayError(t, h.call(old.cred(), http.MethodGet, v1Path("x", ""), ""), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
		t.Fatalf("message = %q", msg)
	}
	// After it, the next issue drops it.
	h.clock.Advance(time.Second)
	wantCredential(t, h.call(cred{none: true}, http.MethodGet, metadataPath, ""), http.StatusOK)
	if msg := wantGatewayError(t, h.call(old.cred(), http.MethodGet, v1Path("x", ""), ""), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authUnknownAK {
		t.Fatalf("message after pruning = %q", msg)
	}
	h.sim.mu.Lock()
	_, kept := h.sim.principals["MINE"]
	n := len(h.sim.issued)
	h.sim.mu.Unlock()
	if !kept || n != 2 {
		t.Fatalf("kept MINE = %v, issued = %d; want the test's principal kept and the two fresh credentials tracked", kept, n)
	}
}

func TestAgencies(t *testing.T) {
	h := newHarness(t, nil)
	a := h.addAgency(Agency{DomainName: simDomainName, AgencyName: "b"})
	if a.DomainID != simDomainID || a.Actions == nil || a.EnterpriseProjectIDs == nil {
		t.Fatalf("stored = %+v, want the simulator's domain ID and empty lists", a)
	}
	h.addAgency(Agency{DomainName: "acme", DomainID: "acme-id", AgencyName: "z"})
	// The same domain keeps its ID; replacing an agency keeps the order.
	h.addAgency(Agency{DomainName: "acme", DomainID: "acme-id", AgencyName: "a", Actions: []string{"ecs:*:*"}})
	h.addAgency(Agency{DomainName: "acme", DomainID: "acme-id", AgencyName: "a", Actions: []string{ActionGetServer}})
	got := h.sim.Agencies()
	var names []string
	for _, a := range got {
		names = append(names, a.DomainName+"/"+a.AgencyName)
	}
	if strings.Join(names, ",") != "acme/a,acme/z,ecssim-domain/b" || got[0].Actions[0] != ActionGetServer {
		t.Fatalf("agencies = %+v", got)
	}
	// The caller's copy is its own.
	got[0].Actions[0] = "changed"
	if h.sim.Agencies()[0].Actions[0] != ActionGetServer {
		t.Fatal("Agencies shares its slices")
	}

	for _, bad := range []Agency{
		{AgencyName: "x"},
		{DomainName: "acme"},
		{DomainName: "acme", AgencyName: "x\n"},
		{DomainName: strings.Repeat("d", 256), AgencyName: "x"},
		{DomainName: "acme", AgencyName: "x", Actions: []string{""}},
		{DomainName: "acme", AgencyName: "x", Actions: []string{"["}},
		{DomainName: "acme", AgencyName: "x", EnterpriseProjectIDs: []string{""}},
	} {
		if _, err := h.sim.AddAgency(bad); err == nil || controlStatus(err) != http.StatusBadRequest {
			t.Errorf("AddAgency(%+v) = %v, want a 400 error", bad, err)
		}
	}
	for _, conflict := range []Agency{
		{DomainName: "acme", DomainID: "other-id", AgencyName: "y"},
		{DomainName: "other", DomainID: "acme-id", AgencyName: "y"},
		{DomainName: "acme", AgencyName: "y"}, // the derived ID differs from acme-id
	} {
		if _, err := h.sim.AddAgency(conflict); err == nil || controlStatus(err) != http.StatusConflict {
			t.Errorf("AddAgency(%+v) = %v, want a conflict", conflict, err)
		}
	}
	h.sim.ClearAgencies()
	if got := h.sim.Agencies(); len(got) != 0 {
		t.Fatalf("after ClearAgencies: %+v", got)
	}
}

func TestControlAgencies(t *testing.T) {
	h := newHarness(t, nil)
	res := h.control(http.MethodPost, "/_sim/agencies",
		`{"domain_name":"acme","agency_name":"ops","actions":["ecs:cloudServers:get"],"enterprise_project_ids":["ep-1"]}`)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var stored Agency
	if err := json.Unmarshal(res.body, &stored); err != nil || stored.DomainID != derivedDomainID("acme") ||
		stored.AgencyName != "ops" || len(stored.Actions) != 1 || len(stored.EnterpriseProjectIDs) != 1 {
		t.Fatalf("create answered %s (%v)", res.body, err)
	}
	res = h.control(http.MethodPost, "/_sim/agencies", `{"domain_name":"acme","domain_id":"other","agency_name":"x"}`)
	if res.status != http.StatusConflict || !strings.Contains(string(res.body), `"error"`) {
		t.Fatalf("conflicting domain ID: %d %s", res.status, res.body)
	}
	for _, bad := range []string{``, `{}`, `{"domain_name":"acme"}`, `{"domain_name":"acme","agency_name":"x","typo":1}`,
		`{"domain_name":"acme","agency_name":"x","actions":"ecs:*:*"}`} {
		if res := h.control(http.MethodPost, "/_sim/agencies", bad); res.status != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s, want 400", bad, res.status, res.body)
		}
	}
	res = h.control(http.MethodGet, "/_sim/agencies", "")
	want := `{"agencies":[{"domain_name":"acme","domain_id":"` + derivedDomainID("acme") +
		`","agency_name":"ops","actions":["ecs:cloudServers:get"],"enterprise_project_ids":["ep-1"]}]}`
	if res.status != http.StatusOK || string(res.body) != want {
		t.Fatalf("list: %d %s, want %s", res.status, res.body, want)
	}
	if res := h.control(http.MethodDelete, "/_sim/agencies", ""); res.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", res.status, res.body)
	}
	if res := h.control(http.MethodGet, "/_sim/agencies", ""); string(res.body) != `{"agencies":[]}` {
		t.Fatalf("list after delete: %s", res.body)
	}
	if res := h.control(http.MethodPut, "/_sim/agencies", "{}"); res.status != http.StatusMethodNotAllowed ||
		res.header.Get("Allow") != "DELETE, GET, POST" {
		t.Fatalf("PUT: %d Allow %q", res.status, res.header.Get("Allow"))
	}
}

func TestControlMetadata(t *testing.T) {
	h := newHarness(t, nil)
	res := h.control(http.MethodGet, "/_sim/metadata", "")
	if res.status != http.StatusOK || string(res.body) != `{"lifetime_seconds":3600,"actions":null,"enterprise_project_ids":[],"disabled":false}` {
		t.Fatalf("defaults: %d %s", res.status, res.body)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"lifetime_seconds":120}`, `{"lifetime_seconds":120,"actions":null,"enterprise_project_ids":[],"disabled":false}`},
		{`{"actions":["ecs:cloudServers:get"],"enterprise_project_ids":["ep"]}`,
			`{"lifetime_seconds":120,"actions":["ecs:cloudServers:get"],"enterprise_project_ids":["ep"],"disabled":false}`},
		{`{"disabled":true}`, `{"lifetime_seconds":120,"actions":["ecs:cloudServers:get"],"enterprise_project_ids":["ep"],"disabled":true}`},
		{`{"actions":[]}`, `{"lifetime_seconds":120,"actions":[],"enterprise_project_ids":["ep"],"disabled":true}`},
		// null goes back to the default principal's grant, enterprise
		// projects included.
		{`{"actions":null,"disabled":false}`, `{"lifetime_seconds":120,"actions":null,"enterprise_project_ids":[],"disabled":false}`},
		{`{"lifetime_seconds":0}`, `{"lifetime_seconds":3600,"actions":null,"enterprise_project_ids":[],"disabled":false}`},
	} {
		res := h.control(http.MethodPut, "/_sim/metadata", tc.body)
		if res.status != http.StatusOK || string(res.body) != tc.want {
			t.Fatalf("PUT %s: %d %s, want %s", tc.body, res.status, res.body, tc.want)
		}
	}
	for _, bad := range []string{``, `{"lifetime_seconds":-1}`, `{"lifetime_seconds":86401}`, `{"lifetime_seconds":1.5}`,
		`{"actions":"ecs:*:*"}`, `{"actions":[""]}`, `{"actions":["["]}`, `{"enterprise_project_ids":["ep"]}`,
		`{"actions":["ecs:*:*"],"enterprise_project_ids":[""]}`, `{"disabled":true,"lifetime_seconds":-1}`, `{"typo":1}`} {
		if res := h.control(http.MethodPut, "/_sim/metadata", bad); res.status != http.StatusBadRequest {
			t.Errorf("PUT %s: %d %s, want 400", bad, res.status, res.body)
		}
	}
	// Nothing of a refused change applied.
	if m := h.sim.MetadataSettings(); m.Disabled || m.Lifetime != DefaultMetadataLifetime {
		t.Fatalf("settings after refused changes = %+v", m)
	}
}

func TestControlTokenLifetime(t *testing.T) {
	h := newHarness(t, nil)
	res := h.control(http.MethodPut, "/_sim/config", `{"token_lifetime_seconds":60}`)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"token_lifetime_seconds":60`) || h.sim.TokenLifetime() != time.Minute {
		t.Fatalf("set: %d %s", res.status, res.body)
	}
	for _, bad := range []string{`{"token_lifetime_seconds":0}`, `{"token_lifetime_seconds":86401}`,
		`{"token_lifetime_seconds":-9223372036854775808}`, `{"token_lifetime_seconds":60.5}`, `{"token_lifetime_seconds":120,"latency_ms":-1}`} {
		if res := h.control(http.MethodPut, "/_sim/config", bad); res.status != http.StatusBadRequest {
			t.Errorf("PUT %s: %d %s, want 400", bad, res.status, res.body)
		}
	}
	if h.sim.TokenLifetime() != time.Minute {
		t.Fatalf("a refused change altered the token lifetime: %v", h.sim.TokenLifetime())
	}
}

func TestControlPrincipalExpiry(t *testing.T) {
	h := newHarness(t, nil)
	for _, bad := range []string{
		`{"access_key":"A","secret_key":"s","expires_at":"tomorrow"}`,
		`{"access_key":"A","secret_key":"s","expires_at":1700000000}`,
	} {
		if res := h.control(http.MethodPost, "/_sim/principals", bad); res.status != http.StatusBadRequest {
			t.Errorf("POST %s: %d %s, want 400", bad, res.status, res.body)
		}
	}
	// Without expires_at the answer has none.
	res := h.control(http.MethodPost, "/_sim/principals", `{"access_key":"A","secret_key":"s"}`)
	if res.status != http.StatusCreated || strings.Contains(string(res.body), "expires_at") {
		t.Fatalf("no expiry: %d %s", res.status, res.body)
	}
	// An expiry in the past refuses the credential at once.
	res = h.control(http.MethodPost, "/_sim/principals", `{"access_key":"B","secret_key":"s","actions":["ecs:*:*"],"expires_at":"2020-01-01T00:00:00Z"}`)
	if res.status != http.StatusCreated {
		t.Fatalf("past expiry: %d %s", res.status, res.body)
	}
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	if msg := wantGatewayError(t, h.resetWith(cred{ak: "B", sk: "s"}, srv.ID), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
		t.Fatalf("message = %q", msg)
	}
}

// TestConcurrentIssue issues and uses credentials from many goroutines, for
// the race detector and to check that every issued key is distinct.
func TestConcurrentIssue(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addAgency(Agency{DomainName: "acme", AgencyName: "ops", Actions: []string{allActions}})
	const workers, rounds = 8, 20
	keys := make(chan string, workers*rounds*2)
	errs := make(chan string, workers)
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for range rounds {
				var res response
				if w%2 == 0 {
					res = h.serve(newRequest(http.MethodGet, metadataPath, ""))
				} else {
					r := newRequest(http.MethodPost, assumeRolePath, assumeRoleBody("ops", "domain_name", "acme", nil))
					h.authorize(r, defaultCred(), assumeRoleBody("ops", "domain_name", "acme", nil))
					res = h.serve(r)
				}
				var body struct{ Credential tempCred }
				if err := json.Unmarshal(res.body, &body); err != nil || body.Credential.Access == "" {
					errs <- fmt.Sprintf("issue: %d %s", res.status, res.body)
					return
				}
				keys <- body.Credential.Access
				r := newRequest(http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON("Nw0Pass!word", false))
				h.authorize(r, body.Credential.cred(), resetJSON("Nw0Pass!word", false))
				if res := h.serve(r); res.status != http.StatusNoContent {
					errs <- fmt.Sprintf("reset: %d %s", res.status, res.body)
					return
				}
				_ = h.sim.MetadataSettings()
			}
		}()
	}
	for range workers {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	close(keys)
	seen := map[string]bool{}
	for k := range keys {
		if seen[k] {
			t.Fatalf("access key %s issued twice", k)
		}
		seen[k] = true
	}
	if st, _ := h.sim.Server(srv.ID); st.ResetCount != workers*rounds {
		t.Fatalf("reset count = %d, want %d", st.ResetCount, workers*rounds)
	}
}
