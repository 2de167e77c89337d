package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// The restart tests judge by what a login would accept: the simulator's effective password,
// which only a completed boot changes, next to its reset and boot counts. A reset that was
// sent twice would show in reset_count even when it sent the same password.

// restartFleetHCL is fleetHCL with restart = "soft": every reset is followed by a reboot that
// the provider waits for.
const restartFleetHCL = fleetVariablesHCL + `
resource "ecs_server_password" "fleet" {
  count               = length(var.servers)
  server_id           = var.servers[count.index]
  password_wo         = var.passwords[count.index]
  password_wo_version = var.password_version
  restart             = "soft"
}
`

// actionPath is where reboots are posted: POST /v1/{project_id}/cloudservers/action.
const actionPath = "/cloudservers/action"

// shortJob is how long a reboot takes when a test wants the apply to finish promptly.
const shortJob = 200 * time.Millisecond

// restartFailedTitle is the summary of the diagnostic of a restart that failed after a reset.
const restartFailedTitle = "Server Restart Failed After Password Reset"

// newRestartFleetWorkspace writes the restart fleet configuration with the fleet's passwords as
// password_wo_version 1.
func newRestartFleetWorkspace(t *testing.T, s *simtest.Sim, f fleet) *workspace {
	t.Helper()
	w := newWorkspace(t, map[string]string{"main.tf": terraformBlock + acctest.ProviderHCL(s.URL, nil) + restartFleetHCL})
	writeFleetVars(w, f, 1)
	return w
}

// writeFleetVars sets the fleet's servers and passwords, and the version that tells the
// provider the write-only passwords changed.
func writeFleetVars(w *workspace, f fleet, version int) {
	w.t.Helper()
	w.writeJSON("terraform.tfvars.json", map[string]any{"servers": f.ids, "passwords": f.passwords, "password_version": version})
}

// acceptedReboots counts the reboot requests the simulator accepted with a job.
func acceptedReboots(s *simtest.Sim) int {
	n := 0
	for _, r := range s.RequestsTo("POST", actionPath) {
		if r.Status == 200 {
			n++
		}
	}
	return n
}

func setJobDuration(t *testing.T, s *simtest.Sim, d time.Duration) {
	t.Helper()
	if err := s.SetJobDuration(d); err != nil {
		t.Fatal(err)
	}
}

// snapshot returns the simulator's state of every server of the fleet, in fleet order.
func snapshot(s *simtest.Sim, f fleet) []ecssim.ServerState {
	out := make([]ecssim.ServerState, len(f.ids))
	for i, id := range f.ids {
		out[i] = s.State(id)
	}
	return out
}

// interruptApply starts the CLI with args, sends one SIGINT (as Ctrl-C does) as soon as ready
// reports true, and returns the outcome once the CLI has stopped by itself. ready also says what
// it waits for, for the failure message.
func interruptApply(t *testing.T, w *workspace, args []string, ready func() (bool, string)) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd, stdout, stderr := w.command(ctx, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer clirunner.StopGroup(cmd)

	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		ok, what := ready()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s; stdout:\n%s\nstderr:\n%s", what, stdout, stderr)
		}
		select {
		case err := <-done:
			t.Fatalf("the apply ended (%v) before the interrupt, while waiting for %s:\n%s\n%s", err, what, stdout, stderr)
		default:
		}
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		// The exit status is in ProcessState; Wait's error only repeats it.
		_ = err
	case <-time.After(2 * time.Minute):
		t.Fatalf("the CLI did not stop within two minutes of SIGINT: the wait did not end with the context\n%s\n%s", stdout, stderr)
	}
	res := result{args: args, stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	if !cmd.ProcessState.Exited() {
		t.Errorf("the interrupted apply was ended by a signal instead of stopping by itself:\n%s", res)
	}
	return res
}

