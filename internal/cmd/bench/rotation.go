package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// The rotation section compares the two ways to give a discovered fleet a new password: one
// ecs_server_password_batch over data.ecs_servers.fleet.ids, and ecs_server_password with
// for_each = toset(data.ecs_servers.fleet.ids). Both directories find the same N servers by a
// tag that only they carry. A rotation is an apply that changes password_wo_version (and the
// password) of resources that exist; a plain apply, so it also reads data.ecs_servers and
// refreshes the managed resources, as a user's apply would. Creating and destroying the
// resources is setup: measured and reported, never judged.

// rotationHCL is the configuration of both variants; %[6]s is the resource block.
const rotationHCL = providerHCL + `
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "password_version" {
  type = number
}

variable "verify_reset_support" {
  type = bool
}

data "ecs_servers" "fleet" {
  tags = {
    %[7]q = %[8]q
  }
}
%[6]s`

// The resource blocks of the two variants.
const (
	batchResourceHCL = `
resource "ecs_server_password_batch" "fleet" {
  server_ids           = data.ecs_servers.fleet.ids
  password_wo          = var.password
  password_wo_version  = var.password_version
  verify_reset_support = var.verify_reset_support
}
`
	forEachResourceHCL = `
resource "ecs_server_password" "fleet" {
  for_each             = toset(data.ecs_servers.fleet.ids)
  server_id            = each.key
  password_wo          = var.password
  password_wo_version  = var.password_version
  verify_reset_support = var.verify_reset_support
}
`
)

// Variants of the rotation section.
const (
	variantBatch   = "batch"
	variantForEach = "for_each"
)

// fleetTagKey is the tag every server of the section carries; its value names the fleet.
const fleetTagKey = "bench-fleet"

// rotationSpec is the section: every size in Sizes, rotated at 0 and Latency (Runs times for
// the batch variants), then under a quota of Rate requests/s at no latency (once; 0 skips it).
type rotationSpec struct {
	Sizes   []int
	Latency time.Duration
	Rate    float64
	Runs    int
	// ForEach runs the for_each variant; without it only the batch rows run.
	ForEach bool
}

// rotationDir is the root module of one variant over one fleet, with its own state.
type rotationDir struct {
	variant string
	dir     string
	ids     []string
	runner  *clirunner.Runner
	output  *bytes.Buffer
	// version is the password_wo_version applied last; password the password it set.
	version  int
	password string
}

// newRotationDir writes the configuration of a variant that discovers the servers tagged
// fleetTagKey = tag.
func (b *bench) newRotationDir(variant, tag string, ids []string) (*rotationDir, error) {
	dir := filepath.Join(b.tmp, "work", fmt.Sprintf("rotation-%s-%s", variant, tag))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(rotationConfig(variant, b.sim.URL(), tag)), 0o600); err != nil {
		return nil, err
	}
	d := &rotationDir{variant: variant, dir: dir, ids: ids, output: &bytes.Buffer{}}
	d.runner = &clirunner.Runner{CLI: b.cli, Dir: dir, Env: b.cliEnv(), Stdout: d.output, Stderr: d.output}
	return d, nil
}

// rotationConfig is the configuration of a variant against the simulator at url.
func rotationConfig(variant, url, tag string) string {
	block := batchResourceHCL
	if variant == variantForEach {
		block = forEachResourceHCL
	}
	return fmt.Sprintf(rotationHCL, ecssim.DefaultRegion, ecssim.DefaultProjectID, ecssim.DefaultAccessKey,
		ecssim.DefaultSecretKey, url, block, fleetTagKey, tag)
}

// next writes the variables of the next apply: a new password and version, and verify.
func (d *rotationDir) next(verify bool) error {
	d.version++
	d.password = testfixture.Password()
	vars, err := json.Marshal(map[string]any{
		"password": d.password, "password_version": d.version, "verify_reset_support": verify,
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d.dir, "terraform.tfvars.json"), vars, 0o600)
}

