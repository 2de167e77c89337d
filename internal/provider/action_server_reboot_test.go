package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// Actions need Terraform 1.14: older CLIs (and OpenTofu) do not know the
// action block, so these tests skip there. CI runs them with Terraform
// 1.14.3 and fails when any test skipped (make testacc-tf114).
var actionVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}

// postApplyChecks runs a simulator check from PostApplyFunc, which cannot return
// an error.
func postApplyChecks(t *testing.T, checks ...acctest.SimCheck) func() {
	t.Helper()
	return func() {
		t.Helper()
		for _, c := range checks {
			if err := c(); err != nil {
				t.Error(err)
			}
		}
	}
}

// expectBootCounts asserts each server's boot count.
func expectBootCounts(sim *simtest.Sim, want map[string]int) acctest.SimCheck {
	return func() error {
		for id, n := range want {
			if st := sim.State(id); st.BootCount != n {
				return fmt.Errorf("server %s: boot_count = %d, want %d", id, st.BootCount, n)
			}
		}
		return nil
	}
}

// actionHCLList renders strings as an HCL list.
func actionHCLList(values ...string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// testAccActionTriggerConfig declares an action and a terraform_data whose
// creation and every change of input invoke it.
func testAccActionTriggerConfig(provider, actionType, actionBody, input string) string {
	return provider + fmt.Sprintf(`
action %[1]q "test" {
  config {
%[2]s
  }
}

resource "terraform_data" "trigger" {
  input = %[3]q
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.%[1]s.test]
    }
  }
}
`, actionType, actionBody, input)
}

// TestAccServerRebootAction_afterPasswordUpdate: an action_trigger on
// ecs_server_password reboots the server after each update, so a login
// accepts the new password when the apply ends, while the resource itself
// never restarts anything (restart = "none").
func TestAccServerRebootAction_afterPasswordUpdate(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{LoginPassword: "Old1!passwd"})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	config := func(pw string, version int) string {
		return provider + fmt.Sprintf(`
action "ecs_server_reboot" "after_reset" {
  config {
    server_ids = [%[1]q]
  }
}

resource "ecs_server_password" "test" {
  server_id           = %[1]q
  password_wo         = %[2]q
  password_wo_version = %[3]d

  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.ecs_server_reboot.after_reset]
    }
  }
}
`, id, pw, version)
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Create: the trigger listens to updates only.
				Config: config(pw1, 1),
				PostApplyFunc: postApplyChecks(t, acctest.ExpectResets(sim, id, pw1, 1, "v1"),
					expectLogin(sim, id, "Old1!passwd", 0, true), expectRebootRequests(sim, 0)),
			},
			{
				Config: config(pw2, 2),
				PostApplyFunc: postApplyChecks(t, acctest.ExpectResets(sim, id, pw2, 2, "v1"),
					expectLogin(sim, id, pw2, 1, false), expectRebootRequests(sim, 1)),
			},
		},
	})
}

// TestAccServerRebootAction_rebootsEveryServer: one request reboots every
// listed server, soft by default and hard on request, and applies the
// resets that waited for a boot.
func TestAccServerRebootAction_rebootsEveryServer(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ids := sim.MustAddLinuxServers(3)
	var soft, hard *statusWatch
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { soft = watchStatuses(t, sim, ids[0]) },
				Config:    testAccActionTriggerConfig(provider, "ecs_server_reboot", "    server_ids = "+actionHCLList(ids...), "1"),
				PostApplyFunc: func() {
					postApplyChecks(t, expectBootCounts(sim, map[string]int{ids[0]: 1, ids[1]: 1, ids[2]: 1}),
						expectRebootRequests(sim, 1), soft.expect("REBOOT", "HARD_REBOOT"))()
				},
			},
			{
				PreConfig: func() { hard = watchStatuses(t, sim, ids[1]) },
				Config: testAccActionTriggerConfig(provider, "ecs_server_reboot",
					"    server_ids = "+actionHCLList(ids[1])+"\n    type = \"hard\"\n    timeout = \"2m\"", "2"),
				PostApplyFunc: func() {
					postApplyChecks(t, expectBootCounts(sim, map[string]int{ids[0]: 1, ids[1]: 2, ids[2]: 1}),
						expectRebootRequests(sim, 2), hard.expect("HARD_REBOOT", "REBOOT"))()
				},
			},
		},
	})
}

