package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/numbervalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/passwordpolicy"
)

var (
	_ resource.Resource                     = (*serverPasswordResource)(nil)
	_ resource.ResourceWithConfigure        = (*serverPasswordResource)(nil)
	_ resource.ResourceWithConfigValidators = (*serverPasswordResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*serverPasswordResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*serverPasswordResource)(nil)
	_ resource.ResourceWithImportState      = (*serverPasswordResource)(nil)
	_ resource.ResourceWithIdentity         = (*serverPasswordResource)(nil)
)

// Default operation timeouts. A reset is one or two quick API calls, but
// throttling with retries can stretch it.
const (
	defaultCreateTimeout = 10 * time.Minute
	defaultUpdateTimeout = 10 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
	// defaultReadTimeout bounds a refresh, so that an endpoint that never
	// answers cannot keep a plan waiting forever.
	defaultReadTimeout = 5 * time.Minute
)

// NewServerPasswordResource returns the ecs_server_password resource.
func NewServerPasswordResource() resource.Resource {
	return &serverPasswordResource{}
}

// serverPasswordResource resets the password of an existing server.
type serverPasswordResource struct {
	client *ecsapi.Client
	// providerData is the configured provider, whose region and project
	// the resource identity records (identity.go).
	providerData *providerData
}

// serverPasswordResourceModel maps the resource schema.
type serverPasswordResourceModel struct {
	ID                      types.String   `tfsdk:"id"`
	ServerID                types.String   `tfsdk:"server_id"`
	Password                types.String   `tfsdk:"password"`
	PasswordWO              types.String   `tfsdk:"password_wo"`
	PasswordWOVersion       types.Number   `tfsdk:"password_wo_version"`
	API                     types.String   `tfsdk:"api"`
	CheckPassword           types.Bool     `tfsdk:"check_password"`
	VerifyResetSupport      types.Bool     `tfsdk:"verify_reset_support"`
	DeletePasswordOnDestroy types.Bool     `tfsdk:"delete_password_on_destroy"`
	LastResetAt             types.String   `tfsdk:"last_reset_at"`
	Restart                 types.String   `tfsdk:"restart"`
	RestartPending          types.Bool     `tfsdk:"restart_pending"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

// Metadata implements resource.Resource.
func (r *serverPasswordResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_password"
}

// Schema implements resource.Resource.
func (r *serverPasswordResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Resets the login password (`root` on Linux, `Administrator` on Windows) of an existing " +
			"Elastic Cloud Server.\n\n" +
			"-> **The new password takes effect only after the server is started or restarted.** A running server " +
			"keeps its old password until its next reboot; a stopped server gets the new one when it next boots. " +
			"Set `restart` to have the provider reboot a running server after the reset and wait for it.\n\n" +
			"~> **The guest needs the one-click password reset plug-in** (CloudResetPwdAgent, included in public " +
			"images). Without it the API accepts a reset and silently does nothing, so by default the provider " +
			"first checks the server's reset flag and refuses with an error when the plug-in is missing " +
			"(`verify_reset_support`).\n\n" +
			"Give the password in exactly one of two ways:\n\n" +
			"* `password_wo` with `password_wo_version` (**recommended**, Terraform 1.11 / OpenTofu 1.11 and later): " +
			"the password is write-only and never stored in the plan or the state. Terraform cannot see a change " +
			"of a write-only value, so change `password_wo_version` whenever the password changes; that is what " +
			"triggers the reset.\n" +
			"* `password`, for older Terraform and OpenTofu versions: the password is marked sensitive but **kept " +
			"in the state file**. Changing it triggers the reset.\n\n" +
			"Creating the resource resets the password; changing the password (or `password_wo_version`) resets it " +
			"again, in place. Changing only `api` or one of the flags resets nothing. If a reset fails, the state " +
			"keeps the previous values, so the next apply tries again.\n\n" +
			"If a reset was sent but its answer was lost (the connection broke, the operation was interrupted, a " +
			"gateway timed out or something other than the ECS API answered), the error says that the reset may " +
			"have taken effect. The state does not record it, so the next apply sends the same password again; " +
			"that is harmless and has no other effect (it does not delete the stored Windows password).\n\n" +
			"Refreshing reads the server; if it no longer exists the resource is removed from the state and the " +
			"next plan creates it again. Only the API's own \"server not found\" answers (`Ecs.0114` or " +
			"`Ecs.0614`, and `itemNotFound` on `v2.1`) count as a deleted server; any other 404 is reported as an " +
			"error that points at the endpoint. Refreshing gives up after `timeouts.read`.\n\n" +
			"Destroying the resource cannot restore the old password. When `delete_password_on_destroy` is true " +
			"(the default) it deletes the initial Windows password that the cloud keeps for the server (the " +
			"encrypted password that `ecs_server_windows_password` reads), so it can no longer be retrieved; a " +
			"server or password that is already gone counts as deleted.\n\n" +
			"Import takes the server ID, with `terraform import` or an `import` block (`id = \"…\"`), or, with " +
			"Terraform 1.12 or OpenTofu 1.12 and later, the resource identity in an `import` block " +
			"(`identity = { server_id = \"…\" }`; `region` and `project_id` are optional and must match the " +
			"provider's). The password cannot be read back, so after import `password`, `password_wo_version` and `last_reset_at` are null, and the " +
			"next apply with a password in the configuration resets the password.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The server ID (same as `server_id`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"server_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ID of the server whose password is reset. Changing it replaces the resource.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          serverIDValidators(),
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The new password, **stored in the state** (marked sensitive). For Terraform and " +
					"OpenTofu older than 1.11; prefer `password_wo`. Exactly one of `password` and `password_wo` must " +
					"be set. Changing it resets the password.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot("password_wo")),
				},
			},
			"password_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "The new password, write-only: it is sent to the API and never stored in the " +
					"plan or the state. Requires `password_wo_version`; a change of this value alone is invisible to " +
					"Terraform, so change `password_wo_version` to reset the password again.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.AlsoRequires(path.MatchRoot("password_wo_version")),
				},
			},
			"password_wo_version": schema.NumberAttribute{
				Optional: true,
				MarkdownDescription: "Version of `password_wo`, a whole number, required with it. Any change of the " +
					"version resets the password to the current `password_wo`.",
				Validators: []validator.Number{
					wholeNumberValidator{min: math.MinInt64, max: math.MaxInt64},
					numbervalidator.AlsoRequires(path.MatchRoot("password_wo")),
				},
			},
			"api": schema.StringAttribute{
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(string(ecsapi.APIV1)),
				MarkdownDescription: fmt.Sprintf("API family used to reset the password, read the server and delete "+
					"the stored Windows password: one of %s (default: `%s`). `v1` honours permissions granted "+
					"through enterprise projects; `v2.1` is the native, deprecated API, which does not and never "+
					"checks the password's strength. Changing it resets nothing.",
					quotedList(supportedAPIs), ecsapi.APIV1),
				Validators: []validator.String{stringvalidator.OneOf(supportedAPIs...)},
			},
			"check_password": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Check the password against the ECS password rules (default: `true`): at plan " +
					"time whenever the value is known, and on the `v1` API by asking it to check too " +
					"(`is_check_password`). The rules:\n\n" + passwordpolicy.RulesMarkdown() + "\n" +
					"Changing it resets nothing.",
			},
			"verify_reset_support": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Read the server's password reset flag (`os-resetpwd-flag`) before each reset " +
					"and fail when it is `False`, i.e. when the guest lacks the password reset plug-in and the reset " +
					"would silently do nothing (default: `true`). Changing it resets nothing.",
			},
			"delete_password_on_destroy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "On destroy, delete the initial Windows password the cloud stores for the " +
					"server, through the chosen `api` (default: `true`). **The cloud keeps one copy per server, " +
					"shared by everyone: once deleted, nobody can retrieve it again, in this workspace or any " +
					"other, and it cannot be recreated.** A replacement (such as a new `server_id`) deletes the " +
					"old server's copy too. Set `false` when anyone else may still need the password, for example " +
					"when another workspace created the server or reads its password, and apply that before the " +
					"destroy: a destroy uses the value in the state. Harmless for Linux servers, which store " +
					"none. Changing it resets nothing.",
			},
			"restart": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(restartNone),
				MarkdownDescription: restartDescription,
				Validators:          []validator.String{stringvalidator.OneOf(restartValues...)},
			},
			"restart_pending": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "`true` when the password was reset but the restart that `restart` asks for did " +
					"not complete (the reboot was refused, its job failed, or the apply was interrupted while " +
					"waiting). The next apply then plans an update that only restarts the server, without resetting " +
					"the password again (when an interrupted apply left a reboot job behind, it first follows that " +
					"job and reboots only if the job did not); setting `restart = \"none\"` abandons it. While a " +
					"restart is pending, " +
					"destroying the resource leaves the stored Windows password alone.",
			},
			"last_reset_at": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Time of the last successful reset by this resource, in RFC 3339 format. Null " +
					"after import until the next reset.",
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{
				Create: true,
				Read:   true,
				Update: true,
				Delete: true,
				ReadDescription: fmt.Sprintf("How long refreshing (reading the server) may take (default: `%s`).",
					durationText(defaultReadTimeout)),
				CreateDescription: fmt.Sprintf("How long creating (the first reset) may take, such as `\"15m\"` "+
					"(default: `%s`).", durationText(defaultCreateTimeout)),
				UpdateDescription: fmt.Sprintf("How long an update (a further reset) may take (default: `%s`).",
					durationText(defaultUpdateTimeout)),
				DeleteDescription: fmt.Sprintf("How long destroying (deleting the stored Windows password) may "+
					"take (default: `%s`).", durationText(defaultDeleteTimeout)),
			}),
		},
	}
}

