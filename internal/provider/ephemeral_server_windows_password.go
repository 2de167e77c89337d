package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/ephemeral/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

var (
	_ ephemeral.EphemeralResource                   = (*serverWindowsPasswordEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*serverWindowsPasswordEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*serverWindowsPasswordEphemeralResource)(nil)
)

// NewServerWindowsPasswordEphemeralResource returns the
// ecs_server_windows_password ephemeral resource.
func NewServerWindowsPasswordEphemeralResource() ephemeral.EphemeralResource {
	return &serverWindowsPasswordEphemeralResource{}
}

// serverWindowsPasswordEphemeralResource fetches and decrypts the initial
// Windows password in memory.
type serverWindowsPasswordEphemeralResource struct {
	client *ecsapi.Client
}

// serverWindowsPasswordEphemeralModel maps the ephemeral resource schema.
type serverWindowsPasswordEphemeralModel struct {
	ServerID        types.String   `tfsdk:"server_id"`
	API             types.String   `tfsdk:"api"`
	PrivateKey      types.String   `tfsdk:"private_key"`
	WaitForPassword types.Bool     `tfsdk:"wait_for_password"`
	Password        types.String   `tfsdk:"password"`
	Timeouts        timeouts.Value `tfsdk:"timeouts"`
}

// Metadata implements ephemeral.EphemeralResource.
func (e *serverWindowsPasswordEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_windows_password"
}

// Schema implements ephemeral.EphemeralResource.
func (e *serverWindowsPasswordEphemeralResource) Schema(ctx context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Fetches the initial password of a Windows server and decrypts it in memory with the " +
			"private key of the server's key pair. The password is never written to the plan or the state; pass " +
			"it to write-only arguments, provider blocks or other ephemeral contexts.\n\n" +
			"-> Needs Terraform 1.10 / OpenTofu 1.11 or later.\n\n" +
			windowsPasswordPreconditions + " Without `wait_for_password`, opening fails while no password is " +
			"stored.",
		Attributes: map[string]schema.Attribute{
			"server_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ID of the Windows server.",
				Validators:          serverIDValidators(),
			},
			"api": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: readAPIDescription,
				Validators:          []validator.String{stringvalidator.OneOf(supportedAPIs...)},
			},
			"private_key": schema.StringAttribute{
				Required:  true,
				Sensitive: true,
				MarkdownDescription: "The key pair's RSA private key, as unencrypted PEM text: PKCS#1 (`-----BEGIN " +
					"RSA PRIVATE KEY-----`) or PKCS#8 (`-----BEGIN PRIVATE KEY-----`). Pass the text, for example " +
					"`file(\"key.pem\")`, not a path. EC and Ed25519 keys cannot be used: Windows passwords are " +
					"encrypted with RSA.",
			},
			"wait_for_password": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Wait until the password is stored, polling with backoff (default: `false`). " +
					"Fails when `timeouts.open` (default: `" + durationText(defaultWindowsPasswordWait) + "`) passes first.",
			},
			"password": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "The decrypted password.",
			},
			"timeouts": timeouts.AttributesWithOpts(ctx, timeouts.Opts{
				OpenDescription: "How long `wait_for_password` may wait, such as `\"20m\"` (default: `" +
					durationText(defaultWindowsPasswordWait) + "`).",
			}),
		},
	}
}

// Configure implements ephemeral.EphemeralResourceWithConfigure.
func (e *serverWindowsPasswordEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		e.client = pd.client
	}
}

// ValidateConfig implements ephemeral.EphemeralResourceWithValidateConfig.
func (e *serverWindowsPasswordEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m serverWindowsPasswordEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if !resp.Diagnostics.HasError() {
		validateTimeouts(m.Timeouts.Object, &resp.Diagnostics)
	}
}

// Open implements ephemeral.EphemeralResource.
func (e *serverWindowsPasswordEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	ctx = withLogMasking(ctx)
	var m serverWindowsPasswordEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	serverID := m.ServerID.ValueString()

	// The key is checked before any API call, so a wrong key fails fast.
	key, err := parseRSAPrivateKey(m.PrivateKey.ValueString())
	if err != nil {
		summary, detail, _ := errorSummaryDetail(err)
		resp.Diagnostics.AddAttributeError(path.Root("private_key"), summary,
			fmt.Sprintf("Cannot decrypt the Windows password of server %q. %s", serverID, detail))
		return
	}

	api := apiOrDefault(m.API)
	wait := !m.WaitForPassword.IsNull() && m.WaitForPassword.ValueBool()
	timeout, diags := m.Timeouts.Open(ctx, defaultWindowsPasswordWait)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	stored, err := fetchWindowsPassword(ctx, e.client, api, serverID, wait)
	if err != nil {
		summary, detail := windowsPasswordFetchError(ctx, e.client, api, serverID, err)
		resp.Diagnostics.AddError(summary, detail)
		return
	}
	if stored.Encrypted == "" {
		resp.Diagnostics.AddError("No Windows Password Stored", noStoredPasswordDetail(ctx, e.client, api, serverID,
			" yet", stored.RequestID, "If the server booted only recently, set `wait_for_password = true` to wait for it."))
		return
	}

	password, err := decryptWindowsPassword(key, stored.Encrypted)
	if err != nil {
		summary, detail, _ := errorSummaryDetail(err)
		resp.Diagnostics.AddError(summary, fmt.Sprintf("Server %q: %s", serverID, detail))
		return
	}

	m.API = types.StringValue(string(api))
	m.WaitForPassword = types.BoolValue(wait)
	m.Password = types.StringValue(password)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
