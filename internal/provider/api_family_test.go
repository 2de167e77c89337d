package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

func TestIAMActionFor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		api    ecsapi.API
		action string
		want   string
	}{
		{ecsapi.APIV1, iamActionDeletePasswordV1, iamActionDeletePasswordV1},
		{ecsapi.APIV21, iamActionDeletePasswordV1, iamActionServerPasswordsV21},
		{ecsapi.APIV21, iamActionShowPasswordV1, iamActionServerPasswordsV21},
		{ecsapi.APIV21, iamActionGetServer, iamActionGetServer},
	}
	for _, tc := range cases {
		if got := iamActionFor(tc.api, tc.action); got != tc.want {
			t.Errorf("iamActionFor(%s, %s) = %s, want %s", tc.api, tc.action, got, tc.want)
		}
	}
}

func TestAPIOrDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   types.String
		want ecsapi.API
	}{
		{types.StringNull(), ecsapi.APIV1},
		{types.StringUnknown(), ecsapi.APIV1},
		{types.StringValue(""), ecsapi.APIV1},
		{types.StringValue("v1"), ecsapi.APIV1},
		{types.StringValue("v2.1"), ecsapi.APIV21},
	} {
		if got := apiOrDefault(tc.in); got != tc.want {
			t.Errorf("apiOrDefault(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