// Configure implements resource.ResourceWithConfigure.
func (r *serverPasswordResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		r.client = pd.client
		r.providerData = pd
	}
}

// IdentitySchema implements resource.ResourceWithIdentity; see identity.go.
func (r *serverPasswordResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = serverPasswordIdentitySchema()
}

// ConfigValidators implements resource.ResourceWithConfigValidators.
func (r *serverPasswordResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("password"), path.MatchRoot("password_wo")),
	}
}

// ValidateConfig implements resource.ResourceWithValidateConfig: it checks a
// known password against the ECS password rules. It sees the configuration,
// so it works for the write-only attribute too. Checking at plan time fails a
// bad password before anything is sent, and also covers the v2.1 API, which
// never checks.
func (r *serverPasswordResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg serverPasswordResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateTimeouts(cfg.Timeouts.Object, &resp.Diagnostics)
	if cfg.CheckPassword.IsUnknown() || (!cfg.CheckPassword.IsNull() && !cfg.CheckPassword.ValueBool()) {
		return
	}
	server := "the server"
	if !cfg.ServerID.IsNull() && !cfg.ServerID.IsUnknown() {
		server = fmt.Sprintf("server %q", cfg.ServerID.ValueString())
	}
	for _, a := range []struct {
		name  string
		value types.String
	}{{"password", cfg.Password}, {"password_wo", cfg.PasswordWO}} {
		if a.value.IsNull() || a.value.IsUnknown() {
			continue
		}
		violations := passwordpolicy.Check(a.value.ValueString())
		if len(violations) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "The value of `%s` for %s breaks the ECS password rules:\n", a.name, server)
		for _, v := range violations {
			fmt.Fprintf(&b, "- %s\n", v)
		}
		b.WriteString("\nThe v1 API would reject it with error code Ecs.0011. Choose a password that follows the " +
			"rules, or set `check_password = false` to skip this check and the API's (not recommended).")
		resp.Diagnostics.AddAttributeError(path.Root(a.name), "Password Breaks the ECS Password Rules", b.String())
	}
}

