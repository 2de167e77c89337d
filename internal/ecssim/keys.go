package ecssim

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// minRSABits is the smallest modulus accepted for key pairs. Go refuses RSA
// operations on smaller keys, so rejecting them when the key is registered
// gives a clearer error than failing later when a password is encrypted.
const minRSABits = 1024

// parsePublicKey accepts the RSA public key of a key pair in any of the forms
// users have at hand: PEM "PUBLIC KEY" (PKIX), PEM "RSA PUBLIC KEY" (PKCS #1)
// or an OpenSSH authorized_keys line ("ssh-rsa AAAA... comment"), which is the
// form ECS itself stores for key pairs.
func parsePublicKey(text string) (*rsa.PublicKey, error) {
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return nil, errors.New("public key is empty")
	}
	var (
		pub *rsa.PublicKey
		err error
	)
	switch {
	case strings.HasPrefix(trimmed, "-----BEGIN"):
		pub, err = parsePEMPublicKey(trimmed)
	case strings.HasPrefix(trimmed, "ssh-"):
		pub, err = parseSSHPublicKey(trimmed)
	default:
		err = errors.New("public key must be PEM (PUBLIC KEY or RSA PUBLIC KEY) or an OpenSSH ssh-rsa line")
	}
	if err != nil {
		return nil, err
	}
	if pub.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("RSA public key has %d bits; at least %d are required", pub.N.BitLen(), minRSABits)
	}
	return pub, nil
}

func parsePEMPublicKey(text string) (*rsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("public key PEM block cannot be decoded")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("public key holds data after the PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key PKIX data is invalid: %w", err)
		}
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key is %T, not RSA", key)
		}
		return pub, nil
	case "RSA PUBLIC KEY":
		pub, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key PKCS #1 data is invalid: %w", err)
		}
		return pub, nil
	default:
		return nil, fmt.Errorf("PEM block type %q is not a public key (want PUBLIC KEY or RSA PUBLIC KEY)", block.Type)
	}
}

// parseSSHPublicKey decodes the RFC 4253 "ssh-rsa" wire format: three
// length-prefixed fields holding the key type, the public exponent and the
// modulus (both as two's-complement big-endian integers).
func parseSSHPublicKey(line string) (*rsa.PublicKey, error) {
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return nil, errors.New("OpenSSH public key needs a key type and base64 data")
	}
	if fields[0] != "ssh-rsa" {
		return nil, fmt.Errorf("OpenSSH key type %q is not supported; only ssh-rsa keys can encrypt passwords", fields[0])
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return nil, errors.New("OpenSSH public key data is not valid base64")
	}
	keyType, blob, err := readSSHField(blob)
	if err != nil {
		return nil, err
	}
	if string(keyType) != "ssh-rsa" {
		return nil, fmt.Errorf("OpenSSH key data is of type %q, not ssh-rsa", keyType)
	}
	eBytes, blob, err := readSSHField(blob)
	if err != nil {
		return nil, err
	}
	nBytes, blob, err := readSSHField(blob)
	if err != nil {
		return nil, err
	}
	if len(blob) != 0 {
		return nil, errors.New("OpenSSH public key data has trailing bytes")
	}
	e, err := sshPositiveInt(eBytes)
	if err != nil {
		return nil, fmt.Errorf("OpenSSH public exponent: %w", err)
	}
	n, err := sshPositiveInt(nBytes)
	if err != nil {
		return nil, fmt.Errorf("OpenSSH modulus: %w", err)
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, errors.New("OpenSSH public exponent must be an odd number between 3 and 2^31-1")
	}
	return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
}

// readSSHField splits one uint32-length-prefixed field off b.
func readSSHField(b []byte) (field, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errors.New("OpenSSH public key data is truncated")
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, errors.New("OpenSSH public key data is truncated")
	}
	return b[4 : 4+n], b[4+n:], nil
}

// sshPositiveInt decodes an SSH mpint that must be positive.
func sshPositiveInt(b []byte) (*big.Int, error) {
	if len(b) == 0 {
		return nil, errors.New("value is zero")
	}
	if b[0]&0x80 != 0 {
		return nil, errors.New("value is negative")
	}
	v := new(big.Int).SetBytes(b)
	if v.Sign() == 0 {
		return nil, errors.New("value is zero")
	}
	return v, nil
}

// encryptPassword produces what Cloudbase-Init posts to the metadata service:
// standard base64 of the RSA PKCS #1 v1.5 ciphertext of the password.
func encryptPassword(pub *rsa.PublicKey, password string) (string, error) {
	if limit := pub.Size() - 11; len(password) > limit {
		return "", fmt.Errorf("windows password is %d bytes; a %d-bit key can encrypt at most %d", len(password), pub.N.BitLen(), limit)
	}
	// The wire contract (Cloudbase-Init and every client that decrypts it) is
	// PKCS #1 v1.5, so the deprecated function is the required one here.
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(password)) //nolint:staticcheck // SA1019: format fixed by the API.
	if err != nil {
		return "", fmt.Errorf("encrypt windows password: %w", err)
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}
