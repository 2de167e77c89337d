package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

const testResource = "ecs_server_password.test"

var rfc3339Pattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$`)

func testAccServerPasswordConfig_wo(provider, serverID, password string, version int, extra string) string {
	return provider + fmt.Sprintf(`
resource "ecs_server_password" "test" {
  server_id           = %[1]q
  password_wo         = %[2]q
  password_wo_version = %[3]d
%[4]s
}
`, serverID, password, version, extra)
}

func testAccServerPasswordConfig_password(provider, serverID, password, extra string) string {
	return provider + fmt.Sprintf(`
resource "ecs_server_password" "test" {
  server_id = %[1]q
  password  = %[2]q
%[3]s
}
`, serverID, password, extra)
}

// expectLastCheckPassword asserts the is_check_password flag of the last
// reset the simulator accepted.
func expectLastCheckPassword(sim *simtest.Sim, id string, want bool) acctest.SimCheck {
	return acctest.ExpectServer(sim, id, func(st ecssim.ServerState) error {
		if st.LastIsCheckPassword != want {
			return fmt.Errorf("server %s: last_is_check_password = %v, want %v", id, st.LastIsCheckPassword, want)
		}
		return nil
	})
}

// TestAccServerPasswordResource_basic creates the resource with a write-only
// password, checks the server's actual password and the state, and proves a
// second plan is empty and resets nothing.
func TestAccServerPasswordResource_basic(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{Name: "web-1"})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw, 1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate),
						plancheck.ExpectKnownValue(testResource, tfjsonpath.New("id"), knownvalue.StringExact(id)),
						plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("last_reset_at")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					expectLastCheckPassword(sim, id, true),
					acctest.ExpectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", 1),
					// project_id is configured, so IAM is never asked for it.
					acctest.ExpectRoute(sim, "GET", "/v3/projects", 0),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("server_id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("api"), knownvalue.StringExact("v1")),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("check_password"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("verify_reset_support"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("delete_password_on_destroy"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_reset_at"), knownvalue.StringRegexp(rfc3339Pattern)),
				},
			},
			{
				// The same configuration again: nothing to do, nothing reset.
				Config: testAccServerPasswordConfig_wo(provider, id, pw, 1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_rotateVersion proves that a new
// password_wo_version resets the password in place, and that a new
// password_wo without a new version is invisible and resets nothing.
func TestAccServerPasswordResource_rotateVersion(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw1, pw2, pw3 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3", "Yu5+pQe1[Jd6"

	var firstReset string
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw1, 1, "v1"),
				},
				Check: func(s *terraform.State) error {
					firstReset = s.RootModule().Resources[testResource].Primary.Attributes["last_reset_at"]
					return nil
				},
			},
			{
				// A new password alone: Terraform cannot see it.
				Config: testAccServerPasswordConfig_wo(provider, id, pw2, 1, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw1, 1, "v1")},
			},
			{
				// A new version: an in-place update that sends the new password.
				Config: testAccServerPasswordConfig_wo(provider, id, pw3, 2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("last_reset_at")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw3, 2, "v1"),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources[testResource].Primary.Attributes["last_reset_at"]; got == "" || firstReset == "" {
						return fmt.Errorf("last_reset_at missing: first %q, now %q", firstReset, got)
					}
					return nil
				},
			},
		},
	})
}

// TestAccServerPasswordResource_passwordInPlace proves that changing the
// state-stored password updates in place (never replaces) and reaches the
// server, and that the state holds the password only as a sensitive value.
func TestAccServerPasswordResource_passwordInPlace(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw1, 1, "v1"),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password"), knownvalue.StringExact(pw1)),
					statecheck.ExpectSensitiveValue(testResource, tfjsonpath.New("password")),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo_version"), knownvalue.Null()),
				},
			},
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("last_reset_at")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw2, 2, "v1"),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password"), knownvalue.StringExact(pw2)),
				},
			},
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw2, 2, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_apiV21 proves that api = "v2.1" resets, reads
// and deletes through the v2.1 API, which never checks the password.
func TestAccServerPasswordResource_apiV21(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-1"})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if st := sim.State(id); st.WindowsPasswordPresent {
				return fmt.Errorf("the stored Windows password is still present after destroy")
			}
			return acctest.ExpectRoute(sim, "DELETE", "/v2.1/{project_id}/servers/{server_id}/os-server-password", 1)()
		},
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, `  api = "v2.1"`),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v2.1"),
					expectLastCheckPassword(sim, id, false),
					acctest.ExpectRoute(sim, "PUT", "/v2.1/{project_id}/servers/{server_id}/os-reset-password", 1),
					acctest.ExpectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/{server_id}/os-reset-password", 0),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("api"), knownvalue.StringExact("v2.1")),
				},
			},
			{
				// Refreshing reads the server through the v2.1 API.
				Config: testAccServerPasswordConfig_password(provider, id, pw, `  api = "v2.1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						acctest.ExpectGETAtLeast(sim, "/v2.1/{project_id}/servers/{server_id}", 1),
						acctest.ExpectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}", 0),
					},
				},
			},
		},
	})
}

