package ecssim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClockSkew(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	target := v1Path(srv.ID, "os-resetpwd-flag")
	tests := []struct {
		offset time.Duration
		ok     bool
	}{
		{-maxClockSkew, true},
		{maxClockSkew, true},
		{-maxClockSkew - time.Second, false},
		{maxClockSkew + time.Second, false},
		{-24 * time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.offset.String(), func(t *testing.T) {
			r := newRequest(http.MethodGet, target, "")
			signTestRequest(r, nil, DefaultAccessKey, DefaultSecretKey, testNow.Add(tc.offset), nil)
			res := h.serve(r)
			if tc.ok {
				if res.status != http.StatusOK {
					t.Fatalf("status = %d, want 200; body %s", res.status, res.body)
				}
				return
			}
			msg := wantGatewayError(t, res, http.StatusUnauthorized, codeAuthFailed)
			if msg != authMessagePrefix+authSignatureExpired {
				t.Fatalf("message = %q", msg)
			}
		})
	}
}

func TestClockOffset(t *testing.T) {
	testClockOffsetFromConfig(t)
	t.Run("changed at run time", testClockOffsetChangedAtRunTime)
	t.Run("tokens expire by the simulator's clock", func(t *testing.T) {
		h := newHarness(t, nil)
		tok, _ := h.login(`{"name":"cn-north-4"}`)
		if err := h.sim.SetClockOffset(DefaultTokenLifetime); err != nil {
			t.Fatal(err)
		}
		res := h.call(cred{token: tok}, http.MethodGet, "/v3/projects", "")
		if msg := wantGatewayError(t, res, http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authTokenExpired {
			t.Fatalf("message = %q", msg)
		}
	})
	t.Run("bounds", func(t *testing.T) {
		for _, d := range []time.Duration{MaxClockOffset + time.Nanosecond, -MaxClockOffset - time.Nanosecond} {
			if _, err := StartLoopback(Config{ClockOffset: d}); err == nil {
				t.Fatalf("NewServer accepted offset %v", d)
			}
			h := newHarness(t, nil)
			if err := h.sim.SetClockOffset(d); err == nil || h.sim.ClockOffset() != 0 {
				t.Fatalf("SetClockOffset(%v) = %v, offset now %v", d, err, h.sim.ClockOffset())
			}
		}
		h := newHarness(t, func(c *Config) { c.ClockOffset = -MaxClockOffset })
		if got := h.sim.now(); !got.Equal(testNow.Add(-MaxClockOffset)) {
			t.Fatalf("now = %v", got)
		}
	})
}

// testClockOffsetFromConfig runs a subtest of t per Config.ClockOffset.
func testClockOffsetFromConfig(t *testing.T) {
	// The client signs with the harness clock (testNow); the offset moves
	// only the simulator's clock.
	for _, tc := range []struct {
		offset time.Duration
		ok     bool
	}{
		{20 * time.Minute, false},
		{-20 * time.Minute, false},
		{10 * time.Minute, true},
		{-10 * time.Minute, true},
		{0, true},
	} {
		t.Run(tc.offset.String(), func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.ClockOffset = tc.offset })
			srv := h.addServer(ServerSpec{OSType: "Linux"})
			res := h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
			if tc.ok {
				if res.status != http.StatusOK {
					t.Fatalf("status = %d, want 200; body %s", res.status, res.body)
				}
			} else if msg := wantGatewayError(t, res, http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authSignatureExpired {
				t.Fatalf("message = %q", msg)
			}
			// Timestamps follow the simulator's clock.
			if recs := h.sim.Requests(); len(recs) != 1 || !recs[0].Time.Equal(testNow.Add(tc.offset)) {
				t.Fatalf("log = %+v, want time %v", recs, testNow.Add(tc.offset))
			}
			if !srv.Created.Equal(testNow.Add(tc.offset)) {
				t.Fatalf("created = %v", srv.Created)
			}
		})
	}
}

