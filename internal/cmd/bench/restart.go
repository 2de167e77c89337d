package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// The restart row creates N resources with restart = "soft" (or "hard") at a simulated
// latency: every create resets the password, reads the server, reboots it and polls the reboot
// job until it succeeds. Its yardstick is the apply of another N resources with
// restart = "none" at the same latency, measured in the same row.

// restartNone is the restart setting of every other row: reset only.
const restartNone = "none"

// Routes of the restart row, as the simulator's stats name them.
const (
	routeFlag   = "GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag"
	routeReset  = "PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password"
	routeShow   = "GET /v1/{project_id}/cloudservers/{server_id}"
	routeAction = "POST /v1/{project_id}/cloudservers/action"
	routeJob    = "GET /v1/{project_id}/jobs/{job_id}"
)

// restartRoutes are the routes of the restart table, in its column order.
var restartRoutes = []string{routeFlag, routeReset, routeShow, routeAction, routeJob}

// Targets of the restart row.
const (
	maxRestartRatio = 1.25 // wall / (no-restart apply + one job duration per parallel wave)
	maxJobPolls     = 4.0  // GET job per restart
)

// restartSpec is the restart row: N resources at the CLI's -parallelism, the simulator at
// Latency with reboot jobs of JobDuration, and How the restart ("soft" or "hard").
type restartSpec struct {
	N, Parallelism       int
	Latency, JobDuration time.Duration
	How                  string
}

// Waves is the number of parallel waves: ceil(N / parallelism).
func (s restartSpec) Waves() int {
	return (s.N + s.Parallelism - 1) / s.Parallelism
}

// applyResult is one measured apply of the restart row.
type applyResult struct {
	// Restart is the resources' restart setting; "" when the apply did not run.
	Restart  string
	Wall     time.Duration
	Calls    map[string]int
	ExitCode int
	Errors   []diagnostic
	// Mismatches are the servers (indexes into the fleet) whose ground truth is wrong after the
	// apply; FailedResources counts them together with the resources the CLI reported errors for.
	Mismatches      []int
	FailedResources int
}

// PerResource is the calls of one route per resource.
func (a applyResult) PerResource(route string, n int) float64 {
	return perResource(a.Calls[route], n)
}

// restartResult is the restart row: the apply without restart and the one with it.
type restartResult struct {
	restartSpec
	NoRestart, Restart applyResult
	// Timing is where the time of the restarts went.
	Timing restartTiming
}

// Bound is the restart apply's wall time goal: 1.25 × (the no-restart apply + one job
// duration per parallel wave).
func (r restartResult) Bound() time.Duration {
	base := r.NoRestart.Wall + time.Duration(r.Waves())*r.JobDuration
	return time.Duration(maxRestartRatio * float64(base))
}

// PollsPerRestart is GET job requests / N.
func (r restartResult) PollsPerRestart() float64 {
	return r.Restart.PerResource(routeJob, r.N)
}

// runRestart measures the restart row: the apply with restart = "none", then the one with the
// row's restart, each on servers of its own.
func (b *bench) runRestart(ctx context.Context, spec restartSpec) (*restartResult, error) {
	if err := b.configure(ctx, spec.Latency, 0); err != nil {
		return nil, err
	}
	res := &restartResult{restartSpec: spec}
	var err error
	if res.NoRestart, err = b.restartFleet(ctx, spec, restartNone, nil); err != nil {
		return res, err
	}
	res.Restart, err = b.restartFleet(ctx, spec, spec.How, &res.Timing)
	return res, err
}

