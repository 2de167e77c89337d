// Package provider implements the `ecs` Terraform provider: the
// ecs_server_password resource, the password-related data sources and the
// Windows password ephemeral resource, on top of internal/ecsapi.
package provider

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi/credentials"
)

var (
	_ provider.Provider                       = (*ecsProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*ecsProvider)(nil)
	_ provider.ProviderWithActions            = (*ecsProvider)(nil)
	_ provider.ProviderWithListResources      = (*ecsProvider)(nil)
)

// projectLookupTimeout bounds the IAM call made while configuring, which has
// no Terraform timeout of its own; obtaining credentials gets as long.
const projectLookupTimeout = 2 * time.Minute

// implicitMetadataTimeout bounds the attempt to get credentials from the
// instance metadata service when nothing else is configured: off an ECS
// server nothing answers, and saying so should not take long.
const implicitMetadataTimeout = 5 * time.Second

// ecsProvider is the provider implementation.
type ecsProvider struct {
	version string
	// getenv reads the environment (HW_* and the proxy variables); tests
	// replace it so that they can run in parallel without touching the
	// process environment.
	getenv func(string) string
	// home returns the home directory, where the default shared config file
	// lives; nil (tests) means there is none.
	home func() (string, error)
	// defaultMetadata is the instance metadata service used when no
	// credentials are configured; empty (tests) means there is no such
	// fallback, so that a test can never reach 169.254.169.254.
	defaultMetadata string
	// now is the clock that decides when temporary credentials are renewed
	// (tests run it fast); nil means time.Now.
	now func() time.Time
}

// ecsProviderModel maps the provider block.
type ecsProviderModel struct {
	Region           types.String `tfsdk:"region"`
	ProjectID        types.String `tfsdk:"project_id"`
	AccessKey        types.String `tfsdk:"access_key"`
	SecretKey        types.String `tfsdk:"secret_key"`
	SecurityToken    types.String `tfsdk:"security_token"`
	Token            types.String `tfsdk:"token"`
	UserName         types.String `tfsdk:"user_name"`
	Password         types.String `tfsdk:"password"`
	DomainName       types.String `tfsdk:"domain_name"`
	SharedConfigFile types.String `tfsdk:"shared_config_file"`
	Profile          types.String `tfsdk:"profile"`
	AssumeRole       types.Object `tfsdk:"assume_role"`
	Cloud            types.String `tfsdk:"cloud"`
	Endpoints        types.Object `tfsdk:"endpoints"`
	Insecure         types.Bool   `tfsdk:"insecure"`
	CACertFile       types.String `tfsdk:"cacert_file"`
	Cert             types.String `tfsdk:"cert"`
	Key              types.String `tfsdk:"key"`
	MaxRetries       types.Number `tfsdk:"max_retries"`
}

// endpointsModel maps the endpoints attribute.
type endpointsModel struct {
	ECS      types.String `tfsdk:"ecs"`
	IAM      types.String `tfsdk:"iam"`
	Metadata types.String `tfsdk:"metadata"`
}

// assumeRoleModel maps the assume_role attribute.
type assumeRoleModel struct {
	AgencyName types.String `tfsdk:"agency_name"`
	DomainName types.String `tfsdk:"domain_name"`
	DomainID   types.String `tfsdk:"domain_id"`
	Duration   types.Number `tfsdk:"duration"`
}

// providerData is handed to every resource, data source and ephemeral
// resource by Configure.
type providerData struct {
	client *ecsapi.Client
	// region is the configured region, which resource identities record.
	region string
}

// New returns a constructor for the provider, as providerserver.Serve and the
// tests expect.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &ecsProvider{version: version, getenv: os.Getenv, home: os.UserHomeDir,
			defaultMetadata: ecsapi.DefaultMetadataEndpoint}
	}
}

// Metadata implements provider.Provider.
func (p *ecsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "ecs"
	resp.Version = p.version
}

