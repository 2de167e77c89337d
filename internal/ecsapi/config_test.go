package ecsapi_test

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }

func TestNewClientValidation(t *testing.T) {
	good := ecsapi.Config{
		ECSEndpoint: "https://ecs.cn-north-4.myhuaweicloud.com",
		IAMEndpoint: "https://iam.cn-north-4.myhuaweicloud.com/",
		Region:      "cn-north-4",
		Credentials: ecsapi.Credentials{AccessKey: "AK", SecretKey: "SK"},
	}
	tests := []struct {
		name    string
		mutate  func(*ecsapi.Config)
		wantErr string
	}{
		{"valid AK/SK", func(*ecsapi.Config) {}, ""},
		{"valid token", func(c *ecsapi.Config) { c.Credentials = ecsapi.Credentials{Token: "tok"} }, ""},
		{"valid temporary", func(c *ecsapi.Config) { c.Credentials.SecurityToken = "st" }, ""},
		{"local simulator over http", func(c *ecsapi.Config) { c.ECSEndpoint = "http://127.0.0.1:8089" }, ""},
		{"no ECS endpoint", func(c *ecsapi.Config) { c.ECSEndpoint = "" }, "ECS endpoint is required"},
		{"bad scheme", func(c *ecsapi.Config) { c.ECSEndpoint = "ftp://ecs.example" }, "must start with https://"},
		{"no host", func(c *ecsapi.Config) { c.ECSEndpoint = "https://" }, "has no host"},
		{"unparseable", func(c *ecsapi.Config) { c.IAMEndpoint = "https://exa mple.com/%zz" }, "not a valid URL"},
		{"user info", func(c *ecsapi.Config) { c.ECSEndpoint = "https://user:pw@ecs.example" }, "user information"},
		{"query", func(c *ecsapi.Config) { c.ECSEndpoint = "https://ecs.example/?a=b" }, "query or fragment"},
		{"no credentials", func(c *ecsapi.Config) { c.Credentials = ecsapi.Credentials{} }, "no credentials"},
		{"AK only", func(c *ecsapi.Config) { c.Credentials.SecretKey = "" }, "without a secret key"},
		{"SK only", func(c *ecsapi.Config) { c.Credentials.AccessKey = "" }, "without an access key"},
		{"token and keys", func(c *ecsapi.Config) { c.Credentials.Token = "tok" }, "not both"},
		{"security token alone", func(c *ecsapi.Config) { c.Credentials = ecsapi.Credentials{SecurityToken: "st"} }, "needs the access key"},
		{"AK with comma", func(c *ecsapi.Config) { c.Credentials.AccessKey = "A,K" }, "access key contains"},
		{"negative retries", func(c *ecsapi.Config) { c.MaxRetries = -1 }, "must not be negative"},
		{"negative wait", func(c *ecsapi.Config) { c.RetryWaitMin = -time.Second }, "must not be negative"},
		{"min above max", func(c *ecsapi.Config) { c.RetryWaitMin = time.Minute; c.RetryWaitMax = time.Second }, "exceeds the maximum"},
		{"bad user agent", func(c *ecsapi.Config) { c.UserAgent = "ua\r\nX-Injected: 1" }, "user agent"},
		{"bad project ID", func(c *ecsapi.Config) { c.ProjectID = "../p" }, "project ID"},
		{"TLS settings alone", func(c *ecsapi.Config) { c.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12} }, ""},
		{"TLS settings and a client", func(c *ecsapi.Config) {
			c.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			c.HTTPClient = &http.Client{}
		}, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mutate(&cfg)
			c, err := ecsapi.NewClient(cfg)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestProjectIDFromConfig(t *testing.T) {
	c, err := ecsapi.NewClient(ecsapi.Config{ECSEndpoint: "https://ecs.example", ProjectID: testProject, Credentials: ecsapi.Credentials{Token: "t"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.ProjectID() != testProject {
		t.Errorf("ProjectID() = %q", c.ProjectID())
	}
}
