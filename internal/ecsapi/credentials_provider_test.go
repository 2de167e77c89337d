package ecsapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// rotatingProvider hands out the credentials of its list in turn, one set
// per Retrieve, and records what Expire was told.
type rotatingProvider struct {
	mu       sync.Mutex
	sets     []ecsapi.Credentials
	calls    int
	expired  []ecsapi.Credentials
	err      error
	advanced bool // Expire moves to the next set instead of Retrieve
}

func (p *rotatingProvider) Retrieve(context.Context) (ecsapi.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return ecsapi.Credentials{}, p.err
	}
	i := p.calls
	if p.advanced {
		i = len(p.expired)
	}
	p.calls++
	return p.sets[min(i, len(p.sets)-1)], nil
}

func (p *rotatingProvider) Expire(used ecsapi.Credentials) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expired = append(p.expired, used)
	return true
}

func tempCreds(n string) ecsapi.Credentials {
	return ecsapi.Credentials{AccessKey: "TEMPAK" + n, SecretKey: "temp-secret-" + n + "-abcdefgh", SecurityToken: "temp-token-" + n + "-abcdefgh"}
}

// TestCredentialsProviderEachAttempt: every attempt, retries included, is
// signed with the credentials the provider gives right before it, and the
// security token travels with its own key pair.
func TestCredentialsProviderEachAttempt(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			writeJSON(w, http.StatusServiceUnavailable, "r1", v1Error("Common.0005", "busy"))
			return
		}
		writeJSON(w, http.StatusOK, "r2", `{"resetpwd_flag":"True"}`)
	})
	p := &rotatingProvider{sets: []ecsapi.Credentials{tempCreds("1"), tempCreds("2")}}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.Credentials = ecsapi.Credentials{}
		cfg.CredentialsProvider = p
	})
	if _, err := c.GetResetPasswordFlag(context.Background(), testServer); err != nil {
		t.Fatalf("GetResetPasswordFlag: %v", err)
	}
	seen := f.requests()
	if len(seen) != 2 {
		t.Fatalf("got %d attempts, want 2", len(seen))
	}
	for i, r := range seen {
		want := tempCreds([]string{"1", "2"}[i])
		if got := r.Header.Get("X-Security-Token"); got != want.SecurityToken {
			t.Errorf("attempt %d: X-Security-Token %q, want %q", i+1, got, want.SecurityToken)
		}
		if !strings.Contains(r.Header.Get("Authorization"), "Access="+want.AccessKey+",") {
			t.Errorf("attempt %d: not signed with %s: %s", i+1, want.AccessKey, r.Header.Get("Authorization"))
		}
		if !strings.Contains(r.Header.Get("Authorization"), "x-security-token") {
			t.Errorf("attempt %d: the security token is not signed", i+1)
		}
	}
}

// TestCredentialsProviderFailureSendsNothing: when the provider cannot give
// credentials, no request leaves and the error says so.
func TestCredentialsProviderFailureSendsNothing(t *testing.T) {
	f := newFakeService(t, func(int, http.ResponseWriter, *http.Request) { t.Error("a request was sent") })
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.Credentials = ecsapi.Credentials{}
		cfg.CredentialsProvider = &rotatingProvider{err: errors.New("the agency is gone")}
	})
	err := c.ResetServerPassword(context.Background(), ecsapi.APIV1, testServer, "N3w!Passw0rd", true)
	var credErr *ecsapi.CredentialsError
	if !errors.As(err, &credErr) || !strings.Contains(err.Error(), "the agency is gone") {
		t.Fatalf("got %v, want a CredentialsError with the provider's reason", err)
	}
	if ecsapi.IsOutcomeUnknown(err) {
		t.Errorf("nothing was sent, yet the outcome is reported unknown: %v", err)
	}
}

