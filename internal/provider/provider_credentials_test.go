package provider

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// credsPassword is the password the credential tests set; any valid one
// would do.
const credsPassword = "Cred!Passw0rd-42"

// factoriesFor serves p, with its own environment, home directory or
// clock, to the Terraform CLI.
func factoriesFor(p *ecsProvider) map[string]func() (tfprotov6.ProviderServer, error) {
	if p.version == "" {
		p.version = "test"
	}
	if p.getenv == nil {
		p.getenv = noEnv
	}
	return map[string]func() (tfprotov6.ProviderServer, error){"ecs": protocol6Server(p)}
}

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// fleetHCL resets the password of every server in ids, one resource each.
func fleetHCL(ids []string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = strconv.Quote(id)
	}
	return fmt.Sprintf(`
locals {
  server_ids = [%s]
}

resource "ecs_server_password" "fleet" {
  count               = length(local.server_ids)
  server_id           = local.server_ids[count.index]
  password_wo         = %q
  password_wo_version = 1
}
`, strings.Join(quoted, ", "), credsPassword)
}

// endpointsHCL is the endpoints attribute with every URL given.
func endpointsHCL(ecs, iam, metadata string) string {
	b := fmt.Sprintf("{\n    ecs = %q\n    iam = %q\n", ecs, iam)
	if metadata != "" {
		b += fmt.Sprintf("    metadata = %q\n", metadata)
	}
	return b + "  }"
}

// noKeys removes the simulator's default key pair from a provider block.
var noKeys = map[string]string{"access_key": "", "secret_key": ""}

// with adds overrides to base (a new map).
func with(base map[string]string, more map[string]string) map[string]string {
	out := map[string]string{"max_retries": "3"}
	for _, m := range []map[string]string{base, more} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// expectFleetReset checks the ground truth of every server in ids: reset once
// to credsPassword, by a caller that authenticated as source says. It returns
// the distinct access keys that made the resets through keys.
func expectFleetReset(sim *simtest.Sim, ids []string, source, agency string, keys map[string]bool) acctest.SimCheck {
	return func() error {
		for _, id := range ids {
			st := sim.State(id)
			if st.ResetCount != 1 || st.Password != credsPassword {
				return fmt.Errorf("server %s: reset_count %d, password set %v", id, st.ResetCount, st.Password == credsPassword)
			}
			rec := st.ResetHistory[len(st.ResetHistory)-1]
			if rec.Source != source || rec.Agency != agency {
				return fmt.Errorf("server %s was reset by source %q agency %q, want %q %q", id, rec.Source, rec.Agency, source, agency)
			}
			if keys != nil {
				keys[rec.AccessKey] = true
			}
		}
		return nil
	}
}

// expectNo401 proves that no request was refused for its credentials.
func expectNo401(sim *simtest.Sim) acctest.SimCheck {
	return func() error {
		for _, r := range sim.Requests() {
			if r.Status == http.StatusUnauthorized {
				return fmt.Errorf("%s %s was refused with 401", r.Method, r.Path)
			}
		}
		return nil
	}
}

// expectRenewedDuring proves that the credentials route (method, path) was
// called between the first and the last reset of the apply: the credentials
// were renewed in the middle of it.
func expectRenewedDuring(sim *simtest.Sim, method, path string) acctest.SimCheck {
	return func() error {
		resets := sim.RequestsTo(http.MethodPut, "/os-reset-password")
		if len(resets) < 2 {
			return fmt.Errorf("%d resets", len(resets))
		}
		first, last := resets[0].Time, resets[len(resets)-1].Time
		for _, r := range sim.RequestsTo(method, path) {
			if r.Time.After(first) && r.Time.Before(last) {
				return nil
			}
		}
		return fmt.Errorf("no %s %s between the first reset (%s) and the last (%s, %s later)", method, path,
			first.Format(time.RFC3339Nano), last.Format(time.RFC3339Nano), last.Sub(first))
	}
}

// TestAccCredentials_metadataRenewedMidApply: with no credentials but the
// instance metadata service, a 100-resource apply outlives the first
// credentials' renewal time; every reset is made with metadata credentials,
// by more than one access key, and none is refused.
func TestAccCredentials_metadataRenewedMidApply(t *testing.T) {
	t.Parallel()
	// Three-second credentials, renewed after one and a half, handed out
	// until 300 ms before they expire, which is more than a call takes to
	// arrive (100 ms); 100 resources of two calls each, ten at a time, take
	// about two seconds.
	sim := simtest.Start(t, ecssim.Config{MetadataLifetime: 3 * time.Second, Latency: 100 * time.Millisecond})
	ids := sim.MustAddLinuxServers(100)
	keys := map[string]bool{}
	block := acctest.ProviderHCL(sim.URL, with(noKeys, map[string]string{
		"endpoints": endpointsHCL(sim.URL, sim.URL, sim.URL),
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: block + fleetHCL(ids),
			ConfigStateChecks: []statecheck.StateCheck{
				expectFleetReset(sim, ids, ecssim.SourceMetadata, "", keys),
				acctest.SimCheck(func() error {
					if len(keys) < 2 {
						return fmt.Errorf("the resets were made by %d access key(s), want renewed credentials mid-apply", len(keys))
					}
					return nil
				}),
				expectRenewedDuring(sim, http.MethodGet, "/openstack/latest/securitykey"),
				expectNo401(sim),
			},
		}},
	})
}

