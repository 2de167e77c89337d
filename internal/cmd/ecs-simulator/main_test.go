package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
)

// httpGet is http.Get bound to the test's context.
func httpGet(t *testing.T, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

func TestRunUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	badSeed := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badSeed, []byte(`[{"name":"a","colour":"red"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	pki := newPKI(t)
	tests := map[string]struct {
		args []string
		code int
	}{
		"unknown flag":          {[]string{"-bogus"}, 2},
		"extra argument":        {[]string{"serve"}, 2},
		"negative latency":      {[]string{"-latency", "-1s"}, 2},
		"negative rate":         {[]string{"-rate-limit", "-3"}, 2},
		"missing seed":          {[]string{"-seed", missing}, 2},
		"bad seed":              {[]string{"-seed", badSeed}, 2},
		"help":                  {[]string{"-h"}, 0},
		"offset not a duration": {[]string{"-clock-offset", "20"}, 2},
		"offset too far ahead":  {[]string{"-clock-offset", "87601h"}, 2},
		"offset too far behind": {[]string{"-clock-offset", "-87601h"}, 2},
		"bad address":           {[]string{"-addr", "256.1.1.1:1"}, 1},
		"job duration zero":     {[]string{"-job-duration", "0"}, 2},
		"job duration too long": {[]string{"-job-duration", "24h1ms"}, 2},
		"job duration negative": {[]string{"-job-duration", "-1s"}, 2},
		"job duration number":   {[]string{"-job-duration", "2"}, 2},
		"token lifetime zero":   {[]string{"-token-lifetime", "0"}, 2},
		"token lifetime long":   {[]string{"-token-lifetime", "25h"}, 2},
		"metadata lifetime 0":   {[]string{"-metadata-lifetime", "0"}, 2},
		"metadata lifetime big": {[]string{"-metadata-lifetime", "24h1s"}, 2},
		"cert without key":      {[]string{"-tls-cert", pki.ServerCertFile}, 2},
		"key without cert":      {[]string{"-tls-key", pki.ServerKeyFile}, 2},
		"client CA alone":       {[]string{"-tls-client-ca", pki.CAFile}, 2},
		"cert and key swapped":  {[]string{"-tls-cert", pki.ServerKeyFile, "-tls-key", pki.ServerCertFile}, 2},
		"missing cert":          {[]string{"-tls-cert", missing, "-tls-key", pki.ServerKeyFile}, 2},
		"missing client CA":     {[]string{"-tls-cert", pki.ServerCertFile, "-tls-key", pki.ServerKeyFile, "-tls-client-ca", missing}, 2},
		"client CA not PEM":     {[]string{"-tls-cert", pki.ServerCertFile, "-tls-key", pki.ServerKeyFile, "-tls-client-ca", badSeed}, 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr simctl.LogBuffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if stdout.String() != "" {
				t.Fatalf("stdout = %q, want nothing", stdout.String())
			}
			if tc.code != 0 && stderr.String() == "" {
				t.Fatal("no explanation on stderr")
			}
		})
	}
}

// sign adds an SDK-HMAC-SHA256 signature over x-sdk-date (contract §2.4) for
// the default access key and the secret key sk.
func sign(r *http.Request, body []byte, sk string) {
	date := time.Now().UTC().Format("20060102T150405Z")
	r.Header.Set("X-Sdk-Date", date)
	uri := r.URL.Path
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	sum := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, uri, "", "x-sdk-date:" + date, "", "x-sdk-date", hex.EncodeToString(sum[:])}, "\n")
	crSum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte("SDK-HMAC-SHA256\n" + date + "\n" + hex.EncodeToString(crSum[:])))
	r.Header.Set("Authorization", fmt.Sprintf("SDK-HMAC-SHA256 Access=%s, SignedHeaders=x-sdk-date, Signature=%s", ecssim.DefaultAccessKey, hex.EncodeToString(mac.Sum(nil))))
}

func TestRunServesUntilCancelled(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seed, []byte(`[{"id":"srv-1","name":"web","os_type":"Linux"},{"name":"db","os_type":"Windows","locked":true}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr simctl.LogBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", seed, "-secret-key", "cmd-secret", "-project-id", "p123"}, stdoutW, &stderr)
		_ = stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the URL: %v; stderr:\n%s", err, stderr.String())
	}
	base := strings.TrimSpace(line)
	if !strings.HasPrefix(base, "http://127.0.0.1:") || strings.HasSuffix(base, ":0") {
		t.Fatalf("first line = %q", line)
	}
	reqID := checkSeededCommand(t, base)

	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	checkCommandLog(t, stderr.String(), reqID)
}

// checkSeededCommand checks the command TestRunServesUntilCancelled
// started at base: its seeded servers, and its flags' principal and
// project, by a reset whose request ID it returns. It then sends a request
// whose decoded path holds a line break.
func checkSeededCommand(t *testing.T, base string) string {
	sim, err := simctl.New(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	servers, err := sim.Servers(t.Context())
	if err != nil || len(servers) != 2 || servers[0].ID != "srv-1" || !servers[1].Locked {
		t.Fatalf("seeded servers = %+v (%v)", servers, err)
	}

	// The flags define the default principal and project.
	body := []byte(`{"reset-password":{"new_password":"Nw0Pass!word"}}`)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, base+"/v1/p123/cloudservers/srv-1/os-reset-password", bytes.NewReader(body))
	sign(req, body, "cmd-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("reset status %d", res.StatusCode)
	}
	reqID := res.Header.Get("X-Request-Id")

	// A decoded path may hold a line break; it must not start a log line.
	res, err = httpGet(t, base+"/v1/p123/x%0Aforged-line%20200")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return reqID
}

// checkCommandLog checks the standard error of TestRunServesUntilCancelled:
// the reset (request ID reqID) logged, the path with a line break quoted,
// and no secret.
func checkCommandLog(t *testing.T, logs, reqID string) {
	if !strings.Contains(logs, "PUT /v1/p123/cloudservers/srv-1/os-reset-password 204 request_id="+reqID) {
		t.Fatalf("request not logged:\n%s", logs)
	}
	if !strings.Contains(logs, `GET "/v1/p123/x\nforged-line 200" 401 request_id=`) {
		t.Fatalf("path with a line break not logged quoted:\n%s", logs)
	}
	for _, l := range strings.Split(logs, "\n") {
		if strings.HasPrefix(l, "forged-line") {
			t.Fatalf("a request path forged a log line:\n%s", logs)
		}
	}
	for _, secret := range []string{"cmd-secret", "Nw0Pass!word", "Signature="} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log contains %q:\n%s", secret, logs)
		}
	}
}