// plannedChange is one resource change of a saved plan.
type plannedChange struct {
	actions string // joined with ",", e.g. "update" or "delete,create"
	reason  string // Terraform's action_reason, e.g. "replace_because_tainted"
}

// plannedChanges plans into a file and returns the change of every resource by address.
func plannedChanges(w *workspace) map[string]plannedChange {
	w.t.Helper()
	w.mustRun("plan", "-input=false", "-no-color", "-out=next.tfplan")
	show := w.mustRun("show", "-json", "next.tfplan")
	var plan struct {
		ResourceChanges []struct {
			Address      string `json:"address"`
			ActionReason string `json:"action_reason"`
			Change       struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &plan); err != nil {
		w.t.Fatalf("show -json: %v", err)
	}
	out := map[string]plannedChange{}
	for _, rc := range plan.ResourceChanges {
		out[rc.Address] = plannedChange{actions: strings.Join(rc.Change.Actions, ","), reason: rc.ActionReason}
	}
	return out
}

// restartPendingByServer maps each server ID in the state to its restart_pending value (nil
// when the attribute is missing or not a boolean).
func restartPendingByServer(w *workspace) map[string]any {
	out := map[string]any{}
	for _, in := range w.instances() {
		id, _ := in.Attributes["server_id"].(string)
		v, ok := in.Attributes["restart_pending"].(bool)
		if ok {
			out[id] = v
		} else {
			out[id] = nil
		}
	}
	return out
}

// TestInterruptedRestartWaitConverges interrupts an apply with SIGINT while the provider waits
// for the reboot jobs of a fleet, after every password was reset, and checks that the state
// records the resets with their restarts pending and that the next apply finishes the
// restarts.
//
// "update" is the case where the next apply resets nothing again: the fleet already exists
// and the interrupted apply changed its passwords; the next apply follows the reboot jobs the
// interrupted one recorded and, since they rebooted the servers, reboots nothing a second
// time. "create" interrupts the apply that creates
// the fleet: Terraform taints an object whose creation returned an error, so the next apply
// replaces it, and the replacement sends the same password again (harmless, and what the
// provider's error text announces) before restarting.
func TestInterruptedRestartWaitConverges(t *testing.T) {
	t.Parallel()
	for _, create := range []bool{true, false} {
		name := map[bool]string{true: "create", false: "update"}[create]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testInterruptedRestartWait(t, create)
		})
	}
}

