//go:build unix && !linux

package clirunner

import "syscall"

// setParentDeathSignal has no equivalent outside Linux; the parent's own cleanup has to do.
func setParentDeathSignal(*syscall.SysProcAttr) {}
