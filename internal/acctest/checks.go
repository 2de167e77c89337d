package acctest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// Both kinds of check can stand wherever Terraform's own checks do.
var (
	_ statecheck.StateCheck = SimCheck(nil)
	_ plancheck.PlanCheck   = SimCheck(nil)
	_ statecheck.StateCheck = SecretCheck{}
	_ plancheck.PlanCheck   = SecretCheck{}
)

// SimCheck is an assertion about the simulator's ground truth. As a state check it runs after
// the step has been applied; as a plan check, at the point the plan check list names. It ignores
// what Terraform recorded: comparing the two is the point of putting it next to Terraform's
// own checks.
type SimCheck func() error

// CheckState implements statecheck.StateCheck.
func (f SimCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// CheckPlan implements plancheck.PlanCheck.
func (f SimCheck) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

// ExpectServer asserts the simulator's ground truth about a server with want. A missing server
// is an error rather than a failed test, so the check can also prove a server is gone by being
// expected to fail.
func ExpectServer(sim *simtest.Sim, id string, want func(ecssim.ServerState) error) SimCheck {
	return func() error {
		st, ok := sim.Server(id)
		if !ok {
			return fmt.Errorf("server %s is not in the simulator", id)
		}
		return want(st)
	}
}

// ExpectResets asserts the password, the reset count and the API of the last reset. api is
// not checked when count is 0, since no reset has an API then.
func ExpectResets(sim *simtest.Sim, id, password string, count int, api string) SimCheck {
	return ExpectServer(sim, id, func(st ecssim.ServerState) error {
		switch {
		case st.ResetCount != count:
			return fmt.Errorf("server %s: reset_count = %d, want %d", id, st.ResetCount, count)
		case st.Password != password:
			// Never quote either password: check output ends up in logs.
			return fmt.Errorf("server %s: the simulator holds a different password than expected", id)
		case count > 0 && st.LastResetAPI != api:
			return fmt.Errorf("server %s: last_reset_api = %q, want %q", id, st.LastResetAPI, api)
		}
		return nil
	})
}

// ExpectWindowsPasswordStored asserts whether the simulator still stores the server's initial
// Windows password.
func ExpectWindowsPasswordStored(sim *simtest.Sim, id string, want bool) SimCheck {
	return ExpectServer(sim, id, func(st ecssim.ServerState) error {
		if st.WindowsPasswordPresent != want {
			return fmt.Errorf("server %s: windows_password_present = %v, want %v", id, st.WindowsPasswordPresent, want)
		}
		return nil
	})
}

// ExpectRoute asserts how many API requests the simulator served on a route template, such as
// "GET /v1/{project_id}/cloudservers/{server_id}".
func ExpectRoute(sim *simtest.Sim, method, route string, want int) SimCheck {
	return func() error {
		if got := sim.Stats().Requests[method+" "+route]; got != want {
			return fmt.Errorf("%s %s was called %d times, want %d", method, route, got, want)
		}
		return nil
	}
}

// ExpectGETAtLeast is ExpectRoute for reads, which refreshes repeat a varying number of times.
func ExpectGETAtLeast(sim *simtest.Sim, route string, want int) SimCheck {
	return func() error {
		if got := sim.Stats().Requests["GET "+route]; got < want {
			return fmt.Errorf("GET %s was called %d times, want at least %d", route, got, want)
		}
		return nil
	}
}

// ExpectFaultsInjected asserts that wantFaults faults are registered and that each fired
// exactly its count, which proves the behaviour under test met every fault.
func ExpectFaultsInjected(sim *simtest.Sim, wantFaults int) SimCheck {
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

// SecretCheck asserts whether a secret string appears in the JSON of a plan or state, as
// `terraform show -json` prints them. Build it with SecretAbsent, the assertion, or
// SecretPresent, its control: a test that pairs them proves the search would see the secret if
// it were there.
type SecretCheck struct {
	secret string
	want   bool // whether the secret must be present
}

// SecretAbsent fails when secret appears in the plan or state.
func SecretAbsent(secret string) SecretCheck { return SecretCheck{secret: secret} }

// SecretPresent fails when secret does not appear in the plan or state.
func SecretPresent(secret string) SecretCheck { return SecretCheck{secret: secret, want: true} }

// CheckState implements statecheck.StateCheck.
func (s SecretCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = s.check("state", req.State)
}

// CheckPlan implements plancheck.PlanCheck.
func (s SecretCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = s.check("plan", req.Plan)
}

// check searches the JSON encoding of v. A missing or nearly empty document is an error, not
// a pass: finding no secret in nothing would prove nothing.
func (s SecretCheck) check(what string, v any) error {
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
	i := strings.Index(string(data), s.secret)
	switch {
	case s.want && i < 0:
		return fmt.Errorf("the %s JSON does not contain the expected value", what)
	case !s.want && i >= 0:
		// Show what leads up to the secret, never the secret itself.
		return fmt.Errorf("the %s JSON contains the secret after: %s", what, data[max(0, i-200):i])
	}
	return nil
}
