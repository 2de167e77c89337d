package provider

import (
	"fmt"
	"regexp"
	"sort"
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
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

const testBatch = "ecs_server_password_batch.fleet"

// batchConfig manages ids with one write-only password.
func batchConfig(provider string, ids []string, password string, version int, extra string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return provider + fmt.Sprintf(`
resource "ecs_server_password_batch" "fleet" {
  server_ids          = [%s]
  password_wo         = %q
  password_wo_version = %d
%s
}
`, strings.Join(quoted, ", "), password, version, extra)
}

// expectBatchResets asserts each server's reset count and that its last
// reset came through the batch API with the password.
func expectBatchResets(sim *simtest.Sim, counts map[string]int, password string) acctest.SimCheck {
	return func() error {
		for id, want := range counts {
			st := sim.State(id)
			switch {
			case st.ResetCount != want:
				return fmt.Errorf("server %s: reset_count = %d, want %d", id, st.ResetCount, want)
			case want > 0 && (st.LastResetAPI != "batch" || st.Password != password):
				return fmt.Errorf("server %s: last reset through %q, password as expected: %v", id, st.LastResetAPI, st.Password == password)
			}
		}
		return nil
	}
}

func counts(ids []string, n int) map[string]int {
	out := map[string]int{}
	for _, id := range ids {
		out[id] = n
	}
	return out
}

func resetIDs(ids ...string) statecheck.StateCheck {
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	values := make([]knownvalue.Check, len(sorted))
	for i, id := range sorted {
		values[i] = knownvalue.StringExact(id)
	}
	return statecheck.ExpectKnownValue(testBatch, tfjsonpath.New("reset_server_ids"), knownvalue.ListExact(values))
}

// TestAccServerPasswordBatch_lifecycle: create resets every server once
// through the batch API; adding a server resets only it; removing one
// resets nothing; a new version resets all again; the password never
// reaches the state.
func TestAccServerPasswordBatch_lifecycle(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(4)
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: batchConfig(provider, ids[:3], pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids[:3], 1), pw1), expectBatchResets(sim, counts(ids[3:], 0), ""),
					resetIDs(ids[:3]...), acctest.SecretAbsent(pw1),
					acctest.ExpectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/os-reset-passwords", 1),
				},
			},
			{
				Config: batchConfig(provider, ids, pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 1), pw1), resetIDs(ids...),
				},
			},
			{
				Config: batchConfig(provider, ids[1:], pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 1), pw1), resetIDs(ids[1:]...),
				},
			},
			{
				Config:            batchConfig(provider, ids[1:], pw1, 1, ""),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{expectBatchResets(sim, counts(ids, 1), pw1)},
			},
			{
				// The same servers in another order: the list changes in
				// place, and nothing is reset or called.
				Config: batchConfig(provider, []string{ids[3], ids[1], ids[2]}, pw1, 1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testBatch, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 1), pw1), resetIDs(ids[1:]...),
					acctest.ExpectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/os-reset-passwords", 2),
				},
			},
			{
				// A set of IDs is accepted as well (in the set's order).
				Config: strings.NewReplacer("= [", "= toset([", "]\n", "])\n").Replace(batchConfig(provider, ids[1:], pw1, 1, "")),
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 1), pw1), resetIDs(ids[1:]...),
					acctest.ExpectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/os-reset-passwords", 2),
				},
			},
			{
				Config: batchConfig(provider, ids[1:], pw2, 2, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids[1:], 2), pw2), expectBatchResets(sim, counts(ids[:1], 1), pw1),
					resetIDs(ids[1:]...), acctest.SecretAbsent(pw2),
				},
			},
		},
	})
}

// TestAccServerPasswordBatch_missingPluginResetsNothing: one server without
// the plug-in stops the whole rotation before anything is sent, naming it.
func TestAccServerPasswordBatch_missingPluginResetsNothing(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(3)
	no := false
	bad := sim.MustAddServer(ecssim.ServerSpec{ResetPasswordSupported: &no})
	all := append(append([]string(nil), ids...), bad)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      batchConfig(provider, all, "Kq7!vRm2@Lp9", 1, ""),
			ExpectError: regexp.MustCompile(wordsPattern("Servers Cannot Be Reset", "No password was reset", bad, "plug-in")),
		}},
		CheckDestroy: func(*terraform.State) error { return expectBatchResets(sim, counts(all, 0), "")() },
	})
}

