//go:build unix

package clirunner

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd as the leader of a new process group. A terminal's Ctrl-C then
// reaches only the parent, which forwards one interrupt (two would make Terraform abandon its
// graceful stop), and the whole group can be stopped together.
func setProcessGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setParentDeathSignal(cmd.SysProcAttr)
}

// signalGroup sends sig to the process group led by p. A group that is already gone is not an error.
func signalGroup(p *os.Process, sig os.Signal) error {
	if p == nil {
		return nil
	}
	s, ok := sig.(syscall.Signal)
	if !ok {
		return p.Signal(sig)
	}
	err := syscall.Kill(-p.Pid, s)
	if err == syscall.ESRCH {
		return nil
	}
	return err
}

// interruptSignal asks a process to stop gracefully; terminateSignal asks a server to shut down.
var (
	interruptSignal os.Signal = syscall.SIGINT
	terminateSignal os.Signal = syscall.SIGTERM
)
