package clirunner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Provider source addresses of this project's provider, one per registry host. A dev_overrides
// block lists both so the same configuration file serves Terraform and OpenTofu.
const (
	ProviderAddressTerraform = TerraformRegistryHost + "/terraform-provider-ecs/ecs"
	ProviderAddressOpenTofu  = OpenTofuRegistryHost + "/terraform-provider-ecs/ecs"
)

// ProviderAddresses returns both source addresses of the provider.
func ProviderAddresses() []string {
	return []string{ProviderAddressTerraform, ProviderAddressOpenTofu}
}

// DevOverridesConfig renders a CLI configuration that makes the CLI load the listed providers
// from providerDir instead of a registry, keeps normal installation for every other provider,
// and turns off the update check (these runs happen offline). addresses defaults to
// ProviderAddresses().
//
// The CLI configuration language is parsed by HCL 1, whose quoted strings know backslash escapes
// but treat "${" as the start of a nested expression, so a directory name containing "${", "%{"
// or a control character is refused rather than written in a form the CLI might misread.
func DevOverridesConfig(providerDir string, addresses ...string) (string, error) {
	if providerDir == "" {
		return "", errors.New("provider directory is empty")
	}
	for _, s := range append([]string{providerDir}, addresses...) {
		if strings.Contains(s, "${") || strings.Contains(s, "%{") || strings.ContainsFunc(s, unicode.IsControl) {
			return "", fmt.Errorf("%q cannot be written to a CLI configuration file", s)
		}
	}
	if len(addresses) == 0 {
		addresses = ProviderAddresses()
	}
	var b strings.Builder
	b.WriteString("# Written for one run; the directory holds a locally built provider.\n")
	b.WriteString("disable_checkpoint = true\n\n")
	b.WriteString("provider_installation {\n  dev_overrides {\n")
	for _, a := range addresses {
		fmt.Fprintf(&b, "    %s = %s\n", hclString(a), hclString(providerDir))
	}
	b.WriteString("  }\n  direct {}\n}\n")
	return b.String(), nil
}

// WriteDevOverrides writes DevOverridesConfig(providerDir) to path (mode 0600) and returns the
// environment entry that points the CLI at it. providerDir is made absolute first because the
// CLI resolves relative override paths against its own working directory.
func WriteDevOverrides(path, providerDir string) (string, error) {
	abs, err := filepath.Abs(providerDir)
	if err != nil {
		return "", fmt.Errorf("provider directory %q: %w", providerDir, err)
	}
	text, err := DevOverridesConfig(abs)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", fmt.Errorf("writing CLI configuration: %w", err)
	}
	return "TF_CLI_CONFIG_FILE=" + path, nil
}

// hclString quotes s as an HCL string literal, escaping backslashes and double quotes.
func hclString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