// TestAccServerPasswordBatch_partialFailureAcrossChunks: with more than
// 1,000 servers the reset goes out in chunks; a chunk the API refuses
// (here because one server is locked) is named server by server, the state
// records the servers that were reset, and the next apply resets only the
// rest.
func TestAccServerPasswordBatch_partialFailureAcrossChunks(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(1001)
	sort.Strings(ids)
	locked := ids[len(ids)-1] // alone in the second chunk
	locked2 := true
	if _, err := sim.UpdateServer(locked, ecssim.ServerPatch{Locked: &locked2}); err != nil {
		t.Fatal(err)
	}
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	extra := "verify_reset_support = false"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: batchConfig(provider, ids[:1000], pw1, 1, extra)},
			{
				Config: batchConfig(provider, ids, pw2, 2, extra),
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Password Reset Failed", "1000 of 1001 servers were reset",
					locked, "Ecs.0605", "resets only the others")),
			},
			{
				PreConfig: func() {
					unlocked := false
					if _, err := sim.UpdateServer(locked, ecssim.ServerPatch{Locked: &unlocked}); err != nil {
						t.Fatal(err)
					}
				},
				Config: batchConfig(provider, ids, pw2, 2, extra),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testBatch, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids[:1000], 2), pw2), expectBatchResets(sim, counts(ids[1000:], 1), pw2),
					acctest.ExpectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/os-reset-passwords", 4),
				},
			},
		},
	})
}

