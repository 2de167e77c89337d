package ecsapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// TestSuccessStatusWithErrorDocumentIsAnError covers the class "a 2xx that
// carries an error document": one rule decides for every operation, so no
// operation reports success (and no caller records a reset) for it.
func TestSuccessStatusWithErrorDocumentIsAnError(t *testing.T) {
	bodies := map[string]string{
		"v1 envelope":     `{"error":{"code":"Ecs.0000","message":"request error"}}`,
		"gateway":         `{"error_code":"APIGW.0101","error_msg":"The API does not exist","request_id":"gw-1"}`,
		"bare code":       `{"code":"Ecs.0610","message":"failed to reset"}`,
		"string envelope": `{"error":"something broke"}`,
		"OpenStack fault": `{"badRequest":{"message":"bad","code":400}}`,
	}
	ops := []operation{opGetFlag, opDelete, opReset, {"get password", http.MethodGet, func(c *ecsapi.Client) error {
		_, err := c.GetServerPassword(context.Background(), ecsapi.APIV1, testServer)
		return err
	}, nil}, {"get server", http.MethodGet, func(c *ecsapi.Client) error {
		_, err := c.GetServer(context.Background(), ecsapi.APIV1, testServer)
		return err
	}, nil}}
	for _, op := range ops {
		for name, body := range bodies {
			for _, status := range []int{200, 202} {
				t.Run(op.name+"/"+name, func(t *testing.T) {
					f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
						writeJSON(w, status, "rid-2xx", body)
					})
					err := op.run(newTestClient(t, f.srv.URL))
					var apiErr *ecsapi.APIError
					if !errors.As(err, &apiErr) || (apiErr.Code == "" && apiErr.Message == "") || apiErr.StatusCode != status {
						t.Fatalf("HTTP %d with %s: error = %v, want an *APIError that explains it", status, body, err)
					}
					if n := len(f.requests()); n != 1 {
						t.Errorf("%d attempts: an error document that is not flow control is final", n)
					}
				})
			}
		}
	}
}

// TestSuccessStatusWithThrottlingDocumentIsRetried: flow control reported
// with a success status is retried like any throttling, then the real
// answer counts.
func TestSuccessStatusWithThrottlingDocumentIsRetried(t *testing.T) {
	for _, body := range []string{
		`{"overLimit":{"message":"rate limited","code":413}}`,
		`{"error":{"code":"Common.0024","message":"exceeds flow over limit"}}`,
	} {
		f := newFakeService(t, failThenSucceed(1, jsonStatus(202, body), opReset.succeed))
		if err := opReset.run(newTestClient(t, f.srv.URL)); err != nil {
			t.Fatalf("%s then 204: %v", body, err)
		}
		if n := len(f.requests()); n != 2 {
			t.Errorf("%s: %d attempts, want 2", body, n)
		}
	}
}

