package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// commandTimeout bounds one CLI command. It is a safety net against a hung run, not a
// performance expectation: the slowest command of the suite needs a small fraction of it.
const commandTimeout = 5 * time.Minute

// The terraform block every configuration starts with.
const terraformBlock = `terraform {
  required_providers {
    ecs = {
      source = "terraform-provider-ecs/ecs"
    }
  }
}
`

// workspace is one root module in its own temporary directory, with its own state.
type workspace struct {
	t   *testing.T
	dir string
	// env is added to every CLI command after the suite's settings.
	env []string
}

// newWorkspace writes the given files (name → content) into a new temporary directory.
func newWorkspace(t *testing.T, files map[string]string, env ...string) *workspace {
	t.Helper()
	w := &workspace{t: t, dir: t.TempDir(), env: env}
	for name, content := range files {
		w.write(name, content)
	}
	return w
}

func (w *workspace) write(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// writeJSON writes v as a JSON file, e.g. terraform.tfvars.json.
func (w *workspace) writeJSON(name string, v any) {
	w.t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		w.t.Fatal(err)
	}
	w.write(name, string(data))
}

// result is the outcome of one CLI command.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

// output is stdout and stderr together, for searching diagnostics.
func (r result) output() string { return r.stdout + "\n" + r.stderr }

func (r result) String() string {
	return fmt.Sprintf("%s %s exited with %d\n--- stdout ---\n%s\n--- stderr ---\n%s",
		suite.cli.Name(), strings.Join(r.args, " "), r.code, tail(r.stdout, 6000), tail(r.stderr, 6000))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// command prepares a CLI command in the workspace without starting it. Logging is off unless
// the workspace's env turns it on, so a developer's TF_LOG does not change what tests see.
func (w *workspace) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	env := append([]string{suite.cliConfig, "TF_LOG=", "TF_LOG_PATH=", "TF_LOG_CORE=", "TF_LOG_PROVIDER="}, w.env...)
	var stdout, stderr bytes.Buffer
	r := &clirunner.Runner{CLI: suite.cli, Dir: w.dir, Env: env, Stdout: &stdout, Stderr: &stderr}
	return r.Command(ctx, args...), &stdout, &stderr
}

// run runs a CLI command to completion and returns its outcome whatever the exit status.
func (w *workspace) run(args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), commandTimeout)
	defer cancel()
	cmd, stdout, stderr := w.command(ctx, args...)
	err := cmd.Run()
	clirunner.StopGroup(cmd)
	res := result{args: args, stdout: stdout.String(), stderr: stderr.String(), code: -1}
	if cmd.ProcessState != nil {
		res.code = cmd.ProcessState.ExitCode()
	}
	var exitErr *exec.ExitError
	if err != nil && (!errors.As(err, &exitErr) || ctx.Err() != nil) {
		w.t.Fatalf("%s %s did not complete: %v\n%s", suite.cli.Name(), strings.Join(args, " "), err, res)
	}
	return res
}

// mustRun runs a CLI command and fails the test unless it exits with status 0.
func (w *workspace) mustRun(args ...string) result {
	w.t.Helper()
	res := w.run(args...)
	if res.code != 0 {
		w.t.Fatalf("unexpected exit status %d:\n%s", res.code, res)
	}
	return res
}

// Common argument lists.
var (
	applyArgs   = []string{"apply", "-auto-approve", "-input=false", "-no-color"}
	destroyArgs = []string{"destroy", "-auto-approve", "-input=false", "-no-color"}
	planArgs    = []string{"plan", "-input=false", "-no-color", "-detailed-exitcode"}
)

func (w *workspace) apply() result { return w.run(applyArgs...) }
func (w *workspace) plan() result  { return w.run(planArgs...) }

// stateInstance is one resource instance of the state file.
type stateInstance struct {
	Address    string
	Attributes map[string]any
}

