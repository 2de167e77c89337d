package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// RSA key pairs are slow to generate, so the suite makes two and shares them: the key pair the
// Windows servers are created with, and an unrelated one of the same size.
var (
	serverKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
	otherKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
)

func mustRSAKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("generating an RSA key: " + err.Error())
	}
	return k
}

// pkcs1PEM renders a private key as a "RSA PRIVATE KEY" PEM block.
func pkcs1PEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// publicPEM renders the public half of a key as a "PUBLIC KEY" PEM block, the form the
// simulator takes for a server's key pair.
func publicPEM(t *testing.T, k *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// writeKeyFile writes PEM text to a file outside any workspace and returns its path.
func writeKeyFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
