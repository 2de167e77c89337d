package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// queryVersionChecks: terraform query exists from Terraform 1.14 on.
var queryVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}

// TestAccServerPasswordList_query: `terraform query` pages through 1,500
// servers, reports each with the identity an import takes and a display
// name, honours the filters and the limit, and fails clearly on bad input.
func TestAccServerPasswordList_query(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	specs := make([]ecssim.ServerSpec, 1500)
	for i := range specs {
		specs[i] = ecssim.ServerSpec{Name: fmt.Sprintf("node-%04d", i), Tags: map[string]string{"fleet": "q"}}
	}
	ids := sim.MustAddServers(specs...)
	db := sim.MustAddServer(ecssim.ServerSpec{Name: "db-1"})
	list := func(name, config string, limit int) string {
		return fmt.Sprintf(`
list "ecs_server_password" %q {
  provider = ecs
  limit    = %d
  config {
%s
  }
}
`, name, limit, config)
	}
	identity := map[string]knownvalue.Check{
		"server_id":  knownvalue.StringExact(ids[0]),
		"region":     knownvalue.StringExact(ecssim.DefaultRegion),
		"project_id": knownvalue.StringExact(ecssim.DefaultProjectID),
	}
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   queryVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: serversConfig(provider, `name = "db"`), ConfigStateChecks: nil},
			{
				Query: true,
				Config: list("fleet", `tags = { fleet = "q" }`, 2000) + list("db", `name = "db"`, 10) +
					list("few", `tags = { fleet = "q" }`, 7),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("ecs_server_password.fleet", 1500),
					querycheck.ExpectIdentity("ecs_server_password.fleet", identity),
					querycheck.ExpectResourceDisplayName("ecs_server_password.fleet",
						queryfilter.ByResourceIdentity(identity),
						knownvalue.StringExact("node-0000 ("+ids[0]+")")),
					querycheck.ExpectLength("ecs_server_password.db", 1),
					querycheck.ExpectIdentity("ecs_server_password.db", map[string]knownvalue.Check{
						"server_id": knownvalue.StringExact(db), "region": knownvalue.StringExact(ecssim.DefaultRegion),
						"project_id": knownvalue.StringExact(ecssim.DefaultProjectID),
					}),
					querycheck.ExpectLength("ecs_server_password.few", 7),
				},
			},
			{
				// The 1,500 servers took two pages (and the other lists one
				// page each, at least).
				PreConfig: func() {
					if err := acctest.ExpectGETAtLeast(sim, "/v1/{project_id}/cloudservers/detail", 4)(); err != nil {
						t.Fatal(err)
					}
				},
				Query:       true,
				Config:      list("bad", `status = "running"`, 10),
				ExpectError: regexp.MustCompile(`(?s)status.*capital letters`),
			},
		},
	})
}
