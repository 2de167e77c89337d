package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/numbervalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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
	_ resource.Resource                     = (*serverPasswordBatchResource)(nil)
	_ resource.ResourceWithConfigure        = (*serverPasswordBatchResource)(nil)
	_ resource.ResourceWithConfigValidators = (*serverPasswordBatchResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*serverPasswordBatchResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*serverPasswordBatchResource)(nil)
	_ resource.ResourceWithImportState      = (*serverPasswordBatchResource)(nil)
)

// maxBatchResourceServers bounds server_ids: ten batch calls' worth, beyond
// which one resource would hold a state too large to review.
const maxBatchResourceServers = 10000

// NewServerPasswordBatchResource returns the ecs_server_password_batch resource.
func NewServerPasswordBatchResource() resource.Resource {
	return &serverPasswordBatchResource{}
}

// serverPasswordBatchResource gives many servers one password through the
// batch reset API.
type serverPasswordBatchResource struct {
	client *ecsapi.Client
}

type serverPasswordBatchModel struct {
	ID                      types.String   `tfsdk:"id"`
	ServerIDs               types.List     `tfsdk:"server_ids"`
	Password                types.String   `tfsdk:"password"`
	PasswordWO              types.String   `tfsdk:"password_wo"`
	PasswordWOVersion       types.Number   `tfsdk:"password_wo_version"`
	VerifyResetSupport      types.Bool     `tfsdk:"verify_reset_support"`
	Restart                 types.String   `tfsdk:"restart"`
	DeletePasswordOnDestroy types.Bool     `tfsdk:"delete_password_on_destroy"`
	ResetServerIDs          types.List     `tfsdk:"reset_server_ids"`
	RestartPendingServerIDs types.List     `tfsdk:"restart_pending_server_ids"`
	LastResetAt             types.String   `tfsdk:"last_reset_at"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

// Metadata implements resource.Resource.
func (r *serverPasswordBatchResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_password_batch"
}

// Schema implements resource.Resource.
func (r *serverPasswordBatchResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Gives a fleet of servers one new login password through the batch reset API, which " +
			"resets up to 1,000 servers per call, and optionally reboots them so that it takes effect.\n\n" +
			"Creating the resource resets every server; changing the password (or `password_wo_version`) resets " +
			"every server again. Adding servers to `server_ids` resets only the added ones; removing servers " +
			"resets nothing. `reset_server_ids` records which servers hold the current password, so after a " +
			"failed update the next apply resets only the rest. After a failed create, Terraform marks the " +
			"resource as tainted and replaces it: the same password is sent to every server again (harmless), " +
			"and the destroy half leaves stored Windows passwords alone, since the creation never finished.\n\n" +
			"Refreshing reads nothing (the API cannot read a password back); a server deleted from the cloud is " +
			"not noticed. Import is not supported.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "A random ID chosen at creation.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"server_ids": schema.ListAttribute{
				Required:    true,
				ElementType: types.StringType,
				MarkdownDescription: fmt.Sprintf("IDs of the servers to reset, 1 to %d, as a list or a set (for "+
					"example `data.ecs_servers.web.ids`). Each server once: a repeated ID, or IDs that differ only in "+
					"case, are refused. The order does not matter to what is reset; listing the same servers in "+
					"another order is an in-place update that calls nothing.", maxBatchResourceServers),
				Validators: []validator.List{
					listvalidator.SizeBetween(1, maxBatchResourceServers),
					listvalidator.NoNullValues(),
					listvalidator.ValueStringsAre(serverIDValidator{}),
					distinctServerIDsValidator{},
				},
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The new password, **stored in the state** (marked sensitive). Prefer " +
					"`password_wo`. Exactly one of `password` and `password_wo` must be set.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot("password_wo")),
				},
			},
			"password_wo": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "The new password, write-only (Terraform 1.11+, OpenTofu 1.11+): never stored " +
					"in the plan or the state. Requires `password_wo_version`; change the version to reset again.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.AlsoRequires(path.MatchRoot("password_wo_version")),
				},
			},
			"password_wo_version": schema.NumberAttribute{
				Optional: true,
				MarkdownDescription: "Version of `password_wo`, a whole number, required with it. Any change resets " +
					"every server to the current `password_wo`.",
				Validators: []validator.Number{
					wholeNumberValidator{min: math.MinInt64, max: math.MaxInt64},
					numbervalidator.AlsoRequires(path.MatchRoot("password_wo")),
				},
			},
			"verify_reset_support": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Before resetting, read every server's password reset flag (a few at a time) " +
					"and reset nothing when any server lacks the reset plug-in (default: `true`). With `false` a " +
					"rotation of 1,000 servers costs one API call.",
			},
			"restart": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(restartNone),
				MarkdownDescription: restartDescription + " One reboot job covers up to 1,000 servers.",
				Validators:          []validator.String{stringvalidator.OneOf(restartValues...)},
			},
			"delete_password_on_destroy": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "On destroy, delete the initial Windows password the cloud stores for each " +
					"server (default: `true`). ~> This removes the password for everyone, including other " +
					"configurations that read it with `ecs_server_windows_password`.",
			},
			"reset_server_ids": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "The servers that hold the current password through this resource, sorted. The " +
					"same servers as `server_ids` after a successful apply; after a failed one it names the servers that were " +
					"reset, and the next apply resets only the others.",
			},
			"restart_pending_server_ids": schema.ListAttribute{
				Computed:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Servers whose password was reset but whose restart did not complete, sorted; the next " +
					"apply restarts only these (without resetting again; a reboot job an interrupted apply left behind " +
					"is followed first, and the servers it rebooted are not rebooted again), or forgets them with " +
					"`restart = \"none\"`.",
			},
			"last_reset_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Time of the last reset by this resource, in RFC 3339 format.",
			},
			"timeouts": timeouts.Attributes(ctx, timeouts.Opts{
				Create: true, Update: true, Delete: true,
				CreateDescription: "How long creating (resetting and restarting every server) may take (default: `30m`).",
				UpdateDescription: "How long an update may take (default: `30m`).",
				DeleteDescription: "How long deleting the stored Windows passwords may take (default: `30m`).",
			}),
		},
	}
}

