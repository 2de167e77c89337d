package ecsapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// These tests run the client against the in-process simulator, which has
// its own implementation of the wire contract (signing, paths, bodies and
// error formats), so a mistake on either side shows up as a failure.

const (
	simGoodPassword = "Nw0Pass!word"
	simWeakPassword = "password"
	simWindowsPw    = "W1ndows!Initial"
)

// Server IDs seeded into every simulator.
const (
	srvLinux    = "11111111-1111-4111-8111-111111111111"
	srvWindows  = "22222222-2222-4222-8222-222222222222"
	srvNoPlugin = "33333333-3333-4333-8333-333333333333"
	srvLocked   = "44444444-4444-4444-8444-444444444444"
	srvBuilding = "55555555-5555-4555-8555-555555555555"
	srvOtherEP  = "66666666-6666-4666-8666-666666666666"
	srvMissing  = "99999999-9999-4999-8999-999999999999"
)

var (
	simKeyOnce sync.Once
	simKey     *rsa.PrivateKey
	simKeyPEM  string
)

// simKeyPair returns one RSA key pair shared by all simulator tests.
func simKeyPair(t testing.TB) (*rsa.PrivateKey, string) {
	t.Helper()
	simKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			panic(err)
		}
		simKey = k
		simKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	})
	return simKey, simKeyPEM
}

// newSim starts a simulator seeded with the servers the tests below name.
func newSim(t testing.TB) *simtest.Sim {
	t.Helper()
	_, pub := simKeyPair(t)
	no := false
	return simtest.Start(t, ecssim.Config{
		RandSeed: 7,
		Seed: []ecssim.ServerSpec{
			{ID: srvLinux, Name: "linux-1", OSType: "Linux", EnterpriseProjectID: "ep-1"},
			{ID: srvWindows, Name: "win-1", OSType: "Windows", KeyName: "kp-win", PublicKey: pub, WindowsPassword: simWindowsPw, EnterpriseProjectID: "ep-1"},
			{ID: srvNoPlugin, Name: "noplugin", OSType: "Linux", ResetPasswordSupported: &no},
			{ID: srvLocked, Name: "locked", OSType: "Linux", Locked: true},
			{ID: srvBuilding, Name: "building", OSType: "Linux", Status: "BUILD"},
			{ID: srvOtherEP, Name: "other-ep", OSType: "Linux", Status: "SHUTOFF", EnterpriseProjectID: "ep-2"},
		},
	})
}

func simClient(t testing.TB, srv *simtest.Sim, mutate ...func(*ecsapi.Config)) *ecsapi.Client {
	t.Helper()
	cfg := ecsapi.Config{
		ECSEndpoint:  srv.URL,
		IAMEndpoint:  srv.URL,
		Region:       ecssim.DefaultRegion,
		ProjectID:    ecssim.DefaultProjectID,
		Credentials:  ecsapi.Credentials{AccessKey: ecssim.DefaultAccessKey, SecretKey: ecssim.DefaultSecretKey},
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		UserAgent:    "terraform-provider-ecs/test",
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := ecsapi.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func apiErrorOf(t *testing.T, err error) *ecsapi.APIError {
	t.Helper()
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	if apiErr.RequestID == "" {
		t.Errorf("error %v has no request ID", err)
	}
	return apiErr
}

func wantAPIError(t *testing.T, err error, status int, code string) {
	t.Helper()
	apiErr := apiErrorOf(t, err)
	if apiErr.StatusCode != status || apiErr.Code != code {
		t.Errorf("got HTTP %d %s (%v), want HTTP %d %s", apiErr.StatusCode, apiErr.Code, err, status, code)
	}
}

func TestSimResolveProjectID(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.ProjectID = "" })
	if err := c.ResolveProjectID(context.Background()); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if c.ProjectID() != ecssim.DefaultProjectID {
		t.Errorf("project ID %q", c.ProjectID())
	}
	if _, err := c.LookupProjectID(context.Background(), "xx-nowhere-1"); err == nil || !strings.Contains(err.Error(), "no enabled IAM project") {
		t.Errorf("unknown region: %v", err)
	}
}