// TestAccCredentials_metadataExpiredEarly: credentials the service refuses
// as expired before the provider expected it (here the provider's renewal
// clock stands still) are renewed at the first 401 and the call succeeds.
func TestAccCredentials_metadataExpiredEarly(t *testing.T) {
	t.Parallel()
	// One-second credentials and an apply that takes longer.
	sim := simtest.Start(t, ecssim.Config{MetadataLifetime: time.Second, Latency: 200 * time.Millisecond})
	ids := sim.MustAddLinuxServers(30)
	frozen := time.Now()
	p := &ecsProvider{now: func() time.Time { return frozen }}
	block := acctest.ProviderHCL(sim.URL, with(noKeys, map[string]string{
		"endpoints": endpointsHCL(sim.URL, sim.URL, sim.URL),
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factoriesFor(p),
		Steps: []resource.TestStep{{
			Config: block + fleetHCL(ids),
			ConfigStateChecks: []statecheck.StateCheck{
				expectFleetReset(sim, ids, ecssim.SourceMetadata, "", nil),
				acctest.SimCheck(func() error {
					for _, r := range sim.Requests() {
						if r.Status == http.StatusUnauthorized {
							return nil
						}
					}
					return fmt.Errorf("no request was refused: the test did not reach the expiry it is about")
				}),
			},
		}},
	})
}

// TestAccCredentials_userLogin: a user name and password give a token at
// configure time, and a new one before it expires in the middle of a
// 100-resource apply.
func TestAccCredentials_userLogin(t *testing.T) {
	t.Parallel()
	// The timing of TestAccCredentials_metadataRenewedMidApply.
	sim := simtest.Start(t, ecssim.Config{TokenLifetime: 3 * time.Second, Latency: 100 * time.Millisecond})
	ids := sim.MustAddLinuxServers(100)
	logins := map[string]bool{}
	block := acctest.ProviderHCL(sim.URL, with(noKeys, map[string]string{
		"user_name":   strconv.Quote(ecssim.DefaultUser),
		"password":    strconv.Quote(ecssim.DefaultPassword),
		"domain_name": `"acme"`,
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: block + fleetHCL(ids),
			ConfigStateChecks: []statecheck.StateCheck{
				expectFleetReset(sim, ids, ecssim.SourceToken, "", logins),
				acctest.SimCheck(func() error {
					if want := "token:" + ecssim.DefaultUser; len(logins) != 1 || !logins[want] {
						return fmt.Errorf("the resets were made as %v, want %s", logins, want)
					}
					return nil
				}),
				expectRenewedDuring(sim, http.MethodPost, "/v3/auth/tokens"),
				expectNo401(sim),
				acctest.SecretAbsent(ecssim.DefaultPassword),
			},
		}},
	})
}

// TestAccCredentials_assumeRole: the agency's credentials make the resets;
// when, after ten resets, the provider's renewal clock jumps eight minutes
// ahead (IAM's shortest duration is fifteen), the credentials are renewed
// before they expire, in the middle of the apply, and the simulator accepts
// both generations.
func TestAccCredentials_assumeRole(t *testing.T) {
	t.Parallel()
	var resets atomic.Int32
	sim := simtest.Start(t, ecssim.Config{Latency: 20 * time.Millisecond, OnRequest: func(r ecssim.RequestRecord) {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, "/os-reset-password") {
			resets.Add(1)
		}
	}})
	sim.MustAddAgency(ecssim.Agency{DomainName: "acme", AgencyName: "ecs-operator", Actions: []string{"ecs:*:*"}})
	ids := sim.MustAddLinuxServers(30)
	p := &ecsProvider{now: func() time.Time {
		if resets.Load() >= 10 {
			return time.Now().Add(8 * time.Minute)
		}
		return time.Now()
	}}
	keys := map[string]bool{}
	block := acctest.ProviderHCL(sim.URL, with(nil, map[string]string{
		"assume_role": `{
    agency_name = "ecs-operator"
    domain_name = "acme"
    duration    = 900
  }`,
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factoriesFor(p),
		Steps: []resource.TestStep{{
			Config: block + fleetHCL(ids),
			ConfigStateChecks: []statecheck.StateCheck{
				expectFleetReset(sim, ids, ecssim.SourceAssumeRole, "acme/ecs-operator", keys),
				acctest.SimCheck(func() error {
					if len(keys) < 2 {
						return fmt.Errorf("the resets were made by %d access key(s), want renewed credentials", len(keys))
					}
					return nil
				}),
				expectNo401(sim),
			},
		}},
	})
}

