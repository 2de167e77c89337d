package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
)

// goBenchPackages hold the micro-benchmarks: request signing, and one client call against the
// in-process simulator.
var goBenchPackages = []string{"./internal/ecsapi/", "./internal/ecssim/"}

// runGoBenchmarks runs the packages' Go benchmarks and returns the lines worth reporting.
func runGoBenchmarks(ctx context.Context, root string) ([]string, error) {
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1"}, goBenchPackages...)
	cmd := exec.CommandContext(ctx, clirunner.GoCommand(), args...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	lines := benchmarkLines(out.String())
	if err != nil {
		return lines, &goBenchError{err: err, output: tailText(out.String(), 3000)}
	}
	return lines, nil
}

type goBenchError struct {
	err    error
	output string
}

func (e *goBenchError) Error() string {
	return "go test -bench failed: " + e.err.Error() + "\n" + e.output
}

// benchmarkLines keeps the header lines that identify the machine and package and the result
// lines of go test -bench output.
func benchmarkLines(output string) []string {
	var keep []string
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimRight(line, " \t\r")
		switch {
		case strings.HasPrefix(line, "Benchmark") && strings.Contains(line, "ns/op"),
			strings.HasPrefix(line, "goos:"), strings.HasPrefix(line, "goarch:"),
			strings.HasPrefix(line, "pkg:"), strings.HasPrefix(line, "cpu:"):
			keep = append(keep, line)
		}
	}
	// goos/goarch/cpu repeat for every package; keep their first occurrence only.
	seen := map[string]bool{}
	out := keep[:0]
	for _, l := range keep {
		if strings.HasPrefix(l, "goos:") || strings.HasPrefix(l, "goarch:") || strings.HasPrefix(l, "cpu:") {
			if seen[l] {
				continue
			}
			seen[l] = true
		}
		out = append(out, l)
	}
	return out
}