func TestSimGetServerBothAPIs(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()
	for _, api := range []ecsapi.API{ecsapi.APIV1, ecsapi.APIV21} {
		s, err := c.GetServer(ctx, api, srvWindows)
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		if s.ID != srvWindows || s.Name != "win-1" || s.Status != "ACTIVE" || s.OSType != "Windows" || s.KeyName != "kp-win" || s.Locked {
			t.Errorf("%s: server %+v", api, s)
		}
		if api == ecsapi.APIV1 && s.EnterpriseProjectID != "ep-1" {
			t.Errorf("v1 enterprise project %q", s.EnterpriseProjectID)
		}
		locked, err := c.GetServer(ctx, api, srvLocked)
		if err != nil || !locked.Locked || locked.KeyName != "" {
			t.Errorf("%s locked server: %+v, %v", api, locked, err)
		}
		_, err = c.GetServer(ctx, api, srvMissing)
		if !ecsapi.IsNotFound(err) {
			t.Errorf("%s missing server: %v", api, err)
		}
	}
	_, err := c.GetServer(ctx, ecsapi.APIV1, srvMissing)
	wantAPIError(t, err, 404, "Ecs.0114")
	_, err = c.GetServer(ctx, ecsapi.APIV21, srvMissing)
	wantAPIError(t, err, 404, "itemNotFound")
}

func TestSimResetPasswordV1(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()

	if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true); err != nil {
		t.Fatalf("reset: %v", err)
	}
	st := srv.State(srvLinux)
	if st.Password != simGoodPassword || st.ResetCount != 1 || st.LastResetAPI != "v1" || !st.LastIsCheckPassword {
		t.Errorf("state after reset: %+v", st)
	}

	// Weak passwords fail only when the service is asked to check them.
	wantAPIError(t, c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simWeakPassword, true), 400, "Ecs.0011")
	if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simWeakPassword, false); err != nil {
		t.Fatalf("unchecked weak reset: %v", err)
	}
	st = srv.State(srvLinux)
	if st.Password != simWeakPassword || st.LastIsCheckPassword || st.ResetCount != 2 {
		t.Errorf("state after unchecked reset: %+v", st)
	}

	wantAPIError(t, c.ResetServerPassword(ctx, ecsapi.APIV1, srvNoPlugin, simGoodPassword, true), 400, "Ecs.0613")
	wantAPIError(t, c.ResetServerPassword(ctx, ecsapi.APIV1, srvLocked, simGoodPassword, true), 400, "Ecs.0605")
	wantAPIError(t, c.ResetServerPassword(ctx, ecsapi.APIV1, srvBuilding, simGoodPassword, true), 400, "Ecs.0100")
	err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvMissing, simGoodPassword, true)
	wantAPIError(t, err, 404, "Ecs.0114")
	if !ecsapi.IsNotFound(err) {
		t.Error("IsNotFound false for a missing server")
	}
	if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvOtherEP, simGoodPassword, true); err != nil {
		t.Errorf("a stopped server can be reset: %v", err)
	}
}

func TestSimResetPasswordV21(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()
	// The v2.1 API never checks complexity, whatever checkPassword says.
	if err := c.ResetServerPassword(ctx, ecsapi.APIV21, srvLinux, simWeakPassword, true); err != nil {
		t.Fatalf("v2.1 reset: %v", err)
	}
	st := srv.State(srvLinux)
	if st.Password != simWeakPassword || st.LastResetAPI != "v2.1" {
		t.Errorf("state after v2.1 reset: %+v", st)
	}
	err := c.ResetServerPassword(ctx, ecsapi.APIV21, srvMissing, simGoodPassword, false)
	wantAPIError(t, err, 404, "itemNotFound")
	if !ecsapi.IsNotFound(err) {
		t.Error("IsNotFound false for a missing server on the v2.1 API")
	}
	wantAPIError(t, c.ResetServerPassword(ctx, ecsapi.APIV21, srvLocked, simGoodPassword, false), 409, "conflictingRequest")
}