// writeSharedConfig writes a KooCLI config file and returns its path.
func writeSharedConfig(t *testing.T, dir, content string) string {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "config.json")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const profileAK, profileSK = "PROFILEACCESSKEY0001", "profile-secret-key-0123456789abcdef"
const ssoAK, ssoSK, ssoToken = "SSOACCESSKEY00000001", "sso-secret-key-0123456789abcdef", "sso-security-token-0123456789"

// profilesJSON is a shared config file: dev (AKSK, with the simulator's
// region and project), sso (SSO) and lost (an agency that does not exist).
func profilesJSON() string {
	return fmt.Sprintf(`{"current": "dev", "profiles": [
  {"name": "dev", "mode": "AKSK", "accessKeyId": %[1]q, "secretAccessKey": %[2]q, "region": %[3]q, "projectId": %[4]q},
  {"name": "sso", "mode": "SSO", "region": %[3]q, "ssoAuth": {"stsToken": {"accessKeyId": %[5]q, "secretAccessKey": %[6]q, "securityToken": %[7]q}}},
  {"name": "agent", "mode": "AKSK", "accessKeyId": %[1]q, "secretAccessKey": %[2]q, "region": %[3]q, "agencyName": "ecs-operator", "agencyDomainName": "acme"},
  {"name": "lost", "mode": "AKSK", "accessKeyId": %[1]q, "secretAccessKey": %[2]q, "region": %[3]q, "agencyName": "no-such-agency", "agencyDomainName": "acme"}
]}`, profileAK, profileSK, ecssim.DefaultRegion, ecssim.DefaultProjectID, ssoAK, ssoSK, ssoToken)
}

// profileSim starts a simulator that knows the principals of profilesJSON
// and the agency of the agent profile.
func profileSim(t *testing.T) *simtest.Sim {
	t.Helper()
	sim := simtest.Start(t, ecssim.Config{})
	for _, p := range []ecssim.Principal{
		{AccessKey: profileAK, SecretKey: profileSK, Actions: []string{"ecs:*:*", ecssim.ActionAssumeAgency}},
		{AccessKey: ssoAK, SecretKey: ssoSK, SecurityToken: ssoToken, Actions: []string{"ecs:*:*"}},
	} {
		if err := sim.AddPrincipal(p); err != nil {
			t.Fatal(err)
		}
	}
	sim.MustAddAgency(ecssim.Agency{DomainName: "acme", AgencyName: "ecs-operator", Actions: []string{"ecs:*:*"}})
	return sim
}

// expectResetBy proves that the last reset of server id was made with the
// access key and source given.
func expectResetBy(sim *simtest.Sim, id, accessKey, source string) acctest.SimCheck {
	return acctest.ExpectServer(sim, id, func(st ecssim.ServerState) error {
		if len(st.ResetHistory) == 0 {
			return fmt.Errorf("server %s was never reset", id)
		}
		rec := st.ResetHistory[len(st.ResetHistory)-1]
		if (accessKey != "" && rec.AccessKey != accessKey) || rec.Source != source || st.Password != credsPassword {
			return fmt.Errorf("server %s was reset with %s (%s), want %s (%s)", id, rec.AccessKey, rec.Source, accessKey, source)
		}
		return nil
	})
}

// TestAccCredentials_profile: a profile's keys (AKSK and SSO), region and
// project work, chosen in the block, in the environment, or as the current
// profile of the default file; a profile's agency is assumed.
func TestAccCredentials_profile(t *testing.T) {
	t.Parallel()
	sim := profileSim(t)
	home := t.TempDir()
	path := writeSharedConfig(t, filepath.Join(home, ".hcloud"), profilesJSON())
	// No region, project or keys in the block: all from the profile.
	bare := acctest.ProviderHCL(sim.URL, with(noKeys, map[string]string{"region": "", "project_id": ""}))
	cases := []struct {
		name           string
		p              *ecsProvider
		extra          map[string]string
		accessKey, src string
	}{
		{"profile in the block", &ecsProvider{}, map[string]string{"shared_config_file": strconv.Quote(path), "profile": `"dev"`}, profileAK, ecssim.SourceAKSK},
		{"SSO profile from the environment", &ecsProvider{getenv: envOf(map[string]string{envSharedConfigFile: path, envProfile: "sso"})}, nil, ssoAK, ecssim.SourceTemporary},
		{"current profile of the default file", &ecsProvider{home: func() (string, error) { return home, nil }}, nil, profileAK, ecssim.SourceAKSK},
		{"the profile's agency", &ecsProvider{}, map[string]string{"shared_config_file": strconv.Quote(path), "profile": `"agent"`}, "", ecssim.SourceAssumeRole},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := sim.MustAddServer(ecssim.ServerSpec{Name: "profile", OSType: "Linux"})
			block := bare
			if tc.extra != nil {
				block = acctest.ProviderHCL(sim.URL, with(with(noKeys, map[string]string{"region": "", "project_id": ""}), tc.extra))
			}
			resource.UnitTest(t, resource.TestCase{
				ProtoV6ProviderFactories: factoriesFor(tc.p),
				Steps: []resource.TestStep{{
					Config: block + fleetHCL([]string{id}),
					ConfigStateChecks: []statecheck.StateCheck{
						expectResetBy(sim, id, tc.accessKey, tc.src),
						acctest.SecretAbsent(profileSK),
						acctest.SecretAbsent(ssoSK),
						acctest.SecretAbsent(ssoToken),
					},
				}},
			})
		})
	}
}