// ModifyPlan implements resource.ResourceWithModifyPlan. The ID is the server
// ID, and last_reset_at changes only when a reset will happen.
func (r *serverPasswordResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	var plan serverPasswordResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.ServerID.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), plan.ServerID)...)
	}
	if req.State.Raw.IsNull() {
		// Create: last_reset_at stays unknown; a restart may fail.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("restart_pending"), plannedRestartPending(plan, true))...)
		return
	}
	var state serverPasswordResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	reset := resetPlanned(plan, state)
	if reset {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("last_reset_at"), types.StringUnknown())...)
	} else {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("last_reset_at"), state.LastResetAt)...)
	}
	// A pending restart is never hidden: it plans an update that finishes it
	// (or, with restart = "none", clears it).
	restarting := reset || state.RestartPending.ValueBool()
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("restart_pending"), plannedRestartPending(plan, restarting))...)
}

// plannedRestartPending is restart_pending as planned: unknown while a
// restart will (or, with a restart setting known only at apply time, may)
// be attempted, since it may fail; false otherwise.
func plannedRestartPending(plan serverPasswordResourceModel, restarting bool) types.Bool {
	if restarting && (plan.Restart.IsUnknown() || restartOf(plan) != restartNone) {
		return types.BoolUnknown()
	}
	return types.BoolValue(false)
}

