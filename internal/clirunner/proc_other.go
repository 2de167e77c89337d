//go:build !unix

package clirunner

import (
	"os"
	"os/exec"
)

// setProcessGroup does nothing where process groups are not available.
func setProcessGroup(*exec.Cmd) {}

// signalGroup kills the process itself: other systems cannot deliver an interrupt to a child.
func signalGroup(p *os.Process, _ os.Signal) error {
	if p == nil {
		return nil
	}
	return p.Kill()
}

var (
	interruptSignal = os.Kill
	terminateSignal = os.Kill
)