// Schema implements provider.Provider.
func (p *ecsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `ecs` provider manages the login passwords of Huawei Cloud Elastic Cloud Servers (ECS): " +
			"it resets them, reports whether a server can be reset, and fetches the encrypted initial password of " +
			"Windows servers.\n\n" +
			"Every attribute may be left out of the provider block and taken from an environment variable instead; " +
			"a value in the block wins. Authenticate with an access key pair (optionally temporary, with a security " +
			"token), an IAM token, a user login, a KooCLI profile or, on an ECS server with an agency, the instance " +
			"metadata service; `assume_role` assumes an agency on top of any of them. When several are configured, " +
			"the provider block wins over the environment, which wins over the shared config file, which wins over " +
			"instance metadata; two ways at the same level are an error.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Region of the servers, such as `cn-north-4`. Required, here or through the `" +
					envRegion + "` environment variable.",
			},
			"project_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "IAM project ID of the region. When omitted (and `" + envProjectID + "` is unset) " +
					"the provider looks it up through IAM by the region name, which needs permission to list projects.",
			},
			"access_key": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Access key ID. Needs `secret_key`. Environment variable: `" + envAccessKey + "`.",
			},
			"secret_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Secret access key belonging to `access_key`. Environment variable: `" + envSecretKey + "`.",
			},
			"security_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Security token of temporary credentials; use it together with the temporary " +
					"`access_key` and `secret_key`. Environment variable: `" + envSecurityToken + "`.",
			},
			"token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Project-scoped IAM token, used instead of an access key pair (set one or the " +
					"other). Environment variable: `" + envToken + "`.",
			},
			"user_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "IAM user name to log in with, together with `password` and `domain_name`: the " +
					"provider obtains a project-scoped token when it is configured and logs in again before the token " +
					"expires. Environment variable: `" + envUserName + "`.",
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Password of `user_name`. Environment variable: `" + envPassword + "`.",
			},
			"domain_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Account (domain) name of `user_name`. Environment variable: `" + envDomainName +
					"`.",
			},
			"shared_config_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path of the KooCLI (`hcloud`) shared config file (default: `" +
					credentials.DefaultSharedConfigFile + "`). When no other credentials are configured, its current " +
					"profile is used if the file exists. Environment variable: `" + envSharedConfigFile + "`.",
			},
			"profile": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Profile of the shared config file to take credentials from (AKSK and SSO " +
					"modes); its region, project ID and agency apply where the provider block and the environment set " +
					"none. Without it the file's `current` profile is used. A missing file is an error only when a " +
					"profile is asked for. Environment variable: `" + envProfile + "`.",
			},
			"assume_role": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Assume an agency: the provider obtains the agency's temporary credentials from " +
					"IAM with the credentials configured otherwise, and renews them before they expire. The caller " +
					"needs the right to assume the agency (`iam:agencies:assume`).",
				Attributes: map[string]schema.Attribute{
					"agency_name": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Name of the agency. Environment variable: `" + envAgencyName + "`.",
					},
					"domain_name": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Name of the account (domain) that created the agency; set it or " +
							"`domain_id`. Environment variable: `" + envAgencyDomainName + "`.",
					},
					"domain_id": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "ID of the account (domain) that created the agency; set it or " +
							"`domain_name`. Environment variable: `" + envAgencyDomainID + "`.",
					},
					"duration": schema.NumberAttribute{
						Optional: true,
						MarkdownDescription: fmt.Sprintf("How long, in seconds, the agency's credentials last, from "+
							"`%d` to `%d` (default: `%d`). Environment variable: `%s`.",
							int64(credentials.MinAgencyDuration/time.Second), int64(credentials.MaxAgencyDuration/time.Second),
							int64(defaultAgencyDuration/time.Second), envAgencyDuration),
						Validators: []validator.Number{wholeNumberValidator{
							min: int64(credentials.MinAgencyDuration / time.Second), max: int64(credentials.MaxAgencyDuration / time.Second),
						}},
					},
				},
			},
			"cloud": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Domain suffix of the cloud's endpoints (default: `" + defaultCloud + "`). The " +
					"provider calls `https://ecs.{region}.{cloud}` and `https://iam.{region}.{cloud}`. " +
					"Environment variable: `" + envCloud + "`.",
			},
			"endpoints": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Full endpoint URLs that replace the ones derived from `region` and `cloud`, " +
					"for private clouds or a local ECS simulator.",
				Attributes: map[string]schema.Attribute{
					"ecs": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "ECS endpoint URL. Environment variable: `" + envECSEndpoint + "`.",
					},
					"iam": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "IAM endpoint URL, used to look up `project_id`, to log in with " +
							"`user_name` and to assume an agency. Environment variable: `" + envIAMEndpoint + "`.",
					},
					"metadata": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Base URL of the ECS instance metadata service (default: `" +
							ecsapi.DefaultMetadataEndpoint + "`), used when no other credentials are configured. " +
							"Environment variable: `" + envMetadataEndpoint + "`.",
					},
				},
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip verification of the endpoints' TLS certificates (default: `false`). Only " +
					"for test environments with self-signed certificates. Environment variable: `" + envInsecure + "`.",
			},
			"cacert_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "CA certificates (PEM; a file path or the PEM content) to trust in addition to the " +
					"system's, for endpoints behind a private CA. Environment variable: `" + envCACertFile + "`.",
			},
			"cert": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Client certificate (PEM; a file path or the PEM content) for endpoints that ask " +
					"for one. Needs `key`.",
			},
			"key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Private key of `cert` (PEM; a file path or the PEM content). Needs `cert`.",
			},
			"max_retries": schema.NumberAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many times a transiently failed API call (server busy, "+
					"gateway errors, dropped connections) is retried, with jittered exponential backoff (default: "+
					"`%d`, at most `%d`). Throttled calls do not count against it: they are retried, with a backoff "+
					"that honours `Retry-After`, until the operation's timeout. `0` turns every retry off. "+
					"Environment variable: `%s`.", defaultMaxRetries, maxRetriesLimit, envMaxRetries),
				Validators: []validator.Number{wholeNumberValidator{min: 0, max: maxRetriesLimit}},
			},
		},
	}
}

