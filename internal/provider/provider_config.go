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
func resolveProviderConfig(raw rawProviderConfig, getenv func(string) string) (resolvedProviderConfig, []configProblem) {
	var problems []configProblem
	pick := func(v *string, env string) string {
		if v != nil && strings.TrimSpace(*v) != "" {
			return strings.TrimSpace(*v)
		}
		return strings.TrimSpace(getenv(env))
	}

	out := resolvedProviderConfig{
		Region:        pick(raw.Region, envRegion),
		ProjectID:     pick(raw.ProjectID, envProjectID),
		AccessKey:     pick(raw.AccessKey, envAccessKey),
		SecretKey:     pick(raw.SecretKey, envSecretKey),
		SecurityToken: pick(raw.SecurityToken, envSecurityToken),
		Token:         pick(raw.Token, envToken),
		Cloud:         pick(raw.Cloud, envCloud),
		ECSEndpoint:   pick(raw.ECSEndpoint, envECSEndpoint),
		IAMEndpoint:   pick(raw.IAMEndpoint, envIAMEndpoint),
		MaxRetries:    defaultMaxRetries,
	}

	if out.Region == "" {
		problems = append(problems, configProblem{
			Attribute: "region",
			Summary:   "Missing Region",
			Detail: fmt.Sprintf("The provider needs a region, such as `cn-north-4`. Set `region` in the provider block "+
				"or the %s environment variable.", envRegion),
		})
	} else if !validHostLabel(out.Region) {
		problems = append(problems, configProblem{
			Attribute: "region",
			Summary:   "Invalid Region",
			Detail: fmt.Sprintf("The region %q is not a valid region name: use lower-case letters, digits and hyphens, "+
				"such as `cn-north-4`.", out.Region),
		})
	}

	if out.Cloud == "" {
		out.Cloud = defaultCloud
	} else if !validDomain(out.Cloud) {
		problems = append(problems, configProblem{
			Attribute: "cloud",
			Summary:   "Invalid Cloud Domain",
			Detail: fmt.Sprintf("The cloud domain %q is not a domain name. Give only the suffix, such as `%s`; "+
				"to use full URLs, set `endpoints` instead.", out.Cloud, defaultCloud),
		})
	}

	if raw.Insecure != nil {
		out.Insecure = *raw.Insecure
	} else if v := strings.TrimSpace(getenv(envInsecure)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problems = append(problems, configProblem{
				Attribute: "insecure",
				Summary:   "Invalid " + envInsecure,
				Detail:    fmt.Sprintf("The %s environment variable is %q; use `true` or `false`.", envInsecure, v),
			})
		}
		out.Insecure = b
	}

	if raw.MaxRetries != nil {
		if *raw.MaxRetries < 0 || *raw.MaxRetries > maxRetriesLimit {
			problems = append(problems, configProblem{
				Attribute: "max_retries",
				Summary:   "Invalid Maximum Retries",
				Detail:    fmt.Sprintf("`max_retries` must be between 0 and %d; it is %d.", maxRetriesLimit, *raw.MaxRetries),
			})
		} else {
			out.MaxRetries = int(*raw.MaxRetries)
		}
	} else if v := strings.TrimSpace(getenv(envMaxRetries)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxRetriesLimit {
			problems = append(problems, configProblem{
				Attribute: "max_retries",
				Summary:   "Invalid " + envMaxRetries,
				Detail: fmt.Sprintf("The %s environment variable is %q; use a whole number from 0 to %d.",
					envMaxRetries, v, maxRetriesLimit),
			})
		} else {
			out.MaxRetries = n
		}
	}

	problems = append(problems, checkCredentials(out)...)

	if out.Region != "" && validHostLabel(out.Region) && validDomain(out.Cloud) {
		if out.ECSEndpoint == "" {
			out.ECSEndpoint = "https://ecs." + out.Region + "." + out.Cloud
		}
		if out.IAMEndpoint == "" {
			out.IAMEndpoint = "https://iam." + out.Region + "." + out.Cloud
		}
	}
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

	return out, problems
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
