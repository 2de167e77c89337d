package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/passwordpolicy"
)

var (
	_ action.Action                   = (*serverPasswordResetAction)(nil)
	_ action.ActionWithConfigure      = (*serverPasswordResetAction)(nil)
	_ action.ActionWithValidateConfig = (*serverPasswordResetAction)(nil)
	_ action.ActionWithModifyPlan     = (*serverPasswordResetAction)(nil)
)

// NewServerPasswordResetAction returns the ecs_server_password_reset action.
func NewServerPasswordResetAction() action.Action {
	return &serverPasswordResetAction{}
}

// serverPasswordResetAction resets the password of servers through the
// batch API, leaving nothing in the state: a break-glass reset.
type serverPasswordResetAction struct {
	client *ecsapi.Client
}

// serverPasswordResetActionModel maps the action schema.
type serverPasswordResetActionModel struct {
	ServerIDs          types.List   `tfsdk:"server_ids"`
	PasswordWO         types.String `tfsdk:"password_wo"`
	Restart            types.String `tfsdk:"restart"`
	VerifyResetSupport types.Bool   `tfsdk:"verify_reset_support"`
	Timeout            types.String `tfsdk:"timeout"`
}

// Metadata implements action.Action.
func (a *serverPasswordResetAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_password_reset"
}

// Schema implements action.Action.
func (a *serverPasswordResetAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Resets the login password (`root` on Linux, `Administrator` on Windows) of one or more " +
			"Elastic Cloud Servers through the batch reset API, and optionally reboots them so that it takes " +
			"effect. Needs Terraform 1.14 or later (OpenTofu has no actions).\n\n" +
			"This is the break-glass reset: run it with `terraform apply -invoke=action.ecs_server_password_reset.NAME` " +
			"when a password must change now, for servers that no `ecs_server_password` manages. It records " +
			"nothing in the state and the password is write-only, so it reaches neither the plan nor the state; " +
			"give it from an ephemeral source (an ephemeral variable or resource). Servers that an " +
			"`ecs_server_password` resource manages get their configured password back only when that resource " +
			"next resets it.\n\n" +
			"The password is checked against the ECS password rules at plan time whenever it is known (the batch " +
			"API does not check it). With `verify_reset_support` (the default) every server's reset flag is read " +
			"first, and nothing is reset unless all of them have the password reset plug-in. The servers are " +
			"reset in requests of at most 1000; the API resets all servers of a request or none, and a refusal " +
			"lists each server with its error code. A later request is not sent when an earlier one fails.\n\n" +
			"-> **The new password takes effect only after the server is started or restarted.** Set `restart` " +
			"to reboot the running servers afterwards and wait for the reboot jobs, as the `ecs_server_reboot` " +
			"action does; stopped servers are left stopped and get the password when they next start.\n\n" +
			"Needs the IAM actions `" + iamActionResetPassword + "`, `" + iamActionResetFlag + "` (with " +
			"`verify_reset_support`) and, with `restart`, `" + iamActionGetServer + "` and `" + iamActionReboot + "`.",
		Attributes: map[string]schema.Attribute{
			"server_ids": actionServerIDsAttribute("IDs of the servers whose password is reset, at least one, each " +
				"listed once."),
			"password_wo": schema.StringAttribute{
				Required:  true,
				WriteOnly: true,
				MarkdownDescription: "The new password, write-only: it is sent to the API and never stored in the " +
					"state. Terraform keeps an action's configuration in a saved plan file (`terraform plan -out`), " +
					"so give the password from an ephemeral variable or ephemeral resource to keep it out of plan " +
					"files too. Checked against the ECS password rules at plan time when known, and again when the " +
					"action runs:\n\n" +
					passwordpolicy.RulesMarkdown(),
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"restart": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "What to do after a successful reset so that the new password takes effect: " +
					quotedList(restartValues) + " (default: `none`). `soft` reboots the running (`ACTIVE`) servers " +
					"normally, `hard` forces the reboot, and the action waits for the reboot jobs. Stopped " +
					"(`SHUTOFF`) servers are left stopped. A reboot interrupts whatever the servers are doing.",
				Validators: []validator.String{stringvalidator.OneOf(restartValues...)},
			},
			"verify_reset_support": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Read each server's password reset flag (`os-resetpwd-flag`) first and reset " +
					"nothing when any server lacks the password reset plug-in, without which its reset would " +
					"silently do nothing (default: `true`).",
			},
			"timeout": actionTimeoutAttribute(),
		},
	}
}

// Configure implements action.ActionWithConfigure.
func (a *serverPasswordResetAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		a.client = pd.client
	}
}

