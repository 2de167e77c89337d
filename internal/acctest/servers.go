package acctest

import (
	"crypto/rsa"
	"sync"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// WindowsInitialPassword is the initial password WindowsServer stores, encrypted, for each
// server it seeds.
const WindowsInitialPassword = "Kx7!mQ2@vW9-zP4_"

// windowsKey is generated once per test binary: RSA key generation takes a noticeable fraction
// of a second, and which key a test server has rarely matters.
var windowsKey = sync.OnceValues(testfixture.RSAKey)

// WindowsServerKey returns the key pair of the servers WindowsServer seeds, for tests that
// decrypt the stored password.
func WindowsServerKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	key, err := windowsKey()
	if err != nil {
		t.Fatalf("generating an RSA key: %v", err)
	}
	return key
}

// WindowsServer seeds a Windows server that stores WindowsInitialPassword encrypted with
// WindowsServerKey, and returns its ID.
func WindowsServer(t testing.TB, sim *simtest.Sim) string {
	t.Helper()
	pub, err := testfixture.PublicKeyPEM(WindowsServerKey(t))
	if err != nil {
		t.Fatalf("rendering the public key: %v", err)
	}
	return sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pub, WindowsPassword: WindowsInitialPassword})
}
