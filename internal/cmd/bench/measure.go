package main

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Phases of a fleet run, in the order they run.
const (
	phaseApply   = "apply"
	phasePlan    = "plan (no change)"
	phaseDestroy = "destroy"
	// phaseApplyNoVerify is an apply with verify_reset_support = false.
	phaseApplyNoVerify = "apply, verify_reset_support = false"
)

// sample is one timed CLI command.
type sample struct {
	N       int
	Latency time.Duration
	Phase   string
	Wall    time.Duration
	// Calls counts the ECS API requests the simulator received during the command, by
	// "METHOD route-template".
	Calls map[string]int
	// Conns is the number of TCP connections the command opened.
	Conns int64
}

// apiCalls sums the requests of a stats delta, leaving out IAM: the project lookup is a
// per-process cost, not a per-resource one (and the bench configures project_id, so there is
// none). Control API requests are never counted by the simulator.
func apiCalls(calls map[string]int) int {
	n := 0
	for route, c := range calls {
		if isIAMRoute(route) {
			continue
		}
		n += c
	}
	return n
}

func isIAMRoute(route string) bool {
	_, path, _ := strings.Cut(route, " ")
	return strings.HasPrefix(path, "/v3/")
}

// statsDelta returns after − before for every route with a change.
func statsDelta(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// perResource is calls per resource.
func perResource(calls, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(calls) / float64(n)
}

// operationName shortens a route template for the report: the method and the last path
// segment, a placeholder named by what it identifies, e.g. "PUT os-reset-password", "GET server"
// for the show-server route and "GET job" for the job route.
func operationName(route string) string {
	method, path, _ := strings.Cut(route, " ")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	last := segs[len(segs)-1]
	if strings.HasPrefix(last, "{") {
		last = strings.TrimSuffix(strings.Trim(last, "{}"), "_id")
	}
	if strings.HasPrefix(path, "/v2") {
		last += " (v2.1)"
	}
	return method + " " + last
}

// operationSummary renders calls per resource by operation, e.g.
// "GET os-resetpwd-flag 1, PUT os-reset-password 1".
func operationSummary(calls map[string]int, n int) string {
	type op struct {
		name string
		per  float64
	}
	var ops []op
	for route, c := range calls {
		if isIAMRoute(route) {
			continue
		}
		ops = append(ops, op{operationName(route), perResource(c, n)})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	parts := make([]string, len(ops))
	for i, o := range ops {
		parts[i] = o.name + " " + formatFloat(o.per)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// formatFloat prints 2 as "2" and 2.013 as "2.01".
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// idealWall is the wall time a phase would take if the provider added nothing to the API's
// latency: the CLI's own cost (the same phase measured with zero latency) plus, for every round
// of parallelism, one latency per API call a resource needs.
func idealWall(cliCost time.Duration, n, parallelism int, callsPerResource float64, latency time.Duration) time.Duration {
	rounds := math.Ceil(float64(n) / float64(parallelism))
	return cliCost + time.Duration(rounds*callsPerResource*float64(latency))
}

// medianDuration returns the median of ds (the mean of the middle two for an even count).
func medianDuration(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// row is one line of the fleet table: the runs of one (N, latency, phase), summarised.
type row struct {
	N       int
	Latency time.Duration
	Phase   string
	Runs    int
	Wall    time.Duration // median
	// CallsPerResource is the median over runs (the runs agree unless something retried).
	CallsPerResource float64
	Operations       string
	// Conns is the highest count over runs.
	Conns int64
	// Ideal and Ratio are zero for the zero-latency baseline.
	Ideal time.Duration
	Ratio float64
}

type rowKey struct {
	n       int
	latency time.Duration
	phase   string
}

// summarise turns samples into rows, ordered by latency, N and phase order, and computes the
// ideal of every row with latency from the zero-latency row of the same N and phase.
func summarise(samples []sample, parallelism int) []row {
	groups := map[rowKey][]sample{}
	var keys []rowKey
	for _, s := range samples {
		k := rowKey{s.N, s.Latency, s.Phase}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], s)
	}
	phaseOrder := map[string]int{phaseApply: 0, phasePlan: 1, phaseDestroy: 2, phaseApplyNoVerify: 3}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.latency != b.latency {
			return a.latency < b.latency
		}
		if a.n != b.n {
			return a.n < b.n
		}
		return phaseOrder[a.phase] < phaseOrder[b.phase]
	})

	rows := make([]row, 0, len(keys))
	base := map[rowKey]time.Duration{}
	for _, k := range keys {
		ss := groups[k]
		walls := make([]time.Duration, len(ss))
		per := make([]float64, len(ss))
		var conns int64
		for i, s := range ss {
			walls[i] = s.Wall
			per[i] = perResource(apiCalls(s.Calls), s.N)
			conns = max(conns, s.Conns)
		}
		slices.Sort(per)
		r := row{
			N: k.n, Latency: k.latency, Phase: k.phase, Runs: len(ss),
			Wall: medianDuration(walls), CallsPerResource: per[len(per)/2],
			Operations: operationSummary(ss[len(ss)/2].Calls, k.n), Conns: conns,
		}
		if k.latency == 0 {
			base[rowKey{k.n, 0, k.phase}] = r.Wall
		} else if cost, ok := base[rowKey{k.n, 0, k.phase}]; ok {
			r.Ideal = idealWall(cost, k.n, parallelism, r.CallsPerResource, k.latency)
			if r.Ideal > 0 {
				r.Ratio = r.Wall.Seconds() / r.Ideal.Seconds()
			}
		}
		rows = append(rows, r)
	}
	return rows
}
