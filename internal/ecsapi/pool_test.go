package ecsapi_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// TestDefaultTransportReusesConnections runs calls from as many goroutines
// as Terraform's default -parallelism and checks that the default client
// keeps a connection per worker instead of closing and reopening them: a
// pool that keeps fewer idle connections than there are callers dials anew
// for most calls.
func TestDefaultTransportReusesConnections(t *testing.T) {
	const (
		workers = 10
		calls   = 400
		// Ideally one connection per worker. Under load (the whole test
		// suite, the race detector) the transport sometimes finishes a dial
		// that a freed connection made unnecessary and keeps both, so allow
		// up to three per worker: a pool that keeps fewer idle connections
		// than there are callers opens a new one for most of the calls,
		// well over a hundred here.
		maxConns = 3 * workers
	)
	_, pub := simKeyPair(t)
	srv := simtest.Start(t, ecssim.Config{
		// A small latency keeps every worker's request in flight at the
		// same time, as in a real apply against a remote endpoint.
		Latency: 2 * time.Millisecond,
		Seed: []ecssim.ServerSpec{
			{ID: srvLinux, Name: "linux-1", OSType: "Linux"},
			{ID: srvWindows, Name: "win-1", OSType: "Windows", KeyName: "kp-win", PublicKey: pub, WindowsPassword: simWindowsPw},
		},
	})
	// Build the client as on a 2-core machine: a pool sized from the CPU
	// count would then be too small, and this test must catch that on a
	// large machine too.
	prev := runtime.GOMAXPROCS(2)
	c := simClient(t, srv, func(cfg *ecsapi.Config) { cfg.MaxRetries = 0 })
	runtime.GOMAXPROCS(prev)
	ctx := context.Background()

	jobs := make(chan int)
	errs := make(chan error, calls)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				var err error
				if i%2 == 0 {
					_, err = c.GetResetPasswordFlag(ctx, srvLinux)
				} else {
					_, err = c.GetServerPassword(ctx, ecsapi.APIV1, srvWindows)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range calls {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	st := srv.Stats()
	var handled int
	for _, n := range st.Requests {
		handled += n
	}
	if handled < calls {
		t.Fatalf("the simulator counted %d requests, want at least %d", handled, calls)
	}
	if st.ConnectionsAccepted > maxConns {
		t.Errorf("%d calls from %d goroutines opened %d connections, want at most %d",
			calls, workers, st.ConnectionsAccepted, maxConns)
	}
	if st.ConnectionsAccepted == 0 {
		t.Error("the simulator counted no connections; the test measured nothing")
	}
}

// TestTLSConfigReachesDefaultTransport proves that TLSConfig is used by the
// default transport: a self-signed endpoint is refused with Go's defaults
// and accepted when verification is switched off.
func TestTLSConfigReachesDefaultTransport(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	// The refused handshake is expected; keep it out of the test log.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	verified := newTestClient(t, srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 0 })
	err := verified.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer)
	var unknownAuthority x509.UnknownAuthorityError
	if !errors.As(err, &unknownAuthority) {
		t.Errorf("with default TLS settings: error = %v, want an unknown-authority error", err)
	}

	insecure := newTestClient(t, srv.URL, func(cfg *ecsapi.Config) {
		cfg.MaxRetries = 0
		cfg.TLSConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test server's certificate is self-signed
	})
	if err := insecure.DeleteServerPassword(context.Background(), ecsapi.APIV1, testServer); err != nil {
		t.Errorf("with verification off: %v", err)
	}
}
