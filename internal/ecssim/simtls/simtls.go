// Package simtls makes a throwaway certificate authority with a server certificate for the
// simulator's loopback addresses and a client certificate, so that tests can serve the
// simulator over HTTPS, require client certificates, and hand a client the files it would get
// from a user (a CA bundle, a client certificate and its key).
//
// Nothing here is secret or meant to last: every PKI is generated afresh, with ECDSA P-256 keys
// because they are quick to make, and its certificates are valid for a day.
package simtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// validity is how long the generated certificates are valid, starting an hour in the past so
// that a simulator clock a little behind the system clock does not matter. Go's TLS stack checks
// validity against the system clock, not against the simulator's.
const validity = 24 * time.Hour

// PKI is a certificate authority, a server certificate it signed for 127.0.0.1, ::1 and
// localhost, and a client certificate it signed. The PEM fields hold the certificates and their
// unencrypted PKCS#8 keys; the *File fields name copies written by New.
type PKI struct {
	CAPEM         []byte
	ServerCertPEM []byte
	ServerKeyPEM  []byte
	ClientCertPEM []byte
	ClientKeyPEM  []byte

	CAFile         string
	ServerCertFile string
	ServerKeyFile  string
	ClientCertFile string
	ClientKeyFile  string

	// CAPool trusts CA only.
	CAPool *x509.CertPool
	// ServerCert and ClientCert are the key pairs ready for a tls.Config.
	ServerCert tls.Certificate
	ClientCert tls.Certificate
}

// New generates a PKI and writes its PEM files into dir (ca.pem, server.pem, server-key.pem,
// client.pem, client-key.pem; keys with mode 0600). With dir "" nothing is written and the *File
// fields stay empty.
func New(dir string) (*PKI, error) {
	ca, err := newAuthority(time.Now())
	if err != nil {
		return nil, err
	}
	p := &PKI{CAPEM: certToPEM(ca.cert.Raw), CAPool: x509.NewCertPool()}
	p.CAPool.AddCert(ca.cert)
	if err := p.issueLeaves(ca); err != nil {
		return nil, err
	}
	if dir == "" {
		return p, nil
	}
	if err := p.writeFiles(dir); err != nil {
		return nil, err
	}
	return p, nil
}

// authority is the CA of one PKI: its certificate and key, and the moment the PKI was made,
// which every certificate's validity is counted from.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	now  time.Time
}

func newAuthority(now time.Time) (*authority, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(1),
		Subject:               pkix.Name{CommonName: "ecs-simulator test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	return &authority{cert: cert, key: key, now: now}, nil
}

// issue makes a fresh key and a certificate for it signed by the CA, and returns both in PEM.
func (a *authority) issue(n int64, cn string, usage x509.ExtKeyUsage, ips []net.IP, names []string) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(n),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    a.now.Add(-time.Hour),
		NotAfter:     a.now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
		DNSNames:     names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s certificate: %w", cn, err)
	}
	keyPEM, err = keyToPEM(key)
	if err != nil {
		return nil, nil, err
	}
	return certToPEM(der), keyPEM, nil
}

// issueLeaves has ca sign the server and client certificates and fills in their PEM fields and
// key pairs.
func (p *PKI) issueLeaves(ca *authority) error {
	var err error
	p.ServerCertPEM, p.ServerKeyPEM, err = ca.issue(2, "ecs-simulator", x509.ExtKeyUsageServerAuth,
		[]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, []string{"localhost"})
	if err != nil {
		return err
	}
	p.ClientCertPEM, p.ClientKeyPEM, err = ca.issue(3, "ecs-simulator test client", x509.ExtKeyUsageClientAuth, nil, nil)
	if err != nil {
		return err
	}
	if p.ServerCert, err = tls.X509KeyPair(p.ServerCertPEM, p.ServerKeyPEM); err != nil {
		return fmt.Errorf("server key pair: %w", err)
	}
	if p.ClientCert, err = tls.X509KeyPair(p.ClientCertPEM, p.ClientKeyPEM); err != nil {
		return fmt.Errorf("client key pair: %w", err)
	}
	return nil
}

// writeFiles writes the PEM files into dir and sets the *File fields.
func (p *PKI) writeFiles(dir string) error {
	files := []struct {
		dst  *string
		name string
		data []byte
		mode os.FileMode
	}{
		{&p.CAFile, "ca.pem", p.CAPEM, 0o644},
		{&p.ServerCertFile, "server.pem", p.ServerCertPEM, 0o644},
		{&p.ServerKeyFile, "server-key.pem", p.ServerKeyPEM, 0o600},
		{&p.ClientCertFile, "client.pem", p.ClientCertPEM, 0o644},
		{&p.ClientKeyFile, "client-key.pem", p.ClientKeyPEM, 0o600},
	}
	for _, f := range files {
		*f.dst = filepath.Join(dir, f.name)
		if err := os.WriteFile(*f.dst, f.data, f.mode); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	return nil
}

// ServerConfig returns a TLS configuration for the simulator (ecssim.Config.TLS) presenting the
// server certificate; with requireClientCert it also demands a client certificate signed by CA.
func (p *PKI) ServerConfig(requireClientCert bool) *tls.Config {
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{p.ServerCert},
	}
	if requireClientCert {
		cfg.ClientCAs = p.CAPool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg
}

// ClientConfig returns a TLS configuration that trusts CA, presenting the client certificate
// when withClientCert is true.
func (p *PKI) ClientConfig(withClientCert bool) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: p.CAPool}
	if withClientCert {
		cfg.Certificates = []tls.Certificate{p.ClientCert}
	}
	return cfg
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return key, nil
}

// serial returns n as a certificate serial number; the CA signs only three certificates, so
// small fixed numbers keep them distinct.
func serial(n int64) *big.Int { return big.NewInt(n) }

func certToPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyToPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
