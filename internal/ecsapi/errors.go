package ecsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors that an *APIError matches with errors.Is, for callers that
// prefer errors.Is over the Is* helpers.
var (
	// ErrNotFound matches API errors for resources that do not exist (HTTP 404).
	ErrNotFound = errors.New("ecs api: not found")
	// ErrForbidden matches API errors for denied actions (HTTP 403).
	ErrForbidden = errors.New("ecs api: forbidden")
	// ErrUnauthorized matches API errors for rejected credentials (HTTP 401).
	ErrUnauthorized = errors.New("ecs api: unauthorized")
	// ErrThrottled matches API errors caused by flow control.
	ErrThrottled = errors.New("ecs api: throttled")
)

// Error codes that signal flow control or a busy service.
const (
	codeGatewayThrottled = "APIGW.0308"
	codeFlowControl      = "Common.1503"
	codeFlowOverLimit    = "Common.0024"
	codeServerBusy       = "Ecs.0603"
	codeOverLimit        = "overLimit"
)

// maxExcerpt bounds how much of an unparseable body is quoted in an error.
const maxExcerpt = 200

// APIError describes a failed ECS or IAM API call. It covers every error
// document the service family uses: the v1 {"error":{"code","message"}}
// envelope, the v2.1 API's OpenStack faults such as {"itemNotFound":{...}}, API
// gateway errors {"error_code","error_msg"} and the batch envelope with its
// internalError list. It is also used when a response cannot be understood
// at all, in which case Code is empty and Message explains what was wrong.
type APIError struct {
	// Method and Path identify the request; Path never includes the query.
	Method, Path string
	// StatusCode is the HTTP status of the final attempt.
	StatusCode int
	// Code is the service error code, e.g. "Ecs.0114" or "APIGW.0308"; for
	// the v2.1 API's OpenStack faults it is the fault name, e.g. "itemNotFound".
	Code string
	// Message is the service's explanation, with any client secret removed.
	Message string
	// RequestID is the X-Request-Id response header (or the gateway's
	// request_id field) to quote when contacting support.
	RequestID string
	// Failures lists per-server failures reported by a batch operation.
	Failures []BatchFailure
	// API is the API family of the request; "" for IAM calls. It decides
	// which error codes mean that a server does not exist.
	API API
}

// BatchFailure is one entry of a batch operation's internalError list.
type BatchFailure struct {
	ServerID, Code, Message string
}

// Error formats the failure as
// "METHOD /path: HTTP status code: message (request ID id)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Failures) > 0 {
		const shown = 5
		fmt.Fprintf(&b, "; %d server(s) failed:", len(e.Failures))
		for i, f := range e.Failures {
			if i == shown {
				fmt.Fprintf(&b, " and %d more", len(e.Failures)-shown)
				break
			}
			if i > 0 {
				b.WriteByte(';')
			}
			fmt.Fprintf(&b, " %s %s", f.ServerID, f.Code)
			if f.Message != "" {
				b.WriteString(" ")
				b.WriteString(f.Message)
			}
		}
	}
	if e.RequestID != "" {
		b.WriteString(" (request ID ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	return b.String()
}

// Is lets errors.Is match the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.notFound()
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrThrottled:
		return e.throttled()
	}
	return false
}

// serverNotFoundCodes are the only error codes that mean "this server does
// not exist", per API family. Every other 404 (a gateway's APIGW.0101 "API
// not found", a generic Ecs.0000, a page from a proxy, a route missing
// behind a wrong path prefix) says nothing about the server, and taking it
// for "gone" would make callers forget servers that still exist. The v2.1
// API's reset endpoint is a Huawei extension under the OpenStack path, so the
// v2.1 API also accepts the v1 codes.
var serverNotFoundCodes = map[API][]string{
	APIV1:  {"Ecs.0114", "Ecs.0614"},
	APIV21: {"itemNotFound", "Ecs.0114", "Ecs.0614"},
}

// notFound reports whether the error says the server does not exist: HTTP
// 404 with one of the family's not-found codes in a recognised error
// document.
func (e *APIError) notFound() bool {
	return e.StatusCode == http.StatusNotFound && e.FromService() && slices.Contains(serverNotFoundCodes[e.API], e.Code)
}

// FromService reports whether the error came from the ECS or IAM APIs (or
// the API gateway in front of them): only their error documents carry an
// error code, since the decoder takes a code from recognised envelopes
// alone. A proxy's page, an empty body or an unrecognised document has
// none.
func (e *APIError) FromService() bool {
	return e.Code != ""
}

// throttlingCodes are the codes that mean "slow down", whatever the status
// they come with (Common.0024 arrives with HTTP 202, overLimit is the
// v2.1 API's fault name).
var throttlingCodes = []string{codeGatewayThrottled, codeFlowControl, codeFlowOverLimit, codeOverLimit}