// TestCredentialsProviderBadValues: what a provider returns is checked like
// fixed credentials, since it ends up in headers.
func TestCredentialsProviderBadValues(t *testing.T) {
	f := newFakeService(t, func(int, http.ResponseWriter, *http.Request) { t.Error("a request was sent") })
	bad := ecsapi.Credentials{AccessKey: "AK", SecretKey: "SK", SecurityToken: "tok\r\nX-Injected: 1"}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.Credentials = ecsapi.Credentials{}
		cfg.CredentialsProvider = &rotatingProvider{sets: []ecsapi.Credentials{bad}}
	})
	_, err := c.GetResetPasswordFlag(context.Background(), testServer)
	var credErr *ecsapi.CredentialsError
	if !errors.As(err, &credErr) || strings.Contains(err.Error(), "X-Injected") {
		t.Fatalf("got %v, want a CredentialsError that does not quote the token", err)
	}
}

// TestCredentialsRenewedAfter401: a 401 makes the client expire the
// credentials it used and try once more with new ones; a second 401 is
// final.
func TestCredentialsRenewedAfter401(t *testing.T) {
	var refused atomic.Int32
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Security-Token") == tempCreds("1").SecurityToken || refused.Load() > 0 {
			writeJSON(w, http.StatusUnauthorized, "r401", `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: token expires"}`)
			return
		}
		writeJSON(w, http.StatusOK, "r200", `{"resetpwd_flag":"True"}`)
	})
	p := &rotatingProvider{sets: []ecsapi.Credentials{tempCreds("1"), tempCreds("2")}, advanced: true}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.Credentials = ecsapi.Credentials{}
		cfg.CredentialsProvider = p
		cfg.MaxRetries = 0 // renewal is not a retry of a transient failure
	})
	if _, err := c.GetResetPasswordFlag(context.Background(), testServer); err != nil {
		t.Fatalf("GetResetPasswordFlag: %v", err)
	}
	if len(p.expired) != 1 || p.expired[0] != tempCreds("1") {
		t.Fatalf("Expire was told %v, want the first credentials once", p.expired)
	}
	if n := len(f.requests()); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}

	refused.Store(1)
	before := len(f.requests())
	_, err := c.GetResetPasswordFlag(context.Background(), testServer)
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("got %v, want the 401", err)
	}
	if n := len(f.requests()) - before; n != 2 {
		t.Errorf("%d attempts after a persistent 401, want 2 (one renewal only)", n)
	}
}

// TestFixedCredentials401NotRetried: fixed credentials cannot be renewed,
// so their 401 ends the call at once.
func TestFixedCredentials401NotRetried(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusUnauthorized, "r401", `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`)
	})
	c := newTestClient(t, f.srv.URL)
	if _, err := c.GetResetPasswordFlag(context.Background(), testServer); err == nil {
		t.Fatal("no error")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

// TestProviderCredentialsScrubbed: a service that echoes the temporary
// credentials a call sent does not get them into the error.
func TestProviderCredentialsScrubbed(t *testing.T) {
	creds := tempCreds("9")
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, "r400", v1Error("Ecs.0005", "bad token "+r.Header.Get("X-Security-Token")+" and key "+creds.SecretKey))
	})
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.Credentials = ecsapi.Credentials{}
		cfg.CredentialsProvider = &rotatingProvider{sets: []ecsapi.Credentials{creds}}
	})
	_, err := c.GetResetPasswordFlag(context.Background(), testServer)
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{creds.SecretKey, creds.SecurityToken} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("the error quotes a secret: %v", err)
		}
	}
}

// TestCredentialsAndProviderExclusive: a configuration sets one or the
// other.
func TestCredentialsAndProviderExclusive(t *testing.T) {
	_, err := ecsapi.NewClient(ecsapi.Config{
		ECSEndpoint:         "https://ecs.example.com",
		Credentials:         ecsapi.Credentials{AccessKey: "AK", SecretKey: "SK"},
		CredentialsProvider: &rotatingProvider{sets: []ecsapi.Credentials{tempCreds("1")}},
	})
	if err == nil || !strings.Contains(err.Error(), "not both") {
		t.Fatalf("got %v, want a not-both error", err)
	}
}

