// Command demo shows the provider end to end without a cloud: it builds the provider and
// ecs-simulator, starts the simulator with one Linux and one Windows server, applies
// examples/demo with Terraform (or OpenTofu) through a dev_overrides CLI configuration, prints
// what the simulator saw, destroys, and cleans up after itself. Run it with `make demo`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		cliPath string
		keep    bool
		quiet   bool
	)
	flag.StringVar(&cliPath, "cli", "", "Terraform or OpenTofu binary to use (default: terraform on PATH, else tofu on PATH, else OpenTofu built by .ci/opentofu.sh)")
	flag.BoolVar(&keep, "keep", false, "keep the temporary directory (configuration, state, logs) for inspection")
	flag.BoolVar(&quiet, "quiet", false, "do not show the CLI's own output")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	d := &demo{out: os.Stdout, cliPath: cliPath, keep: keep, quiet: quiet, start: time.Now()}
	err := d.run(ctx)
	d.cleanup()
	switch {
	case err == nil:
		fmt.Fprintf(d.out, "\nDemo finished in %s.\n", since(d.start))
		return 0
	case ctx.Err() != nil:
		fmt.Fprintf(os.Stderr, "\ndemo interrupted: %v\n", err)
		return 130
	default:
		fmt.Fprintf(os.Stderr, "\ndemo failed: %v\n", err)
		return 1
	}
}

type demo struct {
	out     io.Writer
	cliPath string
	keep    bool
	quiet   bool
	start   time.Time
	beat    time.Duration // progress interval; zero means heartbeat

	step     int
	cleanup  func()
	stopBeat func()

	// Set by the steps, in order.
	root       string
	tmp        string
	cli        clirunner.CLI
	binDir     string
	simBin     string
	fx         *fixture
	sim        *simctl.Process
	simLog     *os.File
	workDir    string
	runner     *clirunner.Runner
	printed    lockedBuffer // everything the CLI printed
	afterApply *snapshot
}

const totalSteps = 9

// stepf prints a numbered step header and returns a function that prints its duration. While the
// step runs, a line every heartbeat tells that it is still going (a cold OpenTofu or provider build
// is silent for minutes).
func (d *demo) stepf(format string, args ...any) func() {
	d.step++
	t := time.Now()
	fmt.Fprintf(d.out, "\n==> [%d/%d] %s\n", d.step, totalSteps, fmt.Sprintf(format, args...))
	d.stopHeartbeat()
	stop := make(chan struct{})
	finished := make(chan struct{})
	var once sync.Once
	d.stopBeat = func() {
		once.Do(func() {
			close(stop)
			<-finished
		})
	}
	go func() {
		defer close(finished)
		every := d.beat
		if every <= 0 {
			every = heartbeat
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				fmt.Fprintf(d.out, "    ... still working (%s)\n", since(t))
			}
		}
	}()
	return func() {
		d.stopHeartbeat()
		fmt.Fprintf(d.out, "    done in %s (total %s)\n", since(t), since(d.start))
	}
}

const heartbeat = 30 * time.Second

// stopHeartbeat ends the current step's progress lines, also when the step failed.
func (d *demo) stopHeartbeat() {
	if d.stopBeat != nil {
		d.stopBeat()
	}
}

func since(t time.Time) string {
	return time.Since(t).Round(100 * time.Millisecond).String()
}