func TestSimResetPasswordFlag(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()
	flag, err := c.GetResetPasswordFlag(ctx, srvLinux)
	if err != nil || !flag.Supported || flag.Raw != "True" {
		t.Fatalf("supported server: %+v, %v", flag, err)
	}
	if want := srv.LastRequestID(); flag.RequestID != want {
		t.Errorf("supported server: request ID %q, simulator sent %q", flag.RequestID, want)
	}
	flag, err = c.GetResetPasswordFlag(ctx, srvNoPlugin)
	if err != nil || flag.Supported || flag.Raw != "False" {
		t.Fatalf("server without plug-in: %+v, %v", flag, err)
	}
	if want := srv.LastRequestID(); flag.RequestID != want {
		t.Errorf("server without plug-in: request ID %q, simulator sent %q", flag.RequestID, want)
	}
	_, err = c.GetResetPasswordFlag(ctx, srvMissing)
	wantAPIError(t, err, 404, "Ecs.0114")
}

func TestSimWindowsPasswordBothAPIs(t *testing.T) {
	key, _ := simKeyPair(t)
	for _, api := range []ecsapi.API{ecsapi.APIV1, ecsapi.APIV21} {
		t.Run(string(api), func(t *testing.T) {
			srv := newSim(t)
			c := simClient(t, srv)
			ctx := context.Background()
			stored, err := c.GetServerPassword(ctx, api, srvWindows)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if want := srv.LastRequestID(); stored.RequestID != want {
				t.Errorf("get: request ID %q, simulator sent %q", stored.RequestID, want)
			}
			cipherText := stored.Encrypted
			if want := srv.State(srvWindows).EncryptedPassword; cipherText != want || cipherText == "" {
				t.Fatalf("ciphertext %q, simulator holds %q", cipherText, want)
			}
			raw, err := base64.StdEncoding.DecodeString(cipherText)
			if err != nil {
				t.Fatalf("ciphertext is not base64: %v", err)
			}
			plain, err := rsa.DecryptPKCS1v15(nil, key, raw)
			if err != nil || string(plain) != simWindowsPw {
				t.Fatalf("decrypted %q, %v", plain, err)
			}

			if err := c.DeleteServerPassword(ctx, api, srvWindows); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if srv.State(srvWindows).WindowsPasswordPresent {
				t.Error("password still stored after delete")
			}
			got, err := c.GetServerPassword(ctx, api, srvWindows)
			if err != nil || got.Encrypted != "" {
				t.Fatalf("after delete: %+v, %v", got, err)
			}
			// The answer "nothing stored" is what a diagnostic quotes the
			// request ID for.
			if want := srv.LastRequestID(); got.RequestID != want {
				t.Errorf("after delete: request ID %q, simulator sent %q", got.RequestID, want)
			}
			// Deleting again is harmless.
			if err := c.DeleteServerPassword(ctx, api, srvWindows); err != nil {
				t.Errorf("second delete: %v", err)
			}
			if got, err := c.GetServerPassword(ctx, api, srvLinux); err != nil || got.Encrypted != "" {
				t.Errorf("linux server: %+v, %v", got, err)
			}
			_, err = c.GetServerPassword(ctx, api, srvMissing)
			if !ecsapi.IsNotFound(err) {
				t.Errorf("missing server: %v", err)
			}
			if !ecsapi.IsNotFound(c.DeleteServerPassword(ctx, api, srvMissing)) {
				t.Error("delete on a missing server is not a not-found error")
			}
		})
	}
}

