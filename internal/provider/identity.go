package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// The resource identity of ecs_server_password (Terraform 1.12 and later,
// OpenTofu 1.12 and later): the server it manages, plus where that server
// lives.
//
// server_id alone names the server, but the API reaches a server only
// through its project, and a configuration may have one provider block per
// region or project. An identity is meant to name at most one object across
// all instances of the provider, and a query result or an import block that
// carries it has to say which provider instance it belongs to; so the
// identity records the region and project too. They are optional when
// importing: left out, the provider's own are used; given, they must match
// the provider's, so that an import block handed to the wrong provider block
// fails with a message that says so instead of "server not found". None of
// the three can change during the object's life: a new server_id replaces
// the resource, and a server never moves between regions or projects.
//
// The list resource for `terraform query` reports its results with this
// identity too (serverPasswordIdentityFor), so that its import blocks import
// into the same shape.

// Names of the identity attributes.
const (
	identityServerID  = "server_id"
	identityRegion    = "region"
	identityProjectID = "project_id"
)

// serverPasswordIdentityModel maps the identity schema.
type serverPasswordIdentityModel struct {
	ServerID  types.String `tfsdk:"server_id"`
	Region    types.String `tfsdk:"region"`
	ProjectID types.String `tfsdk:"project_id"`
}

// serverPasswordIdentitySchema is the identity schema of ecs_server_password
// (and of the list resource's results).
func serverPasswordIdentitySchema() identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			identityServerID: identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "ID of the server whose password the resource manages (the resource's `server_id`).",
			},
			identityRegion: identityschema.StringAttribute{
				OptionalForImport: true,
				Description: "Region of the server, such as `cn-north-4`. Optional when importing: it defaults to the " +
					"provider's `region` and, when given, must equal it.",
			},
			identityProjectID: identityschema.StringAttribute{
				OptionalForImport: true,
				Description: "IAM project ID of the server's region. Optional when importing: it defaults to the " +
					"provider's project (configured or looked up) and, when given, must equal it.",
			},
		},
	}
}

// serverPasswordIdentityFor returns the identity of the server serverID as
// seen through the provider configuration pd. A nil pd (no configured
// provider, as in some unit tests) leaves region and project null.
func serverPasswordIdentityFor(pd *providerData, serverID string) serverPasswordIdentityModel {
	m := serverPasswordIdentityModel{
		ServerID:  types.StringValue(serverID),
		Region:    types.StringNull(),
		ProjectID: types.StringNull(),
	}
	if pd == nil {
		return m
	}
	if pd.region != "" {
		m.Region = types.StringValue(pd.region)
	}
	if pd.client != nil && pd.client.ProjectID() != "" {
		m.ProjectID = types.StringValue(pd.client.ProjectID())
	}
	return m
}

// setIdentity records the identity of serverID in identity, which is nil
// when the framework offers none (it always does for a resource with an
// identity schema).
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, pd *providerData, serverID string) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	m := serverPasswordIdentityFor(pd, serverID)
	return identity.Set(ctx, &m)
}

// ensureIdentity records the identity of serverID unless identity already
// holds one. Read and Update use it: a stored identity must never change
// (Terraform refuses a changed one), while state written before the
// resource had an identity, or by a CLI without identity support, gets one
// the first time the provider sees it.
func ensureIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, pd *providerData, serverID string) diag.Diagnostics {
	if identity == nil || !identity.Raw.IsFullyNull() {
		return nil
	}
	return setIdentity(ctx, identity, pd, serverID)
}

// importIdentityServerID reads an identity given to import (an import block
// with `identity = {...}`), checks it against the provider configuration pd
// and returns the server ID. A failed check is an error diagnostic that
// names the identity attribute.
func importIdentityServerID(ctx context.Context, identity *tfsdk.ResourceIdentity, pd *providerData) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	if identity == nil {
		diags.AddError("Missing Import Identity",
			"The import gave neither an ID nor an identity. Give the server ID, as `id = \"…\"` or as "+
				"`identity = { server_id = \"…\" }`.")
		return "", diags
	}
	var m serverPasswordIdentityModel
	diags.Append(identity.Get(ctx, &m)...)
	if diags.HasError() {
		return "", diags
	}
	if m.ServerID.IsNull() || m.ServerID.IsUnknown() {
		diags.AddError("Invalid Import Identity",
			"The import identity has no `server_id`. Set `identity = { server_id = \"…\" }` to the ID of the server.")
		return "", diags
	}
	id := strings.TrimSpace(m.ServerID.ValueString())
	if err := ecsapi.CheckServerID(id); err != nil {
		diags.AddError("Invalid Import Identity",
			fmt.Sprintf("The value of `identity.server_id` is not a server ID, such as "+
				"`3b2f7c84-1d2e-4c6f-9a51-6f0c2f1e9d10`: %s.", err))
		return "", diags
	}
	want := serverPasswordIdentityFor(pd, id)
	for _, a := range []struct {
		name, what       string
		given, provider  types.String
		providerSettings string
	}{
		{identityRegion, "region", m.Region, want.Region, "`region` (or " + envRegion + ")"},
		{identityProjectID, "project", m.ProjectID, want.ProjectID, "`project_id` (or " + envProjectID + ")"},
	} {
		if a.given.IsNull() || a.given.IsUnknown() || a.provider.IsNull() {
			continue
		}
		if !strings.EqualFold(strings.TrimSpace(a.given.ValueString()), a.provider.ValueString()) {
			diags.AddError("Import Identity Names Another "+strings.ToUpper(a.what[:1])+a.what[1:],
				fmt.Sprintf("The value of `identity.%s` is %q, but the provider configuration that imports "+
					"server %q uses %s %q, so it would look for the server in the wrong place. Import with a "+
					"provider configuration for %s %q (the import block's `provider` argument, such as "+
					"`provider = ecs.other`), or correct `identity.%s`. The provider's %s is set by %s.",
					a.name, a.given.ValueString(), id, a.what, a.provider.ValueString(), a.what,
					a.given.ValueString(), a.name, a.what, a.providerSettings))
		}
	}
	return id, diags
}
