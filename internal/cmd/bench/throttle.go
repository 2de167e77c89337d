package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// throttleSpec is one throttled row: N resources applied and destroyed at the CLI's
// -parallelism while the simulator allows Rate requests per second for the credential.
type throttleSpec struct {
	N           int
	Rate        float64
	Parallelism int
	// MaxRatio is the goal for wall time / quota time; 0 when the only goal is that every
	// resource succeeds.
	MaxRatio float64
}

// throttleResult is the throttled apply or destroy of one row.
type throttleResult struct {
	throttleSpec
	Phase string
	Wall  time.Duration
	// Succeeded counts ECS API requests answered with a 2xx status, Throttled those answered
	// 429, Failed every other answer (including dropped requests).
	Succeeded, Throttled, Failed int
	// FailedResources counts the resources the CLI reported an error for and, after an apply,
	// the servers left without their new password.
	FailedResources int
	// Errors are the error diagnostics the CLI printed.
	Errors   []diagnostic
	ExitCode int
}

// QuotaTime is how long the quota needs to let the successful requests through. A refused
// request takes no token from the simulator's bucket, so only the successful ones count.
func (t throttleResult) QuotaTime() time.Duration {
	if t.Rate <= 0 {
		return 0
	}
	return time.Duration(float64(t.Succeeded) / t.Rate * float64(time.Second))
}

// Ratio is the wall time over the quota time.
func (t throttleResult) Ratio() float64 {
	q := t.QuotaTime()
	if q <= 0 {
		return 0
	}
	return t.Wall.Seconds() / q.Seconds()
}

// runThrottled applies and destroys a row's resources under its rate limit. A CLI command that
// fails does not end the bench: the failed resources and the errors are the row's result, and
// the destroy still runs for whatever the apply created.
func (b *bench) runThrottled(ctx context.Context, spec throttleSpec) ([]throttleResult, error) {
	if err := b.configure(ctx, 0, 0); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("throttled-n%d-r%g", spec.N, spec.Rate)
	ids, err := b.addServers(ctx, name, spec.N)
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.deleteServers(context.WithoutCancel(ctx), ids) }()
	f, err := b.newFleetDir(name, ids, true, restartNone)
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.configure(context.WithoutCancel(ctx), 0, 0) }()
	var out []throttleResult
	for _, phase := range []string{phaseApply, phaseDestroy} {
		res, err := b.throttledPhase(ctx, f, spec, phase)
		if err != nil {
			return out, fmt.Errorf("throttled %s of %d resources at %g requests/s: %w", phase, spec.N, spec.Rate, err)
		}
		b.logf("[throttled %s N=%d rate=%g/s parallelism=%d] %.1f s, %d calls succeeded, %d answered 429, %d failed, "+
			"%d resources failed, exit %d", phase, spec.N, spec.Rate, spec.Parallelism, res.Wall.Seconds(),
			res.Succeeded, res.Throttled, res.Failed, res.FailedResources, res.ExitCode)
		out = append(out, res)
	}
	return out, nil
}

// throttledPhase runs one CLI command of a throttled row and collects its result.
func (b *bench) throttledPhase(ctx context.Context, f *fleetDir, spec throttleSpec, phase string) (throttleResult, error) {
	// Setting the limit refills every credential's bucket, so both phases start alike.
	if err := b.configure(ctx, 0, spec.Rate); err != nil {
		return throttleResult{}, err
	}
	if err := b.sim.ClearRequests(ctx); err != nil {
		return throttleResult{}, err
	}
	res := throttleResult{throttleSpec: spec, Phase: phase}
	var err error
	if res.Wall, res.ExitCode, err = runCommand(ctx, f, commandAt(phase, spec.Parallelism)); err != nil {
		return res, err
	}
	// The output stays next to the configuration, for -keep.
	_ = os.WriteFile(filepath.Join(f.dir, phase+".log"), f.output.Bytes(), 0o600)
	reqs, err := b.sim.Requests(ctx)
	if err != nil {
		return res, err
	}
	res.countAnswers(reqs)
	res.Errors = errorDiagnostics(f.output.String())
	var bad []int
	if phase == phaseApply {
		if bad, err = b.badServers(ctx, f); err != nil {
			return res, err
		}
	}
	res.FailedResources = failedResources(res.Errors, bad)
	return res, nil
}

