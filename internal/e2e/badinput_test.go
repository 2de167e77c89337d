package e2e

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// badCase is one entry of the bad-input catalogue: a configuration (or an environment, or an
// API answer) that must end in a clear error, with nothing recorded in the state and no
// password reset.
type badCase struct {
	name string
	// provider overrides attributes of the provider block (see providerHCL).
	provider map[string]string
	// body is the configuration after the provider block. Placeholders such as {{linux}} are
	// replaced with the IDs of the seeded servers (see seedServers).
	body string
	// candidate, stored and key override the values of var.candidate (write-only password),
	// var.stored (state-stored password) and var.private_key.
	candidate, stored, key *string
	// env is added to the CLI's environment.
	env []string
	// simConfig adjusts the simulator, e.g. its clock.
	simConfig func(*ecssim.Config)
	// setup adds principals or faults once the servers exist.
	setup func(t *testing.T, s *simtest.Sim, ids map[string]string)
	// faults answer some API requests in place of the API, as a proxy or a broken gateway
	// would; they are registered before any request.
	faults []ecssim.Fault
	// apply marks errors that only the API can detect, so they show during apply; the others
	// must already stop a plan.
	apply bool
	// want lists phrases that the error output must contain, in addition to the server ID for
	// apply-time errors.
	want []string
	// absent lists values that must appear nowhere in the output, such as a credential
	// written into an endpoint URL.
	absent []string
}

func str(s string) *string { return &s }

// serverIDAttr finds the literal server ID of a configuration.
var serverIDAttr = regexp.MustCompile(`server_id\s*=\s*"([^"]+)"`)

// goodPassword is a valid password for cases that are about something else.
const goodPassword = "Bq3.fkwZ7u-x9Y"

// resourceHCL renders the resource under test. Its defaults reset the Linux server's password
// from var.candidate; overrides work as in hclBlock.
func resourceHCL(overrides map[string]string) string {
	return "\n" + acctest.HCLBlock(`resource "ecs_server_password" "bad"`, map[string]string{
		"server_id":           `"{{linux}}"`,
		"password_wo":         "var.candidate",
		"password_wo_version": "1",
	}, overrides)
}

// windowsKeyHCL decrypts the Windows password of serverRef with var.private_key and resets the
// server to it, which makes the CLI open the ephemeral resource during the plan.
func windowsKeyHCL(serverRef string, extra string) string {
	return fmt.Sprintf(`
ephemeral "ecs_server_windows_password" "win" {
  server_id   = %[1]q
  private_key = var.private_key
%[2]s}

resource "ecs_server_password" "win" {
  server_id           = %[1]q
  password_wo         = ephemeral.ecs_server_windows_password.win.password
  password_wo_version = 1
}
`, serverRef, extra)
}

// variablesHCL declares the variables every case may use.
const variablesHCL = `
variable "candidate" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "stored" {
  type      = string
  sensitive = true
}

variable "private_key" {
  type      = string
  sensitive = true
  ephemeral = true
}
`

// passwordCase expects the plan-time password rule diagnostic for a write-only password.
func passwordCase(name, password string, rules ...string) badCase {
	want := append([]string{"Password Breaks the ECS Password Rules", "password_wo"}, rules...)
	return badCase{name: name, body: resourceHCL(nil), candidate: str(password), want: want}
}

// restartCase expects the plan-time diagnostic for a restart value outside none, soft and hard:
// it names the attribute, the allowed values and the value given.
func restartCase(name, value string) badCase {
	return badCase{
		name: name, body: resourceHCL(map[string]string{"restart": fmt.Sprintf("%q", value)}),
		want: []string{"Invalid Attribute Value Match",
			fmt.Sprintf(`Attribute restart value must be one of: ["none" "soft" "hard"], got: %q`, value)},
	}
}

// respond returns a fault that answers every request with method whose path contains suffix
// with status, the content type and body, and a request ID of a proxy rather than of the API.
func respond(method, suffix string, status int, contentType string, body []byte) []ecssim.Fault {
	return []ecssim.Fault{{
		Method:       method,
		PathContains: suffix,
		Status:       status,
		ContentType:  contentType,
		Body:         string(body),
		Headers:      map[string]string{"X-Request-Id": "proxy-request-0001"},
	}}
}

const (
	flagSuffix  = "/os-resetpwd-flag"
	resetSuffix = "/os-reset-password"
)

const gatewayHTML = `<html>
<head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>
</html>`

