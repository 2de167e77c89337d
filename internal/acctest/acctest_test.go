package acctest

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

func TestProviderBlock(t *testing.T) {
	t.Parallel()
	const url = "http://127.0.0.1:1"
	// The whole text, so a change to the layout is a deliberate one.
	want := `provider "ecs" {
  access_key = "` + ecssim.DefaultAccessKey + `"
  endpoints = {
    ecs = "http://127.0.0.1:1"
    iam = "http://127.0.0.1:1"
  }
  max_retries = 3
  project_id = "` + ecssim.DefaultProjectID + `"
  region = "` + ecssim.DefaultRegion + `"
  secret_key = "` + ecssim.DefaultSecretKey + `"
}
`
	if got := ProviderBlock(url, ProviderOptions{}); got != want {
		t.Errorf("ProviderBlock with no options:\n%s\nwant:\n%s", got, want)
	}

	zero := 0
	varied := ProviderBlock(url, ProviderOptions{AccessKey: "AK-TEST", SecretKey: "sk \"quoted\"", OmitProjectID: true, MaxRetries: &zero})
	for _, line := range []string{`  access_key = "AK-TEST"`, `  secret_key = "sk \"quoted\""`, `  max_retries = 0`} {
		if !strings.Contains(varied, line+"\n") {
			t.Errorf("ProviderBlock with options lacks %q:\n%s", line, varied)
		}
	}
	for _, gone := range []string{"project_id", ecssim.DefaultAccessKey, ecssim.DefaultSecretKey} {
		if strings.Contains(varied, gone) {
			t.Errorf("ProviderBlock with options still has %q:\n%s", gone, varied)
		}
	}
	// A secret key alone does not replace the default pair: both come from AccessKey's owner.
	if got := ProviderBlock(url, ProviderOptions{SecretKey: "ignored"}); got != want {
		t.Errorf("ProviderBlock with only a secret key:\n%s", got)
	}
}

func TestProviderHCLLeavesRetriesToTheProvider(t *testing.T) {
	t.Parallel()
	got := ProviderHCL("http://sim", map[string]string{"insecure": "true", "region": ""})
	if strings.Contains(got, "max_retries") || strings.Contains(got, "region") {
		t.Errorf("ProviderHCL:\n%s", got)
	}
	if !strings.Contains(got, "  insecure = true\n") || !strings.Contains(got, `ecs = "http://sim"`) {
		t.Errorf("ProviderHCL lacks the override or the endpoint:\n%s", got)
	}
}

func TestHCLBlock(t *testing.T) {
	t.Parallel()
	defaults := map[string]string{"b": `"two"`, "a": "1", "c": "3"}
	got := HCLBlock(`resource "x" "y"`, defaults, map[string]string{"c": "", "b": `"new"`, "d": "[]"})
	want := "resource \"x\" \"y\" {\n  a = 1\n  b = \"new\"\n  d = []\n}\n"
	if got != want {
		t.Errorf("HCLBlock:\n%s\nwant:\n%s", got, want)
	}
	if defaults["b"] != `"two"` || defaults["c"] != "3" {
		t.Errorf("HCLBlock changed its defaults: %v", defaults)
	}
	if got := HCLBlock("locals", nil, map[string]string{"x": "1"}); got != "locals {\n  x = 1\n}\n" {
		t.Errorf("HCLBlock without defaults: %q", got)
	}
}

func TestNewSimulatorPointsTheProviderAtIt(t *testing.T) {
	t.Parallel()
	sim, block := NewSimulator(t)
	if !strings.Contains(block, `ecs = "`+sim.URL+`"`) || !strings.Contains(block, `iam = "`+sim.URL+`"`) {
		t.Errorf("the provider block does not point at %s:\n%s", sim.URL, block)
	}
}

// stateError and planError run a check the way terraform-plugin-testing does.
func stateError(c statecheck.StateCheck) error {
	var resp statecheck.CheckStateResponse
	c.CheckState(context.Background(), statecheck.CheckStateRequest{}, &resp)
	return resp.Error
}

func planError(c plancheck.PlanCheck) error {
	var resp plancheck.CheckPlanResponse
	c.CheckPlan(context.Background(), plancheck.CheckPlanRequest{}, &resp)
	return resp.Error
}