// TestAccCredentials_profileMissingAgency: a profile that names an agency
// IAM does not know fails at configure time, naming the agency and the
// profile, before any server is touched.
func TestAccCredentials_profileMissingAgency(t *testing.T) {
	t.Parallel()
	sim := profileSim(t)
	id := sim.MustAddServer(ecssim.ServerSpec{Name: "lost", OSType: "Linux"})
	path := writeSharedConfig(t, "", profilesJSON())
	block := acctest.ProviderHCL(sim.URL, with(noKeys, map[string]string{
		"region": "", "project_id": "", "shared_config_file": strconv.Quote(path), "profile": `"lost"`,
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      block + fleetHCL([]string{id}),
			ExpectError: regexp.MustCompile(wordsPattern("Unable to Assume the Agency", `agency "no-such-agency"`, `profile "lost"`, "HTTP status: 404")),
		}},
	})
	if st := sim.State(id); st.ResetCount != 0 {
		t.Errorf("the server was reset %d times", st.ResetCount)
	}
}

// handshakeLog counts the TLS handshakes the simulator refused.
type handshakeLog struct {
	mu    sync.Mutex
	lines []string
}

func (h *handshakeLog) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if bytes.Contains(p, []byte("TLS handshake error")) {
		h.lines = append(h.lines, string(p))
	}
	return len(p), nil
}

func (h *handshakeLog) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.lines)
}

// startTLSSim starts an HTTPS simulator and counts its failed handshakes.
func startTLSSim(t *testing.T, requireClientCert bool) (*simtest.Sim, string, string, string, *handshakeLog) {
	t.Helper()
	hl := &handshakeLog{}
	sim, pki := simtest.StartTLS(t, ecssim.Config{ErrorLog: log.New(hl, "", 0)}, requireClientCert)
	return sim, pki.CAFile, pki.ClientCertFile, pki.ClientKeyFile, hl
}

// TestAccCredentials_privateCA: cacert_file makes a private CA's endpoint
// work; another CA fails at once with a certificate error, after one
// handshake and no retries.
func TestAccCredentials_privateCA(t *testing.T) {
	t.Parallel()
	sim, caFile, _, _, hl := startTLSSim(t, false)
	_, otherCA, _, _, _ := startTLSSim(t, false)
	id := sim.MustAddServer(ecssim.ServerSpec{Name: "tls", OSType: "Linux"})
	block := func(ca string) string {
		return acctest.ProviderHCL(sim.URL, with(nil, map[string]string{"cacert_file": strconv.Quote(ca)}))
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      block(otherCA) + fleetHCL([]string{id}),
				ExpectError: regexp.MustCompile(wordsPattern("certificate", "cacert_file")),
			},
			{
				PreConfig: func() {
					if n := hl.count(); n != 1 {
						t.Errorf("%d refused handshakes with the wrong CA, want 1 (no retries): %v", n, hl.lines)
					}
				},
				Config:            block(caFile) + fleetHCL([]string{id}),
				ConfigStateChecks: []statecheck.StateCheck{expectResetBy(sim, id, ecssim.DefaultAccessKey, ecssim.SourceAKSK)},
			},
		},
	})
}

// TestAccCredentials_clientCertificate: an endpoint that demands a client
// certificate works with cert and key (the key given as PEM content) and
// refuses the handshake without them, once.
func TestAccCredentials_clientCertificate(t *testing.T) {
	t.Parallel()
	sim, caFile, certFile, keyFile, hl := startTLSSim(t, true)
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	id := sim.MustAddServer(ecssim.ServerSpec{Name: "mtls", OSType: "Linux"})
	without := acctest.ProviderHCL(sim.URL, with(nil, map[string]string{"cacert_file": strconv.Quote(caFile)}))
	withCert := acctest.ProviderHCL(sim.URL, with(nil, map[string]string{
		"cacert_file": strconv.Quote(caFile), "cert": strconv.Quote(certFile),
		"key": "<<-EOT\n" + string(keyPEM) + "EOT",
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      without + fleetHCL([]string{id}),
				ExpectError: regexp.MustCompile(`(?i)certificate`),
			},
			{
				PreConfig: func() {
					if n := hl.count(); n != 1 {
						t.Errorf("%d refused handshakes without a client certificate, want 1 (no retries): %v", n, hl.lines)
					}
				},
				Config: withCert + fleetHCL([]string{id}),
				ConfigStateChecks: []statecheck.StateCheck{
					expectResetBy(sim, id, ecssim.DefaultAccessKey, ecssim.SourceAKSK),
					acctest.SecretAbsent(strings.TrimSpace(string(keyPEM))),
				},
			},
		},
	})
}