func TestSimBatchReset(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()

	res, err := c.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{DryRun: true, NewPassword: simGoodPassword, ServerIDs: []string{srvLinux, srvOtherEP}})
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if srv.State(srvLinux).ResetCount != 0 {
		t.Error("dry run reset a server")
	}
	t.Logf("dry run result: %+v", res)

	res, err = c.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{NewPassword: simGoodPassword, ServerIDs: []string{srvLinux, srvOtherEP}})
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	if fmt.Sprint(res.ServerIDs) != fmt.Sprint([]string{srvLinux, srvOtherEP}) {
		t.Errorf("accepted %v", res.ServerIDs)
	}
	for _, id := range []string{srvLinux, srvOtherEP} {
		if st := srv.State(id); st.Password != simGoodPassword || st.LastResetAPI != "batch" {
			t.Errorf("%s after batch: %+v", id, st)
		}
	}

	_, err = c.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{NewPassword: simGoodPassword, ServerIDs: []string{srvLinux, srvNoPlugin, srvMissing}})
	wantAPIError(t, err, 400, "Ecs.0611")
	apiErr := apiErrorOf(t, err)
	failed := map[string]string{}
	for _, f := range apiErr.Failures {
		failed[f.ServerID] = f.Code
	}
	if failed[srvNoPlugin] != "Ecs.0613" || failed[srvMissing] != "Ecs.0114" || len(failed) != 2 {
		t.Errorf("failures %+v", apiErr.Failures)
	}
}

// issueSimToken logs in as the simulator's IAM user with plain net/http.
func issueSimToken(t *testing.T, srv *simtest.Sim) string {
	t.Helper()
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{
			"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{
				"name": ecssim.DefaultUser, "password": ecssim.DefaultPassword, "domain": map[string]any{"name": "ecssim-domain"},
			}},
		},
		"scope": map[string]any{"project": map[string]any{"name": ecssim.DefaultRegion}},
	}}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/v3/auth/tokens?nocatalog=true", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("token request: HTTP %d", resp.StatusCode)
	}
	tok := resp.Header.Get("X-Subject-Token")
	if tok == "" {
		t.Fatal("no X-Subject-Token in the token response")
	}
	return tok
}

func TestSimTokenAuthentication(t *testing.T) {
	srv := newSim(t)
	tok := issueSimToken(t, srv)
	c := simClient(t, srv, func(cfg *ecsapi.Config) {
		cfg.Credentials = ecsapi.Credentials{Token: tok}
		cfg.ProjectID = ""
	})
	ctx := context.Background()
	if err := c.ResolveProjectID(ctx); err != nil {
		t.Fatalf("resolve with a token: %v", err)
	}
	if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true); err != nil {
		t.Fatalf("reset with a token: %v", err)
	}
	if err := c.ResetServerPassword(ctx, ecsapi.APIV21, srvLinux, simGoodPassword, false); err != nil {
		t.Fatalf("v2.1 reset with a token: %v", err)
	}
	if _, err := c.GetServerPassword(ctx, ecsapi.APIV21, srvWindows); err != nil {
		t.Fatalf("v2.1 get with a token: %v", err)
	}
	if st := srv.State(srvLinux); st.ResetCount != 2 {
		t.Errorf("reset count %d", st.ResetCount)
	}

	bad := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.Credentials = ecsapi.Credentials{Token: "not-a-token"} })
	err := bad.DeleteServerPassword(ctx, ecsapi.APIV1, srvWindows)
	apiErr := apiErrorOf(t, err)
	if apiErr.StatusCode != 401 || !errors.Is(err, ecsapi.ErrUnauthorized) {
		t.Errorf("bad token: %v", err)
	}
	if !srv.State(srvWindows).WindowsPasswordPresent {
		t.Error("an unauthenticated delete took effect")
	}
}

func TestSimSigningFailures(t *testing.T) {
	srv := newSim(t)
	ctx := context.Background()

	wrongKey := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.Credentials.SecretKey = "wrong-secret-key" })
	err := wrongKey.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true)
	apiErr := apiErrorOf(t, err)
	if apiErr.StatusCode != 401 || !strings.HasPrefix(apiErr.Code, "APIG") {
		t.Errorf("wrong secret key: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-key") {
		t.Error("the error shows the secret key")
	}

	// The simulator rejects signatures more than 15 minutes off its clock,
	// which shows the configured clock drives X-Sdk-Date.
	skewed := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.Now = func() time.Time { return time.Now().Add(-time.Hour) } })
	err = skewed.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true)
	if apiErr := apiErrorOf(t, err); apiErr.StatusCode != 401 {
		t.Errorf("skewed clock: %v", err)
	}
	if st := srv.State(srvLinux); st.ResetCount != 0 {
		t.Errorf("rejected requests reset the password: %+v", st)
	}
	// 401 is never retried.
	if n := len(srv.RequestsTo(http.MethodPut, "")); n != 2 {
		t.Errorf("%d PUT attempts for two rejected calls", n)
	}
}

