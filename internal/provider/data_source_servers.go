package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

var (
	_ datasource.DataSource                   = (*serversDataSource)(nil)
	_ datasource.DataSourceWithConfigure      = (*serversDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*serversDataSource)(nil)
)

// iamActionListServers is the permission the listing needs.
const iamActionListServers = "ecs:cloudServers:list"

// NewServersDataSource returns the ecs_servers data source.
func NewServersDataSource() datasource.DataSource {
	return &serversDataSource{}
}

// serversDataSource finds servers by name, status, tags and enterprise
// project, so that fleets need no hand-kept ID lists.
type serversDataSource struct {
	client *ecsapi.Client
}

type serversDataSourceModel struct {
	ID                  types.String   `tfsdk:"id"`
	Name                types.String   `tfsdk:"name"`
	NameRegex           types.String   `tfsdk:"name_regex"`
	Status              types.String   `tfsdk:"status"`
	Tags                types.Map      `tfsdk:"tags"`
	EnterpriseProjectID types.String   `tfsdk:"enterprise_project_id"`
	IDs                 types.List     `tfsdk:"ids"`
	Servers             types.List     `tfsdk:"servers"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`
}

// serverAttrTypes is the object type of one entry of servers.
var serverAttrTypes = map[string]attr.Type{
	"id":                    types.StringType,
	"name":                  types.StringType,
	"status":                types.StringType,
	"os_type":               types.StringType,
	"enterprise_project_id": types.StringType,
	"key_name":              types.StringType,
	"tags":                  types.MapType{ElemType: types.StringType},
}

// Metadata implements datasource.DataSource.
func (d *serversDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_servers"
}

