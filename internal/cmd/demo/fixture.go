package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
)

// fixture is what the demo generates before starting the simulator.
type fixture struct {
	linuxID, windowsID string
	keyName            string
	privateKeyPath     string
	privateKeyPEM      []byte
	seedPath           string
	// linuxPassword is the new root password the demo hands to Terraform as an ephemeral variable.
	linuxPassword string
	// windowsPassword is the initial Administrator password the simulator stores encrypted
	// under the key pair's public key, as Cloudbase-Init would.
	windowsPassword string
}

// seedServer is one entry of the simulator's -seed file (ecssim.ServerSpec on the wire).
type seedServer struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	OSType          string `json:"os_type"`
	KeyName         string `json:"key_name,omitempty"`
	PublicKey       string `json:"public_key,omitempty"`
	WindowsPassword string `json:"windows_password,omitempty"`
}

// newFixture generates a 2048-bit RSA key pair (private key written to dir with mode 0600),
// the two passwords and the seed file.
func newFixture(dir string) (*fixture, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	f := &fixture{
		linuxID:        newUUID(),
		windowsID:      newUUID(),
		keyName:        "demo-keypair",
		privateKeyPath: filepath.Join(dir, "demo-keypair.pem"),
		privateKeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		seedPath:       filepath.Join(dir, "seed.json"),
	}
	if f.linuxPassword, err = newPassword(16); err != nil {
		return nil, err
	}
	if f.windowsPassword, err = newPassword(16); err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.privateKeyPath, f.privateKeyPEM, 0o600); err != nil {
		return nil, err
	}
	seed, err := json.MarshalIndent([]seedServer{
		{ID: f.linuxID, Name: "demo-linux", OSType: "Linux"},
		{
			ID: f.windowsID, Name: "demo-windows", OSType: "Windows", KeyName: f.keyName,
			PublicKey:       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
			WindowsPassword: f.windowsPassword,
		},
	}, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.seedPath, seed, 0o600); err != nil {
		return nil, err
	}
	return f, nil
}

// secrets lists values that must never be written to the working directory: both passwords and
// the body of the private key.
func (f *fixture) secrets() []string {
	s := []string{f.linuxPassword, f.windowsPassword}
	if lines := strings.Split(string(f.privateKeyPEM), "\n"); len(lines) > 2 {
		s = append(s, lines[1]) // the first base64 line of the key body
	}
	return s
}

// Character classes of the API's password policy (contract §9).
const (
	upper    = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	lower    = "abcdefghijkmnpqrstuvwxyz"
	digits   = "23456789"
	specials = "!@%-_=+[]:./?"
)

// newPassword returns a random password of length n (8..26) that satisfies the policy the API
// enforces with is_check_password: all four character classes, nothing outside them, no user
// name forwards or backwards, and no three consecutive characters of "Administrator".
func newPassword(n int) (string, error) {
	if n < 8 || n > 26 {
		return "", fmt.Errorf("password length %d outside 8..26", n)
	}
	all := upper + lower + digits + specials
	for {
		b := make([]byte, n)
		for i, class := range []string{upper, lower, digits, specials} {
			c, err := pick(class)
			if err != nil {
				return "", err
			}
			b[i] = c
		}
		for i := 4; i < n; i++ {
			c, err := pick(all)
			if err != nil {
				return "", err
			}
			b[i] = c
		}
		if err := shuffle(b); err != nil {
			return "", err
		}
		if p := string(b); policyOK(p) {
			return p, nil
		}
	}
}

// policyOK checks the name rules of the policy; the character rules hold by construction.
func policyOK(p string) bool {
	l := strings.ToLower(p)
	for _, name := range []string{"administrator", "rotartsinimda", "root", "toor"} {
		if strings.Contains(l, name) {
			return false
		}
	}
	const admin = "administrator"
	for i := 0; i+3 <= len(admin); i++ {
		if strings.Contains(l, admin[i:i+3]) {
			return false
		}
	}
	return true
}

func pick(set string) (byte, error) {
	i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
	if err != nil {
		return 0, err
	}
	return set[i.Int64()], nil
}

func shuffle(b []byte) error {
	for i := len(b) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return err
		}
		b[i], b[j.Int64()] = b[j.Int64()], b[i]
	}
	return nil
}

// newUUID returns a random (version 4) UUID, the shape of ECS server IDs.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics on an unusable source)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
