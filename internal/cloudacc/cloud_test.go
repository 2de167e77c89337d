package cloudacc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/provider"
)

// The variables that opt in to the black-box mode and name its targets. README.md, "Testing
// against your account", documents them.
const (
	// envOptIn must be "1", on top of TF_ACC, for any test here to run.
	envOptIn = "ECS_ACC_CLOUD"
	// envLinuxServer names a running Linux server whose root password the tests reset.
	envLinuxServer = "ECS_ACC_LINUX_SERVER_ID"
	// envWindowsServer names a Windows server created with a key pair, whose stored initial
	// password the tests read and decrypt, and never delete.
	envWindowsServer = "ECS_ACC_WINDOWS_SERVER_ID"
	// envWindowsKeyFile is the PEM file of that key pair's private key.
	envWindowsKeyFile = "ECS_ACC_WINDOWS_PRIVATE_KEY_FILE"
	// envStoppedServer optionally names a stopped server that a reset with restart must leave
	// stopped.
	envStoppedServer = "ECS_ACC_STOPPED_SERVER_ID"
	// envDisposableServer optionally names the one server on which destructive steps run: the
	// deletion of the stored Windows password on destroy. Naming it is the opt-in to them.
	envDisposableServer = "ECS_ACC_DISPOSABLE_SERVER_ID"
	// envRestart set to "1" allows the scenario that reboots the Linux server.
	envRestart = "ECS_ACC_RESTART"
	// envLimitedAccessKey and envLimitedSecretKey optionally name a second principal whose
	// permissions come only from an enterprise-project grant that covers the Linux server.
	envLimitedAccessKey = "ECS_ACC_LIMITED_ACCESS_KEY"
	envLimitedSecretKey = "ECS_ACC_LIMITED_SECRET_KEY"
)

// The provider's own variables (internal/provider/provider_config.go); the tests read only
// those they need to reach the API themselves, and hand the whole environment to the provider.
const (
	envRegion        = "HW_REGION_NAME"
	envProjectID     = "HW_PROJECT_ID"
	envAccessKey     = "HW_ACCESS_KEY"
	envSecretKey     = "HW_SECRET_KEY"
	envSecurityToken = "HW_SECURITY_TOKEN"
	envToken         = "HW_AUTH_TOKEN"
	envCloud         = "HW_CLOUD"
	envECSEndpoint   = "HW_ECS_ENDPOINT"
	envIAMEndpoint   = "HW_IAM_ENDPOINT"
	envInsecure      = "HW_INSECURE"
)

// providerBlock is the whole provider configuration of every test: everything comes from the
// environment, as it would for a user who keeps credentials out of configuration files.
const providerBlock = "provider \"ecs\" {}\n"

// newProviderServer serves the provider as Terraform runs it, with the process environment:
// unlike the factory of internal/provider's tests, which hides HW_* from the provider, this is
// the point here.
func newProviderServer() (tfprotov6.ProviderServer, error) {
	return providerserver.NewProtocol6WithError(provider.New("acc-cloud")())()
}

var (
	providerFactories = map[string]func() (tfprotov6.ProviderServer, error){
		"ecs": newProviderServer,
	}
	// providerFactoriesWithEcho adds the echo provider, which turns an ephemeral value into
	// state that a check can read.
	providerFactoriesWithEcho = map[string]func() (tfprotov6.ProviderServer, error){
		"ecs":  newProviderServer,
		"echo": echoprovider.NewProviderServer(),
	}
)

// cloud is the account under test: the servers the user named and a client of the API for the
// observations Terraform cannot make (a server's status, the stored Windows password).
type cloud struct {
	linuxID, windowsID, stoppedID, disposableID string
	// windowsKeyFile is the absolute path of the Windows key pair's private key.
	windowsKeyFile string
	restart        bool
	// limitedAccessKey and limitedSecretKey are the enterprise-project principal, or "".
	limitedAccessKey, limitedSecretKey string
	client                             *ecsapi.Client
	// projectID is the project the tests run in, as configured or looked up through IAM.
	projectID string
}

