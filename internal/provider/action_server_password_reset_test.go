package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// resetActionBody renders the config block of ecs_server_password_reset
// with a literal password, which only invalid configurations use: Terraform
// records an action's configuration in the plan, all but its ephemeral
// values, so a literal password would land there.
func resetActionBody(ids []string, password, extra string) string {
	return fmt.Sprintf("    server_ids  = %s\n    password_wo = %q\n%s", actionHCLList(ids...), password, extra)
}

// testAccResetActionConfig triggers ecs_server_password_reset with the
// password from an ephemeral variable, as the documentation recommends;
// the step sets it with resetPassword.
func testAccResetActionConfig(provider string, ids []string, extra, input string) string {
	return testAccResetActionConfigIDs(provider, actionHCLList(ids...), extra, input)
}

// testAccResetActionConfigIDs is testAccResetActionConfig with server_ids
// given as an HCL expression.
func testAccResetActionConfigIDs(provider, ids, extra, input string) string {
	return testAccActionTriggerConfig(provider, "ecs_server_password_reset",
		fmt.Sprintf("    server_ids  = %s\n    password_wo = var.password\n%s", ids, extra), input) + `
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}
`
}

// resetPassword sets the ephemeral variable of testAccResetActionConfig.
func resetPassword(pw string) config.Variables {
	return config.Variables{"password": config.StringVariable(pw)}
}

// expectActionResets asserts that every server holds password from exactly
// count resets, the last through the batch API.
func expectActionResets(sim *simtest.Sim, password string, count int, ids ...string) acctest.SimCheck {
	return func() error {
		for _, id := range ids {
			if err := acctest.ExpectResets(sim, id, password, count, "batch")(); err != nil {
				return err
			}
		}
		return nil
	}
}

// expectNotReset asserts that no server was reset.
func expectNotReset(sim *simtest.Sim, ids ...string) acctest.SimCheck {
	return func() error {
		for _, id := range ids {
			if n := sim.State(id).ResetCount; n != 0 {
				return fmt.Errorf("server %s was reset %d times, want 0", id, n)
			}
		}
		return nil
	}
}

// TestAccServerPasswordResetAction_resetsAndRestarts: one batch request
// resets every server, the running ones reboot so that a login accepts the
// new password, the stopped one stays stopped with the reset pending, and
// neither the plan nor the state holds the password or any trace of the
// servers.
func TestAccServerPasswordResetAction_resetsAndRestarts(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	running := sim.MustAddLinuxServers(2)
	stopped := sim.MustAddServer(ecssim.ServerSpec{Status: "SHUTOFF", LoginPassword: "Old1!passwd"})
	all := append(append([]string{}, running...), stopped)
	const pw = "Kq7!vRm2@Lp9"
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccResetActionConfig(provider, all, `    restart = "soft"`, "1"),
			ConfigVariables: resetPassword(pw),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{acctest.SecretAbsent(pw), expectNotReset(sim, all...)},
			},
			ConfigStateChecks: []statecheck.StateCheck{acctest.SecretAbsent(pw), acctest.SecretPresent(`"input":"1"`)},
			PostApplyFunc: postApplyChecks(t,
				expectActionResets(sim, pw, 1, all...),
				acctest.ExpectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/os-reset-passwords", 1),
				acctest.ExpectGETAtLeast(sim, "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", 3),
				expectLogin(sim, running[0], pw, 1, false), expectLogin(sim, running[1], pw, 1, false),
				expectLogin(sim, stopped, "Old1!passwd", 0, true), expectRebootRequests(sim, 1),
				acctest.ExpectServer(sim, stopped, func(st ecssim.ServerState) error {
					if st.Status != "SHUTOFF" {
						return fmt.Errorf("status %s, want SHUTOFF", st.Status)
					}
					return nil
				})),
		}},
	})
}

