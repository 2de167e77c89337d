package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi/credentials"
)

// authMethod is one way to authenticate and the settings that select it:
// setting any of them, in the provider block or in the environment, chooses
// the method at that level.
type authMethod struct {
	source authSource
	attrs  []string // provider block attributes
	envs   []string // environment variables, in the same order
}

// authMethods are the explicit ways to authenticate, in the order conflicts
// are reported. shared_config_file and HW_SHARED_CONFIG_FILE only say where
// the file is; a profile is asked for by profile or HW_PROFILE.
var authMethods = []authMethod{
	{authKeys, []string{"access_key", "secret_key", "security_token"}, []string{envAccessKey, envSecretKey, envSecurityToken}},
	{authToken, []string{"token"}, []string{envToken}},
	{authLogin, []string{"user_name", "password"}, []string{envUserName, envPassword}},
	{authProfile, []string{"profile"}, []string{envProfile}},
}

// chosenMethod is a method found at one level, with the first setting that
// selected it.
type chosenMethod struct {
	method authMethod
	// setting is the attribute (block) or variable (environment) found.
	setting string
}

// resolveAuth decides where the credentials come from. The precedence,
// which docs/index.md describes in the same order:
//
//  1. the provider block: an access key pair (access_key, secret_key,
//     security_token), a token, a user login (user_name, password) or a
//     profile (profile);
//  2. the environment: HW_ACCESS_KEY…, HW_AUTH_TOKEN, HW_USER_NAME… or
//     HW_PROFILE;
//  3. the current profile of the shared config file (shared_config_file,
//     HW_SHARED_CONFIG_FILE or ~/.hcloud/config.json), if the file exists;
//  4. the ECS instance metadata service (endpoints.metadata,
//     HW_METADATA_ENDPOINT or http://169.254.169.254).
//
// The first level that sets any way decides; two ways at the same level are
// a conflict, reported once with both names. The chosen way takes each of
// its settings from the block, else from the environment (an access key in
// the block may take its secret key from HW_SECRET_KEY). An agency
// (assume_role, HW_ASSUME_ROLE_*, or a profile's agencyName) is assumed on
// top of whichever way was chosen.
func resolveAuth(out *resolvedProviderConfig, raw rawProviderConfig, env providerEnv) []configProblem {
	block, fromEnv := explicitMethods(raw, env.getenv)
	var chosen []chosenMethod
	origin := ""
	switch {
	case len(block) > 0:
		chosen, origin = block, "in the provider block"
	case len(fromEnv) > 0:
		chosen, origin = fromEnv, "in the environment"
	}
	if len(chosen) > 1 {
		return []configProblem{conflictProblem(chosen, origin == "in the provider block")}
	}

	var problems []configProblem
	if len(chosen) == 1 {
		out.Auth.Source = chosen[0].method.source
		out.Auth.Origin = chosen[0].method.source.describe() + " " + origin
	}
	// Each way keeps only its own settings: an ignored way's values must
	// not reach the client.
	if out.Auth.Source != authKeys {
		out.AccessKey, out.SecretKey, out.SecurityToken = "", "", ""
	}
	if out.Auth.Source != authToken {
		out.Token = ""
	}
	switch out.Auth.Source {
	case authKeys, authToken:
		problems = append(problems, checkCredentials(*out)...)
	case authLogin:
		problems = append(problems, resolveLogin(out, raw, env.getenv)...)
	case authProfile:
		problems = append(problems, resolveProfile(out, raw, env, true)...)
	case authNone:
		// Nothing explicit: the shared config file's current profile, if
		// the file exists, else instance metadata.
		problems = append(problems, resolveProfile(out, raw, env, false)...)
		if out.Auth.Source == authNone && len(problems) == 0 {
			problems = append(problems, resolveMetadata(out, raw, env)...)
		}
	}
	if len(problems) > 0 {
		return problems
	}
	return resolveAgency(out, raw, env.getenv)
}

