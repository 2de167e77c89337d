package provider

import (
	"strings"
	"testing"
)

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }
func int64p(n int64) *int64 { return &n }

const (
	testSecretKeyValue = "sk-very-secret-value-0123456789"
	testTokenValue     = "MIIT-iam-token-value-0123456789"
	testSTSValue       = "sts-security-token-value-0123456789"
)

func TestResolveProviderConfig(t *testing.T) {
	t.Parallel()

	akSK := rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1"), SecretKey: strp(testSecretKeyValue)}
	blockKeys := authConfig{Source: authKeys, Origin: "an access key pair in the provider block"}

	cases := []struct {
		name     string
		raw      rawProviderConfig
		env      map[string]string
		want     *resolvedProviderConfig // nil: do not compare
		problems []string                // "attribute|summary" of every expected problem
	}{
		{
			name: "defaults from region and cloud",
			raw:  akSK,
			want: &resolvedProviderConfig{
				Region: "cn-north-4", AccessKey: "AK1", SecretKey: testSecretKeyValue, Cloud: "myhuaweicloud.com",
				ECSEndpoint: "https://ecs.cn-north-4.myhuaweicloud.com", IAMEndpoint: "https://iam.cn-north-4.myhuaweicloud.com",
				MaxRetries: 5, Auth: blockKeys,
			},
		},
		{
			name: "everything from the environment",
			env: map[string]string{
				envRegion: "eu-west-101", envProjectID: "p1", envAccessKey: "AK2", envSecretKey: testSecretKeyValue,
				envSecurityToken: testSTSValue, envCloud: "myhuaweicloud.eu", envInsecure: "true", envMaxRetries: "2",
			},
			want: &resolvedProviderConfig{
				Region: "eu-west-101", ProjectID: "p1", AccessKey: "AK2", SecretKey: testSecretKeyValue, SecurityToken: testSTSValue,
				Cloud: "myhuaweicloud.eu", ECSEndpoint: "https://ecs.eu-west-101.myhuaweicloud.eu",
				IAMEndpoint: "https://iam.eu-west-101.myhuaweicloud.eu", Insecure: true, MaxRetries: 2, Auth: authConfig{Source: authKeys, Origin: "an access key pair in the environment"},
			},
		},
		{
			name: "the block wins over the environment",
			raw: rawProviderConfig{
				Region: strp("cn-north-4"), ProjectID: strp("p-block"), AccessKey: strp("AK-block"), SecretKey: strp("SK-block"),
				Cloud: strp("example.com"), ECSEndpoint: strp("http://127.0.0.1:8089/"), IAMEndpoint: strp("http://127.0.0.1:8090"),
				Insecure: boolp(false), MaxRetries: int64p(0),
			},
			env: map[string]string{
				envRegion: "cn-east-3", envProjectID: "p-env", envAccessKey: "AK-env", envSecretKey: "SK-env",
				envCloud: "other.com", envECSEndpoint: "https://env-ecs", envIAMEndpoint: "https://env-iam",
				envInsecure: "true", envMaxRetries: "9",
			},
			want: &resolvedProviderConfig{
				Region: "cn-north-4", ProjectID: "p-block", AccessKey: "AK-block", SecretKey: "SK-block", Cloud: "example.com",
				ECSEndpoint: "http://127.0.0.1:8089", IAMEndpoint: "http://127.0.0.1:8090", MaxRetries: 0, Auth: blockKeys,
			},
		},
		{
			name: "an empty string in the block falls back to the environment",
			raw:  rawProviderConfig{Region: strp(""), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			env:  map[string]string{envRegion: "cn-north-9"},
			want: &resolvedProviderConfig{
				Region: "cn-north-9", AccessKey: "AK1", SecretKey: "SK1", Cloud: "myhuaweicloud.com",
				ECSEndpoint: "https://ecs.cn-north-9.myhuaweicloud.com", IAMEndpoint: "https://iam.cn-north-9.myhuaweicloud.com",
				MaxRetries: 5, Auth: blockKeys,
			},
		},
		{
			name: "endpoint overrides from the environment, one each",
			raw:  akSK,
			env:  map[string]string{envECSEndpoint: "https://ecs.private.example"},
			want: &resolvedProviderConfig{
				Region: "cn-north-4", AccessKey: "AK1", SecretKey: testSecretKeyValue, Cloud: "myhuaweicloud.com",
				ECSEndpoint: "https://ecs.private.example", IAMEndpoint: "https://iam.cn-north-4.myhuaweicloud.com",
				MaxRetries: 5, Auth: blockKeys,
			},
		},
		{
			name: "token instead of an access key pair",
			raw:  rawProviderConfig{Region: strp("cn-north-4"), Token: strp(testTokenValue)},
			want: &resolvedProviderConfig{
				Region: "cn-north-4", Token: testTokenValue, Cloud: "myhuaweicloud.com",
				ECSEndpoint: "https://ecs.cn-north-4.myhuaweicloud.com", IAMEndpoint: "https://iam.cn-north-4.myhuaweicloud.com",
				MaxRetries: 5, Auth: authConfig{Source: authToken, Origin: "an IAM token in the provider block"},
			},
		},
		{
			name:     "access key from the block, secret key from the environment",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1")},
			env:      map[string]string{envSecretKey: testSecretKeyValue},
			problems: nil,
		},
		{name: "nothing at all", problems: []string{"region|Missing Region", "|Missing Credentials"}},
		{name: "no credentials", raw: rawProviderConfig{Region: strp("cn-north-4")}, problems: []string{"|Missing Credentials"}},
		{
			name:     "access key without secret key",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1")},
			problems: []string{"secret_key|Incomplete Credentials"},
		},
		{
			name:     "secret key without access key",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), SecretKey: strp(testSecretKeyValue)},
			problems: []string{"access_key|Incomplete Credentials"},
		},
		{
			name:     "secret key from the environment without access key",
			raw:      rawProviderConfig{Region: strp("cn-north-4")},
			env:      map[string]string{envSecretKey: testSecretKeyValue},
			problems: []string{"access_key|Incomplete Credentials"},
		},
		{
			name:     "security token without an access key pair",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), SecurityToken: strp(testSTSValue)},
			problems: []string{"security_token|Incomplete Credentials"},
		},
		{
			name:     "token and access key pair",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), Token: strp(testTokenValue), AccessKey: strp("AK1"), SecretKey: strp(testSecretKeyValue)},
			problems: []string{"token|Conflicting Credentials"},
		},
		{
			// The block wins over the environment: its incomplete key pair
			// is reported, and the token in the environment is not used.
			name:     "token from the environment and access key in the block",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1")},
			env:      map[string]string{envToken: testTokenValue},
			problems: []string{"secret_key|Incomplete Credentials"},
		},
		{
			name:     "token and security token",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), Token: strp(testTokenValue), SecurityToken: strp(testSTSValue)},
			problems: []string{"token|Conflicting Credentials"},
		},
		{
			name:     "bad region",
			raw:      rawProviderConfig{Region: strp("CN North 4"), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			problems: []string{"region|Invalid Region"},
		},
		{
			name:     "cloud with a scheme",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), Cloud: strp("https://myhuaweicloud.com"), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			problems: []string{"cloud|Invalid Cloud Domain"},
		},
		{
			name:     "endpoint without scheme",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), ECSEndpoint: strp("ecs.example.com"), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			problems: []string{"endpoints.ecs|Invalid Endpoint URL"},
		},
		{
			name:     "endpoint from the environment with a query",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			env:      map[string]string{envIAMEndpoint: "https://iam.example.com/?x=1"},
			problems: []string{"endpoints.iam|Invalid Endpoint URL"},
		},
		{
			name:     "endpoint with a secret in its query",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), ECSEndpoint: strp("https://ecs.example.com/?token=" + testTokenValue + "#" + testSTSValue), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			problems: []string{"endpoints.ecs|Invalid Endpoint URL"},
		},
		{
			name:     "endpoint with user information",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), ECSEndpoint: strp("https://user:" + testSecretKeyValue + "@ecs.example.com"), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			problems: []string{"endpoints.ecs|Invalid Endpoint URL"},
		},
		{
			name:     "negative max_retries",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1"), SecretKey: strp("SK1"), MaxRetries: int64p(-1)},
			problems: []string{"max_retries|Invalid Maximum Retries"},
		},
		{
			name:     "HW_MAX_RETRIES not a number",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			env:      map[string]string{envMaxRetries: "five"},
			problems: []string{"max_retries|Invalid HW_MAX_RETRIES"},
		},
		{
			name:     "HW_INSECURE not a boolean",
			raw:      rawProviderConfig{Region: strp("cn-north-4"), AccessKey: strp("AK1"), SecretKey: strp("SK1")},
			env:      map[string]string{envInsecure: "maybe"},
			problems: []string{"insecure|Invalid HW_INSECURE"},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, problems := resolveProviderConfig(tc.raw, func(k string) string { return tc.env[k] })

			var keys []string
			for _, p := range problems {
				keys = append(keys, p.Attribute+"|"+p.Summary)
				for _, secret := range []string{testSecretKeyValue, testTokenValue, testSTSValue} {
					if strings.Contains(p.Summary+p.Detail, secret) {
						t.Errorf("problem %q echoes a secret: %s", p.Summary, p.Detail)
					}
				}
				if p.Detail == "" {
					t.Errorf("problem %q has no detail", p.Summary)
				}
			}
			if strings.Join(keys, ", ") != strings.Join(tc.problems, ", ") {
				t.Errorf("problems = %v, want %v", keys, tc.problems)
			}
			if tc.want != nil && got != *tc.want {
				t.Errorf("resolved\n %+v\nwant\n %+v", got, *tc.want)
			}
		})
	}
}