// defaultBatchTimeout covers a thousand servers' flag checks at the
// concurrency bound, their reboot jobs and throttling.
const defaultBatchTimeout = 30 * time.Minute

// Configure implements resource.ResourceWithConfigure.
func (r *serverPasswordBatchResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		r.client = pd.client
	}
}

// ConfigValidators implements resource.ResourceWithConfigValidators.
func (r *serverPasswordBatchResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("password"), path.MatchRoot("password_wo")),
	}
}

// ValidateConfig implements resource.ResourceWithValidateConfig: the
// password rules (the batch API never checks them) and the timeouts.
func (r *serverPasswordBatchResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg serverPasswordBatchModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateTimeouts(cfg.Timeouts.Object, &resp.Diagnostics)
	for _, a := range []struct {
		name  string
		value types.String
	}{{"password", cfg.Password}, {"password_wo", cfg.PasswordWO}} {
		if a.value.IsNull() || a.value.IsUnknown() {
			continue
		}
		if violations := passwordpolicy.Check(a.value.ValueString()); len(violations) > 0 {
			resp.Diagnostics.AddAttributeError(path.Root(a.name), "Password Breaks the ECS Password Rules",
				batchPasswordRulesDetail(a.name, violations))
		}
	}
}

// batchPasswordRulesDetail explains a password that breaks the rules.
func batchPasswordRulesDetail(name string, violations []passwordpolicy.Violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The value of `%s` breaks the ECS password rules:\n", name)
	for _, v := range violations {
		fmt.Fprintf(&b, "- %s\n", v)
	}
	b.WriteString("\nThe batch API does not check passwords, so the servers would be given a password " +
		"their guests may refuse. Choose a password that follows the rules.")
	return b.String()
}

