package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

func testAccResetFlagDataSourceConfig(provider string, serverIDs ...string) string {
	out := provider
	for i, id := range serverIDs {
		out += fmt.Sprintf(`
data "ecs_server_password_reset_flag" "s%d" {
  server_id = %q
}
`, i, id)
	}
	return out
}

// TestAccServerPasswordResetFlagDataSource_basic reads a server with the
// plug-in and one without.
func TestAccServerPasswordResetFlagDataSource_basic(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	unsupported := false
	withPlugin := sim.MustAddServer(ecssim.ServerSpec{})
	withoutPlugin := sim.MustAddServer(ecssim.ServerSpec{ResetPasswordSupported: &unsupported})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccResetFlagDataSourceConfig(provider, withPlugin, withoutPlugin),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.s0", tfjsonpath.New("supported"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.s0", tfjsonpath.New("flag"), knownvalue.StringExact("True")),
					statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.s0", tfjsonpath.New("id"), knownvalue.StringExact(withPlugin)),
					statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.s1", tfjsonpath.New("supported"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.s1", tfjsonpath.New("flag"), knownvalue.StringExact("False")),
					acctest.ExpectGETAtLeast(sim, "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", 2),
				},
			},
		},
	})
}

// TestAccServerPasswordResetFlagDataSource_unknownServer proves that a
// missing server is an error naming the server, the API code and the
// request ID.
func TestAccServerPasswordResetFlagDataSource_unknownServer(t *testing.T) {
	t.Parallel()
	_, provider := acctest.NewSimulator(t)
	const missing = "6d0f3f3e-0000-4000-8000-000000000002"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      testAccResetFlagDataSourceConfig(provider, missing),
				ExpectError: apiErrorPattern("Unable to Read Password Reset Flag", missing, "Ecs.0114"),
			},
		},
	})
}
