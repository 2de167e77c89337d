package releasetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// Environment variables that ask for the tests of this package (set by `make release-test`).
const (
	// envDist names the dist directory of `make release-snapshot`. Without it the tests skip.
	envDist = "RELEASE_TEST_DIST"
	// envCLIs lists the Terraform and OpenTofu executables to install with, separated like PATH.
	envCLIs = "RELEASE_TEST_CLIS"
)

// distDir returns the dist directory the test was asked to check, or skips the test when it was
// not asked. Everything after this point fails rather than skips.
func distDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envDist)
	if dir == "" {
		t.Skipf("%s is not set; run make release-snapshot release-test", envDist)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("%s=%s is not a directory (%v); run make release-snapshot first", envDist, dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// manifestSource is the repository's terraform-registry-manifest.json, which the release copies.
func manifestSource(t *testing.T) string {
	t.Helper()
	root, err := clirunner.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "terraform-registry-manifest.json")
}

// clisUnderTest returns the CLIs listed in RELEASE_TEST_CLIS, failing when there are none or one
// cannot be run.
func clisUnderTest(t *testing.T) []clirunner.CLI {
	t.Helper()
	var clis []clirunner.CLI
	for _, p := range filepath.SplitList(os.Getenv(envCLIs)) {
		if p == "" {
			continue
		}
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			t.Fatalf("%s lists %s, which is not an executable file (%v)", envCLIs, p, err)
		}
		clis = append(clis, clirunner.CLI{Path: p, Kind: clirunner.KindOf(p)})
	}
	if len(clis) == 0 {
		t.Fatalf("%s lists no Terraform or OpenTofu executable: the install test cannot run", envCLIs)
	}
	return clis
}

func TestReleaseArtifacts(t *testing.T) {
	r := loadRelease(t, distDir(t), manifestSource(t))
	t.Logf("release %s in %s, every file matching its SHA256SUMS entry:", r.version, r.dir)
	for _, name := range mapKeys(r.sums) {
		t.Logf("  %s  %s", r.sums[name], name)
	}
	for _, platform := range mapKeys(r.zips) {
		t.Logf("  %s holds %s", r.zips[platform], strings.Join(mapKeys(readZip(t, filepath.Join(r.dir, r.zips[platform]))), ", "))
	}
}

// installCase is one way of getting the release onto a machine.
type installCase struct {
	name string
	// cliConfig is the provider_installation block of the CLI configuration.
	cliConfig string
	// checkHashes judges the hashes the CLI recorded in the lock file.
	checkHashes func(t *testing.T, cli clirunner.CLI, got lockEntry)
}

