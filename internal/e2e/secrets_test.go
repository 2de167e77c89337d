package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	// issued, when set, returns the credentials the run obtained from IAM
	// or the metadata service (known only afterwards).
	issued func() []secret
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
	if sc.issued != nil {
		issued := sc.issued()
		if len(issued) == 0 {
			t.Error("no issued credentials were recorded: the search for them would prove nothing")
		}
		secrets = append(secrets, issued...)
	}
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

// credentialRecorder stands between the provider and the simulator on the routes that hand out
// credentials (IAM and the metadata service) and keeps what they handed out, so that the search
// for secrets can look for credentials the test never chose: issued tokens and temporary keys.
type credentialRecorder struct {
	URL    string
	mu     sync.Mutex
	issued []secret
}

// recordCredentials starts a recorder that forwards to target through transport (nil: the
// default). Requests keep their Host header, so signatures made for the recorder's address
// verify at the simulator.
func recordCredentials(t *testing.T, target string, transport http.RoundTripper) *credentialRecorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &credentialRecorder{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = transport
	rp.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		rec.note(resp.Header.Get("X-Subject-Token"), body)
		return err
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	rec.URL = srv.URL
	return rec
}

func (r *credentialRecorder) note(token string, body []byte) {
	var doc struct {
		Credential struct {
			Secret        string `json:"secret"`
			SecurityToken string `json:"securitytoken"`
		} `json:"credential"`
	}
	_ = json.Unmarshal(body, &doc)
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.issued)
	if token != "" {
		r.issued = append(r.issued, secret{fmt.Sprintf("issued IAM token %d", n), token})
	}
	if c := doc.Credential; c.Secret != "" {
		r.issued = append(r.issued, secret{fmt.Sprintf("issued secret key %d", n), c.Secret},
			secret{fmt.Sprintf("issued security token %d", n), c.SecurityToken})
	}
}

func (r *credentialRecorder) secrets() []secret {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]secret(nil), r.issued...)
}

// expectResetsBy checks that every reset the simulator accepted came from the given source.
func expectResetsBy(t *testing.T, s *simtest.Sim, source string) {
	t.Helper()
	n := 0
	for _, st := range s.Servers() {
		for _, rec := range st.ResetHistory {
			n++
			if rec.Source != source {
				t.Errorf("server %s was reset by %q (%s), want %q", st.ID, rec.Source, rec.AccessKey, source)
			}
		}
	}
	if n == 0 {
		t.Error("no reset was recorded")
	}
}

// TestSecretsStayOutOfLogsStateAndOutputProfileAgency: the keys of a KooCLI profile and the
// temporary credentials of the agency the profile names stay out of everything a run leaves.
func TestSecretsStayOutOfLogsStateAndOutputProfileAgency(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	sc := newSecretScenario(t, s)
	ak := "E2EPROF" + randomString("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 13)
	sk := randomString(alnum, 40)
	if err := s.AddPrincipal(ecssim.Principal{AccessKey: ak, SecretKey: sk, Actions: []string{ecssim.ActionAssumeAgency}}); err != nil {
		t.Fatal(err)
	}
	s.MustAddAgency(ecssim.Agency{DomainName: "e2e-domain", AgencyName: "e2e-agency", Actions: []string{"ecs:*:*"}})
	file := filepath.Join(t.TempDir(), "config.json")
	profile := fmt.Sprintf(`{"current":"other","profiles":[{"name":"e2e","mode":"AKSK","accessKeyId":%q,"secretAccessKey":%q,
 "agencyName":"e2e-agency","agencyDomainName":"e2e-domain"}]}`, ak, sk)
	if err := os.WriteFile(file, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	iam := recordCredentials(t, s.URL, nil)
	sc.credentials = []secret{{"the profile's secret key", sk}}
	sc.issued = iam.secrets
	sc.providerAttrs = map[string]string{
		"access_key": "", "secret_key": "", "shared_config_file": fmt.Sprintf("%q", file), "profile": `"e2e"`,
		"endpoints": fmt.Sprintf("{\n    ecs = %q\n    iam = %q\n  }", s.URL, iam.URL),
	}
	sc.run(t)
	expectResetsBy(t, s, ecssim.SourceAssumeRole)
}

// TestSecretsStayOutOfLogsStateAndOutputUserLogin: the user's password and the tokens the login
// obtained stay out of everything a run leaves.
func TestSecretsStayOutOfLogsStateAndOutputUserLogin(t *testing.T) {
	t.Parallel()
	password := randomString(alnum, 24) + "!"
	s := simtest.Start(t, ecssim.Config{Password: password})
	sc := newSecretScenario(t, s)
	iam := recordCredentials(t, s.URL, nil)
	sc.credentials = []secret{{"the user's password", password}}
	sc.issued = iam.secrets
	sc.providerAttrs = map[string]string{
		"access_key": "", "secret_key": "", "user_name": fmt.Sprintf("%q", ecssim.DefaultUser),
		"password": "var.user_password", "domain_name": `"e2e-domain"`,
		"endpoints": fmt.Sprintf("{\n    ecs = %q\n    iam = %q\n  }", s.URL, iam.URL),
	}
	sc.variables = []string{credentialVariable("user_password")}
	sc.env = []string{"TF_VAR_user_password=" + password}
	sc.run(t)
	expectResetsBy(t, s, ecssim.SourceToken)
}

// TestSecretsStayOutOfLogsStateAndOutputMetadataClientCert: over HTTPS with a client
// certificate, the certificate's private key (given as PEM content) and the temporary
// credentials of the instance metadata service stay out of everything a run leaves.
func TestSecretsStayOutOfLogsStateAndOutputMetadataClientCert(t *testing.T) {
	t.Parallel()
	s, pki := simtest.StartTLS(t, ecssim.Config{}, true)
	sc := newSecretScenario(t, s)
	metadata := recordCredentials(t, s.URL, &http.Transport{TLSClientConfig: pki.ClientConfig(true)})
	keyPEM := string(pki.ClientKeyPEM)
	sc.credentials = pemSecrets("the client certificate's private key", keyPEM)
	sc.issued = metadata.secrets
	sc.providerAttrs = map[string]string{
		"access_key": "", "secret_key": "",
		"endpoints":   fmt.Sprintf("{\n    ecs = %q\n    iam = %q\n    metadata = %q\n  }", s.URL, s.URL, metadata.URL),
		"cacert_file": fmt.Sprintf("%q", pki.CAFile), "cert": fmt.Sprintf("%q", pki.ClientCertFile), "key": "var.client_key",
	}
	sc.variables = []string{credentialVariable("client_key")}
	// The shared config file must not exist, or its current profile would come before metadata.
	sc.env = []string{"TF_VAR_client_key=" + keyPEM, "HW_SHARED_CONFIG_FILE=" + filepath.Join(t.TempDir(), "none.json")}
	sc.run(t)
	expectResetsBy(t, s, ecssim.SourceMetadata)
}
