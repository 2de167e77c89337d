package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

func TestRestartOptions(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := o.restartSpec()
	want := restartSpec{N: 100, Parallelism: 10, Latency: 50 * time.Millisecond, JobDuration: 2 * time.Second, How: "soft"}
	if !ok || spec != want {
		t.Errorf("default restart row %+v (run %t), want %+v", spec, ok, want)
	}
	o, err = parseOptions([]string{"-restart-size", "7", "-job-duration", "500ms", "-restart", "hard", "-parallelism", "3",
		"-restart-latency", "0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if spec, _ := o.restartSpec(); spec != (restartSpec{N: 7, Parallelism: 3, JobDuration: 500 * time.Millisecond, How: "hard"}) {
		t.Errorf("restart row %+v", spec)
	}
	if o, _ := parseOptions([]string{"-restart-size", "0"}, io.Discard); o == nil {
		t.Fatal("-restart-size 0 rejected")
	} else if _, ok := o.restartSpec(); ok {
		t.Error("-restart-size 0 still runs the restart row")
	}
	for _, args := range [][]string{
		{"-restart-size", "-1"}, {"-restart", "none"}, {"-restart", "Soft"}, {"-restart-latency", "-1ms"},
		{"-restart-latency", "11m"}, {"-job-duration", "0"}, {"-job-duration", "25h"}, {"-job-duration", "500us"},
	} {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("parseOptions(%q) accepted bad input", args)
		}
	}
}

func TestRestartBoundAndWaves(t *testing.T) {
	r := restartResult{
		restartSpec: restartSpec{N: 100, Parallelism: 10, Latency: 50 * time.Millisecond, JobDuration: 2 * time.Second},
		NoRestart:   applyResult{Restart: restartNone, Wall: 4 * time.Second},
		Restart:     applyResult{Restart: "soft", Calls: map[string]int{routeJob: 230}},
	}
	// 1.25 × (4 s + 10 waves × 2 s) = 30 s.
	if r.Waves() != 10 || r.Bound() != 30*time.Second {
		t.Errorf("waves %d, bound %s; want 10 and 30s", r.Waves(), r.Bound())
	}
	if r.PollsPerRestart() != 2.3 {
		t.Errorf("polls per restart %v, want 2.3", r.PollsPerRestart())
	}
	r.N = 101
	if r.Waves() != 11 || r.Bound() != 32500*time.Millisecond {
		t.Errorf("101 resources: waves %d, bound %s; want 11 and 32.5s", r.Waves(), r.Bound())
	}
}

func TestRestartGroundTruth(t *testing.T) {
	booted := ecssim.ServerState{ID: "a", ResetCount: 1, Password: "New!Passw0rd", EffectivePassword: "New!Passw0rd", BootCount: 1}
	pending := ecssim.ServerState{ID: "b", ResetCount: 1, Password: "New!Passw0rd", EffectivePassword: "Old", PendingReset: true}
	if !resetAndBooted(booted, "New!Passw0rd") || resetAndBooted(pending, "New!Passw0rd") {
		t.Error("resetAndBooted")
	}
	if !resetPending(pending, "New!Passw0rd") || resetPending(booted, "New!Passw0rd") {
		t.Error("resetPending")
	}
	for _, bad := range []func(*ecssim.ServerState){
		func(s *ecssim.ServerState) { s.BootCount = 2 },
		func(s *ecssim.ServerState) { s.ResetCount = 2 },
		func(s *ecssim.ServerState) { s.EffectivePassword = "Old" },
		func(s *ecssim.ServerState) { s.PendingReset = true },
		func(s *ecssim.ServerState) { s.Password = "Other!Passw0rd" },
	} {
		s := booted
		bad(&s)
		if resetAndBooted(s, "New!Passw0rd") {
			t.Errorf("resetAndBooted accepts %+v", s)
		}
	}
	truth := map[string]ecssim.ServerState{"a": booted, "b": pending}
	// b is not booted, c is gone.
	got := mismatches(truth, []string{"a", "b", "c"}, []string{"New!Passw0rd", "New!Passw0rd", "x"}, truthCheck("soft"))
	if !equalInts(got, []int{1, 2}) {
		t.Errorf("mismatches after a restart = %v, want [1 2]", got)
	}
	got = mismatches(truth, []string{"a", "b"}, []string{"New!Passw0rd", "New!Passw0rd"}, truthCheck(restartNone))
	if !equalInts(got, []int{0}) {
		t.Errorf("mismatches without restart = %v, want [0]", got)
	}
}