func TestInstallFromMirrors(t *testing.T) {
	r := loadRelease(t, distDir(t), manifestSource(t))
	clis := clisUnderTest(t)
	platform := hostPlatform()
	zipName := r.zips[platform]
	// The h1: hash of the host package, computed here from the zip's files.
	hostH1 := zipPackageHash(t, filepath.Join(r.dir, zipName))
	t.Logf("release %s: %s has %s (SHA256SUMS) and %s (its files)", r.version, zipName, r.zipHash(platform), hostH1)

	ca := newTestCA(t)
	mirror := startNetworkMirror(t, r, ca, zipBytesHash)
	// A mirror whose hashes do not match its zips, as after a corrupted upload or a swapped file.
	badSum := sha256.Sum256([]byte("not the release zip"))
	badHash := "zh:" + hex.EncodeToString(badSum[:])
	badMirror := startNetworkMirror(t, r, ca, func(*testing.T, string) string { return badHash })
	onlyH1 := func(t *testing.T, _ clirunner.CLI, got lockEntry) {
		expectHashes(t, "zh:", got.hashes, nil, "nothing")
		expectHashes(t, "h1:", got.hashes, []string{hostH1}, "the host zip's files")
	}
	cases := []installCase{
		{
			name:      "network mirror",
			cliConfig: fmt.Sprintf("  network_mirror {\n    url = %q\n  }\n", mirror.url),
			checkHashes: func(t *testing.T, cli clirunner.CLI, got lockEntry) {
				expectHashes(t, "h1:", got.hashes, []string{hostH1}, "the host zip's files")
				if cli.Kind == clirunner.OpenTofu {
					// OpenTofu records the mirror's zh: hash of the zip it installed (the other
					// platforms' zips, which the mirror lists too, stay out), and that hash must
					// be the one SHA256SUMS gives.
					expectHashes(t, "zh:", got.hashes, []string{r.zipHash(platform)}, "SHA256SUMS")
					return
				}
				// Terraform records a source's zh: hashes only when they come with a signature
				// it verified (a registry's signed SHA256SUMS); a network mirror has none. It
				// still checks the zip against the mirror's hash before installing, which the
				// "network mirror with a wrong hash" case proves.
				expectHashes(t, "zh:", got.hashes, nil, "nothing: Terraform keeps unsigned hashes out")
			},
		},
		{
			// The zips as downloaded, under <mirror>/<host>/terraform-provider-ecs/ecs/. A
			// local zip comes with no hashes from anyone, so only the h1: hash the CLI computes
			// is recorded.
			name:        "packed filesystem mirror",
			cliConfig:   fmt.Sprintf("  filesystem_mirror {\n    path = %q\n  }\n", packedMirror(t, r)),
			checkHashes: onlyH1,
		},
		{
			name:        "unpacked filesystem mirror",
			cliConfig:   fmt.Sprintf("  filesystem_mirror {\n    path = %q\n  }\n", unpackedMirror(t, r)),
			checkHashes: onlyH1,
		},
	}

	for _, cli := range clis {
		t.Run(cli.Name(), func(t *testing.T) {
			ctx := testContext(t)
			cliVersion, err := cli.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s at %s", cliVersion, cli.Path)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := len(mirror.Requests())
					installAndApply(t, cli, r, ca, c)
					if c.name == "network mirror" {
						checkMirrorRequests(t, mirror.Requests()[before:], cli.RegistryHost(), r.version, zipName)
					}
				})
			}
			t.Run("network mirror with a wrong hash", func(t *testing.T) {
				in := newInstall(t, cli, r, ca, fmt.Sprintf("  network_mirror {\n    url = %q\n  }\n", badMirror.url), "http://127.0.0.1:1")
				out, err := in.run("init", "-input=false", "-no-color")
				if err == nil {
					t.Fatalf("init installed a zip that does not match the mirror's hash:\n%s", out)
				}
				if _, statErr := os.Stat(in.installedBinary()); statErr == nil {
					t.Errorf("init failed but left %s installed", in.installedBinary())
				}
				if !strings.Contains(out, badHash) {
					t.Errorf("init failed without naming the mirror's hash %s:\n%s", badHash, out)
				}
				t.Logf("init refused the zip: %s", errorText(out))
			})
		})
	}
}

// install is a root module and a CLI configuration for one installation.
type install struct {
	t          *testing.T
	ctx        context.Context
	cli        clirunner.CLI
	r          release
	work       string
	constraint string
	runner     clirunner.Runner
}

// newInstall writes the root module (pointed at endpoint) and a CLI configuration holding
// providerInstallation.
func newInstall(t *testing.T, cli clirunner.CLI, r release, ca testCA, providerInstallation, endpoint string) *install {
	t.Helper()
	constraint := "~> " + r.version
	if strings.Contains(r.version, "-") {
		// A pre-release is selected only by an exact constraint.
		constraint = "= " + r.version
	}
	work := t.TempDir()
	writeFile(t, filepath.Join(work, "main.tf"), []byte(rootModule(constraint, endpoint)), 0o600)
	cliConfig := filepath.Join(t.TempDir(), "cli.tfrc")
	writeFile(t, cliConfig, []byte("disable_checkpoint = true\n\nprovider_installation {\n"+providerInstallation+"}\n"), 0o600)
	return &install{
		t: t, ctx: testContext(t), cli: cli, r: r, work: work, constraint: constraint,
		runner: clirunner.Runner{
			CLI: cli,
			Dir: work,
			Env: []string{
				"TF_CLI_CONFIG_FILE=" + cliConfig,
				// Only the test's CA: the CLIs read the trust store through Go's crypto/x509,
				// which takes SSL_CERT_FILE and SSL_CERT_DIR in place of the system's.
				"SSL_CERT_FILE=" + ca.certFile,
				"SSL_CERT_DIR=" + filepath.Dir(ca.certFile),
			},
		},
	}
}