// connectProxy is a loopback HTTPS proxy: it answers CONNECT for hosts under
// .sim.test by opening a tunnel to the same port on 127.0.0.1, and counts
// the tunnels. The names are never looked up anywhere: the provider hands
// them to the proxy, and the proxy maps them itself.
type connectProxy struct {
	URL     string
	tunnels atomic.Int32
	refused atomic.Int32
}

func startConnectProxy(t *testing.T) *connectProxy {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{URL: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return p
}

func (p *connectProxy) serve(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	if r.Method != http.MethodConnect || err != nil || !strings.HasSuffix(host, ".sim.test") {
		p.refused.Add(1)
		http.Error(w, "this proxy tunnels to *.sim.test only", http.StatusForbidden)
		return
	}
	var d net.Dialer
	upstream, err := d.DialContext(r.Context(), "tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	p.tunnels.Add(1)
	_, _ = conn.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n"))
	go func() {
		defer upstream.Close()
		_, _ = io.Copy(upstream, io.MultiReader(bufio.NewReader(buf), conn))
	}()
	go func() {
		defer conn.Close()
		_, _ = io.Copy(conn, upstream)
	}()
}

// TestAccCredentials_proxy: with HTTPS_PROXY set, every call goes through
// the proxy's tunnels. The simulator is addressed as ecs.sim.test and
// iam.sim.test, which Go would not send through a proxy if they looked like
// loopback; they resolve nowhere, so a request that bypassed the proxy
// would fail. insecure = true because the simulator's certificate names
// 127.0.0.1 and localhost only; certificate checks have tests of their own.
func TestAccCredentials_proxy(t *testing.T) {
	t.Parallel()
	sim, _, _, _, _ := startTLSSim(t, false)
	proxy := startConnectProxy(t)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(sim.URL, "https://"))
	ecsURL, iamURL := "https://ecs.sim.test:"+port, "https://iam.sim.test:"+port
	id := sim.MustAddServer(ecssim.ServerSpec{Name: "proxied", OSType: "Linux"})
	p := &ecsProvider{getenv: envOf(map[string]string{"HTTPS_PROXY": proxy.URL})}
	block := acctest.ProviderHCL(ecsURL, with(nil, map[string]string{
		"endpoints": endpointsHCL(ecsURL, iamURL, ""), "insecure": "true", "project_id": "",
	}))
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: factoriesFor(p),
		Steps: []resource.TestStep{{
			Config: block + fleetHCL([]string{id}),
			ConfigStateChecks: []statecheck.StateCheck{
				expectResetBy(sim, id, ecssim.DefaultAccessKey, ecssim.SourceAKSK),
				acctest.SimCheck(func() error {
					if proxy.tunnels.Load() < 1 || proxy.refused.Load() != 0 {
						return fmt.Errorf("the proxy opened %d tunnels and refused %d requests", proxy.tunnels.Load(), proxy.refused.Load())
					}
					return nil
				}),
			},
		}},
	})
}

// configureWith calls Configure of p the way the framework does, with the
// given attribute values (others null).
func configureWith(t *testing.T, p *ecsProvider, attrs map[string]tftypes.Value) provider.ConfigureResponse {
	t.Helper()
	if p.getenv == nil {
		p.getenv = noEnv
	}
	ctx := context.Background()
	var schemaResp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &schemaResp)
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{
		Config: tfsdk.Config{Schema: schemaResp.Schema, Raw: objectWithNulls(t, schemaResp.Schema.Type().TerraformType(ctx), attrs)},
	}, &resp)
	return resp
}

// tfAssumeRole builds the assume_role object.
func tfAssumeRole(agency, domainName, domainID tftypes.Value, duration tftypes.Value) tftypes.Value {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"agency_name": tftypes.String, "domain_name": tftypes.String, "domain_id": tftypes.String, "duration": tftypes.Number,
	}}
	return tftypes.NewValue(typ, map[string]tftypes.Value{
		"agency_name": agency, "domain_name": domainName, "domain_id": domainID, "duration": duration,
	})
}

var (
	nullString = tftypes.NewValue(tftypes.String, nil)
	nullNumber = tftypes.NewValue(tftypes.Number, nil)
)

