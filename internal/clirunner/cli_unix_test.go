//go:build unix

package clirunner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFindCLIOrder(t *testing.T) {
	withTerraform := t.TempDir()
	tf := writeScript(t, withTerraform, "terraform", "echo Terraform v9.9.9")
	withTofu := t.TempDir()
	tofu := writeScript(t, withTofu, "tofu", "echo OpenTofu v9.9.9")
	empty := t.TempDir()
	notExecutable := t.TempDir()
	if err := os.WriteFile(filepath.Join(notExecutable, "terraform"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	built := writeScript(t, t.TempDir(), "tofu", "echo OpenTofu v1.12.6")
	buildScript := writeScript(t, t.TempDir(), "opentofu.sh", "echo building >&2\necho "+built)
	failingScript := writeScript(t, t.TempDir(), "opentofu.sh", "echo no network >&2\nexit 1")

	list := func(dirs ...string) string { return strings.Join(dirs, string(os.PathListSeparator)) }
	cases := []struct {
		name     string
		opts     FindOptions
		wantPath string
		wantKind Kind
	}{
		{"terraform before tofu", FindOptions{PathList: list(withTofu, withTerraform)}, tf, Terraform},
		{"tofu when no terraform", FindOptions{PathList: list(empty, withTofu), OpenTofuScript: buildScript}, tofu, OpenTofu},
		{"non-executable file skipped", FindOptions{PathList: list(notExecutable, withTofu)}, tofu, OpenTofu},
		{"build script last", FindOptions{PathList: list(empty, notExecutable), OpenTofuScript: buildScript}, built, OpenTofu},
		{"explicit wins", FindOptions{Explicit: tofu, PathList: withTerraform}, tofu, OpenTofu},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindCLI(t.Context(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got.Path != tc.wantPath || got.Kind != tc.wantKind {
				t.Errorf("FindCLI = %+v, want %s (%s)", got, tc.wantPath, tc.wantKind)
			}
		})
	}

	t.Run("nothing found", func(t *testing.T) {
		_, err := FindCLI(t.Context(), FindOptions{PathList: empty})
		if !errors.Is(err, ErrNoCLI) {
			t.Errorf("err = %v, want ErrNoCLI", err)
		}
	})
	t.Run("build fails", func(t *testing.T) {
		var stderr strings.Builder
		_, err := FindCLI(t.Context(), FindOptions{PathList: empty, OpenTofuScript: failingScript, Stderr: &stderr})
		if !errors.Is(err, ErrNoCLI) {
			t.Errorf("err = %v, want ErrNoCLI", err)
		}
		if !strings.Contains(stderr.String(), "no network") {
			t.Errorf("build output was not passed on: %q", stderr.String())
		}
	})
	t.Run("explicit path missing", func(t *testing.T) {
		if _, err := FindCLI(t.Context(), FindOptions{Explicit: filepath.Join(empty, "terraform")}); err == nil {
			t.Error("want an error for a missing explicit CLI")
		}
	})
}

func TestCLIVersionAndNames(t *testing.T) {
	tofu := CLI{Path: writeScript(t, t.TempDir(), "tofu", "echo; echo 'Warning: Unable to open CLI configuration file'\necho OpenTofu v1.12.6\necho on linux_amd64"), Kind: OpenTofu}
	v, err := tofu.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v != "OpenTofu v1.12.6" {
		t.Errorf("Version = %q", v)
	}
	if tofu.Name() != "OpenTofu" || tofu.RegistryHost() != "registry.opentofu.org" {
		t.Errorf("OpenTofu name/host = %s/%s", tofu.Name(), tofu.RegistryHost())
	}
	tf := CLI{Path: "/usr/bin/terraform", Kind: Terraform}
	if tf.Name() != "Terraform" || tf.RegistryHost() != "registry.terraform.io" {
		t.Errorf("Terraform name/host = %s/%s", tf.Name(), tf.RegistryHost())
	}
}

func TestKindOf(t *testing.T) {
	for path, want := range map[string]Kind{
		"/usr/local/bin/terraform":     Terraform,
		"/opt/tofu":                    OpenTofu,
		`C:\bin\tofu.exe`:              OpenTofu,
		"/cache/opentofu/v1.12.6/tofu": OpenTofu,
		"/home/u/bin/terraform-1.11.4": Terraform,
	} {
		if got := KindOf(path); got != want {
			t.Errorf("KindOf(%q) = %s, want %s", path, got, want)
		}
	}
}

func TestFindCLIBuildCancelled(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	marker := filepath.Join(dir, "cleaned-up")
	// Like .ci/opentofu.sh: a long build running under bash with a cleanup trap.
	script := writeScript(t, dir, "opentofu.sh", `trap 'touch "`+marker+`"' EXIT
trap 'exit 143' TERM
sleep 300 &
echo $! > "`+pidFile+`"
echo "building" >&2
wait`)
	ctx, cancel := context.WithCancel(t.Context())
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		_, err := FindCLI(ctx, FindOptions{PathList: t.TempDir(), OpenTofuScript: script, Stderr: stderr})
		done <- err
	}()
	for i := 0; !strings.Contains(stderr.String(), "building"); i++ {
		if i > 400 {
			t.Fatal("the build script did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, ErrNoCLI) {
		t.Errorf("err = %v, want ErrNoCLI", err)
	}
	if !gone(readPid(t, pidFile)) {
		t.Error("the build's child process survived the cancellation")
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the script's cleanup trap did not run")
	}
}