// explicitMethods lists the ways the block sets and those the environment
// sets.
func explicitMethods(raw rawProviderConfig, getenv func(string) string) (block, fromEnv []chosenMethod) {
	blockValues := map[string]*string{
		"access_key": raw.AccessKey, "secret_key": raw.SecretKey, "security_token": raw.SecurityToken,
		"token": raw.Token, "user_name": raw.UserName, "password": raw.Password, "profile": raw.Profile,
	}
	for _, m := range authMethods {
		for _, attr := range m.attrs {
			if v := blockValues[attr]; v != nil && strings.TrimSpace(*v) != "" {
				block = append(block, chosenMethod{m, attr})
				break
			}
		}
		for _, name := range m.envs {
			if strings.TrimSpace(getenv(name)) != "" {
				fromEnv = append(fromEnv, chosenMethod{m, name})
				break
			}
		}
	}
	return block, fromEnv
}

// conflictProblem reports two or more ways to authenticate set at the same
// level, naming the first two.
func conflictProblem(chosen []chosenMethod, inBlock bool) configProblem {
	first, second := chosen[0], chosen[1]
	name := func(c chosenMethod) string {
		if inBlock {
			return "`" + c.setting + "`"
		}
		return c.setting
	}
	where := "The environment sets"
	if inBlock {
		where = "The provider block sets"
	}
	attr := second.setting
	if !inBlock {
		attr = second.method.attrs[0]
	}
	return configProblem{
		Attribute: attr,
		Summary:   "Conflicting Credentials",
		Detail: fmt.Sprintf("%s both %s (%s) and %s (%s). Use one way to authenticate: remove the settings of "+
			"the other. (The provider block wins over the environment, so credentials in the block are never in "+
			"conflict with those in the environment.)", where, name(first), first.method.source.describe(),
			name(second), second.method.source.describe()),
	}
}

// resolveLogin fills in a user login: user_name, password and domain_name,
// each from the block or else the environment.
func resolveLogin(out *resolvedProviderConfig, raw rawProviderConfig, getenv func(string) string) []configProblem {
	user := pickString(raw.UserName, envUserName, getenv)
	password := pickString(raw.Password, envPassword, getenv)
	domain := pickString(raw.DomainName, envDomainName, getenv)
	out.Auth.UserName, out.Auth.Password, out.Auth.DomainName = user, password, domain
	missing := func(attr, env, what string) configProblem {
		return configProblem{
			Attribute: attr,
			Summary:   "Incomplete Credentials",
			Detail: fmt.Sprintf("A user login needs %s: set `%s` in the provider block or the %s environment "+
				"variable.", what, attr, env),
		}
	}
	var problems []configProblem
	if user == "" {
		problems = append(problems, missing("user_name", envUserName, "the user's name"))
	}
	if password == "" {
		problems = append(problems, missing("password", envPassword, "the user's password"))
	}
	if domain == "" {
		problems = append(problems, missing("domain_name", envDomainName, "the name of the account (domain) the user belongs to"))
	}
	return problems
}

// resolveProfile reads a shared config profile. asked says whether a
// profile was asked for (profile or HW_PROFILE); when it was not, the
// current profile of the file is used if the file exists, and a missing file
// is no error. The profile's region and project ID fill in what the block
// and the environment leave unset.
func resolveProfile(out *resolvedProviderConfig, raw rawProviderConfig, env providerEnv, asked bool) []configProblem {
	name := pickString(raw.Profile, envProfile, env.getenv)
	file := pickString(raw.SharedConfigFile, envSharedConfigFile, env.getenv)
	fileAttr := "shared_config_file"
	if file == "" {
		if env.home == nil {
			if asked {
				return []configProblem{{
					Attribute: fileAttr,
					Summary:   "Missing Shared Config File",
					Detail: fmt.Sprintf("A profile is asked for, but there is no home directory to find %s in. Set "+
						"`shared_config_file` or the %s environment variable.", credentials.DefaultSharedConfigFile,
						envSharedConfigFile),
				}}
			}
			return nil
		}
		file = credentials.DefaultSharedConfigFile
	}
	path, err := credentials.ExpandHome(file, env.home)
	if err != nil {
		return []configProblem{{
			Attribute: fileAttr,
			Summary:   "Invalid Shared Config File",
			Detail:    fmt.Sprintf("The shared config file %q cannot be found: %s.", file, err),
		}}
	}
	prof, err := credentials.LoadProfile(path, name)
	var pe *credentials.ProfileError
	if errors.As(err, &pe) && pe.NotFound && !asked {
		return nil
	}
	if err != nil {
		return []configProblem{profileProblem(err, pe, asked)}
	}
	out.Auth.Source = authProfile
	out.Auth.ProfileFile, out.Auth.ProfileName = path, prof.Name
	out.Auth.Origin = fmt.Sprintf("profile %q of the shared config file %s", prof.Name, path)
	out.AccessKey, out.SecretKey, out.SecurityToken = prof.Credentials.AccessKey, prof.Credentials.SecretKey, prof.Credentials.SecurityToken
	if out.Region == "" {
		out.Region = prof.Region
	}
	if out.ProjectID == "" {
		out.ProjectID = prof.ProjectID
	}
	if prof.AgencyName != "" {
		out.Auth.Agency = ecsapi.AgencyRequest{AgencyName: prof.AgencyName, DomainName: prof.AgencyDomainName}
		out.Auth.AgencyOrigin = fmt.Sprintf("profile %q (agencyName)", prof.Name)
	}
	return nil
}

