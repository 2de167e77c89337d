package provider

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// The helpers below act on many servers at once for ecs_server_password_batch:
// bounded concurrency for per-server calls, the batch reset in chunks, and
// the reboot of a fleet.

// fleetConcurrency bounds the per-server calls a fleet operation runs at once
// (reset-flag checks, status reads, deletes): enough to hide latency, few
// enough not to trip the API's flow control on its own.
const fleetConcurrency = 10

// forEachServer runs fn for every ID with at most fleetConcurrency calls at
// once and returns the failures by server ID.
func forEachServer(ctx context.Context, ids []string, fn func(ctx context.Context, id string) error) map[string]error {
	var mu sync.Mutex
	failures := map[string]error{}
	sem := make(chan struct{}, fleetConcurrency)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, id); err != nil {
				mu.Lock()
				failures[id] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return failures
}

// errUnsupported marks a server whose reset flag says the plug-in is missing.
var errUnsupported = errors.New("the password reset plug-in is not available in the guest (os-resetpwd-flag is False)")

// checkFleetResetSupport reads the reset flag of every server and returns
// the servers that cannot be reset, with why.
func checkFleetResetSupport(ctx context.Context, client *ecsapi.Client, ids []string) map[string]error {
	return forEachServer(ctx, ids, func(ctx context.Context, id string) error {
		flag, err := client.GetResetPasswordFlag(ctx, id)
		switch {
		case err != nil:
			return err
		case !flag.Supported:
			return errUnsupported
		}
		return nil
	})
}

// batchResetOutcome is what a fleet reset did.
type batchResetOutcome struct {
	// reset lists the servers the API accepted.
	reset []string
	// err is the failure of the chunk that stopped the reset, if any.
	err error
	// failedChunk lists the servers of that chunk.
	failedChunk []string
}

// resetFleet resets ids through the batch API, MaxBatchServers at a time,
// and stops at the first chunk that fails: what was accepted before is
// reported, what comes after is not sent.
func resetFleet(ctx context.Context, client *ecsapi.Client, ids []string, password string) batchResetOutcome {
	var out batchResetOutcome
	for start := 0; start < len(ids); start += ecsapi.MaxBatchServers {
		chunk := ids[start:min(start+ecsapi.MaxBatchServers, len(ids))]
		res, err := client.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{NewPassword: password, ServerIDs: chunk})
		if err != nil {
			out.err, out.failedChunk = err, chunk
			return out
		}
		out.reset = append(out.reset, acceptedServers(chunk, res.ServerIDs)...)
	}
	return out
}

// acceptedServers returns the servers of chunk that the answer lists, or
// the whole chunk when the answer lists none (an empty success says nothing
// about single servers, and the API reports refusals as an error).
func acceptedServers(chunk, accepted []string) []string {
	if len(accepted) == 0 {
		return chunk
	}
	listed := map[string]bool{}
	for _, id := range accepted {
		listed[strings.ToLower(id)] = true
	}
	var out []string
	for _, id := range chunk {
		if listed[strings.ToLower(id)] {
			out = append(out, id)
		}
	}
	return out
}

// restartFleet reboots the running servers among ids (stopped ones keep the
// new password for their next start) and waits for the jobs. It returns the
// servers whose restart did not complete, with why.
func restartFleet(ctx context.Context, client *ecsapi.Client, api ecsapi.API, ids []string, how string) map[string]error {
	var mu sync.Mutex
	var running []string
	pending := forEachServer(ctx, ids, func(ctx context.Context, id string) error {
		server, err := client.GetServer(ctx, api, id)
		if err != nil {
			return err
		}
		if !strings.EqualFold(server.Status, "SHUTOFF") {
			mu.Lock()
			running = append(running, id)
			mu.Unlock()
		}
		return nil
	})
	if len(running) == 0 {
		return pending
	}
	sort.Strings(running)
	jobs, err := client.RebootServers(ctx, running, how == restartHard)
	sent := map[string]bool{}
	for _, job := range jobs {
		for _, id := range job.ServerIDs {
			sent[id] = true
		}
		if _, werr := client.WaitForJob(ctx, job.JobID, ecsapi.JobWaitOptions{}); werr != nil {
			markJobFailures(pending, job, werr)
		}
	}
	if err != nil {
		for _, id := range running {
			if !sent[id] {
				pending[id] = err
			}
		}
	}
	return pending
}

// markJobFailures records which servers of a job did not restart: those of
// its failed sub-jobs when the job says so, otherwise all of them.
func markJobFailures(pending map[string]error, job ecsapi.ActionJob, err error) {
	var failed *ecsapi.JobFailedError
	if errors.As(err, &failed) && len(failed.Failed) > 0 {
		for _, sub := range failed.Failed {
			pending[sub.ServerID] = fmt.Errorf("job %s: %s", job.JobID, codeAndReasonText(sub.ErrorCode, sub.FailReason))
		}
		return
	}
	for _, id := range job.ServerIDs {
		pending[id] = fmt.Errorf("job %s: %w", job.JobID, err)
	}
}

func codeAndReasonText(code, reason string) string {
	switch {
	case code == "" && reason == "":
		return "failed without a reason"
	case code == "":
		return reason
	case reason == "":
		return code
	}
	return code + " " + reason
}

// maxFailuresShown bounds the per-server lines of a diagnostic: enough to
// see the pattern, short enough to read.
const maxFailuresShown = 20

// serverFailuresText lists per-server failures, one line each, sorted, at
// most maxFailuresShown lines.
func serverFailuresText(failures map[string]error) string {
	limit := maxFailuresShown
	ids := make([]string, 0, len(failures))
	for id := range failures {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for i, id := range ids {
		if i == limit {
			fmt.Fprintf(&b, "- and %d more\n", len(ids)-limit)
			break
		}
		fmt.Fprintf(&b, "- server %q: %s\n", id, failureText(failures[id]))
	}
	return b.String()
}

// failureText is one line about a failure: the API code, message and
// request ID when there is an answer, the error otherwise.
func failureText(err error) string {
	var apiErr *ecsapi.APIError
	if errors.As(err, &apiErr) {
		text := fmt.Sprintf("HTTP %d", apiErr.StatusCode)
		if apiErr.Code != "" {
			text += " " + apiErr.Code
		}
		if apiErr.Message != "" {
			text += ": " + apiErr.Message
		}
		if apiErr.RequestID != "" {
			text += " (request ID " + apiErr.RequestID + ")"
		}
		return text
	}
	return err.Error()
}
