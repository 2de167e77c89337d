package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// fleetHCL is the benchmarked configuration: one ecs_server_password per server, with
// write-only passwords from an ephemeral variable.
// providerHCL is the head of every benchmarked configuration: the provider,
// pointed at the simulator (%[1]s to %[5]s).
const providerHCL = `terraform {
  required_providers {
    ecs = {
      source = "terraform-provider-ecs/ecs"
    }
  }
}

provider "ecs" {
  region     = %[1]q
  project_id = %[2]q
  access_key = %[3]q
  secret_key = %[4]q
  endpoints = {
    ecs = %[5]q
    iam = %[5]q
  }
}
`

const fleetHCL = providerHCL + `
variable "servers" {
  type = list(string)
}

variable "passwords" {
  type      = list(string)
  sensitive = true
  ephemeral = true
}

variable "verify_reset_support" {
  type    = bool
  default = true
}

variable "restart" {
  type    = string
  default = "none"
}

resource "ecs_server_password" "fleet" {
  count                = length(var.servers)
  server_id            = var.servers[count.index]
  password_wo          = var.passwords[count.index]
  password_wo_version  = 1
  verify_reset_support = var.verify_reset_support
  restart              = var.restart
}
`

// fleetDir is a root module for one fleet, with its own state.
type fleetDir struct {
	dir       string
	ids       []string
	passwords []string
	runner    *clirunner.Runner
	output    *bytes.Buffer
}

// newFleetDir writes the configuration and variables for the servers into a new directory;
// restart is the resources' restart setting ("none" everywhere but in the restart row).
func (b *bench) newFleetDir(name string, ids []string, verify bool, restart string) (*fleetDir, error) {
	dir := filepath.Join(b.tmp, "work", name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	hcl := fmt.Sprintf(fleetHCL, ecssim.DefaultRegion, ecssim.DefaultProjectID, ecssim.DefaultAccessKey,
		ecssim.DefaultSecretKey, b.sim.URL())
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(hcl), 0o600); err != nil {
		return nil, err
	}
	f := &fleetDir{dir: dir, ids: ids, passwords: make([]string, len(ids)), output: &bytes.Buffer{}}
	for i := range ids {
		f.passwords[i] = testfixture.Password()
	}
	vars, err := json.Marshal(map[string]any{
		"servers": ids, "passwords": f.passwords, "verify_reset_support": verify, "restart": restart,
	})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), vars, 0o600); err != nil {
		return nil, err
	}
	f.runner = &clirunner.Runner{CLI: b.cli, Dir: dir, Env: b.cliEnv(), Stdout: f.output, Stderr: f.output}
	return f, nil
}

// cliEnv is the environment of every measured CLI command.
func (b *bench) cliEnv() []string {
	// Logging off: a developer's TF_LOG would slow the CLI down and skew the numbers.
	env := []string{b.cliConfig, "TF_LOG=", "TF_LOG_PATH=", "TF_LOG_CORE=", "TF_LOG_PROVIDER="}
	if b.opts.maxRetries >= 0 {
		// The runner drops the caller's HW_* variables, so this is the only setting the provider sees.
		env = append(env, fmt.Sprintf("HW_MAX_RETRIES=%d", b.opts.maxRetries))
	}
	return env
}

// command returns the arguments of a phase at the bench's -parallelism.
func (b *bench) command(phase string) []string {
	return commandAt(phase, b.opts.parallelism)
}

// commandAt returns the arguments of a phase at the given -parallelism.
func commandAt(phase string, parallelism int) []string {
	p := fmt.Sprintf("-parallelism=%d", parallelism)
	switch phase {
	case phasePlan:
		return []string{"plan", "-input=false", "-no-color", "-detailed-exitcode", p}
	case phaseDestroy:
		return []string{"destroy", "-auto-approve", "-input=false", "-no-color", p}
	default:
		return []string{"apply", "-auto-approve", "-input=false", "-no-color", p}
	}
}

// timed runs one phase and measures it with simulator snapshots before and after. A
// no-change plan exits with 0 thanks to -detailed-exitcode; 2 would mean a change was planned.
func (b *bench) timed(ctx context.Context, f *fleetDir, phase string, latency time.Duration) (sample, error) {
	before, err := b.sim.Stats(ctx)
	if err != nil {
		return sample{}, err
	}
	f.output.Reset()
	args := b.command(phase)
	start := time.Now()
	runErr := f.runner.Run(ctx, args...)
	wall := time.Since(start)
	if runErr != nil {
		return sample{}, fmt.Errorf("%w\n%s", runErr, tailText(f.output.String(), 4000))
	}
	after, err := b.sim.Stats(ctx)
	if err != nil {
		return sample{}, err
	}
	return sample{
		N: len(f.ids), Latency: latency, Phase: phase, Wall: wall,
		Calls: statsDelta(before.Requests, after.Requests),
		// The snapshot request after the command opened one connection of its own.
		Conns: after.ConnectionsAccepted - before.ConnectionsAccepted - 1,
	}, nil
}