// ValidateConfig implements action.ActionWithValidateConfig: a known
// password must follow the ECS password rules, since the batch API does
// not check them.
func (a *serverPasswordResetAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	checkResetActionPassword(ctx, req.Config, &resp.Diagnostics)
}

// ModifyPlan implements action.ActionWithModifyPlan: it checks at plan time
// the values that were unknown when the configuration was validated, such
// as a password from a variable or an ephemeral resource.
func (a *serverPasswordResetAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	var s action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &s)
	revalidateActionConfig(ctx, s.Schema, req.Config, &resp.Diagnostics)
	checkResetActionPassword(ctx, req.Config, &resp.Diagnostics)
}

// checkResetActionPassword checks a known password_wo against the ECS
// password rules.
func checkResetActionPassword(ctx context.Context, cfg tfsdk.Config, diags *diag.Diagnostics) {
	var pw types.String
	diags.Append(cfg.GetAttribute(ctx, path.Root("password_wo"), &pw)...)
	if diags.HasError() || pw.IsNull() || pw.IsUnknown() || pw.ValueString() == "" {
		return
	}
	violations := passwordpolicy.Check(pw.ValueString())
	if len(violations) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("The value of `password_wo` breaks the ECS password rules:\n")
	for _, v := range violations {
		fmt.Fprintf(&b, "- %s\n", v)
	}
	b.WriteString("\nThe batch reset API does not check passwords, so the provider does: choose a password that " +
		"follows the rules.")
	diags.AddAttributeError(path.Root("password_wo"), "Password Breaks the ECS Password Rules", b.String())
}

// Invoke implements action.Action.
func (a *serverPasswordResetAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	ctx = withLogMasking(ctx)
	// Values that were unknown at plan time (such as a password or server
	// IDs from resources created in the same apply) are known now and
	// checked before anything is sent.
	var s action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &s)
	revalidateActionConfig(ctx, s.Schema, req.Config, &resp.Diagnostics)
	checkResetActionPassword(ctx, req.Config, &resp.Diagnostics)
	var m serverPasswordResetActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if a.client == nil {
		resp.Diagnostics.AddError("Provider Not Configured",
			"The ecs provider was not configured before the action ran. This is always a bug in the provider; please report it.")
		return
	}
	password := m.PasswordWO.ValueString()
	ctx = withSecretMasked(ctx, password)
	ids := actionStrings(m.ServerIDs)
	how := m.Restart.ValueString()
	if how == "" {
		how = restartNone
	}
	ctx, cancel := context.WithTimeout(ctx, actionTimeout(m.Timeout))
	defer cancel()
	progress := actionProgress(resp)

	if m.VerifyResetSupport.IsNull() || m.VerifyResetSupport.ValueBool() {
		progress(ctx, pluginCheckMessage(len(ids)))
		if detail := a.unsupportedServers(ctx, ids); detail != "" {
			resp.Diagnostics.AddError("Password Reset Not Sent", detail)
			return
		}
	}

	if !a.resetInBatches(ctx, ids, password, progress, &resp.Diagnostics) {
		return
	}
	progress(ctx, fmt.Sprintf("Reset the password of %s.", countServers(len(ids))))
	if how == restartNone {
		return
	}
	resp.Diagnostics.Append(a.restart(ctx, ids, how, progress)...)
}

// pluginCheckMessage announces the check of the reset flags.
func pluginCheckMessage(n int) string {
	if n == 1 {
		return "Checking that the server has the password reset plug-in."
	}
	return fmt.Sprintf("Checking that all %d servers have the password reset plug-in.", n)
}

// unsupportedServers reads every server's reset flag and explains which
// servers cannot be reset, or returns "" when all of them can.
func (a *serverPasswordResetAction) unsupportedServers(ctx context.Context, ids []string) string {
	problems := forEachServer(ctx, ids, func(ctx context.Context, id string) error {
		flag, err := a.client.GetResetPasswordFlag(ctx, id)
		switch {
		case err != nil:
			return err
		case !flag.Supported:
			return fmt.Errorf("os-resetpwd-flag is %q: the password reset plug-in is not available in the guest, "+
				"so a reset would be accepted and silently do nothing (request ID %s)", flag.Raw,
				requestIDOrNone(flag.RequestID))
		}
		return nil
	})
	if len(problems) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "No password was reset: %d of %s cannot be reset, or their password reset flag could not "+
		"be read.\n\n", len(problems), countServers(len(ids)))
	writeServerList(&b, len(problems), func(i int) string {
		return fmt.Sprintf("server %s: %s", problems[i].id, serverErrorText(problems[i].err))
	})
	var firstAPI error
	for _, p := range problems {
		var apiErr *ecsapi.APIError
		var transportErr *ecsapi.TransportError
		if errors.As(p.err, &apiErr) || errors.As(p.err, &transportErr) {
			firstAPI = p.err
			break
		}
	}
	if firstAPI != nil {
		if hint := errorHint(apiCall{What: "read the password reset flag of", IAMAction: iamActionResetFlag, InAction: true}, firstAPI); hint != "" {
			b.WriteString("\n" + hint + "\n")
		}
	}
	b.WriteString("\n" + pluginHint)
	return strings.TrimRight(b.String(), "\n")
}

