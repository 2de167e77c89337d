package main

import (
	"cmp"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// Phases of the rotation section; phaseDestroy is shared with the fleet table.
const (
	phaseCreate = "create (setup)"
	phaseRotate = "rotation"
)

// Routes of the rotation section, as the simulator's stats name them.
const (
	routeList       = "GET /v1/{project_id}/cloudservers/detail"
	routeBatchReset = "PUT /v1/{project_id}/cloudservers/os-reset-passwords"
)

// providerFleetConcurrency is how many per-server calls (reset-flag reads, deletes) the batch
// resource runs at once: the provider's fleetConcurrency.
const providerFleetConcurrency = 10

// Targets of the rotation section, judged at N = rotationTargetN.
const (
	rotationTargetN      = 1000
	maxBatchNoVerifyWall = 2 * time.Second // batch rotation without the flag check, at the section's latency
	maxBatchVerifyRatio  = 1.25            // batch rotation with the flag check: wall / ideal
	minQuotaSpeedup      = 100.0           // under the quota: for_each wall / batch wall
	rotationSectionLabel = "fleet rotation"
)

// rotationKey says what a sample measured.
type rotationKey struct {
	N       int
	Variant string // variantBatch or variantForEach
	Phase   string // phaseCreate, phaseRotate or phaseDestroy
	Verify  bool   // verify_reset_support
	Latency time.Duration
	// Rate is the quota in requests per second; 0 for none.
	Rate float64
}

// rotationSample is one measured CLI command of the section.
type rotationSample struct {
	rotationKey
	Wall time.Duration
	// CPU is the CPU time of the CLI and of the provider processes it ran.
	CPU time.Duration
	// Calls counts the requests by "METHOD route-template", 429 answers included.
	Calls map[string]int
	// Refused counts the requests answered 429, by route (from the request log).
	Refused map[string]int
}

// Throttled is the number of requests answered 429.
func (s rotationSample) Throttled() int {
	n := 0
	for _, c := range s.Refused {
		n += c
	}
	return n
}

// Successful is the ECS API requests by route, those answered 429 and IAM's left out.
func (s rotationSample) Successful() map[string]int {
	out := map[string]int{}
	for route, c := range s.Calls {
		if c -= s.Refused[route]; c > 0 && !isIAMRoute(route) {
			out[route] = c
		}
	}
	return out
}

// describe names a key in progress lines and errors.
func (k rotationKey) describe() string {
	s := fmt.Sprintf("%s N=%d %s", rotationSectionLabel, k.N, k.variantText())
	if k.Phase != phaseDestroy {
		s += fmt.Sprintf(" verify_reset_support=%t", k.Verify)
	}
	s += fmt.Sprintf(" %s latency=%s", k.Phase, latencyText(k.Latency))
	if k.Rate > 0 {
		s += fmt.Sprintf(" limit=%g/s", k.Rate)
	}
	return s
}

// variantText names the variant as the report does.
func (k rotationKey) variantText() string {
	if k.Variant == variantForEach {
		return "for_each ecs_server_password"
	}
	return "ecs_server_password_batch"
}

// verifyText is the verify_reset_support of a key for the table: "—" for a destroy, which
// reads no flag.
func (k rotationKey) verifyText() string {
	if k.Phase == phaseDestroy {
		return "—"
	}
	return fmt.Sprint(k.Verify)
}

// countRefused counts the requests of a log answered 429, by "METHOD route-template".
func countRefused(reqs []ecssim.RequestRecord) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		if r.Status == 429 {
			out[r.Method+" "+r.Route]++
		}
	}
	return out
}

