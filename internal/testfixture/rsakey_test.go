package testfixture

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestRSAKeyPEMRoundTrip(t *testing.T) {
	key, err := RSAKey()
	if err != nil {
		t.Fatal(err)
	}
	if key.N.BitLen() != 2048 {
		t.Errorf("key size %d bits, want 2048", key.N.BitLen())
	}

	block, rest := pem.Decode([]byte(PrivateKeyPEM(key)))
	if block == nil || block.Type != "RSA PRIVATE KEY" || len(rest) != 0 {
		t.Fatalf("private key is not one PKCS#1 PEM block")
	}
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Equal(key) {
		t.Error("the private key PEM holds a different key")
	}

	pubText, err := PublicKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	block, rest = pem.Decode([]byte(pubText))
	if block == nil || block.Type != "PUBLIC KEY" || len(rest) != 0 {
		t.Fatalf("public key is not one PKIX PEM block")
	}
	parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := parsed.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("public key is a %T, want *rsa.PublicKey", parsed)
	}
	// The two halves must belong together: what the public key encrypts, the private key opens.
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte("pair check")) //nolint:staticcheck // the scheme ECS uses for Windows passwords
	if err != nil {
		t.Fatal(err)
	}
	pt, err := rsa.DecryptPKCS1v15(nil, priv, ct) //nolint:staticcheck // as above
	if err != nil || string(pt) != "pair check" {
		t.Errorf("decrypting with the private key gave %q, %v", pt, err)
	}
}