const wafHTML = `<!DOCTYPE html><html><head><title>Access denied</title></head>
<body><h1>Request blocked</h1><p>Your request was blocked by the web application firewall.</p></body></html>`

// oversizedJSON is a valid JSON document just over the client's 1 MiB response limit.
func oversizedJSON() []byte {
	return []byte(`{"resetpwd_flag":"True","padding":"` + strings.Repeat("x", 1<<20) + `"}`)
}

func badInputCatalogue(t *testing.T) []badCase {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecSEC1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPKCS8, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	pemOf := func(typ string, der []byte, headers map[string]string) *string {
		return str(string(pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: der})))
	}
	noise := make([]byte, 1200)
	_, _ = rand.Read(noise)
	rsaPKCS8, err := x509.MarshalPKCS8PrivateKey(serverKey())
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&serverKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	skewed := func(d time.Duration) func(*ecssim.Config) {
		return func(c *ecssim.Config) { c.Now = func() time.Time { return time.Now().Add(d) } }
	}
	noRetries := map[string]string{"max_retries": "0"}

	return []badCase{
		// Passwords breaking each rule, checked before anything is sent.
		passwordCase("password too short", "Bq3.fkw", "rule 1 (length)"),
		passwordCase("password too long", "Bq3.fkwZ7u-x9YBq3.fkwZ7u-x9", "rule 1 (length)"),
		passwordCase("password with a space", "Bq3 fkwZ7u-x9", "rule 3 (forbidden characters)"),
		passwordCase("password with #", "Bq3#fkwZ7u-x9", "rule 3 (forbidden characters)"),
		passwordCase("password with $", "Bq3$fkwZ7u-x9", "rule 3 (forbidden characters)"),
		passwordCase("password with a backslash", `Bq3\fkwZ7u-x9`, "rule 3 (forbidden characters)"),
		passwordCase("password with a quote", `Bq3"fkwZ7u-x9`, "rule 3 (forbidden characters)"),
		passwordCase("password with Chinese characters", "Bq3.fkw密码Z7u", "rule 3 (forbidden characters)"),
		passwordCase("password with a full-width letter", "Bq3.fkwＺ7u-x9", "rule 3 (forbidden characters)"),
		passwordCase("password with a tab", "Bq3.fkw\tZ7u-x9", "rule 2 (allowed characters)"),
		passwordCase("password of one class", "bcefghjkpquv", "rule 4 (character classes)"),
		passwordCase("password of two classes", "bcefgh234567", "rule 4 (character classes)"),
		passwordCase("password containing root", "Bq3.root-x9Y", "rule 5 (user names)"),
		passwordCase("password containing ROOT", "Bq3.ROOT-x9Y", "rule 5 (user names)"),
		passwordCase("password containing toor", "Bq3.toor-x9Y", "rule 5 (user names)"),
		passwordCase("password containing Administrator", "Administrator.9", "rule 5 (user names)"),
		passwordCase("password containing Administrator reversed", "rotartsinimdA.9", "rule 5 (user names)"),
		passwordCase("password containing adm", "Bq3.adm-x9Y", "rule 6 (consecutive characters of Administrator)"),
		passwordCase("password containing TOR", "Bq3.TOR-x9Y", "rule 6 (consecutive characters of Administrator)"),
		passwordCase("password containing nis", "Bq3.nis-x9Y", "rule 6 (consecutive characters of Administrator)"),
		{
			name: "empty write-only password", body: resourceHCL(nil), candidate: str(""),
			want: []string{"password_wo", "string length must be at least 1"},
		},
		{
			name: "state-stored password breaking a rule", stored: str("Bq3.fkw"),
			body: resourceHCL(map[string]string{"password": "var.stored", "password_wo": "", "password_wo_version": ""}),
			want: []string{"Password Breaks the ECS Password Rules", "`password`", "rule 1 (length)"},
		},
		{
			name: "both password and password_wo", stored: str(goodPassword),
			body: resourceHCL(map[string]string{"password": "var.stored"}),
			want: []string{"Invalid Attribute Combination", "password", "password_wo"},
		},
		{
			name: "neither password nor password_wo",
			body: resourceHCL(map[string]string{"password_wo": "", "password_wo_version": ""}),
			want: []string{"Missing Attribute Configuration", "Exactly one of these attributes must be configured: [password,password_wo]"},
		},
		{
			name: "password_wo without password_wo_version",
			body: resourceHCL(map[string]string{"password_wo_version": ""}),
			want: []string{"Invalid Attribute Combination", "password_wo_version"},
		},
		{
			name: "password_wo_version without password_wo", stored: str(goodPassword),
			body: resourceHCL(map[string]string{"password": "var.stored", "password_wo": ""}),
			want: []string{"Invalid Attribute Combination", "password_wo"},
		},

		// Server IDs.
		{name: "empty server ID", body: resourceHCL(map[string]string{"server_id": `""`}), want: []string{"server_id", "Invalid Server ID", "must not be empty"}},
		{name: "server ID with a slash", body: resourceHCL(map[string]string{"server_id": `"../{{linux}}"`}), want: []string{"server_id", "Invalid Server ID", "must not contain '/'"}},
		{name: "server ID with a space", body: resourceHCL(map[string]string{"server_id": `"{{linux}} x"`}), want: []string{"server_id", "Invalid Server ID", "white space"}},
		{name: "server ID with a backslash", body: resourceHCL(map[string]string{"server_id": `"a\\b"`}), want: []string{"server_id", "Invalid Server ID", `must not contain '\\'`}},
		{name: "server ID with a trailing newline", body: resourceHCL(map[string]string{"server_id": `"{{linux}}\n"`}), want: []string{"server_id", "Invalid Server ID", "white space (U+000A)"}},
		{name: "server ID too long", body: resourceHCL(map[string]string{"server_id": fmt.Sprintf("%q", strings.Repeat("a", 256))}), want: []string{"server_id", "Invalid Server ID", "longer than 255 characters"}},
		// Characters that would be sent mangled, or shown as something else, are refused at
		// plan time and shown as escapes.
		{name: "server ID with NUL", body: resourceHCL(map[string]string{"server_id": `"{{linux}}\u0000"`}), want: []string{"server_id", "Invalid Server ID", `\x00`}},
		{name: "server ID of two dots", body: resourceHCL(map[string]string{"server_id": `".."`}), want: []string{"server_id", "Invalid Server ID", "is not a valid ID"}},
		{name: "server ID with a no-break space", body: resourceHCL(map[string]string{"server_id": `"{{linux}}\u00a0"`}), want: []string{"server_id", "Invalid Server ID", "U+00A0"}},
		{name: "server ID with a zero-width space", body: resourceHCL(map[string]string{"server_id": `"{{linux}}\u200b"`}), want: []string{"server_id", "Invalid Server ID", "U+200B"}},
		{name: "server ID with a bidi override", body: resourceHCL(map[string]string{"server_id": `"\u202e{{linux}}"`}), want: []string{"server_id", "Invalid Server ID", "U+202E"}},
		{name: "server ID with a bidi isolate", body: resourceHCL(map[string]string{"server_id": `"{{linux}}\u2066"`}), want: []string{"server_id", "Invalid Server ID", "U+2066"}},
		{name: "reset flag data source server ID with NUL", body: "\n" + `data "ecs_server_password_reset_flag" "bad" {
  server_id = "{{linux}}\u0000"
}
`, want: []string{"server_id", "Invalid Server ID"}},
		// Timeouts that cannot fit one API call.
		{name: "zero create timeout", body: resourceHCL(map[string]string{"timeouts": `{ create = "0s" }`}), want: []string{"timeouts.create", "Invalid Timeout", "at least 1s"}},
		{name: "negative update timeout", body: resourceHCL(map[string]string{"timeouts": `{ update = "-1m" }`}), want: []string{"timeouts.update", "Invalid Timeout", "at least 1s"}},
		{name: "nanosecond read timeout", body: resourceHCL(map[string]string{"timeouts": `{ read = "1ns" }`}), want: []string{"timeouts.read", "Invalid Timeout", "at least 1s"}},
		{name: "zero data source timeout", body: "\n" + `data "ecs_server_password_reset_flag" "bad" {
  server_id = "{{linux}}"
  timeouts  = { read = "0s" }
}
`, want: []string{"timeouts.read", "Invalid Timeout"}},
		// Fractions where whole numbers are due are named, not blamed on the provider.
		{name: "fractional password_wo_version", body: resourceHCL(map[string]string{"password_wo_version": "2.5"}), want: []string{"password_wo_version", "Invalid Whole Number", "2.5"}},
		{
			name: "unknown server", apply: true, candidate: str(goodPassword),
			body: resourceHCL(map[string]string{"server_id": `"0d3b7f6e-0000-4000-8000-000000000000"`}),
			want: []string{"Unable to Check Password Reset Support", "0d3b7f6e-0000-4000-8000-000000000000", "Ecs.0114", "No server with this ID exists"},
		},
		{
			name: "unknown server through the v2.1 API", apply: true, candidate: str(goodPassword),
			body: resourceHCL(map[string]string{"server_id": `"0d3b7f6e-0000-4000-8000-000000000001"`, "api": `"v2.1"`, "verify_reset_support": "false"}),
			want: []string{"Unable to Reset Server Password", "0d3b7f6e-0000-4000-8000-000000000001", "itemNotFound", "No server with this ID exists"},
		},
		{
			name: "server without the reset plug-in", apply: true, candidate: str(goodPassword),
			body: resourceHCL(map[string]string{"server_id": `"{{nosupport}}"`}),
			want: []string{"Server Does Not Support Password Reset", "No reset was sent", "verify_reset_support"},
		},
		{
			name: "locked server", apply: true, candidate: str(goodPassword),
			body: resourceHCL(map[string]string{"server_id": `"{{locked}}"`}),
			want: []string{"Unable to Reset Server Password", "Ecs.0605", "The server is locked"},
		},
		{
			name: "server still building", apply: true, candidate: str(goodPassword),
			body: resourceHCL(map[string]string{"server_id": `"{{building}}"`}),
			want: []string{"Unable to Reset Server Password", "Ecs.0100", "must be running (ACTIVE) or stopped (SHUTOFF)"},
		},

		// Unknown api values.
		{name: "api v3", body: resourceHCL(map[string]string{"api": `"v3"`}), want: []string{"api", `value must be one of: ["v1" "v2.1"]`}},
		{name: "api in capitals", body: resourceHCL(map[string]string{"api": `"V1"`}), want: []string{"api", `value must be one of: ["v1" "v2.1"]`}},
		{name: "empty api", body: resourceHCL(map[string]string{"api": `""`}), want: []string{"api", `value must be one of: ["v1" "v2.1"]`}},
		{name: "api v2 on the ephemeral resource", body: windowsKeyHCL("{{windows}}", "  api = \"v2\"\n"), want: []string{"api", `value must be one of: ["v1" "v2.1"]`}},

		// Unknown restart values: only the exact lower-case words are accepted, since a
		// misspelling that the provider guessed at could reboot a server nobody meant to reboot.
		restartCase("restart reboot", "reboot"),
		restartCase("restart in capitals with a trailing space", "SOFT "),
		restartCase("restart capitalised", "Soft"),
		restartCase("empty restart", ""),

		// Provider settings and credentials.
		{name: "access key without secret key", provider: map[string]string{"secret_key": ""}, body: resourceHCL(nil), want: []string{"Incomplete Credentials", "secret_key"}},
		{name: "secret key without access key", provider: map[string]string{"access_key": ""}, body: resourceHCL(nil), want: []string{"Incomplete Credentials", "access_key"}},
		{name: "token together with a key pair", provider: map[string]string{"token": `"t0ken"`}, body: resourceHCL(nil), want: []string{"Conflicting Credentials", "token"}},
		{
			name: "security token without a key pair", provider: map[string]string{"access_key": "", "secret_key": "", "security_token": `"st"`},
			body: resourceHCL(nil), want: []string{"Incomplete Credentials", "security_token"},
		},
		// With no credentials anywhere the provider falls back to the instance metadata service;
		// a closed loopback port stands in for it, so the test never reaches the real address,
		// and a missing shared config file keeps a developer's own profile out of the case.
		{name: "no credentials", provider: map[string]string{"access_key": "", "secret_key": ""}, body: resourceHCL(nil),
			env:  []string{"HW_METADATA_ENDPOINT=http://127.0.0.1:1", "HW_SHARED_CONFIG_FILE=/nonexistent/ecs-e2e/config.json"},
			want: []string{"Unable to Obtain Credentials", "instance metadata service", "configure credentials in the provider block"}},
		{name: "no region", provider: map[string]string{"region": ""}, body: resourceHCL(nil), want: []string{"Missing Region"}},
		{name: "malformed region", provider: map[string]string{"region": `"CN North 4"`}, body: resourceHCL(nil), want: []string{"Invalid Region"}},
		{name: "cloud given as a URL", provider: map[string]string{"cloud": `"https://example.com"`, "endpoints": ""}, body: resourceHCL(nil), want: []string{"Invalid Cloud Domain"}},
		{name: "endpoint with another scheme", provider: map[string]string{"endpoints": `{ ecs = "ftp://127.0.0.1:1" }`}, body: resourceHCL(nil), want: []string{"Invalid Endpoint URL", "ftp://127.0.0.1:1"}},
		{name: "endpoint with user information", provider: map[string]string{"endpoints": `{ ecs = "http://user:pw@127.0.0.1:1" }`}, body: resourceHCL(nil), want: []string{"Invalid Endpoint URL"}},
		{name: "max_retries above the limit", provider: map[string]string{"max_retries": "51"}, body: resourceHCL(nil), want: []string{"max_retries", "from 0 to 50"}},
		{name: "negative max_retries", provider: map[string]string{"max_retries": "-1"}, body: resourceHCL(nil), want: []string{"max_retries", "from 0 to 50"}},
		{name: "fractional max_retries", provider: map[string]string{"max_retries": "2.5"}, body: resourceHCL(nil), want: []string{"max_retries", "Invalid Whole Number", "2.5"}},
		// Credentials written into an endpoint never reach a message, in any spelling.
		{name: "endpoint with a token as user information", provider: map[string]string{"endpoints": `{ ecs = "https://TOKENSECRET99@127.0.0.1:1" }`}, body: resourceHCL(nil),
			want: []string{"Invalid Endpoint URL", "user information"}, absent: []string{"TOKENSECRET99"}},
		{name: "endpoint with user information and no scheme", provider: map[string]string{"endpoints": `{ ecs = "admin:PASSWORDSECRET99@127.0.0.1:1" }`}, body: resourceHCL(nil),
			want: []string{"Invalid Endpoint URL", "user information"}, absent: []string{"PASSWORDSECRET99"}},
		{name: "endpoint with user information after one slash", provider: map[string]string{"endpoints": `{ ecs = "https:/admin:PASSWORDSECRET99@127.0.0.1:1" }`}, body: resourceHCL(nil),
			want: []string{"Invalid Endpoint URL", "user information"}, absent: []string{"PASSWORDSECRET99"}},
		{name: "endpoint with a token in the query", provider: map[string]string{"endpoints": `{ ecs = "https://127.0.0.1:1/?token=QUERYSECRET99" }`}, body: resourceHCL(nil),
			want: []string{"Invalid Endpoint URL", "query"}, absent: []string{"QUERYSECRET99"}},
		{name: "endpoint without a scheme", provider: map[string]string{"endpoints": `{ ecs = "ecs.example.com" }`}, body: resourceHCL(nil),
			want: []string{"Invalid Endpoint URL", "ecs.example.com", "https://ecs.example.com"}},
		{name: "HW_MAX_RETRIES not a number", env: []string{"HW_MAX_RETRIES=lots"}, body: resourceHCL(nil), want: []string{"Invalid HW_MAX_RETRIES", "lots"}},
		{name: "HW_INSECURE not a boolean", env: []string{"HW_INSECURE=maybe"}, body: resourceHCL(nil), want: []string{"Invalid HW_INSECURE", "maybe"}},
		{
			name: "wrong secret key", apply: true, candidate: str(goodPassword),
			provider: map[string]string{"secret_key": `"not-the-secret-key-of-this-access-key"`},
			body:     resourceHCL(nil), want: []string{"APIGW.0301", "verify aksk signature fail", "The credentials were rejected"},
		},
		{
			name: "unknown access key", apply: true, candidate: str(goodPassword),
			provider: map[string]string{"access_key": `"UNKNOWNACCESSKEY0001"`},
			body:     resourceHCL(nil), want: []string{"APIGW.0301", "ak not exist", "The credentials were rejected"},
		},
		{
			name: "invalid token", apply: true, candidate: str(goodPassword),
			provider: map[string]string{"access_key": "", "secret_key": "", "token": `"MIIinvalid-token"`},
			body:     resourceHCL(nil), want: []string{"APIGW.0301", "The credentials were rejected"},
		},
		{
			name: "clock 20 minutes behind the service", apply: true, candidate: str(goodPassword), simConfig: skewed(20 * time.Minute),
			body: resourceHCL(nil), want: []string{"APIGW.0301", "signature expired", "clock"},
		},
		{
			name: "clock 20 minutes ahead of the service", apply: true, candidate: str(goodPassword), simConfig: skewed(-20 * time.Minute),
			body: resourceHCL(nil), want: []string{"APIGW.0301", "signature expired", "clock"},
		},
		{
			name: "project ID of another project", apply: true, candidate: str(goodPassword),
			provider: map[string]string{"project_id": `"ffffffffffffffffffffffffffffffff"`},
			body:     resourceHCL(nil), want: []string{"Ecs.0023", "project_id"},
		},
		{
			name: "caller without the reset permission", apply: true, candidate: str(goodPassword),
			setup: func(t *testing.T, s *simtest.Sim, _ map[string]string) {
				if err := s.AddPrincipal(ecssim.Principal{AccessKey: "READONLYACCESSKEY001", SecretKey: "read-only-secret-key-0001",
					Actions: []string{ecssim.ActionGetServer, ecssim.ActionShowResetPasswordFlag}}); err != nil {
					t.Fatal(err)
				}
			},
			provider: map[string]string{"access_key": `"READONLYACCESSKEY001"`, "secret_key": `"read-only-secret-key-0001"`},
			body:     resourceHCL(nil), want: []string{"Pdp.0001", "ecs:cloudServers:resetServerPwd"},
		},
		{
			name: "enterprise-project grant on the v2.1 API", apply: true, candidate: str(goodPassword),
			setup: func(t *testing.T, s *simtest.Sim, _ map[string]string) {
				if err := s.AddPrincipal(ecssim.Principal{AccessKey: "EPONLYACCESSKEY00001", SecretKey: "ep-only-secret-key-0001",
					Actions: []string{"ecs:*:*"}, EnterpriseProjectIDs: []string{"ep-e2e"}}); err != nil {
					t.Fatal(err)
				}
			},
			provider: map[string]string{"access_key": `"EPONLYACCESSKEY00001"`, "secret_key": `"ep-only-secret-key-0001"`},
			body:     resourceHCL(map[string]string{"server_id": `"{{otherep}}"`, "api": `"v2.1"`, "verify_reset_support": "false"}),
			want:     []string{"HTTP status: 403", "enterprise project", `api = "v1"`},
		},

		// Private keys for the ephemeral decryption, checked before any API call.
		{name: "private key that is not PEM", key: str("this is not a key"), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Private Key Is Not PEM"}},
		{name: "private key given as a path", key: str("/home/user/.ssh/windows.pem"), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Private Key Is Not PEM", "looks like a file path"}},
		{name: "empty private key", key: str(""), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Empty Private Key"}},
		{name: "malformed PKCS#1 key", key: pemOf("RSA PRIVATE KEY", noise[:600], nil), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Malformed Private Key", "PKCS#1"}},
		{name: "EC key in PKCS#8", key: pemOf("PRIVATE KEY", ecPKCS8, nil), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Private Key Is Not an RSA Key", "EC (ECDSA)"}},
		{name: "EC key in SEC 1", key: pemOf("EC PRIVATE KEY", ecSEC1, nil), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Private Key Is Not an RSA Key", "EC (ECDSA)"}},
		{name: "Ed25519 key", key: pemOf("PRIVATE KEY", edPKCS8, nil), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Private Key Is Not an RSA Key", "Ed25519"}},
		{
			name: "passphrase-protected PEM", body: windowsKeyHCL("{{windows}}", ""),
			key:  pemOf("RSA PRIVATE KEY", noise, map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}),
			want: []string{"Private Key Is Encrypted"},
		},
		{name: "encrypted PKCS#8 key", key: pemOf("ENCRYPTED PRIVATE KEY", noise, nil), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Private Key Is Encrypted"}},
		{name: "public key instead of private key", key: pemOf("PUBLIC KEY", pubDER, nil), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Public Key Given Instead of Private Key"}},
		{name: "ciphertext for another key", key: str(testfixture.PrivateKeyPEM(otherKey())), body: windowsKeyHCL("{{windows}}", ""), want: []string{"Private Key Does Not Match the Encrypted Password"}},
		{name: "no Windows password stored", key: pemOf("PRIVATE KEY", rsaPKCS8, nil), body: windowsKeyHCL("{{nopw}}", ""), want: []string{"No Windows Password Stored", "wait_for_password"}},

		// Answers that are not what the API promises: proxies, gateways and broken bodies.
		{
			name: "gateway HTML error page", apply: true, candidate: str(goodPassword), provider: noRetries,
			faults: respond("GET", flagSuffix, http.StatusBadGateway, "text/html", []byte(gatewayHTML)),
			body:   resourceHCL(nil), want: []string{"Unable to Check Password Reset Support", "HTTP status: 502", "text/html", "Request ID: proxy-request-0001"},
		},
		{
			name: "firewall HTML page on the reset", apply: true, candidate: str(goodPassword),
			faults: respond("PUT", resetSuffix, http.StatusForbidden, "text/html; charset=utf-8", []byte(wafHTML)),
			body:   resourceHCL(nil), want: []string{"Unable to Reset Server Password", "HTTP status: 403", "text/html"},
		},
		{
			name: "plain-text 500 on the reset", apply: true, candidate: str(goodPassword),
			faults: respond("PUT", resetSuffix, http.StatusInternalServerError, "text/plain", []byte("upstream connect error")),
			body:   resourceHCL(nil), want: []string{"Password Reset Outcome Unknown", "HTTP status: 500", "upstream connect error", "may have reached the API"},
		},
		{
			name: "truncated JSON", apply: true, candidate: str(goodPassword),
			faults: respond("GET", flagSuffix, http.StatusOK, "application/json", []byte(`{"resetpwd_flag": "Tr`)),
			body:   resourceHCL(nil), want: []string{"Unable to Check Password Reset Support", "malformed JSON response"},
		},
		{
			name: "oversized JSON", apply: true, candidate: str(goodPassword),
			faults: respond("GET", flagSuffix, http.StatusOK, "application/json", oversizedJSON()),
			body:   resourceHCL(nil), want: []string{"Unable to Check Password Reset Support", "response body larger than"},
		},
		{
			name: "plain-text content type", apply: true, candidate: str(goodPassword),
			faults: respond("GET", flagSuffix, http.StatusOK, "text/plain", []byte("True")),
			body:   resourceHCL(nil), want: []string{"expected a JSON response but got content type", "text/plain"},
		},
		{
			name: "XML content type", apply: true, candidate: str(goodPassword),
			faults: respond("GET", flagSuffix, http.StatusOK, "application/xml", []byte("<resetpwd_flag>True</resetpwd_flag>")),
			body:   resourceHCL(nil), want: []string{"expected a JSON response but got content type", "application/xml"},
		},
		{
			name: "empty JSON body", apply: true, candidate: str(goodPassword),
			faults: respond("GET", flagSuffix, http.StatusOK, "application/json", nil),
			body:   resourceHCL(nil), want: []string{"the body is empty"},
		},
		{
			name: "unknown reset flag value", apply: true, candidate: str(goodPassword),
			faults: respond("GET", flagSuffix, http.StatusOK, "application/json", []byte(`{"resetpwd_flag":"Maybe"}`)),
			body:   resourceHCL(nil), want: []string{`resetpwd_flag is "Maybe"`},
		},
		{
			name: "reset flag missing", apply: true, candidate: str(goodPassword),
			faults: respond("GET", flagSuffix, http.StatusOK, "application/json", []byte(`{"flag":"True"}`)),
			body:   resourceHCL(nil), want: []string{"response has no resetpwd_flag"},
		},
		{
			name: "simulator fault: HTML sent as JSON", apply: true, candidate: str(goodPassword), provider: noRetries,
			setup: func(t *testing.T, s *simtest.Sim, ids map[string]string) {
				s.MustAddFault(ecssim.Fault{Method: "GET", PathContains: flagSuffix, Status: 502, Body: gatewayHTML})
			},
			body: resourceHCL(nil), want: []string{"Unable to Check Password Reset Support", "HTTP status: 502", "response is not a JSON document"},
		},
		{
			name: "simulator fault: unrecognised JSON error", apply: true, candidate: str(goodPassword),
			setup: func(t *testing.T, s *simtest.Sim, ids map[string]string) {
				s.MustAddFault(ecssim.Fault{Method: "PUT", PathContains: resetSuffix, Status: 400, Body: `{"fault":"something odd happened"}`})
			},
			body: resourceHCL(nil), want: []string{"Unable to Reset Server Password", "HTTP status: 400"},
		},
	}
}

// seedServers creates the servers the catalogue refers to and returns placeholder → ID.
func seedServers(t *testing.T, s *simtest.Sim) map[string]string {
	no := false
	ids := map[string]string{
		"linux":     s.MustAddServer(ecssim.ServerSpec{Name: "bad-linux", OSType: "Linux"}),
		"nosupport": s.MustAddServer(ecssim.ServerSpec{Name: "bad-no-plugin", OSType: "Linux", ResetPasswordSupported: &no}),
		"locked":    s.MustAddServer(ecssim.ServerSpec{Name: "bad-locked", OSType: "Linux", Locked: true}),
		"building":  s.MustAddServer(ecssim.ServerSpec{Name: "bad-building", OSType: "Linux", Status: "BUILD"}),
		"otherep":   s.MustAddServer(ecssim.ServerSpec{Name: "bad-other-ep", OSType: "Linux", EnterpriseProjectID: "ep-e2e"}),
		"windows": s.MustAddServer(ecssim.ServerSpec{Name: "bad-windows", OSType: "Windows",
			PublicKey: publicPEM(t, serverKey()), WindowsPassword: goodPassword}),
		"nopw": s.MustAddServer(ecssim.ServerSpec{Name: "bad-windows-no-password", OSType: "Windows", PublicKey: publicPEM(t, serverKey())}),
	}
	return ids
}

func TestBadInputFailsClearlyAndRecordsNothing(t *testing.T) {
	t.Parallel()
	cases := badInputCatalogue(t)
	if len(cases) < 40 {
		t.Fatalf("the catalogue has %d cases, want at least 40", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runBadCase(t, c)
		})
	}
}

func runBadCase(t *testing.T, c badCase) {
	cfg := ecssim.Config{}
	if c.simConfig != nil {
		c.simConfig(&cfg)
	}
	s := simtest.Start(t, cfg, c.faults...)
	ids := seedServers(t, s)
	if c.setup != nil {
		c.setup(t, s, ids)
	}
	pairs := []string{"{{url}}", s.URL}
	for k, v := range ids {
		pairs = append(pairs, "{{"+k+"}}", v)
	}
	fill := strings.NewReplacer(pairs...).Replace

	candidate, stored, key := goodPassword, goodPassword, testfixture.PrivateKeyPEM(serverKey())
	if c.candidate != nil {
		candidate = *c.candidate
	}
	if c.stored != nil {
		stored = *c.stored
	}
	if c.key != nil {
		key = *c.key
	}
	env := append([]string{"TF_VAR_candidate=" + candidate, "TF_VAR_stored=" + stored, "TF_VAR_private_key=" + key}, c.env...)
	w := newWorkspace(t, map[string]string{
		"main.tf": terraformBlock + acctest.ProviderHCL(s.URL, c.provider) + variablesHCL + fill(c.body),
	}, env...)

	var res result
	if c.apply {
		// The plan must pass: only the API can know what is wrong.
		if p := w.plan(); p.code != 2 {
			t.Fatalf("the plan should propose the change (exit 2) and leave the error to the apply:\n%s", p)
		}
		res = w.apply()
	} else {
		res = w.plan()
	}
	if res.code != 1 {
		t.Fatalf("want exit status 1:\n%s", res)
	}
	checkNoCrash(t, res)
	for _, want := range c.want {
		if !containsFlat(res.stderr, fill(want)) {
			t.Errorf("the error output does not contain %q:\n%s", fill(want), res.stderr)
		}
	}
	// An API error names the server it concerns.
	if m := serverIDAttr.FindStringSubmatch(fill(c.body)); c.apply && m != nil && !containsFlat(res.stderr, m[1]) {
		t.Errorf("the error does not name the server %s:\n%s", m[1], res.stderr)
	}
	for _, secret := range c.absent {
		if strings.Contains(res.output(), secret) {
			t.Errorf("the output quotes %q:\n%s", secret, res)
		}
	}
	// The rules are named, never the password itself.
	for _, secretValue := range []string{c.candidateValue(), c.storedValue()} {
		if len(secretValue) >= 4 && strings.Contains(res.output(), secretValue) {
			t.Errorf("the output quotes the password:\n%s", res)
		}
	}
	// Nothing happened and nothing was recorded.
	if got := w.instances(); len(got) != 0 {
		t.Errorf("the state records %d instances after a failed run", len(got))
	}
	for name, id := range ids {
		if st := s.State(id); st.ResetCount != 0 {
			t.Errorf("server %s (%s) was reset %d times", name, id, st.ResetCount)
		}
	}
}

func (c badCase) candidateValue() string {
	if c.candidate == nil {
		return ""
	}
	return *c.candidate
}

func (c badCase) storedValue() string {
	if c.stored == nil {
		return ""
	}
	return *c.stored
}
