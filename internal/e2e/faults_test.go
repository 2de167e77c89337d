package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// The transient-fault run: 100 servers, 50 ms latency, and 30 % of API requests failing in
// equal shares with 429 (with Retry-After), 503 and a dropped connection.
const (
	faultFleetSize = 100
	faultLatency   = 50 * time.Millisecond
	faultShare     = 0.10 // per kind; three kinds make 30 %
	// faultMaxRetries: a call fails for good only when every attempt hits a fault. With the
	// default five retries that is 0.3^6 ≈ 0.07 % per call, so one apply of ~200 calls plus a
	// plan of ~100 would fail about one time in five by bad luck alone. Twelve retries make
	// that about 5 in 100 million per run, so the test judges the provider, not the dice.
	faultMaxRetries = 12
)

// cloudServerFaults returns the three fault kinds, each hitting faultShare of all ECS requests.
// Faults are tried in order and the first that triggers wins, so the later ones get rates that
// are conditional on the earlier ones not triggering.
func cloudServerFaults() []ecssim.Fault {
	return []ecssim.Fault{
		{PathContains: "/cloudservers/", Status: 429, Rate: faultShare, RetryAfterSeconds: 1},
		{PathContains: "/cloudservers/", Status: 503, Rate: faultShare / (1 - faultShare)},
		{PathContains: "/cloudservers/", ResetConnection: true, Rate: faultShare / (1 - 2*faultShare)},
	}
}

func TestTransientFaultsConverge(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{Latency: faultLatency, RandSeed: 20240601})
	f := newFleet(s.MustAddLinuxServers(faultFleetSize))
	for _, fault := range cloudServerFaults() {
		s.MustAddFault(fault)
	}
	w := newFleetWorkspace(t, s, f, map[string]string{"max_retries": fmt.Sprint(faultMaxRetries)})

	res := w.apply()
	if res.code != 0 {
		t.Fatalf("apply under transient faults failed:\n%s", res)
	}
	checkNoCrash(t, res)
	if strings.Contains(res.output(), "Error:") {
		t.Errorf("apply succeeded but reported an error:\n%s", res)
	}
	checkFleetConverged(t, s, f, 1)
	if got := len(w.instances()); got != faultFleetSize {
		t.Errorf("state holds %d instances, want %d", got, faultFleetSize)
	}

	// A plan under the same faults refreshes every server and must find nothing to do.
	if res := w.plan(); res.code != 0 {
		t.Fatalf("plan after the apply (exit 0 = no changes expected):\n%s", res)
	}
	checkFleetConverged(t, s, f, 1)

	// The faults must really have hit about 30 % of the requests, or the run proves nothing.
	injected := map[int]int{}
	for i, fs := range s.Faults() {
		injected[i] = fs.Injected
	}
	total := 0
	for _, r := range s.Requests() {
		if strings.Contains(r.Path, "/cloudservers/") {
			total++
		}
	}
	sum := injected[0] + injected[1] + injected[2]
	t.Logf("%d ECS requests, faults injected: %d × 429, %d × 503, %d dropped connections (%.0f %%)",
		total, injected[0], injected[1], injected[2], 100*float64(sum)/float64(max(total, 1)))
	for i, name := range []string{"429", "503", "dropped connection"} {
		if injected[i] == 0 {
			t.Errorf("no %s fault was injected", name)
		}
	}
	if share := float64(sum) / float64(max(total, 1)); share < 0.2 || share > 0.4 {
		t.Errorf("faults hit %.0f %% of the requests, want about 30 %%", 100*share)
	}
}

