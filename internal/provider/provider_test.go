package provider

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// noEnv hides the process environment from the provider under test, so that
// HW_* variables on a developer's machine cannot change a test's outcome and
// tests can run in parallel.
func noEnv(string) string { return "" }

// newTestProviderServer builds the provider the way Terraform runs it (see
// NewProtocol6Server), minus the environment.
func newTestProviderServer() (tfprotov6.ProviderServer, error) {
	return protocol6Server(&ecsProvider{version: "test", getenv: noEnv})()
}

// testAccProtoV6ProviderFactories serves the provider under test to the
// Terraform CLI.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"ecs": newTestProviderServer,
}

// testAccProtoV6ProviderFactoriesWithEcho adds the echo provider, which turns
// an ephemeral value into state that a test can inspect.
var testAccProtoV6ProviderFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
	"ecs":  newTestProviderServer,
	"echo": echoprovider.NewProviderServer(),
}

// intp points at n, for acctest.ProviderOptions.MaxRetries, where nil means the default.
func intp(n int) *int { return &n }

// wordsPattern matches the words in order, with any line wrapping or box
// drawing Terraform puts between them.
func wordsPattern(parts ...string) string {
	quoted := make([]string, len(parts))
	for i, p := range parts {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		quoted[i] = strings.Join(words, `[\s│]+`)
	}
	return `(?s)` + strings.Join(quoted, `.*`)
}

// answeredPattern matches a diagnostic about a call that succeeded but
// returned something unusable: no API error code, yet a request ID. The
// phrases in before come ahead of the code, those in after follow the ID.
func answeredPattern(before []string, after ...string) *regexp.Regexp {
	pattern := wordsPattern(append(before, "API error code: none")...) + `.*?Request[\s│]+ID:[\s│]+[0-9a-f]{8,}`
	if len(after) > 0 {
		pattern += `.*` + strings.TrimPrefix(wordsPattern(after...), `(?s)`)
	}
	return regexp.MustCompile(pattern)
}

// apiErrorPattern matches a diagnostic that names the server, the API error
// code and a request ID, followed by the phrases in more, in order.
func apiErrorPattern(summary, serverID, code string, more ...string) *regexp.Regexp {
	pattern := wordsPattern(summary, serverID, "API error code: "+code) + `[\s│]+Request[\s│]+ID:[\s│]+[0-9a-zA-Z-]{8,}`
	if len(more) > 0 {
		pattern += `.*` + strings.TrimPrefix(wordsPattern(more...), `(?s)`)
	}
	return regexp.MustCompile(pattern)
}

// configureDirect calls the provider's Configure the way the framework does,
// with the given attribute values (others null) and environment.
func configureDirect(t *testing.T, attrs map[string]tftypes.Value, env map[string]string) provider.ConfigureResponse {
	t.Helper()
	ctx := context.Background()
	p := &ecsProvider{version: "test", getenv: func(k string) string { return env[k] }}
	var schemaResp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &schemaResp)
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{
		Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: objectWithNulls(t, schemaResp.Schema.Type().TerraformType(ctx), attrs)},
	}, &resp)
	return resp
}

// objectWithNulls builds a value of a schema's object type from the given
// attribute values, with null for every attribute not given, as Terraform
// sends a configuration that leaves them out.
func objectWithNulls(t *testing.T, typ tftypes.Type, attrs map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	objType, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %s is not an object", typ)
	}
	values := map[string]tftypes.Value{}
	for name, attrType := range objType.AttributeTypes {
		if v, ok := attrs[name]; ok {
			values[name] = v
		} else {
			values[name] = tftypes.NewValue(attrType, nil)
		}
	}
	return tftypes.NewValue(objType, values)
}

func tfString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func tfEndpoints(ecs, iam tftypes.Value) tftypes.Value {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"ecs": tftypes.String, "iam": tftypes.String, "metadata": tftypes.String}}
	return tftypes.NewValue(typ, map[string]tftypes.Value{"ecs": ecs, "iam": iam, "metadata": tftypes.NewValue(tftypes.String, nil)})
}