// resetInBatches resets the password of ids in requests of at most
// ecsapi.MaxBatchServers and reports whether all of them were reset.
func (a *serverPasswordResetAction) resetInBatches(ctx context.Context, ids []string, password string, progress func(context.Context, string), diags *diag.Diagnostics) bool {
	chunks := batchChunks(ids)
	done := 0
	for i, chunk := range chunks {
		if len(chunks) > 1 {
			progress(ctx, fmt.Sprintf("Resetting the password of %s (request %d of %d).", countServers(len(chunk)), i+1, len(chunks)))
		} else {
			progress(ctx, fmt.Sprintf("Resetting the password of %s.", countServers(len(chunk))))
		}
		result, err := a.client.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{NewPassword: password, ServerIDs: chunk})
		if err != nil {
			diags.AddError(batchResetSummary(err), ecsapi.Redact(batchResetFailureDetail(chunk, done, len(ids)-done-len(chunk), err), password))
			return false
		}
		if missing := unconfirmed(chunk, result.ServerIDs); result.Listed && len(missing) > 0 {
			diags.AddWarning("Password Reset Not Confirmed for Every Server",
				fmt.Sprintf("The batch reset was accepted, but its answer does not list %s of the request: %s. "+
					"Their password may not have been reset; check them.", countServers(len(missing)),
					strings.Join(missing, ", ")))
		}
		done += len(chunk)
	}
	return true
}

// batchResetSummary is the summary of a failed batch reset.
func batchResetSummary(err error) string {
	if ecsapi.IsOutcomeUnknown(err) {
		return "Password Reset Outcome Unknown"
	}
	return "Unable to Reset Server Passwords"
}

// batchResetFailureDetail explains a batch reset request that failed:
// the answer, each server the API refused, and what earlier and later
// requests did.
func batchResetFailureDetail(chunk []string, doneBefore, notSent int, err error) string {
	var b strings.Builder
	if ecsapi.IsOutcomeUnknown(err) {
		fmt.Fprintf(&b, "The batch reset request for %s may have reached the API and taken effect although no "+
			"answer confirmed it (%s). The API does not undo a reset: each server may already have the new "+
			"password (from its next boot) or still the old one. Invoking the action again with the same "+
			"password is harmless.\n\n", countServers(len(chunk)), ecsapi.OutcomeUnknownReason(err))
	} else {
		fmt.Fprintf(&b, "The batch reset request for %s was refused, so none of them was reset (the API resets "+
			"all servers of a request or none).\n\n", countServers(len(chunk)))
	}
	writeResponseFacts(&b, err)
	var apiErr *ecsapi.APIError
	if errors.As(err, &apiErr) && len(apiErr.Failures) > 0 {
		fmt.Fprintf(&b, "\nServers the API refused (%d):\n", len(apiErr.Failures))
		writeServerList(&b, len(apiErr.Failures), func(i int) string {
			f := apiErr.Failures[i]
			return fmt.Sprintf("server %s: %s", f.ServerID, codeAndMessage(f.Code, f.Message))
		})
		if hint := codeHint(apiErr.Failures[0].Code); hint != "" {
			b.WriteString("\n" + hint + "\n")
		}
	} else if hint := errorHint(apiCall{What: "reset the password of", IAMAction: iamActionResetPassword, InAction: true}, err); hint != "" {
		b.WriteString("\n" + hint + "\n")
	}
	if doneBefore > 0 {
		fmt.Fprintf(&b, "\nEarlier requests reset the password of %s; their new password applies when each "+
			"boots.\n", countServers(doneBefore))
	}
	if notSent > 0 {
		fmt.Fprintf(&b, "\nThe requests for the remaining %s were not sent.\n", countServers(notSent))
	}
	return strings.TrimRight(b.String(), "\n")
}