// goodRestart is a restart row that meets every target: 100 resources, 2 calls per create
// without restart; with restart 2.2 polls per restart and a wall time within the bound.
func goodRestart() restartResult {
	calls := func(flag, reset, show, action, job int) map[string]int {
		return map[string]int{routeFlag: flag, routeReset: reset, routeShow: show, routeAction: action, routeJob: job}
	}
	return restartResult{
		restartSpec: restartSpec{N: 100, Parallelism: 10, Latency: 50 * time.Millisecond, JobDuration: 2 * time.Second, How: "soft"},
		NoRestart:   applyResult{Restart: restartNone, Wall: 4 * time.Second, Calls: calls(100, 100, 0, 0, 0)},
		Restart:     applyResult{Restart: "soft", Wall: 28 * time.Second, Calls: calls(100, 100, 100, 100, 220)},
		Timing: restartTiming{Restarts: 100, Read: 60 * time.Millisecond, Post: 55 * time.Millisecond,
			Job: 2 * time.Second, Late: 310 * time.Millisecond},
	}
}

func TestRestartTargets(t *testing.T) {
	for _, tg := range restartTargets(goodRestart()) {
		if !tg.Met {
			t.Errorf("missed for a good run: %s", tg.Text)
		}
	}
	bad := goodRestart()
	bad.Restart.Wall = 31 * time.Second
	bad.Restart.Calls[routeJob] = 450
	bad.NoRestart.Calls[routeJob] = 1
	bad.Restart.Mismatches, bad.Restart.FailedResources = []int{3}, 1
	var missed []string
	for _, tg := range restartTargets(bad) {
		if !tg.Met {
			missed = append(missed, tg.Text)
		}
	}
	joined := strings.Join(missed, "\n")
	for _, want := range []string{"wall 31.00 s (≤ 1.25 × (no-restart apply 4.00 s + 10 waves × 2s) = 30.00 s)",
		"job polls per restart 4.5 (≤ 4)", "GET job 1 (= 0)", "1 resources failed", "1 servers wrong"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no missed target says %q; missed:\n%s", want, joined)
		}
	}
	if len(missed) != 4 {
		t.Errorf("%d targets missed, want 4:\n%s", len(missed), joined)
	}
	// An extra call per create without restart misses too.
	extra := goodRestart()
	extra.NoRestart.Calls[routeShow] = 100
	if tgs := restartTargets(extra); tgs[0].Met {
		t.Errorf("3 calls per create without restart met: %s", tgs[0].Text)
	}
	// Only the applies that ran have targets.
	half := goodRestart()
	half.Restart = applyResult{}
	if tgs := restartTargets(half); len(tgs) != 2 {
		t.Errorf("only the no-restart apply ran, yet %d targets", len(tgs))
	}
}