// runCommand runs the CLI and returns its wall time and exit status. Only a CLI that could not
// run, or an interrupt, is an error: a failing command is a result.
func runCommand(ctx context.Context, f *fleetDir, args []string) (time.Duration, int, error) {
	f.output.Reset()
	cmd := f.runner.Command(ctx, args...)
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	clirunner.StopGroup(cmd)
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return wall, 0, ctx.Err()
	case errors.As(err, &exitErr):
		return wall, exitErr.ExitCode(), nil
	case err != nil:
		return wall, 0, err
	}
	return wall, 0, nil
}

// countAnswers sorts the ECS API requests of a phase by their answer; IAM requests are left
// out, as in the fleet table.
func (t *throttleResult) countAnswers(reqs []ecssim.RequestRecord) {
	for _, r := range reqs {
		if !strings.Contains(r.Path, "/cloudservers/") && !strings.Contains(r.Path, "/servers/") {
			continue
		}
		switch {
		case r.Status >= 200 && r.Status < 300:
			t.Succeeded++
		case r.Status == 429:
			t.Throttled++
		default:
			t.Failed++
		}
	}
}

// diagnostic is one error the CLI printed.
type diagnostic struct {
	// Address is the resource the error names, "" when it names none.
	Address string
	Summary string
	// Text is the diagnostic as printed.
	Text string
}

// errorDiagnostics finds the error diagnostics in the output of a CLI command run with
// -no-color. There every diagnostic starts with "Error: " or "Warning: " after a blank line;
// the provider's details may contain an "Error: " line too, but never right after a blank one.
func errorDiagnostics(output string) []diagnostic {
	var out []diagnostic
	var cur []string
	isError, prevBlank := false, true
	flush := func() {
		if isError {
			out = append(out, newDiagnostic(cur))
		}
		cur, isError = nil, false
	}
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimRight(line, "\r")
		if prevBlank && (strings.HasPrefix(line, "Error: ") || strings.HasPrefix(line, "Warning: ")) {
			flush()
			isError = strings.HasPrefix(line, "Error: ")
			cur = []string{}
		}
		if cur != nil {
			cur = append(cur, line)
		}
		prevBlank = strings.TrimSpace(line) == ""
	}
	flush()
	return out
}

// newDiagnostic reads the lines of one diagnostic, the "Error: " line first.
func newDiagnostic(lines []string) diagnostic {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	d := diagnostic{Summary: strings.TrimPrefix(lines[0], "Error: "), Text: strings.Join(lines, "\n")}
	for _, l := range lines[1:] {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "with "); ok {
			d.Address = strings.TrimSuffix(rest, ",")
			break
		}
	}
	return d
}

// failedResources counts the distinct resources named by errors or, by index into the fleet,
// found wrong in the simulator's ground truth.
func failedResources(errs []diagnostic, bad []int) int {
	failed := map[string]bool{}
	for _, d := range errs {
		if d.Address != "" {
			failed[d.Address] = true
		}
	}
	for _, i := range bad {
		failed[fmt.Sprintf("ecs_server_password.fleet[%d]", i)] = true
	}
	return len(failed)
}

// idPattern matches server IDs (UUIDs) and request and project IDs (32 hex digits), which make
// every diagnostic unique.
var idPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}`)

// errorGroup is one kind of error and how many resources hit it.
type errorGroup struct {
	Text  string
	Count int
}

// groupErrors merges diagnostics that differ only in the resource and the IDs they name, most
// frequent first, so that 30 copies of one error read as one.
func groupErrors(errs []diagnostic) []errorGroup {
	counts := map[string]int{}
	var order []string
	for _, d := range errs {
		var keep []string
		for _, l := range strings.Split(d.Text, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "with ") {
				keep = append(keep, l)
			}
		}
		text := idPattern.ReplaceAllString(strings.Join(keep, "\n"), "…")
		if counts[text] == 0 {
			order = append(order, text)
		}
		counts[text]++
	}
	out := make([]errorGroup, len(order))
	for i, text := range order {
		out[i] = errorGroup{Text: text, Count: counts[text]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}
