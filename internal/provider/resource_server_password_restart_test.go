package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// The restart tests judge by what a login would accept: the simulator's
// effective password, which only a boot changes, and its boot count.

// restartSimulator starts a simulator whose jobs take a fifth of a second.
func restartSimulator(t *testing.T) (*simtest.Sim, string) {
	t.Helper()
	sim, provider := acctest.NewSimulator(t)
	if err := sim.SetJobDuration(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	return sim, provider
}

// expectLogin asserts what a login accepts now, how often the server booted
// and whether a reset still waits for a boot.
func expectLogin(sim *simtest.Sim, id, effective string, boots int, pending bool) acctest.SimCheck {
	return acctest.ExpectServer(sim, id, func(st ecssim.ServerState) error {
		switch {
		case st.EffectivePassword != effective:
			return fmt.Errorf("server %s: a login does not accept the expected password", id)
		case st.BootCount != boots:
			return fmt.Errorf("server %s: boot_count = %d, want %d", id, st.BootCount, boots)
		case st.PendingReset != pending:
			return fmt.Errorf("server %s: pending_reset = %v, want %v", id, st.PendingReset, pending)
		}
		return nil
	})
}

// expectRebootRequests asserts how many reboot requests reached the API.
func expectRebootRequests(sim *simtest.Sim, want int) acctest.SimCheck {
	return func() error {
		if got := len(sim.RequestsTo("POST", "/cloudservers/action")); got != want {
			return fmt.Errorf("%d reboot requests, want %d", got, want)
		}
		return nil
	}
}

// noRestartPending asserts that no restart is pending in the state.
func noRestartPending() statecheck.StateCheck {
	return statecheck.ExpectKnownValue(testResource, tfjsonpath.New("restart_pending"), knownvalue.Bool(false))
}

// TestAccServerPasswordResource_restartMakesThePasswordEffective: soft and
// hard restarts reboot a running server after each reset, so a login
// accepts the new password when the apply ends.
func TestAccServerPasswordResource_restartMakesThePasswordEffective(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"soft", "hard"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			sim, provider := restartSimulator(t)
			id := sim.MustAddServer(ecssim.ServerSpec{LoginPassword: "Old1!passwd"})
			const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
			extra := fmt.Sprintf("restart = %q", how)
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config: testAccServerPasswordConfig_wo(provider, id, pw1, 1, extra),
						ConfigStateChecks: []statecheck.StateCheck{
							acctest.ExpectResets(sim, id, pw1, 1, "v1"), expectLogin(sim, id, pw1, 1, false),
							expectRebootRequests(sim, 1), noRestartPending(),
						},
					},
					{
						Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, extra),
						ConfigStateChecks: []statecheck.StateCheck{
							acctest.ExpectResets(sim, id, pw2, 2, "v1"), expectLogin(sim, id, pw2, 2, false),
							expectRebootRequests(sim, 2), noRestartPending(),
						},
					},
				},
			})
		})
	}
}

// TestAccServerPasswordResource_restartLeavesAStoppedServerStopped: the
// new password of a stopped server applies when it next starts; the
// provider does not start it.
func TestAccServerPasswordResource_restartLeavesAStoppedServerStopped(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{Status: "SHUTOFF", LoginPassword: "Old1!passwd"})
	const pw = "Kq7!vRm2@Lp9"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: testAccServerPasswordConfig_wo(provider, id, pw, 1, `restart = "soft"`),
			ConfigStateChecks: []statecheck.StateCheck{
				acctest.ExpectResets(sim, id, pw, 1, "v1"), expectLogin(sim, id, "Old1!passwd", 0, true),
				expectRebootRequests(sim, 0), noRestartPending(),
				acctest.ExpectServer(sim, id, func(st ecssim.ServerState) error {
					if st.Status != "SHUTOFF" {
						return fmt.Errorf("status %s, want SHUTOFF", st.Status)
					}
					return nil
				}),
			},
		}},
	})
}

