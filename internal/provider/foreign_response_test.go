package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// portalRequestID is the request ID the portal page is sent with, so that a
// test can see it quoted in the diagnostic.
const portalRequestID = "portal-0a1b2c3d"

// portalPageFault answers password resets with a 200 HTML page, the way a
// captive portal or a proxy's login page does; the reset never reaches the
// API.
var portalPageFault = ecssim.Fault{
	Method:       "PUT",
	PathContains: "/os-reset-password",
	Status:       200,
	ContentType:  "text/html; charset=utf-8",
	Headers:      map[string]string{"X-Request-Id": portalRequestID},
	Body: "<html><head><title>Guest network sign-in</title></head>" +
		"<body>Accept the terms to continue.</body></html>",
}

// TestAccServerPasswordResource_foreignSuccessPageRecordsNothing proves
// that a reset answered with 200 and an HTML page, not by the ECS API,
// fails the apply and records nothing; the next apply resets for real.
func TestAccServerPasswordResource_foreignSuccessPageRecordsNothing(t *testing.T) {
	t.Parallel()
	sim, provider := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw = "Kq7!vRm2@Lp9"
	if err := sim.AddFault(portalPageFault); err != nil {
		t.Fatalf("add fault: %v", err)
	}

	noResetYet := acctest.ExpectServer(sim, id, func(st ecssim.ServerState) error {
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
				// Whatever answered may have passed the reset on, so the
				// error says it may have taken effect; the state records
				// nothing, and the simulator confirms no reset happened.
				ExpectError: regexp.MustCompile(wordsPattern("Password Reset Outcome Unknown", id,
					"API error code: none", "Request ID: "+portalRequestID, "HTTP status: 200",
					"not from the ECS API", "Guest network sign-in", "may have reached the API")),
			},
			{
				PreConfig: func() {
					sim.ClearFaults()
					if err := noResetYet(); err != nil {
						t.Fatal(err)
					}
				},
				Config: testAccServerPasswordConfig_password(provider, id, pw, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// The failed apply left no resource in the state.
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(testResource, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{acctest.ExpectResets(sim, id, pw, 1, "v1")},
			},
		},
	})
}