// TestAccServerPasswordResource_settingsOnly proves that changing only api or
// the flags updates the state without a reset and keeps last_reset_at.
func TestAccServerPasswordResource_settingsOnly(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	sameResetTime := statecheck.CompareValue(compare.ValuesSame())

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					sameResetTime.AddStateValue(testResource, tfjsonpath.New("last_reset_at")),
				},
			},
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, `
  api                        = "v2.1"
  check_password             = false
  verify_reset_support       = false
  delete_password_on_destroy = false
`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testResource, tfjsonpath.New("last_reset_at"), knownvalue.StringRegexp(rfc3339Pattern)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					// The update sent nothing: the only flag read and reset
					// are those of the create.
					acctest.ExpectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", 1),
					acctest.ExpectRoute(sim, "PUT", "/v2.1/{project_id}/servers/{server_id}/os-reset-password", 0),
					sameResetTime.AddStateValue(testResource, tfjsonpath.New("last_reset_at")),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("api"), knownvalue.StringExact("v2.1")),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("delete_password_on_destroy"), knownvalue.Bool(false)),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_destroyDeletesWindowsPassword proves that
// destroy deletes the stored Windows password through the v1 API and leaves
// the server's password alone.
func TestAccServerPasswordResource_destroyDeletesWindowsPassword(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-1"})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			st := sim.State(id)
			switch {
			case st.WindowsPasswordPresent:
				return fmt.Errorf("the stored Windows password is still present after destroy")
			case st.ResetCount != 1 || st.Password != pw:
				return fmt.Errorf("destroy changed the server password (reset_count %d)", st.ResetCount)
			}
			return acctest.ExpectRoute(sim, "DELETE", "/v1/{project_id}/cloudservers/{server_id}/os-server-password", 1)()
		},
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					// Creating must not touch the stored password.
					acctest.ExpectServer(sim, id, func(st ecssim.ServerState) error {
						if !st.WindowsPasswordPresent {
							return fmt.Errorf("the stored Windows password vanished before destroy")
						}
						return nil
					}),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_destroyKeepsWindowsPassword proves that
// delete_password_on_destroy = false leaves the stored password alone.
func TestAccServerPasswordResource_destroyKeepsWindowsPassword(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-1"})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if st := sim.State(id); !st.WindowsPasswordPresent {
				return fmt.Errorf("the stored Windows password was deleted although delete_password_on_destroy = false")
			}
			return acctest.ExpectRoute(sim, "DELETE", "/v1/{project_id}/cloudservers/{server_id}/os-server-password", 0)()
		},
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", "  delete_password_on_destroy = false"),
			},
		},
	})
}

// TestAccServerPasswordResource_destroyNotFoundIsSuccess proves that a 404
// from the delete (password or server already gone) counts as success.
func TestAccServerPasswordResource_destroyNotFoundIsSuccess(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// The destroy met the injected 404 and still succeeded.
			return acctest.ExpectFaultsInjected(sim, 1)()
		},
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", ""),
				Check: func(*terraform.State) error {
					return sim.AddFault(ecssim.Fault{Method: "DELETE", PathContains: "/os-server-password", Status: 404, Code: "Ecs.0114", Count: 1})
				},
			},
		},
	})
}

