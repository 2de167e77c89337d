package ecssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func tokenBody(user, password, domain, scope string) string {
	d := ""
	if domain != "" {
		d = fmt.Sprintf(`,"domain":{"name":%q}`, domain)
	}
	return fmt.Sprintf(`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":%q,"password":%q%s}}},"scope":{"project":%s}}}`,
		user, password, d, scope)
}

// login obtains a token or fails the test.
func (h *harness) login(scope string) (string, map[string]any) {
	h.t.Helper()
	r := newRequest(http.MethodPost, "/v3/auth/tokens?nocatalog=true", tokenBody(DefaultUser, DefaultPassword, "anydomain", scope))
	res := h.serve(r)
	if res.status != http.StatusCreated {
		h.t.Fatalf("login status = %d; body %s", res.status, res.body)
	}
	tok := res.header.Get("X-Subject-Token")
	if tok == "" {
		h.t.Fatal("no X-Subject-Token")
	}
	return tok, res.json(h.t)
}

type tokenBodyView struct {
	Token struct {
		ExpiresAt string `json:"expires_at"`
		Project   struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"project"`
		Catalog []json.RawMessage `json:"catalog"`
	} `json:"token"`
}

func TestTokenLogin(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})

	for _, scope := range []string{`{"name":"cn-north-4"}`, `{"id":"` + DefaultProjectID + `"}`} {
		t.Run(scope, func(t *testing.T) { testTokenLoginScope(t, h, srv.ID, scope) })
	}

	t.Run("nocatalog", func(t *testing.T) {
		_, body := h.login(`{"name":"cn-north-4"}`)
		if _, ok := body["token"].(map[string]any)["catalog"]; ok {
			t.Fatal("catalog present with nocatalog=true")
		}
	})

	t.Run("token is project scoped", func(t *testing.T) {
		tok, _ := h.login(`{"name":"cn-north-4"}`)
		other := strings.Replace(v1Path(srv.ID, "os-resetpwd-flag"), DefaultProjectID, "ffffffffffffffffffffffffffffffff", 1)
		wantV1Error(t, h.call(cred{token: tok}, http.MethodGet, other, ""), http.StatusBadRequest, "Ecs.0023")
	})

	t.Run("token expires after 24 hours", func(t *testing.T) {
		h := newHarness(t, nil)
		srv := h.addServer(ServerSpec{OSType: "Linux"})
		tok, _ := h.login(`{"name":"cn-north-4"}`)
		h.clock.Advance(24*time.Hour - time.Second)
		if res := h.call(cred{token: tok}, http.MethodGet, v1Path(srv.ID, ""), ""); res.status != http.StatusOK {
			t.Fatalf("before expiry: status %d", res.status)
		}
		h.clock.Advance(time.Second)
		msg := wantGatewayError(t, h.call(cred{token: tok}, http.MethodGet, v1Path(srv.ID, ""), ""), http.StatusUnauthorized, codeAuthFailed)
		if msg != authMessagePrefix+authTokenExpired {
			t.Fatalf("message = %q", msg)
		}
	})
}

// testTokenLoginScope logs in with the project scope given and checks the
// token's body and that it works on server srvID.
func testTokenLoginScope(t *testing.T, h *harness, srvID, scope string) {
	res := h.serve(newRequest(http.MethodPost, "/v3/auth/tokens", tokenBody(DefaultUser, DefaultPassword, "mydomain", scope)))
	if res.status != http.StatusCreated {
		t.Fatalf("status = %d; body %s", res.status, res.body)
	}
	var body tokenBodyView
	if err := json.Unmarshal(res.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Token.Project.ID != DefaultProjectID || body.Token.Project.Name != DefaultRegion {
		t.Fatalf("project = %+v", body.Token.Project)
	}
	exp, err := time.Parse(time.RFC3339Nano, body.Token.ExpiresAt)
	if err != nil || !exp.Equal(testNow.Add(24*time.Hour)) {
		t.Fatalf("expires_at = %q (%v), want 24h after %v", body.Token.ExpiresAt, err, testNow)
	}
	if len(body.Token.Catalog) == 0 {
		t.Fatal("catalog missing without nocatalog")
	}
	tok := res.header.Get("X-Subject-Token")
	if tok == "" || strings.Contains(string(res.body), tok) {
		t.Fatal("token must be in X-Subject-Token only")
	}
	got := h.call(cred{token: tok}, http.MethodGet, v1Path(srvID, "os-resetpwd-flag"), "")
	if got.status != http.StatusOK {
		t.Fatalf("token request status = %d; body %s", got.status, got.body)
	}
}

func TestTokenLoginFailures(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"wrong password", tokenBody(DefaultUser, "wrong", "d", `{"name":"cn-north-4"}`), http.StatusUnauthorized},
		{"wrong user", tokenBody("someone", DefaultPassword, "d", `{"name":"cn-north-4"}`), http.StatusUnauthorized},
		{"unknown project name", tokenBody(DefaultUser, DefaultPassword, "d", `{"name":"eu-west-0"}`), http.StatusUnauthorized},
		{"unknown project id", tokenBody(DefaultUser, DefaultPassword, "d", `{"id":"abc"}`), http.StatusUnauthorized},
		{"no domain", tokenBody(DefaultUser, DefaultPassword, "", `{"name":"cn-north-4"}`), http.StatusBadRequest},
		{"unscoped", `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"ecssim-user","password":"ecssim-password","domain":{"name":"d"}}}}}}`, http.StatusBadRequest},
		{"token method", `{"auth":{"identity":{"methods":["token"],"token":{"id":"x"}},"scope":{"project":{"name":"cn-north-4"}}}}`, http.StatusBadRequest},
		{"not json", `{"auth":`, http.StatusBadRequest},
		{"empty", ``, http.StatusBadRequest},
		{"no auth", `{}`, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.serve(newRequest(http.MethodPost, "/v3/auth/tokens", tc.body))
			if res.status != tc.status {
				t.Fatalf("status = %d, want %d; body %s", res.status, tc.status, res.body)
			}
			var body struct {
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
					Title   string `json:"title"`
				} `json:"error"`
			}
			if err := json.Unmarshal(res.body, &body); err != nil || body.Error.Code != tc.status || body.Error.Message == "" || body.Error.Title == "" {
				t.Fatalf("body = %s, want a Keystone error with code %d", res.body, tc.status)
			}
			if res.header.Get("X-Subject-Token") != "" {
				t.Fatal("failed login returned a token")
			}
			if strings.Contains(string(res.body), DefaultPassword) {
				t.Fatal("response echoes the password")
			}
		})
	}
}

func TestProjectLookup(t *testing.T) {
	h := newHarness(t, nil)
	type projects struct {
		Projects []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			DomainID string `json:"domain_id"`
			Enabled  bool   `json:"enabled"`
		} `json:"projects"`
	}
	lookup := func(c cred, target string) projects {
		t.Helper()
		res := h.call(c, http.MethodGet, target, "")
		if res.status != http.StatusOK {
			t.Fatalf("status = %d; body %s", res.status, res.body)
		}
		var p projects
		if err := json.Unmarshal(res.body, &p); err != nil || p.Projects == nil {
			t.Fatalf("body %s: %v", res.body, err)
		}
		return p
	}

	p := lookup(defaultCred(), "/v3/projects?name=cn-north-4")
	if len(p.Projects) != 1 || p.Projects[0].ID != DefaultProjectID || p.Projects[0].Name != DefaultRegion ||
		p.Projects[0].DomainID == "" || !p.Projects[0].Enabled {
		t.Fatalf("lookup by name = %+v", p)
	}
	if p := lookup(defaultCred(), "/v3/projects?name=eu-west-0"); len(p.Projects) != 0 {
		t.Fatalf("unknown name = %+v, want none", p)
	}
	if p := lookup(defaultCred(), "/v3/projects"); len(p.Projects) != 1 {
		t.Fatalf("no filter = %+v", p)
	}
	tok, _ := h.login(`{"id":"` + DefaultProjectID + `"}`)
	if p := lookup(cred{token: tok}, "/v3/projects?name=cn-north-4"); len(p.Projects) != 1 {
		t.Fatalf("with token = %+v", p)
	}
	wantGatewayError(t, h.call(cred{none: true}, http.MethodGet, "/v3/projects?name=cn-north-4", ""), http.StatusUnauthorized, codeAuthFailed)
}
