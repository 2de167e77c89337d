//go:build linux

package clirunner

import "syscall"

// setParentDeathSignal makes the kernel kill the child if the parent dies without cleaning up
// (for example when it is killed with SIGKILL), so no simulator is left listening.
func setParentDeathSignal(attr *syscall.SysProcAttr) {
	attr.Pdeathsig = syscall.SIGKILL
}
