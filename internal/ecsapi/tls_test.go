package ecsapi_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// TestNewTLSConfig: each PEM setting takes a path or the content, and each
// bad one is an error naming the setting without quoting PEM content.
func TestNewTLSConfig(t *testing.T) {
	_, pki := simtest.StartTLS(t, ecssim.Config{}, true)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := ecsapi.NewTLSConfig(ecsapi.TLSSettings{}); cfg != nil || err != nil {
		t.Errorf("no settings: %v, %v; want nil, nil", cfg, err)
	}
	cfg, err := ecsapi.NewTLSConfig(ecsapi.TLSSettings{CACert: string(pki.CAPEM), ClientCert: pki.ClientCertFile, ClientKey: string(pki.ClientKeyPEM)})
	if err != nil || cfg.RootCAs == nil || len(cfg.Certificates) != 1 {
		t.Fatalf("content and paths: %v", err)
	}
	cases := []struct {
		name  string
		s     ecsapi.TLSSettings
		field ecsapi.TLSField
		want  string
	}{
		{"CA not PEM", ecsapi.TLSSettings{CACert: notPEM}, ecsapi.TLSFieldCACert, "is not PEM"},
		{"CA missing", ecsapi.TLSSettings{CACert: filepath.Join(dir, "nope.pem")}, ecsapi.TLSFieldCACert, "cannot be read"},
		{"cert without key", ecsapi.TLSSettings{ClientCert: pki.ClientCertFile}, ecsapi.TLSFieldClientKey, "needs its private key"},
		{"key without cert", ecsapi.TLSSettings{ClientKey: pki.ClientKeyFile}, ecsapi.TLSFieldClientCert, "needs its certificate"},
		{"key of another certificate", ecsapi.TLSSettings{ClientCert: pki.ClientCertFile, ClientKey: string(pki.ServerKeyPEM)}, ecsapi.TLSFieldClientKey, "does not belong"},
		{"key not PEM", ecsapi.TLSSettings{ClientCert: pki.ClientCertFile, ClientKey: "-----BEGIN nonsense"}, ecsapi.TLSFieldClientKey, "is not PEM"},
		// Key material without its PEM lines is taken for a path; the error
		// must not quote it.
		{"key body without PEM lines", ecsapi.TLSSettings{ClientCert: pki.ClientCertFile, ClientKey: keyBody(string(pki.ClientKeyPEM))},
			ecsapi.TLSFieldClientKey, "not PEM text"},
		{"key file missing", ecsapi.TLSSettings{ClientCert: pki.ClientCertFile, ClientKey: filepath.Join(dir, "nope.key")},
			ecsapi.TLSFieldClientKey, "cannot be read"},
		// The same pasted into the CA or certificate setting is not quoted either.
		{"key body as the CA", ecsapi.TLSSettings{CACert: keyBody(string(pki.ClientKeyPEM))}, ecsapi.TLSFieldCACert, "not PEM text"},
		{"key body as the certificate", ecsapi.TLSSettings{ClientCert: keyBody(string(pki.ClientKeyPEM)), ClientKey: pki.ClientKeyFile},
			ecsapi.TLSFieldClientCert, "not PEM text"},
	}
	for _, tc := range cases {
		_, err := ecsapi.NewTLSConfig(tc.s)
		var te *ecsapi.TLSSettingError
		if !errors.As(err, &te) || te.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want a %s error containing %q", tc.name, err, tc.field, tc.want)
			continue
		}
		if strings.Contains(err.Error(), string(pki.ServerKeyPEM[40:80])) || strings.Contains(err.Error(), "nonsense") ||
			strings.Contains(err.Error(), keyBody(string(pki.ClientKeyPEM))[20:60]) {
			t.Errorf("%s: the error quotes PEM content: %v", tc.name, err)
		}
	}
}

// TestClientCertificateRefusedOnce: without the client certificate an
// endpoint demands, the call fails at once, is not retried, and a reset is
// not reported as possibly applied; with it, the call works.
func TestClientCertificateRefusedOnce(t *testing.T) {
	sim, pki := simtest.StartTLS(t, ecssim.Config{}, true)
	id := sim.MustAddServer(ecssim.ServerSpec{Name: "mtls", OSType: "Linux"})
	client := func(s ecsapi.TLSSettings) *ecsapi.Client {
		tlsConfig, err := ecsapi.NewTLSConfig(s)
		if err != nil {
			t.Fatal(err)
		}
		return newTestClient(t, sim.URL, func(c *ecsapi.Config) {
			c.Credentials = ecsapi.Credentials{AccessKey: ecssim.DefaultAccessKey, SecretKey: ecssim.DefaultSecretKey}
			c.ProjectID = ecssim.DefaultProjectID
			c.TLSConfig = tlsConfig
			c.MaxRetries = 3
		})
	}
	err := client(ecsapi.TLSSettings{CACert: pki.CAFile}).ResetServerPassword(context.Background(), ecsapi.APIV1, id, "N3w!Passw0rd", true)
	if !ecsapi.IsHandshakeRefused(err) || ecsapi.IsOutcomeUnknown(err) || !strings.Contains(err.Error(), "after 1 attempt") {
		t.Fatalf("without a client certificate: %v", err)
	}
	c := client(ecsapi.TLSSettings{CACert: pki.CAFile, ClientCert: pki.ClientCertFile, ClientKey: pki.ClientKeyFile})
	if err := c.ResetServerPassword(context.Background(), ecsapi.APIV1, id, "N3w!Passw0rd", true); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
}

// keyBody is a PEM key without its BEGIN and END lines, on one line, as a
// secret store may hand it over.
func keyBody(pemText string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(pemText), "\n") {
		if !strings.HasPrefix(line, "-----") {
			b.WriteString(strings.TrimSpace(line))
		}
	}
	return b.String()
}