// Schema implements datasource.DataSource.
func (d *serversDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the servers of a project by name, status, tags and enterprise project, so that a " +
			"fleet can be given to `ecs_server_password_batch` (or a `for_each`) without a hand-kept list of IDs. " +
			"Pages through any number of servers (`GET /v1/{project_id}/cloudservers/detail`). All filters " +
			"apply together; with none, every server the credentials may see is returned. A server the API lists " +
			"although its own status, tags or enterprise project do not match the filters is left out, with a " +
			"warning: for some statuses the API also lists servers in transitional states (asking for `ACTIVE` " +
			"finds servers being resized or rebuilt), which cannot be reset until they settle.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "A digest of the filters, so that the data source has a stable ID.",
			},
			"name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep servers whose name contains this text; the API matches it loosely (a `.` " +
					"matches any one character). Use `name_regex` for an exact pattern.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 255)},
			},
			"name_regex": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep servers whose name matches this regular expression (RE2 syntax, as in " +
					"Go), applied by the provider after the API's filters, such as `^web-[0-9]+$`.",
				Validators: []validator.String{regexValidator{}},
			},
			"status": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Keep servers in exactly this status, such as `ACTIVE` or `SHUTOFF`.",
				Validators: []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^[A-Z_]{1,32}$`),
					"must be a server status in capital letters, such as ACTIVE or SHUTOFF")},
			},
			"tags": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Keep servers that carry every one of these tags (key and value).",
				Validators: []validator.Map{
					mapvalidator.NoNullValues(),
					mapvalidator.KeysAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[^,=]{1,128}$`),
						"must be 1 to 128 characters without a comma or an equals sign")),
					mapvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[^,]{0,255}$`),
						"must be at most 255 characters without a comma")),
				},
			},
			"enterprise_project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Keep servers of this enterprise project; `all_granted_eps` asks for every " +
					"enterprise project the credentials are granted.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 64)},
			},
			"ids": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "The IDs of the servers found, sorted, so the list is stable between runs.",
			},
			"servers": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The servers found, in the order of `ids`.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                    schema.StringAttribute{Computed: true, MarkdownDescription: "Server ID."},
					"name":                  schema.StringAttribute{Computed: true, MarkdownDescription: "Server name."},
					"status":                schema.StringAttribute{Computed: true, MarkdownDescription: "Status, such as `ACTIVE`."},
					"os_type":               schema.StringAttribute{Computed: true, MarkdownDescription: "`Linux` or `Windows`."},
					"enterprise_project_id": schema.StringAttribute{Computed: true, MarkdownDescription: "Enterprise project (`0` is the default one)."},
					"key_name":              schema.StringAttribute{Computed: true, MarkdownDescription: "Key pair the server was created with; empty when none."},
					"tags":                  schema.MapAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "Tags."},
				}},
			},
			"timeouts": timeouts.AttributesWithOpts(ctx, timeouts.Opts{
				ReadDescription: fmt.Sprintf("How long the listing may take, retries included (default: `%s`).",
					durationText(defaultReadTimeout)),
			}),
		},
	}
}

// Configure implements datasource.DataSourceWithConfigure.
func (d *serversDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if pd := providerDataFrom(req.ProviderData, &resp.Diagnostics); pd != nil {
		d.client = pd.client
	}
}

// ValidateConfig implements datasource.DataSourceWithValidateConfig.
func (d *serversDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m serversDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if !resp.Diagnostics.HasError() {
		validateTimeouts(m.Timeouts.Object, &resp.Diagnostics)
	}
}

// Read implements datasource.DataSource.
func (d *serversDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	ctx = withLogMasking(ctx)
	var m serversDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	opts := ecsapi.ListServersOptions{
		Name: m.Name.ValueString(), Status: m.Status.ValueString(), EnterpriseProjectID: m.EnterpriseProjectID.ValueString(),
	}
	if !m.Tags.IsNull() {
		resp.Diagnostics.Append(m.Tags.ElementsAs(ctx, &opts.Tags, false)...)
	}
	var nameRegex *regexp.Regexp
	if !m.NameRegex.IsNull() {
		nameRegex = regexp.MustCompile(m.NameRegex.ValueString()) // checked by regexValidator
	}
	servers, outside, err := listMatchingServers(ctx, d.client, opts)
	if err != nil {
		resp.Diagnostics.AddError("Unable to List Servers", listErrorDetail(err))
		return
	}
	if len(outside) > 0 {
		resp.Diagnostics.AddWarning("Listing Returned Servers Outside the Filters", outsideFiltersDetail(outside, len(servers)+len(outside), opts))
	}
	servers = filterByName(servers, nameRegex)
	m.ID = types.StringValue(filtersDigest(opts, m.NameRegex.ValueString()))
	m.IDs, m.Servers, diags = serverLists(servers)
	resp.Diagnostics.Append(diags...)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	}
}

// listMatchingServers lists the servers that match opts. It returns apart
// the servers of the listing that do not match, judged by what each server
// says of itself: its status, its tags (every one asked for, key and value)
// and its enterprise project. The API widens some status filters on
// purpose (asking for ACTIVE also lists servers being resized or rebuilt,
// which cannot be reset now), and a gateway or a service that ignored a
// filter would hand the user servers they never asked for, for a batch
// reset to change. The name filter is the service's own fuzzy match, so it
// is not judged here.
func listMatchingServers(ctx context.Context, client *ecsapi.Client, opts ecsapi.ListServersOptions) (match, outside []ecsapi.Server, err error) {
	servers, err := client.ListServers(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range servers {
		if filterMismatch(s, opts) == "" {
			match = append(match, s)
		} else {
			outside = append(outside, s)
		}
	}
	return match, outside, nil
}

// filterMismatch says how a server fails the filters, or "" when it
// matches them.
func filterMismatch(s ecsapi.Server, opts ecsapi.ListServersOptions) string {
	var why []string
	if opts.Status != "" && !strings.EqualFold(s.Status, opts.Status) {
		why = append(why, fmt.Sprintf("status %q", s.Status))
	}
	for _, k := range slices.Sorted(maps.Keys(opts.Tags)) {
		got, ok := s.Tags[k]
		switch {
		case !ok:
			why = append(why, fmt.Sprintf("no tag %q", k))
		case got != opts.Tags[k]:
			why = append(why, fmt.Sprintf("tag %q", k+"="+got))
		}
	}
	if ep := opts.EnterpriseProjectID; ep != "" && ep != allGrantedEPs && s.EnterpriseProjectID != ep {
		why = append(why, fmt.Sprintf("enterprise project %q", s.EnterpriseProjectID))
	}
	return strings.Join(why, ", ")
}

// allGrantedEPs is the enterprise_project_id filter that asks for every
// enterprise project the credentials are granted.
const allGrantedEPs = "all_granted_eps"

// outsideFiltersDetail explains the servers left out of a listing.
func outsideFiltersDetail(outside []ecsapi.Server, listed int, opts ecsapi.ListServersOptions) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The API listed %d servers, %d of which do not match the filters by their own status, tags or "+
		"enterprise project. They were left out of `ids` and `servers`:\n\n", listed, len(outside))
	writeServerList(&b, len(outside), func(i int) string {
		s := outside[i]
		return fmt.Sprintf("server %s (%q): %s", s.ID, s.Name, filterMismatch(s, opts))
	})
	b.WriteString("\nFor `status`, the API also lists servers in transitional states (asking for ACTIVE finds " +
		"servers being resized, rebuilt or rebooted); read the data source again once they are settled. Any other " +
		"mismatch means that the service, or something between it and Terraform, did not apply a filter: check " +
		"the endpoint (`endpoints.ecs`) and any proxy in between.")
	return b.String()
}

// filterByName keeps the servers whose name matches re (all when re is
// nil) and sorts them by ID.
func filterByName(servers []ecsapi.Server, re *regexp.Regexp) []ecsapi.Server {
	out := servers[:0:0]
	for _, s := range servers {
		if re == nil || re.MatchString(s.Name) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// serverLists renders the servers as the ids and servers attributes.
func serverLists(servers []ecsapi.Server) (types.List, types.List, diag.Diagnostics) {
	var diags diag.Diagnostics
	ids := make([]attr.Value, 0, len(servers))
	objs := make([]attr.Value, 0, len(servers))
	for _, s := range servers {
		ids = append(ids, types.StringValue(s.ID))
		tags, d := types.MapValueFrom(context.Background(), types.StringType, nonNilTags(s.Tags))
		diags.Append(d...)
		obj, d := types.ObjectValue(serverAttrTypes, map[string]attr.Value{
			"id": types.StringValue(s.ID), "name": types.StringValue(s.Name), "status": types.StringValue(s.Status),
			"os_type": types.StringValue(s.OSType), "enterprise_project_id": types.StringValue(s.EnterpriseProjectID),
			"key_name": types.StringValue(s.KeyName), "tags": tags,
		})
		diags.Append(d...)
		objs = append(objs, obj)
	}
	idList, d := types.ListValue(types.StringType, ids)
	diags.Append(d...)
	objList, d := types.ListValue(types.ObjectType{AttrTypes: serverAttrTypes}, objs)
	diags.Append(d...)
	return idList, objList, diags
}

func nonNilTags(tags map[string]string) map[string]string {
	if tags == nil {
		return map[string]string{}
	}
	return tags
}

// filtersDigest is a stable ID for a set of filters.
func filtersDigest(opts ecsapi.ListServersOptions, nameRegex string) string {
	keys := make([]string, 0, len(opts.Tags))
	for k := range opts.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	text := fmt.Sprintf("%q %q %q %q %q", opts.Name, nameRegex, opts.Status, opts.EnterpriseProjectID, keys)
	for _, k := range keys {
		text += fmt.Sprintf(" %q", opts.Tags[k])
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

// listErrorDetail explains a failed listing.
func listErrorDetail(err error) string {
	var b strings.Builder
	b.WriteString("Could not list the servers of the project.\n\n")
	writeResponseFacts(&b, err)
	if hint := errorHint(apiCall{What: "list", IAMAction: iamActionListServers}, err); hint != "" {
		b.WriteString("\n" + hint)
	}
	return strings.TrimRight(b.String(), "\n")
}

// regexValidator checks that a string compiles as an RE2 regular
// expression, so a bad pattern fails at plan time with the parser's reason.
type regexValidator struct{}

func (regexValidator) Description(context.Context) string {
	return "must be a valid regular expression (RE2 syntax)"
}

func (v regexValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (regexValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := regexp.Compile(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Regular Expression",
			fmt.Sprintf("The value of `%s` is not a regular expression: %s.", req.Path, err))
	}
}
