package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// report is everything the bench prints.
type report struct {
	Command string
	Date    time.Time
	Machine string
	// LoadStart and LoadEnd are the one-minute load averages before and after the CLI runs.
	LoadStart, LoadEnd string
	GoVersion          string
	CLIVersion         string
	Parallelism        int
	// MaxRetries is the provider's max_retries set with -max-retries; nil for its default.
	MaxRetries *int

	ProviderSize, ReleaseSize int64
	SchemaTime                time.Duration
	SchemaRuns                int

	Rows []row
	// Restart is the restart row; nil when it did not run.
	Restart  *restartResult
	Throttle []throttleResult
	// Rotations are the rows of the fleet rotation section.
	Rotations []rotationRow
	GoBench   []string
	// GoBenchError explains why the Go benchmarks are missing or incomplete.
	GoBenchError string
	Targets      []target
}

// target is one goal of the benchmark and whether this run met it.
type target struct {
	Met  bool
	Text string
}

// Targets of the benchmark.
const (
	maxCreateCalls         = 2.0  // reset-support check + reset
	maxCreateCallsNoVerify = 1.0  // reset only
	wantRefreshCalls       = 1.0  // show server
	maxDestroyCalls        = 2.0  // refresh + delete stored password
	maxRatio               = 1.25 // wall / ideal with latency, N ≥ 100
	minRatioN              = 100
	maxThrottleRatio       = 1.3 // wall / quota time
	extraConns             = 2   // connections per command beyond -parallelism
)

// evaluateTargets checks rows and the throttled run against the benchmark's goals.
func evaluateTargets(rows []row, throttled []throttleResult, parallelism int) []target {
	var out []target
	callTarget := func(phase, what string, ok func(float64) bool, goal string) {
		var worst []string
		met, seen := true, false
		for _, r := range rows {
			if r.Phase != phase {
				continue
			}
			seen = true
			if !ok(r.CallsPerResource) {
				met = false
				worst = append(worst, fmt.Sprintf("N=%d latency %s: %s", r.N, r.Latency, formatFloat(r.CallsPerResource)))
			}
		}
		if !seen {
			return
		}
		text := fmt.Sprintf("%s: API calls per resource %s in every run", what, goal)
		if !met {
			text += " — missed: " + strings.Join(worst, "; ")
		}
		out = append(out, target{Met: met, Text: text})
	}
	callTarget(phaseApply, "create with verify_reset_support", func(f float64) bool { return f <= maxCreateCalls }, "≤ 2")
	callTarget(phaseApplyNoVerify, "create without verify_reset_support", func(f float64) bool { return f <= maxCreateCallsNoVerify }, "≤ 1")
	callTarget(phasePlan, "refresh (no-change plan)", func(f float64) bool { return f == wantRefreshCalls }, "= 1")
	callTarget(phaseDestroy, "destroy (refresh + delete)", func(f float64) bool { return f <= maxDestroyCalls }, "≤ 1 + 1")

	for _, r := range rows {
		if r.Latency == 0 || r.N < minRatioN || r.Ideal == 0 || r.Phase == phaseApplyNoVerify {
			continue
		}
		out = append(out, target{
			Met:  r.Ratio <= maxRatio,
			Text: fmt.Sprintf("N=%d %s at latency %s: wall/ideal %.2f (≤ %.2f)", r.N, r.Phase, r.Latency, r.Ratio, maxRatio),
		})
	}

	out = append(out, connectionTargets(rows, parallelism)...)
	for _, t := range throttled {
		out = append(out, throttleTarget(t))
	}
	return out
}

// connectionTargets checks the most connections a command of each phase opened.
func connectionTargets(rows []row, parallelism int) []target {
	var out []target
	byPhase := map[string]int64{}
	var phases []string
	for _, r := range rows {
		if _, ok := byPhase[r.Phase]; !ok {
			phases = append(phases, r.Phase)
		}
		byPhase[r.Phase] = max(byPhase[r.Phase], r.Conns)
	}
	for _, p := range phases {
		limit := connectionLimit(p, parallelism)
		text := fmt.Sprintf("%s: at most %d TCP connections per CLI command (≤ parallelism + %d = %d)", p, byPhase[p], extraConns, limit)
		if apiProcesses(p) > 1 {
			text = fmt.Sprintf("%s: at most %d TCP connections per CLI command (≤ %d × parallelism + %d = %d: the CLI "+
				"refreshes and deletes in two provider processes, which cannot share connections)", p, byPhase[p],
				apiProcesses(p), extraConns, limit)
		}
		out = append(out, target{Met: byPhase[p] <= limit, Text: text})
	}
	return out
}

