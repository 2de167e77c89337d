package ecssim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// signingVector is one entry of testdata/signing-vectors.json, computed with
// the vendor's official SDK signer.
type signingVector struct {
	Name                  string              `json:"name"`
	Method                string              `json:"method"`
	Endpoint              string              `json:"endpoint"`
	Path                  string              `json:"path"`
	Query                 map[string][]string `json:"query"`
	Headers               map[string]string   `json:"headers"`
	Body                  string              `json:"body"`
	AccessKey             string              `json:"access_key"`
	SecretKey             string              `json:"secret_key"`
	XSdkDate              string              `json:"x_sdk_date"`
	ExpectedAuthorization string              `json:"expected_authorization"`
}

const vectorProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

func loadVectors(t *testing.T) []signingVector {
	t.Helper()
	data, err := os.ReadFile("testdata/signing-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []signingVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("no signing vectors")
	}
	return vs
}

// vectorHarness is a simulator that knows every credential of the vectors,
// with its clock at the vectors' signing time. secretFor may alter the
// secret key the simulator holds.
func vectorHarness(t *testing.T, vs []signingVector, secretFor func(string) string) *harness {
	t.Helper()
	at, err := time.Parse(sdkDateLayout, vs[0].XSdkDate)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.ProjectID = vectorProject })
	h.clock.t = at
	// The servers the vectors address exist, so accepted requests succeed.
	for _, id := range []string{"b5a8d7c6-1f2e-4d3c-9b8a-7f6e5d4c3b2a", "c6b9e8d7-2a3f-4e5d-8c9b-0a1f2e3d4c5b", "srv with space:colon"} {
		h.addServer(ServerSpec{ID: id, OSType: "Linux"})
	}
	for _, v := range vs {
		h.addPrincipal(Principal{
			AccessKey:     v.AccessKey,
			SecretKey:     secretFor(v.SecretKey),
			SecurityToken: v.Headers["X-Security-Token"],
			ProjectID:     vectorProject,
			Actions:       []string{"*:*:*"},
		})
	}
	return h
}

// vectorRequest rebuilds the request a vector describes, as the server
// would receive it.
func vectorRequest(t *testing.T, v signingVector) *http.Request {
	t.Helper()
	endpoint, err := url.Parse(v.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	u := &url.URL{Path: v.Path, RawQuery: url.Values(v.Query).Encode()}
	r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", strings.NewReader(v.Body))
	r.Method = v.Method
	r.URL = u
	r.RequestURI = u.RequestURI()
	r.Host = endpoint.Host
	r.ContentLength = int64(len(v.Body))
	for k, val := range v.Headers {
		if strings.EqualFold(k, "Host") {
			r.Host = val
			continue
		}
		r.Header.Set(k, val)
	}
	r.Header.Set("Authorization", v.ExpectedAuthorization)
	return r
}

// signedHeaderNames extracts SignedHeaders from an Authorization value.
func signedHeaderNames(t *testing.T, authz string) []string {
	t.Helper()
	p, ok := parseAuthorization(authz)
	if !ok {
		t.Fatalf("cannot parse %q", authz)
	}
	return p.signedHeaders
}

// bump changes the byte at i to a different character of the same kind.
func bump(s string, i int) string {
	b := []byte(s)
	switch c := b[i]; {
	case c == '9':
		b[i] = '8'
	case c == 'z', c == 'Z':
		b[i] = c - 1
	case c >= '0' && c <= '8', c >= 'a' && c <= 'y', c >= 'A' && c <= 'Y':
		b[i] = c + 1
	default:
		b[i] = 'x'
	}
	return string(b)
}

// lastAlnum is the index of the last letter or digit in s.
func lastAlnum(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return i
		}
	}
	return 0
}

func TestSigningVectorsAccepted(t *testing.T) {
	// Authentication passing is what matters; the statuses show the request
	// then reached the operation.
	wantStatus := map[string]int{
		"v1-reset-password":                    http.StatusNoContent,
		"v1-resetpwd-flag":                     http.StatusOK,
		"v1-get-server-password":               http.StatusOK,
		"v1-delete-server-password":            http.StatusNoContent,
		"v21-reset-password":                   http.StatusNoContent,
		"v21-get-server-password":              http.StatusOK,
		"v21-delete-server-password":           http.StatusNoContent,
		"v1-show-server-with-host-signed":      http.StatusOK,
		"temporary-credentials-security-token": http.StatusOK,
		"query-string-sorted-multi-valued":     http.StatusOK, // the server list, empty in the vectors' project
		"batch-reset-passwords":                http.StatusOK,
		"path-needs-escaping":                  http.StatusOK,
		"trailing-slash-path":                  http.StatusOK,
		"empty-body-put":                       http.StatusBadRequest, // Common.0002
	}
	vs := loadVectors(t)
	h := vectorHarness(t, vs, func(sk string) string { return sk })
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			res := h.serve(vectorRequest(t, v))
			if res.status == http.StatusUnauthorized {
				t.Fatalf("vector rejected: %s", res.body)
			}
			want, ok := wantStatus[v.Name]
			if !ok {
				t.Fatalf("no expected status for vector %s (status %d)", v.Name, res.status)
			}
			if res.status != want {
				t.Fatalf("status = %d, want %d; body %s", res.status, want, res.body)
			}
		})
	}
}

