package provider

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// privateKeyError explains why a private key cannot decrypt a Windows
// password. Summary and Detail become the diagnostic; neither ever quotes the
// key material.
type privateKeyError struct {
	Summary string
	Detail  string
}

func (e *privateKeyError) Error() string { return e.Summary + ": " + e.Detail }

// windowsPasswordError explains why a ciphertext could not be decrypted.
type windowsPasswordError struct {
	Summary string
	Detail  string
}

func (e *windowsPasswordError) Error() string { return e.Summary + ": " + e.Detail }

const keyPairHint = "Windows servers encrypt their initial password with the RSA public key of the key pair chosen when " +
	"the server was created, so only that key pair's RSA private key, as an unencrypted PEM block " +
	"(`-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN PRIVATE KEY-----`), can decrypt it."

// parseRSAPrivateKey parses an unencrypted PEM RSA private key in PKCS#1 or
// PKCS#8 form. Each way it can fail gets its own explanation.
func parseRSAPrivateKey(pemText string) (*rsa.PrivateKey, error) {
	data := []byte(strings.TrimSpace(pemText))
	if len(data) == 0 {
		return nil, &privateKeyError{
			Summary: "Empty Private Key",
			Detail:  "The private_key value is empty. " + keyPairHint,
		}
	}
	block := firstKeyBlock(data)
	if block == nil {
		return nil, notPEMError(string(data))
	}
	//nolint:staticcheck // Legacy "Proc-Type: 4,ENCRYPTED" PEM is exactly what must be recognised here.
	if block.Type == "ENCRYPTED PRIVATE KEY" || x509.IsEncryptedPEMBlock(block) {
		return nil, &privateKeyError{
			Summary: "Private Key Is Encrypted",
			Detail: "The private_key value is protected by a passphrase, which the provider does not accept. " +
				"Remove the passphrase first, for example with `openssl rsa -in key.pem -out key-plain.pem`, " +
				"and keep the result out of version control.",
		}
	}
	return rsaKeyFromBlock(block)
}

// firstKeyBlock returns the first PEM block of data that is not EC
// parameters, or nil when there is none. openssl writes EC parameters before
// an EC key; skipping them lets the EC key itself be reported.
func firstKeyBlock(data []byte) *pem.Block {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "EC PARAMETERS" {
			return block
		}
	}
}

// notPEMError explains a value without a PEM block, pointing out a value
// that looks like a file path rather than a file's content.
func notPEMError(text string) error {
	detail := "The private_key value is not a PEM block: no `-----BEGIN ...-----` line was found."
	if !strings.Contains(text, "\n") && (strings.HasSuffix(text, ".pem") || strings.ContainsAny(text, `/\`)) {
		detail += " It looks like a file path; pass the file's content instead, for example `file(\"key.pem\")`."
	}
	return &privateKeyError{Summary: "Private Key Is Not PEM", Detail: detail + " " + keyPairHint}
}

// rsaKeyFromBlock parses an unencrypted PEM block by its type, explaining
// every type that does not hold an RSA private key.
func rsaKeyFromBlock(block *pem.Block) (*rsa.PrivateKey, error) {
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, malformedKeyError("PKCS#1 RSA", err)
		}
		return key, nil
	case "PRIVATE KEY":
		return rsaKeyFromPKCS8(block.Bytes)
	case "EC PRIVATE KEY", "EC PARAMETERS":
		return nil, notRSAKeyError("an EC (ECDSA) key")
	case "DSA PRIVATE KEY":
		return nil, notRSAKeyError("a DSA key")
	case "OPENSSH PRIVATE KEY":
		return nil, &privateKeyError{
			Summary: "Unsupported Private Key Format",
			Detail: "The private_key value is in OpenSSH's own format (`-----BEGIN OPENSSH PRIVATE KEY-----`). " +
				"If it is an RSA key, convert it to PEM with `ssh-keygen -p -m PEM -f <key file>` and pass the result. " + keyPairHint,
		}
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, &privateKeyError{
			Summary: "Public Key Given Instead of Private Key",
			Detail:  fmt.Sprintf("The private_key value holds a %q PEM block, which cannot decrypt anything. %s", block.Type, keyPairHint),
		}
	default:
		return nil, &privateKeyError{
			Summary: "Unsupported Private Key Format",
			Detail:  fmt.Sprintf("The private_key value holds a %q PEM block. %s", block.Type, keyPairHint),
		}
	}
}

