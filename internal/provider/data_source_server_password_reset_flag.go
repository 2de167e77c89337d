package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

var (
	_ datasource.DataSource                   = (*serverPasswordResetFlagDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*serverPasswordResetFlagDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*serverPasswordResetFlagDataSource)(nil)
)

// NewServerPasswordResetFlagDataSource returns the
// ecs_server_password_reset_flag data source.
func NewServerPasswordResetFlagDataSource() datasource.DataSource {
	return &serverPasswordResetFlagDataSource{}
}

// serverPasswordResetFlagDataSource reads os-resetpwd-flag.
type serverPasswordResetFlagDataSource struct {
	client *ecsapi.Client
}

// serverPasswordResetFlagDataSourceModel maps the data source schema.
type serverPasswordResetFlagDataSourceModel struct {
	ID        types.String   `tfsdk:"id"`
	ServerID  types.String   `tfsdk:"server_id"`
	Supported types.Bool     `tfsdk:"supported"`
	Flag      types.String   `tfsdk:"flag"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

// Metadata implements datasource.DataSource.
func (d *serverPasswordResetFlagDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_password_reset_flag"
}

// Schema implements datasource.DataSource.
func (d *serverPasswordResetFlagDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Tells whether a server supports one-click password reset, i.e. whether the password " +
			"reset plug-in (CloudResetPwdAgent) is available in the guest. Without it the reset API accepts a reset " +
			"and silently does nothing, so check this before relying on `ecs_server_password` (which, by default, " +
			"checks it by itself before every reset). Uses the v1 API (`os-resetpwd-flag`), which honours " +
			"enterprise-project permissions.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The server ID (same as `server_id`).",
			},
			"server_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ID of the server.",
				Validators:          serverIDValidators(),
			},
			"supported": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether a password reset will take effect: `true` when the flag is `True`.",
			},
			"flag": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The flag exactly as the API returns it: `True` or `False`.",
			},
			"timeouts": timeouts.AttributesWithOpts(ctx, timeouts.Opts{
				ReadDescription: fmt.Sprintf("How long reading the flag may take, retries included (default: `%s`).",
					durationText(defaultReadTimeout)),
			}),
		},
	}
}

// Configure implements datasource.DataSourceWithConfigure.
func (d *serverPasswordResetFlagDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		d.client = pd.client
	}
}

// ValidateConfig implements datasource.DataSourceWithValidateConfig.
func (d *serverPasswordResetFlagDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m serverPasswordResetFlagDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if !resp.Diagnostics.HasError() {
		validateTimeouts(m.Timeouts.Object, &resp.Diagnostics)
	}
}

// Read implements datasource.DataSource.
func (d *serverPasswordResetFlagDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx = withLogMasking(ctx)
	var m serverPasswordResetFlagDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	serverID := m.ServerID.ValueString()
	flag, err := d.client.GetResetPasswordFlag(ctx, serverID)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read Password Reset Flag", apiErrorDetail(apiCall{
			What: "read the password reset flag (os-resetpwd-flag) of", ServerID: serverID,
			IAMAction: iamActionResetFlag,
		}, err))
		return
	}
	m.ID = m.ServerID
	m.Supported = types.BoolValue(flag.Supported)
	m.Flag = types.StringValue(flag.Raw)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