// startRun runs the command with args until the test ends and returns its
// base URL and standard error.
func startRun(t *testing.T, args ...string) (string, *simctl.LogBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	stderr := &simctl.LogBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdoutW, stderr)
		_ = stdoutW.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d; stderr:\n%s", code, stderr.String())
		}
	})
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the URL: %v; stderr:\n%s", err, stderr.String())
	}
	return strings.TrimSpace(line), stderr
}

func TestRunClockOffset(t *testing.T) {
	for _, tc := range []struct {
		offset string
		ok     bool
	}{
		{"20m", false},
		{"-20m", false},
		{"10m", true},
		{"-10m", true},
	} {
		t.Run(tc.offset, func(t *testing.T) {
			base, stderr := startRun(t, "-clock-offset", tc.offset)
			// The request is signed with the system clock, as a client on
			// the same machine would.
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/v3/projects", nil)
			sign(req, nil, ecssim.DefaultSecretKey)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if tc.ok {
				if res.StatusCode != http.StatusOK {
					t.Fatalf("status %d %s, want 200", res.StatusCode, body)
				}
			} else {
				var gw struct {
					ErrorCode string `json:"error_code"`
					ErrorMsg  string `json:"error_msg"`
					RequestID string `json:"request_id"`
				}
				if err := json.Unmarshal(body, &gw); err != nil || res.StatusCode != http.StatusUnauthorized ||
					gw.ErrorCode != "APIGW.0301" || gw.ErrorMsg != "Incorrect IAM authentication information: signature expired" ||
					gw.RequestID != res.Header.Get("X-Request-Id") {
					t.Fatalf("status %d %s, want 401 APIGW.0301 signature expired", res.StatusCode, body)
				}
			}
			sim, err := simctl.New(base, nil)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := sim.Config(t.Context())
			want, _ := time.ParseDuration(tc.offset)
			if err != nil || cfg.ClockOffset != want {
				t.Fatalf("clock offset = %v (%v), want %v", cfg.ClockOffset, err, want)
			}
			if !strings.Contains(stderr.String(), "clock offset "+want.String()) {
				t.Fatalf("the offset is not logged:\n%s", stderr.String())
			}
		})
	}
}