func TestSimTemporaryCredentials(t *testing.T) {
	srv := newSim(t)
	const (
		ak    = "TMPACCESSKEY00000042"
		sk    = "temporary-secret-key-0042"
		token = "temporary-security-token-0042+/=="
	)
	if err := srv.AddPrincipal(ecssim.Principal{AccessKey: ak, SecretKey: sk, SecurityToken: token, Actions: []string{"ecs:*:*"}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := simClient(t, srv, func(cfg *ecsapi.Config) {
		cfg.Credentials = ecsapi.Credentials{AccessKey: ak, SecretKey: sk, SecurityToken: token}
	})
	if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true); err != nil {
		t.Fatalf("reset with temporary credentials: %v", err)
	}
	if _, err := c.GetServer(ctx, ecsapi.APIV21, srvLinux); err != nil {
		t.Fatalf("v2.1 read with temporary credentials: %v", err)
	}

	noToken := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.Credentials = ecsapi.Credentials{AccessKey: ak, SecretKey: sk} })
	err := noToken.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true)
	if apiErr := apiErrorOf(t, err); apiErr.StatusCode != 401 && apiErr.StatusCode != 403 {
		t.Errorf("temporary keys without their token: %v", err)
	}
	if st := srv.State(srvLinux); st.ResetCount != 1 {
		t.Errorf("reset count %d", st.ResetCount)
	}
}

func TestSimEnterpriseProjectGrants(t *testing.T) {
	srv := newSim(t)
	const ak, sk = "EPACCESSKEY000000001", "enterprise-project-secret-key"
	if err := srv.AddPrincipal(ecssim.Principal{
		AccessKey: ak, SecretKey: sk,
		Actions: []string{
			ecssim.ActionResetServerPwd, ecssim.ActionGetServer, ecssim.ActionShowResetPasswordFlag,
			ecssim.ActionShowServerPassword, ecssim.ActionDeletePassword, ecssim.ActionManageServerPasswords,
		},
		EnterpriseProjectIDs: []string{"ep-1"},
	}); err != nil {
		t.Fatal(err)
	}
	c := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.Credentials = ecsapi.Credentials{AccessKey: ak, SecretKey: sk} })
	ctx := context.Background()

	// v1 honours the grant for servers in ep-1 ...
	if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true); err != nil {
		t.Errorf("v1 reset in a granted enterprise project: %v", err)
	}
	if _, err := c.GetResetPasswordFlag(ctx, srvLinux); err != nil {
		t.Errorf("v1 flag in a granted enterprise project: %v", err)
	}
	if _, err := c.GetServerPassword(ctx, ecsapi.APIV1, srvWindows); err != nil {
		t.Errorf("v1 get password in a granted enterprise project: %v", err)
	}
	if _, err := c.GetServer(ctx, ecsapi.APIV1, srvLinux); err != nil {
		t.Errorf("v1 show server in a granted enterprise project: %v", err)
	}
	// ... but not for servers elsewhere,
	err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvOtherEP, simGoodPassword, true)
	if !ecsapi.IsForbidden(err) {
		t.Errorf("v1 reset outside the granted enterprise project: %v", err)
	}
	// and the v2.1 API ignores enterprise-project grants entirely.
	for name, err := range map[string]error{
		"v2.1 reset":  c.ResetServerPassword(ctx, ecsapi.APIV21, srvLinux, simGoodPassword, false),
		"v2.1 delete": c.DeleteServerPassword(ctx, ecsapi.APIV21, srvWindows),
	} {
		if !ecsapi.IsForbidden(err) || !errors.Is(err, ecsapi.ErrForbidden) {
			t.Errorf("%s with an enterprise-project grant: %v", name, err)
		} else if apiErr := apiErrorOf(t, err); apiErr.Code != "forbidden" {
			t.Errorf("%s: code %q, want the v2.1 API's fault name", name, apiErr.Code)
		}
	}
	_, err = c.GetServerPassword(ctx, ecsapi.APIV21, srvWindows)
	if !ecsapi.IsForbidden(err) {
		t.Errorf("v2.1 get with an enterprise-project grant: %v", err)
	}
	if st := srv.State(srvLinux); st.ResetCount != 1 || st.LastResetAPI != "v1" {
		t.Errorf("state %+v", st)
	}
	if !srv.State(srvWindows).WindowsPasswordPresent {
		t.Error("a forbidden v2.1 delete took effect")
	}
}