func testClockOffsetChangedAtRunTime(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	get := func() response { return h.call(defaultCred(), http.MethodGet, v1Path(srv.ID, ""), "") }
	if res := h.control(http.MethodGet, "/_sim/config", ""); res.status != 200 || !strings.Contains(string(res.body), `"clock_offset_seconds":0`) {
		t.Fatalf("config: %d %s", res.status, res.body)
	}
	res := h.control(http.MethodPut, "/_sim/config", `{"clock_offset_seconds":1200}`)
	if res.status != 200 || string(res.body) != `{"latency_ms":0,"rate_limit":0,"clock_offset_seconds":1200,"job_duration_ms":2000,"token_lifetime_seconds":86400}` {
		t.Fatalf("set: %d %s", res.status, res.body)
	}
	if h.sim.ClockOffset() != 20*time.Minute {
		t.Fatalf("ClockOffset() = %v", h.sim.ClockOffset())
	}
	if msg := wantGatewayError(t, get(), http.StatusUnauthorized, codeAuthFailed); msg != authMessagePrefix+authSignatureExpired {
		t.Fatalf("message = %q", msg)
	}
	if res := h.control(http.MethodPut, "/_sim/config", `{"clock_offset_seconds":-600.5}`); res.status != 200 || !strings.Contains(string(res.body), `"clock_offset_seconds":-600.5`) {
		t.Fatalf("set: %d %s", res.status, res.body)
	}
	if res := get(); res.status != http.StatusOK {
		t.Fatalf("with -600.5s: %d %s", res.status, res.body)
	}
	// Invalid values change nothing, not even the valid fields beside
	// them.
	for _, body := range []string{
		`{"clock_offset_seconds":315360001}`,
		`{"clock_offset_seconds":-1e300}`,
		`{"clock_offset_seconds":"20m"}`,
		`{"latency_ms":5,"clock_offset_seconds":1e12}`,
	} {
		if res := h.control(http.MethodPut, "/_sim/config", body); res.status != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", body, res.status, res.body)
		}
	}
	if h.sim.ClockOffset() != -600500*time.Millisecond || h.sim.currentLatency() != 0 {
		t.Fatalf("offset %v latency %v after rejected changes", h.sim.ClockOffset(), h.sim.currentLatency())
	}
}

// authFailure is a request the gateway must refuse with msg.
type authFailure struct {
	name string
	req  *http.Request
	msg  string
}

func TestAuthenticationFailures(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addPrincipal(Principal{AccessKey: "TEMPAK", SecretKey: "temp-sk", SecurityToken: "sec-token", Actions: []string{allActions}})
	target := v1Path(srv.ID, "os-resetpwd-flag")
	for _, tc := range append(credentialFailures(target), signatureFormatFailures(target)...) {
		t.Run(tc.name, func(t *testing.T) {
			res := h.serve(tc.req)
			msg := wantGatewayError(t, res, http.StatusUnauthorized, codeAuthFailed)
			if msg != authMessagePrefix+tc.msg {
				t.Fatalf("message = %q, want %q", msg, authMessagePrefix+tc.msg)
			}
		})
	}
}

// signedBy is a GET of target signed at testNow with ak and sk.
func signedBy(target, ak, sk string) *http.Request {
	r := newRequest(http.MethodGet, target, "")
	signTestRequest(r, nil, ak, sk, testNow, nil)
	return r
}

// credentialFailures are well-formed requests with missing, unknown or
// wrong credentials. TEMPAK must be a temporary principal with secret key
// temp-sk and security token sec-token.
func credentialFailures(target string) []authFailure {
	return []authFailure{
		{"no credentials", newRequest(http.MethodGet, target, ""), authNoCredentials},
		{"unknown access key", signedBy(target, "NOSUCHAK", DefaultSecretKey), authUnknownAK},
		{"wrong secret key", signedBy(target, DefaultAccessKey, DefaultSecretKey+"x"), authBadSignature},
		{"temporary credential without security token", signedBy(target, "TEMPAK", "temp-sk"), authBadSignature},
		{"temporary credential with wrong security token", func() *http.Request {
			r := signedBy(target, "TEMPAK", "temp-sk")
			r.Header.Set("X-Security-Token", "sec-tokem") // unsigned, as golangsdk sends it
			return r
		}(), authBadSignature},
		{"unknown token", func() *http.Request {
			r := newRequest(http.MethodGet, target, "")
			r.Header.Set("X-Auth-Token", "MIInotissued")
			return r
		}(), authBadToken},
	}
}

// signatureFormatFailures are requests with the default credentials whose
// signature headers are malformed.
func signatureFormatFailures(target string) []authFailure {
	signed := func(mutate func(r *http.Request)) *http.Request {
		r := signedBy(target, DefaultAccessKey, DefaultSecretKey)
		mutate(r)
		return r
	}
	validSig := signedBy(target, DefaultAccessKey, DefaultSecretKey).Header.Get("Authorization")
	return []authFailure{
		{"other algorithm", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(validSig, "SDK-HMAC-SHA256", "AWS4-HMAC-SHA256", 1))
		}), authBadSignature},
		{"missing signature field", signed(func(r *http.Request) {
			r.Header.Set("Authorization", validSig[:strings.Index(validSig, ", Signature=")])
		}), authBadSignature},
		{"unknown field", signed(func(r *http.Request) {
			r.Header.Set("Authorization", validSig+", Extra=1")
		}), authBadSignature},
		{"x-sdk-date not signed", func() *http.Request {
			r := newRequest(http.MethodGet, target, "")
			r.Header.Set("X-Project-Id", DefaultProjectID)
			signTestRequest(r, nil, DefaultAccessKey, DefaultSecretKey, testNow, []string{"x-project-id"})
			return r
		}(), authBadSignature},
		{"missing X-Sdk-Date", signed(func(r *http.Request) { r.Header.Del("X-Sdk-Date") }), authBadSignature},
		{"malformed X-Sdk-Date", signed(func(r *http.Request) { r.Header.Set("X-Sdk-Date", "2026-11-26T08:15:00Z") }), authBadSignature},
	}
}