// Configure implements provider.Provider: it resolves the settings, builds
// the API client and, when needed, looks up the project ID.
func (p *ecsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	ctx = withLogMasking(ctx)
	cfg, ok := p.resolveConfig(ctx, req, &resp.Diagnostics)
	if !ok {
		return
	}
	client, creds, ok := p.newAPIClient(cfg, userAgent(p.version, req.TerraformVersion), &resp.Diagnostics)
	if !ok {
		return
	}
	if !obtainCredentials(ctx, creds, cfg, &resp.Diagnostics) {
		return
	}
	if !lookUpProjectID(ctx, client, cfg, &resp.Diagnostics) {
		return
	}
	data := &providerData{client: client, region: cfg.Region}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
}

// resolveConfig reads the provider block and combines it with the
// environment and the defaults, reporting every problem as a diagnostic. It
// returns false when the diagnostics hold an error.
func (p *ecsProvider) resolveConfig(ctx context.Context, req provider.ConfigureRequest, diags *diag.Diagnostics) (resolvedProviderConfig, bool) {
	var model ecsProviderModel
	diags.Append(req.Config.Get(ctx, &model)...)
	if diags.HasError() {
		return resolvedProviderConfig{}, false
	}

	raw, unknown := rawFromModel(ctx, model)
	for _, attr := range unknown {
		diags.AddAttributeError(attributePath(attr), "Unknown Provider Setting",
			fmt.Sprintf("The value of `%s` is not known until apply, but the provider must be configured before "+
				"planning. Use a value known at plan time (a literal, a variable or a data source that reads no "+
				"resource created in the same run), or set it through the environment instead.", attr))
	}
	if diags.HasError() {
		return resolvedProviderConfig{}, false
	}

	cfg, problems := resolveProviderConfigIn(raw, p.env())
	for _, pr := range problems {
		if pr.Attribute == "" {
			diags.AddError(pr.Summary, pr.Detail)
		} else {
			diags.AddAttributeError(attributePath(pr.Attribute), pr.Summary, pr.Detail)
		}
	}
	return cfg, !diags.HasError()
}

// env is what the configuration is resolved against besides the block.
func (p *ecsProvider) env() providerEnv {
	getenv := p.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return providerEnv{getenv: getenv, home: p.home, defaultMetadata: p.defaultMetadata}
}