// TestNoBodyAndOddBodiesPerOperation states what an empty, {}, null or
// unrelated JSON body on a 2xx means for each operation.
func TestNoBodyAndOddBodiesPerOperation(t *testing.T) {
	getPassword := func(c *ecsapi.Client) (string, error) {
		pw, err := c.GetServerPassword(context.Background(), ecsapi.APIV1, testServer)
		if err != nil {
			return "", err
		}
		return pw.Encrypted, nil
	}
	getFlag := func(c *ecsapi.Client) (string, error) {
		f, err := c.GetResetPasswordFlag(context.Background(), testServer)
		if err != nil {
			return "", err
		}
		return f.Raw, nil
	}
	getServer := func(c *ecsapi.Client) (string, error) {
		s, err := c.GetServer(context.Background(), ecsapi.APIV1, testServer)
		if err != nil {
			return "", err
		}
		return s.ID, nil
	}
	tests := []struct {
		name   string
		run    func(*ecsapi.Client) (string, error)
		body   string
		ok     bool
		result string
	}{
		// The stored password: the field may be absent, "" or null for
		// "nothing stored"; a body that is no object is an error.
		{"password {}", getPassword, `{}`, true, ""},
		{"password null field", getPassword, `{"password":null}`, true, ""},
		{"password empty", getPassword, ``, false, ""},
		{"password null body", getPassword, `null`, false, ""},
		{"password array", getPassword, `[]`, false, ""},
		{"password number", getPassword, `{"password":5}`, false, ""},
		// The flag is required.
		{"flag {}", getFlag, `{}`, false, ""},
		{"flag null", getFlag, `null`, false, ""},
		{"flag unrelated", getFlag, `{"status":"ok"}`, false, ""},
		// The server must be the one asked for.
		{"server {}", getServer, `{}`, false, ""},
		{"server null", getServer, `null`, false, ""},
		{"server other id", getServer, `{"server":{"id":"another-server"}}`, false, ""},
		{"server same id", getServer, `{"server":{"id":"` + testServer + `"}}`, true, testServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 200, "rid", tt.body)
			})
			got, err := tt.run(newTestClient(t, f.srv.URL))
			if (err == nil) != tt.ok || got != tt.result {
				t.Errorf("body %q: result %q, error %v; want ok=%v result %q", tt.body, got, err, tt.ok, tt.result)
			}
		})
	}
}

// TestOutcomeUnknownWhenTheRequestMayHaveArrived covers the class "a change
// that was sent but not confirmed": the error must say that it may have
// taken effect, and must not when nothing can have arrived.
func TestOutcomeUnknownWhenTheRequestMayHaveArrived(t *testing.T) {
	noRetries := func(cfg *ecsapi.Config) { cfg.MaxRetries = 0 }

	t.Run("connection dropped after the request", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) { hijackAndClose(w, r) })
		err := opReset.run(newTestClient(t, f.srv.URL, noRetries))
		if !ecsapi.IsOutcomeUnknown(err) {
			t.Fatalf("error = %v, want an unknown outcome", err)
		}
		if !strings.Contains(ecsapi.OutcomeUnknownReason(err), "after the request was sent") {
			t.Errorf("reason = %q", ecsapi.OutcomeUnknownReason(err))
		}
	})
	t.Run("dropped first, then throttled to the end", func(t *testing.T) {
		f := newFakeService(t, failThenSucceed(1, hijackAndClose, jsonStatus(429, `{"error_code":"APIGW.0308","error_msg":"x"}`)))
		err := opReset.run(newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2 }))
		if !ecsapi.IsOutcomeUnknown(err) || !ecsapi.IsThrottled(err) {
			t.Fatalf("error = %v, want a throttling error whose outcome is unknown (the first attempt may have landed)", err)
		}
	})
	for _, status := range []int{500, 502, 504} {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) { writeJSON(w, status, "rid", "") })
		err := opReset.run(newTestClient(t, f.srv.URL, noRetries))
		if !ecsapi.IsOutcomeUnknown(err) {
			t.Errorf("HTTP %d: error = %v, want an unknown outcome", status, err)
		}
	}
	t.Run("cancelled while in flight", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		c := newTestClient(t, f.srv.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := c.ResetServerPassword(ctx, ecsapi.APIV1, testServer, "Nw0Pass!word", true)
		if !ecsapi.IsOutcomeUnknown(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want an unknown outcome that is a deadline", err)
		}
	})

	definite := map[string]func(int, http.ResponseWriter, *http.Request){
		"400": func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 400, "r", v1Error("Ecs.0011", "weak"))
		},
		"404": func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 404, "r", v1Error("Ecs.0114", "gone"))
		},
		"throttled":  func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 429, "r", "") },
		"202 + code": func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 202, "r", v1Error("Ecs.0000", "x")) },
	}
	for name, handle := range definite {
		f := newFakeService(t, handle)
		err := opReset.run(newTestClient(t, f.srv.URL, noRetries))
		if err == nil || ecsapi.IsOutcomeUnknown(err) {
			t.Errorf("%s: error = %v, want a definite failure", name, err)
		}
	}

	// Nothing can arrive where nothing listens.
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	err = opReset.run(newTestClient(t, closed, noRetries))
	if err == nil || ecsapi.IsOutcomeUnknown(err) {
		t.Errorf("connection refused: error = %v, want a definite failure", err)
	}

	// Reads are never "unknown": repeating them is harmless.
	f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) { hijackAndClose(w, r) })
	if err := opGetFlag.run(newTestClient(t, f.srv.URL, noRetries)); err == nil || ecsapi.IsOutcomeUnknown(err) {
		t.Errorf("GET: error = %v, want a definite failure", err)
	}
}

