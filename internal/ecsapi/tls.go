package ecsapi

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// TLSField names the setting a TLSSettingError is about.
type TLSField string

// The settings of TLSSettings, as TLSSettingError names them.
const (
	TLSFieldCACert     TLSField = "ca_cert"
	TLSFieldClientCert TLSField = "client_cert"
	TLSFieldClientKey  TLSField = "client_key"
)

// TLSSettings are the TLS options of the endpoints' connections. Each PEM
// setting holds either the PEM text itself or the path of a file holding it
// (a leading "~/" stands for the home directory).
type TLSSettings struct {
	// CACert holds CA certificates to trust in addition to the system's,
	// for endpoints behind a private CA.
	CACert string
	// ClientCert and ClientKey are a client certificate and its private
	// key, for endpoints that ask for one; set both or neither.
	ClientCert, ClientKey string
	// Insecure skips the verification of the endpoints' certificates.
	Insecure bool
}

// TLSSettingError explains why a TLS setting cannot be used. It names
// files by their path but never quotes PEM content: a private key may be
// given as content.
type TLSSettingError struct {
	Field   TLSField
	Problem string
}

func (e *TLSSettingError) Error() string { return e.Problem }

// NewTLSConfig builds the TLS configuration for Config.TLSConfig from s. It
// returns nil, and no error, when s asks for nothing but Go's defaults.
func NewTLSConfig(s TLSSettings) (*tls.Config, error) {
	if s == (TLSSettings{}) {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.Insecure {
		cfg.InsecureSkipVerify = true //nolint:gosec // explicitly requested by the caller
	}
	if strings.TrimSpace(s.CACert) != "" {
		pool, err := caPool(s.CACert)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	cert, err := clientCertificate(s.ClientCert, s.ClientKey)
	if err != nil {
		return nil, err
	}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return cfg, nil
}

// caPool returns the system's CA pool (an empty one where the system has
// none) with the certificates of value added.
func caPool(value string) (*x509.CertPool, error) {
	pemBytes, what, err := readPEMSetting(value, "CA certificate", false)
	if err != nil {
		return nil, &TLSSettingError{Field: TLSFieldCACert, Problem: err.Error()}
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	added := 0
	for rest := pemBytes; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, &TLSSettingError{Field: TLSFieldCACert,
				Problem: fmt.Sprintf("%s holds a certificate that cannot be parsed: %v", what, err)}
		}
		pool.AddCert(cert)
		added++
	}
	if added == 0 {
		return nil, &TLSSettingError{Field: TLSFieldCACert,
			Problem: what + " is not PEM: it holds no \"-----BEGIN CERTIFICATE-----\" block"}
	}
	return pool, nil
}

// clientCertificate loads the client certificate and key, both or neither.
func clientCertificate(certValue, keyValue string) (*tls.Certificate, error) {
	hasCert, hasKey := strings.TrimSpace(certValue) != "", strings.TrimSpace(keyValue) != ""
	switch {
	case !hasCert && !hasKey:
		return nil, nil
	case !hasKey:
		return nil, &TLSSettingError{Field: TLSFieldClientKey, Problem: "a client certificate needs its private key as well"}
	case !hasCert:
		return nil, &TLSSettingError{Field: TLSFieldClientCert, Problem: "a client private key needs its certificate as well"}
	}
	certPEM, certWhat, err := readPEMSetting(certValue, "client certificate", false)
	if err != nil {
		return nil, &TLSSettingError{Field: TLSFieldClientCert, Problem: err.Error()}
	}
	keyPEM, keyWhat, err := readPEMSetting(keyValue, "client private key", true)
	if err != nil {
		return nil, &TLSSettingError{Field: TLSFieldClientKey, Problem: err.Error()}
	}
	if block, _ := pem.Decode(certPEM); block == nil || block.Type != "CERTIFICATE" {
		return nil, &TLSSettingError{Field: TLSFieldClientCert,
			Problem: certWhat + " is not PEM: it holds no \"-----BEGIN CERTIFICATE-----\" block"}
	}
	if block, _ := pem.Decode(keyPEM); block == nil || !strings.HasSuffix(block.Type, "PRIVATE KEY") {
		return nil, &TLSSettingError{Field: TLSFieldClientKey,
			Problem: keyWhat + " is not PEM: it holds no \"-----BEGIN ... PRIVATE KEY-----\" block"}
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		// The messages of X509KeyPair describe the mismatch, never the
		// key's content.
		return nil, &TLSSettingError{Field: TLSFieldClientKey,
			Problem: fmt.Sprintf("%s does not belong to %s: %v", keyWhat, certWhat, err)}
	}
	return &cert, nil
}

// readPEMSetting returns the PEM text of a setting that holds either PEM
// content or a file path, and how to name it in a message: by its path, or
// as "the <kind> given as PEM content" (never quoting content). A secret
// setting (the client key) is never quoted at all: a value that is not PEM
// is taken for a path, but it may just as well be key material without its
// PEM lines, which a message must not repeat.
func readPEMSetting(value, kind string, secret bool) (pemBytes []byte, what string, err error) {
	value = strings.TrimSpace(value)
	if strings.Contains(value, "-----BEGIN") {
		return []byte(value), "the " + kind + " given as PEM content", nil
	}
	what = fmt.Sprintf("the %s file %q", kind, value)
	if secret || !looksLikePath(value) {
		// Key or certificate material pasted without its PEM lines would
		// otherwise be quoted whole.
		what = fmt.Sprintf("the %s, which is not PEM text (no -----BEGIN line) and so was taken for a file path: the file", kind)
	}
	path := value
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, "", fmt.Errorf("%s starts with ~/ but the home directory is unknown: %w", what, err)
		}
		path = filepath.Join(home, rest)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		var pathErr *os.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return nil, "", fmt.Errorf("%s cannot be read: %w", what, err)
	}
	return b, what, nil
}

// looksLikePath tells a value that may be quoted as a file path from one
// that is more likely pasted content: a path is one short line, and not a
// long run of base64 (key material without its PEM lines).
func looksLikePath(value string) bool {
	if len(value) > 256 || strings.ContainsAny(value, "\r\n") {
		return false
	}
	base64Only := strings.Trim(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == ""
	return len(value) < 64 || !base64Only
}
