package simctl_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simctl"
)

// newSim starts an in-process simulator on a loopback port and a client of it. The test checks
// what the client reports against the simulator's Go API, which reads the same state directly.
func newSim(t *testing.T) (*ecssim.Loopback, *simctl.Client) {
	t.Helper()
	sim, err := ecssim.StartLoopback(ecssim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c, err := simctl.New(sim.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func TestNew(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1:8089", "ftp://127.0.0.1:21", "http://", "http://[::1"} {
		if _, err := simctl.New(bad, nil); err == nil {
			t.Errorf("New(%q) accepted a URL that is not a simulator's base URL", bad)
		}
	}
	c, err := simctl.New("http://127.0.0.1:8089//", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.URL(); got != "http://127.0.0.1:8089" {
		t.Errorf("URL() = %q, want it without trailing slashes", got)
	}
}

func TestHealth(t *testing.T) {
	_, c := newSim(t)
	if err := c.Health(t.Context()); err != nil {
		t.Fatal(err)
	}

	// Anything but {"status":"ok"} is not a healthy simulator.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"status":"starting"}`)
	}))
	t.Cleanup(other.Close)
	oc, err := simctl.New(other.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := oc.Health(t.Context()); err == nil || !strings.Contains(err.Error(), "starting") {
		t.Errorf("Health = %v, want an error quoting the status", err)
	}
}

func TestServers(t *testing.T) {
	sim, c := newSim(t)
	ctx := t.Context()
	web, err := c.AddServer(ctx, ecssim.ServerSpec{Name: "web", OSType: "Linux", EnterpriseProjectID: "ep-1"})
	if err != nil {
		t.Fatal(err)
	}
	if want, ok := sim.Server(web.ID); !ok || !sameServer(web, want) {
		t.Fatalf("AddServer returned %+v; the simulator holds %+v", web, want)
	}
	db, err := c.AddServer(ctx, ecssim.ServerSpec{ID: "db 1%2F", Name: "db", OSType: "Windows"})
	if err != nil {
		t.Fatal(err)
	}

	// An ID with a space and an escape sequence must reach the simulator as it is.
	got, err := c.Server(ctx, db.ID)
	if err != nil || !sameServer(got, db) {
		t.Fatalf("Server(%q) = %+v, %v; want %+v", db.ID, got, err, db)
	}
	list, err := c.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != web.ID || list[1].ID != db.ID {
		t.Fatalf("Servers = %+v, want web then db", list)
	}

	name, locked := "web-renamed", true
	patched, err := c.PatchServer(ctx, web.ID, ecssim.ServerPatch{Name: &name, Locked: &locked})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := sim.Server(web.ID); want.Name != name || !want.Locked || !sameServer(patched, want) {
		t.Fatalf("PatchServer returned %+v; the simulator holds %+v", patched, want)
	}
	checkDeleteAndErrors(t, sim, c, web.ID, db.ID)
}

// checkDeleteAndErrors deletes server db through c and checks the errors
// of asking for it again and of adding a server with web's ID.
func checkDeleteAndErrors(t *testing.T, sim *ecssim.Loopback, c *simctl.Client, web, db string) {
	ctx := t.Context()
	if err := c.DeleteServer(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, ok := sim.Server(db); ok {
		t.Fatal("DeleteServer left the server in the simulator")
	}
	_, err := c.Server(ctx, db)
	var e *simctl.Error
	if !simctl.IsNotFound(err) || !errors.As(err, &e) || !strings.Contains(e.Message, "not found") ||
		e.Method != http.MethodGet || !strings.HasPrefix(e.Path, "/_sim/servers/") {
		t.Errorf("Server of a deleted server: %v (%#v), want a 404 Error with the simulator's message", err, e)
	}
	if err := c.DeleteServer(ctx, db); !simctl.IsNotFound(err) {
		t.Errorf("DeleteServer of a deleted server: %v, want a 404", err)
	}

	_, err = c.AddServer(ctx, ecssim.ServerSpec{ID: web, OSType: "Linux"})
	if !errors.As(err, &e) || e.StatusCode != http.StatusConflict || simctl.IsNotFound(err) {
		t.Errorf("AddServer with a taken ID: %v, want a 409 Error", err)
	}
	if _, err := c.AddServer(ctx, ecssim.ServerSpec{OSType: "Plan9"}); err == nil {
		t.Error("AddServer accepted an unknown os_type")
	}
}

func TestAddServers(t *testing.T) {
	sim, c := newSim(t)
	ctx := t.Context()
	specs := make([]ecssim.ServerSpec, 1500)
	for i := range specs {
		specs[i] = ecssim.ServerSpec{ID: fmt.Sprintf("bulk-%04d", i), Tags: map[string]string{"n": fmt.Sprint(i)}}
	}
	states, err := c.AddServers(ctx, specs)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != len(specs) || states[1499].ID != "bulk-1499" || states[1499].Tags["n"] != "1499" {
		t.Fatalf("AddServers returned %d states", len(states))
	}
	if want, ok := sim.Server("bulk-0042"); !ok || !sameServer(states[42], want) {
		t.Fatalf("AddServers returned %+v; the simulator holds %+v", states[42], want)
	}

	// Nothing to create sends an empty array, not null (which would create one server).
	for _, none := range [][]ecssim.ServerSpec{nil, {}} {
		if got, err := c.AddServers(ctx, none); err != nil || len(got) != 0 {
			t.Fatalf("AddServers(%#v) = %d states, %v", none, len(got), err)
		}
	}
	if n := len(sim.Servers()); n != 1500 {
		t.Fatalf("%d servers after empty batches, want 1500", n)
	}
	var e *simctl.Error
	_, err = c.AddServers(ctx, []ecssim.ServerSpec{{ID: "new"}, {ID: "bulk-0001"}})
	if !errors.As(err, &e) || e.StatusCode != http.StatusConflict {
		t.Fatalf("AddServers with a taken ID: %v, want a 409 Error", err)
	}
	if _, ok := sim.Server("new"); ok {
		t.Fatal("a refused batch created a server")
	}

	// Tags travel through a patch, and an empty map clears them.
	st, err := c.PatchServer(ctx, "bulk-0001", ecssim.ServerPatch{Tags: &map[string]string{}})
	if err != nil || len(st.Tags) != 0 {
		t.Fatalf("clearing tags: %+v, %v", st.Tags, err)
	}
	if got, _ := sim.Server("bulk-0001"); len(got.Tags) != 0 {
		t.Fatalf("the simulator kept tags %v", got.Tags)
	}
}

// sameServer compares server states field by field; times are compared as instants, since
// the round trip through JSON drops the monotonic clock reading.
func sameServer(a, b ecssim.ServerState) bool {
	if !a.Created.Equal(b.Created) || !a.Updated.Equal(b.Updated) || len(a.ResetHistory) != len(b.ResetHistory) {
		return false
	}
	a.Created, a.Updated, b.Created, b.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	a.ResetHistory, b.ResetHistory = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestAddPrincipal(t *testing.T) {
	_, c := newSim(t)
	info, err := c.AddPrincipal(t.Context(), ecssim.Principal{
		AccessKey: "AK2", SecretKey: "SK2-secret", SecurityToken: "token-secret",
		Actions: []string{"ecs:cloudServers:get"}, EnterpriseProjectIDs: []string{"ep-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := simctl.PrincipalInfo{
		AccessKey: "AK2", ProjectID: ecssim.DefaultProjectID, Actions: []string{"ecs:cloudServers:get"},
		EnterpriseProjectIDs: []string{"ep-1"}, Temporary: true,
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("AddPrincipal = %+v, want %+v", info, want)
	}
	if _, err := c.AddPrincipal(t.Context(), ecssim.Principal{AccessKey: "AK3"}); err == nil {
		t.Error("AddPrincipal accepted a principal without a secret key")
	}
}

func TestFaults(t *testing.T) {
	sim, c := newSim(t)
	ctx := t.Context()
	f := ecssim.Fault{
		Method: http.MethodGet, PathContains: "/os-resetpwd-flag", Status: 502, Count: 2, Rate: 0.5,
		RetryAfterSeconds: 3, DelayMS: 1, Body: "<html>bad gateway</html>", ContentType: "text/html",
	}
	st, err := c.AddFault(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.Fault, f) || st.ID == 0 || st.Injected != 0 || st.Remaining == nil || *st.Remaining != 2 {
		t.Errorf("AddFault = %+v, want the fault with an ID, 0 injected and 2 remaining", st)
	}
	list, err := c.Faults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The simulator's own view and the client's must agree on every field, including fields
	// added to ecssim.Fault after this test was written.
	if want := sim.Faults(); !reflect.DeepEqual(list, want) {
		t.Errorf("Faults = %+v, the simulator holds %+v", list, want)
	}
	if _, err := c.AddFault(ctx, ecssim.Fault{Status: 600}); err == nil {
		t.Error("AddFault accepted status 600")
	}
	if err := c.ClearFaults(ctx); err != nil {
		t.Fatal(err)
	}
	if list, err := c.Faults(ctx); err != nil || len(list) != 0 || len(sim.Faults()) != 0 {
		t.Errorf("after ClearFaults: %+v, %v", list, err)
	}
}

func TestRequestsAndStats(t *testing.T) {
	sim, c := newSim(t)
	ctx := t.Context()
	// An unsigned API request: answered 401, but logged and counted under its route.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sim.URL+"/v1/"+ecssim.DefaultProjectID+"/cloudservers/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	const route = "GET /v1/{project_id}/cloudservers/{server_id}"
	reqs, err := c.Requests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Requests()
	if len(reqs) != 1 || len(want) != 1 || reqs[0].Status != http.StatusUnauthorized || reqs[0].RequestID != want[0].RequestID ||
		reqs[0].Path != want[0].Path || reqs[0].RemoteAddr != want[0].RemoteAddr || !reqs[0].Time.Equal(want[0].Time) {
		t.Fatalf("Requests = %+v, the simulator logged %+v", reqs, want)
	}
	st, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Requests[route] != 1 || len(st.Requests) != 1 || st.ConnectionsAccepted < 2 {
		t.Errorf("Stats = %+v, want one %s and the connections of both clients", st, route)
	}
	if err := c.ClearRequests(ctx); err != nil {
		t.Fatal(err)
	}
	if reqs, err := c.Requests(ctx); err != nil || len(reqs) != 0 {
		t.Errorf("after ClearRequests: %+v, %v", reqs, err)
	}
}

func TestConfig(t *testing.T) {
	sim, c := newSim(t)
	ctx := t.Context()
	cfg, err := c.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != (simctl.Config{JobDuration: ecssim.DefaultJobDuration, TokenLifetime: ecssim.DefaultTokenLifetime}) {
		t.Errorf("Config of a simulator started without settings = %+v", cfg)
	}

	latency, rate, offset, job, tokenLife := 250*time.Millisecond, 5.0, -90500*time.Millisecond, 150*time.Millisecond, 90*time.Second
	cfg, err = c.SetConfig(ctx, simctl.ConfigChange{Latency: &latency, RateLimit: &rate, ClockOffset: &offset, JobDuration: &job,
		TokenLifetime: &tokenLife})
	if err != nil {
		t.Fatal(err)
	}
	want := simctl.Config{Latency: latency, RateLimit: rate, ClockOffset: offset, JobDuration: job, TokenLifetime: tokenLife}
	if cfg != want || sim.ClockOffset() != offset || sim.JobDuration() != job || sim.TokenLifetime() != tokenLife {
		t.Errorf("SetConfig = %+v (simulator offset %v), want %+v", cfg, sim.ClockOffset(), want)
	}

	// Absent fields stay; an invalid change applies nothing.
	rate = 0
	if cfg, err = c.SetConfig(ctx, simctl.ConfigChange{RateLimit: &rate}); err != nil {
		t.Fatal(err)
	}
	if want.RateLimit = 0; cfg != want {
		t.Errorf("SetConfig of the rate limit alone = %+v, want %+v", cfg, want)
	}
	tooLong, zero := 11*time.Minute, time.Duration(0)
	if _, err := c.SetConfig(ctx, simctl.ConfigChange{Latency: &tooLong, ClockOffset: &zero}); err == nil {
		t.Error("SetConfig accepted a latency over 10 minutes")
	}
	if _, err := c.SetConfig(ctx, simctl.ConfigChange{JobDuration: &zero, RateLimit: &rate}); err == nil {
		t.Error("SetConfig accepted a job duration of 0")
	}
	if _, err := c.SetConfig(ctx, simctl.ConfigChange{TokenLifetime: &zero}); err == nil {
		t.Error("SetConfig accepted a token lifetime of 0")
	}
	if cfg, err := c.Config(ctx); err != nil || cfg != want {
		t.Errorf("Config after a refused change = %+v, %v; want %+v", cfg, err, want)
	}
}

func TestErrors(t *testing.T) {
	page := "<html>" + strings.Repeat("x", 5000) + "</html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/_sim/stats":
			fmt.Fprint(w, `{"requests":`) // cut off
		case "/_sim/config":
			fmt.Fprint(w, `{"latency_ms":0}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, page)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := simctl.New(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	_, err = c.Servers(ctx)
	var e *simctl.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadGateway || !strings.HasPrefix(e.Message, "<html>xxx") ||
		len(e.Message) > 1100 {
		t.Errorf("Servers against a proxy's error page: %v, want a 502 Error quoting the start of the page", err)
	}
	if _, err := c.Stats(ctx); err == nil || errors.As(err, &e) {
		t.Errorf("Stats with a cut-off answer: %v, want a decoding error", err)
	}
	if _, err := c.Config(ctx); err == nil {
		t.Error("Config accepted an answer without rate_limit and clock_offset_seconds")
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.ClearFaults(cancelled); !errors.Is(err, context.Canceled) {
		t.Errorf("ClearFaults with a cancelled context: %v", err)
	}
}

func TestAgencies(t *testing.T) {
	sim, c := newSim(t)
	ctx := t.Context()
	a, err := c.AddAgency(ctx, ecssim.Agency{DomainName: "acme", AgencyName: "ops", Actions: []string{ecssim.ActionGetServer}})
	if err != nil {
		t.Fatal(err)
	}
	if a.DomainID == "" || a.AgencyName != "ops" || !reflect.DeepEqual(a.Actions, []string{ecssim.ActionGetServer}) {
		t.Fatalf("AddAgency = %+v", a)
	}
	if _, err := c.AddAgency(ctx, ecssim.Agency{DomainName: "acme"}); err == nil {
		t.Fatal("AddAgency accepted an agency without a name")
	}
	if _, err := c.AddAgency(ctx, ecssim.Agency{DomainName: "acme", DomainID: "other", AgencyName: "x"}); err == nil ||
		!strings.Contains(err.Error(), "409") {
		t.Fatalf("AddAgency with a conflicting domain ID: %v, want a 409 error", err)
	}
	list, err := c.Agencies(ctx)
	if err != nil || !reflect.DeepEqual(list, sim.Agencies()) || len(list) != 1 {
		t.Fatalf("Agencies = %+v (%v), want %+v", list, err, sim.Agencies())
	}
	if err := c.ClearAgencies(ctx); err != nil {
		t.Fatal(err)
	}
	if list, err := c.Agencies(ctx); err != nil || len(list) != 0 {
		t.Fatalf("Agencies after ClearAgencies = %+v (%v)", list, err)
	}
}

func TestMetadata(t *testing.T) {
	sim, c := newSim(t)
	ctx := t.Context()
	m, err := c.Metadata(ctx)
	if err != nil || m.Lifetime != ecssim.DefaultMetadataLifetime || m.Actions != nil || m.Disabled {
		t.Fatalf("Metadata = %+v (%v), want the defaults", m, err)
	}
	want := ecssim.MetadataSettings{Lifetime: 2 * time.Minute, Actions: []string{ecssim.ActionGetServer},
		EnterpriseProjectIDs: []string{"ep-1"}, Disabled: true}
	m, err = c.SetMetadata(ctx, want)
	if err != nil || !reflect.DeepEqual(m, want) || !reflect.DeepEqual(sim.MetadataSettings(), want) {
		t.Fatalf("SetMetadata = %+v (%v); simulator has %+v; want %+v", m, err, sim.MetadataSettings(), want)
	}
	// Zero values restore the defaults: every field is sent.
	m, err = c.SetMetadata(ctx, ecssim.MetadataSettings{})
	if err != nil || m.Lifetime != ecssim.DefaultMetadataLifetime || m.Actions != nil || m.Disabled || len(m.EnterpriseProjectIDs) != 0 {
		t.Fatalf("SetMetadata of the zero value = %+v (%v), want the defaults", m, err)
	}
	if _, err := c.SetMetadata(ctx, ecssim.MetadataSettings{Lifetime: 25 * time.Hour}); err == nil {
		t.Fatal("SetMetadata accepted a lifetime over a day")
	}
}

func TestPrincipalExpiry(t *testing.T) {
	_, c := newSim(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	info, err := c.AddPrincipal(t.Context(), ecssim.Principal{AccessKey: "STS", SecretKey: "s", SecurityToken: "t", ExpiresAt: at})
	if err != nil || !info.ExpiresAt.Equal(at) || !info.Temporary {
		t.Fatalf("AddPrincipal = %+v (%v), want a temporary principal expiring at %v", info, err, at)
	}
}