// restartFleet creates N servers, applies their resources with the given restart setting and
// checks every server's ground truth. After a restart, timing receives where the time went
// (which leaves the simulator at no latency: the row is over).
func (b *bench) restartFleet(ctx context.Context, spec restartSpec, how string, timing *restartTiming) (applyResult, error) {
	name := fmt.Sprintf("restart-%s-n%d", how, spec.N)
	ids, err := b.addServers(ctx, name, spec.N)
	if err != nil {
		return applyResult{}, err
	}
	defer func() { _ = b.deleteServers(context.WithoutCancel(ctx), ids) }()
	f, err := b.newFleetDir(name, ids, true, how)
	if err != nil {
		return applyResult{}, err
	}
	res, err := b.measuredApply(ctx, f)
	res.Restart = how
	if err != nil {
		return res, fmt.Errorf("apply of %d resources with restart = %q: %w", spec.N, how, err)
	}
	if timing != nil {
		if *timing, err = b.restartTiming(ctx, spec.Latency); err != nil {
			return res, err
		}
	}
	truth, err := b.serversByID(ctx)
	if err != nil {
		return res, err
	}
	res.Mismatches = mismatches(truth, f.ids, f.passwords, truthCheck(how))
	res.FailedResources = failedResources(res.Errors, res.Mismatches)
	b.logf("[restart = %s N=%d latency=%s job=%s] %.2f s, %s API calls/resource, %s job polls/restart, "+
		"%d resources failed, exit %d", how, spec.N, latencyText(spec.Latency), spec.JobDuration, res.Wall.Seconds(),
		formatFloat(perResource(apiCalls(res.Calls), spec.N)), formatFloat(res.PerResource(routeJob, spec.N)),
		res.FailedResources, res.ExitCode)
	return res, nil
}

// measuredApply runs an apply and measures its wall time, exit status, API calls by route (from
// simulator snapshots) and errors; a failing apply is a result, not an error. The request log
// is cleared first, for restartTiming; the output stays next to the configuration, for -keep.
func (b *bench) measuredApply(ctx context.Context, f *fleetDir) (applyResult, error) {
	if err := b.sim.ClearRequests(ctx); err != nil {
		return applyResult{}, err
	}
	before, err := b.sim.Stats(ctx)
	if err != nil {
		return applyResult{}, err
	}
	var res applyResult
	if res.Wall, res.ExitCode, err = runCommand(ctx, f, b.command(phaseApply)); err != nil {
		return res, err
	}
	_ = os.WriteFile(filepath.Join(f.dir, "apply.log"), f.output.Bytes(), 0o600)
	after, err := b.sim.Stats(ctx)
	if err != nil {
		return res, err
	}
	res.Calls = statsDelta(before.Requests, after.Requests)
	res.Errors = errorDiagnostics(f.output.String())
	return res, nil
}

// truthCheck is the ground truth expected of a server after an apply with the restart setting.
func truthCheck(how string) func(ecssim.ServerState, string) bool {
	if how == restartNone {
		return resetPending
	}
	return resetAndBooted
}

// resetPending is the ground truth after an apply without restart: one reset, whose password
// waits for the next boot, and no boot.
func resetPending(st ecssim.ServerState, password string) bool {
	return st.ResetCount == 1 && st.Password == password && st.PendingReset && st.BootCount == 0
}

// resetAndBooted is the ground truth after an apply with restart: one reset and one boot that
// applied it, so that a login accepts the new password.
func resetAndBooted(st ecssim.ServerState, password string) bool {
	return st.ResetCount == 1 && st.Password == password && st.EffectivePassword == password &&
		st.BootCount == 1 && !st.PendingReset
}

// mismatches returns the indexes of the servers whose ground truth fails ok (or that are gone).
func mismatches(truth map[string]ecssim.ServerState, ids, passwords []string, ok func(ecssim.ServerState, string) bool) []int {
	var bad []int
	for i, id := range ids {
		st, found := truth[id]
		if !found || !ok(st, passwords[i]) {
			bad = append(bad, i)
		}
	}
	return bad
}

// restartTiming is where the time of the restarts went: means over Restarts, on the simulator's
// clock, from the answer to a server's reset to the answer to the poll that saw its reboot job
// end. The four parts add up to that time.
type restartTiming struct {
	Restarts int
	// Read is from the reset's answer to the answer to the GET server that follows.
	Read time.Duration
	// Post is from that answer to the answer to the reboot POST (the job's begin).
	Post time.Duration
	// Job is how long the reboot job ran.
	Job time.Duration
	// Late is from the job's end to the answer to the poll that saw it: what the polling
	// schedule costs.
	Late time.Duration
}

// Total is the mean time from the reset's answer to the answer to the last poll.
func (t restartTiming) Total() time.Duration {
	return t.Read + t.Post + t.Job + t.Late
}

// jobSpan is a reboot job as the job API reports it.
type jobSpan struct {
	ID, ServerID string
	Begin, End   time.Time
}

