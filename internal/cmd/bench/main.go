// Command bench measures the provider with the real Terraform (or OpenTofu) CLI against the
// ecs-simulator command: apply, a no-change plan and destroy of N ecs_server_password resources
// at several simulated API latencies, API calls per resource, TCP connections per command, the
// ratio of wall time to an ideal derived from the zero-latency run, a restart row (applies that
// reboot every server after its reset and wait for the reboot jobs, against the same apply
// without restart), two throttled runs (one at a quota so small that most calls are refused at
// first, where no resource may fail), a fleet rotation section (ecs_server_password_batch
// against for_each over ecs_server_password, both fed by data.ecs_servers, at 0 and 50 ms and
// under a quota; rotation.go), the provider's size, the time of `providers schema -json`, and the
// Go micro-benchmarks of the API client and the simulator. It prints one Markdown report. Run it
// with `make bench`.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
)

// options are the command-line settings.
type options struct {
	sizes        []int
	latencies    []time.Duration
	parallelism  int
	runs         int
	throttleRate float64
	throttleSize int
	// The tight throttled row: a quota so small that most calls are refused at first.
	tightRate        float64
	tightSize        int
	tightParallelism int
	// maxRetries is the provider's max_retries for every CLI run; -1 leaves the provider's default.
	maxRetries   int
	noVerifySize int
	// The restart row: restartSize resources reset and rebooted (restartHow) at restartLatency,
	// against the no-restart apply of as many; jobDuration is the simulator's -job-duration.
	restartSize    int
	restartLatency time.Duration
	restartHow     string
	jobDuration    time.Duration
	// The fleet rotation section (rotation.go); no fleetSizes skips it.
	fleetSizes   []int
	fleetLatency time.Duration
	fleetRate    float64
	fleetRuns    int
	fleetForEach bool
	schemaRuns   int
	out          string
	cliPath      string
	skipGoBench  bool
	keep         bool
	args         []string
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{args: args}
	sizes := fs.String("sizes", "10,100,500", "comma-separated numbers of ecs_server_password resources")
	latencies := fs.String("latency", "0,50ms", "comma-separated simulated API latencies; 0 is always measured, as the baseline of the ideal")
	fs.IntVar(&o.parallelism, "parallelism", 10, "the CLI's -parallelism")
	fs.IntVar(&o.runs, "runs", 3, "runs of every (N, latency); the report shows the median wall time")
	defineRowFlags(fs, o)
	fleetSizes := defineRotationFlags(fs, o)
	fs.StringVar(&o.out, "out", "", "also write the Markdown report to this file")
	fs.StringVar(&o.cliPath, "cli", "", "Terraform or OpenTofu binary (default: TF_ACC_TERRAFORM_PATH, terraform or tofu on PATH, else OpenTofu built by .ci/opentofu.sh)")
	fs.BoolVar(&o.skipGoBench, "skip-go-bench", false, "do not run the Go benchmarks")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configurations, states, CLI output of the throttled runs, simulator log)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var err error
	if o.sizes, err = parseSizes(*sizes); err != nil {
		return nil, err
	}
	if o.latencies, err = parseLatencies(*latencies); err != nil {
		return nil, err
	}
	if o.fleetSizes, err = parseFleetSizes(*fleetSizes); err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// defineRowFlags defines the flags of the rows beyond the fleet table and of the provider's
// settings.
func defineRowFlags(fs *flag.FlagSet, o *options) {
	fs.Float64Var(&o.throttleRate, "throttle-rate", 20, "requests per second the simulator allows in the throttled run; 0 skips it")
	fs.IntVar(&o.throttleSize, "throttle-size", 200, "resources in the throttled run")
	fs.Float64Var(&o.tightRate, "tight-throttle-rate", 2, "requests per second the simulator allows in the tight throttled run; 0 skips it")
	fs.IntVar(&o.tightSize, "tight-throttle-size", 30, "resources in the tight throttled run")
	fs.IntVar(&o.tightParallelism, "tight-throttle-parallelism", 10, "the CLI's -parallelism in the tight throttled run")
	fs.IntVar(&o.maxRetries, "max-retries", -1, "the provider's max_retries in every run (HW_MAX_RETRIES); -1 keeps the provider's default")
	fs.IntVar(&o.noVerifySize, "no-verify-size", 100, "resources in the apply with verify_reset_support = false; 0 skips it")
	fs.IntVar(&o.schemaRuns, "schema-runs", 5, "runs of `providers schema -json`; 0 skips it")
	fs.IntVar(&o.restartSize, "restart-size", 100, "resources in the restart row (an apply with restart, against one without); 0 skips it")
	fs.DurationVar(&o.restartLatency, "restart-latency", 50*time.Millisecond, "simulated API latency of the restart row")
	fs.StringVar(&o.restartHow, "restart", "soft", "the restart row's restart setting: soft or hard")
	fs.DurationVar(&o.jobDuration, "job-duration", ecssim.DefaultJobDuration, "the simulator's -job-duration: how long a reboot job runs")
}