// listStrings reads a list of IDs in its order; known is false while any
// part is unknown.
func listStrings(ctx context.Context, v types.List, diags *diag.Diagnostics) ([]string, bool) {
	if v.IsNull() || v.IsUnknown() {
		return nil, false
	}
	for _, e := range v.Elements() {
		if e.IsUnknown() {
			return nil, false
		}
	}
	var out []string
	diags.Append(v.ElementsAs(ctx, &out, false)...)
	return out, true
}

// idList builds a list attribute from IDs, sorted and each once, so that the
// recorded lists do not depend on the order in which servers answered; no
// IDs is the empty list, never null, so that "none" is a known value.
func idList(ids []string) types.List {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	elems := make([]attr.Value, len(sorted))
	for i, id := range sorted {
		elems[i] = types.StringValue(id)
	}
	return types.ListValueMust(types.StringType, elems)
}

// without returns the IDs of a that are not in b.
func without(a, b []string) []string {
	drop := map[string]bool{}
	for _, id := range b {
		drop[id] = true
	}
	var out []string
	for _, id := range a {
		if !drop[id] {
			out = append(out, id)
		}
	}
	return out
}

// within returns the IDs of a that are in b.
func within(a, b []string) []string {
	return without(a, without(a, b))
}

// batchPlan is what an apply of the batch resource will do.
type batchPlan struct {
	toReset, toRestart []string
}

// planBatch works out which servers an apply resets and restarts: all of
// them when the password changed, otherwise those that do not hold the
// current password yet; the reset ones and those whose restart is pending
// are restarted when restart asks for it.
func planBatch(ctx context.Context, plan, state *serverPasswordBatchModel, diags *diag.Diagnostics) batchPlan {
	ids, _ := listStrings(ctx, plan.ServerIDs, diags)
	if state == nil || !plan.Password.Equal(state.Password) || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion) {
		return batchPlan{toReset: ids, toRestart: restartTargets(plan, ids)}
	}
	done, _ := listStrings(ctx, state.ResetServerIDs, diags)
	pending, _ := listStrings(ctx, state.RestartPendingServerIDs, diags)
	toReset := without(ids, done)
	return batchPlan{toReset: toReset, toRestart: restartTargets(plan, append(toReset, within(pending, ids)...))}
}

func restartTargets(plan *serverPasswordBatchModel, ids []string) []string {
	if restartOfString(plan.Restart) == restartNone {
		return nil
	}
	return ids
}

// ModifyPlan implements resource.ResourceWithModifyPlan: the computed sets
// are known when nothing will be reset or restarted, so a plan shows no
// change for a converged fleet.
func (r *serverPasswordBatchResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state serverPasswordBatchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ids, known := listStrings(ctx, plan.ServerIDs, &resp.Diagnostics)
	if !known || plan.Restart.IsUnknown() {
		// Some IDs (or the restart setting) are known only at apply time;
		// so is what will be reset and restarted. The framework has marked
		// the computed attributes unknown already.
		return
	}
	bp := planBatch(ctx, &plan, &state, &resp.Diagnostics)
	done, _ := listStrings(ctx, state.ResetServerIDs, &resp.Diagnostics)
	set := func(name string, v any) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), v)...)
	}
	if len(bp.toReset) > 0 {
		set("reset_server_ids", types.ListUnknown(types.StringType))
		set("last_reset_at", types.StringUnknown())
	} else {
		set("reset_server_ids", idList(within(done, ids)))
		set("last_reset_at", state.LastResetAt)
	}
	if len(bp.toRestart) > 0 {
		set("restart_pending_server_ids", types.ListUnknown(types.StringType))
	} else {
		set("restart_pending_server_ids", idList(nil))
	}
}