// TestAccServerPasswordResource_destroyError proves that any other delete
// failure is reported with the server, the API code and the request ID.
func TestAccServerPasswordResource_destroyError(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	config := testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", "")

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				Config:  config,
				Destroy: true,
				PreConfig: func() {
					if err := sim.AddFault(ecssim.Fault{Method: "DELETE", PathContains: "/os-server-password", Status: 400, Code: "Ecs.0000", Count: 1}); err != nil {
						t.Fatal(err)
					}
				},
				ExpectError: apiErrorPattern("Unable to Delete Stored Windows Password", id, "Ecs.0000"),
			},
		},
	})
}

// TestAccServerPasswordResource_replaceOnServerID proves that a new server_id
// replaces the resource: the new server is reset, and the old one's stored
// password is deleted.
func TestAccServerPasswordResource_replaceOnServerID(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	idA := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-A"})
	idB := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            testAccServerPasswordConfig_password(provider, idA, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, idA, pw, 1, "v1")},
			},
			{
				Config: testAccServerPasswordConfig_password(provider, idB, pw, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionReplace),
						plancheck.ExpectKnownValue(testResource, tfjsonpath.New("id"), knownvalue.StringExact(idB)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, idB, pw, 1, "v1"),
					acctest.ExpectResets(sim, idA, pw, 1, "v1"),
					acctest.ExpectServer(sim, idA, func(st ecssim.ServerState) error {
						if st.WindowsPasswordPresent {
							return fmt.Errorf("the old server's stored Windows password survived the replacement")
						}
						return nil
					}),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("id"), knownvalue.StringExact(idB)),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_import imports by server ID with the import
// command: the password attributes are null and everything else matches.
func TestAccServerPasswordResource_import(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	config := testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", "")

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config},
			{
				Config:                  config,
				ResourceName:            testResource,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "last_reset_at"},
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("imported %d instances, want 1", len(states))
					}
					attrs := states[0].Attributes
					for _, name := range []string{"password", "password_wo", "password_wo_version", "last_reset_at"} {
						if v, ok := attrs[name]; ok && v != "" {
							return fmt.Errorf("imported %s = %q, want null", name, v)
						}
					}
					if attrs["server_id"] != id || attrs["id"] != id {
						return fmt.Errorf("imported server_id %q, id %q, want %q", attrs["server_id"], attrs["id"], id)
					}
					return nil
				},
				// Importing reads; it never resets.
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, "Kq7!vRm2@Lp9", 1, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_importBlockThenReset imports a server that
// Terraform has never managed through an import block and proves that the
// next apply resets the password, since the imported state has none.
func TestAccServerPasswordResource_importBlockThenReset(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	config := testAccServerPasswordConfig_wo(provider, id, pw, 1, "")

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// Plannable import: the plan imports the server and, because
				// the configuration sets a password version, plans a reset.
				Config:             config,
				ResourceName:       testResource,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ImportStateId:      id,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("last_reset_at")),
					},
				},
			},
			{
				// The import command, kept in the state this time.
				Config:             config,
				ResourceName:       testResource,
				ImportState:        true,
				ImportStateId:      id,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if v := states[0].Attributes["password_wo_version"]; v != "" {
						return fmt.Errorf("imported password_wo_version = %q, want null", v)
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						// Import alone reset nothing.
						acctest.ExpectResets(sim, id, "", 0, ""),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("last_reset_at"), knownvalue.StringRegexp(rfc3339Pattern)),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_importUnknownServer proves that importing a
// server that does not exist fails instead of inventing state.
func TestAccServerPasswordResource_importUnknownServer(t *testing.T) {
	t.Parallel()
	_, provider := acctest.NewSimulator(t)
	const missing = "6d0f3f3e-0000-4000-8000-000000000000"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:        testAccServerPasswordConfig_password(provider, missing, "Kq7!vRm2@Lp9", ""),
				ResourceName:  testResource,
				ImportState:   true,
				ImportStateId: missing,
				ExpectError:   regexp.MustCompile(`(?i)non-existent remote object|Cannot import`),
			},
		},
	})
}

// TestAccServerPasswordResource_disappears proves that a server deleted
// outside Terraform leaves the state on refresh, so the next plan creates
// the resource again.
func TestAccServerPasswordResource_disappears(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", ""),
				Check: func(*terraform.State) error {
					if !sim.DeleteServer(id) {
						return fmt.Errorf("server %s was not in the simulator", id)
					}
					return nil
				},
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate),
					},
				},
			},
		},
	})
}

