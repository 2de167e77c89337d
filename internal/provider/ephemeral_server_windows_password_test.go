package provider

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// testAccWindowsPasswordEphemeralEchoConfig opens the ephemeral resource and
// hands its password to the echo provider, whose state a test can read.
func testAccWindowsPasswordEphemeralEchoConfig(provider, serverID, privateKeyPEM, extra string) string {
	return provider + fmt.Sprintf(`
ephemeral "ecs_server_windows_password" "test" {
  server_id   = %[1]q
  private_key = %[2]q
%[3]s
}

provider "echo" {
  data = ephemeral.ecs_server_windows_password.test.password
}

resource "echo" "test" {}
`, serverID, privateKeyPEM, extra)
}

// TestAccServerWindowsPasswordEphemeral_decrypt proves that the decrypted
// password equals the plaintext the simulator was seeded with, for PKCS#1
// and PKCS#8 keys and both API families.
func TestAccServerWindowsPasswordEphemeral_decrypt(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	const plaintext = "Wq7!rP2m@Zx9-Kd"
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: plaintext})

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactoriesWithEcho,
		Steps: []resource.TestStep{
			{
				Config: testAccWindowsPasswordEphemeralEchoConfig(provider, id, testfixture.PrivateKeyPEM(key), ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data"), knownvalue.StringExact(plaintext)),
					acctest.ExpectGETAtLeast(sim, "/v1/{project_id}/cloudservers/{server_id}/os-server-password", 1),
				},
			},
			{
				// A new key format and API family; echo shows the same value,
				// so its plan is empty.
				Config: testAccWindowsPasswordEphemeralEchoConfig(provider, id, pemPKCS8(t, key), `  api = "v2.1"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						acctest.ExpectGETAtLeast(sim, "/v2.1/{project_id}/servers/{server_id}/os-server-password", 1),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("echo.test", tfjsonpath.New("data"), knownvalue.StringExact(plaintext)),
				},
			},
		},
	})
}

// TestAccServerWindowsPasswordEphemeral_notStored proves that the decrypted
// password stays out of plan and state while it flows into a write-only
// argument: the server ends up with it as its password.
func TestAccServerWindowsPasswordEphemeral_notStored(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	const plaintext = "Wq7!rP2m@Zx9-Kd"
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: plaintext})

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: provider + fmt.Sprintf(`
ephemeral "ecs_server_windows_password" "initial" {
  server_id   = %[1]q
  private_key = %[2]q
}

resource "ecs_server_password" "test" {
  server_id                  = %[1]q
  password_wo                = ephemeral.ecs_server_windows_password.initial.password
  password_wo_version        = 1
  delete_password_on_destroy = false
}
`, id, testfixture.PrivateKeyPEM(key)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{acctest.SecretAbsent(plaintext)},
					PostApplyPostRefresh: []plancheck.PlanCheck{acctest.SecretAbsent(plaintext)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					acctest.SecretAbsent(plaintext),
					acctest.ExpectResets(sim, id, plaintext, 1, "v1"),
				},
			},
		},
	})
}

// TestAccServerWindowsPasswordEphemeral_errors proves that each way a key or
// a ciphertext can be wrong gets its own error.
func TestAccServerWindowsPasswordEphemeral_errors(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, otherKey, _ := testRSAKeys(t)
	const plaintext = "Wq7!rP2m@Zx9-Kd"
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: plaintext})
	empty := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key)})

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	encrypted := string(pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   []byte("ciphertext"),
	}))

	cases := []struct {
		serverID, key string
		want          *regexp.Regexp
	}{
		{id, pemPKCS8(t, ecKey), regexp.MustCompile(wordsPattern("Private Key Is Not an RSA Key", id, "EC (ECDSA)"))},
		{id, pemPKCS8(t, edKey), regexp.MustCompile(wordsPattern("Private Key Is Not an RSA Key", id, "Ed25519"))},
		{id, encrypted, regexp.MustCompile(wordsPattern("Private Key Is Encrypted", id, "passphrase"))},
		{id, "not a key at all", regexp.MustCompile(wordsPattern("Private Key Is Not PEM", id))},
		{id, testfixture.PrivateKeyPEM(otherKey), regexp.MustCompile(wordsPattern("Private Key Does Not Match the Encrypted Password", id, "different key pair"))},
		{empty, testfixture.PrivateKeyPEM(key), answeredPattern([]string{"No Windows Password Stored", empty}, "Cloudbase-Init", "wait_for_password = true")},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      testAccWindowsPasswordEphemeralEchoConfig(provider, tc.serverID, tc.key, ""),
			ExpectError: tc.want,
		})
	}

	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactoriesWithEcho,
		Steps:                    steps,
	})
}