// Create implements resource.Resource.
func (r *serverPasswordBatchResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, cfg serverPasswordBatchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultBatchTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(randomID())
	plan.ResetServerIDs = idList(nil)
	plan.RestartPendingServerIDs = idList(nil)
	plan.LastResetAt = types.StringNull()
	bp := planBatch(ctx, &plan, nil, &resp.Diagnostics)
	save, unfinished := r.apply(ctx, timeout, &plan, batchPassword(plan, cfg), bp, true, nil, &resp.Diagnostics)
	if save {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(saveRestartJobs(ctx, resp.Private, unfinished)...)
	}
}

// ImportState implements resource.ResourceWithImportState, only to say why
// there is nothing to import instead of the framework's generic refusal.
func (r *serverPasswordBatchResource) ImportState(_ context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resp.Diagnostics.AddError("Import Not Supported",
		fmt.Sprintf("ecs_server_password_batch cannot be imported (import ID %q): the API cannot read a password "+
			"back, so no state could say which servers hold which password. Declare the resource instead; its "+
			"first apply resets every server in `server_ids`. A server whose password is managed on its own can "+
			"be imported as an `ecs_server_password`.", req.ID))
}

// Read implements resource.Resource. Nothing can be read back; the state
// stays as it is.
func (r *serverPasswordBatchResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {
}

// Update implements resource.Resource.
func (r *serverPasswordBatchResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, cfg serverPasswordBatchModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultBatchTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	bp := planBatch(ctx, &plan, &state, &resp.Diagnostics)
	ids, _ := listStrings(ctx, plan.ServerIDs, &resp.Diagnostics)
	full := !plan.Password.Equal(state.Password) || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion)
	done, _ := listStrings(ctx, state.ResetServerIDs, &resp.Diagnostics)
	pending, _ := listStrings(ctx, state.RestartPendingServerIDs, &resp.Diagnostics)
	if full {
		done = nil
	}
	plan.ResetServerIDs = idList(within(done, ids))
	plan.RestartPendingServerIDs = idList(within(pending, ids))
	if restartOfString(plan.Restart) == restartNone {
		plan.RestartPendingServerIDs = idList(nil)
	}
	plan.LastResetAt = state.LastResetAt
	earlier := loadRestartJobs(ctx, req.Private, &resp.Diagnostics)
	save, unfinished := r.apply(ctx, timeout, &plan, batchPassword(plan, cfg), bp, false, earlier, &resp.Diagnostics)
	if save {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(saveRestartJobs(ctx, resp.Private, unfinished)...)
	}
}

