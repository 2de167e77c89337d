package ecsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeErrorBodyFormats(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		wantCode    string
		wantMessage string
		wantReqID   string
		wantFail    []BatchFailure
		recognized  bool
	}{
		{
			name:        "v1 envelope",
			contentType: "application/json",
			body:        `{"error":{"code":"Ecs.0114","message":"Instance[abc] could not be found."}}`,
			wantCode:    "Ecs.0114", wantMessage: "Instance[abc] could not be found.", recognized: true,
		},
		{
			name:        "v1 envelope with details and numeric code",
			contentType: "application/json;charset=UTF-8",
			body:        `{"error":{"code":400,"message":"bad","details":[{"code":"x","message":"y"}]}}`,
			wantCode:    "400", wantMessage: "bad", recognized: true,
		},
		{
			name:        "OpenStack fault",
			contentType: "application/json",
			body:        `{"itemNotFound":{"message":"Instance abc could not be found.","code":404}}`,
			wantCode:    "itemNotFound", wantMessage: "Instance abc could not be found.", recognized: true,
		},
		{
			name:     "OpenStack forbidden fault",
			body:     `{"forbidden":{"message":"Policy doesn't allow it.","code":403}}`,
			wantCode: "forbidden", wantMessage: "Policy doesn't allow it.", recognized: true,
		},
		{
			name:        "gateway",
			contentType: "application/json",
			body:        `{"error_code":"APIGW.0308","error_msg":"The request is throttled.","request_id":"gw-1"}`,
			wantCode:    "APIGW.0308", wantMessage: "The request is throttled.", wantReqID: "gw-1", recognized: true,
		},
		{
			name:        "batch",
			contentType: "application/json",
			body: `{"error":{"code":"Ecs.0611","message":"batch operation failed"},"internalError":[` +
				`{"id":"s1","error_code":"Ecs.0613","error_message":"no plug-in"},{"id":"s2","error_code":"Ecs.0114","error_message":"gone"}]}`,
			wantCode: "Ecs.0611", wantMessage: "batch operation failed", recognized: true,
			wantFail: []BatchFailure{{"s1", "Ecs.0613", "no plug-in"}, {"s2", "Ecs.0114", "gone"}},
		},
		{
			name:     "top-level code and message",
			body:     `{"code":"Common.0013","message":"invalid token"}`,
			wantCode: "Common.0013", wantMessage: "invalid token", recognized: true,
		},
		{
			name:        "html from a proxy",
			contentType: "text/html",
			body:        "<html>\n<body>502 Bad Gateway</body></html>",
			wantMessage: `response is not a JSON document (text/html): "<html> <body>502 Bad Gateway</body></html>"`,
		},
		{
			name:        "truncated json",
			contentType: "application/json",
			body:        `{"error":{"code":"Ecs.01`,
			wantMessage: `response is not a JSON document (application/json): "{\"error\":{\"code\":\"Ecs.01"`,
		},
		{
			name:        "json of unknown shape",
			contentType: "application/json",
			body:        `{"unexpected":[1,2]}`,
			wantMessage: `unrecognised error document: "{\"unexpected\":[1,2]}"`,
		},
		{name: "empty body", body: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := decodeErrorBody(tt.contentType, []byte(tt.body), false)
			if doc.code != tt.wantCode || doc.message != tt.wantMessage || doc.requestID != tt.wantReqID || doc.recognized != tt.recognized {
				t.Errorf("got code=%q message=%q request=%q recognized=%v\nwant code=%q message=%q request=%q recognized=%v",
					doc.code, doc.message, doc.requestID, doc.recognized, tt.wantCode, tt.wantMessage, tt.wantReqID, tt.recognized)
			}
			if len(doc.failures)+len(tt.wantFail) > 0 && fmt.Sprint(doc.failures) != fmt.Sprint(tt.wantFail) {
				t.Errorf("failures = %v, want %v", doc.failures, tt.wantFail)
			}
		})
	}
}

