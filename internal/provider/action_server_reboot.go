package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

var (
	_ action.Action               = (*serverRebootAction)(nil)
	_ action.ActionWithConfigure  = (*serverRebootAction)(nil)
	_ action.ActionWithModifyPlan = (*serverRebootAction)(nil)
)

// defaultActionTimeout bounds an action's work (its API calls and the jobs
// it waits for) unless its timeout attribute says otherwise. Actions have
// no timeouts block, so the attribute is a plain duration string.
const defaultActionTimeout = 20 * time.Minute

// Values of the reboot action's type attribute.
var rebootTypes = []string{restartSoft, restartHard}

// NewServerRebootAction returns the ecs_server_reboot action.
func NewServerRebootAction() action.Action {
	return &serverRebootAction{}
}

// serverRebootAction reboots servers and waits for the reboot jobs.
type serverRebootAction struct {
	client *ecsapi.Client
}

// serverRebootActionModel maps the action schema.
type serverRebootActionModel struct {
	ServerIDs types.List   `tfsdk:"server_ids"`
	Type      types.String `tfsdk:"type"`
	Timeout   types.String `tfsdk:"timeout"`
}

// Metadata implements action.Action.
func (a *serverRebootAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_reboot"
}

// Schema implements action.Action.
func (a *serverRebootAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reboots running Elastic Cloud Servers and waits until the reboot jobs end. Needs " +
			"Terraform 1.14 or later (OpenTofu has no actions).\n\n" +
			"A password reset takes effect when the guest boots; this action is the reboot that makes it " +
			"effective, run on demand with `terraform apply -invoke=action.ecs_server_reboot.NAME` or from an " +
			"`action_trigger` in the `lifecycle` block of any resource, such as after an update of " +
			"`ecs_server_password`. It records nothing in the state.\n\n" +
			"The servers are sent in requests of at most 1000; each accepted request is a job, and the action " +
			"reports one progress message per change of a job's state (not one per poll). Every server must be " +
			"running (`ACTIVE`): the API refuses the whole request otherwise, and the error lists each server " +
			"it refused with its error code. A job that fails makes the action fail with the job ID and, for " +
			"each server that did not reboot, its error code and reason. A reboot interrupts whatever the " +
			"servers are doing. Needs the IAM action `" + iamActionReboot + "`.",
		Attributes: map[string]schema.Attribute{
			"server_ids": actionServerIDsAttribute("IDs of the servers to reboot, at least one, each listed once."),
			"type": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How to reboot: " + quotedList(rebootTypes) + " (default: `soft`). `soft` asks the " +
					"guest to restart; `hard` forces the restart like a power cycle.",
				Validators: []validator.String{stringvalidator.OneOf(rebootTypes...)},
			},
			"timeout": actionTimeoutAttribute(),
		},
	}
}

// Configure implements action.ActionWithConfigure.
func (a *serverRebootAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		a.client = pd.client
	}
}

// ModifyPlan implements action.ActionWithModifyPlan: it checks at plan time
// the values that were unknown when the configuration was validated.
func (a *serverRebootAction) ModifyPlan(ctx context.Context, req action.ModifyPlanRequest, resp *action.ModifyPlanResponse) {
	var s action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &s)
	revalidateActionConfig(ctx, s.Schema, req.Config, &resp.Diagnostics)
}

// Invoke implements action.Action.
func (a *serverRebootAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	ctx = withLogMasking(ctx)
	// Values that were unknown at plan time (from resources created in the
	// same apply) are known now and checked before anything is sent.
	var s action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &s)
	revalidateActionConfig(ctx, s.Schema, req.Config, &resp.Diagnostics)
	var m serverRebootActionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if a.client == nil {
		resp.Diagnostics.AddError("Provider Not Configured",
			"The ecs provider was not configured before the action ran. This is always a bug in the provider; please report it.")
		return
	}
	ids := actionStrings(m.ServerIDs)
	how := m.Type.ValueString()
	if how == "" {
		how = restartSoft
	}
	ctx, cancel := context.WithTimeout(ctx, actionTimeout(m.Timeout))
	defer cancel()
	resp.Diagnostics.Append(rebootServersAndWait(ctx, a.client, ids, how, actionProgress(resp), "")...)
}

