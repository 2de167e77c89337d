package provider

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// Environment variables read when an attribute is not set in the provider
// block. The names follow the Huawei Cloud provider so existing shells work.
const (
	envRegion        = "HW_REGION_NAME"
	envProjectID     = "HW_PROJECT_ID"
	envAccessKey     = "HW_ACCESS_KEY"
	envSecretKey     = "HW_SECRET_KEY"
	envSecurityToken = "HW_SECURITY_TOKEN"
	envToken         = "HW_AUTH_TOKEN"
	envCloud         = "HW_CLOUD"
	envECSEndpoint   = "HW_ECS_ENDPOINT"
	envIAMEndpoint   = "HW_IAM_ENDPOINT"
	envInsecure      = "HW_INSECURE"
	envMaxRetries    = "HW_MAX_RETRIES"

	envUserName         = "HW_USER_NAME"
	envPassword         = "HW_USER_PASSWORD"
	envDomainName       = "HW_DOMAIN_NAME"
	envSharedConfigFile = "HW_SHARED_CONFIG_FILE"
	envProfile          = "HW_PROFILE"
	envAgencyName       = "HW_ASSUME_ROLE_AGENCY_NAME"
	envAgencyDomainName = "HW_ASSUME_ROLE_DOMAIN_NAME"
	envAgencyDomainID   = "HW_ASSUME_ROLE_DOMAIN_ID"
	envAgencyDuration   = "HW_ASSUME_ROLE_DURATION"
	envCACertFile       = "HW_CACERT_FILE"
	// envMetadataEndpoint has no counterpart in the vendor's provider; it
	// follows HW_ECS_ENDPOINT and HW_IAM_ENDPOINT.
	envMetadataEndpoint = "HW_METADATA_ENDPOINT"
)

const (
	defaultCloud      = "myhuaweicloud.com"
	defaultMaxRetries = 5
	// defaultAgencyDuration is how long an agency's credentials are asked
	// to last; they are renewed ten minutes before they expire.
	defaultAgencyDuration = time.Hour
)

// rawProviderConfig holds the provider block as written: nil means the
// attribute was not set (or was null), so the environment may supply it.
type rawProviderConfig struct {
	Region, ProjectID                 *string
	AccessKey, SecretKey              *string
	SecurityToken, Token              *string
	UserName, Password, DomainName    *string
	SharedConfigFile, Profile         *string
	AssumeRole                        *rawAssumeRole
	Cloud                             *string
	ECSEndpoint, IAMEndpoint          *string
	MetadataEndpoint                  *string
	Insecure                          *bool
	CACertFile, ClientCert, ClientKey *string
	MaxRetries                        *int64
}

// rawAssumeRole is the assume_role attribute as written; a nil
// rawAssumeRole means the attribute is not set.
type rawAssumeRole struct {
	AgencyName, DomainName, DomainID *string
	Duration                         *int64
}

// resolvedProviderConfig is the effective configuration after the provider
// block, the environment, the shared config file and the defaults have been
// combined.
type resolvedProviderConfig struct {
	Region    string
	ProjectID string // empty: look it up through IAM
	// AccessKey, SecretKey and SecurityToken are the access key pair of
	// the block, the environment or a profile; Token is an IAM token.
	AccessKey     string
	SecretKey     string
	SecurityToken string
	Token         string
	// Auth says where the credentials come from.
	Auth        authConfig
	Cloud       string
	ECSEndpoint string
	IAMEndpoint string
	Insecure    bool
	// CACert, ClientCert and ClientKey are file paths or PEM content.
	CACert, ClientCert, ClientKey string
	MaxRetries                    int
}

// authConfig says where the credentials come from (see resolveAuth for the
// precedence) and, for sources other than fixed keys or a token, what they
// need.
type authConfig struct {
	Source authSource
	// Origin describes the source for messages and logs, such as
	// "the access key pair in the provider block".
	Origin string
	// User login.
	UserName, Password, DomainName string
	// Profile: the file and profile the keys (and possibly region,
	// project and agency) came from.
	ProfileFile, ProfileName string
	// MetadataEndpoint is the instance metadata service's base URL.
	MetadataEndpoint string
	// Implicit is set when instance metadata is used because nothing else
	// is configured.
	Implicit bool
	// Agency, when AgencyName is set, is assumed with the base credentials;
	// AgencyOrigin says where it was configured.
	Agency       ecsapi.AgencyRequest
	AgencyOrigin string
}

