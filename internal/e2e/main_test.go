package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
)

// suite holds what every test shares: the CLI, the freshly built binaries and the CLI
// configuration that points the CLI at the built provider.
var suite struct {
	cli     clirunner.CLI
	version string
	// cliConfig is the TF_CLI_CONFIG_FILE entry for child processes; the test process's own
	// environment is never changed.
	cliConfig string
	simBin    string
	tmp       string
}

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	if err := setUpSuite(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		if suite.tmp != "" {
			_ = os.RemoveAll(suite.tmp)
		}
		return 1
	}
	code := m.Run()
	if err := os.RemoveAll(suite.tmp); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: removing %s: %v\n", suite.tmp, err)
	}
	return code
}

// setUpSuite finds the CLI and builds the provider and the simulator once per test binary.
func setUpSuite() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := clirunner.ModuleRoot(wd)
	if err != nil {
		return err
	}
	// TF_ACC_TERRAFORM_PATH is the variable terraform-plugin-testing reads, so the suite runs
	// under the same CLI as the provider's acceptance tests (OpenTofu included).
	suite.cli, err = clirunner.FindCLI(ctx, clirunner.FindOptions{Explicit: os.Getenv("TF_ACC_TERRAFORM_PATH")})
	if err != nil {
		return fmt.Errorf("%w: the end-to-end tests need Terraform or OpenTofu 1.11 or later on PATH, "+
			"or TF_ACC_TERRAFORM_PATH naming one (`make tofu` builds OpenTofu)", err)
	}
	if suite.version, err = suite.cli.Version(ctx); err != nil {
		return err
	}

	suite.tmp, err = os.MkdirTemp("", "ecs-e2e-")
	if err != nil {
		return err
	}
	providerDir := filepath.Join(suite.tmp, "provider")
	if err := clirunner.GoBuild(ctx, root, clirunner.ProviderPackage,
		filepath.Join(providerDir, clirunner.ProviderBinaryName()), "-X main.version=0.0.0-e2e"); err != nil {
		return err
	}
	suite.simBin = filepath.Join(suite.tmp, "sim", clirunner.SimulatorBinaryName())
	if err := clirunner.GoBuild(ctx, root, clirunner.SimulatorPackage, suite.simBin, ""); err != nil {
		return err
	}
	suite.cliConfig, err = clirunner.WriteDevOverrides(filepath.Join(suite.tmp, "cli.tfrc"), providerDir)
	return err
}
