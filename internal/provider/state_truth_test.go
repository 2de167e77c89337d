package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// The tests in this file hold the invariant that the state never disagrees
// with the simulator's ground truth: the resource is in the state with a
// last_reset_at exactly when the simulator recorded the reset, a server is
// forgotten only when it is really gone, and one intended change resets a
// server once. Each covers a class of hostile answers, with several members.

// foreign404s are 404 answers that do not say the server is missing.
var foreign404s = map[string]ecssim.Fault{
	"gateway API not found": {Status: 404, Body: `{"error_code":"APIGW.0101","error_msg":"The API does not exist or has not been published","request_id":"gw-404"}`},
	"generic Ecs.0000":      {Status: 404, Code: "Ecs.0000"},
	"native name on v1":     {Status: 404, Body: `{"itemNotFound":{"message":"The resource could not be found.","code":404}}`},
	"HTML page":             {Status: 404, Body: "<html><body>Not Found</body></html>", ContentType: "text/html"},
}

// TestAccServerPasswordResource_foreign404IsNotGone: a 404 that is not
// Ecs.0114 (or itemNotFound on v2.1) neither drops the resource on refresh
// nor counts as "already deleted" on destroy.
func TestAccServerPasswordResource_foreign404IsNotGone(t *testing.T) {
	t.Parallel()
	for name, fault := range foreign404s {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim, provider := acctest.NewSimulator(t)
			id := acctest.WindowsServer(t, sim)
			const pw = "Kq7!vRm2@Lp9"
			config := testAccServerPasswordConfig_password(provider, id, pw, "")
			refreshFault, deleteFault := fault, fault
			refreshFault.Method, refreshFault.PathContains = "GET", "/cloudservers/"+id
			deleteFault.Method, deleteFault.PathContains = "DELETE", "/os-server-password"

			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: config, ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw, 1, "v1")}},
					{
						// Refresh meets the foreign 404: an error, not a
						// silently forgotten resource.
						PreConfig: func() {
							if err := sim.AddFault(refreshFault); err != nil {
								t.Fatal(err)
							}
						},
						Config:      config,
						ExpectError: regexp.MustCompile(wordsPattern("Unable to Read Server", id, "HTTP status: 404", "the API path itself was not found")),
					},
					{
						// With the fault gone the resource is still there
						// and nothing is planned: it was never dropped.
						PreConfig: func() {
							sim.ClearFaults()
						},
						Config:            config,
						ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
						ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw, 1, "v1")},
					},
					{
						// Destroy meets the foreign 404: an error, and the
						// stored Windows password is still there.
						PreConfig: func() {
							if err := sim.AddFault(deleteFault); err != nil {
								t.Fatal(err)
							}
						},
						Config:      config,
						Destroy:     true,
						ExpectError: regexp.MustCompile(wordsPattern("Unable to Delete Stored Windows Password", id, "HTTP status: 404")),
					},
					{
						PreConfig: func() {
							if err := acctest.ExpectWindowsPasswordStored(sim, id, true)(); err != nil {
								t.Fatal(err)
							}
							sim.ClearFaults()
						},
						Config:  config,
						Destroy: true,
					},
				},
				CheckDestroy: func(*terraform.State) error { return acctest.ExpectWindowsPasswordStored(sim, id, false)() },
			})
		})
	}
}

// TestAccServerPasswordResource_realNotFoundIsGone is the control: the
// not-found codes of each family do drop the resource.
func TestAccServerPasswordResource_realNotFoundIsGone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ api, code, path string }{
		{"v1", "Ecs.0114", "/cloudservers/"},
		{"v1", "Ecs.0614", "/cloudservers/"},
		{"v2.1", "itemNotFound", "/servers/"},
	} {
		t.Run(tc.api+" "+tc.code, func(t *testing.T) {
			t.Parallel()
			sim, provider := acctest.NewSimulator(t)
			id := sim.MustAddServer(ecssim.ServerSpec{})
			const pw = "Kq7!vRm2@Lp9"
			config := testAccServerPasswordConfig_password(provider, id, pw, fmt.Sprintf("api = %q", tc.api))
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: config},
					{
						PreConfig: func() {
							if err := sim.AddFault(ecssim.Fault{Method: "GET", PathContains: tc.path + id, Status: 404, Code: tc.code, Count: 1}); err != nil {
								t.Fatal(err)
							}
						},
						RefreshState:       true,
						ExpectNonEmptyPlan: true,
						RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate),
						}},
					},
				},
			})
		})
	}
}