// authSource is one of the ways to authenticate.
type authSource int

const (
	authNone authSource = iota
	authKeys
	authToken
	authLogin
	authProfile
	authMetadata
)

// describe names the source in a sentence ("an access key pair").
func (s authSource) describe() string {
	switch s {
	case authKeys:
		return "an access key pair"
	case authToken:
		return "an IAM token"
	case authLogin:
		return "a user login"
	case authProfile:
		return "a shared config profile"
	case authMetadata:
		return "the instance metadata service"
	}
	return "no credentials"
}

// providerEnv is what the configuration is resolved against besides the
// provider block: the environment, the home directory (for the default
// shared config file) and the instance metadata service to fall back on.
type providerEnv struct {
	getenv func(string) string
	// home returns the home directory; nil means there is none, so the
	// default shared config file is not looked for.
	home func() (string, error)
	// defaultMetadata is the metadata service to use when nothing else is
	// configured; empty means no such fallback (tests).
	defaultMetadata string
}

// configProblem is one reason the configuration cannot be used. Attribute is
// the provider attribute the problem belongs to (dotted for nested ones), or
// empty for problems that concern the block as a whole. Detail never quotes a
// credential.
type configProblem struct {
	Attribute string
	Summary   string
	Detail    string
}

// resolveProviderConfig combines the provider block with the environment
// (getenv) and the defaults, without a home directory or an instance
// metadata service to fall back on.
func resolveProviderConfig(raw rawProviderConfig, getenv func(string) string) (resolvedProviderConfig, []configProblem) {
	return resolveProviderConfigIn(raw, providerEnv{getenv: getenv})
}

// resolveProviderConfigIn combines the provider block with env and the
// defaults. A value in the block wins over the environment; an empty string
// counts as not set so that the environment can fill it. Credentials follow
// the precedence of resolveAuth; a shared config profile, when it is where
// the credentials come from, also supplies the region and project ID that
// neither the block nor the environment set. Problems are reported in the
// order of the steps below.
func resolveProviderConfigIn(raw rawProviderConfig, env providerEnv) (resolvedProviderConfig, []configProblem) {
	getenv := env.getenv
	out := pickProviderStrings(raw, getenv)
	out.MaxRetries = defaultMaxRetries
	authProblems := resolveAuth(&out, raw, env)
	var problems []configProblem
	if out.Region != "" || !sharedConfigUnusable(authProblems) {
		// A shared config file that could not be used may be where the
		// region was; its own problem says what to fix.
		problems = append(problems, checkRegion(out.Region)...)
	}
	problems = append(problems, resolveCloud(&out)...)
	problems = append(problems, resolveInsecure(&out, raw.Insecure, getenv)...)
	problems = append(problems, resolveMaxRetries(&out, raw.MaxRetries, getenv)...)
	problems = append(problems, authProblems...)
	problems = append(problems, resolveEndpoints(&out)...)
	return out, problems
}

// pickProviderStrings fills the string settings from the block, or from the
// environment where the block leaves them unset or blank; both are trimmed.
func pickProviderStrings(raw rawProviderConfig, getenv func(string) string) resolvedProviderConfig {
	pick := func(v *string, env string) string {
		if v != nil && strings.TrimSpace(*v) != "" {
			return strings.TrimSpace(*v)
		}
		if env == "" {
			return ""
		}
		return strings.TrimSpace(getenv(env))
	}
	return resolvedProviderConfig{
		Region:        pick(raw.Region, envRegion),
		ProjectID:     pick(raw.ProjectID, envProjectID),
		AccessKey:     pick(raw.AccessKey, envAccessKey),
		SecretKey:     pick(raw.SecretKey, envSecretKey),
		SecurityToken: pick(raw.SecurityToken, envSecurityToken),
		Token:         pick(raw.Token, envToken),
		Cloud:         pick(raw.Cloud, envCloud),
		ECSEndpoint:   pick(raw.ECSEndpoint, envECSEndpoint),
		IAMEndpoint:   pick(raw.IAMEndpoint, envIAMEndpoint),
		CACert:        pick(raw.CACertFile, envCACertFile),
		ClientCert:    pick(raw.ClientCert, ""),
		ClientKey:     pick(raw.ClientKey, ""),
	}
}

