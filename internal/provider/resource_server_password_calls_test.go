package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/acctest"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

// TestServerPasswordResourceAPICalls calls the provider and resource methods
// directly, once each, the way the framework does per operation, and lists
// the requests the simulator served for each. The acceptance tests cannot
// count this exactly, because Terraform refreshes a varying number of times.
func TestServerPasswordResourceAPICalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim, _ := acctest.NewSimulator(t)
	id := sim.MustAddServer(ecssim.ServerSpec{})
	const pw1, pw2 = "Kq7!vRm2@Lp9", "Zt4-wNx8?Hb3"
	const (
		flagRoute   = "GET /v1/{project_id}/cloudservers/{server_id}/os-resetpwd-flag"
		resetRoute  = "PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password"
		serverRoute = "GET /v1/{project_id}/cloudservers/{server_id}"
		deleteRoute = "DELETE /v1/{project_id}/cloudservers/{server_id}/os-server-password"
	)

	// served returns the routes requested since the previous call.
	served := func() []string {
		var out []string
		for _, rec := range sim.Requests() {
			out = append(out, rec.Method+" "+rec.Route)
		}
		sim.ClearRequests()
		return out
	}
	expectServed := func(op string, want ...string) {
		t.Helper()
		if got := served(); !slices.Equal(got, want) {
			t.Errorf("%s: the simulator served %q, want %q", op, got, want)
		}
	}
	noErrors := func(op string, diags diag.Diagnostics) {
		t.Helper()
		if diags.HasError() {
			t.Fatalf("%s failed:\n%s", op, diagText(diags))
		}
	}

	// With project_id given, configuring makes no request at all.
	cfgResp := configureDirect(t, map[string]tftypes.Value{
		"region":     tfString(ecssim.DefaultRegion),
		"project_id": tfString(ecssim.DefaultProjectID),
		"access_key": tfString(ecssim.DefaultAccessKey),
		"secret_key": tfString(ecssim.DefaultSecretKey),
		"endpoints":  tfEndpoints(tfString(sim.URL), tfString(sim.URL)),
	}, nil)
	noErrors("Configure", cfgResp.Diagnostics)
	expectServed("Configure")

	r := &serverPasswordResource{}
	var confResp resource.ConfigureResponse
	r.Configure(ctx, resource.ConfigureRequest{ProviderData: cfgResp.ResourceData}, &confResp)
	noErrors("resource Configure", confResp.Diagnostics)
	var schemaResp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &schemaResp)
	sch := schemaResp.Schema
	typ := sch.Type().TerraformType(ctx)

	config := tfsdk.Config{Schema: sch, Raw: objectWithNulls(t, typ, map[string]tftypes.Value{
		"server_id": tfString(id), "password": tfString(pw1),
	})}
	var validateResp resource.ValidateConfigResponse
	r.ValidateConfig(ctx, resource.ValidateConfigRequest{Config: config}, &validateResp)
	noErrors("ValidateConfig", validateResp.Diagnostics)
	expectServed("ValidateConfig")

	// Create: the flag, then the reset.
	yes := tftypes.NewValue(tftypes.Bool, true)
	plan := tfsdk.Plan{Schema: sch, Raw: objectWithNulls(t, typ, map[string]tftypes.Value{
		"id": tfString(id), "server_id": tfString(id), "password": tfString(pw1), "api": tfString("v1"),
		"check_password": yes, "verify_reset_support": yes, "delete_password_on_destroy": yes,
		"last_reset_at": tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
	})}
	createResp := resource.CreateResponse{State: tfsdk.State{Schema: sch, Raw: tftypes.NewValue(typ, nil)}}
	r.Create(ctx, resource.CreateRequest{Plan: plan, Config: config}, &createResp)
	noErrors("Create", createResp.Diagnostics)
	expectServed("Create", flagRoute, resetRoute)
	if st := sim.State(id); st.ResetCount != 1 || st.Password != pw1 {
		t.Fatalf("after Create the server has reset_count %d and the expected password: %v", st.ResetCount, st.Password == pw1)
	}
	state := createResp.State

	// Refresh: one read of the server, and the state is kept as it was.
	readResp := resource.ReadResponse{State: tfsdk.State{Schema: sch, Raw: state.Raw.Copy()}}
	r.Read(ctx, resource.ReadRequest{State: state}, &readResp)
	noErrors("Read", readResp.Diagnostics)
	expectServed("Read", serverRoute)
	if !readResp.State.Raw.Equal(state.Raw) {
		t.Errorf("Read changed the state:\n got %s\nwant %s", readResp.State.Raw, state.Raw)
	}

	// update builds the proposed new state from the current one, lets
	// ModifyPlan finish it and applies it.
	update := func(op string, change func(*serverPasswordResourceModel)) tfsdk.State {
		t.Helper()
		var m serverPasswordResourceModel
		if diags := state.Get(ctx, &m); diags.HasError() {
			t.Fatalf("%s: read state: %s", op, diagText(diags))
		}
		change(&m)
		proposed := tfsdk.Plan{Schema: sch}
		if diags := proposed.Set(ctx, &m); diags.HasError() {
			t.Fatalf("%s: build plan: %s", op, diagText(diags))
		}
		cfg := tfsdk.Config{Schema: sch, Raw: objectWithNulls(t, typ, map[string]tftypes.Value{
			"server_id": tfString(id), "password": tfString(m.Password.ValueString()),
			"check_password": tftypes.NewValue(tftypes.Bool, m.CheckPassword.ValueBool()),
		})}
		planResp := resource.ModifyPlanResponse{Plan: proposed}
		r.ModifyPlan(ctx, resource.ModifyPlanRequest{Plan: proposed, State: state, Config: cfg}, &planResp)
		noErrors(op+" ModifyPlan", planResp.Diagnostics)
		expectServed(op + " ModifyPlan")

		updResp := resource.UpdateResponse{State: tfsdk.State{Schema: sch, Raw: planResp.Plan.Raw.Copy()}}
		r.Update(ctx, resource.UpdateRequest{Plan: planResp.Plan, State: state, Config: cfg}, &updResp)
		noErrors(op, updResp.Diagnostics)
		return updResp.State
	}
	lastResetAt := func(s tfsdk.State) types.String {
		t.Helper()
		var v types.String
		if diags := s.GetAttribute(ctx, path.Root("last_reset_at"), &v); diags.HasError() {
			t.Fatalf("read last_reset_at: %s", diagText(diags))
		}
		return v
	}

	// An update that changes only a flag sends nothing.
	newState := update("Update without a reset", func(m *serverPasswordResourceModel) {
		m.CheckPassword = types.BoolValue(false)
	})
	expectServed("Update without a reset")
	if got, want := lastResetAt(newState), lastResetAt(state); !got.Equal(want) || got.IsNull() {
		t.Errorf("Update without a reset: last_reset_at = %s, want the previous %s", got, want)
	}
	if st := sim.State(id); st.ResetCount != 1 {
		t.Errorf("Update without a reset: reset_count = %d, want 1", st.ResetCount)
	}
	state = newState

	// A new password: the flag, then the reset, as for Create.
	state = update("Update with a reset", func(m *serverPasswordResourceModel) {
		m.Password = types.StringValue(pw2)
	})
	expectServed("Update with a reset", flagRoute, resetRoute)
	if st := sim.State(id); st.ResetCount != 2 || st.Password != pw2 || st.LastIsCheckPassword {
		t.Errorf("after the second reset: reset_count %d (want 2), expected password %v, is_check_password %v (want false)",
			st.ResetCount, st.Password == pw2, st.LastIsCheckPassword)
	}

	// Destroy: one DELETE of the stored Windows password.
	deleteResp := resource.DeleteResponse{State: tfsdk.State{Schema: sch, Raw: state.Raw.Copy()}}
	r.Delete(ctx, resource.DeleteRequest{State: state}, &deleteResp)
	noErrors("Delete", deleteResp.Diagnostics)
	expectServed("Delete", deleteRoute)
}