// statusWatch records the statuses a server passes through while a step
// runs: a reboot job holds its servers in REBOOT (soft) or HARD_REBOOT
// (hard), and the simulator records no request bodies, so the statuses
// seen are what tell the two apart.
type statusWatch struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	seen     map[string]bool
}

// watchStatuses polls the server's status every few milliseconds until
// the returned watch's check runs or the test ends.
func watchStatuses(t *testing.T, sim *simtest.Sim, id string) *statusWatch {
	w := &statusWatch{stop: make(chan struct{}), done: make(chan struct{}), seen: map[string]bool{}}
	t.Cleanup(w.halt)
	go func() {
		defer close(w.done)
		for {
			if st, ok := sim.Server(id); ok {
				w.seen[st.Status] = true
			}
			select {
			case <-w.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return w
}

// halt stops the polling and waits for it to end.
func (w *statusWatch) halt() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
}

// expect stops the watch and asserts that the server passed through want
// and not through avoid.
func (w *statusWatch) expect(want, avoid string) acctest.SimCheck {
	return func() error {
		w.halt()
		switch {
		case !w.seen[want]:
			return fmt.Errorf("the server never was %s (saw %v)", want, w.seen)
		case w.seen[avoid]:
			return fmt.Errorf("the server was %s (saw %v)", avoid, w.seen)
		}
		return nil
	}
}

// actionTestClient returns an API client for the simulator's default
// project and principal.
func actionTestClient(t *testing.T, sim *simtest.Sim) *ecsapi.Client {
	t.Helper()
	client, err := ecsapi.NewClient(ecsapi.Config{
		ECSEndpoint: sim.URL,
		IAMEndpoint: sim.URL,
		Region:      ecssim.DefaultRegion,
		ProjectID:   ecssim.DefaultProjectID,
		Credentials: ecsapi.Credentials{AccessKey: ecssim.DefaultAccessKey, SecretKey: ecssim.DefaultSecretKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// TestAccServerRebootAction_failedBoot: a reboot job whose sub-job fails
// makes the apply fail with the job, the server, the code and the reason;
// the other server of the job rebooted.
func TestAccServerRebootAction_failedBoot(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ids := sim.MustAddLinuxServers(2)
	reason := "the guest kernel panicked during boot"
	if _, err := sim.UpdateServer(ids[1], ecssim.ServerPatch{FailNextBoot: &reason}); err != nil {
		t.Fatal(err)
	}
	config := testAccActionTriggerConfig(provider, "ecs_server_reboot", "    server_ids = "+actionHCLList(ids...), "1")
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: regexp.MustCompile(wordsPattern("Server Reboot Failed", "Reboot job", "failed",
					"Servers that did not reboot (1 of 2)", "server "+ids[1]+": Ecs.0615 "+reason,
					"The other 1 server of the job rebooted")),
			},
			{
				// The trigger was created before its action failed, so this
				// plan is empty and invokes nothing: the simulator shows what
				// the failed apply did.
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectBootCounts(sim, map[string]int{ids[0]: 1, ids[1]: 0}), expectRebootRequests(sim, 1),
				},
			},
		},
	})
}

// TestAccServerRebootAction_refused: the API refuses a request naming a
// stopped server; the error lists the server with its code and nothing is
// rebooted.
func TestAccServerRebootAction_refused(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	running := sim.MustAddServer(ecssim.ServerSpec{})
	stopped := sim.MustAddServer(ecssim.ServerSpec{Status: "SHUTOFF"})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccActionTriggerConfig(provider, "ecs_server_reboot", "    server_ids = "+actionHCLList(running, stopped), "1"),
			ExpectError: regexp.MustCompile(wordsPattern("Unable to Reboot Servers", "API error code: Ecs.0100",
				"Servers the API refused (1)", "server "+stopped+": Ecs.0100", "Only running (ACTIVE) servers")),
		}},
	})
	if err := expectBootCounts(sim, map[string]int{running: 0, stopped: 0})(); err != nil {
		t.Error(err)
	}
}

