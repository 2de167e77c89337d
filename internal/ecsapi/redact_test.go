package ecsapi_test

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// TestRedactEveryEncoding covers the class "a secret echoed in some
// encoding": whatever form a server quotes it in, it is removed.
func TestRedactEveryEncoding(t *testing.T) {
	secret := `Pa ss+w/rd&<"x">=1%`
	forms := map[string]string{
		"raw":          secret,
		"query":        url.QueryEscape(secret),
		"path":         url.PathEscape(secret),
		"html":         html.EscapeString(secret),
		"json":         `Pa ss+w/rd\u0026\u003c\"x\"\u003e=1%`,
		"json no html": `Pa ss+w/rd&<\"x\">=1%`,
		"base64":       base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64url":    base64.RawURLEncoding.EncodeToString([]byte(secret)),
	}
	for name, form := range forms {
		got := ecsapi.Redact("the value was "+form+" indeed", secret)
		if strings.Contains(got, form) || !strings.Contains(got, ecsapi.RedactionMarker) {
			t.Errorf("%s: %q still shows the secret", name, got)
		}
	}
}

// TestRedactShortSecretsWithholdTheText: a secret too short to cut out is
// still never shown; the text that contains it is withheld instead.
func TestRedactShortSecretsWithholdTheText(t *testing.T) {
	for _, secret := range []string{"a", "xy", "Q!7"} {
		got := ecsapi.Redact("server says: bad value "+secret+" here", secret)
		if strings.Contains(got, "bad value") {
			t.Errorf("short secret %q: the text that quotes it is still shown: %q", secret, got)
		}
	}
	if got := ecsapi.Redact("nothing to hide", "zz"); got != "nothing to hide" {
		t.Errorf("text without the secret changed: %q", got)
	}
}

func TestRedactURL(t *testing.T) {
	for _, raw := range []string{
		"https://TOKEN123@ecs.example.com",
		"https://user:pass@ecs.example.com/path",
		"user:pass@ecs.example.com",
		"https:/user:pass@ecs.example.com",
		"https:///user:pass@ecs.example.com",
		"http://ecs.example.com/?token=pass",
		"http://ecs.example.com/#pass",
	} {
		got := ecsapi.RedactURL(raw)
		for _, secret := range []string{"TOKEN123", "pass", "user"} {
			if strings.Contains(got, secret) {
				t.Errorf("RedactURL(%q) = %q shows %q", raw, got, secret)
			}
		}
		if !strings.Contains(got, "ecs.example.com") {
			t.Errorf("RedactURL(%q) = %q lost the host", raw, got)
		}
		_, err := ecsapi.CheckEndpoint(raw)
		if err == nil {
			t.Errorf("CheckEndpoint(%q) accepted it", raw)
			continue
		}
		for _, secret := range []string{"TOKEN123", "pass"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("CheckEndpoint(%q) = %q shows %q", raw, err, secret)
			}
		}
	}
}

func TestCheckEndpointSuggestsAScheme(t *testing.T) {
	for raw, want := range map[string]string{
		"ecs.example.com":      `"https://ecs.example.com"`,
		"ecs.example.com:8443": `"https://ecs.example.com:8443"`,
		"localhost:8089":       `"https://localhost:8089"`,
	} {
		_, err := ecsapi.CheckEndpoint(raw)
		if err == nil || !strings.Contains(err.Error(), "https://") || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckEndpoint(%q) = %v, want a suggestion %s", raw, err, want)
		}
	}
	if u, err := ecsapi.CheckEndpoint("https://ecs.example.com/prefix/"); err != nil || u.Path != "/prefix" {
		t.Errorf("a valid endpoint: %v, %v", u, err)
	}
}

// TestCheckServerID covers the class of IDs that cannot be one path
// segment or would be shown mangled.
func TestCheckServerID(t *testing.T) {
	for _, id := range []string{
		"", "..", ".", "a/b", `a\b`, "a b", "a\x00b", "a\u00a0b", "a\u200bb", "a\u202eb", "a\u2066b", "a\tb",
		"\ufeffabc", strings.Repeat("x", 256), "a\xffb",
	} {
		err := ecsapi.CheckServerID(id)
		if err == nil {
			t.Errorf("CheckServerID(%q) accepted it", id)
			continue
		}
		for _, r := range err.Error() {
			if r < 0x20 || r > 0x7e {
				t.Errorf("CheckServerID(%q): message %q carries %U", id, err, r)
				break
			}
		}
	}
	if err := ecsapi.CheckServerID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"); err != nil {
		t.Errorf("a UUID was refused: %v", err)
	}
}

// TestServerTextIsSanitised covers the class "server-provided text reaches
// a message raw": every string field of a server is cleaned by the client.
func TestServerTextIsSanitised(t *testing.T) {
	body := `{"server":{"id":"` + testServer + `","name":"web\u001b[31m\nevil","status":"ACTIVE\r\nX",` +
		`"key_name":"kp\u0007","metadata":{"os_type":"Linux\u001b[2J\nFAKE: line"},"enterprise_project_id":"0\n1"}}`
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, "r", body) })
	s, err := newTestClient(t, f.srv.URL).GetServer(context.Background(), ecsapi.APIV1, testServer)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{"name": s.Name, "status": s.Status, "key_name": s.KeyName, "os_type": s.OSType, "ep": s.EnterpriseProjectID} {
		if strings.ContainsAny(v, "\x1b\n\r\x07") {
			t.Errorf("%s = %q keeps control characters", name, v)
		}
	}
}
