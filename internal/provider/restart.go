package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// restartOutcome is what a restart after a reset did.
type restartOutcome struct {
	// skipped explains why no reboot was made (the server is stopped).
	skipped string
	// jobID is the reboot job, when one was started.
	jobID string
}

// restartAfterReset reboots a running server with the chosen type and waits
// for the job, or leaves a stopped server alone. api is the family used to
// read the server's status.
func restartAfterReset(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID, how string) (restartOutcome, error) {
	server, err := client.GetServer(ctx, api, serverID)
	if err != nil {
		return restartOutcome{}, err
	}
	if strings.EqualFold(server.Status, "SHUTOFF") {
		tflog.Info(ctx, "server is stopped; the new password applies when it next starts", map[string]any{"server_id": serverID})
		return restartOutcome{skipped: "the server is stopped (SHUTOFF); the new password applies when it next starts"}, nil
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
	if errors.As(err, &apiErr) || errors.As(err, &transportErr) {
		writeResponseFacts(&b, err)
		if hint := errorHint(apiCall{What: "restart", ServerID: serverID, IAMAction: iamActionReboot}, err); hint != "" {
			b.WriteString("\n" + hint + "\n")
		}
	} else {
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