func (e *APIError) throttled() bool {
	return e.StatusCode == http.StatusTooManyRequests || (e.FromService() && slices.Contains(throttlingCodes, e.Code))
}

// IsNotFound reports whether err is an API error saying the server does not
// exist: HTTP 404 with one of the family's not-found codes (Ecs.0114 or
// Ecs.0614 on v1, itemNotFound on v2.1). Any other 404 is not a "not found".
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.notFound()
}

// IsForbidden reports whether err is an API error for a denied action (HTTP 403).
func IsForbidden(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusForbidden
}

// IsThrottled reports whether err is an API error caused by flow control:
// HTTP 429, or APIGW.0308, Common.1503, Common.0024 or overLimit with any
// status.
func IsThrottled(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.throttled()
}

// errorDocument is the result of decoding an error response body.
type errorDocument struct {
	code, message, requestID string
	failures                 []BatchFailure
	recognized               bool
}

// decodeErrorBody understands every error format of the API family. It never
// fails: a body it cannot read becomes a message with a sanitised excerpt.
func decodeErrorBody(contentType string, body []byte, truncated bool) errorDocument {
	if truncated {
		return errorDocument{message: fmt.Sprintf("response body larger than %d bytes; it starts with %s", maxResponseBody, excerpt(body))}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errorDocument{}
	}
	var top map[string]json.RawMessage
	if trimmed[0] != '{' || !json.Valid(trimmed) || json.Unmarshal(trimmed, &top) != nil {
		return errorDocument{message: notJSONMessage(contentType, body)}
	}

	doc := decodeEnvelope(top, body)
	doc.code = sanitizeText(doc.code, 64)
	doc.message = sanitizeText(doc.message, 1024)
	doc.requestID = sanitizeText(doc.requestID, 128)
	// An envelope that says nothing ({"error":null}, {"error_code":""})
	// is not an error document: it cannot explain a failure, and on a
	// success status it must not turn a result into an error.
	doc.recognized = (doc.recognized && (doc.code != "" || doc.message != "")) || len(doc.failures) > 0
	return doc
}

// decodeEnvelope reads the code and message of whichever envelope the
// top-level object top is, and the batch failures beside them. The texts are
// not sanitised yet.
func decodeEnvelope(top map[string]json.RawMessage, body []byte) errorDocument {
	doc := errorDocument{failures: decodeFailures(top["internalError"])}
	switch {
	case top["error_msg"] != nil || (top["error_code"] != nil && top["job_id"] == nil):
		// API gateway: {"error_code","error_msg","request_id"}. A job
		// document has a top-level error_code of its own (with job_id and
		// status beside it), which describes the job, not the call.
		doc.code = jsonScalar(top["error_code"])
		doc.message = jsonScalar(top["error_msg"])
		doc.requestID = jsonScalar(top["request_id"])
		doc.recognized = true
	case top["error"] != nil:
		doc.code, doc.message = decodeErrorMember(top["error"])
		doc.recognized = true
	case top["code"] != nil && top["message"] != nil:
		doc.code = jsonScalar(top["code"])
		doc.message = jsonScalar(top["message"])
		doc.recognized = true
	default:
		doc.code, doc.message, doc.recognized = decodeFault(top)
		if !doc.recognized && len(doc.failures) == 0 {
			doc.message = "unrecognised error document: " + excerpt(body)
		}
		if len(doc.failures) > 0 {
			doc.recognized = true
		}
	}
	return doc
}

// decodeErrorMember reads the "error" member of ECS v1 and batch error
// documents, {"error":{"code","message"}}; some services send a bare string
// instead of an object, or the gateway's field names inside it.
func decodeErrorMember(raw json.RawMessage) (code, message string) {
	var inner map[string]json.RawMessage
	if err := json.Unmarshal(raw, &inner); err != nil || inner == nil {
		return "", jsonScalar(raw)
	}
	code = jsonScalar(inner["code"])
	message = jsonScalar(inner["message"])
	if code == "" {
		code = jsonScalar(inner["error_code"])
	}
	if message == "" {
		message = jsonScalar(inner["error_msg"])
	}
	return code, message
}

// decodeFault reads an OpenStack fault, the error document of the v2.1 API:
// {"<faultName>":{"message","code":404}}. The fault name is taken as the
// code, since it is more telling than the numeric code, which only repeats
// the HTTP status. Members are tried in name order so that the result does
// not depend on map order.
func decodeFault(top map[string]json.RawMessage) (code, message string, ok bool) {
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(top[k], &inner); err != nil || inner == nil {
			continue
		}
		// Both keys are required: a success document such as
		// {"server":{...}} may have a "message" somewhere, but a
		// fault always carries the numeric code beside it.
		_, hasMessage := inner["message"]
		_, hasCode := inner["code"]
		if hasMessage && hasCode {
			return k, jsonScalar(inner["message"]), true
		}
	}
	return "", "", false
}

