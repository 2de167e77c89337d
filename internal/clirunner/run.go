package clirunner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// StopGrace is how long a child gets to finish after an interrupt before its process group is killed.
const StopGrace = 20 * time.Second

// CleanEnv returns environ without the variables that would make a run depend on the caller's
// shell: the caller's CLI configuration and extra CLI arguments, preset input variables,
// workspace and data-directory overrides, and the provider's HW_* settings (a run against the
// simulator must never pick up, or send, real cloud credentials).
func CleanEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "TF_CLI_CONFIG_FILE", name == "TERRAFORM_CONFIG", name == "TF_WORKSPACE",
			name == "TF_DATA_DIR", name == "TF_PLUGIN_CACHE_DIR", name == "TF_INPUT",
			strings.HasPrefix(name, "TF_CLI_ARGS"), strings.HasPrefix(name, "TF_VAR_"),
			strings.HasPrefix(name, "HW_"):
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Runner runs CLI commands in one working directory.
type Runner struct {
	CLI CLI
	// Dir is the working directory (the root module).
	Dir string
	// Env is added to CleanEnv(os.Environ()), e.g. the TF_CLI_CONFIG_FILE entry from
	// WriteDevOverrides and TF_VAR_ entries. Later entries win.
	Env []string
	// Stdout and Stderr receive the CLI's output; nil discards it.
	Stdout, Stderr io.Writer
}

// Command builds the command for args without starting it. It runs in its own process group;
// cancelling ctx sends the group one interrupt and kills it StopGrace later.
func (r *Runner) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, r.CLI.Path, args...)
	cmd.Dir = r.Dir
	env := CleanEnv(os.Environ())
	env = append(env, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	cmd.Env = append(env, r.Env...)
	cmd.Stdout = r.Stdout
	cmd.Stderr = r.Stderr
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return signalGroup(cmd.Process, interruptSignal) }
	cmd.WaitDelay = StopGrace
	return cmd
}

// Run runs the CLI with args and waits for it. Whatever is left of the process group afterwards
// (a provider plugin of an interrupted run) is killed.
func (r *Runner) Run(ctx context.Context, args ...string) error {
	cmd := r.Command(ctx, args...)
	err := cmd.Run()
	StopGroup(cmd)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("%s %s: %w", r.CLI.Name(), firstWord(args), ctxErr)
		}
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("%s %s failed (exit status %d)", r.CLI.Name(), firstWord(args), exitErr.ExitCode())
		}
		return fmt.Errorf("%s %s: %w", r.CLI.Name(), firstWord(args), err)
	}
	return nil
}

// StopGroup kills whatever is left of the process group of a command started by Command once
// the command itself has ended, such as a provider plugin of an interrupted run, so that no
// process outlives the caller's use of it. It does nothing for a command that never started.
func StopGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = signalGroup(cmd.Process, os.Kill)
	}
}

// Output runs the CLI with args and returns its standard output.
func (r *Runner) Output(ctx context.Context, args ...string) ([]byte, error) {
	var buf strings.Builder
	rr := *r
	rr.Stdout = &buf
	err := rr.Run(ctx, args...)
	return []byte(buf.String()), err
}

func firstWord(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return strings.Join(args, " ")
}