// TestPermanentTransportErrorsFailAtOnce covers the class "a transport
// error that cannot go away": no retries, and the cause is recognisable.
func TestPermanentTransportErrorsFailAtOnce(t *testing.T) {
	plain := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, "r", "{}") })
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(tlsSrv.Close)

	dnsDial := func(cfg *ecsapi.Config) {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{
			DialContext: func(context.Context, string, string) (net.Conn, error) {
				return nil, &net.DNSError{Err: "no such host", Name: "ecs.invalid", IsNotFound: true}
			},
		}}
	}
	tests := []struct {
		name  string
		url   string
		opt   func(*ecsapi.Config)
		class func(error) bool
	}{
		{"https to a plain HTTP server", strings.Replace(plain.srv.URL, "http://", "https://", 1), nil, ecsapi.IsSchemeMismatch},
		{"unknown certificate authority", tlsSrv.URL, nil, ecsapi.IsCertificateError},
		{"no such host", "https://ecs.example.test", dnsDial, ecsapi.IsHostNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &captureLogger{}
			opts := []func(*ecsapi.Config){func(cfg *ecsapi.Config) { cfg.MaxRetries = 5; cfg.Logger = log }}
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			c := newTestClient(t, tt.url, opts...)
			_, err := c.GetResetPasswordFlag(context.Background(), testServer)
			if err == nil || !tt.class(err) {
				t.Fatalf("error = %v, not classified", err)
			}
			if n := len(log.retries()); n != 0 {
				t.Errorf("%d retries of a permanent failure", n)
			}
			if !strings.Contains(log.text(), "not retried") {
				t.Errorf("the log does not say why the failure was not retried:\n%s", log.text())
			}
		})
	}
}

// TestAttemptTimeoutBoundsAnEndpointThatNeverAnswers: a read that never
// gets an answer costs one attempt timeout per attempt, and the timeout is
// retried like any other transient failure.
func TestAttemptTimeoutBoundsAnEndpointThatNeverAnswers(t *testing.T) {
	release := make(chan struct{})
	f := newFakeService(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	log := &captureLogger{}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.AttemptTimeout = 100 * time.Millisecond
		cfg.MaxRetries = 1
		cfg.Logger = log
	})
	_, err := c.GetResetPasswordFlag(context.Background(), testServer)
	if err == nil {
		t.Fatal("a read that never answers succeeded")
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d attempts, want 2 (the timeout is retried once)", n)
	}
	if !strings.Contains(log.text(), "timeout") {
		t.Errorf("the retry log does not name the timeout:\n%s", log.text())
	}
}

