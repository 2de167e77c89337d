package clirunner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Kind tells Terraform and OpenTofu apart; they differ in the registry host of provider addresses.
type Kind string

const (
	// Terraform is HashiCorp's CLI.
	Terraform Kind = "terraform"
	// OpenTofu is the OpenTofu CLI (binary name tofu).
	OpenTofu Kind = "tofu"
)

// Registry hosts that the two CLIs use for a provider source written without a host.
const (
	TerraformRegistryHost = "registry.terraform.io"
	OpenTofuRegistryHost  = "registry.opentofu.org"
)

// ErrNoCLI is returned by FindCLI when neither Terraform nor OpenTofu can be found or built.
var ErrNoCLI = errors.New("no Terraform or OpenTofu CLI found")

// CLI is a Terraform or OpenTofu executable.
type CLI struct {
	Path string
	Kind Kind
}

// Name returns the product name for messages.
func (c CLI) Name() string {
	if c.Kind == OpenTofu {
		return "OpenTofu"
	}
	return "Terraform"
}

// RegistryHost returns the host this CLI assumes for provider sources such as "terraform-provider-ecs/ecs".
func (c CLI) RegistryHost() string {
	if c.Kind == OpenTofu {
		return OpenTofuRegistryHost
	}
	return TerraformRegistryHost
}

// Version runs `<cli> version` and returns the line that names the product and version, e.g.
// "Terraform v1.11.4". The caller's CLI configuration is left out: a missing one makes the CLI
// print warnings ahead of the version.
func (c CLI) Version(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, c.Path, "version")
	cmd.Env = append(CleanEnv(os.Environ()), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", c.Path, err)
	}
	first := ""
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Terraform v") || strings.HasPrefix(line, "OpenTofu v") {
			return line, nil
		}
		if first == "" {
			first = line
		}
	}
	return first, nil
}

// KindOf guesses the kind of a CLI from its file name: anything named like "tofu" is OpenTofu.
func KindOf(path string) Kind {
	base := strings.ToLower(filepath.Base(path))
	base = strings.TrimSuffix(base, ".exe")
	if strings.Contains(base, "tofu") {
		return OpenTofu
	}
	return Terraform
}

// FindOptions controls FindCLI.
type FindOptions struct {
	// Explicit, when set, is used as is (its kind is guessed from the file name).
	Explicit string
	// PathList is the list of directories to search, in PATH syntax. Empty means the PATH
	// environment variable.
	PathList string
	// OpenTofuScript is the script that builds OpenTofu and prints the binary's path
	// (.ci/opentofu.sh). Empty means no build is attempted.
	OpenTofuScript string
	// Stderr receives the build script's progress output; nil discards it.
	Stderr io.Writer
}

// FindCLI looks for a CLI in this order: Explicit, `terraform` on the path list, `tofu` on the
// path list, then the OpenTofu binary that OpenTofuScript builds (or finds in its cache).
func FindCLI(ctx context.Context, opts FindOptions) (CLI, error) {
	if opts.Explicit != "" {
		if !isExecutable(opts.Explicit) {
			return CLI{}, fmt.Errorf("%s is not an executable file", opts.Explicit)
		}
		return CLI{Path: opts.Explicit, Kind: KindOf(opts.Explicit)}, nil
	}
	pathList := opts.PathList
	if pathList == "" {
		pathList = os.Getenv("PATH")
	}
	for _, name := range []string{"terraform", "tofu"} {
		if p, ok := LookPath(name, pathList); ok {
			return CLI{Path: p, Kind: KindOf(p)}, nil
		}
	}
	if opts.OpenTofuScript == "" {
		return CLI{}, ErrNoCLI
	}
	p, err := runBuildScript(ctx, opts.OpenTofuScript, opts.Stderr)
	if err != nil {
		return CLI{}, fmt.Errorf("%w: building OpenTofu with %s failed: %w", ErrNoCLI, opts.OpenTofuScript, err)
	}
	return CLI{Path: p, Kind: OpenTofu}, nil
}

// runBuildScript runs the OpenTofu build script and returns the path it prints as its last line.
func runBuildScript(ctx context.Context, script string, stderr io.Writer) (string, error) {
	if stderr == nil {
		stderr = io.Discard
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	setProcessGroup(cmd)
	// On cancellation the whole group (bash and the go build under it) is asked to stop, so the
	// script's cleanup trap runs; whatever is left afterwards is killed.
	cmd.Cancel = func() error { return signalGroup(cmd.Process, terminateSignal) }
	cmd.WaitDelay = StopGrace
	err := cmd.Run()
	if cmd.Process != nil {
		_ = signalGroup(cmd.Process, os.Kill)
	}
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	p := strings.TrimSpace(lines[len(lines)-1])
	if p == "" || !isExecutable(p) {
		return "", fmt.Errorf("the script printed %q, which is not an executable file", p)
	}
	return p, nil
}

// LookPath finds an executable called name in a PATH-style list of directories. Unlike
// exec.LookPath it does not read the environment, so tests can pass a fake list.
func LookPath(name, pathList string) (string, bool) {
	names := []string{name}
	if runtime.GOOS == "windows" {
		names = []string{name + ".exe", name}
	}
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			continue
		}
		for _, n := range names {
			p := filepath.Join(dir, n)
			if isExecutable(p) {
				return p, true
			}
		}
	}
	return "", false
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return false
	}
	if runtime.GOOS == "windows" {
		return true
	}
	return fi.Mode().Perm()&0o111 != 0
}