// TestProxyEnv: the default transport sends requests through the proxy
// ProxyEnv names, and NO_PROXY exempts hosts. The endpoint's host name is
// never resolved: the proxy answers for it.
func TestProxyEnv(t *testing.T) {
	var proxied atomic.Int32
	proxy := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Host != "ecs.proxied.test" {
			t.Errorf("the proxy got a request for %q", r.URL.Host)
		}
		proxied.Add(1)
		writeJSON(w, http.StatusOK, "rp", `{"resetpwd_flag":"True"}`)
	})
	env := map[string]string{"http_proxy": proxy.srv.URL}
	c := newTestClient(t, "http://ecs.proxied.test", func(cfg *ecsapi.Config) {
		cfg.ProxyEnv = func(k string) string { return env[k] }
	})
	if _, err := c.GetResetPasswordFlag(context.Background(), testServer); err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	if proxied.Load() != 1 {
		t.Fatalf("the proxy saw %d requests, want 1", proxied.Load())
	}

	// NO_PROXY wins over the proxy: the request then goes straight to a
	// loopback service.
	direct := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, "rd", `{"resetpwd_flag":"True"}`)
	})
	env["NO_PROXY"] = "*"
	c = newTestClient(t, direct.srv.URL, func(cfg *ecsapi.Config) {
		cfg.ProxyEnv = func(k string) string { return env[k] }
	})
	if _, err := c.GetResetPasswordFlag(context.Background(), testServer); err != nil {
		t.Fatalf("direct: %v", err)
	}
	if proxied.Load() != 1 || len(direct.requests()) != 1 {
		t.Errorf("NO_PROXY=*: proxy saw %d, service %d requests; want 1 and 1", proxied.Load(), len(direct.requests()))
	}

	if _, err := ecsapi.NewClient(ecsapi.Config{
		ECSEndpoint: "https://ecs.example.com", Credentials: ecsapi.Credentials{AccessKey: "AK", SecretKey: "SK"},
		HTTPClient: &http.Client{}, ProxyEnv: func(string) string { return "" },
	}); err == nil {
		t.Error("HTTPClient with ProxyEnv was accepted")
	}
}

// TestIssueToken: the password login sends no credentials, asks for a
// project-scoped token without catalog, and keeps the password out of its
// errors.
func TestIssueToken(t *testing.T) {
	const password = "user-Passw0rd-secret"
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			writeJSON(w, http.StatusUnauthorized, "r401", `{"error":{"code":401,"message":"The password `+password+` is wrong.","title":"Unauthorized"}}`)
			return
		}
		w.Header().Set("X-Subject-Token", "issued-token-abcdefgh")
		writeJSON(w, http.StatusCreated, "r201", `{"token":{"expires_at":"2030-01-02T03:04:05.000000Z","project":{"id":"`+testProject+`"}}}`)
	})
	c := newTestClient(t, f.srv.URL)
	tok, err := c.IssueToken(context.Background(), ecsapi.TokenRequest{UserName: "u", Password: password, DomainName: "d", ProjectName: "cn-north-4"})
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	want := ecsapi.IssuedToken{Token: "issued-token-abcdefgh", ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), ProjectID: testProject}
	if tok != want {
		t.Errorf("got %+v, want %+v", tok, want)
	}
	r := f.requests()[0]
	if r.Method != http.MethodPost || r.Path != "/v3/auth/tokens" || r.Query != "nocatalog=true" {
		t.Errorf("request %s %s?%s", r.Method, r.Path, r.Query)
	}
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-Auth-Token") != "" {
		t.Errorf("the login carried credentials: %v", r.Header)
	}
	for _, part := range []string{`"methods":["password"]`, `"name":"u"`, `"domain":{"name":"d"}`, `"scope":{"project":{"name":"cn-north-4"}}`} {
		if !strings.Contains(string(r.Body), part) {
			t.Errorf("body %s lacks %s", r.Body, part)
		}
	}
	_, err = c.IssueToken(context.Background(), ecsapi.TokenRequest{UserName: "u", Password: password, DomainName: "d", ProjectName: "cn-north-4"})
	if err == nil || strings.Contains(err.Error(), password) {
		t.Errorf("got %v, want an error without the password", err)
	}
}

