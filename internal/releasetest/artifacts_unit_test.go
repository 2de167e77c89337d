package releasetest

import (
	"strings"
	"testing"
)

// These tests need no dist directory: they pin the readers the install test judges by, so that a
// reader that accepted anything could not make the install test pass.

func TestHashFilesMatchesDirhash(t *testing.T) {
	// Computed with golang.org/x/mod/sumdb/dirhash.HashZip(..., dirhash.Hash1), the function
	// Terraform and OpenTofu use for h1: hashes, over a zip holding these two files.
	const want = "h1:fHnfIwskCLeB/eGq09YjNL/MGLiAxvijXyUEjVoyu2I="
	got := hashFiles(map[string][]byte{
		"terraform-provider-ecs_v0.1.0": []byte("binary\x00bytes"),
		"README.md":                     []byte("# readme\n"),
	})
	if got != want {
		t.Errorf("hashFiles = %s, want %s", got, want)
	}
	if other := hashFiles(map[string][]byte{"README.md": []byte("# readme\n")}); other == want {
		t.Error("a package with a file less has the same hash")
	}
}

func TestParseSHA256Sums(t *testing.T) {
	a := strings.Repeat("a", 64)
	b := strings.Repeat("0", 63) + "1"
	sums, err := parseSHA256Sums([]byte(a + "  terraform-provider-ecs_0.1.0_linux_amd64.zip\n" + b + "  terraform-provider-ecs_0.1.0_manifest.json\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || sums["terraform-provider-ecs_0.1.0_linux_amd64.zip"] != a || sums["terraform-provider-ecs_0.1.0_manifest.json"] != b {
		t.Errorf("parsed %v", sums)
	}
	for name, bad := range map[string]string{
		"empty":           "",
		"one space":       a + " x.zip\n",
		"short hash":      a[:63] + "  x.zip\n",
		"upper-case hash": strings.ToUpper(a) + "  x.zip\n",
		"path":            a + "  dist/x.zip\n",
		"duplicate":       a + "  x.zip\n" + b + "  x.zip\n",
	} {
		if _, err := parseSHA256Sums([]byte(bad)); err == nil {
			t.Errorf("%s: %q was accepted", name, bad)
		}
	}
}

func TestParseLockFile(t *testing.T) {
	const lock = `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/hashicorp/other" {
  version = "9.9.9"
  hashes = [
    "h1:other=",
  ]
}

provider "registry.terraform.io/terraform-provider-ecs/ecs" {
  version     = "0.1.0"
  constraints = "~> 0.1.0"
  hashes = [
    "h1:abc=",
    "zh:0123",
    "zh:4567",
  ]
}
`
	e, err := parseLockFile([]byte(lock), "registry.terraform.io/terraform-provider-ecs/ecs")
	if err != nil {
		t.Fatal(err)
	}
	if e.version != "0.1.0" || e.constraints != "~> 0.1.0" || strings.Join(e.hashes, ",") != "h1:abc=,zh:0123,zh:4567" {
		t.Errorf("parsed %+v", e)
	}
	if got := hashesWithScheme(e.hashes, "zh:"); strings.Join(got, ",") != "zh:0123,zh:4567" {
		t.Errorf("zh: hashes %v", got)
	}
	if _, err := parseLockFile([]byte(lock), "registry.opentofu.org/terraform-provider-ecs/ecs"); err == nil {
		t.Error("an address the file does not hold was found")
	}
}
