package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

func TestRotationOptions(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := o.rotationSpec()
	want := rotationSpec{Sizes: []int{100, 1000}, Latency: 50 * time.Millisecond, Rate: 20, Runs: 1, ForEach: true}
	if !ok || !equalInts(spec.Sizes, want.Sizes) || spec.Latency != want.Latency || spec.Rate != want.Rate ||
		spec.Runs != want.Runs || spec.ForEach != want.ForEach {
		t.Errorf("default rotation section: %+v, %t; want %+v", spec, ok, want)
	}
	for _, skip := range []string{"0", "", " 0 "} {
		o, err := parseOptions([]string{"-fleet-sizes", skip}, io.Discard)
		if err != nil {
			t.Fatalf("-fleet-sizes %q: %v", skip, err)
		}
		if _, ok := o.rotationSpec(); ok {
			t.Errorf("-fleet-sizes %q still runs the section", skip)
		}
	}
	o, err = parseOptions([]string{"-fleet-sizes", "1000,10,1000", "-fleet-rate", "0", "-fleet-for-each=false", "-fleet-runs", "3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if spec, _ := o.rotationSpec(); !equalInts(spec.Sizes, []int{10, 1000}) || spec.Rate != 0 || spec.ForEach || spec.Runs != 3 {
		t.Errorf("rotation section from flags: %+v", spec)
	}
	for _, args := range [][]string{
		{"-fleet-sizes", "100,x"}, {"-fleet-sizes", "-1"}, {"-fleet-runs", "0"}, {"-fleet-rate", "-1"},
		{"-fleet-latency", "0"}, {"-fleet-latency", "11m"},
	} {
		if _, err := parseOptions(args, io.Discard); err == nil {
			t.Errorf("parseOptions(%q) accepted bad input", args)
		}
	}
}

func TestRotationVariants(t *testing.T) {
	if got := (rotationSpec{ForEach: true}).variants(); strings.Join(got, ",") != "batch,for_each" {
		t.Errorf("variants = %v", got)
	}
	if got := (rotationSpec{}).variants(); strings.Join(got, ",") != "batch" {
		t.Errorf("variants without for_each = %v", got)
	}
	if got := verifyValues(variantBatch); len(got) != 2 || got[0] || !got[1] {
		t.Errorf("batch verify values = %v, want [false true]", got)
	}
	if got := verifyValues(variantForEach); len(got) != 1 || !got[0] {
		t.Errorf("for_each verify values = %v, want [true]", got)
	}
}

func TestRotationConfig(t *testing.T) {
	batch := rotationConfig(variantBatch, "http://127.0.0.1:1", "n1000")
	forEach := rotationConfig(variantForEach, "http://127.0.0.1:1", "n1000")
	for _, cfg := range []string{batch, forEach} {
		for _, want := range []string{`ecs = "http://127.0.0.1:1"`, `"bench-fleet" = "n1000"`, `data "ecs_servers" "fleet"`,
			"password_wo          = var.password", "password_wo_version  = var.password_version",
			"verify_reset_support = var.verify_reset_support", "ephemeral = true"} {
			if !strings.Contains(cfg, want) {
				t.Errorf("the configuration lacks %q:\n%s", want, cfg)
			}
		}
		if strings.Contains(cfg, "%!") {
			t.Errorf("a formatting verb went wrong:\n%s", cfg)
		}
	}
	if !strings.Contains(batch, `resource "ecs_server_password_batch" "fleet"`) ||
		!strings.Contains(batch, "server_ids           = data.ecs_servers.fleet.ids") || strings.Contains(batch, "for_each") {
		t.Errorf("batch configuration:\n%s", batch)
	}
	if !strings.Contains(forEach, "for_each             = toset(data.ecs_servers.fleet.ids)") ||
		!strings.Contains(forEach, "server_id            = each.key") || strings.Contains(forEach, "ecs_server_password_batch") {
		t.Errorf("for_each configuration:\n%s", forEach)
	}
}

func TestRotationDirNextBumpsTheVersion(t *testing.T) {
	d := &rotationDir{dir: t.TempDir()}
	var passwords []string
	for _, verify := range []bool{true, false} {
		if err := d.next(verify); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(d.dir, "terraform.tfvars.json"))
		if err != nil {
			t.Fatal(err)
		}
		var vars struct {
			Password string `json:"password"`
			Version  int    `json:"password_version"`
			Verify   bool   `json:"verify_reset_support"`
		}
		if err := json.Unmarshal(data, &vars); err != nil {
			t.Fatal(err)
		}
		if vars.Password != d.password || vars.Version != d.version || vars.Verify != verify || vars.Password == "" {
			t.Errorf("variables %+v, want password %q version %d verify %t", vars, d.password, d.version, verify)
		}
		passwords = append(passwords, d.password)
	}
	if d.version != 2 || passwords[0] == passwords[1] {
		t.Errorf("version %d, passwords %q: every apply needs a new version and password", d.version, passwords)
	}
}

