package cloudacc

import (
	"fmt"
	"strings"
	"testing"
)

// passwordResource renders the ecs_server_password resource of a test (passwordAddr). It is the
// only way the tests write one, so that the safety rule lives in one place: only the disposable server may lose its stored
// Windows password on destroy; on every other server the resource sets
// delete_password_on_destroy = false, and asking for anything else fails the test before
// Terraform runs.
func (c *cloud) passwordResource(t *testing.T, serverID string, lines ...string) string {
	t.Helper()
	disposable := c.disposableID != "" && serverID == c.disposableID
	setsDelete := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "delete_password_on_destroy") {
			setsDelete = true
		}
	}
	switch {
	case setsDelete && !disposable:
		t.Fatalf("test bug: only %s may set delete_password_on_destroy", envDisposableServer)
	case !disposable:
		lines = append(lines, "delete_password_on_destroy = false")
	case !setsDelete:
		t.Fatalf("test bug: a resource on %s must say what happens to its stored password on destroy", envDisposableServer)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"ecs_server_password\" \"test\" {\n  server_id = %q\n", serverID)
	for _, l := range lines {
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// writeOnly renders the write-only password attributes.
func writeOnly(password string, version int) []string {
	return []string{fmt.Sprintf("password_wo = %q", password), fmt.Sprintf("password_wo_version = %d", version)}
}

// passwordVariable declares the ephemeral input variable that writeOnlyFromVariable reads: a
// password given this way stays out of the plan (which holds the configuration's literals) as well
// as the state, as the provider's documentation recommends.
const passwordVariable = `
variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}
`

// writeOnlyFromVariable renders the write-only password attributes, with the password taken from
// the variable passwordVariable declares.
func writeOnlyFromVariable(version int) []string {
	return []string{"password_wo = var.password", fmt.Sprintf("password_wo_version = %d", version)}
}

// attr renders one attribute with a string value.
func attr(name, value string) string { return fmt.Sprintf("%s = %q", name, value) }