func TestRenderRestart(t *testing.T) {
	rr := goodRestart()
	rep := &report{Parallelism: 10, Restart: &rr}
	var b strings.Builder
	rep.render(&b)
	out := b.String()
	for _, want := range []string{
		"## Restart after reset",
		"| none | 100 | 50ms | 2s | 4.00 | — | — | 2 | 1 | 1 | 0 | 0 | 0 | 0 | 0 |",
		"| soft | 100 | 50ms | 2s | 28.00 | 30.00 | 0.93 | 6.2 | 1 | 1 | 1 | 1 | 2.2 | 0 | 0 |",
		"GET job / N = 2.2",
		"GET server 60ms, reboot POST 55ms, job 2s, from the job's end to the poll that saw it 310ms; 2.425s in all. " +
			"10 waves of that are 24.25s, against 10 × 2s = 20s of job time in the bound.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	(&report{Parallelism: 10}).render(&b)
	if strings.Contains(b.String(), "Restart after reset") {
		t.Errorf("a report without the restart row shows it:\n%s", b.String())
	}
}

func TestOperationNameNamesPlaceholders(t *testing.T) {
	for route, want := range map[string]string{
		routeShow: "GET server", routeJob: "GET job", routeAction: "POST action",
		"GET /v2.1/{project_id}/servers/{server_id}": "GET server (v2.1)",
	} {
		if got := operationName(route); got != want {
			t.Errorf("operationName(%q) = %q, want %q", route, got, want)
		}
	}
}

// restartLog is the request log of one restart at 50 ms latency: reset answered at 0.05 s,
// GET server at 0.12 s, the job begins at 0.19 s, ends at 2.19 s, and its second poll, answered
// at 2.45 s, sees it. Another server's reset has no job (left out) and a 429 is ignored.
func restartLog(t0 time.Time) ([]ecssim.RequestRecord, []jobSpan) {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	rec := func(ms int, method, route, path string, status int) ecssim.RequestRecord {
		return ecssim.RequestRecord{Time: at(ms), Method: method, Route: route, Path: path, Status: status}
	}
	const srv, pid = "/v1/0b1c/cloudservers/", "/v1/0b1c/jobs/"
	reqs := []ecssim.RequestRecord{
		rec(-60, "GET", strings.TrimPrefix(routeFlag, "GET "), srv+"s1/os-resetpwd-flag", 200),
		rec(0, "PUT", strings.TrimPrefix(routeReset, "PUT "), srv+"s1/os-reset-password", 204),
		rec(5, "PUT", strings.TrimPrefix(routeReset, "PUT "), srv+"s2/os-reset-password", 204),
		rec(70, "GET", strings.TrimPrefix(routeShow, "GET "), srv+"s1", 200),
		rec(140, "POST", strings.TrimPrefix(routeAction, "POST "), "/v1/0b1c/cloudservers/action", 200),
		rec(1250, "GET", strings.TrimPrefix(routeJob, "GET "), pid+"j1", 200),
		rec(2000, "GET", strings.TrimPrefix(routeJob, "GET "), pid+"j1", 429),
		rec(2400, "GET", strings.TrimPrefix(routeJob, "GET "), pid+"j1", 200),
	}
	jobs := []jobSpan{{ID: "j1", ServerID: "s1", Begin: at(190), End: at(2190)}, {ID: "j9", ServerID: "s9"}}
	return reqs, jobs
}

func TestTimeRestarts(t *testing.T) {
	reqs, jobs := restartLog(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	got := timeRestarts(reqs, jobs, 50*time.Millisecond)
	want := restartTiming{Restarts: 1, Read: 70 * time.Millisecond, Post: 70 * time.Millisecond,
		Job: 2 * time.Second, Late: 260 * time.Millisecond}
	if got != want {
		t.Errorf("timeRestarts = %+v, want %+v", got, want)
	}
	// The parts add up to the time from the reset's answer to the last poll's answer.
	if got.Total() != 2400*time.Millisecond {
		t.Errorf("total %s, want 2.4s", got.Total())
	}
	if ids := jobIDs(reqs); len(ids) != 1 || ids[0] != "j1" {
		t.Errorf("jobIDs = %v", ids)
	}
	if got := timeRestarts(nil, jobs, 0); got != (restartTiming{}) {
		t.Errorf("no log: %+v", got)
	}
}

func TestNewJobSpan(t *testing.T) {
	job := &ecsapi.Job{ID: "j1", BeginTime: "2026-12-02T10:00:00.190Z", EndTime: "2026-12-02T10:00:02.190Z",
		SubJobs: []ecsapi.SubJob{{ServerID: "s1"}}}
	span, ok := newJobSpan(job)
	if !ok || span.ServerID != "s1" || span.End.Sub(span.Begin) != 2*time.Second {
		t.Errorf("newJobSpan = %+v, %t", span, ok)
	}
	job.EndTime = ""
	if _, ok := newJobSpan(job); ok {
		t.Error("a job that has not ended was read")
	}
}