func TestExpectedBatchCalls(t *testing.T) {
	for _, c := range []struct {
		n      int
		verify bool
		want   map[string]int
	}{
		// A full page of 1,000 asks for the next one; one reset call per 1,000 servers.
		{1000, false, map[string]int{routeList: 2, routeBatchReset: 1}},
		{1000, true, map[string]int{routeList: 2, routeBatchReset: 1, routeFlag: 1000}},
		{100, false, map[string]int{routeList: 1, routeBatchReset: 1}},
		{2500, false, map[string]int{routeList: 3, routeBatchReset: 3}},
	} {
		if got := expectedBatchCalls(c.n, c.verify); !equalCalls(got, c.want) {
			t.Errorf("expectedBatchCalls(%d, %t) = %v, want %v", c.n, c.verify, got, c.want)
		}
	}
}

func TestRotationIdeal(t *testing.T) {
	const l = 50 * time.Millisecond
	for _, c := range []struct {
		key  rotationKey
		want time.Duration
	}{
		// 2 pages + 1 reset.
		{rotationKey{N: 1000, Variant: variantBatch, Latency: l}, 150 * time.Millisecond},
		// + ceil(1000 / 10) = 100 rounds of flag reads.
		{rotationKey{N: 1000, Variant: variantBatch, Verify: true, Latency: l}, 5150 * time.Millisecond},
		// 1 page + 1 reset + 11 rounds.
		{rotationKey{N: 101, Variant: variantBatch, Verify: true, Latency: l}, 650 * time.Millisecond},
		// 1 page + 10 rounds × (refresh, flag, reset) at -parallelism=10.
		{rotationKey{N: 100, Variant: variantForEach, Verify: true, Latency: l}, 1550 * time.Millisecond},
		{rotationKey{N: 100, Variant: variantForEach, Latency: l}, 1050 * time.Millisecond},
		{rotationKey{N: 1000, Variant: variantBatch, Verify: true}, 0},
	} {
		if got := rotationIdeal(c.key, 10); got != c.want {
			t.Errorf("rotationIdeal(%+v) = %s, want %s", c.key, got, c.want)
		}
	}
}

func TestRotationMismatches(t *testing.T) {
	truth := map[string]ecssim.ServerState{
		"a": {ID: "a", Password: "new", ResetCount: 3},
		"b": {ID: "b", Password: "new", ResetCount: 4}, // reset twice
		"c": {ID: "c", Password: "old", ResetCount: 3}, // wrong password
	}
	before := map[string]int{"a": 2, "b": 2, "c": 2, "d": 0}
	got := rotationMismatches(truth, []string{"d", "c", "b", "a"}, before, "new")
	if strings.Join(got, ",") != "b,c,d" {
		t.Errorf("rotationMismatches = %v, want [b c d] (d is gone)", got)
	}
}

func TestSuccessfulCallsLeaveOutRefusalsAndIAM(t *testing.T) {
	reqs := []ecssim.RequestRecord{
		{Method: "GET", Route: "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", Status: 429},
		{Method: "GET", Route: "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", Status: 200},
		{Method: "GET", Route: "/v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag", Status: 429},
		{Method: "PUT", Route: "/v1/{project_id}/cloudservers/os-reset-passwords", Status: 429},
		{Method: "PUT", Route: "/v1/{project_id}/cloudservers/os-reset-passwords", Status: 200},
	}
	s := rotationSample{
		Calls:   map[string]int{routeFlag: 12, routeBatchReset: 2, routeList: 1, "POST /v3/auth/tokens": 1},
		Refused: countRefused(reqs),
	}
	if s.Throttled() != 3 {
		t.Errorf("Throttled = %d, want 3", s.Throttled())
	}
	want := map[string]int{routeFlag: 10, routeBatchReset: 1, routeList: 1}
	if got := s.Successful(); !equalCalls(got, want) {
		t.Errorf("Successful = %v, want %v", got, want)
	}
}

