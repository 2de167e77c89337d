package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// noEnv hides the process environment from the provider under test, so that
// HW_* variables on a developer's machine cannot change a test's outcome and
// tests can run in parallel.
func noEnv(string) string { return "" }

// newTestProviderServer builds the provider the way Terraform runs it, minus
// the environment.
func newTestProviderServer() (tfprotov6.ProviderServer, error) {
	return providerserver.NewProtocol6WithError(&ecsProvider{version: "test", getenv: noEnv})()
}

// testAccProtoV6ProviderFactories serves the provider under test to the
// Terraform CLI.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"ecs": newTestProviderServer,
}

// testAccProtoV6ProviderFactoriesWithEcho adds the echo provider, which turns
// an ephemeral value into state that a test can inspect.
var testAccProtoV6ProviderFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"ecs":  newTestProviderServer,
	"echo": echoprovider.NewProviderServer(),
}

// newTestSimulator starts a simulator for one test, seeded with servers, and
// returns it with a provider block that points at it.
func newTestSimulator(t *testing.T, servers ...ecssim.ServerSpec) (*ecssim.Server, string) {
	t.Helper()
	sim, err := ecssim.NewServer(ecssim.Config{Seed: servers})
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	return sim, providerBlock(sim.URL, providerOptions{})
}

// providerOptions varies the provider block of a test.
type providerOptions struct {
	AccessKey, SecretKey string // default: the simulator's default principal
	OmitProjectID        bool   // look the project up through IAM
	MaxRetries           *int   // default 3
}

func providerBlock(url string, o providerOptions) string {
	ak, sk := o.AccessKey, o.SecretKey
	if ak == "" {
		ak, sk = ecssim.DefaultAccessKey, ecssim.DefaultSecretKey
	}
	projectLine := fmt.Sprintf("project_id = %q", ecssim.DefaultProjectID)
	if o.OmitProjectID {
		projectLine = ""
	}
	retries := 3
	if o.MaxRetries != nil {
		retries = *o.MaxRetries
	}
	return fmt.Sprintf(`
provider "ecs" {
  region      = %[1]q
  %[2]s
  access_key  = %[3]q
  secret_key  = %[4]q
  max_retries = %[6]d
  endpoints = {
    ecs = %[5]q
    iam = %[5]q
  }
}
`, ecssim.DefaultRegion, projectLine, ak, sk, url, retries)
}

// addServer seeds one server and returns its ID.
func addServer(t *testing.T, sim *ecssim.Server, spec ecssim.ServerSpec) string {
	t.Helper()
	st, err := sim.AddServer(spec)
	if err != nil {
		t.Fatalf("add server: %v", err)
	}
	return st.ID
}

// serverState returns the simulator's ground truth about a server.
func serverState(t *testing.T, sim *ecssim.Server, id string) ecssim.ServerState {
	t.Helper()
	st, ok := sim.Server(id)
	if !ok {
		t.Fatalf("server %s is not in the simulator", id)
	}
	return st
}

// simCheck runs a Go assertion against the simulator as a state check, after
// the step has been applied.
type simCheck func() error

func (f simCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

func (f simCheck) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

// expectServer asserts the simulator's ground truth about a server.
func expectServer(sim *ecssim.Server, id string, want func(ecssim.ServerState) error) simCheck {
	return func() error {
		st, ok := sim.Server(id)
		if !ok {
			return fmt.Errorf("server %s is not in the simulator", id)
		}
		return want(st)
	}
}

// expectResets asserts the password, reset count and API of the last reset.
func expectResets(sim *ecssim.Server, id, password string, count int, api string) simCheck {
	return expectServer(sim, id, func(st ecssim.ServerState) error {
		switch {
		case st.ResetCount != count:
			return fmt.Errorf("server %s: reset_count = %d, want %d", id, st.ResetCount, count)
		case st.Password != password:
			return fmt.Errorf("server %s: the simulator holds a different password than expected", id)
		case count > 0 && st.LastResetAPI != api:
			return fmt.Errorf("server %s: last_reset_api = %q, want %q", id, st.LastResetAPI, api)
		}
		return nil
	})
}

// secretAbsent asserts that a secret string appears nowhere in the JSON of a
// plan or state, as `terraform show -json` prints them.
type secretAbsent struct {
	secret string
}

func (s secretAbsent) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = s.check("state", req.State)
}