func TestPermanentResetFailureRecordsNothing(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	f := newFleet(s.MustAddLinuxServers(3))
	broken := f.ids[1]
	s.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: broken + "/os-reset-password", Status: 500})
	w := newFleetWorkspace(t, s, f, nil)

	res := w.apply()
	if res.code != 1 {
		t.Fatalf("apply with a permanently failing reset should fail:\n%s", res)
	}
	checkNoCrash(t, res)

	// The diagnostic names the server, the error code and the request ID of the failed call.
	puts := s.RequestsTo("PUT", broken+"/os-reset-password")
	if len(puts) != 1 {
		t.Errorf("the failing reset was sent %d times, want exactly once (a 500 on a reset must not be repeated)", len(puts))
	}
	// A 500 may come after part of the work was done, so the error says the
	// reset may have taken effect, while the state records nothing.
	for _, want := range []string{"Password Reset Outcome Unknown", broken, "Common.0001", "HTTP status: 500", "may have reached the API"} {
		if !containsFlat(res.stderr, want) {
			t.Errorf("the error does not mention %q:\n%s", want, res.stderr)
		}
	}
	for _, p := range puts {
		if p.Status != 500 || !containsFlat(res.stderr, "Request ID: "+p.RequestID) {
			t.Errorf("the error does not quote the request ID %s of the failed reset (status %d):\n%s", p.RequestID, p.Status, res.stderr)
		}
	}

	// The other servers were reset; the broken one was not, and the state knows it.
	for i, id := range f.ids {
		st := s.State(id)
		want := 1
		if id == broken {
			want = 0
		}
		if st.ResetCount != want {
			t.Errorf("server %s was reset %d times, want %d", id, st.ResetCount, want)
		}
		if want == 1 && st.Password != f.passwords[i] {
			t.Errorf("server %s does not hold its configured password", id)
		}
	}
	inState := w.stateServerIDs()
	if len(inState) != 2 || strings.Contains(strings.Join(inState, " "), broken) {
		t.Errorf("state holds %v, want the two servers other than %s", inState, broken)
	}

	// Nothing was recorded as done, so the next plan proposes the reset again, and only it.
	w.mustRun("plan", "-input=false", "-no-color", "-out=retry.tfplan")
	show := w.mustRun("show", "-json", "retry.tfplan")
	var plan struct {
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string       `json:"actions"`
				After   map[string]any `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &plan); err != nil {
		t.Fatalf("show -json: %v", err)
	}
	creates := 0
	for _, rc := range plan.ResourceChanges {
		actions := strings.Join(rc.Change.Actions, ",")
		switch {
		case actions == "create" && rc.Change.After["server_id"] == broken:
			creates++
		case actions != "no-op":
			t.Errorf("%s: planned %s, want no-op", rc.Address, actions)
		}
	}
	if creates != 1 {
		t.Errorf("the plan proposes %d resets of %s, want 1", creates, broken)
	}
}

func TestInterruptedApplyConverges(t *testing.T) {
	t.Parallel()
	const n = 20
	s := simtest.Start(t, ecssim.Config{})
	f := newFleet(s.MustAddLinuxServers(n))
	// Every reset-support check, the first call of a create, hangs for ten minutes (the longest
	// delay the simulator allows) unless the client gives up on it: only a cancelled context can
	// end these requests early. (A GET is used because the simulator notices a client going away
	// only once it has read the request body, which it does after the delay.)
	s.MustAddFault(ecssim.Fault{Method: "GET", PathContains: "/os-resetpwd-flag", DelayMS: int((10 * time.Minute).Milliseconds())})
	w := newFleetWorkspace(t, s, f, nil)

	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd, stdout, stderr := w.command(ctx, applyArgs...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer clirunner.StopGroup(cmd)

	// Wait until the CLI's ten workers (the default -parallelism) are all inside a check.
	const flagRoute = "GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag"
	inFlight := 0
	for deadline := time.Now().Add(2 * time.Minute); inFlight < 10; time.Sleep(50 * time.Millisecond) {
		inFlight = s.Stats().Requests[flagRoute]
		if time.Now().After(deadline) {
			t.Fatalf("only %d checks started; stdout:\n%s\nstderr:\n%s", inFlight, stdout, stderr)
		}
		select {
		case err := <-done:
			t.Fatalf("apply ended before the interrupt (%v):\n%s\n%s", err, stdout, stderr)
		default:
		}
	}

	// One SIGINT, as Ctrl-C sends: the CLI asks the provider to stop, and the provider must end
	// its in-flight requests instead of waiting for them.
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case waitErr := <-done:
		// The exit status is checked below; Wait's error only repeats it.
		_ = waitErr
	case <-time.After(2 * time.Minute):
		t.Fatalf("the CLI did not stop within two minutes of SIGINT: the in-flight requests did not end with the context\n%s\n%s", stdout, stderr)
	}
	interrupted := result{args: applyArgs, stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if !cmd.ProcessState.Exited() || interrupted.code == 0 {
		t.Errorf("the interrupted apply should exit by itself with a failure status:\n%s", interrupted)
	}
	checkNoCrash(t, interrupted)

	// The simulator saw every started request end without a response (the client went away),
	// and no reset was sent.
	started := s.Stats().Requests[flagRoute]
	var abandoned int
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		abandoned = 0
		for _, r := range s.RequestsTo("GET", "/os-resetpwd-flag") {
			if r.Status == 0 {
				abandoned++
			}
		}
		if abandoned >= started || time.Now().After(deadline) {
			break
		}
	}
	if abandoned != started {
		t.Errorf("%d requests were started but %d ended by the client going away", started, abandoned)
	}
	if puts := s.RequestsTo("PUT", "/os-reset-password"); len(puts) != 0 {
		t.Errorf("%d resets were sent during the interrupted apply", len(puts))
	}
	// Each abandoned call is reported as cancelled, not as an API failure.
	if n := strings.Count(flat(interrupted.stderr), "The operation was cancelled"); n != started {
		t.Errorf("%d in-flight creates were interrupted but %d diagnostics say they were cancelled:\n%s", started, n, interrupted)
	}
	for _, id := range f.ids {
		if st := s.State(id); st.ResetCount != 0 {
			t.Errorf("server %s was reset %d times during the interrupted apply", id, st.ResetCount)
		}
	}
	if got := w.instances(); len(got) != 0 {
		t.Errorf("the interrupted apply recorded %d instances", len(got))
	}

	// With the API healthy again a later apply converges, resetting each server once.
	s.ClearFaults()
	if res := w.apply(); res.code != 0 {
		t.Fatalf("apply after the interrupt:\n%s", res)
	}
	checkFleetConverged(t, s, f, 1)
	if res := w.plan(); res.code != 0 {
		t.Fatalf("plan after convergence (exit 0 = no changes expected):\n%s", res)
	}
}
