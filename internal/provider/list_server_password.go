package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

var (
	_ list.ListResource              = (*serverPasswordListResource)(nil)
	_ list.ListResourceWithConfigure = (*serverPasswordListResource)(nil)
)

// NewServerPasswordListResource returns the ecs_server_password list
// resource, which `terraform query` (Terraform 1.14 and later) uses to find
// servers whose passwords could be brought under management.
func NewServerPasswordListResource() list.ListResource {
	return &serverPasswordListResource{}
}

type serverPasswordListResource struct {
	pd *providerData
}

type serverPasswordListModel struct {
	Name                types.String `tfsdk:"name"`
	Status              types.String `tfsdk:"status"`
	Tags                types.Map    `tfsdk:"tags"`
	EnterpriseProjectID types.String `tfsdk:"enterprise_project_id"`
}

// Metadata implements list.ListResource: it lists ecs_server_password.
func (l *serverPasswordListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_password"
}

// ListResourceConfigSchema implements list.ListResource.
func (l *serverPasswordListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listschema.Schema{
		MarkdownDescription: "Finds servers, by the same filters as the `ecs_servers` data source, and reports each " +
			"as an `ecs_server_password` with its identity and a display name (name and ID), for `terraform query` " +
			"and `-generate-config-out`. As with the data source, a server the API lists although its own status, " +
			"tags or enterprise project do not match the filters (such as a server being rebooted when `ACTIVE` " +
			"is asked for) is left out; the provider log says so at WARN level (`TF_LOG=warn`).",
		Attributes: map[string]listschema.Attribute{
			"name": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep servers whose name contains this text (the API's loose match).",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 255)},
			},
			"status": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep servers in exactly this status, such as `ACTIVE` or `SHUTOFF`.",
				Validators: []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^[A-Z_]{1,32}$`),
					"must be a server status in capital letters, such as ACTIVE or SHUTOFF")},
			},
			"tags": listschema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Keep servers that carry every one of these tags.",
				Validators: []validator.Map{
					mapvalidator.NoNullValues(),
					mapvalidator.KeysAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[^,=]{1,128}$`),
						"must be 1 to 128 characters without a comma or an equals sign")),
					mapvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[^,]{0,255}$`),
						"must be at most 255 characters without a comma")),
				},
			},
			"enterprise_project_id": listschema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep servers of this enterprise project; `all_granted_eps` for every granted one.",
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 64)},
			},
		},
	}
}

// Configure implements list.ListResourceWithConfigure.
func (l *serverPasswordListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		l.pd = pd
	}
}

// List implements list.ListResource: one result per server, up to the
// query's limit, each with the identity an import block takes.
func (l *serverPasswordListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	ctx = withLogMasking(ctx)
	var m serverPasswordListModel
	diags := req.Config.Get(ctx, &m)
	opts := ecsapi.ListServersOptions{
		Name: m.Name.ValueString(), Status: m.Status.ValueString(), EnterpriseProjectID: m.EnterpriseProjectID.ValueString(),
	}
	if !m.Tags.IsNull() && !m.Tags.IsUnknown() {
		diags.Append(m.Tags.ElementsAs(ctx, &opts.Tags, false)...)
	}
	if diags.HasError() || l.pd == nil {
		if l.pd == nil {
			diags.AddError("Provider Not Configured", "The list resource was used before the provider was configured.")
		}
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	servers, outside, err := listMatchingServers(ctx, l.pd.client, opts)
	if err != nil {
		diags.AddError("Unable to List Servers", listErrorDetail(err))
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	if len(outside) > 0 {
		tflog.Warn(ctx, "left out servers the listing returned outside the filters",
			map[string]any{"servers": len(outside), "detail": outsideFiltersDetail(outside, len(servers)+len(outside), opts)})
	}
	servers = filterByName(servers, nil)
	stream.Results = func(push func(list.ListResult) bool) {
		for i, s := range servers {
			if req.Limit > 0 && int64(i) >= req.Limit {
				return
			}
			if !push(l.result(ctx, req, s)) {
				return
			}
		}
	}
}

// result describes one server as a list result.
func (l *serverPasswordListResource) result(ctx context.Context, req list.ListRequest, s ecsapi.Server) list.ListResult {
	r := req.NewListResult(ctx)
	r.DisplayName = s.ID
	if s.Name != "" {
		r.DisplayName = s.Name + " (" + s.ID + ")"
	}
	identity := serverPasswordIdentityFor(l.pd, s.ID)
	r.Diagnostics.Append(r.Identity.Set(ctx, &identity)...)
	if req.IncludeResource {
		r.Diagnostics.Append(r.Resource.Set(ctx, listedServerPassword(s.ID))...)
	}
	return r
}

// listedServerPassword is the resource as an import would record it: the
// server and the defaults, with no password (none can be read back).
func listedServerPassword(serverID string) *serverPasswordResourceModel {
	timeoutTypes := map[string]attr.Type{
		"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
	}
	m := &serverPasswordResourceModel{
		ID:                      types.StringValue(serverID),
		ServerID:                types.StringValue(serverID),
		Password:                types.StringNull(),
		PasswordWO:              types.StringNull(),
		PasswordWOVersion:       types.NumberNull(),
		API:                     types.StringValue(string(ecsapi.APIV1)),
		CheckPassword:           types.BoolValue(true),
		VerifyResetSupport:      types.BoolValue(true),
		DeletePasswordOnDestroy: types.BoolValue(true),
		LastResetAt:             types.StringNull(),
		Restart:                 types.StringValue(restartNone),
		RestartPending:          types.BoolValue(false),
	}
	m.Timeouts.Object = basetypes.NewObjectNull(timeoutTypes)
	return m
}