// revalidateActionConfig runs the validators of every attribute of an
// action schema on the configuration. Terraform validates an action's
// configuration (ValidateActionConfig) only while values from variables,
// data sources and other resources are still unknown, and the framework's
// PlanAction runs no validators, so without this a bad value that comes
// from a reference would first be noticed when the action runs, in the
// middle of an apply. Validators skip null and unknown values, and values
// known at validation time passed then, so nothing is reported twice.
func revalidateActionConfig(ctx context.Context, s schema.Schema, cfg tfsdk.Config, diags *diag.Diagnostics) {
	for name, attr := range s.Attributes {
		p := path.Root(name)
		switch a := attr.(type) {
		case schema.ListAttribute:
			var v types.List
			if d := cfg.GetAttribute(ctx, p, &v); d.HasError() {
				diags.Append(d...)
				continue
			}
			for _, val := range a.Validators {
				r := &validator.ListResponse{}
				val.ValidateList(ctx, validator.ListRequest{Path: p, PathExpression: p.Expression(), Config: cfg, ConfigValue: v}, r)
				diags.Append(r.Diagnostics...)
			}
		case schema.StringAttribute:
			var v types.String
			if d := cfg.GetAttribute(ctx, p, &v); d.HasError() {
				diags.Append(d...)
				continue
			}
			for _, val := range a.Validators {
				r := &validator.StringResponse{}
				val.ValidateString(ctx, validator.StringRequest{Path: p, PathExpression: p.Expression(), Config: cfg, ConfigValue: v}, r)
				diags.Append(r.Diagnostics...)
			}
		case schema.BoolAttribute:
			var v types.Bool
			if d := cfg.GetAttribute(ctx, p, &v); d.HasError() {
				diags.Append(d...)
				continue
			}
			for _, val := range a.Validators {
				r := &validator.BoolResponse{}
				val.ValidateBool(ctx, validator.BoolRequest{Path: p, PathExpression: p.Expression(), Config: cfg, ConfigValue: v}, r)
				diags.Append(r.Diagnostics...)
			}
		}
	}
}

// actionServerIDsAttribute is the server_ids attribute of the actions.
func actionServerIDsAttribute(description string) schema.ListAttribute {
	return schema.ListAttribute{
		Required:            true,
		ElementType:         types.StringType,
		MarkdownDescription: description,
		Validators: []validator.List{
			listvalidator.SizeAtLeast(1),
			listvalidator.NoNullValues(),
			listvalidator.ValueStringsAre(serverIDValidator{}),
			distinctServerIDsValidator{},
		},
	}
}

// actionTimeoutAttribute is the timeout attribute of the actions.
func actionTimeoutAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("How long the action may take, API calls and jobs included, as a duration "+
			"such as `\"30m\"` (default: `%s`, at least `%s`). When it runs out the action fails; a job that "+
			"was accepted keeps running in the cloud.", durationText(defaultActionTimeout), minOperationTimeout),
		Validators: []validator.String{durationValidator{}},
	}
}

// actionTimeout returns the configured timeout, or the default. The value
// was validated at plan time.
func actionTimeout(v types.String) time.Duration {
	if v.IsNull() || v.IsUnknown() {
		return defaultActionTimeout
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil || d < minOperationTimeout {
		return defaultActionTimeout
	}
	return d
}

// actionStrings returns the elements of a list of strings known at invoke
// time (Terraform resolves every value before it invokes an action).
func actionStrings(v types.List) []string {
	out := make([]string, 0, len(v.Elements()))
	for _, e := range v.Elements() {
		if s, ok := e.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out = append(out, s.ValueString())
		}
	}
	return out
}

// actionProgress returns a function that sends one progress message to
// Terraform and logs it.
func actionProgress(resp *action.InvokeResponse) func(ctx context.Context, msg string) {
	return func(ctx context.Context, msg string) {
		tflog.Info(ctx, msg)
		if resp.SendProgress != nil {
			resp.SendProgress(action.InvokeProgressEvent{Message: msg})
		}
	}
}

