package ecssim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
)

var (
	rsaKeyOnce sync.Once
	rsaKey     *rsa.PrivateKey
	rsaKeyErr  error
)

// testRSAKey is one 2048-bit key shared by the tests (generation is slow
// under the race detector).
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	rsaKeyOnce.Do(func() { rsaKey, rsaKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if rsaKeyErr != nil {
		t.Fatal(rsaKeyErr)
	}
	return rsaKey
}

func pemPKIX(t testing.TB, pub *rsa.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func pemPKCS1(pub *rsa.PublicKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)}))
}

// sshWire builds an RFC 4253 blob from length-prefixed fields.
func sshWire(fields ...[]byte) []byte {
	var out []byte
	for _, f := range fields {
		out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return out
}

// sshMPInt encodes a positive integer as an SSH mpint (leading zero byte
// when the high bit is set).
func sshMPInt(v *big.Int) []byte {
	b := v.Bytes()
	if len(b) > 0 && b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

func sshRSA(t testing.TB, pub *rsa.PublicKey) string {
	t.Helper()
	blob := sshWire([]byte("ssh-rsa"), sshMPInt(big.NewInt(int64(pub.E))), sshMPInt(pub.N))
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob) + " user@host"
}

func decryptTestPassword(t testing.TB, key *rsa.PrivateKey, b64 string) string {
	t.Helper()
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("ciphertext is not standard base64: %v", err)
	}
	pt, err := rsa.DecryptPKCS1v15(nil, key, ct) //nolint:staticcheck // SA1019: the format under test.
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	return string(pt)
}

func TestWindowsPasswordRoundTrip(t *testing.T) {
	key := testRSAKey(t)
	forms := map[string]string{
		"PEM PKIX":       pemPKIX(t, &key.PublicKey),
		"PEM PKCS1":      pemPKCS1(&key.PublicKey),
		"OpenSSH":        sshRSA(t, &key.PublicKey),
		"OpenSSH no tag": strings.TrimSuffix(sshRSA(t, &key.PublicKey), " user@host"),
	}
	for name, pub := range forms {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, nil)
			const plain = "Cl0udbase-Init!Pass"
			srv := h.addServer(ServerSpec{OSType: "Windows", PublicKey: pub, WindowsPassword: plain})
			if !srv.WindowsPasswordPresent || srv.EncryptedPassword == "" || srv.KeyName == "" {
				t.Fatalf("state = %+v", srv)
			}
			if strings.Contains(srv.EncryptedPassword, plain) {
				t.Fatal("password stored in plain text")
			}
			if got := decryptTestPassword(t, key, srv.EncryptedPassword); got != plain {
				t.Fatalf("decrypted %q", got)
			}
			// Replacing the password through a patch re-encrypts.
			st, err := h.sim.UpdateServer(srv.ID, ServerPatch{WindowsPassword: strPtr("An0ther!")})
			if err != nil {
				t.Fatal(err)
			}
			if got := decryptTestPassword(t, key, st.EncryptedPassword); got != "An0ther!" {
				t.Fatalf("after patch decrypted %q", got)
			}
		})
	}
}

func TestParsePublicKeyRejects(t *testing.T) {
	key := testRSAKey(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	// A 512-bit modulus; it need not be a product of primes to be rejected
	// for its size.
	small := &rsa.PublicKey{N: new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 511), big.NewInt(1)), E: 65537}
	goodBlob := sshWire([]byte("ssh-rsa"), sshMPInt(big.NewInt(65537)), sshMPInt(key.N))
	b64 := base64.StdEncoding.EncodeToString
	tests := map[string]string{
		"empty":              "  ",
		"garbage":            "not a key",
		"bad PEM":            "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n",
		"private key PEM":    string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"EC PKIX":            string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})),
		"PKCS1 garbage":      string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: []byte{1, 2, 3}})),
		"PEM trailing data":  pemPKCS1(&key.PublicKey) + "extra",
		"ed25519":            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ5dGVzYnl0ZXNieXRlc2J5dGVzYnl0ZXNieXRlcw== x",
		"ssh no data":        "ssh-rsa",
		"ssh bad base64":     "ssh-rsa !!!!",
		"ssh truncated":      "ssh-rsa " + b64(goodBlob[:len(goodBlob)-10]),
		"ssh trailing bytes": "ssh-rsa " + b64(append(append([]byte{}, goodBlob...), 0, 0, 0, 0)),
		"ssh type mismatch":  "ssh-rsa " + b64(sshWire([]byte("ssh-dss"), []byte{1}, []byte{1})),
		"ssh negative n":     "ssh-rsa " + b64(sshWire([]byte("ssh-rsa"), []byte{1, 0, 1}, append([]byte{0x80}, key.N.Bytes()...))),
		"ssh zero e":         "ssh-rsa " + b64(sshWire([]byte("ssh-rsa"), []byte{}, sshMPInt(key.N))),
		"ssh even e":         "ssh-rsa " + b64(sshWire([]byte("ssh-rsa"), []byte{1, 0, 0}, sshMPInt(key.N))),
		"ssh huge length":    "ssh-rsa " + b64([]byte{0xff, 0xff, 0xff, 0xff, 's'}),
		"small key":          pemPKCS1(small),
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			if pub, err := parsePublicKey(text); err == nil {
				t.Fatalf("accepted: %v", pub.N.BitLen())
			}
		})
	}
}

func TestWindowsPasswordSpecErrors(t *testing.T) {
	key := testRSAKey(t)
	h := newHarness(t, nil)
	tests := map[string]ServerSpec{
		"no public key":   {OSType: "Windows", WindowsPassword: "p"},
		"linux":           {OSType: "Linux", PublicKey: pemPKIX(t, &key.PublicKey), WindowsPassword: "p"},
		"too long":        {OSType: "Windows", PublicKey: pemPKIX(t, &key.PublicKey), WindowsPassword: strings.Repeat("p", 256)},
		"bad public key":  {OSType: "Windows", PublicKey: "ssh-rsa AAAA"},
		"bad os_type":     {OSType: "BeOS"},
		"bad status":      {OSType: "Linux", Status: "RUNNING"},
		"id with slash":   {ID: "a/b"},
		"id with control": {ID: "a\x00b"},
		"id not utf8":     {ID: "a\xffb"},
		"id far too long": {ID: strings.Repeat("x", 256)},
	}
	for name, spec := range tests {
		t.Run(name, func(t *testing.T) {
			if st, err := h.sim.AddServer(spec); err == nil {
				t.Fatalf("accepted: %+v", st)
			}
		})
	}
	if n := len(h.sim.Servers()); n != 0 {
		t.Fatalf("%d servers created by failing specs", n)
	}
}
