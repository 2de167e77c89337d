package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// terraformAtLeast reports whether the suite's CLI is Terraform (not
// OpenTofu) of at least major.minor.
func terraformAtLeast(major, minor int) bool {
	if clirunner.KindOf(suite.cli.Path) != clirunner.Terraform {
		return false
	}
	m := regexp.MustCompile(`(\d+)\.(\d+)\.`).FindStringSubmatch(suite.version)
	if m == nil {
		return false
	}
	ma, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	return ma > major || (ma == major && mi >= minor)
}

// TestQueryGeneratesImportsAUserCanApply: `terraform query
// -generate-config-out` writes an import block with the identity and a
// resource block for every server found; with a password added, the
// generated configuration applies: every server is imported and reset once.
// It needs Terraform 1.14; CI runs it with the Terraform it builds (make
// testacc-tf114), where a skip fails the run.
func TestQueryGeneratesImportsAUserCanApply(t *testing.T) {
	if !terraformAtLeast(1, 14) {
		t.Skipf("terraform query needs Terraform 1.14 or later; this run uses %s", suite.version)
	}
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	var ids []string
	for _, name := range []string{"web-1", "web-2", "web-3"} {
		ids = append(ids, s.MustAddServer(ecssim.ServerSpec{Name: name, Tags: map[string]string{"team": "web"}}))
	}
	s.MustAddServer(ecssim.ServerSpec{Name: "db-1"})
	password := testfixture.Password()
	w := newWorkspace(t, map[string]string{
		"main.tf": terraformBlock + acctest.ProviderHCL(s.URL, nil),
		"servers.tfquery.hcl": `
list "ecs_server_password" "web" {
  provider         = ecs
  include_resource = true
  config {
    tags = { team = "web" }
  }
}
`,
	}, "TF_VAR_password="+password)

	query := w.mustRun("query", "-no-color", "-generate-config-out=generated.tf")
	for _, id := range ids {
		if !strings.Contains(query.stdout, id) {
			t.Errorf("the query output does not list server %s:\n%s", id, query.stdout)
		}
	}
	generated, err := os.ReadFile(filepath.Join(w.dir, "generated.tf"))
	if err != nil {
		t.Fatalf("no generated configuration: %v\n%s", err, query)
	}
	text := string(generated)
	if n := strings.Count(text, "import {"); n != len(ids) {
		t.Fatalf("%d import blocks generated, want %d:\n%s", n, len(ids), text)
	}
	if !strings.Contains(text, "identity") || !strings.Contains(text, "server_id") {
		t.Fatalf("the import blocks carry no identity:\n%s", text)
	}

	// The user adds a password to each generated resource (none can be read
	// back), as the list resource's page says, and applies.
	w.write("generated.tf", addPassword(text))
	w.write("variables.tf", "variable \"password\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n")
	w.mustRun(applyArgs...)
	for _, id := range ids {
		if st := s.State(id); st.ResetCount != 1 || st.Password != password {
			t.Errorf("server %s: %d resets, password matches: %t", id, st.ResetCount, st.Password == password)
		}
	}
	if got := len(w.instances()); got != len(ids) {
		t.Errorf("the state holds %d instances, want %d", got, len(ids))
	}
	if p := w.plan(); p.code != 0 {
		t.Errorf("the plan after the import is not empty:\n%s", p)
	}
}

// addPassword gives every generated ecs_server_password a write-only
// password in place of the empty password arguments the generator writes.
func addPassword(generated string) string {
	var out []string
	for _, line := range strings.Split(generated, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "password ") || strings.HasPrefix(trimmed, "password_wo ") ||
			strings.HasPrefix(trimmed, "password_wo_version ") {
			continue
		}
		out = append(out, line)
		if strings.HasPrefix(trimmed, `resource "ecs_server_password"`) {
			out = append(out, "  password_wo         = var.password", "  password_wo_version = 1")
		}
	}
	return strings.Join(out, "\n")
}