// sharedConfigUnusable reports whether one of problems is about the shared
// config file or its profile.
func sharedConfigUnusable(problems []configProblem) bool {
	for _, p := range problems {
		if p.Attribute == "shared_config_file" || p.Attribute == "profile" {
			return true
		}
	}
	return false
}

// checkRegion reports a missing region or one that cannot be part of a host
// name.
func checkRegion(region string) []configProblem {
	switch {
	case region == "":
		return []configProblem{{
			Attribute: "region",
			Summary:   "Missing Region",
			Detail: fmt.Sprintf("The provider needs a region, such as `cn-north-4`. Set `region` in the provider block "+
				"or the %s environment variable.", envRegion),
		}}
	case !validHostLabel(region):
		return []configProblem{{
			Attribute: "region",
			Summary:   "Invalid Region",
			Detail: fmt.Sprintf("The region %q is not a valid region name: use lower-case letters, digits and hyphens, "+
				"such as `cn-north-4`.", region),
		}}
	}
	return nil
}

// resolveCloud defaults the cloud domain and reports one that is not a
// domain name.
func resolveCloud(out *resolvedProviderConfig) []configProblem {
	if out.Cloud == "" {
		out.Cloud = defaultCloud
		return nil
	}
	if validDomain(out.Cloud) {
		return nil
	}
	return []configProblem{{
		Attribute: "cloud",
		Summary:   "Invalid Cloud Domain",
		Detail: fmt.Sprintf("The cloud domain %q is not a domain name. Give only the suffix, such as `%s`; "+
			"to use full URLs, set `endpoints` instead.", out.Cloud, defaultCloud),
	}}
}

// resolveInsecure takes insecure from the block, else from the environment,
// where it must parse as a boolean.
func resolveInsecure(out *resolvedProviderConfig, raw *bool, getenv func(string) string) []configProblem {
	if raw != nil {
		out.Insecure = *raw
		return nil
	}
	v := strings.TrimSpace(getenv(envInsecure))
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	out.Insecure = b
	if err != nil {
		return []configProblem{{
			Attribute: "insecure",
			Summary:   "Invalid " + envInsecure,
			Detail:    fmt.Sprintf("The %s environment variable is %q; use `true` or `false`.", envInsecure, v),
		}}
	}
	return nil
}

// resolveMaxRetries takes max_retries from the block, else from the
// environment; a value out of range keeps the default and is reported.
func resolveMaxRetries(out *resolvedProviderConfig, raw *int64, getenv func(string) string) []configProblem {
	if raw != nil {
		if *raw < 0 || *raw > maxRetriesLimit {
			return []configProblem{{
				Attribute: "max_retries",
				Summary:   "Invalid Maximum Retries",
				Detail:    fmt.Sprintf("`max_retries` must be between 0 and %d; it is %d.", maxRetriesLimit, *raw),
			}}
		}
		out.MaxRetries = int(*raw)
		return nil
	}
	v := strings.TrimSpace(getenv(envMaxRetries))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxRetriesLimit {
		return []configProblem{{
			Attribute: "max_retries",
			Summary:   "Invalid " + envMaxRetries,
			Detail: fmt.Sprintf("The %s environment variable is %q; use a whole number from 0 to %d.",
				envMaxRetries, v, maxRetriesLimit),
		}}
	}
	out.MaxRetries = n
	return nil
}