// vectorMutation changes one signed part of a signing vector's request,
// which must then be refused with wantMsg.
type vectorMutation struct {
	name    string
	mutate  func(r *http.Request)
	wantMsg string
}

func TestSigningVectorsTampered(t *testing.T) {
	vs := loadVectors(t)
	h := vectorHarness(t, vs, func(sk string) string { return sk })
	for _, v := range vs {
		muts := slices.Concat(authorizationMutations(), contentMutations(v), headerMutations(t, v))
		for _, m := range muts {
			t.Run(v.Name+"/"+m.name, func(t *testing.T) {
				r := vectorRequest(t, v)
				m.mutate(r)
				res := h.serve(r)
				msg := wantGatewayError(t, res, http.StatusUnauthorized, codeAuthFailed)
				if msg != authMessagePrefix+m.wantMsg {
					t.Fatalf("message = %q, want %q", msg, authMessagePrefix+m.wantMsg)
				}
			})
		}
	}
}

// authorizationMutations change the method, the path, the date or the
// Authorization header of any vector.
func authorizationMutations() []vectorMutation {
	return []vectorMutation{
		{"method", func(r *http.Request) { r.Method = bump(r.Method, len(r.Method)-1) }, authBadSignature},
		{"path", func(r *http.Request) {
			p := r.URL.Path
			r.URL.Path = bump(p, lastAlnum(p))
			r.URL.RawPath = ""
		}, authBadSignature},
		{"signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", bump(a, len(a)-1))
		}, authBadSignature},
		{"access key", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Access=") + len("Access=")
			r.Header.Set("Authorization", bump(a, i))
		}, authUnknownAK},
		{"date", func(r *http.Request) {
			d := r.Header.Get("X-Sdk-Date")
			r.Header.Set("X-Sdk-Date", bump(d, len(d)-2)) // one second later: still within skew
		}, authBadSignature},
	}
}

// contentMutations change v's query and body, or add one where v has none.
func contentMutations(v signingVector) []vectorMutation {
	var muts []vectorMutation
	if len(v.Query) > 0 {
		muts = append(muts, vectorMutation{"query", func(r *http.Request) {
			q := r.URL.RawQuery
			r.URL.RawQuery = bump(q, lastAlnum(q))
		}, authBadSignature})
	} else {
		muts = append(muts, vectorMutation{"query", func(r *http.Request) { r.URL.RawQuery = "a" }, authBadSignature})
	}
	if v.Body != "" {
		muts = append(muts, vectorMutation{"body", func(r *http.Request) {
			b := bump(v.Body, len(v.Body)/2)
			r.Body = readCloser(b)
			r.ContentLength = int64(len(b))
		}, authBadSignature})
	} else {
		muts = append(muts, vectorMutation{"body", func(r *http.Request) {
			r.Body = readCloser("x")
			r.ContentLength = 1
		}, authBadSignature})
	}
	return muts
}

// headerMutations change each header v signs but X-Sdk-Date, which
// authorizationMutations covers.
func headerMutations(t *testing.T, v signingVector) []vectorMutation {
	var muts []vectorMutation
	for _, name := range signedHeaderNames(t, v.ExpectedAuthorization) {
		if name == "x-sdk-date" {
			continue // covered by "date"
		}
		muts = append(muts, vectorMutation{"header " + name, func(r *http.Request) {
			if name == "host" {
				r.Host = bump(r.Host, 0)
				return
			}
			val := r.Header.Get(name)
			r.Header.Set(name, bump(val, lastAlnum(val)))
		}, authBadSignature})
	}
	return muts
}

func TestSigningVectorsWrongSecretKey(t *testing.T) {
	vs := loadVectors(t)
	h := vectorHarness(t, vs, func(sk string) string { return bump(sk, 0) })
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			res := h.serve(vectorRequest(t, v))
			wantGatewayError(t, res, http.StatusUnauthorized, codeAuthFailed)
		})
	}
}

func TestSigningVectorSecurityToken(t *testing.T) {
	vs := loadVectors(t)
	h := vectorHarness(t, vs, func(sk string) string { return sk })
	var v signingVector
	for _, cand := range vs {
		if cand.Headers["X-Security-Token"] != "" {
			v = cand
		}
	}
	if v.Name == "" {
		t.Fatal("no vector with a security token")
	}
	r := vectorRequest(t, v)
	r.Header.Del("X-Security-Token")
	wantGatewayError(t, h.serve(r), http.StatusUnauthorized, codeAuthFailed)
}

func readCloser(s string) *strReadCloser { return &strReadCloser{Reader: strings.NewReader(s)} }

type strReadCloser struct{ *strings.Reader }

func (strReadCloser) Close() error { return nil }
