package cloudacc

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

const (
	fleetFound = "data.ecs_servers.found"
	fleetBatch = "ecs_server_password_batch.test"
)

// fleetConfig finds the Linux server as a fleet would be found and rotates its password through
// the batch API. data.ecs_servers.all lists what the credentials may see; the Linux server's own
// name, status, tags and enterprise project, read from that listing, then filter a second
// listing, which must find it again. The batch resource takes only the Linux server from what
// was found, so that no other server of the account is ever touched, and keeps stored Windows
// passwords on destroy (the Linux server has none; the rule is the same as for every resource on
// a server that is not the disposable one).
func (c *cloud) fleetConfig(version int) string {
	return providerBlock + passwordVariable + fmt.Sprintf(`
data "ecs_servers" "all" {}

locals {
  linux = one([for s in data.ecs_servers.all.servers : s if s.id == %[1]q])
}

data "ecs_servers" "found" {
  name                  = local.linux.name
  status                = local.linux.status
  tags                  = local.linux.tags
  enterprise_project_id = local.linux.enterprise_project_id
}

resource "ecs_server_password_batch" "test" {
  server_ids                 = [for id in data.ecs_servers.found.ids : id if id == %[1]q]
  password_wo                = var.password
  password_wo_version        = %[2]d
  delete_password_on_destroy = false
}
`, c.linuxID, version)
}

// TestAccCloud_fleet finds the Linux server with ecs_servers and rotates its password twice with
// ecs_server_password_batch.
//
// Checks: the listing, filtered by the server's own name, status, tags and enterprise project,
// finds it (paging through every server the credentials may see on the way); the batch API
// accepts both resets and the state records the server in reset_server_ids, with nothing left to
// restart; the second version is an in-place update that resets again; neither password reaches
// a plan or the state.
// Cannot check: that the server holds the new password (that needs a login), or how the API
// treats the other servers of a batch (only the Linux server is sent, by design).
func TestAccCloud_fleet(t *testing.T) {
	c := preCheck(t)
	pw1, pw2 := newPassword(), newPassword()
	recorded := []statecheck.StateCheck{
		found(c.linuxID),
		statecheck.ExpectKnownValue(fleetBatch, tfjsonpath.New("reset_server_ids"),
			knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact(c.linuxID)})),
		statecheck.ExpectKnownValue(fleetBatch, tfjsonpath.New("restart_pending_server_ids"), knownvalue.ListExact(nil)),
		statecheck.ExpectKnownValue(fleetBatch, tfjsonpath.New("last_reset_at"), knownvalue.StringRegexp(rfc3339)),
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:          c.fleetConfig(1),
				ConfigVariables: config.Variables{"password": config.StringVariable(pw1)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(fleetBatch, plancheck.ResourceActionCreate), secretAbsent(pw1)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(recorded, secretAbsent(pw1)),
			},
			{
				Config:          c.fleetConfig(2),
				ConfigVariables: config.Variables{"password": config.StringVariable(pw2)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(fleetBatch, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(fleetBatch, tfjsonpath.New("reset_server_ids")),
						secretAbsent(pw1), secretAbsent(pw2),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: append(recorded, secretAbsent(pw1), secretAbsent(pw2)),
			},
		},
	})
}

// found checks that the filtered listing holds the server.
func found(id string) check {
	return func(doc map[string]any) error {
		v, err := stateValue(doc, fleetFound, "ids")
		if err != nil {
			return err
		}
		list, _ := v.([]any)
		if !slices.Contains(list, any(id)) {
			return fmt.Errorf("%s.ids does not hold the server %s (%d servers found)", fleetFound, id, len(list))
		}
		return nil
	}
}