// run does the demo's steps in order and stops at the first failure. The caller then calls
// d.cleanup, which stops the simulator and removes the temporary directory.
func (d *demo) run(ctx context.Context) error {
	d.cleanup = func() {}
	if err := d.makeTempDir(); err != nil {
		return err
	}
	for _, step := range []func(context.Context) error{
		d.findCLI,
		d.build,
		d.generateFixture,
		d.startSimulator,
		d.prepareWorkDir,
		d.apply,
		d.output,
		d.checkAfterApply,
		d.destroy,
		d.checkAfterDestroy,
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// makeTempDir finds the repository (for examples/demo and the sources to build) and creates the
// temporary directory that everything the demo writes goes to.
func (d *demo) makeTempDir() error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if d.root, err = clirunner.ModuleRoot(wd); err != nil {
		return err
	}
	if d.tmp, err = os.MkdirTemp("", "ecs-demo-"); err != nil {
		return err
	}
	d.cleanup = d.removeAll
	return nil
}

func (d *demo) findCLI(ctx context.Context) error {
	done := d.stepf("Finding a Terraform or OpenTofu CLI")
	var err error
	d.cli, err = clirunner.FindCLI(ctx, clirunner.FindOptions{
		Explicit:       d.cliPath,
		OpenTofuScript: filepath.Join(d.root, ".ci", "opentofu.sh"),
		Stderr:         prefixWriter(d.out, "    "),
	})
	if err != nil {
		return err
	}
	version, err := d.cli.Version(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    %s (%s)\n", d.cli.Path, version)
	done()
	return nil
}

func (d *demo) build(ctx context.Context) error {
	done := d.stepf("Building the provider and ecs-simulator")
	d.binDir = filepath.Join(d.tmp, "bin")
	providerBin := filepath.Join(d.binDir, clirunner.ProviderBinaryName())
	d.simBin = filepath.Join(d.binDir, clirunner.SimulatorBinaryName())
	if err := clirunner.GoBuild(ctx, d.root, clirunner.ProviderPackage, providerBin, "-X main.version=0.0.0-demo"); err != nil {
		return err
	}
	if err := clirunner.GoBuild(ctx, d.root, clirunner.SimulatorPackage, d.simBin, ""); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    %s\n    %s\n", providerBin, d.simBin)
	done()
	return nil
}

func (d *demo) generateFixture(context.Context) error {
	done := d.stepf("Generating an RSA key pair and the servers' passwords")
	var err error
	if d.fx, err = newFixture(d.tmp); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    Linux server   %s (new root password: random, only in this process and the simulator)\n", d.fx.linuxID)
	fmt.Fprintf(d.out, "    Windows server %s (key pair %s, initial password encrypted by the simulator)\n", d.fx.windowsID, d.fx.keyName)
	done()
	return nil
}

func (d *demo) startSimulator(ctx context.Context) error {
	done := d.stepf("Starting ecs-simulator on a free loopback port")
	var err error
	if d.simLog, err = os.Create(filepath.Join(d.tmp, "ecs-simulator.log")); err != nil {
		return err
	}
	d.sim, err = simctl.Start(ctx, d.simBin, simctl.StartOptions{
		// Reboot jobs take half a second instead of the default two: the demo shows that the new
		// password applies at the reboot, not how long a reboot takes.
		Args: []string{"-addr", "127.0.0.1:0", "-seed", d.fx.seedPath, "-job-duration", "500ms"},
		Log:  d.simLog,
		// Reading a server's ground truth takes milliseconds; a simulator that has not answered
		// within seconds is stuck, and the demo says so instead of hanging.
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		return err
	}
	for _, id := range []string{d.fx.linuxID, d.fx.windowsID} {
		if _, err := d.sim.Server(ctx, id); err != nil {
			return fmt.Errorf("the simulator did not load the seeded servers: %w", err)
		}
	}
	fmt.Fprintf(d.out, "    %s (pid %d, log %s)\n", d.sim.URL(), d.sim.Pid(), d.simLog.Name())
	done()
	return nil
}

// prepareWorkDir copies examples/demo into the temporary directory and sets up the runner that
// points the CLI at the built provider and hands it the fixture through TF_VAR_ variables.
func (d *demo) prepareWorkDir(context.Context) error {
	d.workDir = filepath.Join(d.tmp, "work")
	if err := copyTFFiles(filepath.Join(d.root, "examples", "demo"), d.workDir); err != nil {
		return err
	}
	cliConfig, err := clirunner.WriteDevOverrides(filepath.Join(d.tmp, "cli.tfrc"), d.binDir)
	if err != nil {
		return err
	}
	cliOut := prefixWriter(d.out, "    | ")
	if d.quiet {
		cliOut = io.Discard
	}
	// Everything the CLI prints is kept as well, to be searched for secrets with the files.
	cliOut = io.MultiWriter(cliOut, &d.printed)
	d.runner = &clirunner.Runner{
		CLI: d.cli,
		Dir: d.workDir,
		Env: []string{
			cliConfig,
			"TF_VAR_endpoint=" + d.sim.URL(),
			// The simulator's built-in region, project and principal.
			"TF_VAR_region=" + ecssim.DefaultRegion,
			"TF_VAR_project_id=" + ecssim.DefaultProjectID,
			"TF_VAR_access_key=" + ecssim.DefaultAccessKey,
			"TF_VAR_secret_key=" + ecssim.DefaultSecretKey,
			"TF_VAR_linux_server_id=" + d.fx.linuxID,
			"TF_VAR_windows_server_id=" + d.fx.windowsID,
			"TF_VAR_private_key_path=" + d.fx.privateKeyPath,
			"TF_VAR_linux_password=" + d.fx.linuxPassword,
		},
		Stdout: cliOut,
		Stderr: cliOut,
	}
	return nil
}

// apply needs no `init` before it: with dev_overrides the provider is loaded from the override
// directory, and the configuration uses no other provider.
func (d *demo) apply(ctx context.Context) error {
	done := d.stepf("%s apply (examples/demo in %s)", d.cli.Name(), d.workDir)
	if err := d.runner.Run(ctx, "apply", "-auto-approve", "-input=false", "-no-color", "-compact-warnings"); err != nil {
		return err
	}
	done()
	return nil
}

func (d *demo) output(ctx context.Context) error {
	done := d.stepf("%s output", d.cli.Name())
	if err := d.runner.Run(ctx, "output", "-no-color"); err != nil {
		return err
	}
	done()
	return nil
}

func (d *demo) checkAfterApply(ctx context.Context) error {
	done := d.stepf("What the simulator saw after apply")
	var err error
	if d.afterApply, err = d.summarize(ctx); err != nil {
		return err
	}
	if err := checkNoSecrets(d.workDir, d.printed.String(), d.fx.secrets()); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    plaintext passwords and the private key in the state, the working directory and the CLI's output: none\n")
	done()
	return nil
}

func (d *demo) destroy(ctx context.Context) error {
	done := d.stepf("%s destroy", d.cli.Name())
	if err := d.runner.Run(ctx, "destroy", "-auto-approve", "-input=false", "-no-color", "-compact-warnings"); err != nil {
		return err
	}
	done()
	return nil
}

func (d *demo) checkAfterDestroy(ctx context.Context) error {
	done := d.stepf("What the simulator saw after destroy")
	afterDestroy, err := d.summarize(ctx)
	if err != nil {
		return err
	}
	if err := checkOutcome(d.afterApply, afterDestroy, d.fx); err != nil {
		return err
	}
	if err := checkNoSecrets(d.workDir, d.printed.String(), d.fx.secrets()); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    every check passed: reset flag read, Linux password reset write-only and made effective by\n"+
		"    one reboot, Windows password decrypted in memory and used write-only, stored Windows\n"+
		"    password deleted on destroy\n")
	done()
	return nil
}

// removeAll stops the simulator and deletes the temporary directory (unless -keep).
func (d *demo) removeAll() {
	d.stopHeartbeat()
	if d.sim != nil {
		d.sim.Stop()
		if err := d.sim.Err(); err != nil {
			fmt.Fprintf(os.Stderr, "ecs-simulator ended with %v (log: %s)\n", err, d.simLog.Name())
		}
		d.sim = nil
	}
	if d.simLog != nil {
		_ = d.simLog.Close()
	}
	if d.tmp == "" {
		return
	}
	if d.keep {
		fmt.Fprintf(d.out, "\nKept %s (it holds the demo's private key; delete it when done).\n", d.tmp)
		return
	}
	if err := os.RemoveAll(d.tmp); err != nil {
		fmt.Fprintf(os.Stderr, "removing %s: %v\n", d.tmp, err)
	}
}

// copyTFFiles copies the *.tf files of src into a new directory dst, so the run leaves no
// state or lock file in the repository.
func copyTFFiles(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".tf" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o600); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return errors.New("no .tf files in " + src)
	}
	return nil
}