// TestAssumeAgency: the agency request is signed with the caller's
// credentials and its answer becomes temporary credentials.
func TestAssumeAgency(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusCreated, "r201", `{"credential":{"access":"AGENCYAK","secret":"agency-secret-abcdefgh","securitytoken":"agency-token-abcdefgh","expires_at":"2030-01-02T03:04:05Z"}}`)
	})
	c := newTestClient(t, f.srv.URL)
	got, err := c.AssumeAgency(context.Background(), ecsapi.AgencyRequest{AgencyName: "ops", DomainName: "acme", Duration: time.Hour})
	if err != nil {
		t.Fatalf("AssumeAgency: %v", err)
	}
	want := ecsapi.TemporaryCredentials{
		Credentials: ecsapi.Credentials{AccessKey: "AGENCYAK", SecretKey: "agency-secret-abcdefgh", SecurityToken: "agency-token-abcdefgh"},
		ExpiresAt:   time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	r := f.requests()[0]
	if r.Path != "/v3.0/OS-CREDENTIAL/securitytokens" || r.SignatureErr != nil || r.Header.Get("Authorization") == "" {
		t.Errorf("request %s, signature %v", r.Path, r.SignatureErr)
	}
	wantBody := `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"ops","domain_name":"acme","duration_seconds":3600}}}}`
	if string(r.Body) != wantBody {
		t.Errorf("body %s, want %s", r.Body, wantBody)
	}
}

// TestMetadataSecurityKey: the metadata service is asked without
// credentials; an answer without a security token is refused.
func TestMetadataSecurityKey(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			writeJSON(w, http.StatusOK, "", `{"credential":{"access":"METAAK","secret":"meta-secret-abcdefgh","securitytoken":"meta-token-abcdefgh","expires_at":"2030-01-02T03:04:05+08:00"}}`)
			return
		}
		writeJSON(w, http.StatusOK, "", `{"credential":{"access":"METAAK","secret":"meta-secret-abcdefgh","expires_at":"2030-01-02T03:04:05Z"}}`)
	})
	c := newTestClient(t, "https://ecs.example.com")
	got, err := c.MetadataSecurityKey(context.Background(), f.srv.URL)
	if err != nil {
		t.Fatalf("MetadataSecurityKey: %v", err)
	}
	if got.AccessKey != "METAAK" || got.SecurityToken != "meta-token-abcdefgh" || !got.ExpiresAt.Equal(time.Date(2030, 1, 1, 19, 4, 5, 0, time.UTC)) {
		t.Errorf("got %+v", got)
	}
	r := f.requests()[0]
	if r.Method != http.MethodGet || r.Path != "/openstack/latest/securitykey" || r.Header.Get("Authorization") != "" {
		t.Errorf("request %s %s with Authorization %q", r.Method, r.Path, r.Header.Get("Authorization"))
	}
	_, err = c.MetadataSecurityKey(context.Background(), f.srv.URL)
	if err == nil || strings.Contains(err.Error(), "meta-secret") {
		t.Errorf("got %v, want an error without the secret", err)
	}
}

// TestConfigSecretsScrubbed: secrets the client never sends itself (a
// user's password, a profile's keys behind a provider) are scrubbed too.
func TestConfigSecretsScrubbed(t *testing.T) {
	const password = "the-users-password-0123"
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusBadRequest, "r400", v1Error("Ecs.0005", "echo "+password))
	})
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Secrets = []string{"", password} })
	_, err := c.GetResetPasswordFlag(context.Background(), testServer)
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), ecsapi.RedactionMarker) {
		t.Fatalf("got %v, want the password redacted", err)
	}
}