// run runs the CLI and returns its combined output.
func (in *install) run(args ...string) (string, error) {
	var out bytes.Buffer
	runner := in.runner
	runner.Stdout, runner.Stderr = &out, &out
	err := runner.Run(in.ctx, args...)
	return out.String(), err
}

// mustRun runs the CLI and fails the test when it fails.
func (in *install) mustRun(args ...string) string {
	in.t.Helper()
	out, err := in.run(args...)
	if err != nil {
		in.t.Fatalf("%v\n%s", err, out)
	}
	return out
}

// installedBinary is where init unpacks the provider for the host platform.
func (in *install) installedBinary() string {
	platform := hostPlatform()
	return filepath.Join(in.work, ".terraform", "providers", in.cli.RegistryHost(), filepath.FromSlash(providerPath),
		in.r.version, platform, in.r.binaryName(platform))
}

// installAndApply runs a plain `init` through the CLI configuration of c, checks the lock file
// and the installed binary, then applies a configuration that resets a password on a simulator
// and checks what the simulator recorded.
func installAndApply(t *testing.T, cli clirunner.CLI, r release, ca testCA, c installCase) {
	platform := hostPlatform()
	sim := simtest.Start(t, ecssim.Config{})
	serverID := sim.MustAddServer(ecssim.ServerSpec{Name: "release-test", OSType: "Linux"})
	agents := startUserAgentRecorder(t, sim.URL)
	in := newInstall(t, cli, r, ca, c.cliConfig, agents.url)
	password := testfixture.Password()
	in.runner.Env = append(in.runner.Env, "TF_VAR_server_id="+serverID, "TF_VAR_password="+password)

	in.mustRun("init", "-input=false", "-no-color")

	addr := cli.RegistryHost() + "/" + providerPath
	lock, err := os.ReadFile(filepath.Join(in.work, ".terraform.lock.hcl"))
	if err != nil {
		t.Fatalf("init wrote no lock file: %v", err)
	}
	entry, err := parseLockFile(lock, addr)
	if err != nil {
		t.Fatalf("lock file: %v\n%s", err, lock)
	}
	if entry.version != r.version {
		t.Errorf("lock file: version %q, want %q", entry.version, r.version)
	}
	if entry.constraints != in.constraint {
		t.Errorf("lock file: constraints %q, want %q", entry.constraints, in.constraint)
	}
	c.checkHashes(t, cli, entry)
	t.Logf("lock file: %s version %s constraints %q hashes %s", addr, entry.version, entry.constraints, strings.Join(entry.hashes, " "))

	// The binary the CLI installed is the one in the release zip, byte for byte, and says so.
	installed := in.installedBinary()
	wantSum := sha256.Sum256(readZip(t, filepath.Join(r.dir, r.zips[platform]))[r.binaryName(platform)].data)
	if got := fileSHA256(t, installed); got != hex.EncodeToString(wantSum[:]) {
		t.Errorf("installed %s has sha256 %s, the release zip's binary %x", installed, got, wantSum)
	}
	versionOut, err := exec.CommandContext(in.ctx, installed, "-version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s -version: %v\n%s", installed, err, versionOut)
	}
	versionLine := strings.TrimSpace(string(versionOut))
	if !regexp.MustCompile(`^terraform-provider-ecs ` + regexp.QuoteMeta(r.version) + `( \(commit [0-9a-f]{7,}\))?$`).MatchString(versionLine) {
		t.Errorf("%s -version printed %q, want terraform-provider-ecs %s", installed, versionLine, r.version)
	}
	t.Logf("installed %s: -version prints %q", strings.TrimPrefix(installed, in.work+string(filepath.Separator)), versionLine)

	applyOut := in.mustRun("apply", "-auto-approve", "-input=false", "-no-color")
	st := sim.State(serverID)
	if st.Password != password || st.ResetCount != 1 {
		t.Fatalf("after apply the simulator has reset_count %d and the password %s the one applied\n%s",
			st.ResetCount, map[bool]string{true: "equal to", false: "different from"}[st.Password == password], applyOut)
	}
	// The provider names its version in the User-Agent of every API call.
	wantAgent := "terraform-provider-ecs/" + r.version + " terraform/"
	seen := agents.All()
	if len(seen) == 0 {
		t.Fatal("the provider made no API call through the recorder")
	}
	for _, ua := range seen {
		if !strings.HasPrefix(ua, wantAgent) {
			t.Errorf("an API call had User-Agent %q, want the prefix %q", ua, wantAgent)
		}
	}
	t.Logf("apply: server %s reset once, to the applied password; User-Agent %q", serverID, seen[0])

	// A second plan must find nothing to do: the installed provider reads back what it wrote.
	in.mustRun("plan", "-detailed-exitcode", "-input=false", "-no-color")
}

