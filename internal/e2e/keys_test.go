package e2e

import (
	"crypto/rsa"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// RSA key pairs are slow to generate, so the suite makes two and shares them: the key pair the
// Windows servers are created with, and an unrelated one of the same size.
var (
	serverKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
	otherKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustRSAKey() })
)

func mustRSAKey() *rsa.PrivateKey {
	k, err := testfixture.RSAKey()
	if err != nil {
		panic("generating an RSA key: " + err.Error())
	}
	return k
}

// publicPEM renders the public half of a key as a "PUBLIC KEY" PEM block, the form the
// simulator takes for a server's key pair.
func publicPEM(t *testing.T, k *rsa.PrivateKey) string {
	t.Helper()
	text, err := testfixture.PublicKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	return text
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