// TestAccServerPasswordResource_failedResetKeepsState proves that a failed
// reset records nothing: the old version stays in the state and the next
// apply tries again.
func TestAccServerPasswordResource_failedResetKeepsState(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3"
	locked, unlocked := true, false

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            testAccServerPasswordConfig_wo(provider, id, pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw1, 1, "v1")},
			},
			{
				PreConfig: func() {
					if _, err := sim.UpdateServer(id, ecssim.ServerPatch{Locked: &locked}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      testAccServerPasswordConfig_wo(provider, id, pw2, 2, ""),
				ExpectError: apiErrorPattern("Unable to Reset Server Password", id, "Ecs.0605"),
			},
			{
				PreConfig: func() {
					if _, err := sim.UpdateServer(id, ecssim.ServerPatch{Locked: &unlocked}); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						// Version 2 was not recorded, so it is still a change.
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						acctest.ExpectResets(sim, id, pw1, 1, "v1"),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw2, 2, "v1"),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_failedCreateRecordsNothing proves that a
// failed first reset leaves no resource in the state.
func TestAccServerPasswordResource_failedCreateRecordsNothing(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{Status: "BUILD"})
	const pw = "Kq7!vRm2@Lp9"
	active := "ACTIVE"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      testAccServerPasswordConfig_password(provider, id, pw, ""),
				ExpectError: apiErrorPattern("Unable to Reset Server Password", id, "Ecs.0100"),
			},
			{
				PreConfig: func() {
					if _, err := sim.UpdateServer(id, ecssim.ServerPatch{Status: &active}); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_planTimeRules proves that each password rule
// fails the plan, for the state-stored and the write-only attribute, before
// anything reaches the API.
func TestAccServerPasswordResource_planTimeRules(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})

	rules := []struct {
		password string
		rule     string
	}{
		{"Qz9!Kp2", "rule 1 (length)"},
		{"Qz9!Kp2@\tLw", "rule 2 (allowed characters)"},
		{"Qz9#Kp2@Lw", "rule 3 (forbidden characters)"},
		{"qzkpwlxvbn", "rule 4 (character classes)"},
		{"Qz9!root2@", "rule 5 (user names)"},
		{"Qz9!kTOR2@", "rule 6 (consecutive characters of Administrator)"},
	}
	var steps []resource.TestStep
	for _, r := range rules {
		steps = append(steps,
			resource.TestStep{
				Config:      testAccServerPasswordConfig_password(provider, id, r.password, ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(wordsPattern("Password Breaks the ECS Password Rules", "`password`", id, r.rule)),
			},
			resource.TestStep{
				Config:      testAccServerPasswordConfig_wo(provider, id, r.password, 1, ""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(wordsPattern("Password Breaks the ECS Password Rules", "`password_wo`", id, r.rule)),
			},
		)
	}
	// Nothing was sent: validation happens before planning.
	steps = append(steps, resource.TestStep{
		Config:             testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", ""),
		PlanOnly:           true,
		ExpectNonEmptyPlan: true,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PostApplyPostRefresh: []plancheck.PlanCheck{acctest.ExpectResets(sim, id, "", 0, ""), acctest.ExpectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", 0)},
		},
	})

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}

// TestAccServerPasswordResource_checkPasswordFalse proves that
// check_password = false skips the plan-time check and tells the API not to
// check either.
func TestAccServerPasswordResource_checkPasswordFalse(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const weak = "password"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, weak, "  check_password = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, weak, 1, "v1"),
					expectLastCheckPassword(sim, id, false),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_unknownPasswordCheckedAtApply proves that a
// password unknown at plan time passes the plan and is checked as soon as it
// is known, during apply, before any reset is sent.
func TestAccServerPasswordResource_unknownPasswordCheckedAtApply(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: provider + fmt.Sprintf(`
resource "terraform_data" "pw" {
  input = "administrator-1"
}

resource "ecs_server_password" "test" {
  server_id = %q
  password  = terraform_data.pw.output
}
`, id),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("password")),
					},
				},
				ExpectError: regexp.MustCompile(wordsPattern("Password Breaks the ECS Password Rules", id, "rule 5 (user names)")),
			},
			{
				Config: provider,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{acctest.ExpectResets(sim, id, "", 0, "")},
				},
			},
		},
	})
}

