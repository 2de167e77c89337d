package ecssim

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

func startTLS(t *testing.T, cfg *tls.Config) *Loopback {
	t.Helper()
	srv, err := StartLoopback(Config{TLS: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// signedGet sends a GET signed with the default principal.
func signedGet(t *testing.T, c *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	signTestRequest(req, nil, DefaultAccessKey, DefaultSecretKey, time.Now(), nil)
	return c.Do(req)
}

func TestLoopbackHTTPS(t *testing.T) {
	pki := newPKI(t)
	srv := startTLS(t, pki.ServerConfig(false))
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("URL = %q, want https://127.0.0.1:PORT", srv.URL)
	}
	st, err := srv.AddServer(ServerSpec{OSType: "Linux"})
	if err != nil {
		t.Fatal(err)
	}

	client := tlsClient(pki.ClientConfig(false))
	checkTrustingClient(t, client, srv.URL, st.ID)
	checkCatalogOverHTTPS(t, client, srv.URL)

	// A client that does not trust the CA fails with a certificate error.
	res, err := signedGet(t, tlsClient(&tls.Config{MinVersion: tls.VersionTLS12}), srv.URL+v1Path(st.ID, ""))
	if err == nil {
		_ = res.Body.Close()
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Fatalf("untrusting client: err = %v, want an unknown-authority error", err)
	}
	// Plain HTTP to the HTTPS port gets no API answer.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, strings.Replace(srv.URL, "https://", "http://", 1)+"/_sim/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err = http.DefaultClient.Do(req)
	if err == nil {
		_ = res.Body.Close()
		if res.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP reached the control API of an HTTPS simulator")
		}
	}
}

// checkTrustingClient checks that client, which trusts the CA, reaches the
// API (server srvID) and the control API of the simulator at url.
func checkTrustingClient(t *testing.T, client *http.Client, url, srvID string) {
	res, err := signedGet(t, client, url+v1Path(srvID, ""))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil || res.ProtoMajor != 1 {
		t.Fatalf("show server over HTTPS: status %d, TLS %v, protocol %s", res.StatusCode, res.TLS != nil, res.Proto)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/_sim/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("control API over HTTPS: %d", res.StatusCode)
	}
}

// checkCatalogOverHTTPS logs in through client and checks that the
// catalog points back at the HTTPS endpoint url.
func checkCatalogOverHTTPS(t *testing.T, client *http.Client, url string) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/v3/auth/tokens",
		strings.NewReader(tokenBody(DefaultUser, DefaultPassword, "d", `{"name":"cn-north-4"}`)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	var tok struct {
		Token struct {
			Catalog []struct {
				Endpoints []struct {
					URL string `json:"url"`
				} `json:"endpoints"`
			} `json:"catalog"`
		} `json:"token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || len(tok.Token.Catalog) == 0 ||
		!strings.HasPrefix(tok.Token.Catalog[0].Endpoints[0].URL, url+"/") {
		t.Fatalf("catalog %s does not point at %s (%v)", body, url, err)
	}
}

func TestLoopbackClientCertificates(t *testing.T) {
	pki := newPKI(t)
	srv := startTLS(t, pki.ServerConfig(true))
	st, err := srv.AddServer(ServerSpec{OSType: "Linux"})
	if err != nil {
		t.Fatal(err)
	}

	res, err := signedGet(t, tlsClient(pki.ClientConfig(true)), srv.URL+v1Path(st.ID, ""))
	if err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("with a client certificate: status %d", res.StatusCode)
	}

	// Without one the handshake fails (under TLS 1.3 the client learns it
	// when it reads the answer), and no request reaches the simulator.
	srv.ClearRequests()
	res, err = signedGet(t, tlsClient(pki.ClientConfig(false)), srv.URL+v1Path(st.ID, ""))
	if err == nil {
		_ = res.Body.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without a client certificate: err = %v, want a TLS certificate alert", err)
	}
	// A certificate from another CA fails too.
	other := newPKI(t)
	cfg := pki.ClientConfig(false)
	cfg.Certificates = []tls.Certificate{other.ClientCert}
	if res, err = signedGet(t, tlsClient(cfg), srv.URL+v1Path(st.ID, "")); err == nil {
		_ = res.Body.Close()
		t.Fatal("a client certificate of another CA was accepted")
	}
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Fatalf("requests without a valid client certificate reached the API: %+v", reqs)
	}
}

func TestTLSConfigWithoutCertificate(t *testing.T) {
	if _, err := StartLoopback(Config{TLS: &tls.Config{MinVersion: tls.VersionTLS12}}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("StartLoopback with a certificate-less TLS config: err = %v", err)
	}
}
