//go:build unix

package simctl_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
)

// writeScript writes an executable shell script standing in for the ecs-simulator binary, so
// that Start is tested without building the command.
func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ecs-simulator")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStart(t *testing.T) {
	// The stand-in announces the URL of an in-process simulator, as ecs-simulator announces its
	// own, and then stays up until it is stopped.
	sim, err := ecssim.StartLoopback(ecssim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	bin := writeScript(t, `echo "flags: $*" >&2
echo "`+sim.URL+`"
exec sleep 300`)
	var log simctl.LogBuffer
	p, err := simctl.Start(t.Context(), bin, simctl.StartOptions{Args: []string{"-addr", "127.0.0.1:0"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if p.URL() != sim.URL || p.Pid() <= 0 {
		t.Errorf("URL %q, pid %d; want %q and a process ID", p.URL(), p.Pid(), sim.URL)
	}
	if err := p.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddServer(t.Context(), ecssim.ServerSpec{ID: "through-process", OSType: "Linux"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := sim.Server("through-process"); !ok {
		t.Error("the control request did not reach the simulator the process announced")
	}

	p.Stop()
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done was not closed after Stop")
	}
	if err := p.Err(); err != nil {
		t.Errorf("Err after Stop = %v, want nil", err)
	}
	if !strings.Contains(log.String(), "flags: -addr 127.0.0.1:0") {
		t.Errorf("the flags did not reach the process, or its error output did not reach Log: %q", log.String())
	}
}

func TestStartFails(t *testing.T) {
	bin := writeScript(t, `echo "seed file missing.json: no such file" >&2
exit 2`)
	p, err := simctl.Start(t.Context(), bin, simctl.StartOptions{})
	if err == nil {
		p.Stop()
		t.Fatal("Start succeeded although the process exited")
	}
	if !strings.Contains(err.Error(), "no such file") {
		t.Errorf("error %q does not quote the process's error output", err)
	}

	bin = writeScript(t, "echo listening\nexec sleep 300")
	if p, err := simctl.Start(t.Context(), bin, simctl.StartOptions{Timeout: 5 * time.Second}); err == nil {
		p.Stop()
		t.Error("Start accepted a first line that is not a URL")
	}
}
