package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// A reset password takes effect only when the guest boots. The restart
// attribute asks the provider to reboot a running server after a successful
// reset; these helpers are shared by everything that resets passwords.

// Values of the restart attribute.
const (
	restartNone = "none"
	restartSoft = "soft"
	restartHard = "hard"
)

// restartValues lists the accepted values in the order the docs present
// them.
var restartValues = []string{restartNone, restartSoft, restartHard}

// restartDescription documents the restart attribute.
var restartDescription = "What to do after a successful reset so that the new password takes effect: " +
	quotedList(restartValues) + " (default: `none`). `soft` reboots a running (`ACTIVE`) server normally, `hard` " +
	"forces the reboot, and the provider waits for the reboot job within the create or update timeout. A stopped " +
	"(`SHUTOFF`) server is left stopped: the new password applies when it next starts. A reboot interrupts " +
	"whatever the server is doing. Changing only `restart` resets nothing and restarts nothing, except that it " +
	"finishes or abandons a restart that failed before (see `restart_pending`). Needs the IAM action `" +
	iamActionReboot + "`."

// restartOfString returns a restart attribute's value, "none" when unset.
func restartOfString(v types.String) string {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return restartNone
	}
	return v.ValueString()
}

// restartOutcome is what a restart after a reset did.
type restartOutcome struct {
	// jobID is the reboot job, when one was started.
	jobID string
}