// resolveEndpoints derives the endpoints not given from the region and the
// cloud domain (when both are usable), checks every endpoint URL and drops
// trailing slashes.
func resolveEndpoints(out *resolvedProviderConfig) []configProblem {
	if out.Region != "" && validHostLabel(out.Region) && validDomain(out.Cloud) {
		if out.ECSEndpoint == "" {
			out.ECSEndpoint = "https://ecs." + out.Region + "." + out.Cloud
		}
		if out.IAMEndpoint == "" {
			out.IAMEndpoint = "https://iam." + out.Region + "." + out.Cloud
		}
	}
	var problems []configProblem
	for _, ep := range []struct {
		attr, env, value string
	}{
		{"endpoints.ecs", envECSEndpoint, out.ECSEndpoint},
		{"endpoints.iam", envIAMEndpoint, out.IAMEndpoint},
		{"endpoints.metadata", envMetadataEndpoint, out.Auth.MetadataEndpoint},
	} {
		if ep.value == "" {
			continue
		}
		if _, err := ecsapi.CheckEndpoint(ep.value); err != nil {
			problems = append(problems, configProblem{
				Attribute: ep.attr,
				Summary:   "Invalid Endpoint URL",
				Detail: fmt.Sprintf("The value of `%s` (or %s): %s. Use an absolute URL such as "+
					"`https://ecs.cn-north-4.%s`.", ep.attr, ep.env, err, defaultCloud),
			})
		}
	}
	out.ECSEndpoint = strings.TrimRight(out.ECSEndpoint, "/")
	out.IAMEndpoint = strings.TrimRight(out.IAMEndpoint, "/")
	out.Auth.MetadataEndpoint = strings.TrimRight(out.Auth.MetadataEndpoint, "/")
	return problems
}

// maxRetriesLimit keeps a typo such as 500 from turning a throttled run into
// hours of waiting.
const maxRetriesLimit = 50

func checkCredentials(c resolvedProviderConfig) []configProblem {
	hasAK, hasSK := c.AccessKey != "", c.SecretKey != ""
	var problems []configProblem
	switch {
	case c.Token != "" && (hasAK || hasSK):
		problems = append(problems, configProblem{
			Attribute: "token",
			Summary:   "Conflicting Credentials",
			Detail: fmt.Sprintf("Both an IAM token (`token` or %s) and an access key pair (`access_key`/`secret_key` or "+
				"%s/%s) are set. Use one of them.", envToken, envAccessKey, envSecretKey),
		})
	case c.Token != "" && c.SecurityToken != "":
		problems = append(problems, configProblem{
			Attribute: "security_token",
			Summary:   "Conflicting Credentials",
			Detail: fmt.Sprintf("A security token (`security_token` or %s) belongs to a temporary access key pair and "+
				"cannot be used with an IAM token (`token` or %s).", envSecurityToken, envToken),
		})
	case c.Token != "":
		// Token authentication needs nothing else.
	case hasAK && !hasSK:
		problems = append(problems, configProblem{
			Attribute: "secret_key",
			Summary:   "Incomplete Credentials",
			Detail: fmt.Sprintf("An access key is set but its secret key is not. Set `secret_key` in the provider block "+
				"or the %s environment variable.", envSecretKey),
		})
	case hasSK && !hasAK:
		problems = append(problems, configProblem{
			Attribute: "access_key",
			Summary:   "Incomplete Credentials",
			Detail: fmt.Sprintf("A secret key is set but its access key is not. Set `access_key` in the provider block "+
				"or the %s environment variable.", envAccessKey),
		})
	case !hasAK && c.SecurityToken != "":
		problems = append(problems, configProblem{
			Attribute: "security_token",
			Summary:   "Incomplete Credentials",
			Detail: fmt.Sprintf("A security token is set without the temporary access key pair it belongs to. Set "+
				"`access_key` and `secret_key` (or %s and %s) as well.", envAccessKey, envSecretKey),
		})
	case !hasAK:
		problems = append(problems, missingCredentialsProblem(""))
	}
	return problems
}

func validHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

func validDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.ToLower(s), ".") {
		if !validHostLabel(label) {
			return false
		}
	}
	return true
}