// TestSimOperationsSurviveInjectedFaults injects throttling, unavailability
// and dropped connections into roughly 30% of requests; every operation
// must still succeed within its retries.
func TestSimOperationsSurviveInjectedFaults(t *testing.T) {
	srv := newSim(t)
	for _, f := range []ecssim.Fault{
		{Status: 429, Rate: 0.12},
		{Status: 503, Rate: 0.1},
		{ResetConnection: true, Rate: 0.1},
	} {
		if err := srv.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}
	log := &captureLogger{}
	c := simClient(t, srv, func(cfg *ecsapi.Config) {
		cfg.MaxRetries = 12
		cfg.ProjectID = ""
		cfg.Logger = log
	})
	ctx := context.Background()

	if err := c.ResolveProjectID(ctx); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	for round := 0; round < 5; round++ {
		pw := fmt.Sprintf("Nw0Pass!word%d", round)
		// A fixed order keeps the request sequence, and so the seeded
		// fault pattern, the same on every run.
		steps := []struct {
			name string
			run  func() error
		}{
			{"reset", func() error { return c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, pw, true) }},
			{"v2.1 reset", func() error { return c.ResetServerPassword(ctx, ecsapi.APIV21, srvOtherEP, pw, false) }},
			{"flag", func() error { _, err := c.GetResetPasswordFlag(ctx, srvLinux); return err }},
			{"get v1", func() error { _, err := c.GetServerPassword(ctx, ecsapi.APIV1, srvWindows); return err }},
			{"get v2.1", func() error { _, err := c.GetServerPassword(ctx, ecsapi.APIV21, srvWindows); return err }},
			{"server v1", func() error { _, err := c.GetServer(ctx, ecsapi.APIV1, srvLinux); return err }},
			{"server v2.1", func() error { _, err := c.GetServer(ctx, ecsapi.APIV21, srvLinux); return err }},
			{"batch", func() error {
				_, err := c.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{NewPassword: pw, ServerIDs: []string{srvLinux}})
				return err
			}},
			{"delete v1", func() error { return c.DeleteServerPassword(ctx, ecsapi.APIV1, srvWindows) }},
			{"delete v2.1", func() error { return c.DeleteServerPassword(ctx, ecsapi.APIV21, srvWindows) }},
		}
		for _, step := range steps {
			if err := step.run(); err != nil {
				t.Fatalf("round %d, %s: %v", round, step.name, err)
			}
		}
		if st := srv.State(srvLinux); st.Password != pw {
			t.Fatalf("round %d: password %q", round, st.Password)
		}
	}

	// Prove the faults really fired and were retried.
	injected := map[int]int{}
	for _, r := range srv.Requests() {
		injected[r.Status]++
	}
	if injected[429] == 0 || injected[503] == 0 || injected[0] == 0 {
		t.Errorf("faults did not all fire: statuses %v", injected)
	}
	byReason := map[string]int{}
	byStatus := map[any]int{}
	for _, e := range log.retries() {
		byReason[fmt.Sprint(e.Fields["reason"])]++
		byStatus[e.Fields["status"]]++
	}
	t.Logf("injected (0 = dropped connection): %v; client retries by reason: %v", injected, byReason)
	// Every throttled or unavailable response is retried by the client. A
	// dropped connection may instead be replayed by net/http itself when it
	// happens on a reused idle connection, so only some of them reach the
	// client's retry logic.
	if byStatus[429] != injected[429] || byStatus[503] != injected[503] {
		t.Errorf("retries %v do not match injected faults %v", byReason, injected)
	}
	transport := 0
	for reason, n := range byReason {
		if strings.HasPrefix(reason, "transport error") {
			transport += n
		}
	}
	if transport == 0 {
		t.Error("no dropped connection reached the client's retry logic")
	}
}

