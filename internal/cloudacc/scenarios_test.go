package cloudacc

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// The scenarios run one after another, never in parallel: several of them reset the same server,
// and a real account should see one change at a time. Each names what it checks and what no
// black-box test can check.

const passwordAddr = "ecs_server_password.test"

// statusPollInterval is how often a watched server's status is read while Terraform applies: often
// enough to see a reboot go by (on a real cloud it lasts tens of seconds), seldom enough to stay
// far below the API's rate limits.
const statusPollInterval = 200 * time.Millisecond

// rfc3339 matches last_reset_at.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// resetRecorded checks the state of the test's resource, whose last apply reset the password and needed no
// restart after it.
func resetRecorded(serverID string) []statecheck.StateCheck {
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("id"), knownvalue.StringExact(serverID)),
		statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("last_reset_at"), knownvalue.StringRegexp(rfc3339)),
		statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("restart_pending"), knownvalue.Bool(false)),
	}
}

// resetInPlace checks that the plan updates the test's resource in place and resets its password
// (last_reset_at is unknown only when a reset will be sent).
func resetInPlace() []plancheck.PlanCheck {
	return []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(passwordAddr, tfjsonpath.New("last_reset_at")),
	}
}

// TestAccCloud_resetFlag reads the password reset flag of the Linux and the Windows server.
//
// Checks: the Linux server reports "True" (the reset plug-in is there, which every other
// scenario relies on), and for both servers `supported` agrees with the raw flag.
// Cannot check: whether the plug-in in the guest really applies a password at the next boot;
// the flag is the API's word for it.
func TestAccCloud_resetFlag(t *testing.T) {
	c := preCheck(t)
	agrees := func(addr string) check {
		return func(doc map[string]any) error {
			flag, err := stateValue(doc, addr, "flag")
			if err != nil {
				return err
			}
			supported, err := stateValue(doc, addr, "supported")
			if err != nil {
				return err
			}
			if flag != "True" && flag != "False" {
				return fmt.Errorf("%s: flag is %v, want True or False", addr, flag)
			}
			if supported != (flag == "True") {
				return fmt.Errorf("%s: supported is %v for flag %v", addr, supported, flag)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock + fmt.Sprintf(`
data "ecs_server_password_reset_flag" "linux" {
  server_id = %q
}

data "ecs_server_password_reset_flag" "windows" {
  server_id = %q
}
`, c.linuxID, c.windowsID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.linux", tfjsonpath.New("flag"), knownvalue.StringExact("True")),
				statecheck.ExpectKnownValue("data.ecs_server_password_reset_flag.linux", tfjsonpath.New("id"), knownvalue.StringExact(c.linuxID)),
				agrees("data.ecs_server_password_reset_flag.linux"),
				agrees("data.ecs_server_password_reset_flag.windows"),
			},
		}},
	})
}

// TestAccCloud_writeOnlyResetAndRotation resets the Linux server's password from a write-only
// argument, then rotates it by bumping the version.
//
// Checks: the create and the in-place update are planned and the API accepts both resets (a
// refused or unanswered reset fails the apply); last_reset_at is recorded; neither password ever
// appears in a plan or the state (it comes from an ephemeral variable); the refresh after each
// apply finds the server.
// Cannot check: that the server now holds the second password, which only a login after a boot
// would show (see TestAccCloud_restart for the boot).
func TestAccCloud_writeOnlyResetAndRotation(t *testing.T) {
	c := preCheck(t)
	pw1, pw2 := newPassword(), newPassword()
	cfg := func(version int) string {
		return providerBlock + passwordVariable + c.passwordResource(t, c.linuxID, writeOnlyFromVariable(version)...)
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:          cfg(1),
				ConfigVariables: config.Variables{"password": config.StringVariable(pw1)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionCreate), secretAbsent(pw1)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secretAbsent(pw1)},
				},
				ConfigStateChecks: append(resetRecorded(c.linuxID),
					secretAbsent(pw1),
					statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("password"), knownvalue.Null()),
					statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
				),
			},
			{
				Config:          cfg(2),
				ConfigVariables: config.Variables{"password": config.StringVariable(pw2)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             append(resetInPlace(), secretAbsent(pw1), secretAbsent(pw2)),
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), secretAbsent(pw2)},
				},
				ConfigStateChecks: append(resetRecorded(c.linuxID),
					secretAbsent(pw1), secretAbsent(pw2),
					statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("password_wo_version"), knownvalue.Int64Exact(2)),
				),
			},
		},
	})
}