// seedFleet creates n Linux servers tagged fleetTagKey = tag in one control request.
func (b *bench) seedFleet(ctx context.Context, tag string, n int) ([]string, error) {
	specs := make([]ecssim.ServerSpec, n)
	for i := range specs {
		specs[i] = ecssim.ServerSpec{
			Name: fmt.Sprintf("fleet-%s-%04d", tag, i), OSType: "Linux", Tags: map[string]string{fleetTagKey: tag},
		}
	}
	states, err := b.sim.AddServers(ctx, specs)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(states))
	for i, st := range states {
		ids[i] = st.ID
	}
	return ids, nil
}

// runRotations runs the section for every size and returns its samples, those taken before a
// failure too.
func (b *bench) runRotations(ctx context.Context, spec rotationSpec) ([]rotationSample, error) {
	var out []rotationSample
	for _, n := range spec.Sizes {
		ss, err := b.rotateFleet(ctx, spec, n)
		out = append(out, ss...)
		if err != nil {
			return out, fmt.Errorf("rotation section, N=%d: %w", n, err)
		}
	}
	return out, nil
}

// rotateFleet seeds n servers and runs the section's applies on them: the batch variant, then
// the for_each variant, then the quota rows, then both destroys.
func (b *bench) rotateFleet(ctx context.Context, spec rotationSpec, n int) ([]rotationSample, error) {
	if err := b.configure(ctx, 0, 0); err != nil {
		return nil, err
	}
	tag := fmt.Sprintf("n%d", n)
	ids, err := b.seedFleet(ctx, tag, n)
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.deleteServers(context.WithoutCancel(ctx), ids) }()
	defer func() { _ = b.configure(context.WithoutCancel(ctx), 0, 0) }()
	r := &rotationRun{b: b, spec: spec}
	var dirs []*rotationDir
	for _, variant := range spec.variants() {
		d, err := b.newRotationDir(variant, tag, ids)
		if err != nil {
			return r.samples, err
		}
		dirs = append(dirs, d)
		if err := r.unthrottled(ctx, d); err != nil {
			return r.samples, err
		}
	}
	if spec.Rate > 0 {
		for _, d := range dirs {
			if err := r.throttled(ctx, d); err != nil {
				return r.samples, err
			}
		}
	}
	for _, d := range dirs {
		if err := r.destroy(ctx, d); err != nil {
			return r.samples, err
		}
	}
	return r.samples, nil
}

// variants are the variants to run, batch first.
func (s rotationSpec) variants() []string {
	if s.ForEach {
		return []string{variantBatch, variantForEach}
	}
	return []string{variantBatch}
}

// verifyValues are the verify_reset_support values a variant rotates with: the batch resource
// with and without the flag check, for_each with its default check only.
func verifyValues(variant string) []bool {
	if variant == variantBatch {
		return []bool{false, true}
	}
	return []bool{true}
}

// rotationRun collects the samples of one fleet.
type rotationRun struct {
	b       *bench
	spec    rotationSpec
	samples []rotationSample
}

// unthrottled creates a variant's resources at no latency (setup) and rotates them at 0 and the
// section's latency.
func (r *rotationRun) unthrottled(ctx context.Context, d *rotationDir) error {
	if err := r.measure(ctx, d, rotationKey{Phase: phaseCreate, Verify: true}); err != nil {
		return err
	}
	runs := r.spec.Runs
	if d.variant == variantForEach {
		runs = 1
	}
	for _, latency := range []time.Duration{0, r.spec.Latency} {
		if err := r.b.configure(ctx, latency, 0); err != nil {
			return err
		}
		for range runs {
			for _, verify := range verifyValues(d.variant) {
				if err := r.measure(ctx, d, rotationKey{Phase: phaseRotate, Verify: verify, Latency: latency}); err != nil {
					return err
				}
			}
		}
	}
	return r.b.configure(ctx, 0, 0)
}