func TestAuthenticationVariantsAccepted(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addPrincipal(Principal{AccessKey: "TEMPAK", SecretKey: "temp-sk", SecurityToken: "sec-token", Actions: []string{allActions}})
	resetBody := `{"reset-password":{"new_password":"any"}}`
	target := v1Path(srv.ID, "os-reset-password")

	t.Run("temporary credential with unsigned security token", func(t *testing.T) {
		r := newRequest(http.MethodPut, target, resetBody)
		signTestRequest(r, []byte(resetBody), "TEMPAK", "temp-sk", testNow, nil)
		r.Header.Set("X-Security-Token", "sec-token")
		if res := h.serve(r); res.status != http.StatusNoContent {
			t.Fatalf("status = %d; body %s", res.status, res.body)
		}
	})
	t.Run("host content-type and project signed", func(t *testing.T) {
		r := newRequest(http.MethodPut, target, resetBody)
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
		r.Header.Set("X-Project-Id", DefaultProjectID)
		signTestRequest(r, []byte(resetBody), DefaultAccessKey, DefaultSecretKey, testNow,
			[]string{"content-type", "host", "x-project-id", "x-sdk-date"})
		if res := h.serve(r); res.status != http.StatusNoContent {
			t.Fatalf("status = %d; body %s", res.status, res.body)
		}
		// The same signature no longer fits once a signed header changes.
		r2 := newRequest(http.MethodPut, target, resetBody)
		for k, v := range r.Header {
			r2.Header[k] = v
		}
		r2.Header.Set("Content-Type", "application/json")
		wantGatewayError(t, h.serve(r2), http.StatusUnauthorized, codeAuthFailed)
	})
	t.Run("unsigned payload", func(t *testing.T) {
		r := newRequest(http.MethodPut, target, resetBody)
		r.Header.Set("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")
		signTestRequest(r, []byte("not the body"), DefaultAccessKey, DefaultSecretKey, testNow, nil)
		if res := h.serve(r); res.status != http.StatusNoContent {
			t.Fatalf("status = %d; body %s", res.status, res.body)
		}
	})
	t.Run("trailing slash", func(t *testing.T) {
		r := newRequest(http.MethodPut, target+"/", resetBody)
		signTestRequest(r, []byte(resetBody), DefaultAccessKey, DefaultSecretKey, testNow, nil)
		if res := h.serve(r); res.status != http.StatusNoContent {
			t.Fatalf("status = %d; body %s", res.status, res.body)
		}
	})
	st, _ := h.sim.Server(srv.ID)
	if st.ResetCount != 4 {
		t.Fatalf("reset_count = %d, want 4", st.ResetCount)
	}
}

func TestProjectMismatch(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	other := "ffffffffffffffffffffffffffffffff"
	h.addPrincipal(Principal{AccessKey: "OTHERAK", SecretKey: "other-sk", ProjectID: other, Actions: []string{allActions}})
	otherCred := cred{ak: "OTHERAK", sk: "other-sk"}

	// The default principal addressing another project.
	wrongURL := strings.Replace(v1Path(srv.ID, "os-resetpwd-flag"), DefaultProjectID, other, 1)
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, wrongURL, ""), http.StatusBadRequest, "Ecs.0023")
	wrongNative := strings.Replace(nativePath("v2.1", srv.ID, "os-server-password"), DefaultProjectID, other, 1)
	wantNativeFault(t, h.call(defaultCred(), http.MethodGet, wrongNative, ""), http.StatusBadRequest, "badRequest")

	// A principal of another project addressing the simulator's project.
	wantV1Error(t, h.call(otherCred, http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), ""), http.StatusBadRequest, "Ecs.0023")

	// X-Project-Id must agree with the credential too.
	r := newRequest(http.MethodGet, v1Path(srv.ID, "os-resetpwd-flag"), "")
	r.Header.Set("X-Project-Id", other)
	signTestRequest(r, nil, DefaultAccessKey, DefaultSecretKey, testNow, nil)
	wantV1Error(t, h.serve(r), http.StatusBadRequest, "Ecs.0023")

	// In its own project, the other principal finds no servers: they all
	// live in the simulator's project.
	ownURL := strings.Replace(v1Path(srv.ID, "os-resetpwd-flag"), DefaultProjectID, other, 1)
	wantV1Error(t, h.call(otherCred, http.MethodGet, ownURL, ""), http.StatusNotFound, "Ecs.0114")
}
