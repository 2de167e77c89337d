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