func testInterruptedRestartWait(t *testing.T, create bool) {
	const n = 6
	// longJob keeps the reboot jobs running long after the interrupt, so the interrupt surely
	// lands in the wait, however slowly the CLI runs.
	const longJob = 30 * time.Second
	s := simtest.Start(t, ecssim.Config{JobDuration: shortJob})
	f := newFleet(s.MustAddLinuxServers(n))
	w := newRestartFleetWorkspace(t, s, f)

	// version is the password_wo_version the interrupted apply sets; resets and boots are what
	// every server has seen before it.
	version, resets, boots := 1, 0, 0
	if !create {
		w.mustRun(applyArgs...)
		version, resets, boots = 2, 1, 1
		f = newFleet(f.ids)
		writeFleetVars(w, f, version)
	}
	before := snapshot(s, f)
	rebootsBefore := acceptedReboots(s)
	setJobDuration(t, s, longJob)

	// The interrupt comes once every server's reboot was accepted: all n resources are then
	// inside the wait for their job.
	args := append(slices.Clone(applyArgs), "-parallelism=10")
	interrupted := interruptApply(t, w, args, func() (bool, string) {
		got := acceptedReboots(s) - rebootsBefore
		return got == n, fmt.Sprintf("%d accepted reboots (have %d)", n, got)
	})
	if interrupted.code == 0 {
		t.Errorf("the interrupted apply should fail:\n%s", interrupted)
	}
	checkNoCrash(t, interrupted)
	// Each resource reports that its password was reset and that the wait was cancelled.
	if got := strings.Count(interrupted.stderr, restartFailedTitle); got != n {
		t.Errorf("%d diagnostics say %q, want %d:\n%s", got, restartFailedTitle, n, interrupted)
	}
	for _, id := range f.ids {
		if !containsFlat(interrupted.stderr, fmt.Sprintf("The password of server %q was reset", id)) {
			t.Errorf("no diagnostic says that the password of %s was reset:\n%s", id, interrupted.stderr)
		}
	}
	if got := strings.Count(flat(interrupted.stderr), "The operation was cancelled"); got != n {
		t.Errorf("%d diagnostics say the wait was cancelled, want %d:\n%s", got, n, interrupted.stderr)
	}

	// The state records every reset, with its restart pending, so the next apply knows to
	// restart but not to reset.
	pending := restartPendingByServer(w)
	if len(pending) != n {
		t.Errorf("the state holds %d instances after the interrupt, want %d", len(pending), n)
	}
	for _, id := range f.ids {
		if v := pending[id]; v != true {
			t.Errorf("server %s: restart_pending = %v in the state after the interrupt, want true", id, v)
		}
	}
	for _, in := range w.instances() {
		if v := in.Attributes["password_wo_version"]; v != float64(version) {
			t.Errorf("%s: password_wo_version = %v in the state, want %d", in.Address, v, version)
		}
	}
	// Each server was reset once by the interrupted apply and is still rebooting: a login
	// accepts the old password only.
	for i, st := range snapshot(s, f) {
		if st.ResetCount != resets+1 || st.Password != f.passwords[i] {
			t.Errorf("server %s: reset %d times (want %d), holds the new password: %t",
				st.ID, st.ResetCount, resets+1, st.Password == f.passwords[i])
		}
		if !st.PendingReset || st.EffectivePassword != before[i].EffectivePassword || st.BootCount != boots {
			t.Errorf("server %s after the interrupt: pending_reset %t (want true), old password still effective %t, "+
				"boot_count %d (want %d)", st.ID, st.PendingReset, st.EffectivePassword == before[i].EffectivePassword, st.BootCount, boots)
		}
	}
	if got := acceptedReboots(s) - rebootsBefore; got != n {
		t.Errorf("%d reboots were accepted during the interrupted apply, want %d", got, n)
	}

	// Time passes: the API has no way to cancel a job, so each abandoned reboot runs its
	// course and boots its server. Moving the simulator's clock past their end spares the
	// test a 30-second sleep. (Until then each server is busy rebooting and refuses a reset
	// or another reboot, so an apply right after the interrupt fails again.)
	if err := s.SetClockOffset(longJob + time.Second); err != nil {
		t.Fatal(err)
	}
	setJobDuration(t, s, shortJob)
	for _, st := range snapshot(s, f) {
		if st.BootCount != boots+1 || st.Status != "ACTIVE" {
			t.Errorf("server %s: the abandoned reboot did not complete: boot_count %d, status %s", st.ID, st.BootCount, st.Status)
		}
	}

	// The next plan finishes each restart: in place after an update, by replacement after a
	// create (the object is tainted).
	wantAction := plannedChange{actions: "update"}
	if create {
		wantAction = plannedChange{actions: "delete,create", reason: "replace_because_tainted"}
	}
	changes := plannedChanges(w)
	if len(changes) != n {
		t.Errorf("the plan after the interrupt has %d changes, want %d: %v", len(changes), n, changes)
	}
	for addr, c := range changes {
		if c != wantAction {
			t.Errorf("%s: planned %+v, want %+v", addr, c, wantAction)
		}
	}

	putsBefore := len(s.RequestsTo("PUT", resetSuffix))
	rebootsBefore = acceptedReboots(s)
	res := w.run(args...)
	if res.code != 0 {
		t.Fatalf("the apply after the interrupt should converge:\n%s", res)
	}
	checkNoCrash(t, res)

	// An update resets nothing again; a replacement resends each password once.
	wantResets := resets + 1
	if create {
		wantResets++
	}
	if got, want := len(s.RequestsTo("PUT", resetSuffix))-putsBefore, n*(wantResets-(resets+1)); got != want {
		t.Errorf("the apply after the interrupt sent %d resets, want %d", got, want)
	}
	// An update follows the job the interrupted apply left behind, which rebooted each server,
	// and reboots nothing again. A replacement resends each password, which needs a new boot.
	wantReboots, wantBoots := 0, boots+1
	if create {
		wantReboots, wantBoots = n, boots+2
	}
	if got := acceptedReboots(s) - rebootsBefore; got != wantReboots {
		t.Errorf("the apply after the interrupt made %d reboots, want %d", got, wantReboots)
	}
	for i, st := range snapshot(s, f) {
		if st.ResetCount != wantResets || st.Password != f.passwords[i] || st.EffectivePassword != f.passwords[i] ||
			st.PendingReset || st.BootCount != wantBoots {
			t.Errorf("server %s did not converge: reset_count %d (want %d), holds the new password %t, "+
				"a login accepts it %t, pending_reset %t, boot_count %d (want %d)", st.ID, st.ResetCount, wantResets,
				st.Password == f.passwords[i], st.EffectivePassword == f.passwords[i], st.PendingReset, st.BootCount, wantBoots)
		}
	}
	for id, v := range restartPendingByServer(w) {
		if v != false {
			t.Errorf("server %s: restart_pending = %v in the state after convergence, want false", id, v)
		}
	}
	if res := w.plan(); res.code != 0 {
		t.Errorf("plan after convergence (exit 0 = no changes expected):\n%s", res)
	}
}

