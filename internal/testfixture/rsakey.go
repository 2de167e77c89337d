package testfixture

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
)

// RSAKey returns a new 2048-bit RSA key pair, the size ECS key pairs have. Generation takes a
// noticeable fraction of a second, so callers that need several keys should share them.
func RSAKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
}

// PrivateKeyPEM renders a private key as a PKCS#1 "RSA PRIVATE KEY" PEM block, the form ECS
// hands out when it creates a key pair.
func PrivateKeyPEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

// PublicKeyPEM renders the public half of a key as a PKIX "PUBLIC KEY" PEM block.
func PublicKeyPEM(key *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}