// restartTiming reads the request log of the restart apply and the jobs it started.
func (b *bench) restartTiming(ctx context.Context, latency time.Duration) (restartTiming, error) {
	reqs, err := b.sim.Requests(ctx)
	if err != nil {
		return restartTiming{}, err
	}
	if err := b.configure(ctx, 0, 0); err != nil {
		return restartTiming{}, err
	}
	jobs, err := b.readJobs(ctx, jobIDs(reqs))
	if err != nil {
		return restartTiming{}, err
	}
	return timeRestarts(reqs, jobs, latency), nil
}

// readJobs reads jobs through the simulated job API, as the provider does.
func (b *bench) readJobs(ctx context.Context, ids []string) ([]jobSpan, error) {
	client, err := ecsapi.NewClient(ecsapi.Config{
		ECSEndpoint: b.sim.URL(), IAMEndpoint: b.sim.URL(), Region: ecssim.DefaultRegion, ProjectID: ecssim.DefaultProjectID,
		Credentials: ecsapi.Credentials{AccessKey: ecssim.DefaultAccessKey, SecretKey: ecssim.DefaultSecretKey},
	})
	if err != nil {
		return nil, err
	}
	out := make([]jobSpan, 0, len(ids))
	for _, id := range ids {
		job, err := client.GetJob(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading reboot job %s: %w", id, err)
		}
		if span, ok := newJobSpan(job); ok {
			out = append(out, span)
		}
	}
	return out, nil
}

// newJobSpan reads the times and the server of a job of one server; ok is false for a job that
// has not ended (its restart is then left out of the timing).
func newJobSpan(j *ecsapi.Job) (span jobSpan, ok bool) {
	begin, errBegin := time.Parse(time.RFC3339Nano, j.BeginTime)
	end, errEnd := time.Parse(time.RFC3339Nano, j.EndTime)
	if errBegin != nil || errEnd != nil || len(j.SubJobs) != 1 {
		return jobSpan{}, false
	}
	return jobSpan{ID: j.ID, ServerID: j.SubJobs[0].ServerID, Begin: begin, End: end}, true
}

// jobIDs lists the jobs polled in a request log, in the order of their first poll.
func jobIDs(reqs []ecssim.RequestRecord) []string {
	var out []string
	for _, r := range reqs {
		if r.Method+" "+r.Route == routeJob {
			if id := pathParam(r.Path); id != "" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// timeRestarts computes restartTiming from the request log of a restart apply, the jobs it
// started and the simulated latency, which delays every answer after a request's arrival (the
// log's time). A restart whose reset, GET server or successful poll is missing from the log (it
// holds the last 10 000 requests) is left out.
func timeRestarts(reqs []ecssim.RequestRecord, jobs []jobSpan, latency time.Duration) restartTiming {
	resets, reads, polls := lastArrivals(reqs, routeReset), lastArrivals(reqs, routeShow), lastArrivals(reqs, routeJob)
	var t restartTiming
	for _, j := range jobs {
		reset, okReset := resets[j.ServerID]
		read, okRead := reads[j.ServerID]
		poll, okPoll := polls[j.ID]
		if !okReset || !okRead || !okPoll {
			continue
		}
		t.Restarts++
		t.Read += read.Sub(reset)
		t.Post += j.Begin.Sub(read.Add(latency))
		t.Job += j.End.Sub(j.Begin)
		t.Late += poll.Add(latency).Sub(j.End)
	}
	if n := time.Duration(t.Restarts); n > 0 {
		t.Read, t.Post, t.Job, t.Late = t.Read/n, t.Post/n, t.Job/n, t.Late/n
	}
	return t
}

// lastArrivals maps the ID in the path of every successful request of a route to the arrival
// of the last one.
func lastArrivals(reqs []ecssim.RequestRecord, route string) map[string]time.Time {
	out := map[string]time.Time{}
	for _, r := range reqs {
		if r.Method+" "+r.Route != route || r.Status < 200 || r.Status > 299 {
			continue
		}
		id := pathParam(r.Path)
		if last, ok := out[id]; id != "" && (!ok || r.Time.After(last)) {
			out[id] = r.Time
		}
	}
	return out
}

// pathParam returns the ID after the project's collection: the server ID of
// /v1/{project_id}/cloudservers/{server_id}/… and the job ID of /v1/{project_id}/jobs/{job_id}.
func pathParam(p string) string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if len(segs) < 4 {
		return ""
	}
	return segs[3]
}