var (
	cloudOnce sync.Once
	cloudVal  *cloud
	cloudErr  error
)

// preCheck skips the test unless the black-box mode is opted in to, then returns the account
// under test. Like the PreCheck functions of HashiCorp's providers it fails, rather than skips,
// when the mode is on but a required variable is missing, and it checks once per run that the
// named servers exist and are what their variables say, before any test changes anything.
func preCheck(t *testing.T) *cloud {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("black-box acceptance test: set TF_ACC=1 and " + envOptIn + "=1 to run it against the account in HW_* " +
			"(make testacc-cloud; see README.md, Testing against your account)")
	}
	if os.Getenv(envOptIn) != "1" {
		t.Skipf("black-box acceptance test: set %s=1 to run it against the account in HW_* (it resets the password "+
			"of the servers named by ECS_ACC_*; see README.md, Testing against your account)", envOptIn)
	}
	cloudOnce.Do(func() { cloudVal, cloudErr = newCloud() })
	if cloudErr != nil {
		t.Fatal(cloudErr)
	}
	return cloudVal
}

// newCloud reads the ECS_ACC_* variables and checks the named servers.
func newCloud() (*cloud, error) {
	var missing []string
	need := func(name string) string {
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	c := &cloud{
		linuxID:          need(envLinuxServer),
		windowsID:        need(envWindowsServer),
		windowsKeyFile:   need(envWindowsKeyFile),
		stoppedID:        strings.TrimSpace(os.Getenv(envStoppedServer)),
		disposableID:     strings.TrimSpace(os.Getenv(envDisposableServer)),
		restart:          os.Getenv(envRestart) == "1",
		limitedAccessKey: strings.TrimSpace(os.Getenv(envLimitedAccessKey)),
		limitedSecretKey: strings.TrimSpace(os.Getenv(envLimitedSecretKey)),
	}
	need(envRegion)
	if os.Getenv(envToken) == "" {
		need(envAccessKey)
		need(envSecretKey)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s=1 asks for the black-box acceptance tests, which need these variables: %s "+
			"(see README.md, Testing against your account)", envOptIn, strings.Join(missing, ", "))
	}
	if (c.limitedAccessKey == "") != (c.limitedSecretKey == "") {
		return nil, fmt.Errorf("set both %s and %s, or neither", envLimitedAccessKey, envLimitedSecretKey)
	}
	if err := c.checkDistinct(); err != nil {
		return nil, err
	}
	keyFile, err := filepath.Abs(c.windowsKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envWindowsKeyFile, err)
	}
	if _, err := os.Stat(keyFile); err != nil {
		return nil, fmt.Errorf("%s: the private key file cannot be read: %w", envWindowsKeyFile, err)
	}
	c.windowsKeyFile = keyFile
	c.client, err = newClientFromEnv()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.client.ResolveProjectID(ctx); err != nil {
		return nil, fmt.Errorf("looking up the project of %s through IAM (or set %s): %w", os.Getenv(envRegion), envProjectID, err)
	}
	c.projectID = c.client.ProjectID()
	return c, c.checkTargets(ctx)
}

// checkDistinct refuses a run in which one server plays two parts: a destructive step on the
// disposable server must never land on a server that was named for something else.
func (c *cloud) checkDistinct() error {
	seen := map[string]string{}
	for _, s := range []struct{ env, id string }{
		{envLinuxServer, c.linuxID}, {envWindowsServer, c.windowsID},
		{envStoppedServer, c.stoppedID}, {envDisposableServer, c.disposableID},
	} {
		if s.id == "" {
			continue
		}
		if other, ok := seen[s.id]; ok {
			return fmt.Errorf("%s and %s name the same server; every variable must name a different one", other, s.env)
		}
		seen[s.id] = s.env
	}
	return nil
}