// newAPIClient builds the API client for a resolved configuration and the
// credentials chain it asks before every attempt; agent is the User-Agent
// header. It returns false, with an error diagnostic, when the settings
// cannot be used.
func (p *ecsProvider) newAPIClient(cfg resolvedProviderConfig, agent string, diags *diag.Diagnostics) (*ecsapi.Client, *credentials.Cache, bool) {
	tlsConfig, err := ecsapi.NewTLSConfig(ecsapi.TLSSettings{
		CACert: cfg.CACert, ClientCert: cfg.ClientCert, ClientKey: cfg.ClientKey, Insecure: cfg.Insecure,
	})
	if err != nil {
		addTLSSettingError(diags, err)
		return nil, nil, false
	}
	api := ecsapi.Config{
		ECSEndpoint: cfg.ECSEndpoint,
		IAMEndpoint: cfg.IAMEndpoint,
		Region:      cfg.Region,
		ProjectID:   cfg.ProjectID,
		TLSConfig:   tlsConfig,
		ProxyEnv:    p.env().getenv,
		MaxRetries:  cfg.MaxRetries,
		UserAgent:   agent,
		Logger:      tflogLogger{},
		Secrets:     configSecrets(cfg, p.env().getenv),
	}
	spec := credentialsSpec(cfg)
	spec.Now = p.now
	creds, err := credentials.New(spec, api)
	if err == nil {
		api.CredentialsProvider = creds
		var client *ecsapi.Client
		if client, err = ecsapi.NewClient(api); err == nil {
			return client, creds, true
		}
	}
	// The messages describe which setting is wrong, never its secret value.
	diags.AddError("Invalid Provider Configuration", "The provider settings cannot be used: "+err.Error())
	return nil, nil, false
}

// lookUpProjectID asks IAM for the project ID when the configuration gave
// none. It returns false, with an error diagnostic, when the lookup fails.
func lookUpProjectID(ctx context.Context, client *ecsapi.Client, cfg resolvedProviderConfig, diags *diag.Diagnostics) bool {
	if client.ProjectID() != "" {
		return true
	}
	lookupCtx, cancel := context.WithTimeout(ctx, projectLookupTimeout)
	defer cancel()
	if err := client.ResolveProjectID(lookupCtx); err != nil {
		diags.AddError("Unable to Look Up the Project ID", projectLookupDetail(cfg.Region, cfg.IAMEndpoint, err))
		return false
	}
	tflog.Debug(ctx, "looked up the project ID through IAM", map[string]any{
		"region": cfg.Region, "project_id": client.ProjectID(),
	})
	return true
}

// rawReader reads attributes of the provider block and collects the names of
// those whose values are still unknown.
type rawReader struct {
	unknown []string
}

// str reads a string attribute: nil when null or unknown.
func (r *rawReader) str(name string, v types.String) *string {
	if v.IsUnknown() {
		r.unknown = append(r.unknown, name)
		return nil
	}
	if v.IsNull() {
		return nil
	}
	s := v.ValueString()
	return &s
}

// whole reads a whole-number attribute. The validator has refused fractions
// and values out of range; one that slipped through becomes -1, which the
// range checks of resolveProviderConfig report.
func (r *rawReader) whole(name string, v types.Number) *int64 {
	if v.IsUnknown() {
		r.unknown = append(r.unknown, name)
		return nil
	}
	if v.IsNull() {
		return nil
	}
	n, ok := wholeNumber(v, math.MinInt64, math.MaxInt64)
	if !ok {
		n = -1
	}
	return &n
}