// TestAccCloud_stateStoredReset resets the Linux server's password from the state-stored
// `password` argument (for Terraform and OpenTofu before 1.11), then changes it.
//
// Checks: the API accepts both resets; the state stores the password the configuration gave,
// marked sensitive, and the change is an in-place update.
// Cannot check: that the server holds the new password (no login).
func TestAccCloud_stateStoredReset(t *testing.T) {
	c := preCheck(t)
	pw1, pw2 := newPassword(), newPassword()
	cfg := func(pw string) string {
		return providerBlock + c.passwordResource(t, c.linuxID, attr("password", pw))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg(pw1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: append(resetRecorded(c.linuxID),
					secretIs(passwordAddr, "password", pw1),
					statecheck.ExpectSensitiveValue(passwordAddr, tfjsonpath.New("password")),
				),
			},
			{
				Config: cfg(pw2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: resetInPlace(),
				},
				ConfigStateChecks: append(resetRecorded(c.linuxID), secretIs(passwordAddr, "password", pw2)),
			},
		},
	})
}

// TestAccCloud_import imports the Linux server's password resource by server ID, then applies
// the configuration, which resets the password.
//
// Checks: the import finds the server (an unknown ID fails it) and records the documented
// defaults with no password and no last_reset_at; the next plan is an in-place update that resets
// the password, and the API accepts it.
// Cannot check: the password the server had before the import: no API returns it.
func TestAccCloud_import(t *testing.T) {
	c := preCheck(t)
	cfg := providerBlock + c.passwordResource(t, c.linuxID, attr("password", newPassword()))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:             cfg,
				ResourceName:       passwordAddr,
				ImportState:        true,
				ImportStateId:      c.linuxID,
				ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 {
						return fmt.Errorf("the import produced %d objects, want 1", len(states))
					}
					got := states[0].Attributes
					for name, want := range map[string]string{
						"id": c.linuxID, "server_id": c.linuxID, "api": "v1", "restart": "none",
						"check_password": "true", "verify_reset_support": "true", "delete_password_on_destroy": "true",
					} {
						if got[name] != want {
							return fmt.Errorf("imported %s = %q, want %q", name, got[name], want)
						}
					}
					for _, name := range []string{"password", "password_wo_version", "last_reset_at"} {
						if got[name] != "" {
							return fmt.Errorf("imported %s is set; the import cannot know it", name)
						}
					}
					return nil
				},
			},
			{
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: resetInPlace(),
				},
				ConfigStateChecks: resetRecorded(c.linuxID),
			},
		},
	})
}

