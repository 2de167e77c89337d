package provider

import (
	"fmt"
	"strconv"
	"strings"

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
)

const (
	defaultCloud      = "myhuaweicloud.com"
	defaultMaxRetries = 5
)

// rawProviderConfig holds the provider block as written: nil means the
// attribute was not set (or was null), so the environment may supply it.
type rawProviderConfig struct {
	Region, ProjectID        *string
	AccessKey, SecretKey     *string
	SecurityToken, Token     *string
	Cloud                    *string
	ECSEndpoint, IAMEndpoint *string
	Insecure                 *bool
	MaxRetries               *int64
}

// resolvedProviderConfig is the effective configuration after the provider
// block, the environment and the defaults have been combined.
type resolvedProviderConfig struct {
	Region        string
	ProjectID     string // empty: look it up through IAM
	AccessKey     string
	SecretKey     string
	SecurityToken string
	Token         string
	Cloud         string
	ECSEndpoint   string
	IAMEndpoint   string
	Insecure      bool
	MaxRetries    int
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
// (getenv) and the defaults. A value in the block wins over the environment;
// an empty string counts as not set so that the environment can fill it.
// Problems are reported in the order of the steps below.
func resolveProviderConfig(raw rawProviderConfig, getenv func(string) string) (resolvedProviderConfig, []configProblem) {
	out := pickProviderStrings(raw, getenv)
	out.MaxRetries = defaultMaxRetries
	var problems []configProblem
	problems = append(problems, checkRegion(out.Region)...)
	problems = append(problems, resolveCloud(&out)...)
	problems = append(problems, resolveInsecure(&out, raw.Insecure, getenv)...)
	problems = append(problems, resolveMaxRetries(&out, raw.MaxRetries, getenv)...)
	problems = append(problems, checkCredentials(out)...)
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
	}
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
		problems = append(problems, configProblem{
			Summary: "Missing Credentials",
			Detail: fmt.Sprintf("The provider needs credentials: either an access key pair (`access_key` and "+
				"`secret_key`, or %s and %s; add `security_token` or %s for temporary credentials) or an IAM token "+
				"(`token` or %s).", envAccessKey, envSecretKey, envSecurityToken, envToken),
		})
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