// restartAfterReset reboots a running server with the chosen type and waits
// for the job, or leaves a stopped server alone. api is the family used to
// read the server's status.
func restartAfterReset(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID, how string) (restartOutcome, error) {
	server, err := waitWhileRebooting(ctx, client, api, serverID)
	if err != nil {
		return restartOutcome{}, err
	}
	if strings.EqualFold(server.Status, "SHUTOFF") {
		tflog.Info(ctx, "server is stopped; the new password applies when it next starts", map[string]any{"server_id": serverID})
		return restartOutcome{}, nil
	}
	jobs, err := client.RebootServers(ctx, []string{serverID}, how == restartHard)
	if err != nil {
		return restartOutcome{}, err
	}
	out := restartOutcome{}
	for _, job := range jobs {
		out.jobID = job.JobID
		tflog.Info(ctx, "rebooting the server so that the new password takes effect", map[string]any{
			"server_id": serverID, "job_id": job.JobID, "type": how,
		})
		if _, err := client.WaitForJob(ctx, job.JobID, ecsapi.JobWaitOptions{}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// rebootPollInterval is the pause between reads of a server that is still
// rebooting.
const rebootPollInterval = 2 * time.Second

// waitWhileRebooting reads a server until it is no longer rebooting and
// returns it. A reboot started by an earlier, interrupted apply keeps
// running after the provider stopped waiting for it; while it runs, the API
// refuses another reset or reboot of the server.
func waitWhileRebooting(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID string) (*ecsapi.Server, error) {
	for {
		server, err := client.GetServer(ctx, api, serverID)
		if err != nil || !isRebooting(server.Status) {
			return server, err
		}
		tflog.Info(ctx, "the server is rebooting; waiting for the reboot to end", map[string]any{"server_id": serverID})
		timer := time.NewTimer(rebootPollInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("server %q was still rebooting when the wait ended: %w", serverID, ctx.Err())
		case <-timer.C:
		}
	}
}

// refusedWhileRebooting reports whether err is the API's refusal of a
// server in the wrong state (Ecs.0100) because the server is rebooting, and
// if so waits until the reboot has ended.
func refusedWhileRebooting(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID string, err error) bool {
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "Ecs.0100" {
		return false
	}
	server, gerr := client.GetServer(ctx, api, serverID)
	if gerr != nil || !isRebooting(server.Status) {
		return false
	}
	_, werr := waitWhileRebooting(ctx, client, api, serverID)
	return werr == nil
}

func isRebooting(status string) bool {
	return strings.EqualFold(status, "REBOOT") || strings.EqualFold(status, "HARD_REBOOT")
}

// restartFailedDetail explains a restart that failed after the password was
// reset: what happened, what the state now records, and what the next apply
// will do. created tells a failed create (Terraform taints the object) from
// a failed update.
func restartFailedDetail(serverID, how, jobID string, created bool, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The password of server %q was reset, but the %s restart that makes it take effect did not "+
		"complete, so the server may still accept only its old password until it boots.\n\n", serverID, how)
	if jobID != "" {
		fmt.Fprintf(&b, "Reboot job: %s\n", jobID)
	}
	var apiErr *ecsapi.APIError
	var transportErr *ecsapi.TransportError
	switch {
	case ecsapi.IsOutcomeUnknown(err):
		// The reboot request went out and its answer was lost: the
		// endpoint was reached, and the server may be rebooting.
		writeResponseFacts(&b, err)
		b.WriteString("\nThe reboot request may have reached the API although no answer confirmed it (" +
			ecsapi.OutcomeUnknownReason(err) + "): the server may be rebooting now. The next apply restarts it " +
			"again, which is a second reboot if this one happened.\n")
	case errors.As(err, &apiErr) || errors.As(err, &transportErr):
		writeResponseFacts(&b, err)
		// The restart reads the server's status before it reboots it; a
		// refusal of that read needs another permission than the reboot.
		call := apiCall{What: "restart", ServerID: serverID, IAMAction: iamActionReboot}
		if apiErr != nil && apiErr.Method == http.MethodGet {
			call = apiCall{What: "read the status of", ServerID: serverID, IAMAction: iamActionGetServer}
		}
		hint := errorHint(call, err)
		if apiErr != nil && apiErr.Code == "Ecs.0100" {
			hint = "The server is in a state that does not allow a reboot: it must be running (ACTIVE) and not " +
				"busy with another operation."
		}
		if hint != "" {
			b.WriteString("\n" + hint + "\n")
		}
	default:
		// A failed job names its servers, codes and reasons itself; a wait
		// that ran out says how far the job got.
		fmt.Fprintf(&b, "Error: %s\n", err)
		if hint := transportHint(err, ""); hint != "" {
			b.WriteString("\n" + hint + "\n")
		}
	}
	b.WriteString("\nThe state records the reset and marks the restart as pending (`restart_pending = true`). ")
	if created {
		b.WriteString("Because the creation returned an error, Terraform marks the resource as tainted and the next " +
			"apply replaces it: the destroy half leaves the stored Windows password alone (the creation never " +
			"finished), and the create half sends the same password again, which is harmless, and then restarts " +
			"the server.")
	} else {
		b.WriteString("The next apply does not reset the password again: it plans an in-place update that only " +
			"restarts the server. To give up on the restart instead, set `restart = \"none\"` and restart the " +
			"server yourself.")
	}
	return strings.TrimRight(b.String(), "\n")
}

// restartJob is a reboot job whose end an apply did not see (it was
// interrupted or timed out while waiting). The resources keep these in
// their private state, so that the next apply looks at the job instead of
// rebooting its servers a second time.
type restartJob struct {
	JobID     string   `json:"job_id"`
	ServerIDs []string `json:"server_ids"`
}

// settleRestartJobs follows jobs an earlier apply left unfinished to their
// end and returns the servers they rebooted. A job that failed leaves its
// failed servers out; a job that cannot be followed any more (expired, or
// the API fails) leaves all of its servers out, to be restarted again. Jobs
// not followed to their end because ctx ended are returned as unsettled,
// to be looked at by the next apply.
func settleRestartJobs(ctx context.Context, client *ecsapi.Client, jobs []restartJob) (rebooted []string, unsettled []restartJob) {
	for _, j := range jobs {
		_, err := client.WaitForJob(ctx, j.JobID, ecsapi.JobWaitOptions{})
		switch subs, named := failedSubJobs(j.ServerIDs, err); {
		case err != nil && ctx.Err() != nil:
			unsettled = append(unsettled, j)
		case err == nil:
			rebooted = append(rebooted, j.ServerIDs...)
		case named:
			for _, id := range j.ServerIDs {
				if _, bad := subs[id]; !bad {
					rebooted = append(rebooted, id)
				}
			}
		}
	}
	return rebooted, unsettled
}

// restartJobsKey is the private-state key of the reboot jobs whose end an
// apply did not see.
const restartJobsKey = "restart_jobs"

// loadRestartJobs reads the reboot jobs an earlier apply left unfinished. A
// value that cannot be read only costs a second reboot, so it is logged and
// ignored rather than failing the apply.
func loadRestartJobs(ctx context.Context, private privateState, diags *diag.Diagnostics) []restartJob {
	raw, d := private.GetKey(ctx, restartJobsKey)
	diags.Append(d...)
	if len(raw) == 0 {
		return nil
	}
	var jobs []restartJob
	if err := json.Unmarshal(raw, &jobs); err != nil {
		tflog.Warn(ctx, "ignoring unreadable reboot jobs in the private state", map[string]any{"error": err.Error()})
		return nil
	}
	return jobs
}

// saveRestartJobs records the reboot jobs whose end this apply did not see;
// none removes the record.
func saveRestartJobs(ctx context.Context, private privateState, jobs []restartJob) diag.Diagnostics {
	if len(jobs) == 0 {
		if raw, _ := private.GetKey(ctx, restartJobsKey); len(raw) == 0 {
			return nil // nothing to remove
		}
		return private.SetKey(ctx, restartJobsKey, nil)
	}
	raw, err := json.Marshal(jobs)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Unable to Record Reboot Jobs", err.Error())
		return diags
	}
	return private.SetKey(ctx, restartJobsKey, raw)
}

// privateState is the resource's private state, as requests and responses
// carry it.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}