// TestAccCloud_windowsPassword reads the Windows server's stored password with the data source
// and decrypts it in memory with the ephemeral resource, through v1 and then v2.1.
//
// Checks: a password is stored for the Windows server and none for the Linux server; the
// ephemeral resource's in-memory decryption equals Terraform's own rsadecrypt() of the data
// source's ciphertext with the same key file; both API families return the same password.
// Cannot check: that the Administrator account still accepts it: a password changed inside the
// guest (or reset by this provider) leaves the stored initial password as it was.
func TestAccCloud_windowsPassword(t *testing.T) {
	c := preCheck(t)
	cfg := func(api string) string {
		return providerBlock + fmt.Sprintf(`
data "ecs_server_windows_password" "windows" {
  server_id = %[1]q
  api       = %[4]q
}

data "ecs_server_windows_password" "linux" {
  server_id = %[2]q
  api       = %[4]q
}

ephemeral "ecs_server_windows_password" "windows" {
  server_id   = %[1]q
  private_key = file(%[3]q)
  api         = %[4]q
}

provider "echo" {
  data = ephemeral.ecs_server_windows_password.windows.password
}

resource "echo" "windows" {}

resource "terraform_data" "rsadecrypt" {
  input = rsadecrypt(data.ecs_server_windows_password.windows.encrypted_password, file(%[3]q))
}
`, c.windowsID, c.linuxID, c.windowsKeyFile, api)
	}
	// The digest of the password the first step decrypted, for the second step to compare with.
	var first [sha256.Size]byte
	remember := func(doc map[string]any) error {
		pw, err := stateSecret(doc, "echo.windows", "data")
		first = sha256.Sum256([]byte(pw))
		return err
	}
	sameAsFirst := func(doc map[string]any) error {
		pw, err := stateSecret(doc, "echo.windows", "data")
		if err != nil {
			return err
		}
		if sha256.Sum256([]byte(pw)) != first {
			return errors.New("the v2.1 API gave another password than the v1 API (values not shown)")
		}
		return nil
	}
	checks := func(extra check) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.ecs_server_windows_password.windows", tfjsonpath.New("available"), knownvalue.Bool(true)),
			statecheck.ExpectSensitiveValue("data.ecs_server_windows_password.windows", tfjsonpath.New("encrypted_password")),
			statecheck.ExpectKnownValue("data.ecs_server_windows_password.linux", tfjsonpath.New("available"), knownvalue.Bool(false)),
			statecheck.ExpectKnownValue("data.ecs_server_windows_password.linux", tfjsonpath.New("encrypted_password"), knownvalue.StringExact("")),
			secretsEqual("echo.windows", "data", "terraform_data.rsadecrypt", "output"),
			extra,
		}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)},
		ProtoV6ProviderFactories: providerFactoriesWithEcho,
		Steps: []resource.TestStep{
			{Config: cfg("v1"), ConfigStateChecks: checks(remember)},
			{Config: cfg("v2.1"), ConfigStateChecks: checks(sameAsFirst)},
		},
	})
}

// TestAccCloud_apiFamilies resets the Linux server's password through v2.1, then v1, then v2.1
// again, and switches the family once without a new password.
//
// Checks: the API accepts resets through both families; refreshes read the server through
// whichever family the state names; changing only `api` plans an update that resets nothing.
// Cannot check from here which family a reset went to: both answer 204 with no body. See
// TestAccCloud_apiFamilyOfReset and TestAccCloud_iamDenialExplained, which can tell them apart.
func TestAccCloud_apiFamilies(t *testing.T) {
	c := preCheck(t)
	cfg := func(api, pw string, version int) string {
		return providerBlock + c.passwordResource(t, c.linuxID, append(writeOnly(pw, version), attr("api", api))...)
	}
	pw1, pw2, pw3 := newPassword(), newPassword(), newPassword()
	apiIs := func(api string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("api"), knownvalue.StringExact(api))
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:            cfg("v2.1", pw1, 1),
				ConfigStateChecks: append(resetRecorded(c.linuxID), apiIs("v2.1")),
			},
			{
				// Only the family changes: no reset, so last_reset_at is known in the plan.
				Config: cfg("v1", pw1, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(passwordAddr, tfjsonpath.New("last_reset_at"), knownvalue.StringRegexp(rfc3339)),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{apiIs("v1")},
			},
			{
				Config:            cfg("v1", pw2, 2),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: resetInPlace()},
				ConfigStateChecks: append(resetRecorded(c.linuxID), apiIs("v1")),
			},
			{
				Config:            cfg("v2.1", pw3, 3),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: resetInPlace()},
				ConfigStateChecks: append(resetRecorded(c.linuxID), apiIs("v2.1")),
			},
		},
	})
}