// profileProblem turns a profile error into a problem of the profile
// attribute (or of shared_config_file, when the file itself is at fault).
func profileProblem(err error, pe *credentials.ProfileError, asked bool) configProblem {
	attr, summary := "profile", "Invalid Shared Config Profile"
	if pe != nil && pe.Profile == "" && pe.Field == "" {
		attr, summary = "shared_config_file", "Invalid Shared Config File"
	}
	if pe != nil && pe.NotFound {
		summary = "Missing Shared Config File"
	}
	detail := "The credentials are to come from a KooCLI profile, but the " + err.Error() + "."
	if pe != nil && pe.Field != "" {
		detail += " Fix the field with KooCLI (hcloud configure) or in the file."
	}
	if asked {
		detail += fmt.Sprintf(" The profile is chosen by `profile` (or %s) and the file by `shared_config_file` (or "+
			"%s; default %s).", envProfile, envSharedConfigFile, credentials.DefaultSharedConfigFile)
	} else {
		detail += fmt.Sprintf(" No other credentials are configured, so the provider read the file's current profile. "+
			"Fix the file, choose a profile with `profile` (or %s), or configure credentials in the provider block.", envProfile)
	}
	return configProblem{Attribute: attr, Summary: summary, Detail: detail}
}

// resolveMetadata falls back on the instance metadata service.
func resolveMetadata(out *resolvedProviderConfig, raw rawProviderConfig, env providerEnv) []configProblem {
	endpoint := strings.TrimRight(pickString(raw.MetadataEndpoint, envMetadataEndpoint, env.getenv), "/")
	implicit := endpoint == ""
	if implicit {
		endpoint = env.defaultMetadata
	}
	if endpoint == "" {
		return []configProblem{missingCredentialsProblem("")}
	}
	out.Auth.Source = authMetadata
	out.Auth.MetadataEndpoint = endpoint
	out.Auth.Implicit = implicit
	out.Auth.Origin = "the instance metadata service at " + ecsapi.RedactURL(endpoint)
	return nil
}

// missingCredentialsProblem says that no way to authenticate is configured;
// why, when set, says why instance metadata gave nothing either.
func missingCredentialsProblem(why string) configProblem {
	detail := fmt.Sprintf("The provider needs credentials: an access key pair (`access_key` and `secret_key`, or %s and "+
		"%s; add `security_token` or %s for temporary credentials), an IAM token (`token` or %s), a user login "+
		"(`user_name`, `password` and `domain_name`, or %s, %s and %s), or a KooCLI profile (`profile` or %s, in "+
		"`shared_config_file`, %s or %s).", envAccessKey, envSecretKey, envSecurityToken, envToken, envUserName,
		envPassword, envDomainName, envProfile, envSharedConfigFile, credentials.DefaultSharedConfigFile)
	if why != "" {
		detail += " On an ECS server with an agency bound to it, the instance metadata service supplies them; " + why
	}
	return configProblem{Summary: "Missing Credentials", Detail: detail}
}

