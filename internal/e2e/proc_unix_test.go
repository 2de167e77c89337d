//go:build unix

package e2e

import (
	"os/exec"
	"syscall"
)

// stopGroup kills whatever is left of a finished command's process group, such as a provider
// plugin of an interrupted run, so that no process outlives its test.
func stopGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