func (s secretAbsent) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = s.check("plan", req.Plan)
}

func (s secretAbsent) check(what string, v any) error {
	if v == nil {
		return fmt.Errorf("no %s to inspect", what)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", what, err)
	}
	if len(data) < 20 {
		return fmt.Errorf("the %s JSON is suspiciously small: %s", what, data)
	}
	if i := strings.Index(string(data), s.secret); i >= 0 {
		// Show what leads up to the secret, never the secret itself.
		return fmt.Errorf("the %s JSON contains the secret after: %s", what, data[max(0, i-200):i])
	}
	return nil
}

// secretPresent is the control for secretAbsent: it proves the check would
// see the secret if it were there.
type secretPresent struct {
	secret string
}

func (s secretPresent) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = s.check("state", req.State)
}

func (s secretPresent) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = s.check("plan", req.Plan)
}

func (s secretPresent) check(what string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !strings.Contains(string(data), s.secret) {
		return fmt.Errorf("the %s JSON does not contain the expected value", what)
	}
	return nil
}

func intp(n int) *int { return &n }

// expectRoute asserts how many API requests the simulator served on a route
// template, such as "GET /v1/{project_id}/cloudservers/{server_id}".
func expectRoute(sim *ecssim.Server, method, route string, want int) simCheck {
	return func() error {
		if got := sim.Stats().Requests[method+" "+route]; got != want {
			return fmt.Errorf("%s %s was called %d times, want %d", method, route, got, want)
		}
		return nil
	}
}

// expectRouteAtLeast is expectRoute for routes that refreshes call a
// varying number of times.
func expectRouteAtLeast(sim *ecssim.Server, method, route string, want int) simCheck {
	return func() error {
		if got := sim.Stats().Requests[method+" "+route]; got < want {
			return fmt.Errorf("%s %s was called %d times, want at least %d", method, route, got, want)
		}
		return nil
	}
}

// expectFaultsInjected asserts that every registered fault fired exactly
// its count, which proves the behaviour under test met the fault.
func expectFaultsInjected(sim *ecssim.Server, wantFaults int) simCheck {
	return func() error {
		faults := sim.Faults()
		if len(faults) != wantFaults {
			return fmt.Errorf("%d faults registered, want %d", len(faults), wantFaults)
		}
		for _, f := range faults {
			if f.Injected != f.Count {
				return fmt.Errorf("fault %d (%s %s %d) fired %d times, want %d", f.ID, f.Method, f.PathContains, f.Status, f.Injected, f.Count)
			}
		}
		return nil
	}
}

// wordsPattern matches the words in order, with any line wrapping or box
// drawing Terraform puts between them.
func wordsPattern(parts ...string) string {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		quoted[i] = strings.Join(words, `[\s│]+`)
	}
	return `(?s)` + strings.Join(quoted, `.*`)
}

// apiErrorPattern matches a diagnostic that names the server, the API error
// code and a request ID, followed by the phrases in more, in order.
func apiErrorPattern(summary, serverID, code string, more ...string) *regexp.Regexp {
	pattern := wordsPattern(summary, serverID, "API error code: "+code) + `[\s│]+Request[\s│]+ID:[\s│]+[0-9a-zA-Z-]{8,}`
	if len(more) > 0 {
		pattern += `.*` + strings.TrimPrefix(wordsPattern(more...), `(?s)`)
	}
	return regexp.MustCompile(pattern)
}
