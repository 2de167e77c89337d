package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
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

// newFixture generates a 2048-bit RSA key pair (private key written to dir with mode 0600),
// the two passwords and the seed file.
func newFixture(dir string) (*fixture, error) {
	key, err := testfixture.RSAKey()
	if err != nil {
		return nil, err
	}
	pub, err := testfixture.PublicKeyPEM(key)
	if err != nil {
		return nil, err
	}
	f := &fixture{
		linuxID:         newUUID(),
		windowsID:       newUUID(),
		keyName:         "demo-keypair",
		privateKeyPath:  filepath.Join(dir, "demo-keypair.pem"),
		privateKeyPEM:   []byte(testfixture.PrivateKeyPEM(key)),
		seedPath:        filepath.Join(dir, "seed.json"),
		linuxPassword:   testfixture.Password(),
		windowsPassword: testfixture.Password(),
	}
	if err := os.WriteFile(f.privateKeyPath, f.privateKeyPEM, 0o600); err != nil {
		return nil, err
	}
	seed, err := json.MarshalIndent([]ecssim.ServerSpec{
		{ID: f.linuxID, Name: "demo-linux", OSType: "Linux"},
		{
			ID: f.windowsID, Name: "demo-windows", OSType: "Windows", KeyName: f.keyName,
			PublicKey:       pub,
			WindowsPassword: f.windowsPassword,
			// The initial password is what a login accepts until a reset takes effect.
			LoginPassword: f.windowsPassword,
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

// secrets lists values that must never be written to the working directory or the CLI's
// output: both passwords and every base64 line of the private key's body, since a key that is
// logged whole, re-wrapped or cut still contains at least one of them.
func (f *fixture) secrets() []string {
	s := []string{f.linuxPassword, f.windowsPassword}
	for _, line := range strings.Split(string(f.privateKeyPEM), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "-----") {
			s = append(s, line)
		}
	}
	return s
}

// newUUID returns a random (version 4) UUID, the shape of ECS server IDs.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics on an unusable source)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
