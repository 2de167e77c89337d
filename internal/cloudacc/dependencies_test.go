package cloudacc

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBlackBoxDependencies enforces what makes these tests black-box: neither they nor anything
// they import, directly or not, may reach the simulator or the acceptance-test kit built on it, so
// no check can read ground truth that a real account does not offer. It runs in every mode,
// without TF_ACC.
func TestBlackBoxDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	out, err := exec.CommandContext(t.Context(), goBin, "list", "-test", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const module = "github.com/terraform-provider-ecs/terraform-provider-ecs/internal/"
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list named only %d packages; the check would prove nothing:\n%s", len(deps), out)
	}
	seenProvider := false
	for _, dep := range deps {
		switch {
		case strings.HasPrefix(dep, module+"ecssim"), strings.HasPrefix(dep, module+"acctest"):
			t.Errorf("the black-box tests depend on %s; they may see only what the API shows", dep)
		case dep == module+"provider":
			seenProvider = true
		}
	}
	if !seenProvider {
		t.Errorf("go list does not name %sprovider among the dependencies; the check looked at the wrong package", module)
	}
}