// rsaKeyFromPKCS8 parses a PKCS#8 private key, which may hold any kind of
// key; only an RSA key will do.
func rsaKeyFromPKCS8(der []byte) (*rsa.PrivateKey, error) {
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, malformedKeyError("PKCS#8", err)
	}
	switch key := parsed.(type) {
	case *rsa.PrivateKey:
		return key, nil
	case *ecdsa.PrivateKey:
		return nil, notRSAKeyError("an EC (ECDSA) key")
	case ed25519.PrivateKey:
		return nil, notRSAKeyError("an Ed25519 key")
	case *ecdh.PrivateKey:
		return nil, notRSAKeyError("an X25519 key")
	default:
		return nil, notRSAKeyError(fmt.Sprintf("a key of type %T", parsed))
	}
}

func notRSAKeyError(what string) error {
	return &privateKeyError{
		Summary: "Private Key Is Not an RSA Key",
		Detail:  "The private_key value is " + what + ". " + keyPairHint,
	}
}

func malformedKeyError(format string, err error) error {
	// The x509 parse errors describe ASN.1 structure only, never key bytes.
	return &privateKeyError{
		Summary: "Malformed Private Key",
		Detail:  fmt.Sprintf("The private_key value is a PEM block that does not hold a valid %s private key (%v). %s", format, err, keyPairHint),
	}
}

// decryptWindowsPassword decodes the base64 ciphertext returned by the API and
// decrypts it with RSA PKCS#1 v1.5, the scheme Cloudbase-Init uses.
func decryptWindowsPassword(key *rsa.PrivateKey, encrypted string) (string, error) {
	// Drop line breaks and spaces some tools insert into long base64 values.
	compact := strings.Join(strings.Fields(encrypted), "")
	if compact == "" {
		return "", &windowsPasswordError{
			Summary: "No Windows Password Stored",
			Detail:  "The server has no encrypted password stored.",
		}
	}
	ciphertext, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return "", &windowsPasswordError{
			Summary: "Encrypted Password Is Not Base64",
			Detail:  "The API returned an encrypted password that is not standard base64, so it cannot be decrypted.",
		}
	}
	if len(ciphertext) != key.Size() {
		return "", &windowsPasswordError{
			Summary: "Private Key Does Not Match the Encrypted Password",
			Detail: fmt.Sprintf("The encrypted password is %d bits long but the private key is a %d-bit RSA key, so it was "+
				"encrypted with a different key pair. Use the private key of the key pair the server was created with.",
				len(ciphertext)*8, key.N.BitLen()),
		}
	}
	// PKCS#1 v1.5 is deprecated for new designs; it is used here only because
	// Cloudbase-Init fixes the format of the stored password.
	plaintext, err := rsa.DecryptPKCS1v15(nil, key, ciphertext) //nolint:staticcheck // format fixed by Cloudbase-Init
	if err != nil {
		return "", &windowsPasswordError{
			Summary: "Private Key Does Not Match the Encrypted Password",
			Detail: "The encrypted password could not be decrypted with this private key: it was encrypted with the " +
				"public key of a different key pair. Use the private key of the key pair the server was created with.",
		}
	}
	if !utf8.Valid(plaintext) {
		return "", &windowsPasswordError{
			Summary: "Private Key Does Not Match the Encrypted Password",
			Detail:  "Decryption produced bytes that are not UTF-8 text, which means the key does not belong to the key pair the server was created with.",
		}
	}
	return string(plaintext), nil
}

// errorSummaryDetail splits one of this file's errors into a diagnostic.
func errorSummaryDetail(err error) (string, string, bool) {
	var ke *privateKeyError
	if errors.As(err, &ke) {
		return ke.Summary, ke.Detail, true
	}
	var we *windowsPasswordError
	if errors.As(err, &we) {
		return we.Summary, we.Detail, true
	}
	return "", "", false
}