// TestAccServerPasswordResetAction_noRestartByDefault: without restart the
// reset waits for the servers' next boot, and verify_reset_support = false
// reads no flag.
func TestAccServerPasswordResetAction_noRestartByDefault(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{LoginPassword: "Old1!passwd"})
	const pw = "Zt4!wYn8@Hd3"
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccResetActionConfig(provider, []string{id}, "    verify_reset_support = false", "1"),
			ConfigVariables: resetPassword(pw),
			PostApplyFunc: postApplyChecks(t, expectActionResets(sim, pw, 1, id), expectLogin(sim, id, "Old1!passwd", 0, true),
				expectRebootRequests(sim, 0),
				acctest.ExpectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", 0)),
		}},
	})
}

// TestAccServerPasswordResetAction_pluginMissing: one server without the
// reset plug-in stops the whole reset before anything is sent, and the
// error names it.
func TestAccServerPasswordResetAction_pluginMissing(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ok := sim.MustAddServer(ecssim.ServerSpec{})
	no := false
	missing := sim.MustAddServer(ecssim.ServerSpec{ResetPasswordSupported: &no})
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccResetActionConfig(provider, []string{ok, missing}, `    restart = "hard"`, "1"),
			ConfigVariables: resetPassword("Kq7!vRm2@Lp9"),
			ExpectError: regexp.MustCompile(wordsPattern("Password Reset Not Sent", "No password was reset: 1 of 2 servers",
				"server "+missing+": os-resetpwd-flag is \"False\"", "CloudResetPwdAgent")),
		}},
	})
	if err := expectNotReset(sim, ok, missing)(); err != nil {
		t.Error(err)
	}
	if n := len(sim.RequestsTo("PUT", "/os-reset-passwords")); n != 0 {
		t.Errorf("%d batch reset requests, want 0", n)
	}
}

// TestAccServerPasswordResetAction_refused: the batch API refuses a
// request with a locked server; nothing is reset and the error lists the
// server with its code.
func TestAccServerPasswordResetAction_refused(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ok := sim.MustAddServer(ecssim.ServerSpec{})
	locked := sim.MustAddServer(ecssim.ServerSpec{Locked: true})
	const pw = "Kq7!vRm2@Lp9"
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccResetActionConfig(provider, []string{ok, locked}, "", "1"),
			ConfigVariables: resetPassword(pw),
			ExpectError: regexp.MustCompile(wordsPattern("Unable to Reset Server Passwords", "none of them was reset",
				"API error code: Ecs.0611", "Servers the API refused (1)", "server "+locked+": Ecs.0605",
				"The server is locked")),
		}},
	})
	if err := expectNotReset(sim, ok, locked)(); err != nil {
		t.Error(err)
	}
}

// TestAccServerPasswordResetAction_restartFails: the passwords were reset
// but a reboot failed; the error says both and names the job, the server,
// the code and the reason.
func TestAccServerPasswordResetAction_restartFails(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ids := sim.MustAddLinuxServers(2)
	reason := "the guest did not come back"
	if _, err := sim.UpdateServer(ids[0], ecssim.ServerPatch{FailNextBoot: &reason}); err != nil {
		t.Fatal(err)
	}
	const pw = "Kq7!vRm2@Lp9"
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:          testAccResetActionConfig(provider, ids, `    restart = "soft"`, "1"),
			ConfigVariables: resetPassword(pw),
			ExpectError: regexp.MustCompile(wordsPattern("Server Reboot Failed", "The password of 2 servers was reset",
				"soft restart", "Reboot job", "server "+ids[0]+": Ecs.0615 "+reason)),
		}},
	})
	for _, c := range []acctest.SimCheck{
		expectActionResets(sim, pw, 1, ids...),
		expectLogin(sim, ids[0], "", 0, true), expectLogin(sim, ids[1], pw, 1, false),
	} {
		if err := c(); err != nil {
			t.Error(err)
		}
	}
}

