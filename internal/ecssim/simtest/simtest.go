// Package simtest starts a simulator per test and wraps the calls tests make on it in helpers
// that fail the test instead of returning an error, so a test reads as its scenario rather than
// as error handling.
//
// It has no Terraform imports, so the API client's tests can use it as well as the provider's
// acceptance tests (through internal/acctest) and the end-to-end tests. Helpers report a
// failure to the test that started the simulator; use a simulator from that test's goroutine.
package simtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtls"
)

// Sim is a simulator listening on a loopback port for one test. The embedded Loopback gives the
// URL and the simulator's own methods; the methods of Sim add the failing-on-error variants.
type Sim struct {
	*ecssim.Loopback
	t testing.TB
}

// Start starts a simulator with cfg, registers faults before anything can reach it (so the
// first request already meets them) and closes it when the test ends.
func Start(t testing.TB, cfg ecssim.Config, faults ...ecssim.Fault) *Sim {
	t.Helper()
	srv, err := ecssim.StartLoopback(cfg)
	if err != nil {
		t.Fatalf("starting the simulator: %v", err)
	}
	t.Cleanup(srv.Close)
	s := &Sim{Loopback: srv, t: t}
	for _, f := range faults {
		s.MustAddFault(f)
	}
	return s
}

// StartTLS is Start for a simulator serving HTTPS, with a PKI made for the test whose PEM files
// (CA, server and client certificates and keys) live in the test's temporary directory. With
// requireClientCert the simulator refuses clients without a certificate signed by the PKI's CA.
// cfg.TLS is replaced.
func StartTLS(t testing.TB, cfg ecssim.Config, requireClientCert bool, faults ...ecssim.Fault) (*Sim, *simtls.PKI) {
	t.Helper()
	pki, err := simtls.New(t.TempDir())
	if err != nil {
		t.Fatalf("making the test PKI: %v", err)
	}
	cfg.TLS = pki.ServerConfig(requireClientCert)
	return Start(t, cfg, faults...), pki
}

// MustAddAgency registers an agency and returns it as stored, with its domain ID.
func (s *Sim) MustAddAgency(a ecssim.Agency) ecssim.Agency {
	s.t.Helper()
	stored, err := s.AddAgency(a)
	if err != nil {
		s.t.Fatalf("adding agency %s/%s: %v", a.DomainName, a.AgencyName, err)
	}
	return stored
}

// MustAddServer creates a server and returns its ID.
func (s *Sim) MustAddServer(spec ecssim.ServerSpec) string {
	s.t.Helper()
	st, err := s.AddServer(spec)
	if err != nil {
		s.t.Fatalf("adding server %q: %v", spec.Name, err)
	}
	return st.ID
}

// MustAddServers creates every server of specs, all of them or none, and returns their IDs in
// the order of specs. It takes the simulator's lock once, so it suits fleets of thousands.
func (s *Sim) MustAddServers(specs ...ecssim.ServerSpec) []string {
	s.t.Helper()
	states, err := s.AddServers(specs)
	if err != nil {
		s.t.Fatalf("adding %d servers: %v", len(specs), err)
	}
	ids := make([]string, len(states))
	for i, st := range states {
		ids[i] = st.ID
	}
	return ids
}

// MustAddLinuxServers creates n Linux servers with the simulator's defaults otherwise and
// returns their IDs in creation order.
func (s *Sim) MustAddLinuxServers(n int) []string {
	s.t.Helper()
	specs := make([]ecssim.ServerSpec, n)
	for i := range specs {
		specs[i] = ecssim.ServerSpec{Name: fmt.Sprintf("linux-%03d", i), OSType: "Linux"}
	}
	return s.MustAddServers(specs...)
}

// MustAddFault registers a fault.
func (s *Sim) MustAddFault(f ecssim.Fault) {
	s.t.Helper()
	if err := s.AddFault(f); err != nil {
		s.t.Fatalf("adding fault %+v: %v", f, err)
	}
}

// State returns the simulator's ground truth about a server. A missing server fails the test:
// every caller asks about a server it created, so its absence is a bug, not a result.
func (s *Sim) State(id string) ecssim.ServerState {
	s.t.Helper()
	st, ok := s.Server(id)
	if !ok {
		s.t.Fatalf("server %s does not exist in the simulator", id)
	}
	return st
}

// RequestsTo returns the logged API requests with the method whose path contains pathPart; an
// empty pathPart matches every path.
func (s *Sim) RequestsTo(method, pathPart string) []ecssim.RequestRecord {
	var out []ecssim.RequestRecord
	for _, r := range s.Requests() {
		if r.Method == method && strings.Contains(r.Path, pathPart) {
			out = append(out, r)
		}
	}
	return out
}

// LastRequestID returns the request ID the simulator sent with its most recent answer, the ID
// a client should report for that call. An empty log or an empty ID fails the test, since a
// comparison against "" would prove nothing.
func (s *Sim) LastRequestID() string {
	s.t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		s.t.Fatal("the simulator logged no requests")
	}
	id := reqs[len(reqs)-1].RequestID
	if id == "" {
		s.t.Fatal("the simulator logged an empty request ID")
	}
	return id
}
