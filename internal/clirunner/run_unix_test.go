//go:build unix

package clirunner

import (
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func TestRunnerEnvironment(t *testing.T) {
	t.Setenv("HW_ACCESS_KEY", "must-not-leak")
	t.Setenv("TF_CLI_CONFIG_FILE", "/home/someone/.terraformrc")
	t.Setenv("TF_VAR_password", "from-the-shell")
	t.Setenv("TF_CLI_ARGS_apply", "-parallelism=1")
	t.Setenv("KEEP_ME", "yes")
	cli := CLI{Path: writeScript(t, t.TempDir(), "terraform", `echo "args: $*"; env | sort`), Kind: Terraform}
	r := &Runner{CLI: cli, Dir: t.TempDir(), Env: []string{"TF_CLI_CONFIG_FILE=/run/cli.tfrc", "TF_VAR_region=cn-north-4"}}
	out, err := r.Output(t.Context(), "plan", "-input=false")
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{"args: plan -input=false", "TF_CLI_CONFIG_FILE=/run/cli.tfrc", "TF_VAR_region=cn-north-4",
		"TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1", "KEEP_ME=yes", "PWD=" + r.Dir} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"must-not-leak", "/home/someone/.terraformrc", "from-the-shell", "parallelism"} {
		if strings.Contains(got, unwanted) {
			t.Errorf("output contains %q from the caller's environment:\n%s", unwanted, got)
		}
	}
}

func TestRunnerFailure(t *testing.T) {
	cli := CLI{Path: writeScript(t, t.TempDir(), "tofu", "echo 'Error: boom' >&2; exit 3"), Kind: OpenTofu}
	var stderr strings.Builder
	r := &Runner{CLI: cli, Dir: t.TempDir(), Stderr: &stderr}
	err := r.Run(t.Context(), "-chdir=x", "apply", "-auto-approve")
	if err == nil {
		t.Fatal("want an error")
	}
	if want := "OpenTofu apply failed (exit status 3)"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if !strings.Contains(stderr.String(), "Error: boom") {
		t.Errorf("stderr not passed on: %q", stderr.String())
	}
}

func TestCleanEnv(t *testing.T) {
	in := []string{"PATH=/bin", "HW_SECRET_KEY=x", "TF_VAR_a=1", "TF_CLI_ARGS=-no-color", "TF_LOG=debug",
		"TF_DATA_DIR=/d", "TF_WORKSPACE=w", "HOME=/root", "TF_PLUGIN_CACHE_DIR=/c"}
	got := strings.Join(CleanEnv(in), " ")
	if want := "PATH=/bin TF_LOG=debug HOME=/root"; got != want {
		t.Errorf("CleanEnv = %q, want %q", got, want)
	}
}

// syncBuffer is a strings.Builder safe for the concurrent writes of a child's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunStopsLeftoverProcesses checks that a process the CLI left running in its group (as a
// provider plugin of an interrupted run can be) is gone once Run returns.
func TestRunStopsLeftoverProcesses(t *testing.T) {
	cli := CLI{Path: writeScript(t, t.TempDir(), "terraform", "sleep 300 >/dev/null 2>&1 &\necho $!"), Kind: Terraform}
	r := &Runner{CLI: cli, Dir: t.TempDir()}
	out, err := r.Output(t.Context(), "apply")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("the script printed %q, not a process ID", out)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	if !gone(pid) {
		t.Fatalf("process %d that the CLI left behind is still running", pid)
	}
}