// TestAccServerPasswordResource_restartNoneNeverReboots: the default makes
// no extra call, and changing only restart resets and reboots nothing.
func TestAccServerPasswordResource_restartNoneNeverReboots(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{LoginPassword: "Old1!passwd"})
	const pw = "Kq7!vRm2@Lp9"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"), expectLogin(sim, id, "Old1!passwd", 0, true),
					expectRebootRequests(sim, 0), noRestartPending(),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("restart"), knownvalue.StringExact("none")),
					// Still two calls per create: the flag and the reset.
					acctest.ExpectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", 1),
					acctest.ExpectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/{server_id}/os-reset-password", 1),
				},
			},
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw, 1, `restart = "soft"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"), expectLogin(sim, id, "Old1!passwd", 0, true),
					expectRebootRequests(sim, 0), noRestartPending(),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_restartWithoutPlugin: without the reset
// plug-in the reset flag check refuses as before, and nothing is rebooted.
func TestAccServerPasswordResource_restartWithoutPlugin(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	no := false
	id := sim.MustAddServer(ecssim.ServerSpec{ResetPasswordSupported: &no})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      testAccServerPasswordConfig_wo(provider, id, "Kq7!vRm2@Lp9", 1, `restart = "soft"`),
			ExpectError: regexp.MustCompile(wordsPattern("Server Does Not Support Password Reset", id)),
		}},
		CheckDestroy: func(*terraform.State) error { return expectRebootRequests(sim, 0)() },
	})
}

// failNextBoot arms a failure of the server's next boot.
func failNextBoot(t *testing.T, sim *simtest.Sim, id, reason string) {
	t.Helper()
	if _, err := sim.UpdateServer(id, ecssim.ServerPatch{FailNextBoot: &reason}); err != nil {
		t.Fatal(err)
	}
}

// TestAccServerPasswordResource_failedRestartOnUpdate: the apply fails with
// an error that says the password was reset; the state records the reset
// with a pending restart; the next plan is an in-place update that only
// restarts, and converges with one reset and one successful boot.
func TestAccServerPasswordResource_failedRestartOnUpdate(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	extra := `restart = "soft"`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: testAccServerPasswordConfig_wo(provider, id, pw1, 1, extra)},
			{
				PreConfig: func() { failNextBoot(t, sim, id, "the guest did not come back") },
				Config:    testAccServerPasswordConfig_wo(provider, id, pw2, 2, extra),
				ExpectError: regexp.MustCompile(wordsPattern("Server Restart Failed After Password Reset", id,
					"was reset", "Reboot job:", "Ecs.0615", "the guest did not come back", "restart_pending = true",
					"does not reset the password again")),
			},
			{
				// The refreshed state still shows the pending restart,
				// and the plan finishes it in place.
				PreConfig: func() {
					if err := acctest.ExpectResets(sim, id, pw2, 2, "v1")(); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, extra),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("restart_pending")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw2, 2, "v1"), expectLogin(sim, id, pw2, 2, false),
					expectRebootRequests(sim, 3), noRestartPending(),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_failedRestartOnCreate: Terraform taints the
// object; the replacement sends the same password again and restarts, and
// its destroy half leaves the stored Windows password alone.
func TestAccServerPasswordResource_failedRestartOnCreate(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := acctest.WindowsServer(t, sim)
	const pw = "Kq7!vRm2@Lp9"
	config := testAccServerPasswordConfig_wo(provider, id, pw, 1, `restart = "hard"`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { failNextBoot(t, sim, id, "boot device not found") },
				Config:    config,
				ExpectError: regexp.MustCompile(wordsPattern("Server Restart Failed After Password Reset", id,
					"was reset", "Ecs.0615", "boot device not found", "tainted", "same password again")),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 2, "v1"), expectLogin(sim, id, pw, 1, false),
					acctest.ExpectWindowsPasswordStored(sim, id, true), noRestartPending(),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_restartSurvivesFaultsWhilePolling:
// throttling and failures of the job reads are retried, and every server is
// reset once and rebooted once.
func TestAccServerPasswordResource_restartSurvivesFaultsWhilePolling(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ids := sim.MustAddLinuxServers(4)
	for _, f := range []ecssim.Fault{
		{Method: "GET", PathContains: "/jobs/", Status: 429, Rate: 0.15},
		{Method: "GET", PathContains: "/jobs/", Status: 503, Rate: 0.15},
	} {
		sim.MustAddFault(f)
	}
	const pw = "Kq7!vRm2@Lp9"
	config := provider
	for i, id := range ids {
		config += fmt.Sprintf(`
resource "ecs_server_password" "s%d" {
  server_id           = %q
  password_wo         = %q
  password_wo_version = 1
  restart             = "soft"
}
`, i, id, pw)
	}
	var checks []statecheck.StateCheck
	for _, id := range ids {
		checks = append(checks, acctest.ExpectResets(sim, id, pw, 1, "v1"), expectLogin(sim, id, pw, 1, false))
	}
	checks = append(checks, expectRebootRequests(sim, len(ids)))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{{Config: config, ConfigStateChecks: checks}},
	})
}

// TestAccServerPasswordResource_waitsForARebootUnderWay: a reboot left
// running (by an interrupted apply, or by someone else) makes the API refuse
// a reset; the provider waits for it to end instead of failing.
func TestAccServerPasswordResource_waitsForARebootUnderWay(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	if err := sim.SetJobDuration(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				client, err := ecsapi.NewClient(ecsapi.Config{
					ECSEndpoint: sim.URL, IAMEndpoint: sim.URL, Region: ecssim.DefaultRegion, ProjectID: ecssim.DefaultProjectID,
					Credentials: ecsapi.Credentials{AccessKey: ecssim.DefaultAccessKey, SecretKey: ecssim.DefaultSecretKey},
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := client.RebootServers(context.Background(), []string{id}, false); err != nil {
					t.Fatal(err)
				}
			},
			Config: testAccServerPasswordConfig_wo(provider, id, pw, 1, `restart = "soft"`),
			ConfigStateChecks: []statecheck.StateCheck{
				acctest.ExpectResets(sim, id, pw, 1, "v1"), expectLogin(sim, id, pw, 2, false), noRestartPending(),
			},
		}},
	})
}

// TestAccServerPasswordResource_restartKnownOnlyAtApply: a restart setting
// that comes from another resource is unknown at plan time; the plan then
// leaves restart_pending open (the restart may fail) instead of promising
// false, and the apply restarts the server.
func TestAccServerPasswordResource_restartKnownOnlyAtApply(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	id := sim.MustAddLinuxServers(1)[0]
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	config := func(pw string, version int) string {
		return `