// TestAccServerRebootAction_badInput: every invalid argument is refused at
// plan time with an error that names it, before any request.
func TestAccServerRebootAction_badInput(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	cases := []struct {
		name, body string
		want       *regexp.Regexp
	}{
		{"no servers", `    server_ids = []`, regexp.MustCompile(`(?s)server_ids.*at least 1`)},
		{"bad server ID", `    server_ids = ["a/b"]`, regexp.MustCompile(wordsPattern("Invalid Server ID", "server_ids[0]"))},
		{"null server ID", `    server_ids = [null]`, regexp.MustCompile(`(?s)server_ids.*null`)},
		{"duplicate", "    server_ids = " + actionHCLList(id, strings.ToUpper(id)),
			regexp.MustCompile(wordsPattern("Duplicate Server ID", "server_ids", "twice"))},
		{"bad type", "    server_ids = " + actionHCLList(id) + "\n    type = \"gentle\"",
			regexp.MustCompile(`(?s)Invalid Attribute Value Match.*type.*"soft"`)},
		{"bad timeout", "    server_ids = " + actionHCLList(id) + "\n    timeout = \"soon\"",
			regexp.MustCompile(wordsPattern("Invalid Timeout", "timeout", "not a duration"))},
		{"short timeout", "    server_ids = " + actionHCLList(id) + "\n    timeout = \"10ms\"",
			regexp.MustCompile(wordsPattern("Invalid Timeout", "timeout", "at least 1s"))},
	}
	steps := make([]resource.TestStep, 0, len(cases))
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      testAccActionTriggerConfig(provider, "ecs_server_reboot", c.body, c.name),
			PlanOnly:    true,
			ExpectError: c.want,
		})
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if n := len(sim.RequestsTo("POST", "/cloudservers/action")); n != 0 {
		t.Errorf("%d reboot requests were sent for invalid configurations", n)
	}
}

// TestRebootProgressOncePerStateChange: the action reports the request,
// each accepted job, each change of a job's state and the end, not every
// poll of the job.
func TestRebootProgressOncePerStateChange(t *testing.T) {
	t.Parallel()
	sim := simtest.Start(t, ecssim.Config{})
	if err := sim.SetJobDuration(2500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ids := sim.MustAddLinuxServers(2)
	client := actionTestClient(t, sim)
	var messages []string
	diags := rebootServersAndWait(context.Background(), client, ids, restartSoft,
		func(_ context.Context, msg string) { messages = append(messages, msg) }, "")
	if diags.HasError() {
		t.Fatalf("reboot failed: %v", diags)
	}
	polls := len(sim.RequestsTo("GET", "/jobs/"))
	if polls < 2 {
		t.Fatalf("%d job polls; the test needs a job that outlasts a poll", polls)
	}
	want := []string{
		"Requesting a soft reboot of 2 servers.",
		"Reboot job * accepted for 2 servers.",
		"Reboot job *: RUNNING, 0 of 2 servers rebooted.",
		"Reboot job *: SUCCESS, 2 of 2 servers rebooted.",
		"Rebooted 2 servers (soft).",
	}
	if len(messages) != len(want) {
		t.Fatalf("%d progress messages after %d polls, want %d:\n%s", len(messages), polls, len(want), strings.Join(messages, "\n"))
	}
	for i, w := range want {
		if !regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(w), `\*`, `[0-9a-f]+`) + "$").MatchString(messages[i]) {
			t.Errorf("message %d = %q, want %q", i, messages[i], w)
		}
	}
}