// checkTargets reads every named server and checks it can play its part, so that a wrong ID
// fails the run before any test resets anything.
func (c *cloud) checkTargets(ctx context.Context) error {
	var problems []string
	check := func(env, id string, want func(*ecsapi.Server) string) {
		if id == "" {
			return
		}
		s, err := c.client.GetServer(ctx, ecsapi.APIV1, id)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s (%s): %v", env, id, err))
			return
		}
		if msg := want(s); msg != "" {
			problems = append(problems, fmt.Sprintf("%s (%s): %s", env, id, msg))
		}
	}
	resettable := func(s *ecsapi.Server) string {
		switch {
		case s.Locked:
			return "the server is locked, so its password cannot be reset"
		case s.Status != "ACTIVE" && s.Status != "SHUTOFF":
			return fmt.Sprintf("the server is %s; it must be ACTIVE or SHUTOFF", s.Status)
		}
		return ""
	}
	check(envLinuxServer, c.linuxID, func(s *ecsapi.Server) string {
		if !strings.EqualFold(s.OSType, "Linux") {
			return fmt.Sprintf("the server's os_type is %q, not Linux", s.OSType)
		}
		if s.Status != "ACTIVE" {
			return fmt.Sprintf("the server is %s; it must be running (ACTIVE)", s.Status)
		}
		return resettable(s)
	})
	check(envWindowsServer, c.windowsID, func(s *ecsapi.Server) string {
		if !strings.EqualFold(s.OSType, "Windows") {
			return fmt.Sprintf("the server's os_type is %q, not Windows", s.OSType)
		}
		if s.KeyName == "" {
			return "the server has no key pair, so no Windows password is stored for it"
		}
		return ""
	})
	check(envStoppedServer, c.stoppedID, func(s *ecsapi.Server) string {
		if s.Status != "SHUTOFF" {
			return fmt.Sprintf("the server is %s; it must be stopped (SHUTOFF)", s.Status)
		}
		return resettable(s)
	})
	check(envDisposableServer, c.disposableID, resettable)
	if len(problems) > 0 {
		return errors.New("the servers named for the black-box tests cannot be used:\n  " + strings.Join(problems, "\n  "))
	}
	return nil
}

// newClientFromEnv builds an API client from the HW_* variables the way the provider reads them
// (internal/provider/provider_config.go), for the observations the tests make themselves.
func newClientFromEnv() (*ecsapi.Client, error) {
	region := strings.TrimSpace(os.Getenv(envRegion))
	cloudDomain := strings.TrimSpace(os.Getenv(envCloud))
	if cloudDomain == "" {
		cloudDomain = "myhuaweicloud.com"
	}
	endpoint := func(env, service string) string {
		if v := strings.TrimSpace(os.Getenv(env)); v != "" {
			return v
		}
		return "https://" + service + "." + region + "." + cloudDomain
	}
	cfg := ecsapi.Config{
		ECSEndpoint: endpoint(envECSEndpoint, "ecs"),
		IAMEndpoint: endpoint(envIAMEndpoint, "iam"),
		Region:      region,
		ProjectID:   strings.TrimSpace(os.Getenv(envProjectID)),
		Credentials: ecsapi.Credentials{
			AccessKey:     strings.TrimSpace(os.Getenv(envAccessKey)),
			SecretKey:     strings.TrimSpace(os.Getenv(envSecretKey)),
			SecurityToken: strings.TrimSpace(os.Getenv(envSecurityToken)),
			Token:         strings.TrimSpace(os.Getenv(envToken)),
		},
		MaxRetries: 5,
		UserAgent:  "terraform-provider-ecs-acc-cloud",
	}
	if v := strings.TrimSpace(os.Getenv(envInsecure)); v != "" {
		insecure, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s is %q; use true or false", envInsecure, v)
		}
		if insecure {
			// The user asked for it, as the provider honours it too.
			cfg.TLSConfig = &tls.Config{InsecureSkipVerify: true}
		}
	}
	client, err := ecsapi.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("the HW_* variables do not make a usable API client: %w", err)
	}
	return client, nil
}