// throttleTarget is the goal of one throttled phase: without errors and close to the quota
// time, or, for a row without a ratio goal, without a failed resource.
func throttleTarget(t throttleResult) target {
	what := fmt.Sprintf("throttled %s of %d resources at %g requests/s", t.Phase, t.N, t.Rate)
	if t.MaxRatio == 0 {
		return target{
			Met: t.ExitCode == 0 && t.FailedResources == 0,
			Text: fmt.Sprintf("%s, -parallelism=%d: %d resources failed (goal 0), exit status %d; wall %s s against "+
				"a quota time of %s s (%.2f, reported only)", what, t.Parallelism, t.FailedResources, t.ExitCode,
				seconds(t.Wall), seconds(t.QuotaTime()), t.Ratio()),
		}
	}
	return target{
		Met: t.ExitCode == 0 && t.FailedResources == 0 && t.Failed == 0 && t.Ratio() <= t.MaxRatio,
		Text: fmt.Sprintf("%s: exit status %d, %d resources failed, %d errors, wall/quota %.2f (≤ %.1f)",
			what, t.ExitCode, t.FailedResources, t.Failed, t.Ratio(), t.MaxRatio),
	}
}

// apiProcesses is the number of provider processes of a phase that call the API. Terraform and
// OpenTofu start a provider process per graph walk; a destroy refreshes in one walk and deletes
// in the next, while an apply of new resources and a plan call the API in one walk only.
func apiProcesses(phase string) int {
	if phase == phaseDestroy {
		return 2
	}
	return 1
}

