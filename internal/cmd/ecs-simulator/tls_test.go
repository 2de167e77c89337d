package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtls"
)

func newPKI(t *testing.T) *simtls.PKI {
	t.Helper()
	pki, err := simtls.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return pki
}

func tlsClient(cfg *tls.Config) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil, TLSClientConfig: cfg}}
}

// signedGetWith sends a GET signed for the default principal through c.
func signedGetWith(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	sign(req, nil, ecssim.DefaultSecretKey)
	return c.Do(req)
}

func TestRunHTTPS(t *testing.T) {
	pki := newPKI(t)
	base, _ := startRun(t, "-tls-cert", pki.ServerCertFile, "-tls-key", pki.ServerKeyFile)
	if !strings.HasPrefix(base, "https://127.0.0.1:") {
		t.Fatalf("printed URL %q, want https://127.0.0.1:PORT", base)
	}
	res, err := signedGetWith(t, tlsClient(pki.ClientConfig(false)), base+"/v3/projects")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"self":"https://`) {
		t.Fatalf("projects over HTTPS: %d %s", res.StatusCode, body)
	}
	// simctl works with a client that trusts the CA.
	sim, err := simctl.New(base, tlsClient(pki.ClientConfig(false)))
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Without the CA the certificate is refused.
	res, err = signedGetWith(t, tlsClient(&tls.Config{MinVersion: tls.VersionTLS12}), base+"/v3/projects")
	if err == nil {
		_ = res.Body.Close()
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("untrusting client: err = %v, want an unknown-authority error", err)
	}
}

func TestRunClientCertificates(t *testing.T) {
	pki := newPKI(t)
	base, stderr := startRun(t, "-tls-cert", pki.ServerCertFile, "-tls-key", pki.ServerKeyFile, "-tls-client-ca", pki.CAFile)
	res, err := signedGetWith(t, tlsClient(pki.ClientConfig(true)), base+"/v3/projects")
	if err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("with a client certificate: %d", res.StatusCode)
	}
	res, err = signedGetWith(t, tlsClient(pki.ClientConfig(false)), base+"/v3/projects")
	if err == nil {
		_ = res.Body.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without a client certificate: err = %v, want a certificate alert", err)
	}
	// The refused handshake is logged, so that a user sees why.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "TLS handshake error") {
		if time.Now().After(deadline) {
			t.Fatalf("no handshake error logged:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "signed by a CA in "+pki.CAFile) {
		t.Fatalf("the client CA is not logged:\n%s", stderr.String())
	}
}

func TestRunCredentialLifetimes(t *testing.T) {
	base, stderr := startRun(t, "-metadata-lifetime", "90s", "-token-lifetime", "30m")
	res, err := httpGet(t, base+"/openstack/latest/securitykey")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	var cred struct {
		Credential struct {
			Access        string `json:"access"`
			Secret        string `json:"secret"`
			SecurityToken string `json:"securitytoken"`
			ExpiresAt     string `json:"expires_at"`
		} `json:"credential"`
	}
	if err := json.Unmarshal(body, &cred); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %d %s (%v)", res.StatusCode, body, err)
	}
	at, err := time.Parse(time.RFC3339, cred.Credential.ExpiresAt)
	if left := time.Until(at); err != nil || left <= 80*time.Second || left > 90*time.Second {
		t.Fatalf("expires_at %q is not 90 seconds away (%v)", cred.Credential.ExpiresAt, err)
	}
	// The log line shows the path, never the credentials.
	log := stderr.String()
	if !strings.Contains(log, "GET /openstack/latest/securitykey 200") {
		t.Fatalf("the metadata request is not logged:\n%s", log)
	}
	for _, secret := range []string{cred.Credential.Access, cred.Credential.Secret, cred.Credential.SecurityToken} {
		if secret == "" || strings.Contains(log, secret) {
			t.Fatalf("the log holds a credential (or it is empty: %q):\n%s", secret, log)
		}
	}
	sim, err := simctl.New(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := sim.Config(t.Context()); err != nil || cfg.TokenLifetime != 30*time.Minute {
		t.Fatalf("config = %+v (%v), want a token lifetime of 30m", cfg, err)
	}
	if m, err := sim.Metadata(t.Context()); err != nil || m.Lifetime != 90*time.Second {
		t.Fatalf("metadata settings = %+v (%v), want a lifetime of 90s", m, err)
	}
}
