package simtest_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// fatalRecorder stands in for the test a Sim reports to, so these tests can see a helper fail
// without failing themselves. Only the methods the helpers call are overridden; calling any
// other would reach the nil TB and panic, which would point at a helper doing something new.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatal(args ...any) { r.stop(fmt.Sprint(args...)) }

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.stop(fmt.Sprintf(format, args...)) }

// stop ends the calling goroutine, as FailNow does in a real test.
func (r *fatalRecorder) stop(msg string) {
	r.msg = msg
	runtime.Goexit()
}

// failure runs f against s, reporting to a recorder instead of t, and returns the failure
// message, or "" when f finished without failing.
func failure(t *testing.T, s *simtest.Sim, f func(*simtest.Sim)) string {
	t.Helper()
	rec := &fatalRecorder{}
	redirected := simtest.WithTB(s, rec)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(redirected)
	}()
	<-done
	return rec.msg
}

// get sends an unsigned GET to the simulator and returns the request ID of its answer.
func get(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_ = resp.Body.Close()
	return resp.Header.Get("X-Request-Id")
}

func TestStartRegistersFaultsFirst(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{},
		ecssim.Fault{Method: "GET", PathContains: "/cloudservers/", Status: 503, Count: 1},
		ecssim.Fault{Method: "PUT", Status: 500})
	faults := s.Faults()
	if len(faults) != 2 {
		t.Fatalf("%d faults registered, want 2", len(faults))
	}
	if faults[0].Status != 503 || faults[1].Status != 500 || faults[0].Injected != 0 {
		t.Errorf("faults %+v", faults)
	}
	if reqs := s.Requests(); len(reqs) != 0 {
		t.Errorf("the simulator served %d requests before the test made any", len(reqs))
	}
}

func TestStartClosesWithTheTest(t *testing.T) {
	t.Parallel()
	var url string
	t.Run("owner", func(t *testing.T) {
		url = simtest.Start(t, ecssim.Config{}).URL
		get(t, url+"/v3/projects")
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/v3/projects", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_ = resp.Body.Close()
		t.Fatal("the simulator still answers after its test ended")
	}
}

func TestMustAddServers(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	win := s.MustAddServer(ecssim.ServerSpec{Name: "win", OSType: "Windows"})
	if st := s.State(win); st.OSType != "Windows" || st.Name != "win" {
		t.Errorf("state %+v", st)
	}
	ids := s.MustAddLinuxServers(3)
	seen := map[string]bool{win: true}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("ID %s handed out twice", id)
		}
		seen[id] = true
		if st := s.State(id); st.OSType != "Linux" || st.ResetCount != 0 {
			t.Errorf("server %s: %+v", id, st)
		}
	}
	if len(ids) != 3 {
		t.Errorf("%d IDs, want 3", len(ids))
	}
	tagged := s.MustAddServers(ecssim.ServerSpec{ID: "t-1", Tags: map[string]string{"env": "prod"}}, ecssim.ServerSpec{ID: "t-2"})
	if len(tagged) != 2 || tagged[0] != "t-1" || tagged[1] != "t-2" || s.State("t-1").Tags["env"] != "prod" {
		t.Errorf("MustAddServers = %q, state %+v", tagged, s.State("t-1"))
	}
}

func TestHelpersFailTheTest(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	id := s.MustAddServer(ecssim.ServerSpec{})
	cases := []struct {
		name string
		call func(*simtest.Sim)
		want string // part of the failure message; "" means no failure
	}{
		{"existing server", func(s *simtest.Sim) { s.State(id) }, ""},
		{"missing server", func(s *simtest.Sim) { s.State("00000000-0000-4000-8000-000000000000") }, "does not exist"},
		{"duplicate server", func(s *simtest.Sim) { s.MustAddServer(ecssim.ServerSpec{ID: id}) }, "adding server"},
		{"duplicate in a batch", func(s *simtest.Sim) {
			s.MustAddServers(ecssim.ServerSpec{ID: "dup"}, ecssim.ServerSpec{ID: "dup"})
		}, "adding 2 servers"},
		{"fault without an answer", func(s *simtest.Sim) { s.MustAddFault(ecssim.Fault{Method: "GET"}) }, "adding fault"},
		{"no request yet", func(s *simtest.Sim) { s.LastRequestID() }, "no requests"},
		{"agency", func(s *simtest.Sim) { s.MustAddAgency(ecssim.Agency{DomainName: "acme", AgencyName: "ops"}) }, ""},
		{"agency without a name", func(s *simtest.Sim) { s.MustAddAgency(ecssim.Agency{DomainName: "acme"}) }, "adding agency acme/"},
	}
	for _, tc := range cases {
		got := failure(t, s, tc.call)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s: failed with %q", tc.name, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%s: failure %q, want one mentioning %q", tc.name, got, tc.want)
		}
	}
}

func TestRequestsToAndLastRequestID(t *testing.T) {
	t.Parallel()
	s := simtest.Start(t, ecssim.Config{})
	id := s.MustAddServer(ecssim.ServerSpec{})
	get(t, s.URL+"/v3/projects")
	sent := get(t, s.URL+"/v1/"+ecssim.DefaultProjectID+"/cloudservers/"+id)
	if n := len(s.RequestsTo("GET", "")); n != 2 {
		t.Errorf("%d GET requests in all, want 2", n)
	}
	if got := s.RequestsTo("GET", id); len(got) != 1 || got[0].RequestID != sent {
		t.Errorf("GET requests about the server: %+v, want the one answered with %s", got, sent)
	}
	if n := len(s.RequestsTo("PUT", "")); n != 0 {
		t.Errorf("%d PUT requests, want none", n)
	}
	if got := s.LastRequestID(); got != sent || got == "" {
		t.Errorf("LastRequestID = %q, the simulator sent %q", got, sent)
	}
}

// getHealth asks the control API of the simulator at url for its health through client.
func getHealth(t *testing.T, client *http.Client, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/_sim/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	return client.Do(req)
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	for _, requireClientCert := range []bool{false, true} {
		s, pki := simtest.StartTLS(t, ecssim.Config{}, requireClientCert)
		if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || pki.CAFile == "" || pki.ClientCertFile == "" {
			t.Fatalf("URL %q, CA file %q, client certificate file %q", s.URL, pki.CAFile, pki.ClientCertFile)
		}
		client := &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: pki.ClientConfig(true)}}
		resp, err := getHealth(t, client, s.URL)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("health over HTTPS: %d", resp.StatusCode)
		}
		// Only a client without a certificate tells the two apart.
		client = &http.Client{Transport: &http.Transport{Proxy: nil, TLSClientConfig: pki.ClientConfig(false)}}
		resp, err = getHealth(t, client, s.URL)
		if err == nil {
			_ = resp.Body.Close()
		}
		if requireClientCert != (err != nil) {
			t.Fatalf("requireClientCert %v: a client without a certificate got err = %v", requireClientCert, err)
		}
		if requireClientCert && !strings.Contains(err.Error(), "tls: certificate required") {
			t.Fatalf("the refusal is not the TLS alert for a missing certificate: %v", err)
		}
	}
}
