package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// randomString returns n characters from alphabet.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// echoingRejection is a reset error whose message repeats the secrets it is given, as a careless
// service or proxy might. The provider must not pass them on.
func echoingRejection(secrets ...string) ecssim.Fault {
	return ecssim.Fault{
		Method: "PUT",
		Status: 400,
		Body: fmt.Sprintf(`{"error":{"code":"Ecs.0011","message":"rejected: %s"}}`,
			strings.Join(secrets, " ")),
	}
}

// secretsHCL is the secrecy scenario without the provider block: a Linux server reset through a
// write-only password from an ephemeral variable, a Windows server whose initial password is
// decrypted in memory with the key pair's private key and reset to itself, a reset that the API
// rejects, and the two data sources.
const secretsHCL = `
variable "linux_id" {
  type = string
}

variable "windows_id" {
  type = string
}

variable "failing_id" {
  type = string
}

variable "private_key_path" {
  type = string
}

variable "linux_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "failing_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "fleet_ids" {
  type = list(string)
}

variable "fleet_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

data "ecs_server_password_reset_flag" "linux" {
  server_id = var.linux_id
}

data "ecs_server_windows_password" "windows" {
  server_id = var.windows_id
}

ephemeral "ecs_server_windows_password" "windows" {
  server_id   = var.windows_id
  private_key = file(var.private_key_path)
}

resource "ecs_server_password" "linux" {
  server_id           = var.linux_id
  password_wo         = var.linux_password
  password_wo_version = 1
}

resource "ecs_server_password" "windows" {
  server_id           = var.windows_id
  password_wo         = ephemeral.ecs_server_windows_password.windows.password
  password_wo_version = 1
  depends_on          = [data.ecs_server_windows_password.windows]
}

resource "ecs_server_password_batch" "fleet" {
  server_ids          = var.fleet_ids
  password_wo         = var.fleet_password
  password_wo_version = 1
}

resource "ecs_server_password" "failing" {
  server_id           = var.failing_id
  password_wo         = var.failing_password
  password_wo_version = 1
}
`

// secretScenario is one run of the secrecy scenario.
type secretScenario struct {
	sim                                   *simtest.Sim
	linuxID, windowsID, failingID         string
	linuxPW, windowsPW, failingPW, keyPEM string
	// fleetIDs get fleetPW through the batch resource.
	fleetIDs []string
	fleetPW  string
	// credentials are the provider credential secrets of the run.
	credentials []secret
	// providerAttrs replaces the provider block's credential attributes.
	providerAttrs map[string]string
	// variables declares the variables the credentials come from.
	variables []string
	// env passes the credentials to the CLI as TF_VAR_ variables.
	env []string
}

// credentialVariable declares a variable for a credential. It is ephemeral as well as sensitive:
// Terraform writes the values of other variables into saved plan files (and show -json prints
// them from there), whatever the provider does.
func credentialVariable(name string) string {
	return fmt.Sprintf("\nvariable %q {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n", name)
}

// newSecretScenario seeds the servers and a failing reset whose error echoes the password and
// every credential secret.
func newSecretScenario(t *testing.T, s *simtest.Sim) *secretScenario {
	t.Helper()
	sc := &secretScenario{
		sim:       s,
		linuxPW:   testfixture.Password(),
		windowsPW: testfixture.Password(),
		failingPW: testfixture.Password(),
		fleetPW:   testfixture.Password(),
		keyPEM:    testfixture.PrivateKeyPEM(serverKey()),
	}
	sc.fleetIDs = s.MustAddLinuxServers(3)
	sc.linuxID = s.MustAddServer(ecssim.ServerSpec{Name: "secret-linux", OSType: "Linux"})
	sc.windowsID = s.MustAddServer(ecssim.ServerSpec{
		Name: "secret-windows", OSType: "Windows", PublicKey: publicPEM(t, serverKey()), WindowsPassword: sc.windowsPW,
	})
	sc.failingID = s.MustAddServer(ecssim.ServerSpec{Name: "secret-failing", OSType: "Linux"})
	return sc
}