// rotationMismatches returns the servers of ids (sorted) that do not hold password or were not
// reset exactly once more than before.
func rotationMismatches(truth map[string]ecssim.ServerState, ids []string, before map[string]int, password string) []string {
	var bad []string
	for _, id := range ids {
		st, ok := truth[id]
		if !ok || st.Password != password || st.ResetCount != before[id]+1 {
			bad = append(bad, id)
		}
	}
	slices.Sort(bad)
	return bad
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// listPages is the pages a listing of n servers reads: a full page asks for the next one.
func listPages(n int) int { return n/ecsapi.DefaultListPageSize + 1 }

// expectedBatchCalls are the calls of a batch rotation of n servers, by route: the listing, the
// flag reads when verify, and one reset per 1,000 servers; nothing else.
func expectedBatchCalls(n int, verify bool) map[string]int {
	m := map[string]int{routeList: listPages(n), routeBatchReset: ceilDiv(n, ecsapi.MaxBatchServers)}
	if verify {
		m[routeFlag] = n
	}
	return m
}

// rotationIdeal is the latency a rotation cannot avoid, without the CLI's own time: the listing
// pages and the resets, one latency each, plus for the batch resource's flag check
// ceil(N / 10) rounds of one latency, and for for_each ceil(N / parallelism) rounds of the
// refresh, the flag read (when verify) and the reset.
func rotationIdeal(k rotationKey, parallelism int) time.Duration {
	rounds := listPages(k.N)
	switch k.Variant {
	case variantForEach:
		perResource := 2
		if k.Verify {
			perResource = 3
		}
		rounds += ceilDiv(k.N, parallelism) * perResource
	default:
		rounds += ceilDiv(k.N, ecsapi.MaxBatchServers)
		if k.Verify {
			rounds += ceilDiv(k.N, providerFleetConcurrency)
		}
	}
	return time.Duration(rounds) * k.Latency
}

// rotationRow is the samples of one key, summarised.
type rotationRow struct {
	rotationKey
	Samples []rotationSample
}

// Wall is the median wall time.
func (r rotationRow) Wall() time.Duration {
	walls := make([]time.Duration, len(r.Samples))
	for i, s := range r.Samples {
		walls[i] = s.Wall
	}
	return medianDuration(walls)
}

// CPU is the CPU time of the run with the median wall time (the upper one of an even count).
func (r rotationRow) CPU() time.Duration {
	s := slices.Clone(r.Samples)
	slices.SortFunc(s, func(a, b rotationSample) int { return cmp.Compare(a.Wall, b.Wall) })
	return s[len(s)/2].CPU
}

// Calls is the most requests of each route in any run.
func (r rotationRow) Calls() map[string]int {
	out := map[string]int{}
	for _, s := range r.Samples {
		for route, c := range s.Calls {
			out[route] = max(out[route], c)
		}
	}
	return out
}

// Throttled is the most 429 answers of any run.
func (r rotationRow) Throttled() int {
	n := 0
	for _, s := range r.Samples {
		n = max(n, s.Throttled())
	}
	return n
}

// summariseRotations groups samples by key, in the order: N, phase (create, rotations,
// destroy), quota last, latency, variant (batch first), verify (false first).
func summariseRotations(samples []rotationSample) []rotationRow {
	var rows []rotationRow
	index := map[rotationKey]int{}
	for _, s := range samples {
		i, ok := index[s.rotationKey]
		if !ok {
			i = len(rows)
			index[s.rotationKey] = i
			rows = append(rows, rotationRow{rotationKey: s.rotationKey})
		}
		rows[i].Samples = append(rows[i].Samples, s)
	}
	phaseOrder := map[string]int{phaseCreate: 0, phaseRotate: 1, phaseDestroy: 2}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].rotationKey, rows[j].rotationKey
		switch {
		case a.N != b.N:
			return a.N < b.N
		case a.Phase != b.Phase:
			return phaseOrder[a.Phase] < phaseOrder[b.Phase]
		case a.Rate != b.Rate:
			return a.Rate < b.Rate
		case a.Latency != b.Latency:
			return a.Latency < b.Latency
		case a.Variant != b.Variant:
			return a.Variant == variantBatch
		}
		return !a.Verify && b.Verify
	})
	return rows
}

// findRotation returns the rotation row of a key, if measured.
func findRotation(rows []rotationRow, k rotationKey) (rotationRow, bool) {
	k.Phase = phaseRotate
	for _, r := range rows {
		if r.rotationKey == k {
			return r, true
		}
	}
	return rotationRow{}, false
}

// rotationComparison is for_each against the batch resource at one N, latency and quota.
type rotationComparison struct {
	N       int
	Latency time.Duration
	Rate    float64
	// ForEach is the for_each rotation (with the flag check); NoVerify and Verify the batch
	// rotations without and with it.
	ForEach, NoVerify, Verify rotationRow
}