// signedCall sends a request signed for the default principal and returns
// its status and body.
func signedCall(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sign(req, []byte(body), ecssim.DefaultSecretKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

func TestRunJobDuration(t *testing.T) {
	base, _ := startRun(t, "-job-duration", "150ms")
	sim, err := simctl.New(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := sim.Config(t.Context()); err != nil || cfg.JobDuration != 150*time.Millisecond {
		t.Fatalf("config = %+v (%v), want a job duration of 150ms", cfg, err)
	}
	srv, err := sim.AddServer(t.Context(), ecssim.ServerSpec{OSType: "Linux", LoginPassword: "Seed!Pass1"})
	if err != nil {
		t.Fatal(err)
	}
	v1 := base + "/v1/" + ecssim.DefaultProjectID
	if status, body := signedCall(t, http.MethodPut, v1+"/cloudservers/"+srv.ID+"/os-reset-password",
		`{"reset-password":{"new_password":"Nw0Pass!word"}}`); status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", status, body)
	}
	status, body := signedCall(t, http.MethodPost, v1+"/cloudservers/action", `{"reboot":{"type":"SOFT","servers":[{"id":"`+srv.ID+`"}]}}`)
	var accepted struct {
		JobID string `json:"job_id"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &accepted) != nil || accepted.JobID == "" {
		t.Fatalf("reboot: %d %s", status, body)
	}
	// The job runs on the system clock: poll it as a client would.
	begin := time.Now()
	var seen []string
	for {
		status, body := signedCall(t, http.MethodGet, v1+"/jobs/"+accepted.JobID, "")
		var job struct {
			Status string `json:"status"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &job) != nil {
			t.Fatalf("job: %d %s", status, body)
		}
		if len(seen) == 0 || seen[len(seen)-1] != job.Status {
			seen = append(seen, job.Status)
		}
		if job.Status == "SUCCESS" {
			break
		}
		if time.Since(begin) > 30*time.Second {
			t.Fatalf("job still %s after 30s", job.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if elapsed := time.Since(begin); elapsed < 100*time.Millisecond || seen[0] == "SUCCESS" {
		t.Fatalf("job finished after %v with statuses %v; want about 150ms", elapsed, seen)
	}
	st, err := sim.Server(t.Context(), srv.ID)
	if err != nil || st.EffectivePassword != "Nw0Pass!word" || st.BootCount != 1 || st.PendingReset || st.Status != "ACTIVE" {
		t.Fatalf("server after the reboot = %+v (%v)", st, err)
	}
}

// TestBinaryExitsOnSIGINT builds the command and runs it as users do.
func TestBinaryExitsOnSIGINT(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go tool is needed to build the command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "ecs-simulator")
	build := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// The deadline only stops a hung process from blocking the test run.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr simctl.LogBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("reading the URL: %v; stderr:\n%s", err, stderr.String())
	}
	base := strings.TrimSpace(line)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		_ = cmd.Process.Kill()
		t.Fatalf("first line = %q", line)
	}
	res, err := httpGet(t, base+"/_sim/health")
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatal(err)
	}
	health, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || string(health) != `{"status":"ok"}` {
		_ = cmd.Process.Kill()
		t.Fatalf("health: %d %s", res.StatusCode, health)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "GET /_sim/health 200 request_id=") {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
}