// diagText renders diagnostics for matching and for leak checks.
func diagText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%s] %s: %s", d.Severity(), d.Summary(), d.Detail())
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			fmt.Fprintf(&b, " (at %s)", wp.Path())
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestProviderConfigure calls Configure directly, so that it can check what
// the diagnostics say and, as important, what they never say.
func TestProviderConfigure(t *testing.T) {
	t.Parallel()
	sim := simtest.Start(t, ecssim.Config{})
	closedURL := closedEndpoint(t)
	const wrongSecret = "wrong-secret-key-value-0123456789"
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)

	simAttrs := func(extra map[string]tftypes.Value) map[string]tftypes.Value {
		m := map[string]tftypes.Value{
			"region":     tfString(ecssim.DefaultRegion),
			"access_key": tfString(ecssim.DefaultAccessKey),
			"secret_key": tfString(ecssim.DefaultSecretKey),
			"endpoints":  tfEndpoints(tfString(sim.URL), tfString(sim.URL)),
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	cases := []struct {
		name      string
		attrs     map[string]tftypes.Value
		env       map[string]string
		wantError string // regexp over diagText; "" means success
		secrets   []string
	}{
		{
			name:  "project ID looked up through IAM",
			attrs: simAttrs(nil),
		},
		{
			name:  "everything from the environment",
			attrs: map[string]tftypes.Value{},
			env: map[string]string{
				envRegion: ecssim.DefaultRegion, envAccessKey: ecssim.DefaultAccessKey, envSecretKey: ecssim.DefaultSecretKey,
				envECSEndpoint: sim.URL, envIAMEndpoint: sim.URL, envProjectID: ecssim.DefaultProjectID,
			},
		},
		{
			name:      "unknown secret key",
			attrs:     simAttrs(map[string]tftypes.Value{"secret_key": unknown}),
			wantError: `Unknown Provider Setting: The value of .secret_key. is not known.*\(at secret_key\)`,
		},
		{
			name: "unknown endpoint",
			attrs: simAttrs(map[string]tftypes.Value{
				"endpoints": tfEndpoints(unknown, tfString(sim.URL)),
			}),
			wantError: `Unknown Provider Setting: The value of .endpoints\.ecs.*\(at endpoints\.ecs\)`,
		},
		{
			name:      "access key without secret key",
			attrs:     simAttrs(map[string]tftypes.Value{"secret_key": tftypes.NewValue(tftypes.String, nil)}),
			wantError: `Incomplete Credentials: An access key is set but its secret key is not.*\(at secret_key\)`,
		},
		{
			name:      "token together with an access key pair",
			attrs:     simAttrs(map[string]tftypes.Value{"token": tfString(testTokenValue)}),
			wantError: `Conflicting Credentials.*\(at token\)`,
			secrets:   []string{testTokenValue, ecssim.DefaultSecretKey},
		},
		{
			name:      "no credentials at all",
			attrs:     map[string]tftypes.Value{"region": tfString(ecssim.DefaultRegion)},
			wantError: `Missing Credentials`,
		},
		{
			name: "unreachable IAM endpoint",
			attrs: simAttrs(map[string]tftypes.Value{
				"endpoints":   tfEndpoints(tfString(closedURL), tfString(closedURL)),
				"max_retries": tftypes.NewValue(tftypes.Number, 0),
			}),
			wantError: `Unable to Look Up the Project ID: .*` + regexp.QuoteMeta(closedURL) + `.*could not be reached`,
			secrets:   []string{ecssim.DefaultSecretKey},
		},
		{
			name:      "rejected credentials",
			attrs:     simAttrs(map[string]tftypes.Value{"secret_key": tfString(wrongSecret)}),
			wantError: `Unable to Look Up the Project ID: .*API error code: \S+.*Request ID: [0-9a-f]{8,}.*credentials were rejected`,
			secrets:   []string{wrongSecret},
		},
		{
			name:      "bad endpoint URL",
			attrs:     simAttrs(map[string]tftypes.Value{"endpoints": tfEndpoints(tfString("ecs.example.com"), tfString(sim.URL))}),
			wantError: `Invalid Endpoint URL.*\(at endpoints\.ecs\)`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := configureDirect(t, tc.attrs, tc.env)
			text := diagText(resp.Diagnostics)
			for _, s := range append(tc.secrets, ecssim.DefaultSecretKey, testTokenValue) {
				if strings.Contains(text, s) {
					t.Errorf("diagnostics echo a secret:\n%s", text)
				}
			}
			if tc.wantError == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected diagnostics:\n%s", text)
				}
				pd, ok := resp.ResourceData.(*providerData)
				if !ok || pd.client == nil {
					t.Fatalf("ResourceData = %T, want *providerData", resp.ResourceData)
				}
				if pd.client.ProjectID() != ecssim.DefaultProjectID {
					t.Errorf("project ID = %q, want %q", pd.client.ProjectID(), ecssim.DefaultProjectID)
				}
				if resp.DataSourceData != resp.ResourceData || resp.EphemeralResourceData != resp.ResourceData {
					t.Error("resources, data sources and ephemeral resources must share one client")
				}
				return
			}
			if !resp.Diagnostics.HasError() {
				t.Fatalf("Configure succeeded, want an error matching %q", tc.wantError)
			}
			if !regexp.MustCompile(`(?s)` + tc.wantError).MatchString(text) {
				t.Errorf("diagnostics do not match %q:\n%s", tc.wantError, text)
			}
			if resp.ResourceData != nil {
				t.Error("a failed Configure must not hand out a client")
			}
		})
	}
}