// compareRotations pairs the rotation rows that have both variants.
func compareRotations(rows []rotationRow) []rotationComparison {
	var out []rotationComparison
	for _, r := range rows {
		if r.Phase != phaseRotate || r.Variant != variantForEach {
			continue
		}
		k := r.rotationKey
		k.Variant = variantBatch
		k.Verify = false
		noVerify, ok1 := findRotation(rows, k)
		k.Verify = true
		verify, ok2 := findRotation(rows, k)
		if ok1 && ok2 {
			out = append(out, rotationComparison{N: k.N, Latency: k.Latency, Rate: k.Rate, ForEach: r, NoVerify: noVerify, Verify: verify})
		}
	}
	return out
}

// speedup is how many times longer the for_each rotation took than a batch one.
func speedup(forEach, batch rotationRow) float64 {
	if batch.Wall() <= 0 {
		return 0
	}
	return forEach.Wall().Seconds() / batch.Wall().Seconds()
}

// rotationTargets are the section's goals: the exact calls of every batch rotation, and at
// N = 1,000 the wall time without the flag check, the ratio to the ideal with it, and the
// speed-up over for_each under the quota.
func rotationTargets(rows []rotationRow, latency time.Duration, parallelism int) []target {
	var out []target
	for _, r := range rows {
		if r.Phase != phaseRotate || r.Variant != variantBatch {
			continue
		}
		out = append(out, batchCallsTarget(r))
		if r.N != rotationTargetN || r.Rate > 0 || r.Latency != latency || latency == 0 {
			continue
		}
		if !r.Verify {
			out = append(out, target{Met: r.Wall() <= maxBatchNoVerifyWall, Text: fmt.Sprintf(
				"%s: wall %s s (≤ %s s)", r.describe(), seconds(r.Wall()), seconds(maxBatchNoVerifyWall))})
			continue
		}
		ideal := rotationIdeal(r.rotationKey, parallelism)
		ratio := r.Wall().Seconds() / ideal.Seconds()
		out = append(out, target{Met: ratio <= maxBatchVerifyRatio, Text: fmt.Sprintf(
			"%s: wall %s s against the ideal (ceil(N / %d) flag rounds + %d listing pages + %d reset call) × %s = "+
				"%s s: %.2f (≤ %.2f)", r.describe(), seconds(r.Wall()), providerFleetConcurrency, listPages(r.N),
			ceilDiv(r.N, ecsapi.MaxBatchServers), latencyText(r.Latency), seconds(ideal), ratio, maxBatchVerifyRatio)})
	}
	for _, c := range compareRotations(rows) {
		if c.N != rotationTargetN || c.Rate == 0 {
			continue
		}
		x := speedup(c.ForEach, c.NoVerify)
		out = append(out, target{Met: x >= minQuotaSpeedup, Text: fmt.Sprintf(
			"%s N=%d under %g requests/s: batch rotation (verify_reset_support = false) %s s, for_each rotation "+
				"(default flag check) %s s: for_each / batch %.0f (≥ %.0f)", rotationSectionLabel, c.N, c.Rate,
			seconds(c.NoVerify.Wall()), seconds(c.ForEach.Wall()), x, minQuotaSpeedup)})
	}
	return out
}

// batchCallsTarget is the goal that every run of a batch rotation made exactly the expected
// successful calls: its listing pages, its flag reads and its resets, and nothing else. Under
// the quota, requests answered 429 are left out (they are reported in their own column).
func batchCallsTarget(r rotationRow) target {
	want := expectedBatchCalls(r.N, r.Verify)
	met := true
	var got []string
	for _, s := range r.Samples {
		calls := s.Successful()
		met = met && equalCalls(calls, want)
		got = append(got, callsText(calls))
	}
	what := "API calls"
	if r.Rate > 0 {
		what = "successful API calls"
	}
	return target{Met: met, Text: fmt.Sprintf("%s: %s %s in every run (expected %s)", r.describe(), what,
		strings.Join(slices.Compact(got), "; "), callsText(want))}
}

