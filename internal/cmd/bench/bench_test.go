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
		o.throttleRate != 20 || o.throttleSize != 200 {
		t.Errorf("defaults: %+v", o)
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
	throttled := []throttleResult{{N: 200, Rate: 20, Phase: phaseApply, Wall: 22 * time.Second, Succeeded: 400, Throttled: 50}}
	for _, tg := range evaluateTargets(good, throttled, 10) {
		if !tg.Met {
			t.Errorf("target reported missed for a good run: %s", tg.Text)
		}
	}

	// Too slow at 50 ms, a connection per call, an extra call per create, a slow throttled run.
	bad := fleetSamples(6*time.Second, 200)
	bad[3].Calls["GET /v1/{project_id}/cloudservers/{server_id}"] = 100
	slow := []throttleResult{{N: 200, Rate: 20, Phase: phaseApply, Wall: 40 * time.Second, Succeeded: 400}}
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
	r := throttleResult{Rate: 20, Succeeded: 400, Wall: 26 * time.Second}
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