func TestSimChecks(t *testing.T) {
	t.Parallel()
	sim, _ := NewSimulator(t)
	linux := sim.MustAddServer(ecssim.ServerSpec{})
	windows := WindowsServer(t, sim)
	sim.MustAddFault(ecssim.Fault{Method: "GET", PathContains: "/v3/projects", Status: 503, Count: 1})
	unmet := ExpectFaultsInjected(sim, 1)
	if err := unmet(); err == nil {
		t.Error("ExpectFaultsInjected passed before the fault fired")
	}
	// An unsigned request is enough: the simulator counts it, and the fault answers it, before
	// authentication.
	sim.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/v3/projects", nil))

	cases := []struct {
		name  string
		check SimCheck
		pass  bool
	}{
		{"no resets yet", ExpectResets(sim, linux, "", 0, ""), true},
		{"a reset that did not happen", ExpectResets(sim, linux, "", 1, ""), false},
		{"a reset on an API never used", ExpectResets(sim, linux, "", 1, "v1"), false},
		{"a password the server does not hold", ExpectResets(sim, linux, "Kq7!vRm2@Lp9", 0, ""), false},
		{"missing server", ExpectResets(sim, "00000000-0000-4000-8000-000000000000", "", 0, ""), false},
		{"stored Windows password", ExpectWindowsPasswordStored(sim, windows, true), true},
		{"no stored Windows password", ExpectWindowsPasswordStored(sim, windows, false), false},
		{"Linux servers store none", ExpectWindowsPasswordStored(sim, linux, false), true},
		{"route count", ExpectRoute(sim, "GET", "/v3/projects", 1), true},
		{"wrong route count", ExpectRoute(sim, "GET", "/v3/projects", 2), false},
		{"other method", ExpectRoute(sim, "POST", "/v3/projects", 1), false},
		{"GET at least", ExpectGETAtLeast(sim, "/v3/projects", 1), true},
		{"too few GETs", ExpectGETAtLeast(sim, "/v3/projects", 2), false},
		{"faults injected", ExpectFaultsInjected(sim, 1), true},
		{"wrong number of faults", ExpectFaultsInjected(sim, 2), false},
	}
	for _, tc := range cases {
		for kind, err := range map[string]error{"state": stateError(tc.check), "plan": planError(tc.check)} {
			if (err == nil) != tc.pass {
				t.Errorf("%s as a %s check: error %v, want pass = %v", tc.name, kind, err, tc.pass)
			}
		}
	}
}

func TestWindowsServerStoresThePasswordForItsKey(t *testing.T) {
	t.Parallel()
	sim, _ := NewSimulator(t)
	st := sim.State(WindowsServer(t, sim))
	raw, err := base64.StdEncoding.DecodeString(st.EncryptedPassword)
	if err != nil {
		t.Fatalf("the stored password is not base64: %v", err)
	}
	plain, err := rsa.DecryptPKCS1v15(nil, WindowsServerKey(t), raw) //nolint:staticcheck // the format ECS uses
	if err != nil || string(plain) != WindowsInitialPassword {
		t.Errorf("decrypted %q, %v; want the initial password", plain, err)
	}
	if st.OSType != "Windows" {
		t.Errorf("OS type %q", st.OSType)
	}
}

func TestSecretCheck(t *testing.T) {
	t.Parallel()
	const secret = "Zt4!wYn8@Hd3"
	with := map[string]any{"values": map[string]any{"password": secret, "server_id": "6d0f3f3e"}}
	without := map[string]any{"values": map[string]any{"password": nil, "server_id": "6d0f3f3e"}}
	cases := []struct {
		name  string
		check SecretCheck
		doc   any
		pass  bool
	}{
		{"absent and absent", SecretAbsent(secret), without, true},
		{"absent but present", SecretAbsent(secret), with, false},
		{"present and present", SecretPresent(secret), with, true},
		{"present but absent", SecretPresent(secret), without, false},
		{"nothing to inspect", SecretAbsent(secret), nil, false},
		{"too little to inspect", SecretAbsent(secret), map[string]any{}, false},
	}
	for _, tc := range cases {
		err := tc.check.check("state", tc.doc)
		if (err == nil) != tc.pass {
			t.Errorf("%s: error %v, want pass = %v", tc.name, err, tc.pass)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error quotes the secret: %v", tc.name, err)
		}
	}
	// With no state or plan at all, as when a step produced none, both kinds fail.
	if stateError(SecretAbsent(secret)) == nil || planError(SecretAbsent(secret)) == nil {
		t.Error("a secret check passed with nothing to inspect")
	}
}