func equalCalls(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// callsText renders calls by operation, e.g. "GET detail 2, PUT os-reset-passwords 1".
func callsText(calls map[string]int) string {
	return operationSummary(calls, 1)
}

// rowIdeal is the ideal of a rotation row for the table: the latency it cannot avoid (with
// latency), the quota time (successful calls / limit) under a quota, nothing otherwise.
func rowIdeal(r rotationRow, parallelism int) (time.Duration, bool) {
	switch {
	case r.Phase != phaseRotate:
		return 0, false
	case r.Rate > 0:
		return quotaTime(apiCalls(r.Samples[len(r.Samples)/2].Successful()), r.Rate), true
	case r.Latency > 0:
		return rotationIdeal(r.rotationKey, parallelism), true
	}
	return 0, false
}

func quotaTime(calls int, rate float64) time.Duration {
	return time.Duration(float64(calls) / rate * float64(time.Second))
}

// renderRotations writes the section: every row, then for_each against the batch resource.
func (r *report) renderRotations(w io.Writer) {
	if len(r.Rotations) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n## Fleet rotation: ecs_server_password_batch against for_each\n\n")
	p("Both configurations find the fleet with `data \"ecs_servers\"` (a tag every seeded server carries); one feeds " +
		"`ids` to an `ecs_server_password_batch`, the other is `for_each = toset(data.ecs_servers.fleet.ids)` over " +
		"`ecs_server_password`. A rotation is a plain `apply` that changes `password_wo_version` (and the password) " +
		"of resources that exist: it reads the data source and refreshes the resources as well. Creating and " +
		"destroying are setup, at no latency.\n\n")
	p("| N | variant | verify_reset_support | phase | latency | limit | runs | wall s | CPU s | ideal s | wall / ideal | " +
		"API calls | by operation | 429 answers |\n")
	p("|--:|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|\n")
	for _, row := range r.Rotations {
		p("%s\n", rotationLine(row, r.Parallelism))
	}
	p("\nWall times are the median of the runs; CPU is the CPU time of that run's CLI process and the provider "+
		"processes it started (user + system, on %d cores shared with whatever else runs); calls the most of any run, "+
		"429 answers included. The ideal of a "+
		"rotation with latency L leaves out the CLI's own time: the listing pages and the batch resets take one L "+
		"each, the flag check ceil(N / %d) × L (the provider reads %d flags at once), and for_each "+
		"ceil(N / %d) × L per call of a resource (refresh, flag read, reset) at `-parallelism=%d`. Under a quota "+
		"the ideal is the quota time: successful calls / limit.\n", runtime.NumCPU(), providerFleetConcurrency,
		providerFleetConcurrency, r.Parallelism, r.Parallelism)
	r.renderRotationComparison(w)
}

// rotationLine is the table line of a row.
func rotationLine(row rotationRow, parallelism int) string {
	ideal, ratio := "—", "—"
	if d, ok := rowIdeal(row, parallelism); ok && d > 0 {
		ideal, ratio = seconds(d), fmt.Sprintf("%.2f", row.Wall().Seconds()/d.Seconds())
	}
	limit := "—"
	if row.Rate > 0 {
		limit = fmt.Sprintf("%g/s", row.Rate)
	}
	calls := row.Calls()
	return fmt.Sprintf("| %d | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %d | %s | %d |", row.N, row.variantText(),
		row.verifyText(), row.Phase, latencyText(row.Latency), limit, len(row.Samples), seconds(row.Wall()),
		seconds(row.CPU()), ideal, ratio, apiCalls(calls), callsText(calls), row.Throttled())
}

// renderRotationComparison writes for_each against the batch resource.
func (r *report) renderRotationComparison(w io.Writer) {
	cs := compareRotations(r.Rotations)
	if len(cs) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\n| N | latency | limit | for_each s | batch s, verify false | for_each / batch | batch s, flag check | " +
		"for_each / batch | API calls: for_each | batch, verify false | batch, flag check |\n")
	p("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range cs {
		limit := "—"
		if c.Rate > 0 {
			limit = fmt.Sprintf("%g/s", c.Rate)
		}
		p("| %d | %s | %s | %s | %s | %.1f | %s | %.1f | %d | %d | %d |\n", c.N, latencyText(c.Latency), limit,
			seconds(c.ForEach.Wall()), seconds(c.NoVerify.Wall()), speedup(c.ForEach, c.NoVerify),
			seconds(c.Verify.Wall()), speedup(c.ForEach, c.Verify), apiCalls(c.ForEach.Calls()),
			apiCalls(c.NoVerify.Calls()), apiCalls(c.Verify.Calls()))
	}
	p("\nThe for_each rotation runs with `verify_reset_support` at its default (true). API calls include 429 answers.\n")
}