// TestAccServerPasswordResource_resetFlagFalse proves that a server without
// the reset plug-in is refused before any reset is sent, with an explanation,
// and that verify_reset_support = false skips the check.
func TestAccServerPasswordResource_resetFlagFalse(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	unsupported, supported := false, true
	id := sim.MustAddServer(ecssim.ServerSpec{ResetPasswordSupported: &unsupported})
	const pw = "Kq7!vRm2@Lp9"
	const flagRoute = "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag"
	const resetRoute = "/v1/{project_id}/cloudservers/{server_id}/os-reset-password"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ExpectError: answeredPattern([]string{"Server Does Not Support Password Reset", id,
					`os-resetpwd-flag "False"`, "silently do nothing", "No reset was sent"},
					"plug-in", "verify_reset_support = false"),
			},
			{
				// Without the check the reset is sent, and this simulator,
				// unlike the real API, refuses it.
				PreConfig: func() {
					if err := acctest.ExpectRoute(sim, "PUT", resetRoute, 0)(); err != nil {
						t.Error(err)
					}
				},
				Config:      testAccServerPasswordConfig_password(provider, id, pw, "  verify_reset_support = false"),
				ExpectError: apiErrorPattern("Unable to Reset Server Password", id, "Ecs.0613"),
			},
			{
				PreConfig: func() {
					if _, err := sim.UpdateServer(id, ecssim.ServerPatch{ResetPasswordSupported: &supported}); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					// One flag read in step 1, none in step 2, one now.
					acctest.ExpectRoute(sim, "GET", flagRoute, 2),
					acctest.ExpectRoute(sim, "PUT", resetRoute, 2),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_enterpriseProject proves that a caller whose
// grants come from an enterprise project can reset through v1, and that the
// 403 of the v2.1 API is explained.
func TestAccServerPasswordResource_enterpriseProject(t *testing.T) {
	t.Parallel()
	sim, _ := acctest.NewSimulator(t)
	const epAK, epSK = "EPUSERACCESSKEY00001", "enterprise-project-user-secret-key"
	if err := sim.AddPrincipal(ecssim.Principal{
		AccessKey: epAK, SecretKey: epSK, ProjectID: ecssim.DefaultProjectID,
		Actions: []string{"ecs:*:*"}, EnterpriseProjectIDs: []string{"ep-web"},
	}); err != nil {
		t.Fatal(err)
	}
	id := sim.MustAddServer(ecssim.ServerSpec{EnterpriseProjectID: "ep-web"})
	provider := acctest.ProviderBlock(sim.URL, acctest.ProviderOptions{AccessKey: epAK, SecretKey: epSK})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3"

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            testAccServerPasswordConfig_wo(provider, id, pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw1, 1, "v1")},
			},
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, `  api = "v2.1"`),
				ExpectError: apiErrorPattern("Unable to Reset Server Password", id, "forbidden",
					"HTTP status: 403", "does not honour permissions granted through an enterprise project", `api = "v1"`),
			},
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw2, 2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{acctest.ExpectResets(sim, id, pw1, 1, "v1")},
				},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw2, 2, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_throttled proves that throttling (429) and
// flow control (503) are absorbed by retries: the apply succeeds and the
// simulator saw every injected fault.
func TestAccServerPasswordResource_throttled(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	for _, f := range []ecssim.Fault{
		{Method: "GET", PathContains: "/os-resetpwd-flag", Status: 503, Count: 2},
		{Method: "PUT", PathContains: "/os-reset-password", Status: 429, Count: 2, RetryAfterSeconds: 0},
	} {
		if err := sim.AddFault(f); err != nil {
			t.Fatal(err)
		}
	}

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
					acctest.ExpectFaultsInjected(sim, 2),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_throttledBeyondRetries: throttling does not
// use up max_retries, so a reset throttled more often than max_retries
// still succeeds, once; throttling that outlasts the create timeout fails
// with the throttling error and advice about timeouts.
func TestAccServerPasswordResource_throttledBeyondRetries(t *testing.T) {
	t.Parallel()
	sim := simtest.Start(t, ecssim.Config{})
	provider := acctest.ProviderBlock(sim.URL, acctest.ProviderOptions{MaxRetries: intp(1)})
	id := sim.MustAddServer(ecssim.ServerSpec{})
	stuck := sim.MustAddServer(ecssim.ServerSpec{})
	sim.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: id + "/os-reset-password", Status: 429, Count: 3})
	sim.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: stuck + "/os-reset-password", Status: 429})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw, 1, "v1")},
			},
			{
				Config: testAccServerPasswordConfig_password(provider, stuck, pw, `timeouts = { create = "3s" }`),
				ExpectError: apiErrorPattern("Unable to Reset Server Password", stuck, "APIGW.0308",
					"until the operation's time ran out", "`timeouts`"),
			},
		},
	})
}