// resolveAgency reads assume_role and HW_ASSUME_ROLE_*: an agency set there
// replaces one a profile names. Each setting comes from the block, else from
// the environment, except that the account is named by domain_name or
// domain_id together: both from the block if it sets either.
func resolveAgency(out *resolvedProviderConfig, raw rawProviderConfig, getenv func(string) string) []configProblem {
	ar := raw.AssumeRole
	if ar == nil {
		ar = &rawAssumeRole{}
	}
	agency := pickString(ar.AgencyName, envAgencyName, getenv)
	configured := raw.AssumeRole != nil || agency != ""
	if !configured {
		if out.Auth.Agency.AgencyName == "" {
			return nil
		}
		// A profile's agency; its account is required below too.
		return checkAgency(out, "profile", "the profile's agencyDomainName")
	}
	origin := "assume_role in the provider block"
	if raw.AssumeRole == nil {
		origin = "the " + envAgencyName + " environment variable"
	}
	domainName, domainID := pickString(ar.DomainName, "", getenv), pickString(ar.DomainID, "", getenv)
	if domainName == "" && domainID == "" {
		domainName, domainID = strings.TrimSpace(getenv(envAgencyDomainName)), strings.TrimSpace(getenv(envAgencyDomainID))
	}
	out.Auth.Agency = ecsapi.AgencyRequest{AgencyName: agency, DomainName: domainName, DomainID: domainID}
	out.Auth.AgencyOrigin = origin
	var problems []configProblem
	if agency == "" {
		problems = append(problems, configProblem{
			Attribute: "assume_role.agency_name",
			Summary:   "Incomplete Assume Role",
			Detail: fmt.Sprintf("`assume_role` needs the agency's name: set `assume_role.agency_name` or the %s "+
				"environment variable.", envAgencyName),
		})
	}
	if domainName != "" && domainID != "" {
		problems = append(problems, configProblem{
			Attribute: "assume_role.domain_id",
			Summary:   "Conflicting Assume Role Settings",
			Detail: fmt.Sprintf("Name the account that created the agency once: set `assume_role.domain_name` (or %s) "+
				"or `assume_role.domain_id` (or %s), not both.", envAgencyDomainName, envAgencyDomainID),
		})
	}
	duration, p := resolveAgencyDuration(ar.Duration, getenv)
	problems = append(problems, p...)
	out.Auth.Agency.Duration = duration
	if len(problems) > 0 {
		return problems
	}
	return checkAgency(out, "assume_role", fmt.Sprintf("`assume_role.domain_name` or `assume_role.domain_id` (or %s or %s)",
		envAgencyDomainName, envAgencyDomainID))
}

// checkAgency reports an agency whose account is not named; setting names
// where to name it.
func checkAgency(out *resolvedProviderConfig, attr, setting string) []configProblem {
	if out.Auth.Agency.Duration == 0 {
		out.Auth.Agency.Duration = defaultAgencyDuration
	}
	if out.Auth.Agency.DomainName != "" || out.Auth.Agency.DomainID != "" {
		return nil
	}
	return []configProblem{{
		Attribute: attr,
		Summary:   "Incomplete Assume Role",
		Detail: fmt.Sprintf("The agency %q (from %s) needs the account (domain) that created it: set %s.",
			out.Auth.Agency.AgencyName, out.Auth.AgencyOrigin, setting),
	}}
}

// resolveAgencyDuration takes assume_role.duration, else
// HW_ASSUME_ROLE_DURATION, in seconds; unset means defaultAgencyDuration.
func resolveAgencyDuration(raw *int64, getenv func(string) string) (time.Duration, []configProblem) {
	lo, hi := int64(credentials.MinAgencyDuration/time.Second), int64(credentials.MaxAgencyDuration/time.Second)
	if raw != nil {
		if *raw < lo || *raw > hi {
			return 0, []configProblem{{
				Attribute: "assume_role.duration",
				Summary:   "Invalid Assume Role Duration",
				Detail: fmt.Sprintf("`assume_role.duration` is %d; use a number of seconds from %d (15 minutes) to %d "+
					"(12 hours).", *raw, lo, hi),
			}}
		}
		return time.Duration(*raw) * time.Second, nil
	}
	v := strings.TrimSpace(getenv(envAgencyDuration))
	if v == "" {
		return defaultAgencyDuration, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, []configProblem{{
			Attribute: "assume_role.duration",
			Summary:   "Invalid " + envAgencyDuration,
			Detail: fmt.Sprintf("The %s environment variable is %q; use a whole number of seconds from %d (15 minutes) "+
				"to %d (12 hours).", envAgencyDuration, v, lo, hi),
		}}
	}
	return time.Duration(n) * time.Second, nil
}

