package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// snapshot is the ground truth of both demo servers at one moment.
type snapshot struct {
	linux, windows *ecssim.ServerState
}

// summarize prints one line per server from the simulator's ground truth. The passwords
// themselves are never printed, only whether they equal what the demo expects.
func (d *demo) summarize(ctx context.Context) (*snapshot, error) {
	fx := d.fx
	linux, err := d.sim.Server(ctx, fx.linuxID)
	if err != nil {
		return nil, err
	}
	windows, err := d.sim.Server(ctx, fx.windowsID)
	if err != nil {
		return nil, err
	}
	row := "    %-13s %-8s %-30s %-46s %-34s %s\n"
	fmt.Fprintf(d.out, row, "server", "os", "password changed", "password equals", "login accepts it", "stored Windows password")
	fmt.Fprintf(d.out, row, "demo-linux", "Linux", changed(&linux), "the demo's new root password: "+yesNo(linux.Password == fx.linuxPassword),
		loginText(&linux, fx.linuxPassword), storedText(&linux))
	fmt.Fprintf(d.out, row, "demo-windows", "Windows", changed(&windows), "the decrypted initial password: "+yesNo(windows.Password == fx.windowsPassword),
		loginText(&windows, fx.windowsPassword), storedText(&windows))
	return &snapshot{linux: &linux, windows: &windows}, nil
}

func changed(s *ecssim.ServerState) string {
	if s.ResetCount == 0 {
		return "no (0 resets)"
	}
	noun := "resets"
	if s.ResetCount == 1 {
		noun = "reset"
	}
	return fmt.Sprintf("yes (%d %s, API %s)", s.ResetCount, noun, s.LastResetAPI)
}

// loginText says whether a login accepts the expected password now, which takes a boot after the
// reset, and how many boots the server had.
func loginText(s *ecssim.ServerState, want string) string {
	word := "no"
	if s.EffectivePassword == want {
		word = "yes"
	}
	switch {
	case s.PendingReset:
		return fmt.Sprintf("%s (pending a reboot; %d boots)", word, s.BootCount)
	case s.BootCount == 1:
		return fmt.Sprintf("%s (1 boot)", word)
	}
	return fmt.Sprintf("%s (%d boots)", word, s.BootCount)
}

func storedText(s *ecssim.ServerState) string {
	if s.WindowsPasswordPresent {
		return "still stored"
	}
	if strings.EqualFold(s.OSType, "Windows") {
		return "deleted"
	}
	return "none"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// checkOutcome turns the two snapshots into a pass or a precise failure.
func checkOutcome(afterApply, afterDestroy *snapshot, fx *fixture) error {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if afterApply.linux.ResetCount != 1 || afterApply.linux.Password != fx.linuxPassword {
		fail("after apply the Linux server should have been reset once to the demo's password (resets: %d, password matches: %s)",
			afterApply.linux.ResetCount, yesNo(afterApply.linux.Password == fx.linuxPassword))
	}
	if afterApply.windows.ResetCount != 1 || afterApply.windows.Password != fx.windowsPassword {
		fail("after apply the Windows server should have been reset once to the decrypted initial password (resets: %d, password matches: %s)",
			afterApply.windows.ResetCount, yesNo(afterApply.windows.Password == fx.windowsPassword))
	}
	if afterApply.linux.EffectivePassword != fx.linuxPassword || afterApply.linux.BootCount != 1 || afterApply.linux.PendingReset {
		fail("after apply a login on the Linux server should accept the demo's password after one reboot (matches: %s, boots: %d)",
			yesNo(afterApply.linux.EffectivePassword == fx.linuxPassword), afterApply.linux.BootCount)
	}
	if !afterApply.windows.WindowsPasswordPresent {
		fail("after apply the Windows password should still be stored")
	}
	if afterDestroy.linux.ResetCount != afterApply.linux.ResetCount || afterDestroy.windows.ResetCount != afterApply.windows.ResetCount {
		fail("destroy must not reset passwords")
	}
	if afterDestroy.windows.WindowsPasswordPresent {
		fail("after destroy the stored Windows password should have been deleted")
	}
	if len(problems) > 0 {
		return fmt.Errorf("unexpected simulator state:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// checkNoSecrets fails when a secret was written to a file under dir or printed by the CLI. The
// error names where, never the secret.
func checkNoSecrets(dir, printed string, secrets []string) error {
	leaks, err := secretsInFiles(dir, secrets)
	if err != nil {
		return err
	}
	if containsAny(printed, secrets) {
		leaks = append(leaks, "the CLI's output")
	}
	if len(leaks) > 0 {
		return fmt.Errorf("a plaintext secret was written to %s", strings.Join(leaks, ", "))
	}
	return nil
}

// containsAny reports whether text contains any of the non-empty secrets.
func containsAny(text string, secrets []string) bool {
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			return true
		}
	}
	return false
}

// secretsInFiles returns the files under dir that contain any of the secrets.
func secretsInFiles(dir string, secrets []string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if containsAny(string(data), secrets) {
			found = append(found, p)
		}
		return nil
	})
	return found, err
}
