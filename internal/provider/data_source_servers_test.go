package provider

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

const testServers = "data.ecs_servers.test"

func serversConfig(provider, body string) string {
	return provider + "\ndata \"ecs_servers\" \"test\" {\n" + body + "\n}\n"
}

// expectIDs asserts the ids attribute: exactly these servers, sorted.
func expectIDs(ids ...string) statecheck.StateCheck {
	sorted := append([]string(nil), ids...)
	sort.Strings(sorted)
	values := make([]knownvalue.Check, len(sorted))
	for i, id := range sorted {
		values[i] = knownvalue.StringExact(id)
	}
	return statecheck.ExpectKnownValue(testServers, tfjsonpath.New("ids"), knownvalue.ListExact(values))
}

// TestAccServersDataSource_filters: each filter alone and together keeps
// exactly the servers the simulator holds that match.
func TestAccServersDataSource_filters(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	web1 := sim.MustAddServer(ecssim.ServerSpec{Name: "web-1", Tags: map[string]string{"env": "prod", "role": "web"}})
	web2 := sim.MustAddServer(ecssim.ServerSpec{Name: "web-2", Status: "SHUTOFF", Tags: map[string]string{"env": "prod"}})
	webx := sim.MustAddServer(ecssim.ServerSpec{Name: "web-x", Tags: map[string]string{"env": "test"}})
	db := sim.MustAddServer(ecssim.ServerSpec{Name: "db-1", OSType: "Windows", EnterpriseProjectID: "ep-db", Tags: map[string]string{"env": "prod"}})

	steps := []resource.TestStep{
		{Config: serversConfig(provider, ""), ConfigStateChecks: []statecheck.StateCheck{expectIDs(web1, web2, webx, db)}},
		{Config: serversConfig(provider, `name = "web"`), ConfigStateChecks: []statecheck.StateCheck{expectIDs(web1, web2, webx)}},
		{Config: serversConfig(provider, `name_regex = "^web-[0-9]+$"`), ConfigStateChecks: []statecheck.StateCheck{expectIDs(web1, web2)}},
		{Config: serversConfig(provider, `status = "SHUTOFF"`), ConfigStateChecks: []statecheck.StateCheck{expectIDs(web2)}},
		{Config: serversConfig(provider, `tags = { env = "prod" }`), ConfigStateChecks: []statecheck.StateCheck{expectIDs(web1, web2, db)}},
		{Config: serversConfig(provider, `tags = { env = "prod", role = "web" }`), ConfigStateChecks: []statecheck.StateCheck{expectIDs(web1)}},
		{Config: serversConfig(provider, `enterprise_project_id = "ep-db"`), ConfigStateChecks: []statecheck.StateCheck{expectIDs(db)}},
		{
			Config: serversConfig(provider, `name = "db"
  tags = { env = "prod" }`),
			ConfigStateChecks: []statecheck.StateCheck{
				expectIDs(db),
				statecheck.ExpectKnownValue(testServers, tfjsonpath.New("servers").AtSliceIndex(0), knownvalue.ObjectExact(map[string]knownvalue.Check{
					"id": knownvalue.StringExact(db), "name": knownvalue.StringExact("db-1"), "status": knownvalue.StringExact("ACTIVE"),
					"os_type": knownvalue.StringExact("Windows"), "enterprise_project_id": knownvalue.StringExact("ep-db"),
					"key_name": knownvalue.StringExact(""), "tags": knownvalue.MapExact(map[string]knownvalue.Check{"env": knownvalue.StringExact("prod")}),
				})),
			},
		},
		{Config: serversConfig(provider, `name = "nothing-matches"`), ConfigStateChecks: []statecheck.StateCheck{expectIDs()}},
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccServersDataSource_pagesPastAThousand: 1,500 servers take two pages
// and come back once each.
func TestAccServersDataSource_pagesPastAThousand(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	ids := sim.MustAddLinuxServers(1500)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: serversConfig(provider, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				expectIDs(ids...),
				acctest.ExpectGETAtLeast(sim, "/v1/{project_id}/cloudservers/detail", 2),
			},
		}},
	})
}

// TestAccServersDataSource_enterpriseProjectVisibility: credentials granted
// through one enterprise project see only its servers.
func TestAccServersDataSource_enterpriseProjectVisibility(t *testing.T) {
	t.Parallel()
	sim, _ := acctest.NewSimulator(t)
	mine := sim.MustAddServer(ecssim.ServerSpec{Name: "mine", EnterpriseProjectID: "ep-mine"})
	sim.MustAddServer(ecssim.ServerSpec{Name: "theirs", EnterpriseProjectID: "ep-theirs"})
	const ak, sk = "EPLISTACCESSKEY00001", "ep-list-secret-key-for-tests"
	if err := sim.AddPrincipal(ecssim.Principal{
		AccessKey: ak, SecretKey: sk, Actions: []string{"ecs:cloudServers:list"}, EnterpriseProjectIDs: []string{"ep-mine"},
	}); err != nil {
		t.Fatal(err)
	}
	provider := acctest.ProviderBlock(sim.URL, acctest.ProviderOptions{AccessKey: ak, SecretKey: sk})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: serversConfig(provider, `enterprise_project_id = "all_granted_eps"`), ConfigStateChecks: []statecheck.StateCheck{expectIDs(mine)}},
			{
				Config:      serversConfig(provider, `enterprise_project_id = "ep-theirs"`),
				ExpectError: regexp.MustCompile(wordsPattern("Unable to List Servers", "Pdp.0001", "ecs:cloudServers:list")),
			},
		},
	})
}