// restartOf returns the configured restart, "none" when unset.
func restartOf(m serverPasswordResourceModel) string {
	return restartOfString(m.Restart)
}

// resetPlanned reports whether an update must reset the password: when the
// stored password or the write-only version changes, including the first
// apply after an import, where both are null in the state.
func resetPlanned(plan, state serverPasswordResourceModel) bool {
	return !plan.Password.Equal(state.Password) || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion)
}

// Create implements resource.Resource: it resets the password.
func (r *serverPasswordResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx = withLogMasking(ctx)
	var plan, cfg serverPasswordResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	plan.LastResetAt, diags = r.reset(ctx, timeout, plan, newPassword(plan, cfg))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = plan.ServerID
	// The reset is done: from here on the state records it whatever the
	// restart does, and a failed restart is recorded as pending.
	unfinished, diags := r.restart(ctx, &plan, true)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(saveRestartJobs(ctx, resp.Private, unfinished)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, r.providerData, plan.ServerID.ValueString())...)
}

// restart makes a reset take effect as m.Restart asks and records the
// outcome in m.RestartPending; a failure is an error diagnostic that says
// the password was reset. created tells Create from Update for the text.
// It returns the reboot job when its end was not seen (the apply was
// interrupted or timed out), for the next apply to look at.
func (r *serverPasswordResource) restart(ctx context.Context, m *serverPasswordResourceModel, created bool) ([]restartJob, diag.Diagnostics) {
	var diags diag.Diagnostics
	how := restartOf(*m)
	m.RestartPending = types.BoolValue(false)
	if how == restartNone {
		return nil, diags
	}
	serverID := m.ServerID.ValueString()
	out, err := restartAfterReset(ctx, r.client, apiOrDefault(m.API), serverID, how)
	if err == nil {
		return nil, diags
	}
	m.RestartPending = types.BoolValue(true)
	diags.AddError("Server Restart Failed After Password Reset", restartFailedDetail(serverID, how, out.jobID, created, err))
	var failed *ecsapi.JobFailedError
	if out.jobID != "" && !errors.As(err, &failed) {
		return []restartJob{{JobID: out.jobID, ServerIDs: []string{serverID}}}, diags
	}
	return nil, diags
}

// restartDoneByEarlierJob follows the reboot jobs an interrupted apply left
// behind and reports whether one of them rebooted the server, which then
// needs no new restart. Jobs still not followed to their end are returned.
func (r *serverPasswordResource) restartDoneByEarlierJob(ctx context.Context, serverID string, earlier []restartJob) (bool, []restartJob) {
	if len(earlier) == 0 {
		return false, nil
	}
	rebooted, unsettled := settleRestartJobs(ctx, r.client, earlier)
	for _, id := range rebooted {
		if strings.EqualFold(id, serverID) {
			return true, unsettled
		}
	}
	return false, unsettled
}