// defineRotationFlags defines the flags of the fleet rotation section and returns the one of
// its sizes, parsed after fs.Parse.
func defineRotationFlags(fs *flag.FlagSet, o *options) *string {
	sizes := fs.String("fleet-sizes", "100,1000", "comma-separated fleet sizes of the rotation section "+
		"(ecs_server_password_batch against for_each over ecs_servers); 0 skips the section")
	fs.DurationVar(&o.fleetLatency, "fleet-latency", 50*time.Millisecond, "simulated API latency of the rotation "+
		"section's rows with latency (it also runs at 0)")
	fs.Float64Var(&o.fleetRate, "fleet-rate", 20, "requests per second of the rotation section's quota rows; 0 skips them")
	fs.IntVar(&o.fleetRuns, "fleet-runs", 1, "runs of each batch rotation without a quota, for a median (for_each and quota rotations run once)")
	fs.BoolVar(&o.fleetForEach, "fleet-for-each", true, "run the for_each variant of the rotation section (false: the batch rows only)")
	return sizes
}

// parseFleetSizes reads -fleet-sizes: "0" (or nothing) skips the section.
func parseFleetSizes(s string) ([]int, error) {
	if t := strings.TrimSpace(s); t == "" || t == "0" {
		return nil, nil
	}
	sizes, err := parseSizes(s)
	if err != nil {
		return nil, fmt.Errorf("-fleet-sizes: %q is not 0 or a list of positive whole numbers", s)
	}
	return sizes, nil
}

// rotationSpec is the fleet rotation section to run; ok is false when -fleet-sizes is 0.
func (o *options) rotationSpec() (spec rotationSpec, ok bool) {
	if len(o.fleetSizes) == 0 {
		return rotationSpec{}, false
	}
	return rotationSpec{
		Sizes: o.fleetSizes, Latency: o.fleetLatency, Rate: o.fleetRate, Runs: o.fleetRuns, ForEach: o.fleetForEach,
	}, true
}

// validate rejects settings that cannot be run.
func (o *options) validate() error {
	switch {
	case o.parallelism < 1 || o.tightParallelism < 1:
		return errors.New("-parallelism and -tight-throttle-parallelism must be at least 1")
	case o.runs < 1:
		return errors.New("-runs must be at least 1")
	case o.throttleRate < 0 || o.throttleSize < 0 || o.tightRate < 0 || o.tightSize < 0 || o.noVerifySize < 0 || o.schemaRuns < 0:
		return errors.New("-throttle-rate, -throttle-size, -tight-throttle-rate, -tight-throttle-size, -no-verify-size " +
			"and -schema-runs must not be negative")
	case o.throttleRate > 0 && o.throttleSize == 0:
		return errors.New("-throttle-size must be positive when -throttle-rate is")
	case o.tightRate > 0 && o.tightSize == 0:
		return errors.New("-tight-throttle-size must be positive when -tight-throttle-rate is")
	case o.maxRetries < -1:
		return errors.New("-max-retries must be -1 (the provider's default) or a whole number of retries")
	}
	return o.validateRestart()
}

// validateRestart rejects settings of the restart row and the simulator's job duration that
// cannot be run.
func (o *options) validateRestart() error {
	switch {
	case o.restartSize < 0:
		return errors.New("-restart-size must not be negative")
	case o.restartLatency < 0 || o.restartLatency > 10*time.Minute:
		return fmt.Errorf("-restart-latency: %s is not between 0 and 10m", o.restartLatency)
	case o.restartHow != "soft" && o.restartHow != "hard":
		return fmt.Errorf("-restart: %q is neither soft nor hard", o.restartHow)
	case o.jobDuration < ecssim.MinJobDuration || o.jobDuration > ecssim.MaxJobDuration:
		return fmt.Errorf("-job-duration: %s is not between %s and %s", o.jobDuration, ecssim.MinJobDuration, ecssim.MaxJobDuration)
	}
	return o.validateRotation()
}