// TestAccServersDataSource_badInput: a regular expression that does not
// compile and malformed filters are plan-time errors naming the attribute.
func TestAccServersDataSource_badInput(t *testing.T) {
	t.Parallel()
	_, provider := acctest.NewSimulator(t)
	cases := map[string]string{
		`name_regex = "web-("`:       `(?s)Invalid Regular Expression.*name_regex.*missing closing \)`,
		`status = "active please"`:   `(?s)status.*capital letters`,
		`tags = { "a,b" = "x" }`:     `(?s)tags.*without a comma or an\s+equals sign`,
		`tags = { env = "a,b" }`:     `(?s)tags.*without a comma`,
		`tags = { env = null }`:      `(?s)tags.*null`,
		`status = "active"`:          `(?s)status.*capital letters`,
		`timeouts = { read = "0s" }`: `(?s)Invalid Timeout.*timeouts.read`,
	}
	var steps []resource.TestStep
	for body, want := range cases {
		steps = append(steps, resource.TestStep{Config: serversConfig(provider, body), PlanOnly: true, ExpectError: regexp.MustCompile(want)})
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

// TestAccServersDataSource_answerOutsideTheFilters: a listing that ignores
// the tag and enterprise-project filters (here a fault replaces the answer)
// does not put the servers it should have left out in ids: by their own
// tags and enterprise project, only the matching one is kept.
func TestAccServersDataSource_answerOutsideTheFilters(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	const (
		match      = "0a1b2c3d-0000-4000-8000-000000000001"
		otherValue = "0a1b2c3d-0000-4000-8000-000000000002"
		otherEP    = "0a1b2c3d-0000-4000-8000-000000000003"
		noTags     = "0a1b2c3d-0000-4000-8000-000000000004"
	)
	server := func(id, ep, tags string) string {
		return fmt.Sprintf(`{"id":%q,"name":"s-%s","status":"ACTIVE","enterprise_project_id":%q,"tags":[%s],`+
			`"metadata":{"os_type":"Linux"}}`, id, id[len(id)-1:], ep, tags)
	}
	// The API lists servers being resized under ACTIVE, as documented.
	resizing := strings.Replace(server("0a1b2c3d-0000-4000-8000-000000000005", "ep-1", `"env=prod"`), `"ACTIVE"`, `"RESIZE"`, 1)
	body := `{"count":5,"servers":[` + strings.Join([]string{
		server(match, "ep-1", `"env=prod","role=web"`), server(otherValue, "ep-1", `"env=production"`),
		server(otherEP, "ep-2", `"env=prod"`), server(noTags, "ep-1", ""), resizing,
	}, ",") + `]}`
	sim.MustAddFault(ecssim.Fault{Method: "GET", PathContains: "/cloudservers/detail", Status: 200, Body: body})
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            serversConfig(provider, "  tags = { env = \"prod\" }\n  enterprise_project_id = \"ep-1\"\n  status = \"ACTIVE\""),
			ConfigStateChecks: []statecheck.StateCheck{expectIDs(match)},
		}},
	})
}

// TestOutsideFiltersDetailNamesEachServer: the warning about servers left
// out names each with its enterprise project and tags.
func TestOutsideFiltersDetailNamesEachServer(t *testing.T) {
	opts := ecsapi.ListServersOptions{Status: "ACTIVE", Tags: map[string]string{"env": "prod", "app": "x"}, EnterpriseProjectID: "ep-1"}
	detail := outsideFiltersDetail([]ecsapi.Server{
		{ID: "id-1", Name: "web", Status: "ACTIVE", EnterpriseProjectID: "ep-2", Tags: map[string]string{"env": "production", "app": "x"}},
		{ID: "id-2", Name: "db", Status: "RESIZE", EnterpriseProjectID: "ep-1", Tags: map[string]string{"env": "prod", "app": "x"}},
		{ID: "id-3", Name: "", Status: "active", EnterpriseProjectID: "ep-1"},
	}, 5, opts)
	for _, want := range []string{"listed 5 servers, 3 of which", `server id-1 ("web"): tag "env=production", enterprise project "ep-2"`,
		`server id-2 ("db"): status "RESIZE"`, `server id-3 (""): no tag "app", no tag "env"`, "transitional states", "endpoints.ecs"} {
		if !strings.Contains(detail, want) {
			t.Errorf("detail lacks %q:\n%s", want, detail)
		}
	}
}
