package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// The API family is chosen per resource, data source and ephemeral resource
// through their api attribute; the helpers below give every one of them the
// same values, default, description and IAM actions.

// supportedAPIs lists the API families in the order the docs present them;
// the validator and the description both use it.
var supportedAPIs = []string{string(ecsapi.APIV1), string(ecsapi.APIV21)}

// readAPIDescription documents the api attribute of the password readers.
var readAPIDescription = fmt.Sprintf("API family to read the password with: one of %s (default: `%s`). `v1` "+
	"honours permissions granted through enterprise projects; the native `v2.1` API does not.",
	quotedList(supportedAPIs), ecsapi.APIV1)

// apiOrDefault returns the configured API family, v1 when unset.
func apiOrDefault(v types.String) ecsapi.API {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return ecsapi.APIV1
	}
	return ecsapi.API(v.ValueString())
}

// IAM actions per operation, quoted in permission errors.
const (
	iamActionResetPassword      = "ecs:cloudServers:resetServerPwd"
	iamActionGetServer          = "ecs:cloudServers:get"
	iamActionResetFlag          = "ecs:cloudServers:showResetPasswordFlag"
	iamActionShowPasswordV1     = "ecs:cloudServers:showServerPassword"
	iamActionDeletePasswordV1   = "ecs:cloudServers:deletePassword"
	iamActionServerPasswordsV21 = "ecs:serverPasswords:manage"
	iamActionReboot             = "ecs:cloudServers:reboot"
)

// iamActionFor returns the action the v2.1 API needs instead of the v1 one.
func iamActionFor(api ecsapi.API, v1Action string) string {
	if api == ecsapi.APIV21 {
		switch v1Action {
		case iamActionShowPasswordV1, iamActionDeletePasswordV1:
			return iamActionServerPasswordsV21
		}
	}
	return v1Action
}
