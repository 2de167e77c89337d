package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestSchemasAreValid checks every schema the way the framework would at
// run time, and that every attribute is documented.
func TestSchemasAreValid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	var p provider.SchemaResponse
	(&ecsProvider{}).Schema(ctx, provider.SchemaRequest{}, &p)
	if p.Diagnostics.HasError() {
		t.Fatalf("provider schema: %v", p.Diagnostics)
	}
	checkDescriptions(t, "provider", p.Schema.MarkdownDescription, p.Schema.Attributes)

	var r resource.SchemaResponse
	NewServerPasswordResource().Schema(ctx, resource.SchemaRequest{}, &r)
	if diags := r.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("resource schema: %v", diags)
	}
	checkDescriptions(t, "ecs_server_password", r.Schema.MarkdownDescription, r.Schema.Attributes)
	for _, want := range []string{"started or restarted", "plug-in", "write-only", "kept in the state file", "Destroying", "after import"} {
		if !strings.Contains(r.Schema.MarkdownDescription, want) {
			t.Errorf("resource description does not mention %q", want)
		}
	}
	if !r.Schema.Attributes["password_wo"].IsWriteOnly() || !r.Schema.Attributes["password_wo"].IsSensitive() {
		t.Error("password_wo must be write-only and sensitive")
	}
	if !r.Schema.Attributes["password"].IsSensitive() {
		t.Error("password must be sensitive")
	}

	for name, ds := range map[string]datasource.DataSource{
		"ecs_server_password_reset_flag": NewServerPasswordResetFlagDataSource(),
		"ecs_server_windows_password":    NewServerWindowsPasswordDataSource(),
	} {
		var d datasource.SchemaResponse
		ds.Schema(ctx, datasource.SchemaRequest{}, &d)
		if diags := d.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Fatalf("%s schema: %v", name, diags)
		}
		checkDescriptions(t, name, d.Schema.MarkdownDescription, d.Schema.Attributes)
	}

	var e ephemeral.SchemaResponse
	NewServerWindowsPasswordEphemeralResource().Schema(ctx, ephemeral.SchemaRequest{}, &e)
	if diags := e.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("ephemeral schema: %v", diags)
	}
	checkDescriptions(t, "ephemeral ecs_server_windows_password", e.Schema.MarkdownDescription, e.Schema.Attributes)
	if !e.Schema.Attributes["private_key"].IsSensitive() || !e.Schema.Attributes["password"].IsSensitive() {
		t.Error("private_key and password must be sensitive")
	}
}

// describedAttribute is what every schema attribute type offers.
type describedAttribute interface {
	GetMarkdownDescription() string
}

func checkDescriptions[A describedAttribute](t *testing.T, what, description string, attrs map[string]A) {
	t.Helper()
	if len(description) < 40 {
		t.Errorf("%s: description is missing or too short", what)
	}
	for name, a := range attrs {
		if name == "timeouts" {
			continue
		}
		if a.GetMarkdownDescription() == "" {
			t.Errorf("%s: attribute %s has no description", what, name)
		}
	}
}

// TestAllowedAPIValuesDocumented checks that the api description lists the
// same values the validator accepts.
func TestAllowedAPIValuesDocumented(t *testing.T) {
	t.Parallel()
	var r resource.SchemaResponse
	NewServerPasswordResource().Schema(context.Background(), resource.SchemaRequest{}, &r)
	desc := r.Schema.Attributes["api"].GetMarkdownDescription()
	for _, v := range supportedAPIs {
		if !strings.Contains(desc, "`"+v+"`") {
			t.Errorf("api description does not list %q: %s", v, desc)
		}
	}
}

// validateResourceConfig runs the resource's ValidateConfig on a
// configuration with the given attribute values (others null).
func validateResourceConfig(t *testing.T, attrs map[string]tftypes.Value) string {
	t.Helper()
	ctx := context.Background()
	r := &serverPasswordResource{}
	var s resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &s)
	var resp resource.ValidateConfigResponse
	r.ValidateConfig(ctx, resource.ValidateConfigRequest{
		Config: tfsdk.Config{Schema: s.Schema, Raw: objectWithNulls(t, s.Schema.Type().TerraformType(ctx), attrs)},
	}, &resp)
	return diagText(resp.Diagnostics)
}

// TestServerPasswordValidateConfig checks the plan-time password check
// directly, including that its diagnostics never contain the password.
func TestServerPasswordValidateConfig(t *testing.T) {
	t.Parallel()
	const serverID = "5f1c2a9e-1111-4222-8333-444455556666"
	const weak = "Administrator#Secret"
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)

	cases := []struct {
		name  string
		attrs map[string]tftypes.Value
		want  []string // substrings; none means no diagnostics
	}{
		{
			name:  "weak state-stored password",
			attrs: map[string]tftypes.Value{"server_id": str(serverID), "password": str(weak)},
			want:  []string{"Password Breaks the ECS Password Rules", "`password`", serverID, "rule 3", "rule 5", "rule 6", "(at password)", "check_password = false"},
		},
		{
			name:  "weak write-only password",
			attrs: map[string]tftypes.Value{"server_id": str(serverID), "password_wo": str(weak)},
			want:  []string{"`password_wo`", "rule 3", "(at password_wo)"},
		},
		{
			name:  "unknown server ID still validates the password",
			attrs: map[string]tftypes.Value{"server_id": unknown, "password": str(weak)},
			want:  []string{"for the server breaks", "rule 5"},
		},
		{
			name:  "strong password",
			attrs: map[string]tftypes.Value{"server_id": str(serverID), "password": str("Kq7!vRm2@Lp9")},
		},
		{
			name:  "unknown password",
			attrs: map[string]tftypes.Value{"server_id": str(serverID), "password": unknown},
		},
		{
			name:  "check_password = false",
			attrs: map[string]tftypes.Value{"server_id": str(serverID), "password": str(weak), "check_password": tftypes.NewValue(tftypes.Bool, false)},
		},
		{
			name:  "unknown check_password",
			attrs: map[string]tftypes.Value{"server_id": str(serverID), "password": str(weak), "check_password": tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue)},
		},
		{
			name:  "check_password = true",
			attrs: map[string]tftypes.Value{"server_id": str(serverID), "password_wo": str("short"), "check_password": tftypes.NewValue(tftypes.Bool, true)},
			want:  []string{"rule 1 (length)"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := validateResourceConfig(t, tc.attrs)
			if len(tc.want) == 0 && text != "" {
				t.Fatalf("unexpected diagnostics:\n%s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, text)
				}
			}
			for _, secret := range []string{weak, "short"} {
				if strings.Contains(text, secret) {
					t.Errorf("diagnostics contain the password:\n%s", text)
				}
			}
		})
	}
}
