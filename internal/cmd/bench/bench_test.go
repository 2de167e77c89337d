package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseSizes(t *testing.T) {
	got, err := parseSizes(" 500,10, 100,10")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{10, 100, 500}; !equalInts(got, want) {
		t.Errorf("parseSizes = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "10,,100", "ten", "0", "-5", "1.5"} {
		if _, err := parseSizes(bad); err == nil {
			t.Errorf("parseSizes(%q) accepted bad input", bad)
		}
	}
}

func TestParseLatenciesAlwaysMeasuresTheBaseline(t *testing.T) {
	got, err := parseLatencies("100ms,50ms")
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{0, 50 * time.Millisecond, 100 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("parseLatencies = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("parseLatencies = %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"fast", "-1ms", "50", "11m"} {
		if _, err := parseLatencies(bad); err == nil {
			t.Errorf("parseLatencies(%q) accepted bad input", bad)
		}
	}
}

func TestParseOptionsRejectsNonsense(t *testing.T) {
	for _, args := range [][]string{
		{"-parallelism", "0"}, {"-runs", "0"}, {"-throttle-rate", "-1"}, {"-throttle-size", "0"}, {"extra"},
		{"-tight-throttle-rate", "-2"}, {"-tight-throttle-size", "0"}, {"-tight-throttle-parallelism", "0"},
		{"-max-retries", "-2"},
	} {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("parseOptions(%q) accepted bad input", args)
		}
	}
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(o.sizes, []int{10, 100, 500}) || o.parallelism != 10 || len(o.latencies) != 2 || o.latencies[1] != 50*time.Millisecond ||
		o.throttleRate != 20 || o.throttleSize != 200 || o.tightRate != 2 || o.tightSize != 30 || o.tightParallelism != 10 ||
		o.maxRetries != -1 {
		t.Errorf("defaults: %+v", o)
	}
}

func TestThrottleSpecsRunBothRowsByDefault(t *testing.T) {
	o, err := parseOptions([]string{"-parallelism", "4"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := o.throttleSpecs()
	want := []throttleSpec{
		{N: 200, Rate: 20, Parallelism: 4, MaxRatio: maxThrottleRatio},
		// The tight row keeps its own parallelism: its requirement is stated at 10.
		{N: 30, Rate: 2, Parallelism: 10},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("throttleSpecs = %+v, want %+v", got, want)
	}
	o, err = parseOptions([]string{"-throttle-rate", "0", "-tight-throttle-size", "5", "-tight-throttle-rate", "0.5"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.throttleSpecs(); len(got) != 1 || got[0] != (throttleSpec{N: 5, Rate: 0.5, Parallelism: 10}) {
		t.Errorf("with -throttle-rate 0: %+v", got)
	}
	if o, _ := parseOptions([]string{"-tight-throttle-rate", "0", "-throttle-rate", "0"}, io.Discard); len(o.throttleSpecs()) != 0 {
		t.Errorf("both rates 0 still run %+v", o.throttleSpecs())
	}
}

func TestIdealWall(t *testing.T) {
	// 100 resources at parallelism 10 need 10 rounds; 2 calls of 50 ms each per round add 1 s.
	got := idealWall(3*time.Second, 100, 10, 2, 50*time.Millisecond)
	if want := 4 * time.Second; got != want {
		t.Errorf("idealWall = %s, want %s", got, want)
	}
	// 101 resources need an eleventh round.
	got = idealWall(0, 101, 10, 1, 100*time.Millisecond)
	if want := 1100 * time.Millisecond; got != want {
		t.Errorf("idealWall = %s, want %s", got, want)
	}
}

func TestAPICallsLeaveOutIAM(t *testing.T) {
	calls := map[string]int{
		"GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag":  10,
		"PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password": 10,
		"GET /v3/projects":     3,
		"POST /v3/auth/tokens": 1,
	}
	if got := apiCalls(calls); got != 20 {
		t.Errorf("apiCalls = %d, want 20", got)
	}
	delta := statsDelta(map[string]int{"a": 1, "b": 5}, map[string]int{"a": 4, "b": 5, "c": 2})
	if len(delta) != 2 || delta["a"] != 3 || delta["c"] != 2 {
		t.Errorf("statsDelta = %v", delta)
	}
}

func TestOperationSummary(t *testing.T) {
	got := operationSummary(map[string]int{
		"PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password": 20,
		"GET /v1/{project_id}/cloudservers/{server_id}":                   10,
		"GET /v2.1/{project_id}/servers/{server_id}":                      5,
		"GET /v3/projects": 1,
	}, 10)
	want := "GET server 1, GET server (v2.1) 0.5, PUT os-reset-password 2"
	if got != want {
		t.Errorf("operationSummary = %q, want %q", got, want)
	}
	if got := operationSummary(nil, 10); got != "none" {
		t.Errorf("operationSummary(nil) = %q", got)
	}
}

func TestMedianDuration(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 3, 2}, 2},
	} {
		if got := medianDuration(c.in); got != c.want {
			t.Errorf("medianDuration(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// fleetSamples fakes the samples of 100 resources: a 3 s baseline and a 50 ms run of each phase.
func fleetSamples(wall50 time.Duration, conns int64) []sample {
	flag := "GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag"
	reset := "PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password"
	show := "GET /v1/{project_id}/cloudservers/{server_id}"
	del := "DELETE /v1/{project_id}/cloudservers/{server_id}/os-server-password"
	const n = 100
	const wall0 = 3 * time.Second
	var out []sample
	for _, l := range []time.Duration{0, 50 * time.Millisecond} {
		wall := wall0
		if l > 0 {
			wall = wall50
		}
		out = append(out,
			sample{N: n, Latency: l, Phase: phaseApply, Wall: wall, Calls: map[string]int{flag: n, reset: n}, Conns: conns},
			sample{N: n, Latency: l, Phase: phasePlan, Wall: wall, Calls: map[string]int{show: n}, Conns: conns},
			sample{N: n, Latency: l, Phase: phaseDestroy, Wall: wall, Calls: map[string]int{show: n, del: n}, Conns: conns},
		)
	}
	return out
}

func TestSummariseComputesTheIdealFromTheBaseline(t *testing.T) {
	rows := summarise(fleetSamples(5*time.Second, 10), 10)
	if len(rows) != 6 {
		t.Fatalf("got %d rows, want 6", len(rows))
	}
	if rows[0].Latency != 0 || rows[0].Phase != phaseApply || rows[3].Latency != 50*time.Millisecond {
		t.Errorf("rows out of order: %+v", rows)
	}
	apply50 := rows[3]
	// 3 s + 10 rounds × 2 calls × 50 ms = 4 s; 5 s / 4 s = 1.25.
	if apply50.Ideal != 4*time.Second || apply50.Ratio != 1.25 || apply50.CallsPerResource != 2 {
		t.Errorf("apply at 50 ms: %+v", apply50)
	}
	plan50 := rows[4]
	if plan50.Ideal != 3500*time.Millisecond || plan50.CallsPerResource != 1 {
		t.Errorf("plan at 50 ms: %+v", plan50)
	}
	if rows[0].Ideal != 0 || rows[0].Ratio != 0 {
		t.Errorf("the baseline has no ideal of its own: %+v", rows[0])
	}
}

func TestEvaluateTargets(t *testing.T) {
	good := summarise(fleetSamples(4*time.Second, 10), 10)
	throttled := []throttleResult{{throttleSpec: mainThrottle, Phase: phaseApply, Wall: 22 * time.Second, Succeeded: 400, Throttled: 50}}
	for _, tg := range evaluateTargets(good, throttled, 10) {
		if !tg.Met {
			t.Errorf("target reported missed for a good run: %s", tg.Text)
		}
	}

	// Too slow at 50 ms, a connection per call, an extra call per create, a slow throttled run.
	bad := fleetSamples(6*time.Second, 200)
	bad[3].Calls["GET /v1/{project_id}/cloudservers/{server_id}"] = 100
	slow := []throttleResult{{throttleSpec: mainThrottle, Phase: phaseApply, Wall: 40 * time.Second, Succeeded: 400}}
	var missed []string
	for _, tg := range evaluateTargets(summarise(bad, 10), slow, 10) {
		if !tg.Met {
			missed = append(missed, tg.Text)
		}
	}
	joined := strings.Join(missed, "\n")
	if strings.Count(joined, "TCP connections") != 3 {
		t.Errorf("want a connection target missed for each of the three phases:\n%s", joined)
	}
	for _, want := range []string{"create with verify_reset_support", "wall/ideal", "TCP connections", "throttled apply"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no missed target mentions %q; missed:\n%s", want, joined)
		}
	}
}

// mainThrottle and tightThrottle are the two throttled rows of a default run.
var (
	mainThrottle  = throttleSpec{N: 200, Rate: 20, Parallelism: 10, MaxRatio: maxThrottleRatio}
	tightThrottle = throttleSpec{N: 30, Rate: 2, Parallelism: 10}
)

func TestTightThrottleTargetIsZeroFailures(t *testing.T) {
	// Three times the quota time: slow, but the goal is only that nothing fails.
	ok := throttleResult{throttleSpec: tightThrottle, Phase: phaseApply, Wall: 90 * time.Second, Succeeded: 60, Throttled: 300}
	tg := throttleTarget(ok)
	if !tg.Met || !strings.Contains(tg.Text, "0 resources failed") || !strings.Contains(tg.Text, "-parallelism=10") ||
		!strings.Contains(tg.Text, "wall 90.00 s against a quota time of 30.00 s (3.00") {
		t.Errorf("a slow run without failures: %+v", tg)
	}
	failed := ok
	failed.FailedResources, failed.ExitCode = 3, 1
	if tg := throttleTarget(failed); tg.Met || !strings.Contains(tg.Text, "3 resources failed") {
		t.Errorf("a run with failed resources: %+v", tg)
	}
	// The main row fails on a failed resource even when its exit status and timing are fine.
	main := throttleResult{throttleSpec: mainThrottle, Phase: phaseDestroy, Wall: 20 * time.Second, Succeeded: 400, FailedResources: 1}
	if tg := throttleTarget(main); tg.Met {
		t.Errorf("main row with a failed resource: %+v", tg)
	}
}

// cliOutput is what a failed apply prints with -no-color: two throttled resets, a warning, and
// a detail with an "Error:" line of its own.
const cliOutput = `ecs_server_password.fleet[0]: Creating...
ecs_server_password.fleet[1]: Creating...

Warning: Something to know

Not an error.

Error: Unable to Reset Server Password

  with ecs_server_password.fleet[1],
  on main.tf line 54, in resource "ecs_server_password" "fleet":
  54: resource "ecs_server_password" "fleet" {

Could not reset the password of server "0b6a4a3e-1f0c-4c55-9d43-6a1b2c3d4e5f".

API error code: APIGW.0308
Request ID: 0123456789abcdef0123456789abcdef
HTTP status: 429 (PUT /v1/…/os-reset-password)

Error: Unable to Reset Server Password

  with ecs_server_password.fleet[7],
  on main.tf line 54, in resource "ecs_server_password" "fleet":
  54: resource "ecs_server_password" "fleet" {

Could not reset the password of server "ffffffff-1f0c-4c55-9d43-6a1b2c3d4e5f".

API error code: APIGW.0308
Request ID: fedcba9876543210fedcba9876543210
HTTP status: 429 (PUT /v1/…/os-reset-password)

Error: Unable to Check Password Reset Support

  with ecs_server_password.fleet[3],
  on main.tf line 54, in resource "ecs_server_password" "fleet":
  54: resource "ecs_server_password" "fleet" {

API error code: none (no answer was received)
Request ID: none (no answer was received)
Error: GET /v1/…: connection reset
`

func TestErrorDiagnostics(t *testing.T) {
	ds := errorDiagnostics(cliOutput)
	if len(ds) != 3 {
		t.Fatalf("got %d diagnostics, want 3 (the warning and the detail's Error: line are none): %+v", len(ds), ds)
	}
	if ds[0].Address != "ecs_server_password.fleet[1]" || ds[0].Summary != "Unable to Reset Server Password" {
		t.Errorf("first diagnostic: %+v", ds[0])
	}
	if !strings.HasSuffix(ds[2].Text, "Error: GET /v1/…: connection reset") || ds[2].Address != "ecs_server_password.fleet[3]" {
		t.Errorf("the detail's own Error: line belongs to the diagnostic: %q", ds[2].Text)
	}
	if strings.Contains(ds[0].Text, "Warning") || strings.HasSuffix(ds[0].Text, "\n") {
		t.Errorf("first diagnostic text: %q", ds[0].Text)
	}
	if got := errorDiagnostics("Apply complete! Resources: 3 added, 0 changed, 0 destroyed.\n"); len(got) != 0 {
		t.Errorf("a clean run has diagnostics: %+v", got)
	}
}

func TestFailedResourcesJoinErrorsAndGroundTruth(t *testing.T) {
	ds := errorDiagnostics(cliOutput)
	// fleet[1] is both reported and wrong in the ground truth; fleet[9] only wrong there.
	if got := failedResources(ds, []int{1, 9}); got != 4 {
		t.Errorf("failedResources = %d, want 4", got)
	}
	if got := failedResources([]diagnostic{{Summary: "Invalid provider configuration"}}, nil); got != 0 {
		t.Errorf("an error that names no resource counted as %d resources", got)
	}
}

func TestGroupErrorsMergesWhatDiffersOnlyInIDs(t *testing.T) {
	groups := groupErrors(errorDiagnostics(cliOutput))
	if len(groups) != 2 || groups[0].Count != 2 || groups[1].Count != 1 {
		t.Fatalf("groups: %+v", groups)
	}
	if strings.Contains(groups[0].Text, "fleet[") || strings.Contains(groups[0].Text, "0123456789abcdef") ||
		!strings.Contains(groups[0].Text, `server "…"`) || !strings.Contains(groups[0].Text, "APIGW.0308") {
		t.Errorf("merged text: %s", groups[0].Text)
	}
}

func TestConnectionLimitAllowsOnePoolPerProcess(t *testing.T) {
	if got := connectionLimit(phaseApply, 10); got != 12 {
		t.Errorf("apply limit %d, want 12", got)
	}
	if got := connectionLimit(phasePlan, 10); got != 12 {
		t.Errorf("plan limit %d, want 12", got)
	}
	if got := connectionLimit(phaseDestroy, 10); got != 22 {
		t.Errorf("destroy limit %d, want 22", got)
	}
	// 20 connections: fine for a destroy's two processes, too many for one apply.
	rows := summarise(fleetSamples(4*time.Second, 20), 10)
	for _, tg := range evaluateTargets(rows, nil, 10) {
		if !strings.Contains(tg.Text, "TCP connections") {
			continue
		}
		wantMet := strings.HasPrefix(tg.Text, phaseDestroy)
		if tg.Met != wantMet {
			t.Errorf("met = %t, want %t: %s", tg.Met, wantMet, tg.Text)
		}
	}
}

func TestThrottleQuota(t *testing.T) {
	r := throttleResult{throttleSpec: throttleSpec{Rate: 20}, Succeeded: 400, Wall: 26 * time.Second}
	if r.QuotaTime() != 20*time.Second || r.Ratio() != 1.3 {
		t.Errorf("quota %s ratio %v, want 20s and 1.3", r.QuotaTime(), r.Ratio())
	}
	if (throttleResult{}).Ratio() != 0 {
		t.Error("a run without a limit has no ratio")
	}
}

func TestBenchmarkLines(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: example/ecsapi
cpu: Some CPU
BenchmarkSign-2   	  500000	      2400 ns/op	     900 B/op	      12 allocs/op
PASS
ok  	example/ecsapi	2.1s
goos: linux
goarch: amd64
pkg: example/ecssim
cpu: Some CPU
BenchmarkNothing-2 is not a result line
ok  	example/ecssim	0.1s
`
	got := strings.Join(benchmarkLines(out), "\n")
	want := "goos: linux\ngoarch: amd64\npkg: example/ecsapi\ncpu: Some CPU\n" +
		"BenchmarkSign-2   \t  500000\t      2400 ns/op\t     900 B/op\t      12 allocs/op\npkg: example/ecssim"
	if got != want {
		t.Errorf("benchmarkLines =\n%s\nwant\n%s", got, want)
	}
}

func TestRenderReport(t *testing.T) {
	rows := summarise(fleetSamples(4*time.Second, 10), 10)
	rep := &report{
		Command: "go run ./internal/cmd/bench", Date: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC),
		Machine: "linux/amd64, 2 logical CPUs", GoVersion: "go1.26", CLIVersion: "Terraform v1.11.4", Parallelism: 10,
		ProviderSize: 27_700_000, ReleaseSize: 19_300_000, SchemaTime: 400 * time.Millisecond, SchemaRuns: 5,
		Rows: rows, GoBench: []string{"BenchmarkSign-2 1 2 ns/op"},
	}
	rep.Targets = evaluateTargets(rows, nil, 10)
	var b strings.Builder
	rep.render(&b)
	out := b.String()
	for _, want := range []string{
		"| 100 | 50ms | apply | 4.00 | 4.00 | 1.00 | 2 | GET os-resetpwd-flag 1, PUT os-reset-password 1 | 10 |",
		"| 100 | 0 | plan (no change) | 3.00 | baseline | — | 1 | GET server 1 | 10 |",
		"27.7 MB", "19.3 MB", "0.40 s (median of 5 runs)", "2025-01-02 03:04 UTC", "BenchmarkSign-2", "met: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "MISSED") || len(rep.missed()) != 0 {
		t.Errorf("a good run reports missed targets:\n%s", out)
	}
	if strings.Contains(out, "Throttled runs") || strings.Contains(out, "max_retries") {
		t.Errorf("the report shows sections of runs that did not happen:\n%s", out)
	}
}

func TestRenderReportQuotesThrottleErrors(t *testing.T) {
	failed := throttleResult{throttleSpec: tightThrottle, Phase: phaseApply, Wall: 70 * time.Second, Succeeded: 58,
		Throttled: 250, FailedResources: 3, Errors: errorDiagnostics(cliOutput), ExitCode: 1}
	retries := 12
	rep := &report{Parallelism: 10, MaxRetries: &retries, Throttle: []throttleResult{failed}}
	rep.Targets = evaluateTargets(nil, rep.Throttle, 10)
	var b strings.Builder
	rep.render(&b)
	out := b.String()
	for _, want := range []string{
		"| 30 | 2/s | 10 | apply | 70.00 | 29.00 | 2.41 | 58 | 250 | 0 | 3 | 1 |",
		"### Errors of the throttled runs", "3 errors, 3 resources failed, exit status 1", "2 ×", "1 ×",
		"Provider `max_retries`: 12", "**MISSED**: throttled apply of 30 resources at 2 requests/s, -parallelism=10: 3 resources failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