// TestProviderCredentialsBadInput: each bad setting is one clear error that
// names the attribute, variable or profile field, and quotes no secret.
func TestProviderCredentialsBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("config.json", fmt.Sprintf(`{"current":"dev","profiles":[
 {"name":"dev","mode":"AKSK","accessKeyId":"AK","secretAccessKey":%q},
 {"name":"sso","mode":"SSO","ssoAuth":{}}]}`, profileSK))
	invalid := write("invalid.json", `{"current":"dev","profiles":[{"secretAccessKey":"`+profileSK+`"`)
	notPEM := write("ca.txt", "this is not a certificate\n")
	unreadable := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	region := map[string]tftypes.Value{"region": tfString(ecssim.DefaultRegion), "project_id": tfString(ecssim.DefaultProjectID)}
	merge := func(ms ...map[string]tftypes.Value) map[string]tftypes.Value {
		out := map[string]tftypes.Value{}
		for _, m := range append([]map[string]tftypes.Value{region}, ms...) {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	keys := map[string]tftypes.Value{"access_key": tfString("AK"), "secret_key": tfString(testSecretKeyValue)}
	cases := []struct {
		name  string
		attrs map[string]tftypes.Value
		env   map[string]string
		want  string
	}{
		{"invalid profile JSON", merge(map[string]tftypes.Value{"shared_config_file": tfString(invalid), "profile": tfString("dev")}), nil,
			`Invalid Shared Config File.*invalid\.json.*is not valid JSON.*\(at shared_config_file\)`},
		// Without a region anywhere else: the region may be in the file, so
		// the file's problem is the only one reported.
		{"invalid profile JSON and no region", map[string]tftypes.Value{"shared_config_file": tfString(invalid), "profile": tfString("dev")}, nil,
			`Invalid Shared Config File.*invalid\.json.*is not valid JSON.*\(at shared_config_file\)`},
		{"unreadable profile file", merge(map[string]tftypes.Value{"shared_config_file": tfString(unreadable), "profile": tfString("dev")}), nil,
			`Invalid Shared Config File.*a-directory.*cannot be read.*\(at shared_config_file\)`},
		{"missing file with a profile asked for", merge(map[string]tftypes.Value{"shared_config_file": tfString(filepath.Join(dir, "nope.json"))}), map[string]string{envProfile: "dev"},
			`Missing Shared Config File.*nope\.json.*\(at shared_config_file\)`},
		{"unknown profile", merge(map[string]tftypes.Value{"shared_config_file": tfString(good), "profile": tfString("prod")}), nil,
			`Invalid Shared Config Profile.*profile "prod".*no such profile.*"dev".*\(at profile\)`},
		{"SSO profile without a token", merge(map[string]tftypes.Value{"profile": tfString("sso")}), map[string]string{envSharedConfigFile: good},
			`Invalid Shared Config Profile.*profile "sso", field ssoAuth\.stsToken.*is missing.*\(at profile\)`},
		{"negative duration", merge(map[string]tftypes.Value{"assume_role": tfAssumeRole(tfString("ops"), tfString("acme"), nullString, tftypes.NewValue(tftypes.Number, -60))}, keys), nil,
			`Invalid Assume Role Duration.*-60.*\(at assume_role\.duration\)`},
		{"negative HW_ASSUME_ROLE_DURATION", merge(keys), map[string]string{envAgencyName: "ops", envAgencyDomainName: "acme", envAgencyDuration: "-60"},
			`Invalid HW_ASSUME_ROLE_DURATION.*"-60".*\(at assume_role\.duration\)`},
		{"agency without an account", merge(map[string]tftypes.Value{"assume_role": tfAssumeRole(tfString("ops"), nullString, nullString, nullNumber)}, keys), nil,
			`Incomplete Assume Role.*"ops".*domain_name.*\(at assume_role\)`},
		{"CA file that is not PEM", merge(map[string]tftypes.Value{"cacert_file": tfString(notPEM)}, keys), nil,
			`Invalid CA Certificate.*ca\.txt.*is not PEM.*\(at cacert_file\)`},
		{"CA from HW_CACERT_FILE that is not PEM", merge(keys), map[string]string{envCACertFile: notPEM},
			`Invalid CA Certificate.*HW_CACERT_FILE.*is not PEM.*\(at cacert_file\)`},
		{"client certificate without key", merge(map[string]tftypes.Value{"cert": tfString(notPEM)}, keys), nil,
			`Invalid Client Certificate.*needs its private key.*\(at key\)`},
		{"access key and user login in the block", merge(map[string]tftypes.Value{"user_name": tfString("u"), "password": tfString(testTokenValue)}, keys), nil,
			"Conflicting Credentials.*`access_key`.*access key pair.*`user_name`.*user login.*\\(at user_name\\)"},
		{"access key and profile in the environment", merge(nil), map[string]string{envAccessKey: "AK", envSecretKey: testSecretKeyValue, envProfile: "dev"},
			`Conflicting Credentials.*HW_ACCESS_KEY.*HW_PROFILE.*\(at profile\)`},
		{"user login without domain", merge(map[string]tftypes.Value{"user_name": tfString("u"), "password": tfString(testTokenValue)}), nil,
			`Incomplete Credentials.*domain.*HW_DOMAIN_NAME.*\(at domain_name\)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := configureWith(t, &ecsProvider{getenv: envOf(tc.env)}, tc.attrs)
			text := diagText(resp.Diagnostics)
			if !regexp.MustCompile(`(?s)` + tc.want).MatchString(text) {
				t.Errorf("diagnostics do not match %s:\n%s", tc.want, text)
			}
			if n := len(resp.Diagnostics.Errors()); n != 1 {
				t.Errorf("%d errors, want 1:\n%s", n, text)
			}
			for _, secret := range []string{profileSK, testSecretKeyValue, testTokenValue} {
				if strings.Contains(text, secret) {
					t.Errorf("the diagnostics quote a secret:\n%s", text)
				}
			}
		})
	}
}

// TestResolveAuthPrecedence: the provider block wins over the environment,
// the environment over the shared config file, and the file over instance
// metadata; a profile fills in only what neither the block nor the
// environment set; an agency applies on top of whichever source won.
func TestResolveAuthPrecedence(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	defaultFile := writeSharedConfig(t, filepath.Join(home, ".hcloud"), profilesJSON())
	other := writeSharedConfig(t, "", `{"current":"ops","profiles":[
 {"name":"ops","mode":"AKSK","accessKeyId":"OPSAK","secretAccessKey":"ops-secret","region":"cn-east-3","projectId":"p-ops"}]}`)
	noHome := t.TempDir() // no .hcloud in it
	cases := []struct {
		name     string
		raw      rawProviderConfig
		env      map[string]string
		home     string
		source   authSource
		origin   string
		check    func(resolvedProviderConfig) error
		metadata string
	}{
		{
			name:   "user login in the block beats keys in the environment",
			raw:    rawProviderConfig{Region: strp("cn-north-4"), UserName: strp("u"), Password: strp("p"), DomainName: strp("d")},
			env:    map[string]string{envAccessKey: "ENVAK", envSecretKey: "env-secret"},
			home:   home,
			source: authLogin, origin: "a user login in the provider block",
			check: func(c resolvedProviderConfig) error {
				if c.AccessKey != "" || c.SecretKey != "" {
					return fmt.Errorf("the ignored environment keys reached the configuration")
				}
				return nil
			},
		},
		{
			name:   "a key in the block takes its secret from the environment",
			raw:    rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("BLOCKAK")},
			env:    map[string]string{envSecretKey: "env-secret", envUserName: "u"},
			source: authKeys, origin: "an access key pair in the provider block",
		},
		{
			name:   "keys in the environment beat the default file",
			raw:    rawProviderConfig{Region: strp("cn-north-4")},
			env:    map[string]string{envAccessKey: "ENVAK", envSecretKey: "env-secret"},
			home:   home,
			source: authKeys, origin: "an access key pair in the environment",
		},
		{
			name:   "the default file's current profile, with its region and project",
			home:   home,
			source: authProfile, origin: `profile "dev" of the shared config file ` + defaultFile,
			check: func(c resolvedProviderConfig) error {
				if c.Region != ecssim.DefaultRegion || c.ProjectID != ecssim.DefaultProjectID || c.AccessKey != profileAK {
					return fmt.Errorf("region %q, project %q, key %q", c.Region, c.ProjectID, c.AccessKey)
				}
				return nil
			},
		},
		{
			name:   "the block's region wins over the profile's",
			raw:    rawProviderConfig{Region: strp("cn-south-1")},
			env:    map[string]string{envProjectID: "p-env", envSharedConfigFile: other},
			source: authProfile, origin: `profile "ops" of the shared config file ` + other,
			check: func(c resolvedProviderConfig) error {
				if c.Region != "cn-south-1" || c.ProjectID != "p-env" || c.AccessKey != "OPSAK" {
					return fmt.Errorf("region %q, project %q, key %q", c.Region, c.ProjectID, c.AccessKey)
				}
				return nil
			},
		},
		{
			name:     "no file: instance metadata",
			raw:      rawProviderConfig{Region: strp("cn-north-4")},
			home:     noHome,
			metadata: ecsapiDefaultMetadata,
			source:   authMetadata, origin: "the instance metadata service at " + ecsapiDefaultMetadata,
			check: func(c resolvedProviderConfig) error {
				if !c.Auth.Implicit || c.Auth.MetadataEndpoint != ecsapiDefaultMetadata {
					return fmt.Errorf("metadata %+v", c.Auth)
				}
				return nil
			},
		},
		{
			name:     "endpoints.metadata is not implicit",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), MetadataEndpoint: strp("http://127.0.0.1:9/")},
			metadata: ecsapiDefaultMetadata,
			source:   authMetadata, origin: "the instance metadata service at http://127.0.0.1:9",
			check: func(c resolvedProviderConfig) error {
				if c.Auth.Implicit || c.Auth.MetadataEndpoint != "http://127.0.0.1:9" {
					return fmt.Errorf("metadata %+v", c.Auth)
				}
				return nil
			},
		},
		{
			name:   "an agency on top of a token, from the environment",
			raw:    rawProviderConfig{Region: strp("cn-north-4"), Token: strp("tok")},
			env:    map[string]string{envAgencyName: "ops", envAgencyDomainID: "d-1", envAgencyDuration: "1800"},
			source: authToken, origin: "an IAM token in the provider block",
			check: func(c resolvedProviderConfig) error {
				want := ecsapiAgency("ops", "", "d-1", 30*time.Minute)
				if c.Auth.Agency != want {
					return fmt.Errorf("agency %+v, want %+v", c.Auth.Agency, want)
				}
				return nil
			},
		},
		{
			name: "assume_role in the block replaces the profile's agency",
			raw: rawProviderConfig{Profile: strp("agent"), SharedConfigFile: strp(defaultFile),
				AssumeRole: &rawAssumeRole{AgencyName: strp("other"), DomainName: strp("acme")}},
			env:    map[string]string{envAgencyDomainID: "ignored: the block names the account"},
			source: authProfile, origin: `profile "agent" of the shared config file ` + defaultFile,
			check: func(c resolvedProviderConfig) error {
				want := ecsapiAgency("other", "acme", "", time.Hour)
				if c.Auth.Agency != want {
					return fmt.Errorf("agency %+v, want %+v", c.Auth.Agency, want)
				}
				return nil
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := providerEnv{getenv: envOf(tc.env), defaultMetadata: tc.metadata}
			if tc.home != "" {
				dir := tc.home
				env.home = func() (string, error) { return dir, nil }
			}
			got, problems := resolveProviderConfigIn(tc.raw, env)
			if len(problems) > 0 {
				t.Fatalf("problems: %+v", problems)
			}
			if got.Auth.Source != tc.source || got.Auth.Origin != tc.origin {
				t.Errorf("source %v %q, want %v %q", got.Auth.Source, got.Auth.Origin, tc.source, tc.origin)
			}
			if tc.check != nil {
				if err := tc.check(got); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

const ecsapiDefaultMetadata = "http://169.254.169.254"

func ecsapiAgency(name, domainName, domainID string, d time.Duration) ecsapi.AgencyRequest {
	return ecsapi.AgencyRequest{AgencyName: name, DomainName: domainName, DomainID: domainID, Duration: d}
}

// TestProviderImplicitMetadata: with nothing configured, the provider asks
// the instance metadata service and, when nothing answers, says so quickly
// as missing credentials. The address here is a closed loopback port; tests
// never reach 169.254.169.254.
func TestProviderImplicitMetadata(t *testing.T) {
	t.Parallel()
	closed := closedEndpoint(t)
	start := time.Now()
	resp := configureWith(t, &ecsProvider{defaultMetadata: closed}, map[string]tftypes.Value{"region": tfString(ecssim.DefaultRegion)})
	text := diagText(resp.Diagnostics)
	if !regexp.MustCompile(`(?s)Missing Credentials.*instance metadata service.*` + regexp.QuoteMeta(closed) + `.*gave none`).MatchString(text) {
		t.Errorf("diagnostics:\n%s", text)
	}
	if d := time.Since(start); d > implicitMetadataTimeout+2*time.Second {
		t.Errorf("took %s", d)
	}

	// A metadata service that is configured but has no agency bound.
	sim := simtest.Start(t, ecssim.Config{})
	if err := sim.SetMetadataSettings(ecssim.MetadataSettings{Disabled: true}); err != nil {
		t.Fatal(err)
	}
	resp = configureWith(t, &ecsProvider{}, map[string]tftypes.Value{
		"region":     tfString(ecssim.DefaultRegion),
		"project_id": tfString(ecssim.DefaultProjectID),
		"endpoints":  tfEndpointsWithMetadata(sim.URL),
	})
	text = diagText(resp.Diagnostics)
	if !regexp.MustCompile(`(?s)Unable to Obtain Credentials.*instance metadata service.*HTTP status: 404.*bind an agency`).MatchString(text) {
		t.Errorf("diagnostics:\n%s", text)
	}
}

// tfEndpointsWithMetadata points every endpoint at url.
func tfEndpointsWithMetadata(url string) tftypes.Value {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"ecs": tftypes.String, "iam": tftypes.String, "metadata": tftypes.String}}
	return tftypes.NewValue(typ, map[string]tftypes.Value{"ecs": tfString(url), "iam": tfString(url), "metadata": tfString(url)})
}

// TestCredentialsFailureWithoutAFailedCall: credentials that came but could
// not be used are not reported as "no answer was received".
func TestCredentialsFailureWithoutAFailedCall(t *testing.T) {
	t.Parallel()
	var cfg resolvedProviderConfig
	cfg.Auth.Origin = "the instance metadata service at http://127.0.0.1:1"
	err := &ecsapi.CredentialsError{Err: errors.New("instance metadata: the credentials expired at 2020-01-01T00:00:00Z, before they were received")}
	summary, _, detail := credentialsFailure(cfg, err)
	if summary != "Unable to Obtain Credentials" || !strings.Contains(detail, "expired at 2020-01-01T00:00:00Z") ||
		strings.Contains(detail, "no answer was received") {
		t.Errorf("%s:\n%s", summary, detail)
	}
}