// TestAccServerPasswordResetAction_badInput: every invalid argument is
// refused at plan time with an error that names it, before any request.
func TestAccServerPasswordResetAction_badInput(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	cases := []struct {
		name, body string
		want       *regexp.Regexp
	}{
		{"weak password", resetActionBody([]string{id}, "password", ""),
			regexp.MustCompile(wordsPattern("Password Breaks the ECS Password Rules", "password_wo"))},
		{"empty password", resetActionBody([]string{id}, "", ""), regexp.MustCompile(`(?s)password_wo.*at least 1`)},
		{"no servers", resetActionBody(nil, pw, ""), regexp.MustCompile(`(?s)server_ids.*at least 1`)},
		{"bad server ID", resetActionBody([]string{"x y"}, pw, ""), regexp.MustCompile(wordsPattern("Invalid Server ID", "server_ids[0]"))},
		{"duplicate", resetActionBody([]string{id, id}, pw, ""), regexp.MustCompile(wordsPattern("Duplicate Server ID", "server_ids", "twice"))},
		{"bad restart", resetActionBody([]string{id}, pw, `    restart = "reboot"`),
			regexp.MustCompile(`(?s)Invalid Attribute Value Match.*restart.*"none"`)},
		{"bad timeout", resetActionBody([]string{id}, pw, `    timeout = "0s"`),
			regexp.MustCompile(wordsPattern("Invalid Timeout", "timeout", "at least 1s"))},
		{"missing password", "    server_ids = " + actionHCLList(id), regexp.MustCompile(`(?s)password_wo.*required`)},
	}
	steps := make([]resource.TestStep, 0, len(cases)+3)
	for _, c := range cases {
		steps = append(steps, resource.TestStep{
			Config:      testAccActionTriggerConfig(provider, "ecs_server_password_reset", c.body, c.name),
			PlanOnly:    true,
			ExpectError: c.want,
		})
	}
	// Values from variables are unknown while Terraform validates the
	// configuration; the plan checks them.
	steps = append(steps,
		resource.TestStep{
			Config:          testAccResetActionConfig(provider, []string{id}, "", "weak variable"),
			ConfigVariables: resetPassword("password"),
			PlanOnly:        true,
			ExpectError:     regexp.MustCompile(wordsPattern("Password Breaks the ECS Password Rules", "password_wo")),
		},
		resource.TestStep{
			Config: testAccResetActionConfigIDs(provider, "var.ids", "", "duplicate variable") + `
variable "ids" {
  type = list(string)
}
`,
			ConfigVariables: config.Variables{
				"password": config.StringVariable(pw),
				"ids":      config.ListVariable(config.StringVariable(id), config.StringVariable(strings.ToUpper(id))),
			},
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(wordsPattern("Duplicate Server ID", "server_ids", "twice")),
		},
		resource.TestStep{
			Config:          testAccResetActionConfig(provider, []string{id}, "    restart = var.restart", "restart variable") + "variable \"restart\" {}\n",
			ConfigVariables: config.Variables{"password": config.StringVariable(pw), "restart": config.StringVariable("later")},
			PlanOnly:        true,
			ExpectError:     regexp.MustCompile(`(?s)Invalid Attribute Value Match.*restart.*"none"`),
		},
	)
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   actionVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
	if reqs := sim.Requests(); len(reqs) != 0 {
		t.Errorf("%d API requests were sent for invalid configurations, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

// TestChunkIDs: the batch API takes at most 1000 servers per request.
func TestChunkIDs(t *testing.T) {
	t.Parallel()
	ids := make([]string, 2001)
	for i := range ids {
		ids[i] = fmt.Sprint(i)
	}
	chunks := batchChunks(ids)
	if len(chunks) != 3 || len(chunks[0]) != 1000 || len(chunks[1]) != 1000 || len(chunks[2]) != 1 || chunks[2][0] != "2000" {
		t.Errorf("chunks of %d: %d, sizes %d %d %d", len(ids), len(chunks), len(chunks[0]), len(chunks[1]), len(chunks[2]))
	}
	if got := batchChunks(nil); len(got) != 0 {
		t.Errorf("chunks of nothing: %v", got)
	}
	if got := unconfirmed([]string{"A", "b", "c"}, []string{"a", "C"}); strings.Join(got, ",") != "b" {
		t.Errorf("unconfirmed = %v", got)
	}
}

// validateResetActionConfig sends ValidateActionConfig for
// ecs_server_password_reset with password to server and returns the
// diagnostics' summaries.
func validateResetActionConfig(t *testing.T, server tfprotov6.ProviderServer, password string) []string {
	t.Helper()
	ctx := context.Background()
	var s action.SchemaResponse
	NewServerPasswordResetAction().Schema(ctx, action.SchemaRequest{}, &s)
	typ, ok := s.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatalf("the action schema's type is %T, not an object", s.Schema.Type().TerraformType(ctx))
	}
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	values["server_ids"] = tftypes.NewValue(tftypes.List{ElementType: tftypes.String},
		[]tftypes.Value{tftypes.NewValue(tftypes.String, "3b2f7c84-1d2e-4c6f-9a51-6f0c2f1e9d10")})
	values["password_wo"] = tftypes.NewValue(tftypes.String, password)
	config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		t.Fatal(err)
	}
	actions, ok := server.(tfprotov6.ActionServer)
	if !ok {
		t.Fatalf("%T does not serve actions", server)
	}
	resp, err := actions.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{
		ActionType: "ecs_server_password_reset", Config: &config,
	})
	if err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for _, d := range resp.Diagnostics {
		summaries = append(summaries, d.Summary)
	}
	return summaries
}