// pickString takes a trimmed value from the block, else from the
// environment variable env (none when env is "").
func pickString(v *string, env string, getenv func(string) string) string {
	if v != nil && strings.TrimSpace(*v) != "" {
		return strings.TrimSpace(*v)
	}
	if env == "" {
		return ""
	}
	return strings.TrimSpace(getenv(env))
}

// credentialsSpec turns the resolved configuration into the credentials
// chain's specification.
func credentialsSpec(cfg resolvedProviderConfig) credentials.Spec {
	spec := credentials.Spec{BaseName: cfg.Auth.Origin}
	switch cfg.Auth.Source {
	case authLogin:
		login := ecsapi.TokenRequest{
			UserName: cfg.Auth.UserName, Password: cfg.Auth.Password, DomainName: cfg.Auth.DomainName,
			ProjectName: cfg.Region,
		}
		if cfg.Auth.Agency.AgencyName == "" {
			// With an agency, the project ID is the agency's account's;
			// the user logs in to its own project of the region.
			login.ProjectID = cfg.ProjectID
		}
		spec.Login = &login
	case authMetadata:
		spec.Metadata = &credentials.MetadataSpec{Endpoint: cfg.Auth.MetadataEndpoint}
	default:
		spec.Static = &ecsapi.Credentials{
			AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey, SecurityToken: cfg.SecurityToken, Token: cfg.Token,
		}
	}
	if cfg.Auth.Agency.AgencyName != "" {
		agency := cfg.Auth.Agency
		spec.AssumeRole = &agency
	}
	return spec
}

// configSecrets lists the secrets of the configuration, which the API
// clients scrub from everything they report, whichever call a service or a
// proxy echoes them in: the credentials of every source (a profile's keys,
// a user's password), the lines of a client key given as PEM content, and
// the password of a proxy URL.
func configSecrets(cfg resolvedProviderConfig, getenv func(string) string) []string {
	out := []string{cfg.SecretKey, cfg.SecurityToken, cfg.Token, cfg.Auth.Password}
	if strings.Contains(cfg.ClientKey, "-----BEGIN") {
		for _, line := range strings.Split(cfg.ClientKey, "\n") {
			if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				out = append(out, line)
			}
		}
	}
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if u, err := url.Parse(getenv(name)); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				out = append(out, pw)
			}
		}
	}
	return out
}

