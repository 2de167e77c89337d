package ecsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

const (
	logPassword        = "Sc3ret!Passw0rd-Reset"
	logBatchPassword   = "Batch!Passw0rd-9876"
	logSecurityToken   = "SECURITYTOKEN-gQpjbi1ub3J0aC00-abcdef"
	logIAMToken        = "MIIEXAMPLEIAMTOKEN-zzzz-0123456789"
	logCiphertext      = "Q0lQSEVSVEVYVC1XSU5ET1dTLVBBU1NXT1JE"
	logPrivateKeyMark  = "BEGIN RSA PRIVATE KEY"
	logSecretInMessage = "server echoed " + logPassword
)

// TestLogsNeverContainSecrets runs a full scenario (AK/SK with a security
// token, token auth, single and batch resets with passwords, a fetched
// encrypted password, retries after throttling and dropped connections,
// and an error body that echoes the password) and checks that no secret
// appears anywhere in the log output or in the returned errors.
func TestLogsNeverContainSecrets(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		switch {
		case n == 0:
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 429, "rid-throttle", `{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"rid-throttle"}`)
		case n == 1:
			hijackAndClose(w, r)
		case strings.HasSuffix(r.URL.Path, "/os-server-password") && r.Method == http.MethodGet:
			writeJSON(w, 200, "rid-pw", `{"password":"`+logCiphertext+`"}`)
		case strings.HasSuffix(r.URL.Path, "/os-reset-passwords"):
			writeJSON(w, 200, "rid-batch", `{"response":[{"id":"a"}]}`)
		case strings.Contains(r.URL.Path, "weak"):
			// A misbehaving service that echoes the caller's credential.
			echoed := r.Header.Get("X-Auth-Token") + r.Header.Get("X-Security-Token")
			writeJSON(w, 400, "rid-weak", v1Error("Ecs.0011", logSecretInMessage+" for "+echoed))
		default:
			w.Header().Set("X-Request-Id", "rid-ok")
			w.WriteHeader(204)
		}
	})
	log := &captureLogger{}
	ctx := context.Background()
	var errs []error

	akClient := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.Logger = log
		cfg.Credentials.SecurityToken = logSecurityToken
	})
	errs = append(errs,
		akClient.ResetServerPassword(ctx, ecsapi.APIV1, testServer, logPassword, true),
		akClient.ResetServerPassword(ctx, ecsapi.APIV21, testServer, logPassword, false),
		akClient.ResetServerPassword(ctx, ecsapi.APIV1, "weak-server", logPassword, true),
	)
	pw, err := akClient.GetServerPassword(ctx, ecsapi.APIV1, testServer)
	if err != nil || pw.Encrypted != logCiphertext {
		t.Fatalf("get password: %+v, %v", pw, err)
	}
	_, err = akClient.BatchResetServerPasswords(ctx, ecsapi.BatchResetRequest{NewPassword: logBatchPassword, ServerIDs: []string{"a"}})
	errs = append(errs, err)

	tokenClient := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.Logger = log
		cfg.Credentials = ecsapi.Credentials{Token: logIAMToken}
	})
	errs = append(errs,
		tokenClient.ResetServerPassword(ctx, ecsapi.APIV1, testServer, logPassword, false),
		tokenClient.ResetServerPassword(ctx, ecsapi.APIV1, "weak-server", logPassword, true),
		tokenClient.DeleteServerPassword(ctx, ecsapi.APIV21, testServer),
	)

	// The scenario must really have exercised retries, failures and both
	// kinds of credentials, or the scan below would prove nothing.
	var apiErr *ecsapi.APIError
	for _, i := range []int{2, 5} {
		if !errors.As(errs[i], &apiErr) || apiErr.Code != "Ecs.0011" || strings.Count(apiErr.Message, "(redacted)") != 2 {
			t.Fatalf("weak-password call %d: %v", i, errs[i])
		}
	}
	if n := len(log.retries()); n != 2 {
		t.Fatalf("expected 2 logged retries, got %d", n)
	}
	seenAuth := map[string]bool{}
	for _, r := range f.requests() {
		if r.Header.Get("X-Auth-Token") != "" {
			seenAuth["token"] = true
		}
		if r.Header.Get("X-Security-Token") != "" && r.Header.Get("Authorization") != "" {
			seenAuth["aksk+sts"] = true
		}
	}
	if !seenAuth["token"] || !seenAuth["aksk+sts"] {
		t.Fatalf("scenario did not use both credential kinds: %v", seenAuth)
	}

	logText := log.text()
	raw, err := json.Marshal(log.all())
	if err != nil {
		t.Fatal(err)
	}
	everything := logText + "\n" + string(raw)
	for _, e := range errs {
		if e != nil {
			everything += "\n" + e.Error()
		}
	}
	secrets := []string{
		testSecretKey, logPassword, logBatchPassword, logSecurityToken, logIAMToken, logCiphertext,
		logPrivateKeyMark, "Authorization", "SDK-HMAC-SHA256", "Signature=", `"reset-password"`, "new_password",
	}
	for _, s := range secrets {
		if strings.Contains(everything, s) {
			t.Errorf("log output or errors contain %q", s)
		}
	}
	// The log must still say what happened.
	for _, want := range []string{"method=PUT", "status=429", "request_id=rid-throttle", "attempt=2", "code=APIGW.0308", "path=/v1/" + testProject} {
		if !strings.Contains(logText, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("log output:\n%s", logText)
	}
}

func TestCredentialsDoNotPrint(t *testing.T) {
	cfg := ecsapi.Config{Credentials: ecsapi.Credentials{AccessKey: "AKVALUE", SecretKey: "SKVALUE", SecurityToken: "STVALUE", Token: "TOKVALUE"}}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		out := sprintf(format, cfg)
		for _, s := range []string{"SKVALUE", "STVALUE", "TOKVALUE"} {
			if strings.Contains(out, s) {
				t.Errorf("%s of Config shows %s: %s", format, s, out)
			}
		}
	}
}

func TestConfigErrorsDoNotEchoSecrets(t *testing.T) {
	bad := []ecsapi.Credentials{
		{Token: "tok\nen-SECRET"},
		{AccessKey: "AK", SecretKey: "SK-SECRET", Token: "TOKEN-SECRET"},
		{AccessKey: "AK", SecretKey: "SK-SECRET", SecurityToken: "ST\x01-SECRET"},
		{SecretKey: "SK-SECRET"},
		{SecurityToken: "ST-SECRET"},
	}
	for i, cr := range bad {
		_, err := ecsapi.NewClient(ecsapi.Config{ECSEndpoint: "https://ecs.example.test", Credentials: cr})
		if err == nil {
			t.Errorf("case %d accepted", i)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("case %d: error echoes a secret: %v", i, err)
		}
	}
}