// TestAccCloud_apiFamilyOfReset sends a reset through each family to a server ID that exists
// nowhere (a fresh random UUID, checked to be unknown to both families before anything is sent),
// and reads the family from the refusal: each family answers "not found" in its own error format,
// v2.1 as a Nova fault (itemNotFound), v1 with an ECS code (Ecs.0114 or Ecs.0614).
//
// Checks: a reset configured for v2.1 reaches the v2.1 API and one configured for v1 reaches
// v1, which no success answer can show. It changes nothing anywhere: the server does not exist.
// Cannot check: the family of a successful reset (both answer 204 with no body).
func TestAccCloud_apiFamilyOfReset(t *testing.T) {
	c := preCheck(t)
	nowhere := randomUUID()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, api := range []ecsapi.API{ecsapi.APIV1, ecsapi.APIV21} {
		if _, err := c.client.GetServer(ctx, api, nowhere); !ecsapi.IsNotFound(err) {
			t.Fatalf("refusing to send a reset to %s: the %s API did not say it is unknown (%v)", nowhere, api, err)
		}
	}
	cfg := func(api string) string {
		return providerBlock + c.passwordResource(t, nowhere,
			attr("password", newPassword()), attr("api", api), "verify_reset_support = false")
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg("v2.1"),
				ExpectError: wordsPattern("Unable to Reset Server Password", nowhere,
					"API error code: itemNotFound", "HTTP status: 404"),
			},
			{
				Config: cfg("v1"),
				ExpectError: wordsPattern("Unable to Reset Server Password", nowhere,
					`re:API[\s│]+error[\s│]+code:[\s│]+Ecs\.0[16]14\b`, "HTTP status: 404"),
			},
		},
	})
}

// TestAccCloud_iamDenialExplained runs as the enterprise-project principal
// (ECS_ACC_LIMITED_ACCESS_KEY): its ECS permissions come only from a grant on the Linux server's
// enterprise project, which the v1 API honours and the v2.1 API ignores.
//
// Checks: a reset through v2.1 is denied (403) and the error explains the denial: the API's
// error code and request ID, and that v2.1 ignores enterprise-project grants so `api = "v1"` is
// the fix; the same reset through v1 is accepted. A provider that sent the v2.1 reset through
// v1 would see it accepted and fail the first step.
// Cannot check: the IAM policy itself; only its effect on the two calls.
func TestAccCloud_iamDenialExplained(t *testing.T) {
	c := preCheck(t)
	c.useLimitedPrincipal(t)
	cfg := func(api string) string {
		return providerBlock + c.passwordResource(t, c.linuxID, attr("password", newPassword()), attr("api", api))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: cfg("v2.1"),
				ExpectError: wordsPattern("Unable to Reset Server Password", c.linuxID, "through the v2.1 API",
					`re:API[\s│]+error[\s│]+code:[\s│]+\S+[\s│]+Request[\s│]+ID:[\s│]+\S+`, "HTTP status: 403",
					"does not honour permissions granted through an enterprise project", `api = "v1"`),
			},
			{
				Config:            cfg("v1"),
				ConfigStateChecks: resetRecorded(c.linuxID),
			},
		},
	})
}

// TestAccCloud_restart resets the Linux server's password with restart = "soft": the provider
// reboots the server and waits for the reboot job. Runs only with ECS_ACC_RESTART=1, since the
// reboot interrupts the server.
//
// Checks: the server, watched from outside while Terraform applies, goes through REBOOT; the
// apply succeeds, which it does only when the reboot job ends in SUCCESS (a failed job fails the
// apply and sets restart_pending); restart_pending is false; the server is ACTIVE afterwards, as it
// was before.
// Cannot check: that the guest applied the new password at the boot: only a login would show it.
func TestAccCloud_restart(t *testing.T) {
	c := preCheck(t)
	c.needRestart(t)
	var watch *statusWatch
	rebooted := observe(func() error {
		seen, errs := watch.stop()
		if seen["REBOOT"]+seen["HARD_REBOOT"] == 0 {
			return fmt.Errorf("the server was never seen rebooting while Terraform applied (statuses seen: %v, failed reads: %d)", seen, errs)
		}
		return c.expectStatus(c.linuxID, "ACTIVE", 5*time.Minute)
	})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				if err := c.expectStatus(c.linuxID, "ACTIVE", 0); err != nil {
					t.Fatal(err)
				}
				watch = c.watchStatus(c.linuxID, statusPollInterval)
				t.Cleanup(func() { watch.stop() })
			},
			Config: providerBlock + c.passwordResource(t, c.linuxID,
				append(writeOnly(newPassword(), 1), attr("restart", "soft"), `timeouts = { create = "20m" }`)...),
			ConfigStateChecks: append(resetRecorded(c.linuxID), rebooted),
		}},
	})
}

