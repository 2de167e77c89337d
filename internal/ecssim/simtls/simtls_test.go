package simtls

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestNew(t *testing.T) {
	dir := t.TempDir()
	p, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name, path string
		data       []byte
		mode       os.FileMode
	}{
		{"ca.pem", p.CAFile, p.CAPEM, 0o644},
		{"server.pem", p.ServerCertFile, p.ServerCertPEM, 0o644},
		{"server-key.pem", p.ServerKeyFile, p.ServerKeyPEM, 0o600},
		{"client.pem", p.ClientCertFile, p.ClientCertPEM, 0o644},
		{"client-key.pem", p.ClientKeyFile, p.ClientKeyPEM, 0o600},
	} {
		if f.path != filepath.Join(dir, f.name) {
			t.Errorf("%s written to %q", f.name, f.path)
			continue
		}
		data, err := os.ReadFile(f.path)
		if err != nil || string(data) != string(f.data) {
			t.Errorf("%s: content differs from the PEM field (%v)", f.name, err)
		}
		if info, err := os.Stat(f.path); err != nil || info.Mode().Perm() != f.mode {
			t.Errorf("%s: mode %v (%v), want %v", f.name, info.Mode().Perm(), err, f.mode)
		}
	}

	// The server certificate is valid for the loopback names, for servers
	// only; the client certificate for clients only.
	server, client := p.ServerCert.Leaf, p.ClientCert.Leaf
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := server.Verify(x509.VerifyOptions{DNSName: name, Roots: p.CAPool}); err != nil {
			t.Errorf("server certificate for %s: %v", name, err)
		}
	}
	if _, err := server.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: p.CAPool}); err == nil {
		t.Error("the server certificate is valid for example.com")
	}
	clientUse := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if _, err := client.Verify(x509.VerifyOptions{Roots: p.CAPool, KeyUsages: clientUse}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if _, err := server.Verify(x509.VerifyOptions{Roots: p.CAPool, KeyUsages: clientUse}); err == nil {
		t.Error("the server certificate is valid for clients")
	}
	// Another PKI does not trust this one.
	other, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if other.CAFile != "" {
		t.Errorf("New(\"\") named a file: %q", other.CAFile)
	}
	if _, err := server.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: other.CAPool}); err == nil {
		t.Error("another PKI's CA trusts this server certificate")
	}
}
