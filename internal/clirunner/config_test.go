package clirunner

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDevOverridesConfig(t *testing.T) {
	got, err := DevOverridesConfig("/tmp/run 1/bin")
	if err != nil {
		t.Fatal(err)
	}
	want := `# Written for one run; the directory holds a locally built provider.
disable_checkpoint = true

provider_installation {
  dev_overrides {
    "registry.terraform.io/terraform-provider-ecs/ecs" = "/tmp/run 1/bin"
    "registry.opentofu.org/terraform-provider-ecs/ecs" = "/tmp/run 1/bin"
  }
  direct {}
}
`
	if got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
}

func TestDevOverridesConfigEscapes(t *testing.T) {
	got, err := DevOverridesConfig(`C:\Users\a "b"\bin`, "example.com/x/y")
	if err != nil {
		t.Fatal(err)
	}
	if want := `"example.com/x/y" = "C:\\Users\\a \"b\"\\bin"`; !strings.Contains(got, want) {
		t.Errorf("config does not contain %s:\n%s", want, got)
	}
	if strings.Contains(got, ProviderAddressTerraform) {
		t.Errorf("explicit addresses must replace the defaults:\n%s", got)
	}
}

func TestDevOverridesConfigRefusesUnsafeDirectories(t *testing.T) {
	for _, dir := range []string{"", "/tmp/${HOME}", "/tmp/%{if x}", "/tmp/a\nb", "/tmp/a\x00b"} {
		if got, err := DevOverridesConfig(dir); err == nil {
			t.Errorf("DevOverridesConfig(%q) = %q, want an error", dir, got)
		}
	}
}

func TestWriteDevOverrides(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.Mkdir("bin", 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "cli.tfrc")
	env, err := WriteDevOverrides(cfg, "bin")
	if err != nil {
		t.Fatal(err)
	}
	if env != "TF_CLI_CONFIG_FILE="+cfg {
		t.Errorf("env entry = %q", env)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(dir, "bin")
	if !strings.Contains(string(data), hclString(abs)) {
		t.Errorf("relative provider directory was not made absolute (%s):\n%s", abs, data)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
		}
	}
}
