package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// serverProblem is what went wrong with one server of a list.
type serverProblem struct {
	id  string
	err error
}

// forEachServer calls fn for every ID, at most fleetConcurrency at a
// time, and returns the failures in the order of ids.
func forEachServer(ctx context.Context, ids []string, fn func(ctx context.Context, id string) error) []serverProblem {
	errs := make([]error, len(ids))
	sem := make(chan struct{}, fleetConcurrency)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(ctx, id)
		}()
	}
	wg.Wait()
	var out []serverProblem
	for i, err := range errs {
		if err != nil {
			out = append(out, serverProblem{id: ids[i], err: err})
		}
	}
	return out
}

// serverErrorText renders one server's failure on one line: the API error
// code and message when the API answered, else the error.
func serverErrorText(err error) string {
	var apiErr *ecsapi.APIError
	if errors.As(err, &apiErr) {
		return withRequestID(codeAndMessage(apiErr.Code, apiErr.Message), apiErr.RequestID)
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// batchChunks splits ids into the requests of a batch call: slices of at
// most ecsapi.MaxBatchServers.
func batchChunks(ids []string) [][]string {
	const n = ecsapi.MaxBatchServers
	var out [][]string
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// unconfirmed lists the IDs of sent that confirmed does not contain,
// compared without regard to case.
func unconfirmed(sent, confirmed []string) []string {
	seen := make(map[string]bool, len(confirmed))
	for _, id := range confirmed {
		seen[strings.ToLower(id)] = true
	}
	var out []string
	for _, id := range sent {
		if !seen[strings.ToLower(id)] {
			out = append(out, id)
		}
	}
	return out
}

// problemMap indexes per-server failures by server ID.
func problemMap(problems []serverProblem) map[string]error {
	out := make(map[string]error, len(problems))
	for _, p := range problems {
		out[p.id] = p.err
	}
	return out
}

// codeAndMessage renders an error code with its reason.
func codeAndMessage(code, message string) string {
	switch {
	case code != "" && message != "":
		return code + " " + message
	case code != "":
		return code + " (no reason given)"
	case message != "":
		return "no error code: " + message
	}
	return "no error code or reason given"
}

// errUnsupported marks a server whose reset flag says the plug-in is missing.
var errUnsupported = errors.New("the password reset plug-in is not available in the guest (os-resetpwd-flag is False)")

// checkFleetResetSupport reads the reset flag of every server and returns
// the servers that cannot be reset, with why.
func checkFleetResetSupport(ctx context.Context, client *ecsapi.Client, ids []string) map[string]error {
	return problemMap(forEachServer(ctx, ids, func(ctx context.Context, id string) error {
		flag, err := client.GetResetPasswordFlag(ctx, id)
		switch {
		case err != nil:
			return err
		case !flag.Supported:
			return errUnsupported
		}
		return nil
	}))
}

// batchResetOutcome is what a fleet reset did.
type batchResetOutcome struct {
	// reset lists the servers the API accepted.
	reset []string
	// err is the failure of the chunk that stopped the reset, if any.
	err error
	// failedChunk lists the servers of that chunk.
	failedChunk []string
	// unconfirmed lists the servers of accepted chunks that the answer did
	// not list: whether their password changed is unknown.
	unconfirmed []string
	// unconfirmedRequests holds the request IDs of the answers that left
	// servers out.
	unconfirmedRequests []string
}

// resetFleet resets ids through the batch API, MaxBatchServers at a time,
// and stops at the first chunk that fails: what was accepted before is
// reported, what comes after is not sent.
func resetFleet(ctx context.Context, client *ecsapi.Client, ids []string, password string) batchResetOutcome {
	var out batchResetOutcome
	for _, chunk := range batchChunks(ids) {
		res, err := client.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{NewPassword: password, ServerIDs: chunk})
		if err != nil {
			out.err, out.failedChunk = err, chunk
			return out
		}
		out.reset = append(out.reset, acceptedServers(chunk, res)...)
		if missing := unconfirmed(chunk, res.ServerIDs); res.Listed && len(missing) > 0 {
			out.unconfirmed = append(out.unconfirmed, missing...)
			out.unconfirmedRequests = append(out.unconfirmedRequests, res.RequestID)
		}
	}
	return out
}

// acceptedServers returns the servers of chunk that the answer accepted:
// those it lists, or the whole chunk when it lists none by design (a 204).
// An answer that lists some servers but not others did not reset the
// others, and the state must not say it did.
func acceptedServers(chunk []string, res *ecsapi.BatchResetResult) []string {
	if !res.Listed {
		return chunk
	}
	return without(chunk, unconfirmed(chunk, res.ServerIDs))
}

// restartFleet reboots the running servers among ids (stopped ones keep the
// new password for their next start) and waits for the jobs. It returns the
// servers whose restart did not complete, with why.
func restartFleet(ctx context.Context, client *ecsapi.Client, api ecsapi.API, ids []string, how string) (map[string]error, []restartJob) {
	var mu sync.Mutex
	var running []string
	pending := problemMap(forEachServer(ctx, ids, func(ctx context.Context, id string) error {
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
	}))
	if len(running) == 0 {
		return pending, nil
	}
	sort.Strings(running)
	jobs, err := client.RebootServers(ctx, running, how == restartHard)
	sent := map[string]bool{}
	var unfinished []restartJob
	for _, job := range jobs {
		for _, id := range job.ServerIDs {
			sent[id] = true
		}
		if _, werr := client.WaitForJob(ctx, job.JobID, ecsapi.JobWaitOptions{}); werr != nil {
			markJobFailures(pending, job, werr)
			var failed *ecsapi.JobFailedError
			if !errors.As(werr, &failed) {
				// The job's end was not seen: it may still reboot the servers.
				unfinished = append(unfinished, restartJob{JobID: job.JobID, ServerIDs: job.ServerIDs})
			}
		}
	}
	if err != nil {
		for id, why := range rebootRefusals(running, sent, err) {
			pending[id] = why
		}
	}
	return pending, unfinished
}

// rebootRefusals says, server by server, why the servers of ids that no
// accepted request covered were not rebooted. A reboot request is all or
// nothing: when the API names the servers it refused, each of them gets its
// own code and reason, and the others of the request are said to be held
// back by those; servers of later requests were never sent.
func rebootRefusals(ids []string, sent map[string]bool, err error) map[string]error {
	refused := map[string]error{}
	var apiErr *ecsapi.APIError
	if errors.As(err, &apiErr) {
		for _, f := range apiErr.Failures {
			refused[strings.ToLower(f.ServerID)] = fmt.Errorf("%s", withRequestID(codeAndMessage(f.Code, f.Message), apiErr.RequestID))
		}
	}
	var inRequest, notSent map[string]bool
	var actionErr *ecsapi.ActionError
	if errors.As(err, &actionErr) {
		inRequest, notSent = setOf(actionErr.ServerIDs), setOf(actionErr.NotSent)
	}
	out := map[string]error{}
	for _, id := range ids {
		switch why, named := refused[strings.ToLower(id)]; {
		case sent[id]:
		case named:
			out[id] = why
		case notSent[id]:
			out[id] = errors.New("not sent: an earlier reboot request of the same apply was refused")
		case len(refused) > 0 && (inRequest == nil || inRequest[id]):
			out[id] = fmt.Errorf("not rebooted: the reboot request (all or nothing) was refused because of the %d "+
				"server(s) named with their own error", len(refused))
		default:
			out[id] = err
		}
	}
	return out
}

// withRequestID appends a request ID to a one-line error text.
func withRequestID(text, requestID string) string {
	if requestID == "" {
		return text
	}
	return text + " (request ID " + requestID + ")"
}

// setOf indexes IDs.
func setOf(ids []string) map[string]bool {
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// markJobFailures records which servers of a job did not restart: those of
// its failed sub-jobs when the job says so, otherwise all of them.
func markJobFailures(pending map[string]error, job ecsapi.ActionJob, err error) {
	if subs, ok := failedSubJobs(job.ServerIDs, err); ok {
		for id, sub := range subs {
			pending[id] = fmt.Errorf("job %s: %s", job.JobID, codeAndMessage(sub.ErrorCode, sub.FailReason))
		}
		return
	}
	for _, id := range job.ServerIDs {
		pending[id] = fmt.Errorf("job %s: %w", job.JobID, err)
	}
}

// failedSubJobs maps the failed sub-jobs of a job that ended in err to the
// servers of the job, by ID in the spelling the job was given. ok is false
// when err does not name its failed servers, or names one that is not among
// them (no ID, or an unknown one): then no server of the job can be said to
// have rebooted.
func failedSubJobs(serverIDs []string, err error) (map[string]ecsapi.SubJob, bool) {
	var failed *ecsapi.JobFailedError
	if !errors.As(err, &failed) || len(failed.Failed) == 0 {
		return nil, false
	}
	out := make(map[string]ecsapi.SubJob, len(failed.Failed))
	for _, sub := range failed.Failed {
		i := slices.IndexFunc(serverIDs, func(id string) bool { return sub.ServerID != "" && strings.EqualFold(id, sub.ServerID) })
		if i < 0 {
			return nil, false
		}
		out[serverIDs[i]] = sub
	}
	return out, true
}

// maxFailuresShown bounds the per-server lines of a diagnostic: enough to
// see the pattern, short enough to read.
const maxFailuresShown = 20

// serverFailuresText lists per-server failures, sorted, at most
// maxFailuresShown lines. Servers that failed with the same text (all the
// servers of one job, or of one refused request) share a line that names
// the first few of them, so that a fleet-wide failure reads as one.
func serverFailuresText(failures map[string]error) string {
	ids := make([]string, 0, len(failures))
	for id := range failures {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	type group struct {
		text string
		ids  []string
	}
	var groups []*group
	byText := map[string]*group{}
	for _, id := range ids {
		text := serverErrorText(failures[id])
		g, ok := byText[text]
		if !ok {
			g = &group{text: text}
			byText[text] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, id)
	}
	const namedPerLine = 3
	var b strings.Builder
	for i, g := range groups {
		if i == maxFailuresShown {
			rest := 0
			for _, g := range groups[i:] {
				rest += len(g.ids)
			}
			fmt.Fprintf(&b, "- and %d more servers\n", rest)
			break
		}
		if len(g.ids) == 1 {
			fmt.Fprintf(&b, "- server %q: %s\n", g.ids[0], g.text)
			continue
		}
		named := make([]string, 0, namedPerLine)
		for _, id := range g.ids[:min(len(g.ids), namedPerLine)] {
			named = append(named, fmt.Sprintf("%q", id))
		}
		if more := len(g.ids) - len(named); more > 0 {
			named = append(named, fmt.Sprintf("and %d more", more))
		}
		fmt.Fprintf(&b, "- %d servers (%s): %s\n", len(g.ids), strings.Join(named, ", "), g.text)
	}
	return b.String()
}
