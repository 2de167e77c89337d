package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// Import by identity needs Terraform 1.12 (and OpenTofu 1.12); these tests
// skip on older CLIs. CI runs them with Terraform 1.14.3 and fails when any
// test skipped (make testacc-tf114).
var identityVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

// expectIdentity asserts the identity Terraform recorded for the test
// resource: the server, and the simulator's region and project.
func expectIdentity(id string) statecheck.StateCheck {
	return statecheck.ExpectIdentity(testResource, map[string]knownvalue.Check{
		"server_id":  knownvalue.StringExact(id),
		"region":     knownvalue.StringExact(ecssim.DefaultRegion),
		"project_id": knownvalue.StringExact(ecssim.DefaultProjectID),
	})
}

// importByIdentityConfig adds an import block with an identity to config.
func importByIdentityConfig(config string, identity map[string]string) string {
	var b strings.Builder
	b.WriteString(config)
	b.WriteString("\nimport {\n  to = " + testResource + "\n  identity = {\n")
	for _, k := range []string{"server_id", "region", "project_id"} {
		if v, ok := identity[k]; ok {
			fmt.Fprintf(&b, "    %s = %q\n", k, v)
		}
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// TestAccServerPasswordResource_identity: creating records the identity;
// an import block with that identity imports the same server and plans the
// reset the imported state lacks; the import block with an ID keeps
// working.
func TestAccServerPasswordResource_identity(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	config := testAccServerPasswordConfig_wo(provider, id, pw, 1, "")
	tfresource.UnitTest(t, tfresource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{expectIdentity(id), acctest.ExpectResets(sim, id, pw, 1, "v1")},
			},
			{
				// The identity of the state above, as an import block:
				// the plan imports the server, keeps the identity and,
				// since an import knows no password, plans a reset.
				Config:             config,
				ResourceName:       testResource,
				ImportState:        true,
				ImportStateKind:    tfresource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: tfresource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(testResource, tfjsonpath.New("server_id"), knownvalue.StringExact(id)),
						plancheck.ExpectKnownValue(testResource, tfjsonpath.New("restart"), knownvalue.StringExact("none")),
						plancheck.ExpectUnknownValue(testResource, tfjsonpath.New("last_reset_at")),
					},
				},
			},
			{
				Config:          config,
				ResourceName:    testResource,
				ImportState:     true,
				ImportStateKind: tfresource.ImportBlockWithID,
				ImportStateId:   id,
				// The reset again, as above.
				ExpectNonEmptyPlan: true,
			},
			{
				// The import steps left the state alone.
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{expectIdentity(id), acctest.ExpectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_idImportRecordsIdentity: the import
// command, by ID, records the identity too.
func TestAccServerPasswordResource_idImportRecordsIdentity(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	config := testAccServerPasswordConfig_wo(provider, id, pw, 1, "")
	tfresource.UnitTest(t, tfresource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config:             config,
				ResourceName:       testResource,
				ImportState:        true,
				ImportStateId:      id,
				ImportStatePersist: true,
			},
			{
				Config: config,
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectIdentity(id), acctest.ExpectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}

// TestAccServerPasswordResource_importBlockIdentity: an import block that
// gives only the server ID in its identity imports a server Terraform never
// managed, records the full identity, and the same apply resets the
// password; region and project, when given, must be the provider's.
func TestAccServerPasswordResource_importBlockIdentity(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	config := testAccServerPasswordConfig_wo(provider, id, pw, 1, "")
	tfresource.UnitTest(t, tfresource.TestCase{
		TerraformVersionChecks:   identityVersionChecks,
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []tfresource.TestStep{
			{
				Config: importByIdentityConfig(config, map[string]string{"server_id": id, "region": "eu-west-101"}),
				ExpectError: regexp.MustCompile(wordsPattern("Import Identity Names Another Region",
					`identity.region`, `"eu-west-101"`, "provider = ecs.other")),
			},
			{
				Config: importByIdentityConfig(config, map[string]string{"server_id": id, "project_id": "0123456789abcdef0123456789abcdef"}),
				ExpectError: regexp.MustCompile(wordsPattern("Import Identity Names Another Project",
					`identity.project_id`, ecssim.DefaultProjectID)),
			},
			{
				Config:      importByIdentityConfig(config, map[string]string{"server_id": "servers/" + id}),
				ExpectError: regexp.MustCompile(wordsPattern("Invalid Import Identity", "identity.server_id", "not a server ID")),
			},
			{
				Config: importByIdentityConfig(config, map[string]string{
					"server_id": id, "region": strings.ToUpper(ecssim.DefaultRegion),
				}),
				ConfigPlanChecks: tfresource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionUpdate),
						acctest.ExpectResets(sim, id, "", 0, ""),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					// The identity records the provider's region as configured.
					expectIdentity(id),
					acctest.ExpectResets(sim, id, pw, 1, "v1"),
				},
			},
		},
	})
}

// identityValue builds an identity of the ecs_server_password schema.
func identityValue(t *testing.T, values map[string]*string) *tfsdk.ResourceIdentity {
	t.Helper()
	s := serverPasswordIdentitySchema()
	typ, ok := s.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatalf("the identity schema's type is %T, not an object", s.Type().TerraformType(context.Background()))
	}
	attrs := map[string]tftypes.Value{}
	for name := range typ.AttributeTypes {
		var v any
		if p, ok := values[name]; ok && p != nil {
			v = *p
		}
		attrs[name] = tftypes.NewValue(tftypes.String, v)
	}
	raw := tftypes.NewValue(typ, attrs)
	if values == nil {
		raw = tftypes.NewValue(typ, nil)
	}
	return &tfsdk.ResourceIdentity{Schema: s, Raw: raw}
}

func str(s string) *string { return &s }

// TestEnsureIdentityKeepsAStoredIdentity: Read and Update never change a
// stored identity (Terraform would refuse the change), and fill in a
// missing one, as in state written before the resource had an identity.
func TestEnsureIdentityKeepsAStoredIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pd := &providerData{region: "cn-north-4"}

	stored := identityValue(t, map[string]*string{"server_id": str("a"), "region": str("cn-north-1"), "project_id": str("p")})
	before := stored.Raw.Copy()
	if diags := ensureIdentity(ctx, stored, pd, "a"); diags.HasError() {
		t.Fatal(diags)
	}
	if !stored.Raw.Equal(before) {
		t.Errorf("a stored identity changed: %s", stored.Raw)
	}

	for name, missing := range map[string]*tfsdk.ResourceIdentity{
		"null":       identityValue(t, nil),
		"fully null": identityValue(t, map[string]*string{}),
	} {
		if diags := ensureIdentity(ctx, missing, pd, "b"); diags.HasError() {
			t.Fatal(diags)
		}
		var m serverPasswordIdentityModel
		if diags := missing.Get(ctx, &m); diags.HasError() {
			t.Fatal(diags)
		}
		if m.ServerID.ValueString() != "b" || m.Region.ValueString() != "cn-north-4" || !m.ProjectID.IsNull() {
			t.Errorf("%s identity filled as %+v", name, m)
		}
	}
	if diags := ensureIdentity(ctx, nil, pd, "c"); diags.HasError() {
		t.Errorf("a missing identity object: %v", diags)
	}
}

