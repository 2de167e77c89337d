package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// TestSimulatorBinaryRoundTrip runs the provider against the ecs-simulator command rather than
// the in-process simulator: a state-stored password through the v1 API and one through the
// native v2.1 API, a no-change plan, and a destroy, checked through the /_sim/ control API.
func TestSimulatorBinaryRoundTrip(t *testing.T) {
	t.Parallel()
	ids := []string{"3c1f0a52-6f0e-4d7c-9a43-1e5b2c9d8a01", "3c1f0a52-6f0e-4d7c-9a43-1e5b2c9d8a02"}
	seed, err := json.Marshal([]ecssim.ServerSpec{{ID: ids[0], Name: "bin-v1", OSType: "Linux"}, {ID: ids[1], Name: "bin-v21", OSType: "Linux"}})
	if err != nil {
		t.Fatal(err)
	}
	seedPath := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seedPath, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	var simLog simctl.LogBuffer
	proc, err := simctl.Start(t.Context(), suite.simBin, simctl.StartOptions{
		Args: []string{"-addr", "127.0.0.1:0", "-seed", seedPath},
		Log:  &simLog,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proc.Stop)

	passwords := []string{testfixture.Password(), testfixture.Password()}
	body := fmt.Sprintf(`
variable "passwords" {
  type      = list(string)
  sensitive = true
}

resource "ecs_server_password" "v1" {
  server_id = %q
  password  = var.passwords[0]
}

resource "ecs_server_password" "native" {
  server_id = %q
  password  = var.passwords[1]
  api       = "v2.1"
}
`, ids[0], ids[1])
	w := newWorkspace(t, map[string]string{"main.tf": terraformBlock + acctest.ProviderHCL(proc.URL(), nil) + body})
	w.writeJSON("terraform.tfvars.json", map[string]any{"passwords": passwords})

	w.mustRun(applyArgs...)
	for i, id := range ids {
		st, err := proc.Server(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		wantAPI := []string{"v1", "v2.1"}[i]
		if st.ResetCount != 1 || st.Password != passwords[i] || st.LastResetAPI != wantAPI {
			t.Errorf("server %s: %d resets through %q, password matches: %t; want 1 reset through %q",
				id, st.ResetCount, st.LastResetAPI, st.Password == passwords[i], wantAPI)
		}
	}
	if res := w.plan(); res.code != 0 {
		t.Fatalf("plan after apply (exit 0 = no changes expected):\n%s", res)
	}
	w.mustRun(destroyArgs...)
	if got := w.instances(); len(got) != 0 {
		t.Errorf("state still holds %d instances after destroy", len(got))
	}

	// What the simulator counted: each create checks the reset flag (a v1 operation, whatever
	// the api) and resets once through its API; the plan and the destroy refresh each server
	// once through its API; the destroy deletes each stored password once.
	stats, err := proc.Stats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag":      2,
		"PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password":     1,
		"PUT /v2.1/{project_id}/servers/{server_id}/os-reset-password":        1,
		"GET /v1/{project_id}/cloudservers/{server_id}":                       2,
		"GET /v2.1/{project_id}/servers/{server_id}":                          2,
		"DELETE /v1/{project_id}/cloudservers/{server_id}/os-server-password": 1,
		"DELETE /v2.1/{project_id}/servers/{server_id}/os-server-password":    1,
	}
	for route, n := range want {
		if stats.Requests[route] != n {
			t.Errorf("%s: %d requests, want %d", route, stats.Requests[route], n)
		}
	}
	for route, n := range stats.Requests {
		if _, ok := want[route]; !ok {
			t.Errorf("unexpected requests: %s × %d", route, n)
		}
	}
	if t.Failed() {
		t.Logf("simulator log:\n%s", simLog.String())
	}
}