// rawFromModel converts the provider block into rawProviderConfig and lists
// the attributes whose values are unknown.
func rawFromModel(ctx context.Context, m ecsProviderModel) (rawProviderConfig, []string) {
	r := &rawReader{}
	raw := rawProviderConfig{
		Region:           r.str("region", m.Region),
		ProjectID:        r.str("project_id", m.ProjectID),
		AccessKey:        r.str("access_key", m.AccessKey),
		SecretKey:        r.str("secret_key", m.SecretKey),
		SecurityToken:    r.str("security_token", m.SecurityToken),
		Token:            r.str("token", m.Token),
		UserName:         r.str("user_name", m.UserName),
		Password:         r.str("password", m.Password),
		DomainName:       r.str("domain_name", m.DomainName),
		SharedConfigFile: r.str("shared_config_file", m.SharedConfigFile),
		Profile:          r.str("profile", m.Profile),
		Cloud:            r.str("cloud", m.Cloud),
		CACertFile:       r.str("cacert_file", m.CACertFile),
		ClientCert:       r.str("cert", m.Cert),
		ClientKey:        r.str("key", m.Key),
		MaxRetries:       r.whole("max_retries", m.MaxRetries),
	}
	r.readEndpoints(ctx, m, &raw)
	r.readAssumeRole(ctx, m, &raw)
	switch {
	case m.Insecure.IsUnknown():
		r.unknown = append(r.unknown, "insecure")
	case !m.Insecure.IsNull():
		b := m.Insecure.ValueBool()
		raw.Insecure = &b
	}
	return raw, r.unknown
}

// readEndpoints reads the endpoints object. Its type comes from the schema,
// so As cannot fail.
func (r *rawReader) readEndpoints(ctx context.Context, m ecsProviderModel, raw *rawProviderConfig) {
	switch {
	case m.Endpoints.IsUnknown():
		r.unknown = append(r.unknown, "endpoints")
	case !m.Endpoints.IsNull():
		var ep endpointsModel
		_ = m.Endpoints.As(ctx, &ep, basetypes.ObjectAsOptions{})
		raw.ECSEndpoint = r.str("endpoints.ecs", ep.ECS)
		raw.IAMEndpoint = r.str("endpoints.iam", ep.IAM)
		raw.MetadataEndpoint = r.str("endpoints.metadata", ep.Metadata)
	}
}

// readAssumeRole reads the assume_role object.
func (r *rawReader) readAssumeRole(ctx context.Context, m ecsProviderModel, raw *rawProviderConfig) {
	switch {
	case m.AssumeRole.IsUnknown():
		r.unknown = append(r.unknown, "assume_role")
	case !m.AssumeRole.IsNull():
		var ar assumeRoleModel
		_ = m.AssumeRole.As(ctx, &ar, basetypes.ObjectAsOptions{})
		raw.AssumeRole = &rawAssumeRole{
			AgencyName: r.str("assume_role.agency_name", ar.AgencyName),
			DomainName: r.str("assume_role.domain_name", ar.DomainName),
			DomainID:   r.str("assume_role.domain_id", ar.DomainID),
			Duration:   r.whole("assume_role.duration", ar.Duration),
		}
	}
}

// attributePath turns "endpoints.ecs" into a framework path.
func attributePath(dotted string) path.Path {
	parts := strings.Split(dotted, ".")
	p := path.Root(parts[0])
	for _, name := range parts[1:] {
		p = p.AtName(name)
	}
	return p
}

func userAgent(version, terraformVersion string) string {
	ua := "terraform-provider-ecs/" + version
	if terraformVersion != "" {
		ua += " terraform/" + terraformVersion
	}
	return ua
}

// Resources implements provider.Provider.
func (p *ecsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewServerPasswordResource,
		NewServerPasswordBatchResource,
	}
}

// DataSources implements provider.Provider.
func (p *ecsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewServerPasswordResetFlagDataSource,
		NewServerWindowsPasswordDataSource,
		NewServersDataSource,
	}
}

// EphemeralResources implements provider.ProviderWithEphemeralResources.
func (p *ecsProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewServerWindowsPasswordEphemeralResource,
	}
}

// Actions implements provider.ProviderWithActions (Terraform 1.14 and later).
func (p *ecsProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewServerRebootAction,
		NewServerPasswordResetAction,
	}
}

// ListResources implements provider.ProviderWithListResources (terraform
// query, Terraform 1.14 and later).
func (p *ecsProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewServerPasswordListResource,
	}
}

// providerDataFrom extracts the client handed over by Configure; it reports
// an internal error when the framework passed something else.
func providerDataFrom(data any, diags interface {
	AddError(summary, detail string)
}) *providerData {
	if data == nil {
		// Terraform validates configuration before the provider is
		// configured; there is nothing to do yet.
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data Type",
			fmt.Sprintf("Expected *providerData, got %T. This is always a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}