// apply resets and restarts what bp names and records the outcome in m. It
// returns whether m should be saved: false only when nothing at all was
// changed on the servers and the apply failed, so the prior state (or none)
// stays.
func (r *serverPasswordBatchResource) apply(ctx context.Context, timeout time.Duration, m *serverPasswordBatchModel, password string, bp batchPlan, created bool, earlier []restartJob, diags *diag.Diagnostics) (bool, []restartJob) {
	ctx = withSecretMasked(withLogMasking(ctx), password)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	changed := false
	if len(bp.toReset) > 0 {
		if m.VerifyResetSupport.IsNull() || m.VerifyResetSupport.ValueBool() {
			if failures := checkFleetResetSupport(ctx, r.client, bp.toReset); len(failures) > 0 {
				diags.AddError("Servers Cannot Be Reset", fmt.Sprintf("No password was reset: %d of %d servers "+
					"cannot be reset, since a reset would be refused or silently do nothing:\n\n%s\n%s", len(failures),
					len(bp.toReset), serverFailuresText(failures), pluginHint))
				return false, nil
			}
		}
		out := resetFleet(ctx, r.client, bp.toReset, password)
		if len(out.reset) > 0 {
			changed = true
			done, _ := listStrings(ctx, m.ResetServerIDs, diags)
			m.ResetServerIDs = idList(append(done, out.reset...))
			m.LastResetAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
			tflog.Info(ctx, "reset the password of a fleet", map[string]any{"servers": len(out.reset)})
		}
		if len(out.unconfirmed) > 0 {
			diags.AddError("Fleet Password Reset Not Confirmed", batchUnconfirmedDetail(out, len(bp.toReset), created))
		}
		if out.err != nil {
			diags.AddError("Fleet Password Reset Failed", batchResetFailure(out, len(bp.toReset), created, password))
		}
		if out.err != nil || len(out.unconfirmed) > 0 {
			// Restart only the servers whose reset was confirmed (and those
			// whose restart was pending before).
			bp.toRestart = within(bp.toRestart, append(out.reset, without(bp.toRestart, bp.toReset)...))
			if !changed {
				return false, nil
			}
		}
	}
	var unfinished []restartJob
	if len(bp.toRestart) > 0 && len(earlier) > 0 {
		// Reboot jobs of an interrupted apply may have restarted pending
		// servers already; a server reset again now needs a new restart
		// whatever they did.
		rebooted, unsettled := settleRestartJobs(ctx, r.client, earlier)
		unfinished = unsettled
		bp.toRestart = without(bp.toRestart, without(rebooted, bp.toReset))
		// The pending list is rewritten below from what is still to restart.
		changed = changed || len(rebooted) > 0
	}
	if len(bp.toRestart) > 0 {
		changed = true
		pending, notSeen := restartFleet(ctx, r.client, ecsapi.APIV1, bp.toRestart, restartOfString(m.Restart))
		unfinished = append(unfinished, notSeen...)
		ids := make([]string, 0, len(pending))
		for id := range pending {
			ids = append(ids, id)
		}
		m.RestartPendingServerIDs = idList(ids)
		if len(pending) > 0 {
			diags.AddError("Fleet Restart Failed After Password Reset", fleetRestartFailure(pending, len(bp.toRestart), created))
		}
	} else if restartOfString(m.Restart) != restartNone {
		m.RestartPendingServerIDs = idList(nil)
	}
	return changed || !diags.HasError(), unfinished
}

// batchPassword picks the state-stored or the write-only password.
func batchPassword(plan, cfg serverPasswordBatchModel) string {
	if !plan.Password.IsNull() {
		return plan.Password.ValueString()
	}
	return cfg.PasswordWO.ValueString()
}

// batchResetFailure explains a chunk of the batch reset that failed.
func batchResetFailure(out batchResetOutcome, total int, created bool, password string) string {
	var b strings.Builder
	if ecsapi.IsOutcomeUnknown(out.err) {
		fmt.Fprintf(&b, "%d of %d servers were reset; whether the batch of %d servers whose request failed was "+
			"reset is unknown.\n\n", len(out.reset), total, len(out.failedChunk))
	} else {
		fmt.Fprintf(&b, "%d of %d servers were reset; the batch of %d servers that failed was not.\n\n",
			len(out.reset), total, len(out.failedChunk))
	}
	writeResponseFacts(&b, out.err)
	var apiErr *ecsapi.APIError
	if errors.As(out.err, &apiErr) && len(apiErr.Failures) > 0 {
		failures := map[string]error{}
		for _, f := range apiErr.Failures {
			failures[f.ServerID] = fmt.Errorf("%s", codeAndMessage(f.Code, f.Message))
		}
		b.WriteString("\nServers the API refused:\n" + serverFailuresText(failures))
	}
	if ecsapi.IsOutcomeUnknown(out.err) {
		b.WriteString("\nThe failed batch may have been applied although no answer confirmed it (" +
			ecsapi.OutcomeUnknownReason(out.err) + "); the next apply sends the same password to those servers again, " +
			"which is harmless.")
	}
	if created && len(out.reset) > 0 {
		b.WriteString("\nThe resource is recorded with the servers that were reset (`reset_server_ids`) and marked " +
			"as tainted by Terraform; the next apply replaces it, which sends the same password to every server " +
			"again (harmless) and leaves stored Windows passwords alone.")
	} else if len(out.reset) > 0 {
		b.WriteString("\nThe state records the servers that were reset (`reset_server_ids`); the next apply resets " +
			"only the others.")
	} else {
		b.WriteString("\nNothing was recorded; the next apply tries again.")
	}
	return ecsapi.Redact(b.String(), password)
}