// TestThrottlingIsRetriedUntilTheDeadline: under a quota every call gets
// through in time, so flow control does not use up max_retries when the
// operation has a deadline; other failures still do.
func TestThrottlingIsRetriedUntilTheDeadline(t *testing.T) {
	throttled := jsonStatus(429, `{"error_code":"APIGW.0308","error_msg":"throttled"}`)
	f := newFakeService(t, failThenSucceed(8, throttled, opGetFlag.succeed))
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.GetResetPasswordFlag(ctx, testServer); err != nil {
		t.Fatalf("8 throttled answers with max_retries 2 and a deadline: %v", err)
	}
	if n := len(f.requests()); n != 9 {
		t.Errorf("%d attempts, want 9", n)
	}

	// Without a deadline there is no bound but max_retries.
	f = newFakeService(t, failThenSucceed(8, throttled, opGetFlag.succeed))
	c = newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2 })
	if _, err := c.GetResetPasswordFlag(context.Background(), testServer); !ecsapi.IsThrottled(err) {
		t.Errorf("without a deadline: error = %v, want throttling after max_retries", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("without a deadline: %d attempts, want 3", n)
	}

	// Other failures count against max_retries even with a deadline.
	f = newFakeService(t, failThenSucceed(8, jsonStatus(503, ""), opGetFlag.succeed))
	c = newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2 })
	if _, err := c.GetResetPasswordFlag(ctx, testServer); err == nil {
		t.Error("8 answers of 503 with max_retries 2 succeeded")
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("503: %d attempts, want 3", n)
	}

	// max_retries = 0 turns every retry off.
	f = newFakeService(t, failThenSucceed(1, throttled, opGetFlag.succeed))
	c = newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 0 })
	if _, err := c.GetResetPasswordFlag(ctx, testServer); !ecsapi.IsThrottled(err) {
		t.Errorf("max_retries 0: error = %v, want the throttling error", err)
	}
}

// TestBatchResetAnswerWithoutTheListIsUnknown: a 200 that does not say which
// servers were reset leaves the outcome open; an empty list means none.
func TestBatchResetAnswerWithoutTheListIsUnknown(t *testing.T) {
	req := ecsapi.BatchResetRequest{NewPassword: "Nw0Pass!word", ServerIDs: []string{testServer}}
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, "r", `{}`) })
	if _, err := newTestClient(t, f.srv.URL).BatchResetServerPasswords(context.Background(), req); !ecsapi.IsOutcomeUnknown(err) {
		t.Errorf("200 {}: error = %v, want an unknown outcome", err)
	}
	f = newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, "r", `{"response":[]}`) })
	res, err := newTestClient(t, f.srv.URL).BatchResetServerPasswords(context.Background(), req)
	if err != nil || !res.Listed || len(res.ServerIDs) != 0 {
		t.Errorf("200 with an empty list: %+v, %v; want a listed answer naming no server", res, err)
	}
	f = newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 204, "r", "") })
	if res, err := newTestClient(t, f.srv.URL).BatchResetServerPasswords(context.Background(), req); err != nil || res.Listed {
		t.Errorf("204: %+v, %v; want an accepted request that lists nothing", res, err)
	}
	// A success status whose body cannot be read: something accepted the
	// request, and nothing says what it did.
	for name, answer := range map[string]func(http.ResponseWriter){
		"HTML page": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(200)
			_, _ = w.Write([]byte("<html>oops</html>"))
		},
		"broken JSON":    func(w http.ResponseWriter) { writeJSON(w, 200, "r", `{"response":[`) },
		"empty 200 JSON": func(w http.ResponseWriter) { writeJSON(w, 200, "r", "") },
	} {
		f = newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answer(w) })
		if _, err := newTestClient(t, f.srv.URL).BatchResetServerPasswords(context.Background(), req); !ecsapi.IsOutcomeUnknown(err) {
			t.Errorf("200 with %s: error = %v, want an unknown outcome", name, err)
		}
	}
}

// TestBatchResetRefusesTheSameServerTwice: IDs that differ only in case
// name the same server, in a batch reset as in a reboot; nothing is sent.
func TestBatchResetRefusesTheSameServerTwice(t *testing.T) {
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 204, "r", "") })
	upper := strings.ToUpper(testServer)
	_, err := newTestClient(t, f.srv.URL).BatchResetServerPasswords(context.Background(),
		ecsapi.BatchResetRequest{NewPassword: "Nw0Pass!word", ServerIDs: []string{testServer, upper}})
	if err == nil || !strings.Contains(err.Error(), "already entry 0") || len(f.requests()) != 0 {
		t.Errorf("error %v after %d requests; want a refusal before sending", err, len(f.requests()))
	}
}