// rotationRuns fakes a section at N = 1000: the batch rotations (three runs each at 50 ms),
// for_each at 50 ms, and both under the quota, with the given wall times.
func rotationRuns(noVerify50, verify50, quotaBatch, quotaForEach time.Duration) []rotationSample {
	const n = 1000
	l := 50 * time.Millisecond
	batch := func(verify bool, latency time.Duration, rate float64, wall time.Duration) rotationSample {
		return rotationSample{
			rotationKey: rotationKey{N: n, Variant: variantBatch, Phase: phaseRotate, Verify: verify, Latency: latency, Rate: rate},
			// CPU: a tenth of the wall time, except without the flag check, where it is all CPU.
			Wall: wall, CPU: wall / 10, Calls: expectedBatchCalls(n, verify),
		}
	}
	forEach := func(latency time.Duration, rate float64, wall time.Duration) rotationSample {
		return rotationSample{
			rotationKey: rotationKey{N: n, Variant: variantForEach, Phase: phaseRotate, Verify: true, Latency: latency, Rate: rate},
			Wall:        wall, Calls: map[string]int{routeList: 2, routeShow: n, routeFlag: n, routeReset: n},
		}
	}
	out := []rotationSample{
		{rotationKey: rotationKey{N: n, Variant: variantBatch, Phase: phaseCreate, Verify: true}, Wall: 3 * time.Second,
			Calls: expectedBatchCalls(n, true)},
		{rotationKey: rotationKey{N: n, Variant: variantBatch, Phase: phaseDestroy, Verify: true}, Wall: 2 * time.Second,
			Calls: map[string]int{routeList: 2, "DELETE /v1/{project_id}/cloudservers/{server_id}/os-server-password": n}},
	}
	for _, wall := range []time.Duration{noVerify50 - 100*time.Millisecond, noVerify50, noVerify50 + time.Second} {
		s := batch(false, l, 0, wall)
		s.CPU = wall
		out = append(out, s, batch(true, l, 0, verify50))
	}
	return append(out, forEach(l, 0, 20*time.Second), batch(false, 0, 20, quotaBatch), batch(true, 0, 20, 52*time.Second),
		forEach(0, 20, quotaForEach))
}