// TestAccServerPasswordResource_successStatusWithErrorRecordsNothing: a
// reset answered with 2xx and an error document records nothing, and the
// simulator confirms no reset happened; flow control in a 2xx is retried
// and then records exactly one reset.
func TestAccServerPasswordResource_successStatusWithErrorRecordsNothing(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"v1 error":        `{"error":{"code":"Ecs.0610","message":"failed to reset the password"}}`,
		"gateway error":   `{"error_code":"APIGW.0101","error_msg":"The API does not exist"}`,
		"unrelated JSON":  `{"status":"accepted"}`,
		"JSON null":       `null`,
		"native fault":    `{"computeFault":{"message":"internal","code":500}}`,
		"string envelope": `{"error":"reset refused"}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim, provider := acctest.NewSimulator(t)
			id := sim.MustAddServer(ecssim.ServerSpec{})
			const pw = "Kq7!vRm2@Lp9"
			config := testAccServerPasswordConfig_password(provider, id, pw, "")
			if err := sim.AddFault(ecssim.Fault{Method: "PUT", PathContains: "/os-reset-password", Status: 202, Body: body, Count: 1}); err != nil {
				t.Fatal(err)
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{
						Config:      config,
						ExpectError: regexp.MustCompile(wordsPattern(id, "HTTP status: 202")),
					},
					{
						// Nothing was recorded and nothing was reset, so
						// the next apply creates the resource and resets
						// once.
						PreConfig: func() {
							if err := acctest.ExpectResets(sim, id, "", 0, "")(); err != nil {
								t.Fatal(err)
							}
						},
						Config:            config,
						ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate)}},
						ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw, 1, "v1")},
					},
				},
			})
		})
	}

	t.Run("flow control in a 2xx is retried", func(t *testing.T) {
		t.Parallel()
		sim, provider := acctest.NewSimulator(t)
		id := sim.MustAddServer(ecssim.ServerSpec{})
		const pw = "Kq7!vRm2@Lp9"
		if err := sim.AddFault(ecssim.Fault{Method: "PUT", PathContains: "/os-reset-password", Status: 200,
			Body: `{"overLimit":{"message":"slow down","code":413}}`, Count: 2}); err != nil {
			t.Fatal(err)
		}
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
			Steps: []resource.TestStep{{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					acctest.ExpectFaultsInjected(sim, 1),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_reset_at"), knownvalue.StringRegexp(rfc3339Pattern)),
				},
			}},
		})
	})
}

// TestAccServerPasswordResource_unknownOutcome: a reset that reached the
// API but whose answer was lost is reported as possibly applied; the state
// records nothing; the next apply sends the same password once more and
// has no other effect (the stored Windows password stays).
func TestAccServerPasswordResource_unknownOutcome(t *testing.T) {
	t.Parallel()
	lost := map[string]ecssim.Fault{
		"connection reset after the reset": {ResetConnection: true},
		"gateway timeout after the reset":  {Status: 504, Body: "<html>504 Gateway Time-out</html>", ContentType: "text/html"},
		"proxy page after the reset":       {Status: 200, Body: "<html>Welcome</html>", ContentType: "text/html"},
	}
	for name, fault := range lost {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim, _ := acctest.NewSimulator(t)
			provider := acctest.ProviderBlock(sim.URL, acctest.ProviderOptions{MaxRetries: intp(0)})
			id := acctest.WindowsServer(t, sim)
			const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4!wYn8@Hd3"
			fault.Method, fault.PathContains, fault.PassThrough, fault.Count = "PUT", "/os-reset-password", true, 1
			addFault := func() {
				if err := sim.AddFault(fault); err != nil {
					t.Fatal(err)
				}
			}
			unknown := regexp.MustCompile(wordsPattern("Password Reset Outcome Unknown", id, "may have reached the API and taken effect",
				"sends the same password again", "does not delete the stored Windows password"))

			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					// Create: the reset landed, the answer did not.
					{PreConfig: addFault, Config: testAccServerPasswordConfig_wo(provider, id, pw1, 1, ""), ExpectError: unknown},
					{
						PreConfig: func() {
							// The simulator did reset the password: the
							// error was right to say so.
							if err := acctest.ExpectResets(sim, id, pw1, 1, "v1")(); err != nil {
								t.Fatal(err)
							}
						},
						// No resource was recorded, so the next apply
						// creates it and sends the same password once.
						Config: testAccServerPasswordConfig_wo(provider, id, pw1, 1, ""),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							acctest.ExpectResets(sim, id, pw1, 2, "v1"),
							acctest.ExpectWindowsPasswordStored(sim, id, true),
						},
					},
					// Update: the same, with the previous state kept.
					{PreConfig: addFault, Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, ""), ExpectError: unknown},
					{
						PreConfig: func() {
							if err := acctest.ExpectResets(sim, id, pw2, 3, "v1")(); err != nil {
								t.Fatal(err)
							}
						},
						Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, ""),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							acctest.ExpectResets(sim, id, pw2, 4, "v1"),
							acctest.ExpectWindowsPasswordStored(sim, id, true),
							statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
						},
					},
				},
			})
		})
	}
}

// TestAccServerPasswordResource_definiteFailureSaysNotDone is the control:
// a refusal that cannot have changed anything keeps the ordinary summary.
func TestAccServerPasswordResource_definiteFailureSaysNotDone(t *testing.T) {
	t.Parallel()
	sim, _ := acctest.NewSimulator(t)
	provider := acctest.ProviderBlock(sim.URL, acctest.ProviderOptions{MaxRetries: intp(0)})
	id := sim.MustAddServer(ecssim.ServerSpec{})
	if err := sim.AddFault(ecssim.Fault{Method: "PUT", PathContains: "/os-reset-password", Status: 409, Code: "Ecs.0100", Count: 1}); err != nil {
		t.Fatal(err)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", ""),
			ExpectError: regexp.MustCompile(wordsPattern("Unable to Reset Server Password", id, "Ecs.0100")),
		}},
	})
}