func TestDecodeErrorBodyOversizedAndHostile(t *testing.T) {
	big := strings.Repeat("<p>\x1b[31mnoise\r\n", 1000)
	doc := decodeErrorBody("text/html", []byte(big), true)
	if !strings.Contains(doc.message, "larger than") {
		t.Errorf("oversized body not reported: %q", doc.message)
	}
	if strings.ContainsAny(doc.message, "\r\n\x1b") {
		t.Errorf("control characters leaked into the message: %q", doc.message)
	}

	doc = decodeErrorBody("text/html", []byte(big), false)
	// The excerpt is quoted; its content must stay within the bound.
	i := strings.Index(doc.message, `"`)
	if i < 0 || len(doc.message)-i > maxExcerpt+10 {
		t.Errorf("excerpt not bounded (%d bytes): %q", len(doc.message)-i, doc.message)
	}

	invalid := []byte("\xff\xfe<html>\x00</html>")
	doc = decodeErrorBody("", invalid, false)
	if !utf8.ValidString(doc.message) || strings.Contains(doc.message, "\x00") {
		t.Errorf("invalid UTF-8 or NUL survived: %q", doc.message)
	}
}

func TestSanitizeText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"plain", 10, "plain"},
		{"  a \n\t b  ", 10, "a b"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefghij..."},
		{"ééééé", 5, "éé..."},
		{"a\x00b\x7fc", 10, "a b c"},
	}
	for _, tt := range tests {
		if got := sanitizeText(tt.in, tt.limit); got != tt.want {
			t.Errorf("sanitizeText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestAPIErrorString(t *testing.T) {
	e := &APIError{
		Method: "PUT", Path: "/v1/p/cloudservers/s/os-reset-password", StatusCode: 400,
		Code: "Ecs.0011", Message: "password too weak", RequestID: "req-1",
	}
	want := "PUT /v1/p/cloudservers/s/os-reset-password: HTTP 400 Ecs.0011: password too weak (request ID req-1)"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &APIError{Method: "PUT", Path: "/x", StatusCode: 400, Code: "Ecs.0611", Failures: []BatchFailure{{"s1", "Ecs.0613", "no plug-in"}}}
	if got := e.Error(); got != "PUT /x: HTTP 400 Ecs.0611; 1 server(s) failed: s1 Ecs.0613 no plug-in" {
		t.Errorf("batch Error() = %q", got)
	}
}

func TestErrorClassification(t *testing.T) {
	notFound := &APIError{StatusCode: 404, Code: "Ecs.0114", API: APIV1}
	proxy404 := &APIError{StatusCode: 404, Message: "response is not a JSON document"}
	forbidden := &APIError{StatusCode: 403, Code: "Pdp.0001"}
	unauthorized := &APIError{StatusCode: 401, Code: "Common.0013"}
	throttled := []*APIError{
		{StatusCode: 429},
		{StatusCode: 429, Code: "APIGW.0308"},
		{StatusCode: 503, Code: "Common.1503"},
		{StatusCode: 202, Code: "Common.0024"},
	}
	wrapped := fmt.Errorf("context: %w", notFound)

	if !IsNotFound(notFound) || !IsNotFound(wrapped) || !errors.Is(wrapped, ErrNotFound) {
		t.Error("404 with an API error body must be not-found")
	}
	if IsNotFound(proxy404) {
		t.Error("a 404 without an API error body must not count as not-found")
	}
	if IsNotFound(forbidden) || IsNotFound(errors.New("404")) || IsNotFound(nil) {
		t.Error("false positives for IsNotFound")
	}
	if !IsForbidden(forbidden) || !errors.Is(forbidden, ErrForbidden) || IsForbidden(notFound) {
		t.Error("IsForbidden misclassifies")
	}
	if !errors.Is(unauthorized, ErrUnauthorized) || errors.Is(forbidden, ErrUnauthorized) {
		t.Error("ErrUnauthorized misclassifies")
	}
	for _, e := range throttled {
		if !IsThrottled(e) || !errors.Is(e, ErrThrottled) {
			t.Errorf("%d %s must be throttled", e.StatusCode, e.Code)
		}
	}
	for _, e := range []*APIError{{StatusCode: 503}, {StatusCode: 200, Code: "Ecs.0000"}, notFound} {
		if IsThrottled(e) {
			t.Errorf("%d %q must not be throttled", e.StatusCode, e.Code)
		}
	}
}

// TestOnlyServerNotFoundCodesMeanGone covers the class "a 404 that is not
// about the server": only the family's own not-found codes may make a
// caller forget a server.
func TestOnlyServerNotFoundCodesMeanGone(t *testing.T) {
	tests := []struct {
		api  API
		code string
		gone bool
	}{
		{APIV1, "Ecs.0114", true},
		{APIV1, "Ecs.0614", true},
		{APIV21, "itemNotFound", true},
		{APIV21, "Ecs.0114", true},
		{APIV1, "itemNotFound", false}, // a Nova-style "route not found" in front of the v1 API
		{APIV1, "APIGW.0101", false},   // the gateway does not know the API
		{APIV21, "APIGW.0101", false},
		{APIV1, "Ecs.0000", false},
		{APIV1, "Common.0002", false},
		{APIV1, "", false},
		{"", "Ecs.0114", false}, // IAM
	}
	for _, tt := range tests {
		e := &APIError{StatusCode: 404, Code: tt.code, API: tt.api}
		if got := IsNotFound(e); got != tt.gone {
			t.Errorf("404 %q on %q: IsNotFound = %v, want %v", tt.code, tt.api, got, tt.gone)
		}
	}
	if IsNotFound(&APIError{StatusCode: 400, Code: "Ecs.0114", API: APIV1}) {
		t.Error("Ecs.0114 with a status other than 404 must not count as not-found")
	}
}

func TestScrubRemovesSecretsFromServerText(t *testing.T) {
	c := &Client{secrets: []string{"SuperSecretKey123"}}
	r := &apiResponse{
		method: "PUT", path: "/x", status: 400, header: http.Header{"Content-Type": {"application/json"}},
		body:    []byte(`{"error":{"code":"Ecs.0011","message":"password Pa\"ss<word1 rejected; key SuperSecretKey123"}}`),
		secrets: []string{`Pa"ss<word1`},
	}
	e := c.apiError(r)
	if strings.Contains(e.Error(), "SuperSecretKey123") || strings.Contains(e.Error(), "ss<word1") {
		t.Errorf("secret survived: %s", e.Error())
	}
	if !strings.Contains(e.Message, "(redacted)") {
		t.Errorf("expected a redaction marker: %s", e.Message)
	}
}

// FuzzDecodeErrorBody checks that no response body, however broken, makes
// error decoding panic or produce unprintable text.
func FuzzDecodeErrorBody(f *testing.F) {
	seeds := []string{
		`{"error":{"code":"Ecs.0114","message":"Instance[abc] could not be found."}}`,
		`{"itemNotFound":{"message":"Instance abc could not be found.","code":404}}`,
		`{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r"}`,
		`{"error":{"code":"Ecs.0611","message":"m"},"internalError":[{"id":"s","error_code":"c","error_message":"m"}]}`,
		`{"error":"plain string"}`,
		`{"internalError":[1,"x",null,{}]}`,
		`{"error":null}`,
		`[]`,
		`<html>bad gateway</html>`,
		"\xff\xfe\x00",
		`{"error":{"code":{"nested":true},"message":["x"]}}`,
		``,
	}
	for _, s := range seeds {
		f.Add("application/json", []byte(s), false)
	}
	f.Add("text/html; charset=\"", []byte("<p>"), true)
	f.Fuzz(func(t *testing.T, contentType string, body []byte, truncated bool) {
		doc := decodeErrorBody(contentType, body, truncated)
		for _, s := range []string{doc.code, doc.message, doc.requestID} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00") {
				t.Fatalf("unsafe text %q", s)
			}
		}
		e := (&Client{}).apiError(&apiResponse{method: "GET", path: "/p", status: 500, header: http.Header{"Content-Type": {contentType}}, body: body, truncated: truncated})
		_ = e.Error()
		if doc, ok := errorInBody(contentType, body, truncated); ok && doc.code == "" && doc.message == "" && len(doc.failures) == 0 {
			t.Fatalf("error document with nothing in it: %q", body)
		}
	})
}