// validateRotation rejects settings of the fleet rotation section that cannot be run.
func (o *options) validateRotation() error {
	switch {
	case o.fleetLatency <= 0 || o.fleetLatency > 10*time.Minute:
		return fmt.Errorf("-fleet-latency: %s is not above 0 and at most 10m", o.fleetLatency)
	case o.fleetRate < 0:
		return errors.New("-fleet-rate must not be negative")
	case o.fleetRuns < 1:
		return errors.New("-fleet-runs must be at least 1")
	}
	return nil
}

// restartSpec is the restart row to run; ok is false when -restart-size is 0.
func (o *options) restartSpec() (spec restartSpec, ok bool) {
	if o.restartSize == 0 {
		return restartSpec{}, false
	}
	return restartSpec{
		N: o.restartSize, Parallelism: o.parallelism, Latency: o.restartLatency,
		JobDuration: o.jobDuration, How: o.restartHow,
	}, true
}

// throttleSpecs are the throttled rows to run, in order.
func (o *options) throttleSpecs() []throttleSpec {
	var out []throttleSpec
	if o.throttleRate > 0 {
		out = append(out, throttleSpec{N: o.throttleSize, Rate: o.throttleRate, Parallelism: o.parallelism, MaxRatio: maxThrottleRatio})
	}
	if o.tightRate > 0 {
		// No goal for the wall time: with a handful of requests per second the quota, not the
		// provider, decides how long it takes. What must hold is that nothing fails.
		out = append(out, throttleSpec{N: o.tightSize, Rate: o.tightRate, Parallelism: o.tightParallelism})
	}
	return out
}