// obtainCredentials fetches the first credentials while configuring, so
// that a login, an agency or the metadata service that cannot give any is
// reported once, with what to do, before any resource is touched. It returns
// false, with an error diagnostic, when that fails.
func obtainCredentials(ctx context.Context, creds *credentials.Cache, cfg resolvedProviderConfig, diags *diag.Diagnostics) bool {
	timeout := projectLookupTimeout
	if cfg.Auth.Implicit {
		timeout = implicitMetadataTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := creds.Retrieve(rctx)
	if err == nil {
		tflog.Info(ctx, "obtained credentials", map[string]any{"source": creds.String()})
		return true
	}
	if cfg.Auth.Implicit {
		why := fmt.Sprintf("the one at %s gave none (%s): this does not seem to be such a server.",
			ecsapi.RedactURL(cfg.Auth.MetadataEndpoint), err)
		if errors.Is(err, context.DeadlineExceeded) {
			why = fmt.Sprintf("nothing answered at %s within %s: this does not seem to be such a server.",
				ecsapi.RedactURL(cfg.Auth.MetadataEndpoint), implicitMetadataTimeout)
		}
		p := missingCredentialsProblem(why)
		diags.AddError(p.Summary, p.Detail)
		return false
	}
	summary, attr, detail := credentialsFailure(cfg, err)
	if attr == "" {
		diags.AddError(summary, detail)
	} else {
		diags.AddAttributeError(attributePath(attr), summary, detail)
	}
	return false
}

// credentialsFailure explains why no credentials could be had: from the
// base source, or from the agency assumed with them.
func credentialsFailure(cfg resolvedProviderConfig, err error) (summary, attr, detail string) {
	var b strings.Builder
	var baseErr *ecsapi.CredentialsError
	agency := cfg.Auth.Agency.AgencyName != ""
	baseFailed := !agency || errors.As(err, &baseErr)
	if baseFailed {
		summary = "Unable to Obtain Credentials"
		fmt.Fprintf(&b, "The provider could not obtain credentials from %s.\n\n", cfg.Auth.Origin)
	} else {
		summary = "Unable to Assume the Agency"
		fmt.Fprintf(&b, "The provider could not obtain the credentials of agency %q (configured by %s) from IAM at "+
			"%s, using %s.\n\n", cfg.Auth.Agency.AgencyName, cfg.Auth.AgencyOrigin, ecsapi.RedactURL(cfg.IAMEndpoint),
			cfg.Auth.Origin)
		attr = "assume_role"
		if strings.HasPrefix(cfg.Auth.AgencyOrigin, "profile") {
			attr = "profile"
		}
	}
	var apiErr *ecsapi.APIError
	var transportErr *ecsapi.TransportError
	isAPI := errors.As(err, &apiErr)
	if isAPI || errors.As(err, &transportErr) {
		writeResponseFacts(&b, err)
	} else {
		// Not a failed call: an answer that came but could not be used
		// (credentials already expired, a malformed document), or no call
		// at all. "No answer was received" would mislead.
		fmt.Fprintf(&b, "Error: %s\n", err)
	}
	b.WriteString("\n")
	hint := transportHint(err, "")
	switch {
	case hint != "":
	case !baseFailed && isAPI && (apiErr.StatusCode == 403 || apiErr.StatusCode == 404):
		hint = "Check that the agency exists in the account named by its domain, that it trusts this caller's " +
			"account, and that the caller may assume it (the IAM action iam:agencies:assume)."
	case isAPI && apiErr.StatusCode == 401 && cfg.Auth.Source == authLogin:
		attr = "user_name"
		hint = fmt.Sprintf("IAM refused the login. Check `user_name`, `password` and `domain_name` (or %s, %s and %s).",
			envUserName, envPassword, envDomainName)
	case isAPI && apiErr.StatusCode == 401:
		hint = credentialsHint
	case cfg.Auth.Source == authMetadata && isAPI && apiErr.StatusCode == 404:
		hint = "The instance metadata service has no credentials for this server: bind an agency to the server, " +
			"or configure credentials in the provider block."
	case cfg.Auth.Source == authMetadata:
		hint = "Check `endpoints.metadata` (or " + envMetadataEndpoint + "), or configure credentials in the provider block."
	}
	b.WriteString(hint)
	return summary, attr, strings.TrimSpace(b.String())
}

// addTLSSettingError reports a TLS setting that cannot be used, on its
// attribute.
func addTLSSettingError(diags *diag.Diagnostics, err error) {
	var tlsErr *ecsapi.TLSSettingError
	if !errors.As(err, &tlsErr) {
		diags.AddError("Invalid TLS Settings", "The TLS settings cannot be used: "+err.Error())
		return
	}
	attr, summary, where := "cacert_file", "Invalid CA Certificate", "`cacert_file` (or "+envCACertFile+")"
	switch tlsErr.Field {
	case ecsapi.TLSFieldClientCert:
		attr, summary, where = "cert", "Invalid Client Certificate", "`cert`"
	case ecsapi.TLSFieldClientKey:
		attr, summary, where = "key", "Invalid Client Certificate", "`key`"
	}
	diags.AddAttributeError(attributePath(attr), summary,
		fmt.Sprintf("The value of %s cannot be used: %s. Give a file path or the PEM text itself.", where, tlsErr.Problem))
}
