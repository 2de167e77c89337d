package provider

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// Key generation is the slow part of these tests, so each size is made once.
var (
	testKeysOnce sync.Once
	testKeyA     *rsa.PrivateKey // 2048 bits
	testKeyB     *rsa.PrivateKey // 2048 bits, a different key pair
	testKeyC     *rsa.PrivateKey // 3072 bits
)

func testRSAKeys(t *testing.T) (a, b, c *rsa.PrivateKey) {
	t.Helper()
	testKeysOnce.Do(func() {
		var err error
		if testKeyA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if testKeyB, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if testKeyC, err = rsa.GenerateKey(rand.Reader, 3072); err != nil {
			panic(err)
		}
	})
	return testKeyA, testKeyB, testKeyC
}

func pemPKCS8(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("marshal PKCS#8: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func pemPublic(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	text, err := testfixture.PublicKeyPEM(key)
	if err != nil {
		t.Fatalf("marshal public key: %v", err)
	}
	return text
}

func encryptForTest(t *testing.T, pub *rsa.PublicKey, plaintext string) string {
	t.Helper()
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, pub, []byte(plaintext)) //nolint:staticcheck // the format under test
	if err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return base64.StdEncoding.EncodeToString(ct)
}

func TestParseRSAPrivateKey(t *testing.T) {
	t.Parallel()
	keyA, _, _ := testRSAKeys(t)

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecSEC1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	xKey, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := testfixture.PrivateKeyPEM(keyA)
	legacyEncrypted := string(pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   []byte("not really ciphertext but the headers decide"),
	}))
	pkcs8Encrypted := string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}}))

	valid := []struct {
		name string
		pem  string
	}{
		{"PKCS#1", pkcs1},
		{"PKCS#8", pemPKCS8(t, keyA)},
		{"surrounding whitespace", "\n\n  " + pkcs1 + "\n  "},
	}
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseRSAPrivateKey(tc.pem)
			if err != nil {
				t.Fatalf("parseRSAPrivateKey: %v", err)
			}
			if !got.Equal(keyA) {
				t.Fatal("parsed key differs from the generated key")
			}
		})
	}

	invalid := []struct {
		name        string
		pem         string
		wantSummary string
		wantDetail  string
	}{
		{"empty", "  \n", "Empty Private Key", "empty"},
		{"garbage", "this is not a key", "Private Key Is Not PEM", "no `-----BEGIN"},
		{"file path", "keys/windows.pem", "Private Key Is Not PEM", "file path"},
		{"base64 without armour", base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PrivateKey(keyA)), "Private Key Is Not PEM", "BEGIN"},
		{"legacy encrypted PEM", legacyEncrypted, "Private Key Is Encrypted", "passphrase"},
		{"PKCS#8 encrypted", pkcs8Encrypted, "Private Key Is Encrypted", "passphrase"},
		{"EC SEC1", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecSEC1})), "Private Key Is Not an RSA Key", "EC (ECDSA)"},
		{"EC with parameters block first", string(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})) +
			string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecSEC1})), "Private Key Is Not an RSA Key", "EC (ECDSA)"},
		{"EC PKCS#8", pemPKCS8(t, ecKey), "Private Key Is Not an RSA Key", "EC (ECDSA)"},
		{"ed25519 PKCS#8", pemPKCS8(t, edKey), "Private Key Is Not an RSA Key", "Ed25519"},
		{"X25519 PKCS#8", pemPKCS8(t, xKey), "Private Key Is Not an RSA Key", "X25519"},
		{"OpenSSH format", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "Unsupported Private Key Format", "ssh-keygen -p -m PEM"},
		{"public key", pemPublic(t, keyA), "Public Key Given Instead of Private Key", "PUBLIC KEY"},
		{"malformed PKCS#1", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("garbage")})), "Malformed Private Key", "PKCS#1"},
		{"malformed PKCS#8", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage")})), "Malformed Private Key", "PKCS#8"},
		{"unknown block", string(pem.EncodeToMemory(&pem.Block{Type: "SOMETHING ELSE", Bytes: []byte("x")})), "Unsupported Private Key Format", "SOMETHING ELSE"},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key, err := parseRSAPrivateKey(tc.pem)
			if err == nil {
				t.Fatalf("parseRSAPrivateKey returned a key (%d bits), want an error", key.N.BitLen())
			}
			summary, detail, ok := errorSummaryDetail(err)
			if !ok {
				t.Fatalf("error %T is not a key error: %v", err, err)
			}
			if summary != tc.wantSummary {
				t.Errorf("summary = %q, want %q", summary, tc.wantSummary)
			}
			if !strings.Contains(detail, tc.wantDetail) {
				t.Errorf("detail %q does not mention %q", detail, tc.wantDetail)
			}
			// The key material must never be echoed back.
			if body := pemBody(tc.pem); len(body) > 8 && strings.Contains(detail, body[:8]) {
				t.Errorf("detail echoes the key material: %q", detail)
			}
		})
	}
}

// pemBody returns the first base64 line of a PEM text, or the text itself.
func pemBody(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if l != "" && !strings.HasPrefix(l, "-----") && !strings.Contains(l, ":") {
			return l
		}
	}
	return s
}

func TestDecryptWindowsPassword(t *testing.T) {
	t.Parallel()
	keyA, keyB, keyC := testRSAKeys(t)
	const plaintext = "Wq7!rP2m@Zx9-Kd"
	encrypted := encryptForTest(t, &keyA.PublicKey, plaintext)

	t.Run("matching key", func(t *testing.T) {
		t.Parallel()
		got, err := decryptWindowsPassword(keyA, encrypted)
		if err != nil {
			t.Fatalf("decrypt: %v", err)
		}
		if got != plaintext {
			t.Fatalf("decrypted %q, want %q", got, plaintext)
		}
	})
	t.Run("line-wrapped base64", func(t *testing.T) {
		t.Parallel()
		wrapped := encrypted[:60] + "\n" + encrypted[60:120] + "\r\n " + encrypted[120:] + "\n"
		got, err := decryptWindowsPassword(keyA, wrapped)
		if err != nil {
			t.Fatalf("decrypt: %v", err)
		}
		if got != plaintext {
			t.Fatalf("decrypted %q, want %q", got, plaintext)
		}
	})

	failures := []struct {
		name        string
		key         *rsa.PrivateKey
		ciphertext  string
		wantSummary string
	}{
		{"other key of the same size", keyB, encrypted, "Private Key Does Not Match the Encrypted Password"},
		{"other key of another size", keyC, encrypted, "Private Key Does Not Match the Encrypted Password"},
		{"not base64", keyA, "%%%not-base64%%%", "Encrypted Password Is Not Base64"},
		{"empty", keyA, "", "No Windows Password Stored"},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := decryptWindowsPassword(tc.key, tc.ciphertext)
			if err == nil {
				t.Fatalf("decrypt returned %q, want an error", got)
			}
			summary, detail, ok := errorSummaryDetail(err)
			if !ok {
				t.Fatalf("error %T is not a decrypt error: %v", err, err)
			}
			if summary != tc.wantSummary {
				t.Errorf("summary = %q, want %q", summary, tc.wantSummary)
			}
			if strings.Contains(detail, plaintext) || (tc.ciphertext != "" && strings.Contains(detail, tc.ciphertext)) {
				t.Errorf("detail leaks a secret: %q", detail)
			}
		})
	}

	var pkErr *privateKeyError
	if _, err := decryptWindowsPassword(keyB, encrypted); errors.As(err, &pkErr) {
		t.Errorf("a mismatched key must be reported as a decrypt error, not a key error")
	}
}