// restart reboots the running servers of ids after their reset and waits
// for the jobs; stopped servers are left alone.
func (a *serverPasswordResetAction) restart(ctx context.Context, ids []string, how string, progress func(context.Context, string)) diag.Diagnostics {
	var diags diag.Diagnostics
	preamble := fmt.Sprintf("The password of %s was reset, but the %s restart that makes it take effect did not "+
		"complete, so servers that did not reboot still accept only their old password until they boot.\n\n",
		countServers(len(ids)), how)
	var mu sync.Mutex
	stopped := map[string]bool{}
	problems := forEachServer(ctx, ids, func(ctx context.Context, id string) error {
		server, err := a.client.GetServer(ctx, ecsapi.APIV1, id)
		if err != nil {
			return err
		}
		if strings.EqualFold(server.Status, "SHUTOFF") {
			mu.Lock()
			stopped[id] = true
			mu.Unlock()
		}
		return nil
	})
	if len(problems) > 0 {
		var b strings.Builder
		b.WriteString(preamble)
		fmt.Fprintf(&b, "Reading the status of %d of the servers failed, so none was rebooted:\n", len(problems))
		writeServerList(&b, len(problems), func(i int) string {
			return fmt.Sprintf("server %s: %s", problems[i].id, serverErrorText(problems[i].err))
		})
		if hint := errorHint(apiCall{What: "read", API: ecsapi.APIV1, IAMAction: iamActionGetServer, InAction: true}, problems[0].err); hint != "" {
			b.WriteString("\n" + hint)
		}
		diags.AddError("Server Restart Failed After Password Reset", strings.TrimRight(b.String(), "\n"))
		return diags
	}
	running := make([]string, 0, len(ids))
	for _, id := range ids {
		if !stopped[id] {
			running = append(running, id)
		}
	}
	if n := len(stopped); n > 0 {
		progress(ctx, fmt.Sprintf("Leaving %s stopped (SHUTOFF); the new password applies when they next start.", countServers(n)))
	}
	if len(running) == 0 {
		return diags
	}
	return rebootServersAndWait(ctx, a.client, running, how, progress, preamble)
}

// The protocol server: a workaround for terraform-plugin-framework v1.19.0.
//
// The framework accepts WriteOnly in action schemas (it is how password_wo
// can take an ephemeral value, and why Terraform keeps it out of the plan),
// but its ValidateActionConfig validates the configuration as if the client
// could not handle write-only attributes, so a configured password_wo fails
// with "WriteOnly Attribute Not Allowed" ("only supported in Terraform 1.11
// and later") on the very CLIs that run actions (Terraform 1.14 and later).
// writeOnlyActionsServer drops exactly that diagnostic from action
// validation. TestFrameworkRejectsWriteOnlyActionAttributes fails once a
// framework release fixes the bug, so that the workaround is then removed.

// frameworkWriteOnlySummary is the summary of the framework's refusal.
const frameworkWriteOnlySummary = "WriteOnly Attribute Not Allowed"

// fullProviderServer is every RPC set the framework's server implements.
// tf6server finds the optional ones (list resources, actions, state stores)
// by type assertion, so the wrapper must implement them all.
type fullProviderServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

// writeOnlyActionsServer serves p through the framework and corrects
// action validation.
type writeOnlyActionsServer struct {
	fullProviderServer
}

// ValidateActionConfig implements tfprotov6.ActionServer.
func (s writeOnlyActionsServer) ValidateActionConfig(ctx context.Context, req *tfprotov6.ValidateActionConfigRequest) (*tfprotov6.ValidateActionConfigResponse, error) {
	resp, err := s.fullProviderServer.ValidateActionConfig(ctx, req)
	if err != nil || resp == nil {
		return resp, err
	}
	kept := resp.Diagnostics[:0]
	for _, d := range resp.Diagnostics {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError && d.Summary == frameworkWriteOnlySummary {
			continue
		}
		kept = append(kept, d)
	}
	resp.Diagnostics = kept
	return resp, nil
}

// protocol6Server returns the protocol server of p: the framework's, with
// action validation corrected.
func protocol6Server(p provider.Provider) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		server, err := providerserver.NewProtocol6WithError(p)()
		if err != nil {
			return nil, err
		}
		if full, ok := server.(fullProviderServer); ok {
			return writeOnlyActionsServer{full}, nil
		}
		return server, nil
	}
}

// NewProtocol6Server returns the constructor of the provider's protocol
// server for tf6server.Serve: use it instead of providerserver.Serve, which
// would serve the framework's server without the correction above.
func NewProtocol6Server(version string) func() tfprotov6.ProviderServer {
	return func() tfprotov6.ProviderServer {
		// protocol6Server's constructor never fails: the framework's
		// returns no error.
		server, _ := protocol6Server(New(version)())()
		return server
	}
}