// errorInBody decodes a response body as an error document when it is one.
// It is the single rule, for every status and every operation, that decides
// whether a body reports an error: a success status carrying a recognised
// error envelope (HTTP 202 with {"error":...}, 200 with {"overLimit":...})
// is a failure, never a result.
func errorInBody(contentType string, body []byte, truncated bool) (errorDocument, bool) {
	trimmed := bytes.TrimSpace(body)
	if truncated || len(trimmed) == 0 || trimmed[0] != '{' {
		return errorDocument{}, false
	}
	doc := decodeErrorBody(contentType, body, false)
	return doc, doc.recognized
}

func decodeFailures(raw json.RawMessage) []BatchFailure {
	if raw == nil {
		return nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil
	}
	out := make([]BatchFailure, 0, len(items))
	for _, it := range items {
		f := BatchFailure{
			ServerID: jsonScalar(it["id"]),
			Code:     jsonScalar(it["error_code"]),
			Message:  jsonScalar(it["error_message"]),
		}
		if f.Code == "" {
			f.Code = jsonScalar(it["code"])
		}
		if f.Message == "" {
			f.Message = jsonScalar(it["message"])
		}
		f.ServerID = sanitizeText(f.ServerID, 128)
		f.Code = sanitizeText(f.Code, 64)
		f.Message = sanitizeText(f.Message, 512)
		out = append(out, f)
	}
	return out
}

// jsonScalar renders a JSON string, number or boolean as text; anything
// else (objects, arrays, null, absent) becomes "".
func jsonScalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s
		}
		return ""
	case '{', '[', 'n':
		return ""
	}
	return string(raw)
}

func notJSONMessage(contentType string, body []byte) string {
	ct := mediaType(contentType)
	if ct == "" {
		ct = "no content type"
	}
	return fmt.Sprintf("response is not a JSON document (%s): %s", sanitizeText(ct, 64), excerpt(body))
}

// mediaType returns the lower-case media type of a Content-Type header,
// tolerating malformed parameters.
func mediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// isJSONMediaType accepts application/json and structured "+json" types.
// An absent content type is tolerated because some gateways omit it.
func isJSONMediaType(contentType string) bool {
	mt := mediaType(contentType)
	return mt == "" || mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// excerpt quotes at most maxExcerpt bytes of body, flattened to one line of
// printable text so a proxy's HTML page cannot inject log lines.
func excerpt(body []byte) string {
	s := sanitizeText(string(body), maxExcerpt)
	if s == "" {
		return "(empty body)"
	}
	return strconv.Quote(s)
}

// sanitizeText makes untrusted text safe to show: invalid UTF-8 and control
// characters become spaces, runs of white space collapse, and the result is
// cut to at most limit bytes on a rune boundary (with "..." when cut).
func sanitizeText(s string, limit int) string {
	var b strings.Builder
	pendingSpace := false
	cut := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			pendingSpace = b.Len() > 0
			continue
		}
		need := utf8.RuneLen(r)
		if pendingSpace {
			need++
		}
		if b.Len()+need > limit {
			cut = true
			break
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	if cut {
		b.WriteString("...")
	}
	return b.String()
}

// apiError turns a failed response into an *APIError, scrubbing every
// known secret from the text the server sent.
func (c *Client) apiError(r *apiResponse) *APIError {
	body := c.scrubbedBody(r)
	doc := decodeErrorBody(r.header.Get("Content-Type"), body, r.truncated)
	e := &APIError{
		Method:     r.method,
		Path:       r.path,
		StatusCode: r.status,
		Code:       doc.code,
		Message:    c.scrub(doc.message, r.secrets),
		RequestID:  r.requestID,
		Failures:   doc.failures,
		API:        r.api,
	}
	if e.RequestID == "" {
		e.RequestID = doc.requestID
	}
	if e.Message == "" && e.Code == "" {
		e.Message = http.StatusText(r.status)
		if e.Message == "" {
			e.Message = "unexpected status"
		}
		if len(bytes.TrimSpace(body)) == 0 {
			e.Message += " (empty body)"
		}
	}
	for i := range e.Failures {
		e.Failures[i].Message = c.scrub(e.Failures[i].Message, r.secrets)
	}
	return e
}

// responseError reports a successful status whose body could not be used.
// It quotes no part of the body: a success body may carry an encrypted
// password.
func (c *Client) responseError(r *apiResponse, problem string) *APIError {
	return &APIError{
		Method:     r.method,
		Path:       r.path,
		StatusCode: r.status,
		Message:    problem,
		RequestID:  r.requestID,
		API:        r.api,
	}
}

// scrub removes the client's secrets and those of the call from server
// text.
func (c *Client) scrub(s string, extra []string) string {
	return Redact(Redact(s, c.secrets...), extra...)
}

// scrubbedBody is r's body without the client's secrets or those of the
// call.
func (c *Client) scrubbedBody(r *apiResponse) []byte {
	return redactBytes(redactBytes(r.body, c.secrets), r.secrets)
}