// TestImportIdentityServerID covers the checks of an identity given to
// import without a CLI.
func TestImportIdentityServerID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pd := &providerData{region: "cn-north-4"}
	cases := []struct {
		name   string
		values map[string]*string
		pd     *providerData
		want   string // the server ID, or part of the error
	}{
		{"server only", map[string]*string{"server_id": str("srv-1")}, pd, "srv-1"},
		{"trimmed", map[string]*string{"server_id": str(" srv-1 ")}, pd, "srv-1"},
		{"same region", map[string]*string{"server_id": str("srv-1"), "region": str("CN-North-4")}, pd, "srv-1"},
		{"other region", map[string]*string{"server_id": str("srv-1"), "region": str("cn-south-1")}, pd, "Import Identity Names Another Region"},
		{"no provider", map[string]*string{"server_id": str("srv-1"), "region": str("cn-south-1")}, nil, "srv-1"},
		{"no server", map[string]*string{"region": str("cn-north-4")}, pd, "has no `server_id`"},
		{"bad server", map[string]*string{"server_id": str("a/b")}, pd, "`identity.server_id` is not a server ID"},
	}
	for _, c := range cases {
		id, diags := importIdentityServerID(ctx, identityValue(t, c.values), c.pd)
		got := id
		if diags.HasError() {
			got = diagText(diags)
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if _, diags := importIdentityServerID(ctx, nil, pd); !diags.HasError() {
		t.Error("an import with neither ID nor identity was accepted")
	}
}

// TestIdentitySchema: server_id is required for import, region and
// project_id optional, and every attribute is documented.
func TestIdentitySchema(t *testing.T) {
	t.Parallel()
	var resp resource.IdentitySchemaResponse
	r, ok := NewServerPasswordResource().(resource.ResourceWithIdentity)
	if !ok {
		t.Fatal("ecs_server_password has no identity")
	}
	r.IdentitySchema(context.Background(), resource.IdentitySchemaRequest{}, &resp)
	s := resp.IdentitySchema
	if diags := s.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
	for name, required := range map[string]bool{"server_id": true, "region": false, "project_id": false} {
		a, ok := s.Attributes[name]
		if !ok {
			t.Errorf("no identity attribute %s", name)
			continue
		}
		if a.IsRequiredForImport() != required || a.IsOptionalForImport() == required {
			t.Errorf("%s: required for import %v, optional %v", name, a.IsRequiredForImport(), a.IsOptionalForImport())
		}
		if len(a.GetDescription()) < 20 {
			t.Errorf("%s: description missing", name)
		}
	}
	if len(s.Attributes) != 3 {
		t.Errorf("%d identity attributes, want 3", len(s.Attributes))
	}
}