// instances lists the ecs_server_password instances in the workspace's state. A missing state
// file means none.
func (w *workspace) instances() []stateInstance {
	w.t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		w.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Name      string `json:"name"`
			Instances []struct {
				IndexKey   any            `json:"index_key"`
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		w.t.Fatalf("reading the state file: %v", err)
	}
	var out []stateInstance
	for _, r := range st.Resources {
		if r.Mode != "managed" || r.Type != "ecs_server_password" {
			continue
		}
		for _, in := range r.Instances {
			addr := r.Type + "." + r.Name
			if in.IndexKey != nil {
				addr += fmt.Sprintf("[%v]", in.IndexKey)
			}
			out = append(out, stateInstance{Address: addr, Attributes: in.Attributes})
		}
	}
	return out
}

// stateServerIDs returns the server_id of every ecs_server_password instance in the state.
func (w *workspace) stateServerIDs() []string {
	var ids []string
	for _, in := range w.instances() {
		if id, ok := in.Attributes["server_id"].(string); ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// flat collapses every run of white space to one space: the CLI wraps diagnostics to its
// terminal width, so expected phrases may be split across lines.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// containsFlat reports whether text contains want, ignoring how white space is laid out.
func containsFlat(text, want string) bool { return strings.Contains(flat(text), flat(want)) }

// crashMarkers are signs of a provider crash rather than a handled error.
var crashMarkers = []string{"panic:", "goroutine ", "The plugin encountered an error", "Plugin did not respond", "plugin exited"}

// checkNoCrash fails the test when the output shows a crashed or vanished provider.
func checkNoCrash(t *testing.T, res result) {
	t.Helper()
	for _, m := range crashMarkers {
		if strings.Contains(res.output(), m) {
			t.Errorf("the output contains %q, a sign of a crash:\n%s", m, res)
		}
	}
}

// fleetVariablesHCL declares the inputs of the fleet configurations.
const fleetVariablesHCL = `
variable "servers" {
  type = list(string)
}

variable "passwords" {
  type      = list(string)
  sensitive = true
  ephemeral = true
}

variable "password_version" {
  type    = number
  default = 1
}
`

// fleetHCL manages one password per server, given as lists in terraform.tfvars.json. The
// passwords are write-only and come from an ephemeral variable, the recommended setup.
const fleetHCL = fleetVariablesHCL + `
resource "ecs_server_password" "fleet" {
  count               = length(var.servers)
  server_id           = var.servers[count.index]
  password_wo         = var.passwords[count.index]
  password_wo_version = var.password_version
}
`

// fleet is a set of servers with the password each should get.
type fleet struct {
	ids       []string
	passwords []string
}

func newFleet(ids []string) fleet {
	f := fleet{ids: ids, passwords: make([]string, len(ids))}
	for i := range ids {
		f.passwords[i] = testfixture.Password()
	}
	return f
}

// newFleetWorkspace writes a fleet configuration for the simulator with the given provider
// attribute overrides.
func newFleetWorkspace(t *testing.T, s *simtest.Sim, f fleet, provider map[string]string) *workspace {
	t.Helper()
	w := newWorkspace(t, map[string]string{"main.tf": terraformBlock + acctest.ProviderHCL(s.URL, provider) + fleetHCL})
	w.writeJSON("terraform.tfvars.json", map[string]any{"servers": f.ids, "passwords": f.passwords})
	return w
}

// checkFleetConverged checks the ground truth after a successful apply: every server holds its
// configured password and was reset exactly wantResets times.
func checkFleetConverged(t *testing.T, s *simtest.Sim, f fleet, wantResets int) {
	t.Helper()
	bad := 0
	for i, id := range f.ids {
		st := s.State(id)
		if st.Password != f.passwords[i] || st.ResetCount != wantResets {
			bad++
			if bad <= 5 {
				t.Errorf("server %s: password matches the configured one: %t, resets: %d (want %d)",
					id, st.Password == f.passwords[i], st.ResetCount, wantResets)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... and %d more servers are wrong", bad-5)
	}
}
