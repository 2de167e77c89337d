package provider

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// portalRequestID is the request ID the intercepting page sends, so that a
// test can see it quoted in the diagnostic.
const portalRequestID = "portal-0a1b2c3d"

// interceptingProxy sits between the provider and a simulator. While
// intercept is set it answers password resets itself with a 200 HTML page,
// the way a captive portal or a proxy's login page does, and the reset never
// reaches the simulator; everything else is passed through.
func interceptingProxy(t *testing.T, sim *ecssim.Server) (string, *atomic.Bool) {
	t.Helper()
	target, err := url.Parse(sim.URL)
	if err != nil {
		t.Fatalf("simulator URL: %v", err)
	}
	// The Host header is left as the client sent it, so the signature the
	// simulator checks still matches.
	pass := httputil.NewSingleHostReverseProxy(target)
	intercept := &atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if intercept.Load() && r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/os-reset-password") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("X-Request-Id", portalRequestID)
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "<html><head><title>Guest network sign-in</title></head>"+
				"<body>Accept the terms to continue.</body></html>")
			return
		}
		pass.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, intercept
}

// TestAccServerPasswordResource_foreignSuccessPageRecordsNothing proves
// that a reset answered with 200 and an HTML page, not by the ECS API,
// fails the apply and records nothing; the next apply resets for real.
func TestAccServerPasswordResource_foreignSuccessPageRecordsNothing(t *testing.T) {
	t.Parallel()
	sim, _ := newTestSimulator(t)
	proxyURL, intercept := interceptingProxy(t, sim)
	provider := providerBlock(proxyURL, providerOptions{})
	id := addServer(t, sim, ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	intercept.Store(true)

	noResetYet := expectServer(sim, id, func(st ecssim.ServerState) error {
		if st.ResetCount != 0 {
			return fmt.Errorf("server %s: reset_count = %d, want 0", id, st.ResetCount)
		}
		return nil
	})

	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ExpectError: regexp.MustCompile(wordsPattern("Unable to Reset Server Password", id,
					"API error code: none", "Request ID: "+portalRequestID, "HTTP status: 200",
					"not from the ECS API", "Guest network sign-in")),
			},
			{
				PreConfig: func() {
					intercept.Store(false)
					if err := noResetYet(); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// The failed apply left no resource in the state.
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}