// connectionLimit is the most connections a phase may open with working keep-alive: one per
// concurrent request in each process that calls the API, plus a little slack.
func connectionLimit(phase string, parallelism int) int64 {
	return int64(apiProcesses(phase)*parallelism + extraConns)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// render writes the report as Markdown.
func (r *report) render(w io.Writer) {
	r.renderHeader(w)
	r.renderFleet(w)
	r.renderRestart(w)
	r.renderThrottle(w)
	r.renderRotations(w)
	fmt.Fprintf(w, "\n## Targets\n\n")
	for _, t := range r.Targets {
		mark := "met"
		if !t.Met {
			mark = "**MISSED**"
		}
		fmt.Fprintf(w, "- %s: %s\n", mark, t.Text)
	}
	r.renderGo(w)
}

func (r *report) renderHeader(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Benchmark results\n\n")
	p("- Command: `%s`\n", r.Command)
	p("- Date: %s\n", r.Date.UTC().Format("2006-01-02 15:04 MST"))
	p("- Machine: %s\n", r.Machine)
	if r.LoadStart != "" {
		p("- One-minute load average: %s at the start, %s after the CLI runs\n", r.LoadStart, r.LoadEnd)
	}
	p("- Toolchain: %s; CLI: %s; default `-parallelism=%d`\n", r.GoVersion, r.CLIVersion, r.Parallelism)
	if r.MaxRetries != nil {
		p("- Provider `max_retries`: %d (`-max-retries`; not the provider's default)\n", *r.MaxRetries)
	}
	p("- Provider binary: %s as built for development, %s with the release flags (`-ldflags \"-s -w\"`)\n",
		megabytes(r.ProviderSize), megabytes(r.ReleaseSize))
	if r.SchemaRuns > 0 {
		p("- `providers schema -json`: %s s (median of %d runs)\n", seconds(r.SchemaTime), r.SchemaRuns)
	}
}

func (r *report) renderFleet(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n## Apply, no-change plan and destroy against ecs-simulator\n\n")
	p("| N | latency | phase | wall s | ideal s | wall / ideal | API calls / resource | by operation | TCP connections |\n")
	p("|--:|--:|---|--:|--:|--:|--:|---|--:|\n")
	for _, row := range r.Rows {
		ideal, ratio := "baseline", "—"
		if row.Latency > 0 && row.Ideal > 0 {
			ideal, ratio = seconds(row.Ideal), fmt.Sprintf("%.2f", row.Ratio)
		} else if row.Latency > 0 {
			ideal = "—"
		}
		p("| %d | %s | %s | %s | %s | %s | %s | %s | %d |\n", row.N, latencyText(row.Latency), row.Phase,
			seconds(row.Wall), ideal, ratio, formatFloat(row.CallsPerResource), row.Operations, row.Conns)
	}
	runs := 1
	for _, row := range r.Rows {
		runs = max(runs, row.Runs)
	}
	p("\nWall times are the median of %d run(s); connections the highest count. The ideal for latency L is the "+
		"wall time of the same phase at L = 0 (the CLI's own cost) plus ceil(N / %d) × API calls per resource × L. "+
		"Connections are TCP connections the simulator accepted during the command; every command starts "+
		"fresh provider processes, and destroy refreshes and deletes in two of them.\n", runs, r.Parallelism)
}

// restartTargets are the goals of the restart row, for the applies that ran.
func restartTargets(r restartResult) []target {
	var out []target
	if r.NoRestart.Restart != "" {
		none := r.NoRestart
		calls := perResource(apiCalls(none.Calls), r.N)
		out = append(out, target{
			Met: calls == maxCreateCalls && none.Calls[routeAction] == 0 && none.Calls[routeJob] == 0,
			Text: fmt.Sprintf("restart = \"none\", N=%d at latency %s: API calls per create %s (= 2), POST action %d and "+
				"GET job %d (= 0)", r.N, latencyText(r.Latency), formatFloat(calls), none.Calls[routeAction], none.Calls[routeJob]),
		}, failureTarget(r, none, "password pending, no boot"))
	}
	if r.Restart.Restart == "" {
		return out
	}
	what := fmt.Sprintf("restart = %q, N=%d at latency %s, -job-duration %s", r.How, r.N, latencyText(r.Latency), r.JobDuration)
	return append(out,
		target{
			Met: r.Restart.Wall <= r.Bound(),
			Text: fmt.Sprintf("%s: wall %s s (≤ %.2f × (no-restart apply %s s + %d waves × %s) = %s s)", what,
				seconds(r.Restart.Wall), maxRestartRatio, seconds(r.NoRestart.Wall), r.Waves(), r.JobDuration, seconds(r.Bound())),
		},
		target{
			Met:  r.PollsPerRestart() <= maxJobPolls,
			Text: fmt.Sprintf("%s: job polls per restart %s (≤ %g)", what, formatFloat(r.PollsPerRestart()), maxJobPolls),
		},
		failureTarget(r, r.Restart, "effective_password = the new password, boot_count = 1, pending_reset = false"))
}

// failureTarget is the goal that no resource of an apply of the restart row fails, by the
// CLI's errors or by the servers' ground truth (truth says what it must be).
func failureTarget(r restartResult, a applyResult, truth string) target {
	return target{
		Met: a.ExitCode == 0 && a.FailedResources == 0,
		Text: fmt.Sprintf("restart = %q, N=%d: exit status %d, %d resources failed (goal 0; ground truth: %s; "+
			"%d servers wrong)", a.Restart, r.N, a.ExitCode, a.FailedResources, truth, len(a.Mismatches)),
	}
}

// renderRestart writes the restart row: both applies and where the restarts' time went.
func (r *report) renderRestart(w io.Writer) {
	if r.Restart == nil {
		return
	}
	rr := *r.Restart
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n## Restart after reset\n\n")
	p("| restart | N | latency | job | wall s | bound s | wall / bound | API calls / resource | GET os-resetpwd-flag | " +
		"PUT os-reset-password | GET server | POST action | GET job | failed resources | exit status |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, a := range []applyResult{rr.NoRestart, rr.Restart} {
		if a.Restart == "" {
			continue
		}
		bound, ratio := "—", "—"
		if a.Restart != restartNone && rr.Bound() > 0 {
			bound, ratio = seconds(rr.Bound()), fmt.Sprintf("%.2f", a.Wall.Seconds()/rr.Bound().Seconds())
		}
		p("| %s | %d | %s | %s | %s | %s | %s | %s |", a.Restart, rr.N, latencyText(rr.Latency), rr.JobDuration,
			seconds(a.Wall), bound, ratio, formatFloat(perResource(apiCalls(a.Calls), rr.N)))
		for _, route := range restartRoutes {
			p(" %s |", formatFloat(a.PerResource(route, rr.N)))
		}
		p(" %d | %d |\n", a.FailedResources, a.ExitCode)
	}
	p("\nCalls are per resource; job polls per restart are GET job / N = %s. The bound is %.2f × (the apply with "+
		"restart = \"none\" + ceil(N / %d) = %d waves × the job duration). A failed resource is one the CLI reported "+
		"an error for or whose server's ground truth is wrong after the apply.\n",
		formatFloat(rr.PollsPerRestart()), maxRestartRatio, rr.Parallelism, rr.Waves())
	renderRestartTiming(w, rr)
}

// renderRestartTiming says where the time of a restart went.
func renderRestartTiming(w io.Writer, rr restartResult) {
	t := rr.Timing
	if t.Restarts == 0 {
		return
	}
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	fmt.Fprintf(w, "\nWhere a restart's time went (mean of %d, on the simulator's clock, from the answer to the reset to "+
		"the answer to the poll that saw the job end): GET server %s, reboot POST %s, job %s, from the job's end to "+
		"the poll that saw it %s; %s in all. %d waves of that are %s, against %d × %s = %s of job time in the bound.\n",
		t.Restarts, ms(t.Read), ms(t.Post), ms(t.Job), ms(t.Late), ms(t.Total()), rr.Waves(),
		ms(time.Duration(rr.Waves())*t.Total()), rr.Waves(), rr.JobDuration, ms(time.Duration(rr.Waves())*rr.JobDuration))
}

func (r *report) renderThrottle(w io.Writer) {
	if len(r.Throttle) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n## Throttled runs\n\n")
	p("| N | limit | parallelism | phase | wall s | quota s | wall / quota | successful calls | 429 answers | " +
		"other errors | failed resources | exit status |\n")
	p("|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, t := range r.Throttle {
		p("| %d | %g/s | %d | %s | %s | %s | %.2f | %d | %d | %d | %d | %d |\n", t.N, t.Rate, t.Parallelism, t.Phase,
			seconds(t.Wall), seconds(t.QuotaTime()), t.Ratio(), t.Succeeded, t.Throttled, t.Failed, t.FailedResources, t.ExitCode)
	}
	p("\nThe simulator allows the limit per credential (a token bucket with a burst of one second's worth) and " +
		"answers anything over it with 429 APIGW.0308 and Retry-After. The quota time is successful calls / limit: " +
		"a refused call takes nothing from the quota. A failed resource is one the CLI reported an error for or, " +
		"after an apply, a server that does not hold its new password.\n")
	r.renderThrottleErrors(w)
}

// renderThrottleErrors quotes the errors of failed throttled commands, merged by kind.
func (r *report) renderThrottleErrors(w io.Writer) {
	if !slices.ContainsFunc(r.Throttle, func(t throttleResult) bool { return len(t.Errors) > 0 }) {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n### Errors of the throttled runs\n")
	for _, t := range r.Throttle {
		if len(t.Errors) == 0 {
			continue
		}
		p("\n%s of %d resources at %g requests/s, -parallelism=%d: %d errors, %d resources failed, exit status %d. "+
			"IDs are replaced by …\n", t.Phase, t.N, t.Rate, t.Parallelism, len(t.Errors), t.FailedResources, t.ExitCode)
		for _, g := range groupErrors(t.Errors) {
			p("\n%d ×\n\n```\n%s\n```\n", g.Count, g.Text)
		}
	}
}

func (r *report) renderGo(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n## Go benchmarks\n\n")
	p("`go test -run '^$' -bench . -benchmem %s`\n\n", strings.Join(goBenchPackages, " "))
	if len(r.GoBench) > 0 {
		p("```\n%s\n```\n", strings.Join(r.GoBench, "\n"))
	}
	if r.GoBenchError != "" {
		p("\nThe Go benchmarks did not complete:\n\n```\n%s\n```\n", strings.TrimSpace(r.GoBenchError))
	}
}

func latencyText(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

// missed lists the targets not met.
func (r *report) missed() []target {
	return slices.DeleteFunc(slices.Clone(r.Targets), func(t target) bool { return t.Met })
}