// restartErrorServer finds the server named by the restart diagnostic.
var restartErrorServer = regexp.MustCompile(`The password of server "([^"]+)" was reset`)

// TestRefusedRestartIsFinishedByTheNextApply: the API refuses one reboot of a fleet with a v1
// error. The apply fails naming that server, the code and the request ID; the state records
// the reset with the restart pending; the next apply restarts that server alone and leaves the
// others be. After an update the reset is not sent again; after a create the tainted object
// is replaced, which sends the same password once more.
func TestRefusedRestartIsFinishedByTheNextApply(t *testing.T) {
	t.Parallel()
	for _, create := range []bool{true, false} {
		name := map[bool]string{true: "create", false: "update"}[create]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testRefusedRestart(t, create)
		})
	}
}

func testRefusedRestart(t *testing.T, create bool) {
	const n = 3
	s := simtest.Start(t, ecssim.Config{JobDuration: shortJob})
	f := newFleet(s.MustAddLinuxServers(n))
	w := newRestartFleetWorkspace(t, s, f)
	resets, boots := 0, 0
	if !create {
		w.mustRun(applyArgs...)
		resets, boots = 1, 1
		f = newFleet(f.ids)
		writeFleetVars(w, f, 2)
	}
	before := snapshot(s, f)

	// Whichever reboot comes first is refused, as the API refuses a server that another
	// operation holds. 409 is not retried, so the refusal reaches the resource.
	s.MustAddFault(ecssim.Fault{Method: "POST", PathContains: actionPath, Status: 409, Code: "Ecs.0100", Count: 1})
	res := w.apply()
	if res.code != 1 {
		t.Fatalf("apply with a refused reboot should fail:\n%s", res)
	}
	checkNoCrash(t, res)
	m := restartErrorServer.FindAllStringSubmatch(flat(res.stderr), -1)
	if len(m) != 1 {
		t.Fatalf("want one restart failure naming its server, found %d:\n%s", len(m), res.stderr)
	}
	refused := m[0][1]
	var refusedReq ecssim.RequestRecord
	for _, r := range s.RequestsTo("POST", actionPath) {
		if r.Status == 409 {
			refusedReq = r
		}
	}
	if refusedReq.RequestID == "" {
		t.Fatal("the simulator logged no refused reboot with a request ID")
	}
	for _, want := range []string{restartFailedTitle, "Ecs.0100", "HTTP status: 409", "Request ID: " + refusedReq.RequestID, "restart_pending = true"} {
		if !containsFlat(res.stderr, want) {
			t.Errorf("the error does not mention %q:\n%s", want, res.stderr)
		}
	}

	// Every server was reset once; the refused one still waits for a boot, and the state says
	// so.
	for i, st := range snapshot(s, f) {
		wantBoots, wantEffective := boots+1, f.passwords[i]
		if st.ID == refused {
			wantBoots, wantEffective = boots, before[i].EffectivePassword
		}
		if st.ResetCount != resets+1 || st.Password != f.passwords[i] || st.BootCount != wantBoots ||
			st.EffectivePassword != wantEffective || st.PendingReset != (st.ID == refused) {
			t.Errorf("server %s (refused: %t): reset_count %d (want %d), holds the new password %t, boot_count %d "+
				"(want %d), a login accepts what it should %t, pending_reset %t", st.ID, st.ID == refused,
				st.ResetCount, resets+1, st.Password == f.passwords[i], st.BootCount, wantBoots,
				st.EffectivePassword == wantEffective, st.PendingReset)
		}
	}
	pending := restartPendingByServer(w)
	if len(pending) != n {
		t.Errorf("the state holds %d instances, want %d", len(pending), n)
	}
	for id, v := range pending {
		if v != (id == refused) {
			t.Errorf("server %s: restart_pending = %v in the state, want %t", id, v, id == refused)
		}
	}

	// The next plan touches the refused server alone.
	wantAction := plannedChange{actions: "update"}
	if create {
		wantAction = plannedChange{actions: "delete,create", reason: "replace_because_tainted"}
	}
	changed := 0
	for addr, c := range plannedChanges(w) {
		if c.actions == "no-op" {
			continue
		}
		changed++
		if c != wantAction {
			t.Errorf("%s: planned %+v, want %+v", addr, c, wantAction)
		}
	}
	if changed != 1 {
		t.Errorf("the plan changes %d resources, want 1 (the refused one)", changed)
	}

	putsBefore, rebootsBefore := len(s.RequestsTo("PUT", resetSuffix)), acceptedReboots(s)
	if res := w.apply(); res.code != 0 {
		t.Fatalf("the apply after the refused reboot should converge:\n%s", res)
	}
	wantPuts := 0
	if create {
		wantPuts = 1
	}
	if got := len(s.RequestsTo("PUT", resetSuffix)) - putsBefore; got != wantPuts {
		t.Errorf("the apply after the refused reboot sent %d resets, want %d", got, wantPuts)
	}
	if got := acceptedReboots(s) - rebootsBefore; got != 1 {
		t.Errorf("the apply after the refused reboot made %d reboots, want 1", got)
	}
	for i, st := range snapshot(s, f) {
		wantResets := resets + 1
		if create && st.ID == refused {
			wantResets++
		}
		if st.ResetCount != wantResets || st.EffectivePassword != f.passwords[i] || st.PendingReset || st.BootCount != boots+1 {
			t.Errorf("server %s did not converge: reset_count %d (want %d), a login accepts the new password %t, "+
				"pending_reset %t, boot_count %d (want %d)", st.ID, st.ResetCount, wantResets,
				st.EffectivePassword == f.passwords[i], st.PendingReset, st.BootCount, boots+1)
		}
	}
	for id, v := range restartPendingByServer(w) {
		if v != false {
			t.Errorf("server %s: restart_pending = %v after convergence, want false", id, v)
		}
	}
	if res := w.plan(); res.code != 0 {
		t.Errorf("plan after convergence (exit 0 = no changes expected):\n%s", res)
	}
}