// TestAccCloud_stoppedServer resets the stopped server's password with restart = "soft".
//
// Checks: the API accepts the reset of a stopped server; the provider leaves it stopped (no
// reboot, no start: watched from outside while Terraform applies, it is never anything but
// SHUTOFF) and records no pending restart.
// Cannot check: that the password applies when the server next starts; the test does not start
// it, to leave it as it was.
func TestAccCloud_stoppedServer(t *testing.T) {
	c := preCheck(t)
	c.needStopped(t)
	var watch *statusWatch
	stayedStopped := observe(func() error {
		seen, errs := watch.stop()
		if len(seen) != 1 || seen["SHUTOFF"] == 0 {
			return fmt.Errorf("the stopped server did not stay SHUTOFF while Terraform applied (statuses seen: %v, failed reads: %d)", seen, errs)
		}
		return c.expectStatus(c.stoppedID, "SHUTOFF", 0)
	})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				watch = c.watchStatus(c.stoppedID, statusPollInterval)
				t.Cleanup(func() { watch.stop() })
			},
			Config: providerBlock + c.passwordResource(t, c.stoppedID,
				append(writeOnly(newPassword(), 1), attr("restart", "soft"))...),
			ConfigStateChecks: append(resetRecorded(c.stoppedID), stayedStopped),
		}},
	})
}

// TestAccCloud_deleteOnDestroy is the one destructive scenario, and runs only on the disposable
// server: it resets its password with delete_password_on_destroy = true, then destroys the
// resource, which deletes the stored Windows password for good.
//
// Checks: the stored password is there before the destroy (a reset leaves it alone) and gone
// after it, as both the data source and the API show.
// Cannot check: that no copy of the password survives elsewhere; only that the API no longer
// returns it. If the server stores no password to begin with, the deletion cannot be observed and
// the scenario is skipped.
func TestAccCloud_deleteOnDestroy(t *testing.T) {
	c := preCheck(t)
	c.needDisposable(t)
	stored, err := c.storedWindowsPassword(c.disposableID)
	if err != nil {
		t.Fatalf("reading the stored password of %s: %v", envDisposableServer, err)
	}
	if !stored {
		t.Skipf("%s stores no Windows password, so its deletion cannot be observed: name a Windows server created "+
			"with a key pair whose stored password has not been deleted", envDisposableServer)
	}
	dataSource := fmt.Sprintf(`
data "ecs_server_windows_password" "disposable" {
  server_id = %q
}
`, c.disposableID)
	storedIs := func(want bool) []statecheck.StateCheck {
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.ecs_server_windows_password.disposable", tfjsonpath.New("available"), knownvalue.Bool(want)),
			observe(func() error {
				got, err := c.storedWindowsPassword(c.disposableID)
				if err == nil && got != want {
					err = fmt.Errorf("the API says a password is stored for %s: %v, want %v", c.disposableID, got, want)
				}
				return err
			}),
		}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: providerBlock + dataSource + c.passwordResource(t, c.disposableID,
					append(writeOnly(newPassword(), 1), "delete_password_on_destroy = true")...),
				ConfigStateChecks: append(resetRecorded(c.disposableID), storedIs(true)...),
			},
			{
				// The resource leaves the configuration: Terraform destroys it. The data source
				// was read before the destroy, so only the API can tell yet.
				Config: providerBlock + dataSource,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(passwordAddr, plancheck.ResourceActionDestroy)},
				},
				ConfigStateChecks: storedIs(false)[1:],
			},
			{
				Config:            providerBlock + dataSource,
				ConfigStateChecks: storedIs(false),
			},
		},
	})
}
