package credentials_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi/credentials"
)

const profileSecret = "profile-secret-key-0123456789"

// writeFile writes content into a file of a test directory and returns its
// path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const sharedConfig = `{
  "current": "dev",
  "profiles": [
    {"name": "dev", "mode": "AKSK", "accessKeyId": "DEVAK", "secretAccessKey": "` + profileSecret + `",
     "region": "cn-north-4", "projectId": "p-dev", "agencyName": "ops", "agencyDomainName": "acme"},
    {"name": "temp", "mode": "AKSK", "accessKeyId": "TMPAK", "secretAccessKey": "s2", "securityToken": "tok"},
    {"name": "sso", "mode": "SSO", "region": "cn-east-3",
     "ssoAuth": {"stsToken": {"accessKeyId": "SSOAK", "secretAccessKey": "s3", "securityToken": "ssotok"}}},
    {"name": "sso-no-token", "mode": "SSO", "ssoAuth": {}},
    {"name": "sso-empty-token", "mode": "SSO", "ssoAuth": {"stsToken": {"accessKeyId": "A", "secretAccessKey": "` + profileSecret + `"}}},
    {"name": "no-secret", "mode": "AKSK", "accessKeyId": "A"},
    {"name": "agency-mode", "mode": "agency"}
  ]
}`

func TestLoadProfile(t *testing.T) {
	path := writeFile(t, "config.json", sharedConfig)
	cases := []struct {
		name string
		want credentials.Profile
	}{
		{"", credentials.Profile{Name: "dev", Mode: "AKSK", Region: "cn-north-4", ProjectID: "p-dev", AgencyName: "ops", AgencyDomainName: "acme",
			Credentials: ecsapi.Credentials{AccessKey: "DEVAK", SecretKey: profileSecret}}},
		{"temp", credentials.Profile{Name: "temp", Mode: "AKSK",
			Credentials: ecsapi.Credentials{AccessKey: "TMPAK", SecretKey: "s2", SecurityToken: "tok"}}},
		{"sso", credentials.Profile{Name: "sso", Mode: "SSO", Region: "cn-east-3",
			Credentials: ecsapi.Credentials{AccessKey: "SSOAK", SecretKey: "s3", SecurityToken: "ssotok"}}},
	}
	for _, tc := range cases {
		got, err := credentials.LoadProfile(path, tc.name)
		if err != nil {
			t.Errorf("profile %q: %v", tc.name, err)
			continue
		}
		tc.want.File = path
		if got != tc.want {
			t.Errorf("profile %q: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestLoadProfileWithByteOrderMark: a file that starts with a UTF-8 byte
// order mark, as some Windows editors write it, is read like any other.
func TestLoadProfileWithByteOrderMark(t *testing.T) {
	path := writeFile(t, "config.json", "\xef\xbb\xbf"+sharedConfig)
	got, err := credentials.LoadProfile(path, "")
	if err != nil || got.Name != "dev" || got.Credentials.AccessKey != "DEVAK" {
		t.Errorf("profile: %+v, %v; want the current profile dev", got, err)
	}
}

// TestLoadProfileErrors: each bad input is an error that names the file,
// the profile and the field, and never quotes a secret.
func TestLoadProfileErrors(t *testing.T) {
	good := writeFile(t, "config.json", sharedConfig)
	cases := []struct {
		desc, path, profile string
		want                []string
		notFound            bool
	}{
		{desc: "missing file", path: filepath.Join(t.TempDir(), "nope.json"), want: []string{"nope.json", "cannot be read"}, notFound: true},
		{desc: "a directory", path: t.TempDir(), want: []string{"cannot be read"}},
		{desc: "invalid JSON", path: writeFile(t, "bad.json", `{"current": "dev", "profiles": [{"secretAccessKey": "`+profileSecret+`" `), want: []string{"bad.json", "is not valid JSON"}},
		{desc: "wrong type", path: writeFile(t, "typed.json", `{"current": 1}`), want: []string{"is not valid JSON", "current"}},
		{desc: "no current", path: writeFile(t, "nocurrent.json", `{"profiles": []}`), want: []string{"field current", "names no profile"}},
		{desc: "unknown profile", path: good, profile: "prod", want: []string{`profile "prod"`, "no such profile", `"dev"`, `"sso"`}},
		{desc: "SSO without token", path: good, profile: "sso-no-token", want: []string{`profile "sso-no-token"`, "field ssoAuth.stsToken", "is missing"}},
		{desc: "SSO with an empty token", path: good, profile: "sso-empty-token", want: []string{"field ssoAuth.stsToken.securityToken", "is empty"}},
		{desc: "AKSK without secret", path: good, profile: "no-secret", want: []string{"field secretAccessKey", "is empty"}},
		{desc: "unsupported mode", path: good, profile: "agency-mode", want: []string{"field mode", `"agency"`, "AKSK and SSO"}},
	}
	for _, tc := range cases {
		_, err := credentials.LoadProfile(tc.path, tc.profile)
		var pe *credentials.ProfileError
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want a *ProfileError", tc.desc, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tc.desc, err, w)
			}
		}
		if strings.Contains(err.Error(), profileSecret) {
			t.Errorf("%s: the error quotes a secret: %v", tc.desc, err)
		}
		if pe.NotFound != tc.notFound {
			t.Errorf("%s: NotFound = %v", tc.desc, pe.NotFound)
		}
	}
}

func TestExpandHome(t *testing.T) {
	home := func() (string, error) { return "/home/u", nil }
	for in, want := range map[string]string{
		"~/.hcloud/config.json": filepath.Join("/home/u", ".hcloud/config.json"),
		"/etc/hcloud.json":      "/etc/hcloud.json",
		"rel/~/x":               "rel/~/x",
	} {
		got, err := credentials.ExpandHome(in, home)
		if err != nil || got != want {
			t.Errorf("ExpandHome(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := credentials.ExpandHome("~/x", nil); err == nil {
		t.Error("no error without a home directory")
	}
}