// Read implements resource.Resource: it checks that the server still exists.
func (r *serverPasswordResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx = withLogMasking(ctx)
	var state serverPasswordResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	serverID := state.ServerID.ValueString()
	// State without an identity (written before the resource had one, or
	// by a CLI older than 1.12, which keeps none) gets it here, before any
	// return: the framework wants an identity after every Read, even one
	// that removes the resource. A stored identity is left as it is.
	resp.Diagnostics.Append(ensureIdentity(ctx, resp.Identity, r.providerData, serverID)...)
	api := apiOrDefault(state.API)
	_, err := r.client.GetServer(ctx, api, serverID)
	switch {
	case ecsapi.IsNotFound(err):
		tflog.Warn(ctx, "server no longer exists; removing the password resource from the state", map[string]any{
			"server_id": serverID,
		})
		resp.State.RemoveResource(ctx)
		return
	case err != nil:
		resp.Diagnostics.AddError("Unable to Read Server", apiErrorDetail(apiCall{
			What: "read", ServerID: serverID, API: api, IAMAction: iamActionFor(api, iamActionGetServer),
		}, err))
	}
	// Nothing else can be read back (the password least of all), so the
	// state stays as the framework passed it in.
}

// Update implements resource.Resource: it resets the password again when the
// password or its version changed, and otherwise only records the new
// settings.
func (r *serverPasswordResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx = withLogMasking(ctx)
	var plan, state, cfg serverPasswordResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	plan.ID = plan.ServerID
	plan.LastResetAt = state.LastResetAt
	plan.RestartPending = types.BoolValue(state.RestartPending.ValueBool() && restartOf(plan) != restartNone)
	reset := resetPlanned(plan, state)
	if reset {
		// On failure no new state is set, so Terraform keeps the prior
		// state and the next apply retries the reset.
		plan.LastResetAt, diags = r.reset(ctx, timeout, plan, newPassword(plan, cfg))
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	var unfinished []restartJob
	if !reset && plan.RestartPending.ValueBool() {
		// A restart left pending by an interrupted apply may have been
		// carried out by the job that apply started.
		var done bool
		done, unfinished = r.restartDoneByEarlierJob(ctx, plan.ServerID.ValueString(),
			loadRestartJobs(ctx, req.Private, &resp.Diagnostics))
		if done {
			plan.RestartPending = types.BoolValue(false)
		}
	}
	if reset || plan.RestartPending.ValueBool() {
		notSeen, diags := r.restart(ctx, &plan, false)
		resp.Diagnostics.Append(diags...)
		unfinished = append(unfinished, notSeen...)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(saveRestartJobs(ctx, resp.Private, unfinished)...)
	resp.Diagnostics.Append(ensureIdentity(ctx, resp.Identity, r.providerData, plan.ServerID.ValueString())...)
}

// Delete implements resource.Resource: it deletes the stored Windows
// password when asked to. The password itself cannot be "un-reset".
func (r *serverPasswordResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx = withLogMasking(ctx)
	var state serverPasswordResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !state.DeletePasswordOnDestroy.IsNull() && !state.DeletePasswordOnDestroy.ValueBool() {
		return
	}
	if state.RestartPending.ValueBool() {
		// The object never finished: its restart failed. Most often this
		// destroy is the first half of the replacement Terraform plans for
		// a tainted object, whose create half may read the stored password
		// again; deleting it here would break that replacement.
		resp.Diagnostics.AddWarning("Stored Windows Password Not Deleted",
			fmt.Sprintf("The stored initial Windows password of server %q, if the server has one, was not deleted, "+
				"because the restart after the last password reset never completed (`restart_pending = true`). "+
				"Delete it once the server has restarted, for example by applying the resource again and then "+
				"destroying it.", state.ServerID.ValueString()))
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	serverID := state.ServerID.ValueString()
	api := apiOrDefault(state.API)
	err := r.client.DeleteServerPassword(ctx, api, serverID)
	switch {
	case err == nil:
	case ecsapi.IsNotFound(err):
		// The server or its stored password is already gone: the goal of
		// the delete is reached.
		tflog.Debug(ctx, "stored Windows password already gone", map[string]any{"server_id": serverID})
	default:
		resp.Diagnostics.AddError("Unable to Delete Stored Windows Password", apiErrorDetail(apiCall{
			What: "delete the stored Windows password of", ServerID: serverID, API: api,
			IAMAction: iamActionFor(api, iamActionDeletePasswordV1),
		}, err))
	}
}

// ImportState implements resource.ResourceWithImportState. The import ID is
// the server ID; an import by identity (Terraform 1.12 and later) gives it as
// identity.server_id instead. The password attributes stay null, so the next
// apply with a password resets it.
func (r *serverPasswordResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := strings.TrimSpace(req.ID)
	if req.ID == "" {
		var diags diag.Diagnostics
		id, diags = importIdentityServerID(ctx, req.Identity, r.providerData)
		resp.Diagnostics.Append(diags...)
		if resp.Diagnostics.HasError() {
			return
		}
	} else if err := ecsapi.CheckServerID(id); err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("The import ID must be a server ID, such as `3b2f7c84-1d2e-4c6f-9a51-6f0c2f1e9d10`: %s.", err))
		return
	}
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, r.providerData, id)...)
	// The defaults are recorded so that a configuration that leaves these
	// attributes out plans no change for them.
	for name, value := range map[string]any{
		"id":                         types.StringValue(id),
		"server_id":                  types.StringValue(id),
		"api":                        types.StringValue(string(ecsapi.APIV1)),
		"check_password":             types.BoolValue(true),
		"verify_reset_support":       types.BoolValue(true),
		"delete_password_on_destroy": types.BoolValue(true),
		"restart":                    types.StringValue(restartNone),
		"restart_pending":            types.BoolValue(false),
	} {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), value)...)
	}
}

