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

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
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
func expectLastCheckPassword(sim *ecssim.Server, id string, want bool) simCheck {
	return expectServer(sim, id, func(st ecssim.ServerState) error {
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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{Name: "web-1"})
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
					expectResets(sim, id, pw, 1, "v1"),
					expectLastCheckPassword(sim, id, true),
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
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_rotateVersion proves that a new
// password_wo_version resets the password in place, and that a new
// password_wo without a new version is invisible and resets nothing.
func TestAccServerPasswordResource_rotateVersion(t *testing.T) {
	t.Parallel()
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})
	const pw1, pw2, pw3 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3", "Yu5+pQe1[Jd6"

	var firstReset string
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_wo(provider, id, pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectResets(sim, id, pw1, 1, "v1"),
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
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, id, pw1, 1, "v1")},
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
					expectResets(sim, id, pw3, 2, "v1"),
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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw1, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectResets(sim, id, pw1, 1, "v1"),
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
					expectResets(sim, id, pw2, 2, "v1"),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("password"), knownvalue.StringExact(pw2)),
				},
			},
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw2, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, id, pw2, 2, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_apiV21 proves that api = "v2.1" resets, reads
// and deletes through the native API, which never checks the password.
func TestAccServerPasswordResource_apiV21(t *testing.T) {
	t.Parallel()
	sim, provider := newTestSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := addServer(t, sim, ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-1"})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if st := serverState(t, sim, id); st.WindowsPasswordPresent {
				return fmt.Errorf("the stored Windows password is still present after destroy")
			}
			return expectRoute(sim, "DELETE", "/v2.1/{project_id}/servers/{server_id}/os-server-password", 1)()
		},
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, `  api = "v2.1"`),
				ConfigStateChecks: []statecheck.StateCheck{
					expectResets(sim, id, pw, 1, "v2.1"),
					expectLastCheckPassword(sim, id, false),
					expectRoute(sim, "PUT", "/v2.1/{project_id}/servers/{server_id}/os-reset-password", 1),
					expectRoute(sim, "PUT", "/v1/{project_id}/cloudservers/{server_id}/os-reset-password", 0),
					statecheck.ExpectKnownValue(testResource, tfjsonpath.New("api"), knownvalue.StringExact("v2.1")),
				},
			},
			{
				// Refreshing reads the server through the native API.
				Config: testAccServerPasswordConfig_password(provider, id, pw, `  api = "v2.1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						expectRouteAtLeast(sim, "GET", "/v2.1/{project_id}/servers/{server_id}", 1),
						expectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}", 0),
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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	sameResetTime := statecheck.CompareValue(compare.ValuesSame())

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectResets(sim, id, pw, 1, "v1"),
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
					expectResets(sim, id, pw, 1, "v1"),
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
	sim, provider := newTestSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := addServer(t, sim, ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-1"})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			st := serverState(t, sim, id)
			switch {
			case st.WindowsPasswordPresent:
				return fmt.Errorf("the stored Windows password is still present after destroy")
			case st.ResetCount != 1 || st.Password != pw:
				return fmt.Errorf("destroy changed the server password (reset_count %d)", st.ResetCount)
			}
			return expectRoute(sim, "DELETE", "/v1/{project_id}/cloudservers/{server_id}/os-server-password", 1)()
		},
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectResets(sim, id, pw, 1, "v1"),
					// Creating must not touch the stored password.
					expectServer(sim, id, func(st ecssim.ServerState) error {
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
	sim, provider := newTestSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := addServer(t, sim, ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-1"})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if st := serverState(t, sim, id); !st.WindowsPasswordPresent {
				return fmt.Errorf("the stored Windows password was deleted although delete_password_on_destroy = false")
			}
			return expectRoute(sim, "DELETE", "/v1/{project_id}/cloudservers/{server_id}/os-server-password", 0)()
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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			// The destroy met the injected 404 and still succeeded.
			return expectFaultsInjected(sim, 1)()
		},
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", ""),
				Check: func(*terraform.State) error {
					return sim.AddFault(ecssim.Fault{Method: "DELETE", PathContains: "/os-server-password", Status: 404, Count: 1})
				},
			},
		},
	})
}

// TestAccServerPasswordResource_destroyError proves that any other delete
// failure is reported with the server, the API code and the request ID.
func TestAccServerPasswordResource_destroyError(t *testing.T) {
	t.Parallel()
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})
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
	sim, provider := newTestSimulator(t)
	key, _, _ := testRSAKeys(t)
	idA := addServer(t, sim, ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: "Initial-Pw-A"})
	idB := addServer(t, sim, ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            testAccServerPasswordConfig_password(provider, idA, pw, ""),
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, idA, pw, 1, "v1")},
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
					expectResets(sim, idB, pw, 1, "v1"),
					expectResets(sim, idA, pw, 1, "v1"),
					expectServer(sim, idA, func(st ecssim.ServerState) error {
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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})
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
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, id, "Kq7!vRm2@Lp9", 1, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_importBlockThenReset imports a server that
// Terraform has never managed through an import block and proves that the
// next apply resets the password, since the imported state has none.
func TestAccServerPasswordResource_importBlockThenReset(t *testing.T) {
	t.Parallel()
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})
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
						expectResets(sim, id, "", 0, ""),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectResets(sim, id, pw, 1, "v1"),
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
	_, provider := newTestSimulator(t)
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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})

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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3"
	locked, unlocked := true, false

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:            testAccServerPasswordConfig_wo(provider, id, pw1, 1, ""),
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, id, pw1, 1, "v1")},
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
						expectResets(sim, id, pw1, 1, "v1"),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectResets(sim, id, pw2, 2, "v1"),
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
	sim, provider := newTestSimulator(t)
	id := addServer(t, sim, ecssim.ServerSpec{Status: "BUILD"})
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
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}