// errorText returns the CLI's error message from its output, on one line.
func errorText(out string) string {
	_, msg, ok := strings.Cut(out, "Error: ")
	if !ok {
		msg = out
	}
	return strings.Join(strings.Fields(msg), " ")
}

// expectHashes compares the hashes of one scheme in got with want, naming where want came from.
func expectHashes(t *testing.T, scheme string, got, want []string, source string) {
	t.Helper()
	got = hashesWithScheme(got, scheme)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("lock file %s hashes %v, want %v (%s)", scheme, got, want, source)
	}
}

// checkMirrorRequests checks that the CLI found the release through the network mirror, under its
// own registry host: the version list, the version's archives, the host zip.
func checkMirrorRequests(t *testing.T, requests []string, host, version, zipName string) {
	t.Helper()
	base := "/" + host + "/" + providerPath + "/"
	for _, want := range []string{base + "index.json", base + version + ".json", base + zipName} {
		if !slices.Contains(requests, want) {
			t.Errorf("the CLI never requested %s from the network mirror (it requested %v)", want, requests)
		}
	}
}

// rootModule is the configuration a registry user would write: the provider by its short source
// address with a version constraint, pointed at the simulator.
func rootModule(constraint, endpoint string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    ecs = {
      source  = %[1]q
      version = %[2]q
    }
  }
}

variable "server_id" {
  type = string
}

variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}

provider "ecs" {
  region     = %[3]q
  project_id = %[4]q
  access_key = %[5]q
  secret_key = %[6]q
  endpoints = {
    ecs = %[7]q
    iam = %[7]q
  }
}

resource "ecs_server_password" "this" {
  server_id           = var.server_id
  password_wo         = var.password
  password_wo_version = 1
}
`, providerPath, constraint, ecssim.DefaultRegion, ecssim.DefaultProjectID, ecssim.DefaultAccessKey,
		ecssim.DefaultSecretKey, endpoint)
}

// userAgentRecorder forwards requests to the simulator and records their User-Agent headers.
type userAgentRecorder struct {
	url    string
	mu     sync.Mutex
	agents []string
}

// startUserAgentRecorder serves a recording proxy for the simulator at target until the test
// ends. It leaves the Host header as the client sent it, since the client signed it.
func startUserAgentRecorder(t *testing.T, target string) *userAgentRecorder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &userAgentRecorder{}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL.Scheme = u.Scheme
		pr.Out.URL.Host = u.Host
		pr.Out.Host = pr.In.Host
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.agents = append(rec.agents, r.UserAgent())
		rec.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.url = srv.URL
	return rec
}

// All returns the User-Agent headers recorded so far.
func (r *userAgentRecorder) All() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.agents)
}

// testContext ends a little before the test's deadline, so that a hanging CLI is stopped (with
// its process group) and reported by the test rather than by the test binary's panic.
func testContext(t *testing.T) context.Context {
	t.Helper()
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(15 * time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-30*time.Second))
	t.Cleanup(cancel)
	return ctx
}