// batchUnconfirmedDetail explains servers that an accepted batch reset did
// not list in its answer.
func batchUnconfirmedDetail(out batchResetOutcome, total int, created bool) string {
	var b strings.Builder
	ids := out.unconfirmed
	fmt.Fprintf(&b, "The API accepted the batch reset, but its answer did not list %d of the %d servers sent, so "+
		"whether their password changed is unknown:\n\n", len(ids), total)
	writeServerList(&b, len(ids), func(i int) string { return "server " + ids[i] })
	if requests := slices.DeleteFunc(slices.Clone(out.unconfirmedRequests), func(s string) bool { return s == "" }); len(requests) > 0 {
		fmt.Fprintf(&b, "\nRequest ID: %s\n", strings.Join(requests, ", "))
	}
	b.WriteString("\nThey were not restarted. ")
	switch {
	case len(out.reset) == 0:
		b.WriteString("Nothing was recorded; the next apply sends the same password again, which is harmless.")
	case created:
		b.WriteString("The servers the answer listed are recorded (`reset_server_ids`) and Terraform marks the " +
			"resource as tainted; the next apply replaces it, which sends the same password to every server " +
			"again (harmless).")
	default:
		b.WriteString("The state records only the servers the answer listed (`reset_server_ids`); the next apply " +
			"sends the same password to the others again, which is harmless.")
	}
	return b.String()
}

// fleetRestartFailure explains servers whose restart did not complete.
func fleetRestartFailure(pending map[string]error, total int, created bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The passwords were reset, but %d of %d servers did not complete the restart that makes the new "+
		"password take effect:\n\n%s\n", len(pending), total, serverFailuresText(pending))
	b.WriteString("They are recorded in `restart_pending_server_ids`. ")
	if created {
		b.WriteString("Terraform marks the resource as tainted; the next apply replaces it, sending the same " +
			"password again (harmless) and restarting the servers.")
	} else {
		b.WriteString("The next apply restarts only these servers, without resetting their passwords again; set " +
			"`restart = \"none\"` to give up on the restart.")
	}
	return b.String()
}

// Delete implements resource.Resource: it deletes the stored Windows
// passwords unless the resource never finished (a pending reset or
// restart), which is the destroy half of a replacement of a tainted object.
func (r *serverPasswordBatchResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx = withLogMasking(ctx)
	var state serverPasswordBatchModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || (!state.DeletePasswordOnDestroy.IsNull() && !state.DeletePasswordOnDestroy.ValueBool()) {
		return
	}
	ids, _ := listStrings(ctx, state.ServerIDs, &resp.Diagnostics)
	done, _ := listStrings(ctx, state.ResetServerIDs, &resp.Diagnostics)
	pending, _ := listStrings(ctx, state.RestartPendingServerIDs, &resp.Diagnostics)
	if len(without(ids, done)) > 0 || len(pending) > 0 {
		resp.Diagnostics.AddWarning("Stored Windows Passwords Not Deleted", "The stored initial Windows passwords of "+
			"the servers, where they have one, were not deleted, "+
			"because the last apply of this resource did not finish (some servers were not reset or not restarted). "+
			"Delete them once the fleet has converged, for example by applying the resource again and then destroying it.")
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultBatchTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	failures := problemMap(forEachServer(ctx, ids, func(ctx context.Context, id string) error {
		if err := r.client.DeleteServerPassword(ctx, ecsapi.APIV1, id); err != nil && !ecsapi.IsNotFound(err) {
			return err
		}
		return nil
	}))
	if len(failures) > 0 {
		resp.Diagnostics.AddError("Unable to Delete Stored Windows Passwords", fmt.Sprintf("The stored Windows "+
			"password of %d of %d servers could not be deleted:\n\n%s\nIt needs the IAM action `%s`.",
			len(failures), len(ids), serverFailuresText(failures), iamActionDeletePasswordV1))
	}
}

// randomID returns 16 random hex characters.
func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