// parseSizes reads "10,100,500".
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sizes: %q is not a positive whole number", f)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// parseLatencies reads "0,50ms" and always includes 0, the baseline of the ideal.
func parseLatencies(s string) ([]time.Duration, error) {
	out := []time.Duration{0}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "0" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("-latency: %q is not a duration such as 50ms", f)
		}
		if d > 10*time.Minute {
			return nil, fmt.Errorf("-latency: %s is longer than the simulator allows (10m)", d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}

// bench holds the state of one benchmark run.
type bench struct {
	opts      *options
	stderr    io.Writer
	start     time.Time
	root      string
	tmp       string
	cli       clirunner.CLI
	cliConfig string
	simBin    string
	simLog    *os.File
	sim       *simctl.Process
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseOptions(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	b := &bench{opts: opts, stderr: stderr, start: time.Now()}
	rep, err := b.run(ctx)
	b.cleanup()
	if rep != nil {
		rep.render(stdout)
		if opts.out != "" {
			if werr := writeReport(opts.out, rep); werr != nil {
				fmt.Fprintf(stderr, "bench: %v\n", werr)
				return 1
			}
		}
		for _, t := range rep.missed() {
			fmt.Fprintf(stderr, "bench: target missed: %s\n", t.Text)
		}
	}
	switch {
	case err == nil:
		b.logf("done")
		return 0
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "bench: interrupted: %v\n", err)
		return 130
	default:
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
}

func writeReport(path string, rep *report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	rep.render(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// logf prints progress to standard error with the elapsed time.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.stderr, "[%6.1fs] %s\n", time.Since(b.start).Seconds(), fmt.Sprintf(format, args...))
}

func (b *bench) progress(s sample, run, runs int) {
	b.logf("[%s N=%d latency=%s run %d/%d] %.2f s, %s API calls/resource, %d connections",
		s.Phase, s.N, latencyText(s.Latency), run, runs, s.Wall.Seconds(),
		formatFloat(perResource(apiCalls(s.Calls), s.N)), s.Conns)
}

// cleanup stops the simulator and removes the temporary directory (unless -keep).
func (b *bench) cleanup() {
	if b.sim != nil {
		b.sim.Stop()
		b.sim = nil
	}
	if b.simLog != nil {
		_ = b.simLog.Close()
	}
	if b.tmp == "" {
		return
	}
	if b.opts.keep {
		b.logf("kept %s", b.tmp)
		return
	}
	if err := os.RemoveAll(b.tmp); err != nil {
		fmt.Fprintf(b.stderr, "bench: removing %s: %v\n", b.tmp, err)
	}
}

// run does the whole benchmark. It returns the report so far even when a step fails.
func (b *bench) run(ctx context.Context) (*report, error) {
	if err := b.makeTempDir(); err != nil {
		return nil, err
	}
	rep, err := b.findCLI(ctx)
	if err != nil {
		return nil, err
	}
	for _, step := range []func(context.Context, *report) error{
		b.build,
		b.startSimulator,
		b.measureSchema,
		b.measureCLI,
		b.measureRotations,
		b.recordLoadEnd,
		b.measureGo,
	} {
		if err := step(ctx, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// makeTempDir finds the repository (the sources to build) and creates the temporary directory
// that everything the bench writes goes to.
func (b *bench) makeTempDir() error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if b.root, err = clirunner.ModuleRoot(wd); err != nil {
		return err
	}
	b.tmp, err = os.MkdirTemp("", "ecs-bench-")
	return err
}

// findCLI finds the CLI to measure and starts the report with the machine and the versions.
func (b *bench) findCLI(ctx context.Context) (*report, error) {
	o := b.opts
	explicit := o.cliPath
	if explicit == "" {
		explicit = os.Getenv("TF_ACC_TERRAFORM_PATH")
	}
	var err error
	b.cli, err = clirunner.FindCLI(ctx, clirunner.FindOptions{
		Explicit: explicit, OpenTofuScript: filepath.Join(b.root, ".ci", "opentofu.sh"), Stderr: b.stderr,
	})
	if err != nil {
		return nil, err
	}
	cliVersion, err := b.cli.Version(ctx)
	if err != nil {
		return nil, err
	}
	rep := &report{
		Command:     commandLine(o.args),
		Date:        time.Now(),
		Machine:     machine(),
		LoadStart:   loadAverage(),
		GoVersion:   runtime.Version(),
		CLIVersion:  cliVersion,
		Parallelism: o.parallelism,
	}
	if o.maxRetries >= 0 {
		rep.MaxRetries = &o.maxRetries
	}
	b.logf("%s at %s", cliVersion, b.cli.Path)
	return rep, nil
}

// build builds the provider as for development (measured) and with the release flags (only
// its size is reported), and ecs-simulator, and writes the CLI configuration that loads the
// measured provider.
func (b *bench) build(ctx context.Context, rep *report) error {
	b.logf("building the provider and ecs-simulator")
	providerDir := filepath.Join(b.tmp, "provider")
	providerBin := filepath.Join(providerDir, clirunner.ProviderBinaryName())
	if err := clirunner.GoBuild(ctx, b.root, clirunner.ProviderPackage, providerBin, "-X main.version=0.0.0-bench"); err != nil {
		return err
	}
	releaseBin := filepath.Join(b.tmp, "release", clirunner.ProviderBinaryName())
	if err := clirunner.GoBuild(ctx, b.root, clirunner.ProviderPackage, releaseBin, "-s -w -X main.version=0.0.0-bench"); err != nil {
		return err
	}
	b.simBin = filepath.Join(b.tmp, "sim", clirunner.SimulatorBinaryName())
	if err := clirunner.GoBuild(ctx, b.root, clirunner.SimulatorPackage, b.simBin, ""); err != nil {
		return err
	}
	var err error
	if rep.ProviderSize, err = fileSize(providerBin); err != nil {
		return err
	}
	if rep.ReleaseSize, err = fileSize(releaseBin); err != nil {
		return err
	}
	b.cliConfig, err = clirunner.WriteDevOverrides(filepath.Join(b.tmp, "cli.tfrc"), providerDir)
	return err
}

func (b *bench) startSimulator(ctx context.Context, _ *report) error {
	var err error
	if b.simLog, err = os.Create(filepath.Join(b.tmp, "ecs-simulator.log")); err != nil {
		return err
	}
	b.sim, err = simctl.Start(ctx, b.simBin, simctl.StartOptions{
		Args:       []string{"-addr", "127.0.0.1:0", "-job-duration", b.opts.jobDuration.String()},
		Log:        b.simLog,
		HTTPClient: newSimHTTPClient(),
	})
	if err != nil {
		return err
	}
	b.logf("ecs-simulator at %s", b.sim.URL())
	return nil
}

// measureSchema times `providers schema -json`, unless -schema-runs is 0.
func (b *bench) measureSchema(ctx context.Context, rep *report) error {
	runs := b.opts.schemaRuns
	if runs == 0 {
		return nil
	}
	var err error
	if rep.SchemaTime, err = b.schemaTime(ctx, runs); err != nil {
		return fmt.Errorf("providers schema -json: %w", err)
	}
	rep.SchemaRuns = runs
	b.logf("providers schema -json: %.2f s (median of %d)", rep.SchemaTime.Seconds(), runs)
	return nil
}

// measureCLI runs the CLI against the simulator and fills in the report's rows and targets,
// from the samples taken before a failure too.
func (b *bench) measureCLI(ctx context.Context, rep *report) error {
	samples, err := b.measureFleets(ctx, rep)
	rep.Rows = summarise(samples, b.opts.parallelism)
	rep.Targets = evaluateTargets(rep.Rows, rep.Throttle, b.opts.parallelism)
	if rep.Restart != nil {
		rep.Targets = append(rep.Targets, restartTargets(*rep.Restart)...)
	}
	return err
}

// measureRotations runs the fleet rotation section, unless -fleet-sizes is 0, and adds its rows
// and targets to the report, from the samples taken before a failure too.
func (b *bench) measureRotations(ctx context.Context, rep *report) error {
	spec, ok := b.opts.rotationSpec()
	if !ok {
		return nil
	}
	samples, err := b.runRotations(ctx, spec)
	rep.Rotations = summariseRotations(samples)
	rep.Targets = append(rep.Targets, rotationTargets(rep.Rotations, spec.Latency, b.opts.parallelism)...)
	return err
}

// recordLoadEnd notes the load average once the CLI runs are over.
func (b *bench) recordLoadEnd(_ context.Context, rep *report) error {
	rep.LoadEnd = loadAverage()
	return nil
}

// measureFleets runs every (N, run, latency), the apply without the reset-support check, the
// restart row (which goes to rep.Restart) and the throttled rows (which go to rep.Throttle). It
// returns the samples taken so far also when one of them fails.
func (b *bench) measureFleets(ctx context.Context, rep *report) ([]sample, error) {
	o := b.opts
	var samples []sample
	// The latencies of one N and run follow each other, so that a change in the machine's load
	// during the bench affects a row and its zero-latency baseline alike.
	for _, n := range o.sizes {
		for r := 1; r <= o.runs; r++ {
			for _, latency := range o.latencies {
				ss, err := b.runFleet(ctx, n, latency, r)
				samples = append(samples, ss...)
				if err != nil {
					return samples, err
				}
			}
		}
	}
	if o.noVerifySize > 0 {
		s, err := b.runNoVerify(ctx, o.noVerifySize)
		if err != nil {
			return samples, err
		}
		samples = append(samples, s)
	}
	if spec, ok := o.restartSpec(); ok {
		r, err := b.runRestart(ctx, spec)
		rep.Restart = r
		if err != nil {
			return samples, err
		}
	}
	for _, spec := range o.throttleSpecs() {
		t, err := b.runThrottled(ctx, spec)
		rep.Throttle = append(rep.Throttle, t...)
		if err != nil {
			return samples, err
		}
	}
	return samples, nil
}

// measureGo runs the Go micro-benchmarks, unless -skip-go-bench.
func (b *bench) measureGo(ctx context.Context, rep *report) error {
	if b.opts.skipGoBench {
		return nil
	}
	b.logf("running the Go benchmarks")
	var err error
	rep.GoBench, err = runGoBenchmarks(ctx, b.root)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		// Another package's benchmarks failing does not invalidate the CLI numbers.
		rep.GoBenchError = err.Error()
		b.logf("%v", err)
	}
	return nil
}

func fileSize(p string) (int64, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// commandLine is how the report names the command that produced it.
func commandLine(args []string) string {
	s := "go run ./internal/cmd/bench"
	if len(args) > 0 {
		s += " " + strings.Join(args, " ")
	}
	return s
}

// loadAverage returns the one-minute load average on Linux ("" elsewhere): the bench is
// sensitive to other work on the machine, so the report says how busy it was.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}

// machine describes the host: OS, architecture, logical CPUs and, on Linux, the CPU model.
func machine() string {
	desc := fmt.Sprintf("%s/%s, %d logical CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				desc += ", " + strings.TrimSpace(v)
				break
			}
		}
	}
	return desc
}