// needStopped skips a test that needs the stopped server when none is named.
func (c *cloud) needStopped(t *testing.T) {
	t.Helper()
	if c.stoppedID == "" {
		t.Skipf("set %s to a stopped (SHUTOFF) server to run this scenario", envStoppedServer)
	}
}

// needDisposable skips a destructive test when no disposable server is named.
func (c *cloud) needDisposable(t *testing.T) {
	t.Helper()
	if c.disposableID == "" {
		t.Skipf("destructive scenario: set %s to a server whose stored Windows password may be deleted for good", envDisposableServer)
	}
}

// needRestart skips a test that reboots the Linux server unless reboots are allowed.
func (c *cloud) needRestart(t *testing.T) {
	t.Helper()
	if !c.restart {
		t.Skipf("this scenario reboots %s: set %s=1 to allow it", envLinuxServer, envRestart)
	}
}

// useLimitedPrincipal switches the provider of this test to the enterprise-project principal,
// or skips the test when none is named. The provider still takes everything from the
// environment; only the credentials change, and the project ID is fixed so that the principal
// needs no IAM permission to look it up.
func (c *cloud) useLimitedPrincipal(t *testing.T) {
	t.Helper()
	if c.limitedAccessKey == "" {
		t.Skipf("set %s and %s to a principal whose ECS permissions come only from an enterprise-project grant "+
			"that covers %s to run this scenario", envLimitedAccessKey, envLimitedSecretKey, envLinuxServer)
	}
	t.Setenv(envAccessKey, c.limitedAccessKey)
	t.Setenv(envSecretKey, c.limitedSecretKey)
	t.Setenv(envSecurityToken, "")
	t.Setenv(envToken, "")
	t.Setenv(envProjectID, c.projectID)
}

// serverStatus reads a server's status through the v1 API.
func (c *cloud) serverStatus(ctx context.Context, id string) (string, error) {
	s, err := c.client.GetServer(ctx, ecsapi.APIV1, id)
	if err != nil {
		return "", err
	}
	return s.Status, nil
}

// expectStatus returns an error unless the server reaches status within timeout. A server that a
// job has just released may take a moment to report its final status on a real cloud.
func (c *cloud) expectStatus(id, status string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	deadline := time.Now().Add(timeout)
	for {
		got, err := c.serverStatus(ctx, id)
		switch {
		case err != nil:
			return fmt.Errorf("reading server %s: %w", id, err)
		case got == status:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("server %s is %s, want %s", id, got, status)
		}
		time.Sleep(2 * time.Second)
	}
}

// storedWindowsPassword reports whether the API stores an encrypted Windows password for a
// server.
func (c *cloud) storedWindowsPassword(id string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pw, err := c.client.GetServerPassword(ctx, ecsapi.APIV1, id)
	if err != nil {
		return false, err
	}
	return pw.Encrypted != "", nil
}

// statusWatch polls a server's status in the background while Terraform applies, and records
// every status it sees: the way a user watching the console would see a reboot go by.
type statusWatch struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	seen   map[string]int
	errs   int
}

// watchStatus starts polling id every interval until stop.
func (c *cloud) watchStatus(id string, interval time.Duration) *statusWatch {
	ctx, cancel := context.WithCancel(context.Background())
	w := &statusWatch{cancel: cancel, done: make(chan struct{}), seen: map[string]int{}}
	go func() {
		defer close(w.done)
		for {
			status, err := c.serverStatus(ctx, id)
			w.mu.Lock()
			if err != nil {
				if ctx.Err() == nil {
					w.errs++
				}
			} else {
				w.seen[status]++
			}
			w.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval):
			}
		}
	}()
	return w
}

// stop ends the polling and returns how often each status was seen and how many reads failed.
func (w *statusWatch) stop() (map[string]int, int) {
	w.cancel()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen, w.errs
}
