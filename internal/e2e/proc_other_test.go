//go:build !unix

package e2e

import "os/exec"

// stopGroup has nothing to do where commands do not get their own process group.
func stopGroup(*exec.Cmd) {}
