package acctest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// providerHeader opens every provider block the kit renders.
const providerHeader = `provider "ecs"`

// NewSimulator starts a simulator for one test and returns it with a provider block (see
// ProviderBlock) that points at it.
func NewSimulator(t testing.TB) (*simtest.Sim, string) {
	t.Helper()
	sim := simtest.Start(t, ecssim.Config{})
	return sim, ProviderBlock(sim.URL, ProviderOptions{})
}

// ProviderOptions varies the provider block of an acceptance test.
type ProviderOptions struct {
	// AccessKey and SecretKey replace the simulator's default principal when AccessKey is set.
	AccessKey, SecretKey string
	// OmitProjectID leaves project_id out, so the provider looks the project up through IAM.
	OmitProjectID bool
	// MaxRetries replaces the default of 3.
	MaxRetries *int
}

// ProviderBlock renders the provider block of an acceptance test for the simulator at url:
// the attributes of ProviderHCL, varied by o, and max_retries. max_retries is always set,
// to 3 unless o says otherwise, because the tests count requests and must not depend on the
// provider's default or on HW_MAX_RETRIES.
func ProviderBlock(url string, o ProviderOptions) string {
	overrides := map[string]string{"max_retries": "3"}
	if o.AccessKey != "" {
		overrides["access_key"] = strconv.Quote(o.AccessKey)
		overrides["secret_key"] = strconv.Quote(o.SecretKey)
	}
	if o.OmitProjectID {
		overrides["project_id"] = ""
	}
	if o.MaxRetries != nil {
		overrides["max_retries"] = strconv.Itoa(*o.MaxRetries)
	}
	return ProviderHCL(url, overrides)
}

// ProviderHCL renders a provider block for the simulator at url. The defaults are the
// simulator's region, project and default access key pair, with url as both the ECS and the
// IAM endpoint; overrides work as in HCLBlock.
func ProviderHCL(url string, overrides map[string]string) string {
	return HCLBlock(providerHeader, map[string]string{
		"region":     strconv.Quote(ecssim.DefaultRegion),
		"project_id": strconv.Quote(ecssim.DefaultProjectID),
		"access_key": strconv.Quote(ecssim.DefaultAccessKey),
		"secret_key": strconv.Quote(ecssim.DefaultSecretKey),
		"endpoints":  fmt.Sprintf("{\n    ecs = %q\n    iam = %q\n  }", url, url),
	}, overrides)
}

// HCLBlock renders a block with the given header (such as `provider "ecs"`) whose attributes
// are defaults (name → HCL expression) with overrides applied: an override replaces the
// attribute of its name or adds it, and an empty one removes it. Attributes are sorted by name
// so the same arguments always give the same text.
func HCLBlock(header string, defaults, overrides map[string]string) string {
	attrs := maps.Clone(defaults)
	if attrs == nil {
		attrs = map[string]string{}
	}
	for k, v := range overrides {
		if v == "" {
			delete(attrs, k)
		} else {
			attrs[k] = v
		}
	}
	var b strings.Builder
	b.WriteString(header + " {\n")
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
	}
	b.WriteString("}\n")
	return b.String()
}
