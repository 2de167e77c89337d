package ecsapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzCanonicalRequest feeds arbitrary methods, paths, queries, headers and
// bodies to the signer: it must never panic, and the canonical form must
// keep its fixed structure whatever the input.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("PUT", "/v1/p/cloudservers/s/os-reset-password", "a=1&b=2&b=1", "x-project-id;x-sdk-date", []byte(`{"reset-password":{}}`))
	f.Add("GET", "/v3/projects/", "name=cn-north-4", "host;x-sdk-date", []byte(nil))
	f.Add("get", "", "", "", []byte(nil))
	f.Add("DELETE", "/srv with space:colon/%zz/ü", "%zz=&=x&k=a+b", "Content-Type;;X-SDK-DATE;host", []byte("\x00\xff"))
	f.Add("\n", "//", "&&&", ";", []byte("x"))
	f.Fuzz(func(t *testing.T, method, path, rawQuery, signed string, body []byte) {
		query, _ := url.ParseQuery(rawQuery)
		in := &signingInput{
			method:        method,
			host:          "ecs.example.test",
			path:          path,
			query:         query,
			header:        http.Header{"X-Sdk-Date": {"20261126T081500Z"}, "Content-Type": {"application/json"}},
			signedHeaders: strings.Split(signed, ";"),
			body:          body,
		}
		canonical, signedHeaders := canonicalRequest(in)
		uri := canonicalURI(path)
		if !strings.HasSuffix(uri, "/") {
			t.Fatalf("canonical URI %q lacks the trailing slash", uri)
		}
		for i := 0; i < len(uri); i++ {
			if c := uri[i]; c != '/' && c != '%' && !isUnreserved(c) {
				t.Fatalf("canonical URI %q contains unescaped byte %q", uri, c)
			}
		}
		if signedHeaders != strings.ToLower(signedHeaders) || strings.Contains(signedHeaders, ";;") ||
			strings.HasPrefix(signedHeaders, ";") || strings.HasSuffix(signedHeaders, ";") {
			t.Fatalf("malformed SignedHeaders %q", signedHeaders)
		}
		if !strings.HasSuffix(canonical, "\n"+signedHeaders+"\n"+payloadHash(in)) {
			t.Fatalf("canonical request does not end with the signed headers and payload hash: %q", canonical)
		}
		if _, err := signAuthorization("ak", "sk", in); err != nil {
			t.Fatalf("signing failed: %v", err)
		}
	})
}