// run applies, plans into a file, shows the plan and the state as JSON and destroys, all with
// TF_LOG=trace, then searches every log, file and output for the secrets.
func (sc *secretScenario) run(t *testing.T) {
	t.Helper()
	echoed := []string{sc.failingPW}
	for _, c := range sc.credentials {
		echoed = append(echoed, c.value)
	}
	f := echoingRejection(echoed...)
	f.PathContains = sc.failingID + "/os-reset-password"
	sc.sim.MustAddFault(f)

	logDir := t.TempDir()
	keyPath := writeKeyFile(t, sc.keyPEM)
	env := append([]string{
		"TF_LOG=trace",
		"TF_VAR_linux_id=" + sc.linuxID,
		"TF_VAR_windows_id=" + sc.windowsID,
		"TF_VAR_failing_id=" + sc.failingID,
		"TF_VAR_private_key_path=" + keyPath,
		"TF_VAR_linux_password=" + sc.linuxPW,
		"TF_VAR_failing_password=" + sc.failingPW,
		"TF_VAR_fleet_password=" + sc.fleetPW,
		`TF_VAR_fleet_ids=["` + strings.Join(sc.fleetIDs, `","`) + `"]`,
	}, sc.env...)
	w := newWorkspace(t, map[string]string{
		"main.tf": terraformBlock + acctest.ProviderHCL(sc.sim.URL, sc.providerAttrs) + strings.Join(sc.variables, "") + secretsHCL,
	})
	step := 0
	logged := func(args ...string) result {
		step++
		w.env = append(env, "TF_LOG_PATH="+filepath.Join(logDir, fmt.Sprintf("%d-%s.log", step, args[0])))
		return w.run(args...)
	}

	apply := logged(applyArgs...)
	if apply.code != 1 {
		t.Fatalf("the apply should fail on the rejected reset only:\n%s", apply)
	}
	checkNoCrash(t, apply)
	rejected := sc.sim.RequestsTo("PUT", sc.failingID+"/os-reset-password")
	if len(rejected) != 1 {
		t.Fatalf("want one rejected reset, got %d:\n%s", len(rejected), apply)
	}
	// "rejected:" starts the echoing message: it reached the diagnostic, with the secrets cut out.
	for _, want := range []string{"Unable to Reset Server Password", sc.failingID, "Ecs.0011", "Request ID: " + rejected[0].RequestID, "rejected:"} {
		if !containsFlat(apply.stderr, want) {
			t.Errorf("the reset error does not mention %q:\n%s", want, apply.stderr)
		}
	}
	// The other resets happened, with the right passwords, so the secrets really went through.
	if st := sc.sim.State(sc.linuxID); st.ResetCount != 1 || st.Password != sc.linuxPW {
		t.Errorf("Linux server: %d resets, password matches: %t", st.ResetCount, st.Password == sc.linuxPW)
	}
	if st := sc.sim.State(sc.windowsID); st.ResetCount != 1 || st.Password != sc.windowsPW {
		t.Errorf("Windows server: %d resets, password matches the decrypted one: %t", st.ResetCount, st.Password == sc.windowsPW)
	}
	for _, id := range sc.fleetIDs {
		if st := sc.sim.State(id); st.ResetCount != 1 || st.Password != sc.fleetPW || st.LastResetAPI != "batch" {
			t.Errorf("fleet server %s: %d resets through %q, password matches: %t", id, st.ResetCount, st.LastResetAPI, st.Password == sc.fleetPW)
		}
	}
	if st := sc.sim.State(sc.failingID); st.ResetCount != 0 {
		t.Errorf("the rejected server was reset %d times", st.ResetCount)
	}

	plan := logged("plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=secrets.tfplan")
	if plan.code != 2 {
		t.Fatalf("the plan should propose the failed reset again:\n%s", plan)
	}
	showPlan := logged("show", "-json", "-no-color", "secrets.tfplan")
	showState := logged("show", "-json", "-no-color")
	for _, r := range []result{showPlan, showState} {
		if r.code != 0 || !strings.HasPrefix(strings.TrimSpace(r.stdout), "{") {
			t.Fatalf("show -json failed:\n%s", r)
		}
	}
	destroy := logged(destroyArgs...)
	if destroy.code != 0 {
		t.Fatalf("destroy:\n%s", destroy)
	}

	artifacts := append(collectFiles(t, w.dir), collectFiles(t, logDir)...)
	artifacts = append(artifacts, outputArtifacts(apply, plan, showPlan, showState, destroy)...)
	// The logs must really hold the provider's trace output, or finding nothing proves nothing.
	var logs []byte
	for _, a := range artifacts {
		if strings.HasSuffix(a.name, ".log") {
			logs = append(logs, a.data...)
		}
	}
	for _, want := range []string{"sending ECS API request", "received ECS API response", rejected[0].RequestID, "ecs_server_windows_password"} {
		if !bytes.Contains(logs, []byte(want)) {
			t.Errorf("the trace logs do not contain %q; is TF_LOG=trace in effect?", want)
		}
	}

	secrets := append([]secret{
		{"the Linux password", sc.linuxPW},
		{"the rejected password", sc.failingPW},
		{"the fleet password", sc.fleetPW},
		{"the decrypted Windows password", sc.windowsPW},
	}, sc.credentials...)
	secrets = append(secrets, pemSecrets("the private key", sc.keyPEM)...)
	if leaks := findLeaks(secrets, artifacts); len(leaks) > 0 {
		t.Errorf("secrets leaked:\n  %s", strings.Join(leaks, "\n  "))
	}
	t.Logf("searched %d artifacts (%d KiB of trace logs) for %d secrets", len(artifacts), len(logs)/1024, len(secrets))
}