// rebootServersAndWait reboots ids (how is "soft" or "hard"), waits for
// every job and reports each change of a job's state through progress.
// Failures are error diagnostics naming the job, the servers, their codes
// and reasons; preamble, when set, opens every failure's detail (the
// password reset action says there that the passwords were reset).
func rebootServersAndWait(ctx context.Context, client *ecsapi.Client, ids []string, how string, progress func(context.Context, string), preamble string) diag.Diagnostics {
	var diags diag.Diagnostics
	progress(ctx, fmt.Sprintf("Requesting a %s reboot of %s.", how, countServers(len(ids))))
	jobs, err := client.RebootServers(ctx, ids, how == restartHard)
	if err != nil {
		diags.AddError("Unable to Reboot Servers", preamble+rebootRequestFailureDetail(ids, how, jobs, err))
	}
	// Jobs accepted before a refused request are still followed to their end,
	// so that the action reports what happened to every server it sent.
	for _, job := range jobs {
		progress(ctx, fmt.Sprintf("Reboot job %s accepted for %s.", job.JobID, countServers(len(job.ServerIDs))))
	}
	rebooted := 0
	for _, job := range jobs {
		_, err := client.WaitForJob(ctx, job.JobID, ecsapi.JobWaitOptions{
			OnProgress: func(j ecsapi.Job) { progress(ctx, jobProgressText(j)) },
		})
		if err != nil {
			summary, detail := rebootJobFailure(job, how, err)
			diags.AddError(summary, preamble+detail)
			continue
		}
		rebooted += len(job.ServerIDs)
	}
	if !diags.HasError() {
		progress(ctx, fmt.Sprintf("Rebooted %s (%s).", countServers(rebooted), how))
	}
	return diags
}

// countServers renders "1 server" or "n servers".
func countServers(n int) string {
	if n == 1 {
		return "1 server"
	}
	return fmt.Sprintf("%d servers", n)
}

// jobProgressText describes a job's state for a progress message.
func jobProgressText(j ecsapi.Job) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Reboot job %s: %s", j.ID, j.Status)
	total := len(j.SubJobs)
	if total == 0 {
		total = j.SubJobsTotal
	}
	if total > 0 {
		done, failed := 0, 0
		for _, s := range j.SubJobs {
			switch s.Status {
			case ecsapi.JobSuccess:
				done++
			case ecsapi.JobFail:
				failed++
			}
		}
		fmt.Fprintf(&b, ", %d of %d servers rebooted", done, total)
		if failed > 0 {
			fmt.Fprintf(&b, ", %d failed", failed)
		}
	}
	b.WriteString(".")
	return b.String()
}