// throttled rotates a variant once per verify value under the quota, at no latency. Setting
// the limit refills the credential's bucket, so every rotation starts alike.
func (r *rotationRun) throttled(ctx context.Context, d *rotationDir) error {
	for _, verify := range verifyValues(d.variant) {
		if err := r.b.configure(ctx, 0, r.spec.Rate); err != nil {
			return err
		}
		if err := r.measure(ctx, d, rotationKey{Phase: phaseRotate, Verify: verify, Rate: r.spec.Rate}); err != nil {
			return err
		}
	}
	return r.b.configure(ctx, 0, 0)
}

// destroy destroys a variant's resources (setup, measured).
func (r *rotationRun) destroy(ctx context.Context, d *rotationDir) error {
	s, err := r.b.rotationApply(ctx, d, phaseDestroy)
	if err != nil {
		return fmt.Errorf("%s destroy: %w", d.variant, err)
	}
	s.rotationKey = rotationKey{N: len(d.ids), Variant: d.variant, Phase: phaseDestroy, Verify: true}
	r.add(s)
	return nil
}

// measure runs one create or rotation with the key's verify_reset_support and checks that every
// server holds the new password after exactly one more reset.
func (r *rotationRun) measure(ctx context.Context, d *rotationDir, key rotationKey) error {
	key.N, key.Variant = len(d.ids), d.variant
	before, err := r.b.resetCounts(ctx, d.ids)
	if err != nil {
		return err
	}
	if err := d.next(key.Verify); err != nil {
		return err
	}
	s, err := r.b.rotationApply(ctx, d, phaseApply)
	if err != nil {
		return fmt.Errorf("%s: %w", key.describe(), err)
	}
	s.rotationKey = key
	truth, err := r.b.serversByID(ctx)
	if err != nil {
		return err
	}
	if bad := rotationMismatches(truth, d.ids, before, d.password); len(bad) > 0 {
		return fmt.Errorf("%s: %d of %d servers do not hold the new password after one more reset (first: %s)",
			key.describe(), len(bad), len(d.ids), bad[0])
	}
	r.add(s)
	return nil
}

func (r *rotationRun) add(s rotationSample) {
	r.samples = append(r.samples, s)
	r.b.logf("[%s] %.2f s (CPU %.2f s), %d API calls (%s), %d answered 429", s.describe(), s.Wall.Seconds(),
		s.CPU.Seconds(), apiCalls(s.Calls), callsText(s.Calls), s.Throttled())
}

// rotationApply runs an apply or destroy and measures its wall time, the CPU time of the CLI
// and its provider processes, its API calls by route (from stats snapshots) and its 429 answers
// (from the request log, cleared first). The output stays next to the configuration, for -keep.
func (b *bench) rotationApply(ctx context.Context, d *rotationDir, phase string) (rotationSample, error) {
	if err := b.sim.ClearRequests(ctx); err != nil {
		return rotationSample{}, err
	}
	before, err := b.sim.Stats(ctx)
	if err != nil {
		return rotationSample{}, err
	}
	d.output.Reset()
	cmd := d.runner.Command(ctx, b.command(phase)...)
	start := time.Now()
	runErr := cmd.Run()
	s := rotationSample{Wall: time.Since(start)}
	clirunner.StopGroup(cmd)
	_ = os.WriteFile(filepath.Join(d.dir, fmt.Sprintf("%s-%d.log", phase, d.version)), d.output.Bytes(), 0o600)
	if runErr != nil {
		return s, fmt.Errorf("%s %s: %w\n%s", b.cli.Name(), phase, runErr, tailText(d.output.String(), 4000))
	}
	// wait4 reports the CLI's own CPU time plus that of the provider processes it waited for.
	s.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	after, err := b.sim.Stats(ctx)
	if err != nil {
		return s, err
	}
	s.Calls = statsDelta(before.Requests, after.Requests)
	reqs, err := b.sim.Requests(ctx)
	if err != nil {
		return s, err
	}
	s.Refused = countRefused(reqs)
	return s, nil
}

// resetCounts returns the reset count of every server of ids.
func (b *bench) resetCounts(ctx context.Context, ids []string) (map[string]int, error) {
	truth, err := b.serversByID(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(ids))
	for _, id := range ids {
		out[id] = truth[id].ResetCount
	}
	return out, nil
}