// closedEndpoint returns a loopback URL on which nothing listens.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return url
}

// TestAccProvider_projectLookup runs a whole plan and apply with the project
// ID looked up through IAM.
func TestAccProvider_projectLookup(t *testing.T) {
	t.Parallel()
	sim := simtest.Start(t, ecssim.Config{})
	id := sim.MustAddServer(ecssim.ServerSpec{})
	provider := acctest.ProviderBlock(sim.URL, acctest.ProviderOptions{OmitProjectID: true})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccResetFlagDataSourceConfig(provider, id),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.s0", tfjsonpath.New("supported"), knownvalue.Bool(true)),
					acctest.ExpectGETAtLeast(sim, "/v3/projects", 1),
				},
			},
		},
	})
}

// TestAccProvider_configErrors proves that configuration mistakes reach the
// CLI as clear errors.
func TestAccProvider_configErrors(t *testing.T) {
	t.Parallel()
	closedURL := closedEndpoint(t)
	data := `
data "ecs_server_password_reset_flag" "s0" {
  server_id = "6d0f3f3e-0000-4000-8000-000000000003"
}
`
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf(`
provider "ecs" {
  region     = %q
  access_key = "AKONLY"
}
`, ecssim.DefaultRegion) + data,
				ExpectError: regexp.MustCompile(wordsPattern("Incomplete Credentials", "secret_key", envSecretKey)),
			},
			{
				Config: fmt.Sprintf(`
provider "ecs" {
  region     = %q
  access_key = %q
  secret_key = %q
  max_retries = 0
  endpoints = {
    ecs = %q
    iam = %q
  }
}
`, ecssim.DefaultRegion, ecssim.DefaultAccessKey, ecssim.DefaultSecretKey, closedURL, closedURL) + data,
				ExpectError: regexp.MustCompile(wordsPattern("Unable to Look Up the Project ID", "could not be reached")),
			},
		},
	})
}

// TestAccServerPasswordResource_unreachableEndpoint proves that a dead ECS
// endpoint fails a reset with a diagnostic that says so.
func TestAccServerPasswordResource_unreachableEndpoint(t *testing.T) {
	t.Parallel()
	closedURL := closedEndpoint(t)
	provider := acctest.ProviderBlock(closedURL, acctest.ProviderOptions{MaxRetries: intp(0)})
	const id = "6d0f3f3e-0000-4000-8000-000000000004"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, "Kq7!vRm2@Lp9", ""),
				ExpectError: regexp.MustCompile(wordsPattern("Unable to Check Password Reset Support", id,
					"API error code: none (no answer was received)", "Request ID: none", "could not be reached")),
			},
		},
	})
}

// TestProviderConfigureInsecure proves that `insecure` (or HW_INSECURE)
// decides whether a self-signed certificate is accepted.
func TestProviderConfigureInsecure(t *testing.T) {
	t.Parallel()
	tlsServer := httptest.NewUnstartedServer(ecssim.New(ecssim.Config{}).Handler())
	// The refused handshakes are expected; keep them out of the test log.
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsServer.StartTLS()
	t.Cleanup(tlsServer.Close)

	attrs := func(extra map[string]tftypes.Value) map[string]tftypes.Value {
		m := map[string]tftypes.Value{
			"region":      tfString(ecssim.DefaultRegion),
			"access_key":  tfString(ecssim.DefaultAccessKey),
			"secret_key":  tfString(ecssim.DefaultSecretKey),
			"max_retries": tftypes.NewValue(tftypes.Number, 0),
			"endpoints":   tfEndpoints(tfString(tlsServer.URL), tfString(tlsServer.URL)),
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name    string
		attrs   map[string]tftypes.Value
		env     map[string]string
		wantErr bool
	}{
		{"verified by default", attrs(nil), nil, true},
		{"insecure = true", attrs(map[string]tftypes.Value{"insecure": tftypes.NewValue(tftypes.Bool, true)}), nil, false},
		{"HW_INSECURE=true", attrs(nil), map[string]string{envInsecure: "true"}, false},
		{"insecure = false wins over HW_INSECURE", attrs(map[string]tftypes.Value{"insecure": tftypes.NewValue(tftypes.Bool, false)}), map[string]string{envInsecure: "true"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := configureDirect(t, tc.attrs, tc.env)
			text := diagText(resp.Diagnostics)
			if resp.Diagnostics.HasError() != tc.wantErr {
				t.Fatalf("error = %v, want %v:\n%s", resp.Diagnostics.HasError(), tc.wantErr, text)
			}
			if tc.wantErr && !strings.Contains(text, "insecure = true") {
				t.Errorf("the error does not mention the certificate:\n%s", text)
			}
		})
	}
}