// TestRebootWaitsForAcceptedJobsWhenALaterRequestIsRefused: with more than
// 1,000 servers the reboot goes out in several requests; when a later one is
// refused, the jobs of the earlier ones are still followed to their end, and
// the error says so.
func TestRebootWaitsForAcceptedJobsWhenALaterRequestIsRefused(t *testing.T) {
	t.Parallel()
	sim := simtest.Start(t, ecssim.Config{})
	if err := sim.SetJobDuration(1500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ids := sim.MustAddLinuxServers(1000)
	stopped := sim.MustAddServer(ecssim.ServerSpec{Status: "SHUTOFF"}) // alone in the second request
	var messages []string
	diags := rebootServersAndWait(context.Background(), actionTestClient(t, sim), append(ids, stopped), restartSoft,
		func(_ context.Context, msg string) { messages = append(messages, msg) }, "")
	if !diags.HasError() || diags.Errors()[0].Summary() != "Unable to Reboot Servers" {
		t.Fatalf("diagnostics %v, want the refused request", diags)
	}
	detail := diags.Errors()[0].Detail()
	for _, want := range []string{"for 1 server was not accepted", "Ecs.0100", "Earlier requests were accepted (jobs ",
		"follows those jobs to their end"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	want := map[string]int{stopped: 0}
	for _, id := range ids {
		want[id] = 1
	}
	if err := expectBootCounts(sim, want)(); err != nil {
		t.Errorf("when the action returned: %v", err)
	}
	if last := messages[len(messages)-1]; !strings.Contains(last, "SUCCESS, 1000 of 1000 servers rebooted") {
		t.Errorf("the last progress message is %q, want the accepted job's end", last)
	}
}

// TestRebootJobFailureNamesEverything: the diagnostic of a failed job
// names the job, each failed server with its code and reason, and bounds
// the list.
func TestRebootJobFailureNamesEverything(t *testing.T) {
	t.Parallel()
	job := ecsapi.ActionJob{JobID: "job-1", ServerIDs: make([]string, 30)}
	failed := &ecsapi.JobFailedError{JobID: "job-1"}
	for i := range 25 {
		failed.Failed = append(failed.Failed, ecsapi.SubJob{ServerID: fmt.Sprintf("srv-%02d", i), ErrorCode: "Ecs.0615", FailReason: "no boot"})
	}
	summary, detail := rebootJobFailure(job, restartHard, failed)
	if summary != "Server Reboot Failed" {
		t.Errorf("summary %q", summary)
	}
	for _, want := range []string{"Reboot job job-1 (hard, 30 servers) failed", "(25 of 30)", "- server srv-00: Ecs.0615 no boot",
		"- server srv-19: Ecs.0615 no boot", "- and 5 more", "The other 5 servers of the job rebooted"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
	if strings.Contains(detail, "srv-20") {
		t.Errorf("detail lists more than %d servers:\n%s", maxServersListed, detail)
	}
	_, detail = rebootJobFailure(job, restartSoft, &ecsapi.JobFailedError{JobID: "job-1", Job: &ecsapi.Job{ErrorCode: "Ecs.0001", FailReason: "internal"}})
	if !strings.Contains(detail, "Error: Ecs.0001 internal") {
		t.Errorf("a job without failed sub-jobs does not quote its own code and reason:\n%s", detail)
	}
}

// TestActionSchemasAreValid checks the action schemas the way the framework
// does at run time, and that every attribute is documented.
func TestActionSchemasAreValid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, a := range map[string]action.Action{
		"ecs_server_reboot":         NewServerRebootAction(),
		"ecs_server_password_reset": NewServerPasswordResetAction(),
	} {
		var s action.SchemaResponse
		a.Schema(ctx, action.SchemaRequest{}, &s)
		if diags := s.Schema.ValidateImplementation(ctx); diags.HasError() || s.Diagnostics.HasError() {
			t.Fatalf("%s schema: %v %v", name, diags, s.Diagnostics)
		}
		checkDescriptions(t, name, s.Schema.MarkdownDescription, s.Schema.Attributes)
		for _, want := range []string{"Terraform 1.14", "OpenTofu", "-invoke=action." + name, "IAM action"} {
			if !strings.Contains(s.Schema.MarkdownDescription, want) {
				t.Errorf("%s: description does not mention %q", name, want)
			}
		}
		var m action.MetadataResponse
		a.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "ecs"}, &m)
		if m.TypeName != name {
			t.Errorf("type name %q, want %q", m.TypeName, name)
		}
	}
	var s action.SchemaResponse
	NewServerPasswordResetAction().Schema(ctx, action.SchemaRequest{}, &s)
	if !s.Schema.Attributes["password_wo"].IsWriteOnly() {
		t.Error("password_wo must be write-only")
	}
}