// reset checks the reset flag when asked to and resets the password through
// the chosen API, all within timeout. It returns the value to record as
// last_reset_at, which Create and Update must agree on.
func (r *serverPasswordResource) reset(ctx context.Context, timeout time.Duration, m serverPasswordResourceModel, password string) (types.String, diag.Diagnostics) {
	var diags diag.Diagnostics
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ctx = withSecretMasked(ctx, password)
	serverID := m.ServerID.ValueString()
	api := apiOrDefault(m.API)

	if m.VerifyResetSupport.IsNull() || m.VerifyResetSupport.ValueBool() {
		flag, err := r.client.GetResetPasswordFlag(ctx, serverID)
		if err != nil {
			diags.AddError("Unable to Check Password Reset Support", apiErrorDetail(apiCall{
				What: "read the password reset flag (os-resetpwd-flag) of", ServerID: serverID,
				IAMAction: iamActionResetFlag,
			}, err))
			return types.StringNull(), diags
		}
		if !flag.Supported {
			diags.AddError("Server Does Not Support Password Reset",
				fmt.Sprintf("Server %q reports os-resetpwd-flag %q: the password reset plug-in is not available in "+
					"the guest, so a reset would be accepted by the API and silently do nothing. No reset was "+
					"sent.\n\nAPI error code: none (the flag was read successfully)\nRequest ID: %s\n\n%s",
					serverID, flag.Raw, requestIDOrNone(flag.RequestID), pluginHint))
			return types.StringNull(), diags
		}
	}

	// The v2.1 API has no password check; the client leaves the flag out there.
	check := m.CheckPassword.IsNull() || m.CheckPassword.ValueBool()
	err := r.client.ResetServerPassword(ctx, api, serverID, password, check)
	if refusedWhileRebooting(ctx, r.client, api, serverID, err) {
		// A reboot left running by an interrupted apply ends by itself;
		// the reset is sent again once it has.
		err = r.client.ResetServerPassword(ctx, api, serverID, password, check)
	}
	if err != nil {
		detail := apiErrorDetail(apiCall{
			What: "reset the password of", ServerID: serverID, API: api,
			IAMAction: iamActionResetPassword, Secret: password,
		}, err)
		if ecsapi.IsOutcomeUnknown(err) {
			diags.AddError("Password Reset Outcome Unknown", detail+"\n\n"+outcomeUnknownNote(serverID, ecsapi.OutcomeUnknownReason(err)))
		} else {
			diags.AddError("Unable to Reset Server Password", detail)
		}
		return types.StringNull(), diags
	}
	tflog.Info(ctx, "reset the server password", map[string]any{"server_id": serverID, "api": string(api)})
	return types.StringValue(time.Now().UTC().Format(time.RFC3339)), diags
}

// newPassword picks the password to send: the state-stored one from the plan
// or the write-only one, which only the configuration holds.
func newPassword(plan, cfg serverPasswordResourceModel) string {
	if !plan.Password.IsNull() {
		return plan.Password.ValueString()
	}
	return cfg.PasswordWO.ValueString()
}