// verifyApplied checks the ground truth after an apply: every server holds its password and
// was reset exactly once. Numbers of a run that did the wrong thing would be worthless.
func (b *bench) verifyApplied(ctx context.Context, f *fleetDir) error {
	bad, err := b.badServers(ctx, f)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d of %d servers do not hold their new password after one reset (first: %s)", len(bad), len(f.ids), f.ids[bad[0]])
	}
	return nil
}

// badServers returns the indexes of the fleet's servers that do not hold their new password
// after exactly one reset.
func (b *bench) badServers(ctx context.Context, f *fleetDir) ([]int, error) {
	truth, err := b.serversByID(ctx)
	if err != nil {
		return nil, err
	}
	var bad []int
	for i, id := range f.ids {
		st, ok := truth[id]
		if !ok || st.ResetCount != 1 || st.Password != f.passwords[i] {
			bad = append(bad, i)
		}
	}
	return bad, nil
}

func tailText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// runFleet benchmarks apply, a no-change plan and destroy of n resources at one latency.
func (b *bench) runFleet(ctx context.Context, n int, latency time.Duration, run int) ([]sample, error) {
	if err := b.configure(ctx, latency, 0); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("n%d-l%dms-r%d", n, latency.Milliseconds(), run)
	ids, err := b.addServers(ctx, name, n)
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.deleteServers(context.WithoutCancel(ctx), ids) }()
	f, err := b.newFleetDir(name, ids, true, restartNone)
	if err != nil {
		return nil, err
	}
	var out []sample
	for _, phase := range []string{phaseApply, phasePlan, phaseDestroy} {
		s, err := b.timed(ctx, f, phase, latency)
		if err != nil {
			return out, fmt.Errorf("%d resources at latency %s, %s: %w", n, latency, phase, err)
		}
		b.progress(s, run, b.opts.runs)
		out = append(out, s)
		if phase == phaseApply {
			if err := b.verifyApplied(ctx, f); err != nil {
				return out, fmt.Errorf("%d resources at latency %s: %w", n, latency, err)
			}
		}
	}
	return out, nil
}

// runNoVerify measures an apply that skips the reset-support check (one call per resource
// expected), then destroys without measuring.
func (b *bench) runNoVerify(ctx context.Context, n int) (sample, error) {
	if err := b.configure(ctx, 0, 0); err != nil {
		return sample{}, err
	}
	name := fmt.Sprintf("n%d-noverify", n)
	ids, err := b.addServers(ctx, name, n)
	if err != nil {
		return sample{}, err
	}
	defer func() { _ = b.deleteServers(context.WithoutCancel(ctx), ids) }()
	f, err := b.newFleetDir(name, ids, false, restartNone)
	if err != nil {
		return sample{}, err
	}
	s, err := b.timed(ctx, f, phaseApply, 0)
	if err != nil {
		return sample{}, fmt.Errorf("%d resources without verify_reset_support: %w", n, err)
	}
	s.Phase = phaseApplyNoVerify
	b.progress(s, 1, 1)
	if err := b.verifyApplied(ctx, f); err != nil {
		return s, err
	}
	if err := f.runner.Run(ctx, b.command(phaseDestroy)...); err != nil {
		return s, fmt.Errorf("%w\n%s", err, tailText(f.output.String(), 4000))
	}
	return s, nil
}

// schemaTime measures `providers schema -json` (median of runs) and checks its output.
func (b *bench) schemaTime(ctx context.Context, runs int) (time.Duration, error) {
	dir := filepath.Join(b.tmp, "work", "schema")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	main := "terraform {\n  required_providers {\n    ecs = {\n      source = \"terraform-provider-ecs/ecs\"\n    }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o600); err != nil {
		return 0, err
	}
	r := &clirunner.Runner{CLI: b.cli, Dir: dir, Env: []string{b.cliConfig, "TF_LOG="}}
	var walls []time.Duration
	for range runs {
		start := time.Now()
		out, err := r.Output(ctx, "providers", "schema", "-json")
		wall := time.Since(start)
		if err != nil {
			return 0, err
		}
		var doc struct {
			ProviderSchemas map[string]json.RawMessage `json:"provider_schemas"`
		}
		if err := json.Unmarshal(out, &doc); err != nil || len(doc.ProviderSchemas) == 0 {
			return 0, errors.New("providers schema -json printed no provider schema")
		}
		walls = append(walls, wall)
	}
	return medianDuration(walls), nil
}