func TestSecretsStayOutOfLogsStateAndOutput(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	sc := newSecretScenario(t, s)
	// Temporary credentials: an access key with its secret key and security token.
	ak := "E2ETEMP" + randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 13)
	sk := randomString(alnum, 40)
	st := randomString(alnum+"-_", 320)
	if err := s.AddPrincipal(ecssim.Principal{AccessKey: ak, SecretKey: sk, SecurityToken: st, Actions: []string{"ecs:*:*"}}); err != nil {
		t.Fatal(err)
	}
	sc.credentials = []secret{{"the secret key", sk}, {"the security token", st}}
	sc.providerAttrs = map[string]string{
		"access_key":     fmt.Sprintf("%q", ak),
		"secret_key":     "var.secret_key",
		"security_token": "var.security_token",
	}
	sc.variables = []string{credentialVariable("secret_key"), credentialVariable("security_token")}
	sc.env = []string{"TF_VAR_secret_key=" + sk, "TF_VAR_security_token=" + st}
	sc.run(t)

	// Every API request was signed with the temporary access key.
	for _, r := range s.Requests() {
		if r.AccessKey != ak {
			t.Errorf("%s %s used access key %q, want the temporary one", r.Method, r.Path, r.AccessKey)
			break
		}
	}
}

func TestSecretsStayOutOfLogsStateAndOutputTokenAuth(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	sc := newSecretScenario(t, s)
	token := issueToken(t, s)
	sc.credentials = []secret{{"the IAM token", token}}
	// The token comes from the environment, the provider's other way to take credentials.
	sc.providerAttrs = map[string]string{"access_key": "", "secret_key": ""}
	sc.env = []string{"HW_AUTH_TOKEN=" + token}
	sc.run(t)

	// Every API request was authenticated with the token, not with a key pair.
	for _, r := range s.Requests() {
		if r.AccessKey != "" {
			t.Errorf("%s %s used access key %q, want the token", r.Method, r.Path, r.AccessKey)
			break
		}
	}
}

// issueToken logs the simulator's IAM user in and returns a project-scoped token.
func issueToken(t *testing.T, s *simtest.Sim) string {
	t.Helper()
	body := fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"password":%q,"domain":{"name":"e2e"}}}},"scope":{"project":{"name":%q}}}}`,
		ecssim.DefaultUser, ecssim.DefaultPassword, ecssim.DefaultRegion)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/v3/auth/tokens", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	token := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("token login: HTTP %d, token present: %t: %s", resp.StatusCode, token != "", msg)
	}
	return token
}
