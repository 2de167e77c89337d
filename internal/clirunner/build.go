package clirunner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Packages of this repository that the commands build.
const (
	ProviderPackage  = "."
	SimulatorPackage = "./internal/cmd/ecs-simulator"
)

// ProviderBinaryName is the file name the CLI looks for in a dev_overrides directory.
func ProviderBinaryName() string {
	return "terraform-provider-ecs" + exeSuffix()
}

// SimulatorBinaryName is the file name used for a built ecs-simulator.
func SimulatorBinaryName() string {
	return "ecs-simulator" + exeSuffix()
}

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// GoBuild runs `go build -o out [-ldflags ldflags] pkg` in moduleDir. The compiler's output is
// included in the error so a broken build explains itself.
func GoBuild(ctx context.Context, moduleDir, pkg, out, ldflags string) error {
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	args = append(args, pkg)
	cmd := exec.CommandContext(ctx, GoCommand(), args...)
	cmd.Dir = moduleDir
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(output.String())
		if msg == "" {
			return fmt.Errorf("go build %s: %w", pkg, err)
		}
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	return nil
}

// GoCommand returns the go command to run: the go binary of the running toolchain
// ($GOROOT/bin/go, as set by `go run`) when there is one, so builds and benchmarks use the same Go
// as the caller, else "go" from PATH.
func GoCommand() string {
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go"+exeSuffix())
		if isExecutable(p) {
			return p
		}
	}
	return "go"
}

// ModulePath is this repository's Go module path.
const ModulePath = "github.com/terraform-provider-ecs/terraform-provider-ecs"

// modulePath returns the path on the module line of a go.mod file.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`)
		}
	}
	return ""
}

// ModuleRoot walks up from dir to the directory holding this repository's go.mod.
func ModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(data) == ModulePath {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("not inside the terraform-provider-ecs repository (no matching go.mod above " + abs + ")")
		}
		d = parent
	}
}