func TestSimRetriedFlowControlAndBusy(t *testing.T) {
	srv := newSim(t)
	for _, f := range []ecssim.Fault{
		{Method: http.MethodPut, PathContains: "os-reset-password", Status: 202, Count: 1},
		{Method: http.MethodPut, PathContains: "os-reset-password", Status: 501, Count: 1},
		{Method: http.MethodPut, PathContains: "os-reset-password", Status: 429, Count: 1, RetryAfterSeconds: 1},
	} {
		if err := srv.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}
	log := &captureLogger{}
	c := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.Logger = log })
	if err := c.ResetServerPassword(context.Background(), ecsapi.APIV1, srvLinux, simGoodPassword, true); err != nil {
		t.Fatalf("reset: %v", err)
	}
	var codes []string
	for _, e := range log.retries() {
		codes = append(codes, fmt.Sprint(e.Fields["status"], " ", e.Fields["code"]))
	}
	if strings.Join(codes, ",") != "202 Common.0024,501 Ecs.0603,429 APIGW.0308" {
		t.Errorf("retries %v", codes)
	}
	if st := srv.State(srvLinux); st.ResetCount != 1 {
		t.Errorf("reset count %d", st.ResetCount)
	}
}

func TestSimPermanentServerError(t *testing.T) {
	srv := newSim(t)
	if err := srv.AddFault(ecssim.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	c := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2 })
	ctx := context.Background()

	_, err := c.GetResetPasswordFlag(ctx, srvLinux)
	wantAPIError(t, err, 500, "Common.0001")
	apiErr := apiErrorOf(t, err)
	if !strings.Contains(err.Error(), "HTTP 500 Common.0001") || !strings.Contains(err.Error(), apiErr.RequestID) {
		t.Errorf("error text %q", err)
	}
	if n := len(srv.RequestsTo(http.MethodGet, "")); n != 3 {
		t.Errorf("GET attempts %d, want 3 (500 is retried on reads)", n)
	}

	err = c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true)
	wantAPIError(t, err, 500, "Common.0001")
	if n := len(srv.RequestsTo(http.MethodPut, "")); n != 1 {
		t.Errorf("PUT attempts %d, want 1 (500 is not retried on resets)", n)
	}

	_, err = c.GetServer(ctx, ecsapi.APIV21, srvLinux)
	wantAPIError(t, err, 500, "computeFault")
}

func TestSimConnectionsAreReused(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()
	for i := 0; i < 20; i++ {
		if _, err := c.GetServer(ctx, ecsapi.APIV1, srvLinux); err != nil {
			t.Fatal(err)
		}
		if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Stats().ConnectionsAccepted; n != 1 {
		t.Errorf("%d connections for 40 sequential calls, want 1", n)
	}
}

func TestSimConcurrentClients(t *testing.T) {
	srv := newSim(t)
	c := simClient(t, srv)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := []string{srvLinux, srvOtherEP}[i%2]
			if err := c.ResetServerPassword(ctx, ecsapi.APIV1, id, fmt.Sprintf("Nw0Pass!word%d", i), true); err != nil {
				errs <- err
			}
			if _, err := c.GetServer(ctx, ecsapi.APIV21, id); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if a, b := srv.State(srvLinux).ResetCount, srv.State(srvOtherEP).ResetCount; a+b != 16 {
		t.Errorf("reset counts %d + %d, want 16", a, b)
	}
}

func BenchmarkResetServerPassword(b *testing.B) {
	srv := newSim(b)
	c := simClient(b, srv)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.ResetServerPassword(ctx, ecsapi.APIV1, srvLinux, simGoodPassword, true); err != nil {
			b.Fatal(err)
		}
	}
}