func TestSummariseRotations(t *testing.T) {
	rows := summariseRotations(rotationRuns(1500*time.Millisecond, 6*time.Second, time.Second, 150*time.Second))
	var order []string
	for _, r := range rows {
		order = append(order, r.describe())
	}
	want := []string{
		"fleet rotation N=1000 ecs_server_password_batch verify_reset_support=true create (setup) latency=0",
		"fleet rotation N=1000 ecs_server_password_batch verify_reset_support=false rotation latency=50ms",
		"fleet rotation N=1000 ecs_server_password_batch verify_reset_support=true rotation latency=50ms",
		"fleet rotation N=1000 for_each ecs_server_password verify_reset_support=true rotation latency=50ms",
		"fleet rotation N=1000 ecs_server_password_batch verify_reset_support=false rotation latency=0 limit=20/s",
		"fleet rotation N=1000 ecs_server_password_batch verify_reset_support=true rotation latency=0 limit=20/s",
		"fleet rotation N=1000 for_each ecs_server_password verify_reset_support=true rotation latency=0 limit=20/s",
		"fleet rotation N=1000 ecs_server_password_batch destroy latency=0",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	if r := rows[1]; len(r.Samples) != 3 || r.Wall() != 1500*time.Millisecond || r.Calls()[routeBatchReset] != 1 {
		t.Errorf("the batch row without the flag check: %d runs, median %s, calls %v", len(r.Samples), r.Wall(), r.Calls())
	}
	cs := compareRotations(rows)
	if len(cs) != 2 || cs[0].Rate != 0 || cs[1].Rate != 20 {
		t.Fatalf("comparisons: %+v", cs)
	}
	if x := speedup(cs[1].ForEach, cs[1].NoVerify); x != 150 {
		t.Errorf("speed-up under the quota = %v, want 150", x)
	}
}

func TestRotationTargets(t *testing.T) {
	l := 50 * time.Millisecond
	good := summariseRotations(rotationRuns(1500*time.Millisecond, 6*time.Second, time.Second, 150*time.Second))
	tgs := rotationTargets(good, l, 10)
	// Calls of the four batch rotation rows, the 2 s wall, the ratio and the quota speed-up.
	if len(tgs) != 7 {
		t.Errorf("%d targets, want 7", len(tgs))
	}
	for _, tg := range tgs {
		if !tg.Met {
			t.Errorf("missed for a good run: %s", tg.Text)
		}
	}
	bad := rotationRuns(2500*time.Millisecond, 6500*time.Millisecond, 2*time.Second, 150*time.Second)
	bad[2].Calls = map[string]int{routeList: 2, routeBatchReset: 1, routeShow: 1} // the first run without the flag check
	var missed []string
	for _, tg := range rotationTargets(summariseRotations(bad), l, 10) {
		if !tg.Met {
			missed = append(missed, tg.Text)
		}
	}
	joined := strings.Join(missed, "\n")
	for _, want := range []string{
		"verify_reset_support=false rotation latency=50ms: API calls GET detail 2, GET server 1, PUT os-reset-passwords 1; " +
			"GET detail 2, PUT os-reset-passwords 1 in every run (expected GET detail 2, PUT os-reset-passwords 1)",
		"verify_reset_support=false rotation latency=50ms: wall 2.50 s (≤ 2.00 s)",
		"wall 6.50 s against the ideal (ceil(N / 10) flag rounds + 2 listing pages + 1 reset call) × 50ms = 5.15 s: 1.26 (≤ 1.25)",
		"under 20 requests/s: batch rotation (verify_reset_support = false) 2.00 s, for_each rotation (default flag check) " +
			"150.00 s: for_each / batch 75 (≥ 100)",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no missed target says %q; missed:\n%s", want, joined)
		}
	}
	if len(missed) != 4 {
		t.Errorf("%d targets missed, want 4:\n%s", len(missed), joined)
	}
}

func TestRotationTargetsJudgeTimeAtN1000Only(t *testing.T) {
	samples := rotationRuns(5*time.Second, 60*time.Second, 10*time.Second, 20*time.Second)
	for i := range samples {
		samples[i].N = 100
		if samples[i].Variant == variantBatch {
			samples[i].Calls = expectedBatchCalls(100, samples[i].Verify)
		}
	}
	for _, tg := range rotationTargets(summariseRotations(samples), 50*time.Millisecond, 10) {
		if !tg.Met || !strings.Contains(tg.Text, "API calls") {
			t.Errorf("at N=100 only the calls are judged: %+v", tg)
		}
	}
}

func TestRenderRotations(t *testing.T) {
	rows := summariseRotations(rotationRuns(1500*time.Millisecond, 6*time.Second, time.Second, 150*time.Second))
	rep := &report{Parallelism: 10, Rotations: rows}
	var b strings.Builder
	rep.render(&b)
	out := b.String()
	for _, want := range []string{
		"## Fleet rotation: ecs_server_password_batch against for_each",
		// CPU is that of the median run.
		"| 1000 | ecs_server_password_batch | false | rotation | 50ms | — | 3 | 1.50 | 1.50 | 0.15 | 10.00 | 3 | GET detail 2, PUT os-reset-passwords 1 | 0 |",
		"| 1000 | ecs_server_password_batch | true | rotation | 50ms | — | 3 | 6.00 | 0.60 | 5.15 | 1.17 | 1003 |",
		// Under the quota the ideal is the quota time: 1003 successful calls / 20.
		"| 1000 | ecs_server_password_batch | true | rotation | 0 | 20/s | 1 | 52.00 | 5.20 | 50.15 | 1.04 | 1003 |",
		"| 1000 | ecs_server_password_batch | — | destroy | 0 | — | 1 | 2.00 | 0.00 | — | — | 1002 |",
		"| 1000 | 0 | 20/s | 150.00 | 1.00 | 150.0 | 52.00 | 2.9 | 3002 | 3 | 1003 |",
		"| 1000 | 50ms | — | 20.00 | 1.50 | 13.3 | 6.00 | 3.3 | 3002 | 3 | 1003 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	(&report{Parallelism: 10}).render(&b)
	if strings.Contains(b.String(), "Fleet rotation") {
		t.Errorf("a report without the section shows it:\n%s", b.String())
	}
}
