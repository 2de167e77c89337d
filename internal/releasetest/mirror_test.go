package releasetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// registryHosts are the hosts a source address without a host means: Terraform reads
// "terraform-provider-ecs/ecs" as registry.terraform.io/..., OpenTofu as registry.opentofu.org/....
// The mirrors serve the provider under both, as a mirror shared by users of both CLIs would, so
// one configuration (the one the docs show) works with either.
var registryHosts = []string{"registry.terraform.io", "registry.opentofu.org"}

// providerPath is the namespace and type of the provider in mirror paths.
const providerPath = "terraform-provider-ecs/ecs"

// testCA is a certificate authority made for one test, and a server certificate it issued for
// 127.0.0.1.
type testCA struct {
	// certFile holds the CA certificate in PEM; the CLIs trust it through SSL_CERT_FILE.
	certFile string
	server   tls.Certificate
}

// newTestCA makes a CA and a certificate for 127.0.0.1 signed by it. The CLIs verify the mirror's
// certificate like any other, so the test trusts its own CA instead of turning verification off.
func newTestCA(t *testing.T) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "terraform-provider-ecs release test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "test-ca.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return testCA{
		certFile: certFile,
		server:   tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey},
	}
}

// networkMirror serves a release by the provider network mirror protocol:
//
//	GET /<host>/terraform-provider-ecs/ecs/index.json      {"versions":{"<version>":{}}}
//	GET /<host>/terraform-provider-ecs/ecs/<version>.json  {"archives":{"<os>_<arch>":{"url":...,"hashes":["zh:..."]}}}
//	GET /<host>/terraform-provider-ecs/ecs/<zip>           the zip
type networkMirror struct {
	url string

	mu       sync.Mutex
	requests []string
}

// startNetworkMirror serves r over HTTPS on 127.0.0.1 with a certificate from ca until the test
// ends, listing hashOf(zip path) as each archive's hash. A real mirror computes the hashes from
// the zips' bytes (zipBytesHash), not from SHA256SUMS, so that the test can compare what the CLI
// recorded with SHA256SUMS.
func startNetworkMirror(t *testing.T, r release, ca testCA, hashOf func(t *testing.T, zipPath string) string) *networkMirror {
	t.Helper()
	type archive struct {
		URL    string   `json:"url"`
		Hashes []string `json:"hashes"`
	}
	archives := map[string]archive{}
	for platform, name := range r.zips {
		archives[platform] = archive{URL: name, Hashes: []string{hashOf(t, filepath.Join(r.dir, name))}}
	}
	index, err := json.Marshal(map[string]any{"versions": map[string]any{r.version: map[string]any{}}})
	if err != nil {
		t.Fatal(err)
	}
	versionDoc, err := json.Marshal(map[string]any{"archives": archives})
	if err != nil {
		t.Fatal(err)
	}

	m := &networkMirror{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, req *http.Request) {
		m.mu.Lock()
		m.requests = append(m.requests, req.URL.Path)
		m.mu.Unlock()
		host, rest, ok := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/"+providerPath+"/")
		if !ok || !isRegistryHost(host) || strings.Contains(rest, "/") {
			http.NotFound(w, req)
			return
		}
		switch {
		case rest == "index.json":
			writeJSON(w, index)
		case rest == r.version+".json":
			writeJSON(w, versionDoc)
		case isZipOf(r, rest):
			http.ServeFile(w, req, filepath.Join(r.dir, rest))
		default:
			http.NotFound(w, req)
		}
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.server}, MinVersion: tls.VersionTLS12}
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.StartTLS()
	t.Cleanup(srv.Close)
	m.url = srv.URL + "/"
	return m
}

// zipBytesHash is the zh: hash of a zip: the SHA-256 of its bytes.
func zipBytesHash(t *testing.T, zipPath string) string {
	t.Helper()
	return "zh:" + fileSHA256(t, zipPath)
}

// Requests returns the paths requested so far.
func (m *networkMirror) Requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.requests...)
}

func isRegistryHost(h string) bool {
	for _, r := range registryHosts {
		if h == r {
			return true
		}
	}
	return false
}

func isZipOf(r release, name string) bool {
	for _, z := range r.zips {
		if z == name {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// packedMirror lays r out as a filesystem mirror in the packed layout: the release zips, as
// downloaded, under <dir>/<host>/terraform-provider-ecs/ecs/.
func packedMirror(t *testing.T, r release) string {
	t.Helper()
	dir := t.TempDir()
	for _, host := range registryHosts {
		target := filepath.Join(dir, host, filepath.FromSlash(providerPath))
		for _, name := range r.zips {
			copyFile(t, filepath.Join(r.dir, name), filepath.Join(target, name), 0o644)
		}
	}
	return dir
}

// unpackedMirror lays r's host zip out as a filesystem mirror in the unpacked layout:
// <dir>/<host>/terraform-provider-ecs/ecs/<version>/<os>_<arch>/ holding the zip's files.
func unpackedMirror(t *testing.T, r release) string {
	t.Helper()
	dir := t.TempDir()
	platform := hostPlatform()
	files := readZip(t, filepath.Join(r.dir, r.zips[platform]))
	for _, host := range registryHosts {
		target := filepath.Join(dir, host, filepath.FromSlash(providerPath), r.version, platform)
		for name, e := range files {
			writeFile(t, filepath.Join(target, filepath.FromSlash(path.Clean(name))), e.data, e.mode.Perm())
		}
	}
	return dir
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, perm); err != nil {
		t.Fatal(err)
	}
}
