package provider

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

const testWindowsDataSource = "data.ecs_server_windows_password.test"

func testAccWindowsPasswordDataSourceConfig(provider, serverID, extra, privateKeyPEM string) string {
	return provider + fmt.Sprintf(`
data "ecs_server_windows_password" "test" {
  server_id = %[1]q
%[2]s
}

output "decrypted" {
  value = data.ecs_server_windows_password.test.available ? nonsensitive(rsadecrypt(data.ecs_server_windows_password.test.encrypted_password, %[3]q)) : ""
}
`, serverID, extra, privateKeyPEM)
}

// TestAccServerWindowsPasswordDataSource_basic reads a stored password and
// decrypts it with Terraform's rsadecrypt(): the result is the plaintext the
// simulator was seeded with.
func TestAccServerWindowsPasswordDataSource_basic(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	const plaintext = "Wq7!rP2m@Zx9-Kd"
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: plaintext})
	st := sim.State(id)

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccWindowsPasswordDataSourceConfig(provider, id, "", testfixture.PrivateKeyPEM(key)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("encrypted_password"), knownvalue.StringExact(st.EncryptedPassword)),
					statecheck.ExpectSensitiveValue(testWindowsDataSource, tfjsonpath.New("encrypted_password")),
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("available"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("api"), knownvalue.StringExact("v1")),
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("wait_for_password"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownOutputValue("decrypted", knownvalue.StringExact(plaintext)),
					acctest.ExpectGETAtLeast(sim, "/v1/{project_id}/cloudservers/{server_id}/os-server-password", 1),
					// Reading never deletes the stored password.
					acctest.ExpectServer(sim, id, func(st ecssim.ServerState) error {
						if !st.WindowsPasswordPresent {
							return fmt.Errorf("the stored password is gone after a read")
						}
						return nil
					}),
				},
			},
		},
	})
}

// TestAccServerWindowsPasswordDataSource_apiV21 reads through the v2.1 API.
func TestAccServerWindowsPasswordDataSource_apiV21(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	const plaintext = "Wq7!rP2m@Zx9-Kd"
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key), WindowsPassword: plaintext})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccWindowsPasswordDataSourceConfig(provider, id, `  api = "v2.1"`, pemPKCS8(t, key)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("decrypted", knownvalue.StringExact(plaintext)),
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("api"), knownvalue.StringExact("v2.1")),
					acctest.ExpectGETAtLeast(sim, "/v2.1/{project_id}/servers/{server_id}/os-server-password", 1),
					acctest.ExpectRoute(sim, "GET", "/v1/{project_id}/cloudservers/{server_id}/os-server-password", 0),
				},
			},
		},
	})
}

// TestAccServerWindowsPasswordDataSource_none proves that a server without a
// stored password reads as unavailable with an empty value, without waiting.
func TestAccServerWindowsPasswordDataSource_none(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: pemPublic(t, key)})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccWindowsPasswordDataSourceConfig(provider, id, "", testfixture.PrivateKeyPEM(key)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("encrypted_password"), knownvalue.StringExact("")),
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("available"), knownvalue.Bool(false)),
					statecheck.ExpectKnownOutputValue("decrypted", knownvalue.StringExact("")),
				},
			},
		},
	})
}

// TestAccServerWindowsPasswordDataSource_wait proves that wait_for_password
// keeps polling until the password appears: here it is stored only after
// the first read has answered "none yet".
func TestAccServerWindowsPasswordDataSource_wait(t *testing.T) {
	t.Parallel()
	key, _, _ := testRSAKeys(t)
	const plaintext = "Wq7!rP2m@Zx9-Kd"
	publicKey := pemPublic(t, key)

	var simRef atomic.Pointer[simtest.Sim]
	var reads, stored atomic.Int32
	var id string
	sim := simtest.Start(t, ecssim.Config{
		OnRequest: func(rec ecssim.RequestRecord) {
			if rec.Method != "GET" || rec.Route != "/v1/{project_id}/cloudservers/{server_id}/os-server-password" {
				return
			}
			// The first read found nothing; Cloudbase-Init "finishes" now.
			if reads.Add(1) == 1 {
				go func() {
					pw := plaintext
					if _, err := simRef.Load().UpdateServer(id, ecssim.ServerPatch{WindowsPassword: &pw}); err == nil {
						stored.Add(1)
					}
				}()
			}
		},
	})
	simRef.Store(sim)
	id = sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows", PublicKey: publicKey})
	provider := acctest.ProviderBlock(sim.URL, acctest.ProviderOptions{})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccWindowsPasswordDataSourceConfig(provider, id, `
  wait_for_password = true
  timeouts = {
    read = "2m"
  }
`, testfixture.PrivateKeyPEM(key)),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("available"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(testWindowsDataSource, tfjsonpath.New("wait_for_password"), knownvalue.Bool(true)),
					statecheck.ExpectKnownOutputValue("decrypted", knownvalue.StringExact(plaintext)),
					acctest.SimCheck(func() error {
						if reads.Load() < 2 || stored.Load() != 1 {
							return fmt.Errorf("the data source read %d times and the password was stored %d times; want at least 2 reads after 1 store",
								reads.Load(), stored.Load())
						}
						return nil
					}),
				},
			},
		},
	})
}

// TestAccServerWindowsPasswordDataSource_waitTimeout proves that waiting ends
// with the read timeout and an explanation of the preconditions, naming the
// visible reason (no key pair).
func TestAccServerWindowsPasswordDataSource_waitTimeout(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	key, _, _ := testRSAKeys(t)
	id := sim.MustAddServer(ecssim.ServerSpec{OSType: "Windows"})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccWindowsPasswordDataSourceConfig(provider, id, `
  wait_for_password = true
  timeouts = {
    read = "2s"
  }
`, testfixture.PrivateKeyPEM(key)),
				ExpectError: answeredPattern([]string{"Windows Password Not Available", id,
					"no password was stored after waiting", "created without a key pair"},
					"Cloudbase-Init", "with a key pair", "5 to 10 minutes after the first boot"),
			},
		},
	})
}

// TestAccServerWindowsPasswordDataSource_unknownServer proves that a missing
// server is an error naming the server, the API code and the request ID.
func TestAccServerWindowsPasswordDataSource_unknownServer(t *testing.T) {
	t.Parallel()
	_, provider := acctest.NewSimulator(t)
	const missing = "6d0f3f3e-0000-4000-8000-000000000001"

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      testAccWindowsPasswordDataSourceConfig(provider, missing, "", "unused"),
				ExpectError: apiErrorPattern("Unable to Read Windows Password", missing, "Ecs.0114", "No server with this ID exists"),
			},
		},
	})
}
