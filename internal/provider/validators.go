package provider

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// serverIDValidator checks a server ID at plan time with the same rule the
// client applies before sending it (ecsapi.CheckServerID): one URL path
// segment of printable characters, so that NUL, "..", no-break spaces,
// zero-width and bidirectional control characters are refused before an
// apply starts rather than sent mangled.
type serverIDValidator struct{}

func (serverIDValidator) Description(context.Context) string {
	return "must be a server ID: printable characters without slashes, white space or control characters"
}

func (v serverIDValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (serverIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := ecsapi.CheckServerID(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Server ID",
			fmt.Sprintf("The value of `%s` is not a server ID: %s. Use the server's ID as the console or "+
				"`ecs_servers` shows it, such as `3b2f7c84-1d2e-4c6f-9a51-6f0c2f1e9d10`.", req.Path, err))
	}
}

// serverIDValidators check every server_id attribute.
func serverIDValidators() []validator.String {
	return []validator.String{serverIDValidator{}}
}

// wholeNumberValidator accepts whole numbers from min to max. Integer
// attributes are declared as numbers and checked here because a fraction
// such as 2.5 in an Int64 attribute fails inside the framework with an
// error that blames the provider instead of naming the attribute.
type wholeNumberValidator struct {
	min, max int64
}

func (v wholeNumberValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a whole number from %d to %d", v.min, v.max)
}

func (v wholeNumberValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v wholeNumberValidator) ValidateNumber(_ context.Context, req validator.NumberRequest, resp *validator.NumberResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, ok := wholeNumber(req.ConfigValue, v.min, v.max); !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Whole Number",
			fmt.Sprintf("The value of `%s` is %s; it %s.", req.Path, req.ConfigValue.ValueBigFloat().Text('g', 20),
				v.Description(context.Background())))
	}
}

// wholeNumber returns n as an int64 when it is a whole number within
// [lo, hi].
func wholeNumber(n types.Number, lo, hi int64) (int64, bool) {
	f := n.ValueBigFloat()
	if f == nil || !f.IsInt() {
		return 0, false
	}
	i, acc := f.Int64()
	if acc != big.Exact || i < lo || i > hi {
		return 0, false
	}
	return i, true
}

// minOperationTimeout is the shortest timeout accepted in a timeouts block:
// shorter ones ("0s", "1ns") cannot fit even one API call and would only
// turn every apply into a confusing deadline error.
const minOperationTimeout = time.Second

// validateTimeouts checks every value set in a timeouts block at plan time:
// it must parse as a Go duration and be at least minOperationTimeout.
func validateTimeouts(value types.Object, diags *diag.Diagnostics) {
	if value.IsNull() || value.IsUnknown() {
		return
	}
	for name, v := range value.Attributes() {
		s, ok := v.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		at := path.Root("timeouts").AtName(name)
		d, err := time.ParseDuration(s.ValueString())
		switch {
		case err != nil:
			diags.AddAttributeError(at, "Invalid Timeout",
				fmt.Sprintf("The value of `timeouts.%s` is %q, which is not a duration. Use a number with a unit, "+
					"such as \"30s\", \"10m\" or \"1h\".", name, s.ValueString()))
		case d < minOperationTimeout:
			diags.AddAttributeError(at, "Invalid Timeout",
				fmt.Sprintf("The value of `timeouts.%s` is %q; it must be at least %s, such as \"30s\" or \"10m\".",
					name, s.ValueString(), minOperationTimeout))
		}
	}
}

// distinctServerIDsValidator refuses a list that names a server twice. IDs
// are compared without regard to case, as the API compares its UUIDs.
type distinctServerIDsValidator struct{}

func (distinctServerIDsValidator) Description(context.Context) string {
	return "must list each server once"
}

func (v distinctServerIDsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (distinctServerIDsValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	type occurrence struct {
		index int
		id    string
	}
	first := map[string]occurrence{}
	for i, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		key := strings.ToLower(s.ValueString())
		prior, dup := first[key]
		if !dup {
			first[key] = occurrence{index: i, id: s.ValueString()}
			continue
		}
		j, earlier := prior.index, prior.id
		detail := fmt.Sprintf("The value of `%s` lists server %q twice (elements %d and %d). List each server once "+
			"(`distinct()` removes repeats).", req.Path, s.ValueString(), j, i)
		if earlier != s.ValueString() {
			detail = fmt.Sprintf("The value of `%s` lists the same server twice: %q (element %d) and %q (element %d) "+
				"differ only in case. Server IDs are UUIDs, whose letters may be written in either case; list each "+
				"server once.",
				req.Path, earlier, j, s.ValueString(), i)
		}
		resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Duplicate Server ID", detail)
	}
}