// TestAccActions_valuesKnownOnlyAtInvoke: a value that comes from a
// resource created in the same apply is unknown at plan time; the actions
// check it when they run, with the plan-time messages, and send nothing
// when it is wrong.
func TestAccActions_valuesKnownOnlyAtInvoke(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddLinuxServers(1)[0]
	const pw = "Kq7!vRm2@Lp9"
	cases := []struct {
		name, input, actionType, body string
		want                          *regexp.Regexp
	}{
		{"weak password", `"short"`, "ecs_server_password_reset",
			fmt.Sprintf("    server_ids  = [%q]\n    password_wo = terraform_data.value.output", id),
			regexp.MustCompile(wordsPattern("Password Breaks the ECS Password Rules", "password_wo"))},
		{"bad restart", `"bogus"`, "ecs_server_password_reset",
			fmt.Sprintf("    server_ids  = [%q]\n    password_wo = %q\n    restart = terraform_data.value.output", id, pw),
			regexp.MustCompile(`(?s)Invalid Attribute Value Match.*restart`)},
		{"bad type", `"bogus"`, "ecs_server_reboot",
			fmt.Sprintf("    server_ids = [%q]\n    type = terraform_data.value.output", id),
			regexp.MustCompile(`(?s)Invalid Attribute Value Match.*type`)},
		{"bad timeout", `"banana"`, "ecs_server_reboot",
			fmt.Sprintf("    server_ids = [%q]\n    timeout = terraform_data.value.output", id),
			regexp.MustCompile(wordsPattern("Invalid Timeout", "timeout", "not a duration"))},
		{"duplicate IDs", fmt.Sprintf("[%q, %q]", id, id), "ecs_server_reboot",
			"    server_ids = terraform_data.value.output",
			regexp.MustCompile(wordsPattern("Duplicate Server ID", "server_ids", "twice"))},
		{"no IDs", `[]`, "ecs_server_reboot",
			"    server_ids = terraform_data.value.output",
			regexp.MustCompile(`(?s)server_ids.*at least 1`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			config := provider + fmt.Sprintf(`
resource "terraform_data" "value" {
  input = %s
}

action %q "test" {
  config {
%s
  }
}

resource "terraform_data" "trigger" {
  input      = "1"
  depends_on = [terraform_data.value]
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.%s.test]
    }
  }
}
`, c.input, c.actionType, c.body, c.actionType)
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   actionVersionChecks,
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: config, ExpectError: c.want}},
			})
		})
	}
	for _, route := range []string{"/os-reset-passwords", "/cloudservers/action"} {
		if n := len(sim.RequestsTo("PUT", route)) + len(sim.RequestsTo("POST", route)); n != 0 {
			t.Errorf("%d requests to %s for invalid values", n, route)
		}
	}
}