// TestFrameworkRejectsWriteOnlyActionAttributes documents the framework
// bug that writeOnlyActionsServer works around. When this test fails, the
// framework validates write-only action attributes correctly: remove
// writeOnlyActionsServer, protocol6Server and NewProtocol6Server, and serve
// with providerserver again.
func TestFrameworkRejectsWriteOnlyActionAttributes(t *testing.T) {
	t.Parallel()
	bare, err := providerserver.NewProtocol6WithError(&ecsProvider{version: "test", getenv: noEnv})()
	if err != nil {
		t.Fatal(err)
	}
	got := validateResetActionConfig(t, bare, "Kq7!vRm2@Lp9")
	if !slices.Contains(got, frameworkWriteOnlySummary) {
		t.Errorf("the framework no longer refuses a configured write-only action attribute (diagnostics %q): "+
			"remove the workaround", got)
	}
}

// TestProtocolServerAcceptsWriteOnlyActionAttributes: the provider's
// protocol server drops only the framework's wrong refusal, keeps every
// other diagnostic and serves every optional RPC set the framework's does.
func TestProtocolServerAcceptsWriteOnlyActionAttributes(t *testing.T) {
	t.Parallel()
	server, err := newTestProviderServer()
	if err != nil {
		t.Fatal(err)
	}
	if got := validateResetActionConfig(t, server, "Kq7!vRm2@Lp9"); len(got) != 0 {
		t.Errorf("a valid configuration got diagnostics %q", got)
	}
	if got := validateResetActionConfig(t, server, "password"); !slices.Equal(got, []string{"Password Breaks the ECS Password Rules"}) {
		t.Errorf("a weak password got diagnostics %q, want only the password rules", got)
	}
	bare, err := providerserver.NewProtocol6WithError(&ecsProvider{version: "test", getenv: noEnv})()
	if err != nil {
		t.Fatal(err)
	}
	for name, implements := range map[string]func(any) bool{
		"ActionServer":       func(v any) bool { _, ok := v.(tfprotov6.ActionServer); return ok },
		"ListResourceServer": func(v any) bool { _, ok := v.(tfprotov6.ListResourceServer); return ok },
		"StateStoreServer":   func(v any) bool { _, ok := v.(tfprotov6.StateStoreServer); return ok },
	} {
		if implements(bare) && !implements(server) {
			t.Errorf("the provider's server hides %s, which the framework's implements", name)
		}
	}
	if NewProtocol6Server("test")() == nil {
		t.Error("NewProtocol6Server returned no server")
	}
}