resource "terraform_data" "restart" {
  input = "soft"
}
` + testAccServerPasswordConfig_wo(provider, id, pw, version, `  restart = terraform_data.restart.output`)
	}
	unknownPending := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("restart_pending")),
	}}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config(pw1, 1),
				ConfigPlanChecks:  unknownPending,
				ConfigStateChecks: []statecheck.StateCheck{expectLogin(sim, id, pw1, 1, false), noRestartPending()},
			},
			{
				// The restart setting is known now; a new version resets and
				// restarts again.
				Config:            config(pw2, 2),
				ConfigPlanChecks:  unknownPending,
				ConfigStateChecks: []statecheck.StateCheck{expectLogin(sim, id, pw2, 2, false), noRestartPending()},
			},
		},
	})
}

// TestAccServerPasswordResource_restartJobOfAnInterruptedApply: an update
// that times out while its reboot job runs records the job; the next apply
// follows it to its end and, since it rebooted the server, does not reboot
// the server a second time.
func TestAccServerPasswordResource_restartJobOfAnInterruptedApply(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	if err := sim.SetJobDuration(8 * time.Second); err != nil {
		t.Fatal(err)
	}
	id := sim.MustAddLinuxServers(1)[0]
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	withRestart := func(timeout string) string {
		return fmt.Sprintf("  restart = \"soft\"\n  timeouts = { update = %q }", timeout)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: testAccServerPasswordConfig_wo(provider, id, pw1, 1, "")},
			{
				Config:      testAccServerPasswordConfig_wo(provider, id, pw2, 2, withRestart("4s")),
				ExpectError: regexp.MustCompile(wordsPattern("Server Restart Failed After Password Reset", id)),
			},
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, withRestart("1m")),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw2, 2, "v1"), expectRebootRequests(sim, 1),
					expectLogin(sim, id, pw2, 1, false), noRestartPending(),
				},
			},
		},
	})
}

// TestRestartFailedDetailNamesTheFailedCall: a refused read of the server
// before the reboot names the read's IAM action, not the reboot's; a reboot
// request whose answer was lost says that the server may be rebooting
// instead of blaming the endpoint.
func TestRestartFailedDetailNamesTheFailedCall(t *testing.T) {
	t.Parallel()
	const id = "44444444-4444-4444-4444-444444444444"
	denied := &ecsapi.APIError{Method: "GET", Path: "/v1/p/cloudservers/" + id, StatusCode: 403, Code: "Ecs.0003", Message: "denied"}
	detail := restartFailedDetail(id, restartSoft, "", false, denied)
	if !strings.Contains(detail, iamActionGetServer) || strings.Contains(detail, iamActionReboot) {
		t.Errorf("a refused status read names the wrong IAM action:\n%s", detail)
	}
	rebootDenied := &ecsapi.APIError{Method: "POST", Path: "/v1/p/cloudservers/action", StatusCode: 403, Code: "Ecs.0003", Message: "denied"}
	if detail := restartFailedDetail(id, restartSoft, "", false, rebootDenied); !strings.Contains(detail, iamActionReboot) {
		t.Errorf("a refused reboot does not name %s:\n%s", iamActionReboot, detail)
	}
	lost := &ecsapi.OutcomeUnknownError{Err: &ecsapi.TransportError{Method: "POST", Path: "/v1/p/cloudservers/action", Attempts: 1,
		Err: errors.New("read: connection reset by peer")}, Why: "the connection ended after the request was sent"}
	detail = restartFailedDetail(id, restartHard, "", false, lost)
	if !strings.Contains(detail, "may be rebooting now") || strings.Contains(detail, "could not be reached") {
		t.Errorf("a lost reboot answer is not reported as a possible reboot:\n%s", detail)
	}
}