// rebootRequestFailureDetail explains a reboot request that failed: the
// service's answer, the servers it refused and why, which earlier requests
// were accepted and which were never sent.
func rebootRequestFailureDetail(ids []string, how string, accepted ecsapi.ActionJobs, err error) string {
	var b strings.Builder
	failedIDs := ids
	var notSent []string
	var actionErr *ecsapi.ActionError
	if errors.As(err, &actionErr) {
		failedIDs, notSent = actionErr.ServerIDs, actionErr.NotSent
	}
	if ecsapi.IsOutcomeUnknown(err) {
		fmt.Fprintf(&b, "The %s reboot request for %s got no answer that says whether it was accepted.\n\n",
			how, countServers(len(failedIDs)))
	} else {
		fmt.Fprintf(&b, "The %s reboot request for %s was not accepted, so those servers were not rebooted.\n\n",
			how, countServers(len(failedIDs)))
	}
	var apiErr *ecsapi.APIError
	var transportErr *ecsapi.TransportError
	switch {
	case errors.As(err, &apiErr) || errors.As(err, &transportErr):
		writeResponseFacts(&b, err)
	default:
		fmt.Fprintf(&b, "Error: %s\n", err)
	}
	if apiErr != nil && len(apiErr.Failures) > 0 {
		fmt.Fprintf(&b, "\nServers the API refused (%d):\n", len(apiErr.Failures))
		writeServerList(&b, len(apiErr.Failures), func(i int) string {
			f := apiErr.Failures[i]
			return fmt.Sprintf("server %s: %s", f.ServerID, codeAndMessage(f.Code, f.Message))
		})
	}
	if ecsapi.IsOutcomeUnknown(err) {
		b.WriteString("\nThe request may have reached the API although no answer confirmed it: the servers may be " +
			"rebooting anyway. Check them before invoking the action again.\n")
	}
	if len(accepted) > 0 {
		fmt.Fprintf(&b, "\nEarlier requests were accepted (jobs %s); the action follows those jobs to their end and "+
			"reports separately any of them that fails.\n", strings.Join(accepted.IDs(), ", "))
	}
	if len(notSent) > 0 {
		fmt.Fprintf(&b, "\n%s listed after them were not sent.\n", countServers(len(notSent)))
	}
	hint := ""
	switch {
	case apiErr != nil && apiErr.Code == "Ecs.0100":
		hint = "Only running (ACTIVE) servers can be rebooted, and not while another job holds them. Start " +
			"stopped servers first, or leave them out of `server_ids`."
	case apiErr != nil || transportErr != nil:
		hint = errorHint(apiCall{What: "reboot", IAMAction: iamActionReboot, InAction: true}, err)
	default:
		hint = transportHint(err, "")
	}
	if hint != "" {
		b.WriteString("\n" + hint + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// rebootJobFailure explains a reboot job that failed or could not be
// followed to its end.
func rebootJobFailure(job ecsapi.ActionJob, how string, err error) (summary, detail string) {
	var b strings.Builder
	var failed *ecsapi.JobFailedError
	var waitErr *ecsapi.JobWaitError
	switch {
	case errors.As(err, &failed):
		summary = "Server Reboot Failed"
		fmt.Fprintf(&b, "Reboot job %s (%s, %s) failed.\n\n", job.JobID, how, countServers(len(job.ServerIDs)))
		if len(failed.Failed) == 0 {
			code, reason := "", ""
			if failed.Job != nil {
				code, reason = failed.Job.ErrorCode, failed.Job.FailReason
			}
			fmt.Fprintf(&b, "Servers: %s\nError: %s\n", strings.Join(job.ServerIDs, ", "), codeAndMessage(code, reason))
		} else {
			fmt.Fprintf(&b, "Servers that did not reboot (%d of %d):\n", len(failed.Failed), len(job.ServerIDs))
			writeServerList(&b, len(failed.Failed), func(i int) string {
				s := failed.Failed[i]
				name := s.ServerID
				if name == "" {
					name = "(sub-job " + s.ID + ")"
				}
				return fmt.Sprintf("server %s: %s", name, codeAndMessage(s.ErrorCode, s.FailReason))
			})
			if ok := len(job.ServerIDs) - len(failed.Failed); ok > 0 {
				fmt.Fprintf(&b, "\nThe other %s of the job rebooted.\n", countServers(ok))
			}
		}
		b.WriteString("\nA server that did not reboot is still running as before; a password reset waiting for " +
			"it has not taken effect. Invoke the action again once the cause is fixed.")
	case errors.As(err, &waitErr):
		summary = "Server Reboot Did Not Finish"
		fmt.Fprintf(&b, "Reboot job %s for %s did not finish in time: %s.\n\nThe job keeps running in the cloud; "+
			"the servers may still reboot.", job.JobID, countServers(len(job.ServerIDs)), waitErr)
		if hint := transportHint(err, ""); hint != "" {
			b.WriteString("\n\n" + hint)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			b.WriteString(" For an action, raise its `timeout` argument.")
		}
	default:
		summary = "Unable to Follow the Reboot Job"
		fmt.Fprintf(&b, "Reboot job %s for %s was accepted, but reading its status failed, so whether the "+
			"servers rebooted is unknown.\n\n", job.JobID, countServers(len(job.ServerIDs)))
		writeResponseFacts(&b, err)
		if hint := errorHint(apiCall{What: "read the job of", IAMAction: iamActionReboot, InAction: true}, err); hint != "" {
			b.WriteString("\n" + hint)
		}
	}
	return summary, strings.TrimRight(b.String(), "\n")
}

// maxServersListed bounds the per-server lines of a diagnostic, so that a
// batch of a thousand failures stays readable.
const maxServersListed = 20

// writeServerList writes up to maxServersListed lines of line(i), then how
// many were left out.
func writeServerList(b *strings.Builder, n int, line func(i int) string) {
	for i := 0; i < n; i++ {
		if i == maxServersListed {
			fmt.Fprintf(b, "- and %d more\n", n-maxServersListed)
			return
		}
		fmt.Fprintf(b, "- %s\n", line(i))
	}
}

// durationValidator accepts a Go duration of at least minOperationTimeout,
// like the values of a timeouts block.
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration of at least %s, such as \"30s\", \"10m\" or \"1h\"", minOperationTimeout)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timeout",
			fmt.Sprintf("The value of `%s` is %q, which is not a duration. Use a number with a unit, such as "+
				"\"30s\", \"10m\" or \"1h\".", req.Path, req.ConfigValue.ValueString()))
	case d < minOperationTimeout:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timeout",
			fmt.Sprintf("The value of `%s` is %q; it %s.", req.Path, req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}