// TestAccServerPasswordBatch_restartWithOneFailingServer: one reboot job
// restarts the fleet; the server whose boot fails is named and recorded as
// pending, and the next apply restarts only it, without resetting again.
func TestAccServerPasswordBatch_restartWithOneFailingServer(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ids := sim.MustAddLinuxServers(4)
	failNextBoot(t, sim, ids[2], "kernel panic")
	const pw = "Kq7!vRm2@Lp9"
	config := batchConfig(provider, ids, pw, 1, `restart = "soft"`)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Restart Failed After Password Reset", "1 of 4 servers",
					ids[2], "Ecs.0615", "kernel panic")),
			},
			{
				// The create failed, so Terraform replaces the object:
				// the same password again, then the restart.
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 2), pw),
					expectLogin(sim, ids[0], pw, 2, false), expectLogin(sim, ids[2], pw, 1, false),
					statecheck.ExpectKnownValue(testBatch, tfjsonpath.New("restart_pending_server_ids"), knownvalue.ListExact(nil)),
				},
			},
			{
				PreConfig: func() { failNextBoot(t, sim, ids[1], "disk error") },
				Config:    batchConfig(provider, ids, "Zt4!wYn8@Hd3", 2, `restart = "soft"`),
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Restart Failed After Password Reset", ids[1],
					"disk error", "restarts only these servers")),
			},
			{
				Config: batchConfig(provider, ids, "Zt4!wYn8@Hd3", 2, `restart = "soft"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testBatch, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 3), "Zt4!wYn8@Hd3"),
					expectLogin(sim, ids[1], "Zt4!wYn8@Hd3", 3, false), expectLogin(sim, ids[0], "Zt4!wYn8@Hd3", 3, false),
				},
			},
		},
	})
}

// TestAccServerPasswordBatch_throttled: throttling of the batch call and the
// flag checks is retried, and every server is reset once.
func TestAccServerPasswordBatch_throttled(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(20)
	sim.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: "os-reset-passwords", Status: 429, Count: 3})
	sim.MustAddFault(ecssim.Fault{Method: "GET", PathContains: "os-resetpwd-flag", Status: 429, Rate: 0.3})
	const pw = "Kq7!vRm2@Lp9"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            batchConfig(provider, ids, pw, 1, ""),
			ConfigStateChecks: []statecheck.StateCheck{expectBatchResets(sim, counts(ids, 1), pw), resetIDs(ids...)},
		}},
	})
}

// TestAccServerPasswordBatch_badInput: each mistake is a plan-time error
// naming the attribute, and nothing is reset.
func TestAccServerPasswordBatch_badInput(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	block := func(servers string) string {
		return provider + fmt.Sprintf(`
resource "ecs_server_password_batch" "fleet" {
  server_ids          = %s
  password_wo         = "Kq7!vRm2@Lp9"
  password_wo_version = 1
}
`, servers)
	}
	cases := []struct{ servers, want string }{
		{`[]`, `(?s)server_ids.*at least 1`},
		// range() stops at 1,024 values, so 11 × 1,000 IDs come from two of them.
		{`flatten([for a in range(11) : [for b in range(1000) : format("0f1e2d3c-4b5a-6978-8796-%02d%010d", a, b)]])`, `(?s)server_ids.*10000`},
		{`["a/b"]`, `(?s)Invalid Server ID.*must not\s+contain '/'`},
		{fmt.Sprintf(`[%q, %q]`, id, strings.ToUpper(id)), `(?s)Duplicate Server ID.*differ\s+only\s+in\s+case`},
		{fmt.Sprintf(`[%q, %q]`, id, id), `(?s)Duplicate Server ID.*twice\s+\(elements\s+0\s+and\s+1\)`},
		{`["a", null]`, `(?s)server_ids.*null`},
	}
	var steps []resource.TestStep
	for _, c := range cases {
		steps = append(steps, resource.TestStep{Config: block(c.servers), PlanOnly: true, ExpectError: regexp.MustCompile(c.want)})
	}
	steps = append(steps, resource.TestStep{
		Config: provider + fmt.Sprintf(`
resource "ecs_server_password_batch" "fleet" {
  server_ids          = [%q]
  password_wo         = "weak"
  password_wo_version = 1
}
`, id),
		PlanOnly:    true,
		ExpectError: regexp.MustCompile(`(?s)Password Breaks the ECS Password Rules.*password_wo`),
	})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
		CheckDestroy:             func(*terraform.State) error { return expectBatchResets(sim, counts([]string{id}, 0), "")() },
	})
}

// TestAccServerPasswordBatch_answerListsSomeServers: when the batch answer
// lists only some of the servers, the update fails naming the others, the
// state records only the listed ones, only those are restarted, and the
// next apply resets and restarts the rest. (Here the simulator did reset
// all of them, so the second reset of those is the price of not claiming
// what no answer confirmed.)
func TestAccServerPasswordBatch_answerListsSomeServers(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(3)
	sort.Strings(ids)
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: batchConfig(provider, ids, pw1, 1, ""), ConfigStateChecks: []statecheck.StateCheck{resetIDs(ids...)}},
			{
				PreConfig: func() {
					sim.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: "os-reset-passwords", Status: 200, PassThrough: true,
						Count: 1, Body: fmt.Sprintf(`{"response":[{"id":%q}]}`, ids[0])})
				},
				Config: batchConfig(provider, ids, pw2, 2, `restart = "soft"`),
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Password Reset Not Confirmed", "did not list 2 of the 3",
					ids[1], ids[2], "Request ID:", "not restarted", "records only the servers the answer listed")),
			},
			{
				Config: batchConfig(provider, ids, pw2, 2, `restart = "soft"`),
				ConfigStateChecks: []statecheck.StateCheck{
					resetIDs(ids...), expectBatchResets(sim, map[string]int{ids[0]: 2, ids[1]: 3, ids[2]: 3}, pw2),
					// ids[0] booted once, after the step that confirmed it; the
					// others only after this step.
					expectLogin(sim, ids[0], pw2, 1, false), expectLogin(sim, ids[1], pw2, 1, false),
				},
			},
		},
	})
}

// TestAccServerPasswordBatch_idsKnownOnlyAtApply: server IDs that are known
// only when the apply runs (here one comes from another resource that is
// replaced) plan cleanly, and the apply resets the new server alone.
func TestAccServerPasswordBatch_idsKnownOnlyAtApply(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(3)
	const pw = "Kq7!vRm2@Lp9"
	config := func(second, restart string) string {
		return provider + fmt.Sprintf(`
resource "terraform_data" "second" {
  input = %q
}

resource "terraform_data" "restart" {
  input = %q
}

resource "ecs_server_password_batch" "fleet" {
  server_ids          = [%q, terraform_data.second.output]
  password_wo         = %q
  password_wo_version = 1
  restart             = terraform_data.restart.output
}
`, second, restart, ids[0], pw)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            config(ids[1], "none"),
				ConfigStateChecks: []statecheck.StateCheck{expectBatchResets(sim, counts(ids[:2], 1), pw), resetIDs(ids[:2]...)},
			},
			{
				Config: config(ids[2], "none"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(testBatch, tfjsonpath.New("reset_server_ids")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 1), pw), resetIDs(ids[0], ids[2]),
				},
			},
			{
				// A restart setting known only at apply time: nothing to
				// reset, but the restart is not planned away.
				Config: config(ids[2], "soft"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(testBatch, tfjsonpath.New("restart_pending_server_ids")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 1), pw), resetIDs(ids[0], ids[2]), expectRebootRequests(sim, 0),
					statecheck.ExpectKnownValue(testBatch, tfjsonpath.New("restart_pending_server_ids"), knownvalue.ListExact(nil)),
				},
			},
		},
	})
}

// TestAccServerPasswordBatch_answerListsNoServerOnCreate: a create whose
// batch answer confirms no server fails saying that nothing was recorded,
// and nothing is: the next apply creates the resource afresh.
func TestAccServerPasswordBatch_answerListsNoServerOnCreate(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(2)
	sim.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: "os-reset-passwords", Status: 200, PassThrough: true, Count: 1,
		Body: `{"response":[]}`})
	const pw = "Kq7!vRm2@Lp9"
	config := batchConfig(provider, ids, pw, 1, "")
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config,
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Password Reset Not Confirmed", "did not list 2 of the 2",
					"Request ID:", "Nothing was recorded")),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(testBatch, plancheck.ResourceActionCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{resetIDs(ids...), expectBatchResets(sim, counts(ids, 2), pw)},
			},
		},
	})
}

// TestAccServerPasswordBatch_importExplainsWhyNot: an import is refused with
// the reason and what to do instead.
func TestAccServerPasswordBatch_importExplainsWhyNot(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(1)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:        batchConfig(provider, ids, "Kq7!vRm2@Lp9", 1, ""),
			ResourceName:  testBatch,
			ImportState:   true,
			ImportStateId: ids[0],
			ExpectError: regexp.MustCompile(wordsPattern("Import Not Supported", "cannot read a password back",
				"imported as an", "ecs_server_password")),
		}},
	})
	if n := sim.State(ids[0]).ResetCount; n != 0 {
		t.Errorf("the import reset the server %d times", n)
	}
}

// TestAccServerPasswordBatch_refusedRebootNamesTheServerAtFault: the reboot
// request is all or nothing; when the API refuses it naming one server, that
// server is reported with its own code and reason and the others as held
// back by it, all stay pending, and the next apply restarts them without a
// new reset.
func TestAccServerPasswordBatch_refusedRebootNamesTheServerAtFault(t *testing.T) {
	t.Parallel()
	sim, provider := restartSimulator(t)
	ids := sim.MustAddLinuxServers(3)
	sort.Strings(ids)
	const pw = "Kq7!vRm2@Lp9"
	config := batchConfig(provider, ids, pw, 1, `restart = "soft"`)
	body := fmt.Sprintf(`{"error":{"code":"Ecs.0100","message":"Instance[%[1]s] is in another task."},`+
		`"internalError":[{"id":%[1]q,"error_code":"Ecs.0100","error_message":"Instance[%[1]s] is in another task."}]}`, ids[2])
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sim.MustAddFault(ecssim.Fault{Method: "POST", PathContains: "cloudservers/action", Status: 400, Count: 1, Body: body})
				},
				Config: config,
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Restart Failed After Password Reset",
					fmt.Sprintf(`2 servers (%q, %q): not rebooted: the reboot request (all or nothing) was refused because of the 1 server(s)`, ids[0], ids[1]),
					fmt.Sprintf(`server %q: Ecs.0100 Instance[%s] is in another task. (request ID`, ids[2], ids[2]))),
			},
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 2), pw),
					expectLogin(sim, ids[0], pw, 1, false), expectLogin(sim, ids[2], pw, 1, false),
					statecheck.ExpectKnownValue(testBatch, tfjsonpath.New("restart_pending_server_ids"), knownvalue.ListExact(nil)),
				},
			},
		},
	})
}

// TestAccServerPasswordBatch_restartJobOfAnInterruptedApply: an update that
// times out while its reboot job runs records the job; the next apply
// follows that job to its end instead of rebooting the servers a second
// time (or being refused while the job still holds them).
func TestAccServerPasswordBatch_restartJobOfAnInterruptedApply(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	if err := sim.SetJobDuration(8 * time.Second); err != nil {
		t.Fatal(err)
	}
	ids := sim.MustAddLinuxServers(3)
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	withRestart := func(timeout string) string {
		return fmt.Sprintf("restart = \"soft\"\n  timeouts = { update = %q }", timeout)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: batchConfig(provider, ids, pw1, 1, "")},
			{
				Config:      batchConfig(provider, ids, pw2, 2, withRestart("4s")),
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Restart Failed After Password Reset", "restart_pending_server_ids")),
			},
			{
				Config: batchConfig(provider, ids, pw2, 2, withRestart("1m")),
				ConfigStateChecks: []statecheck.StateCheck{
					expectBatchResets(sim, counts(ids, 2), pw2), expectRebootRequests(sim, 1),
					expectLogin(sim, ids[0], pw2, 1, false), expectLogin(sim, ids[1], pw2, 1, false),
					expectLogin(sim, ids[2], pw2, 1, false),
					statecheck.ExpectKnownValue(testBatch, tfjsonpath.New("restart_pending_server_ids"), knownvalue.ListExact(nil)),
				},
			},
		},
	})
}

// TestAccServerPasswordBatch_unreadableAnswerIsAnUnknownOutcome: a batch
// reset accepted with a success status whose body cannot be read (here the
// simulator did reset the servers) is reported as an unknown outcome, not as
// "not reset"; nothing is recorded and the next apply sends the same
// password again.
func TestAccServerPasswordBatch_unreadableAnswerIsAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(2)
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: batchConfig(provider, ids, pw1, 1, "")},
			{
				PreConfig: func() {
					sim.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: "os-reset-passwords", Status: 200, PassThrough: true,
						Count: 1, Body: "<html>oops</html>", ContentType: "text/html"})
				},
				Config: batchConfig(provider, ids, pw2, 2, ""),
				ExpectError: regexp.MustCompile(wordsPattern("Fleet Password Reset Failed", "whether the batch of 2 servers",
					"is unknown", "may have been applied")),
			},
			{
				Config:            batchConfig(provider, ids, pw2, 2, ""),
				ConfigStateChecks: []statecheck.StateCheck{resetIDs(ids...), expectBatchResets(sim, counts(ids, 3), pw2)},
			},
		},
	})
}

// TestAccServerPasswordBatch_weakPasswordKnownOnlyAtApply: a password known
// only at apply time (from a resource created in the same apply) is checked
// against the rules before anything is sent (Terraform validates the
// configuration again once it is known), since the batch API sets any
// password.
func TestAccServerPasswordBatch_weakPasswordKnownOnlyAtApply(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(2)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: provider + fmt.Sprintf(`
resource "terraform_data" "pw" {
  input = "short"
}

resource "ecs_server_password_batch" "fleet" {
  server_ids          = [%q, %q]
  password            = terraform_data.pw.output
}
`, ids[0], ids[1]),
			ExpectError: regexp.MustCompile(wordsPattern("Password Breaks the ECS Password Rules", "`password`")),
		}},
		CheckDestroy: func(*terraform.State) error { return expectBatchResets(sim, counts(ids, 0), "")() },
	})
	if n := len(sim.RequestsTo("PUT", "os-reset-passwords")); n != 0 {
		t.Errorf("%d batch resets sent with a weak password", n)
	}
}