// testAccServerPasswordConfig_woLocal passes the write-only password through
// a local value. `terraform show -json` repeats literal arguments of the
// configuration (configuration...expressions...constant_value, the
// provider's secret_key included), so a literal would be found there
// whatever the provider does; locals are not repeated.
func testAccServerPasswordConfig_woLocal(provider, serverID, password string, version int) string {
	return provider + fmt.Sprintf(`
locals {
  password = %[2]q
}

resource "ecs_server_password" "test" {
  server_id           = %[1]q
  password_wo         = local.password
  password_wo_version = %[3]d
}
`, serverID, password, version)
}

// TestAccServerPasswordResource_writeOnlyNotStored proves that the
// write-only password appears in neither the plan nor the state as
// `terraform show -json` prints them, while it did reach the server.
func TestAccServerPasswordResource_writeOnlyNotStored(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw1, pw2 = "Wo7!secretPw@1", "Wo8!secretPw@2"

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_woLocal(provider, id, pw1, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{acctest.SecretAbsent(pw1)},
					PostApplyPostRefresh: []plancheck.PlanCheck{acctest.SecretAbsent(pw1)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.SecretAbsent(pw1),
					acctest.ExpectResets(sim, id, pw1, 1, "v1"),
				},
			},
			{
				Config: testAccServerPasswordConfig_woLocal(provider, id, pw2, 2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{acctest.SecretAbsent(pw2), acctest.SecretAbsent(pw1)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.SecretAbsent(pw2),
					acctest.ExpectResets(sim, id, pw2, 2, "v1"),
				},
			},
			{
				// The control: the same checks see a state-stored password
				// given the same way.
				Config: provider + fmt.Sprintf(`
locals {
  password = %[2]q
}

resource "ecs_server_password" "test" {
  server_id = %[1]q
  password  = local.password
}
`, id, pw1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{acctest.SecretPresent(pw1)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.SecretPresent(pw1),
					acctest.ExpectResets(sim, id, pw1, 3, "v1"),
				},
			},
		},
	})
}

// TestAccServerPasswordResource_configValidation proves the schema-level
// rules: exactly one way to give the password, the version with the
// write-only password, the API values and the server ID format.
func TestAccServerPasswordResource_configValidation(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	block := func(body string) string {
		return provider + fmt.Sprintf("\nresource \"ecs_server_password\" \"test\" {\n%s\n}\n", body)
	}
	const pw = "Kq7!vRm2@Lp9"

	cases := []struct {
		body string
		want string
	}{
		{fmt.Sprintf("server_id = %q", id), `(?s)Exactly one of these attributes must be configured:.*password,password_wo`},
		{fmt.Sprintf("server_id = %q\npassword = %q\npassword_wo = %q\npassword_wo_version = 1", id, pw, pw), `(?s)Exactly one of these attributes must be configured:.*password,password_wo`},
		{fmt.Sprintf("server_id = %q\npassword_wo = %q", id, pw), `(?s)password_wo_version.*must be specified when.*password_wo`},
		{fmt.Sprintf("server_id = %q\npassword = %q\npassword_wo_version = 1", id, pw), `(?s)password_wo.*must be specified when.*password_wo_version`},
		{fmt.Sprintf("server_id = %q\npassword = %q\napi = \"v3\"", id, pw), `(?s)value must be one of.*v1.*v2\.1`},
		{fmt.Sprintf("server_id = \"a/b\"\npassword = %q", pw), `(?s)Invalid Server ID.*must not\s+contain '/'`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      block(tc.body),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(tc.want),
		})
	}
	steps = append(steps, resource.TestStep{
		Config:        block(fmt.Sprintf("server_id = %q\npassword = %q", id, pw)),
		ResourceName:  testResource,
		ImportState:   true,
		ImportStateId: "servers/" + id,
		ExpectError:   regexp.MustCompile(wordsPattern("Invalid Import ID", "must be a server ID")),
	})

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
