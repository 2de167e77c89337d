package ecssim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// family selects the error body format: each API family answers in its own.
type family int

const (
	// familyGateway covers paths that reach no API: the gateway answers.
	familyGateway family = iota
	// familyV1 is the ECS self-developed API: {"error":{"code","message"}}.
	familyV1
	// familyNative is the OpenStack Nova-style API: {"<faultName>":{"code","message"}}.
	familyNative
	// familyIAM is the Keystone-style IAM API: {"error":{"code":<int>,"message","title"}}.
	familyIAM
)

// familyOf guesses the family of a path that may not match any route, so
// faults and 404s on unknown paths still look like the API they aimed at.
func familyOf(p string) family {
	switch {
	case strings.HasPrefix(p, "/v1/"):
		return familyV1
	case strings.HasPrefix(p, "/v2/"), strings.HasPrefix(p, "/v2.1/"):
		return familyNative
	case strings.HasPrefix(p, "/v3/"), strings.HasPrefix(p, "/v3.0/"):
		return familyIAM
	default:
		return familyGateway
	}
}

// apiError is an error response before it is rendered in a family format.
// For the native family code is the Nova fault name (itemNotFound, ...);
// for the others it is the error code string (Ecs.0114, APIGW.0301, ...).
type apiError struct {
	status int
	code   string
	msg    string
}

const contentTypeJSON = "application/json;charset=UTF-8"

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only simulator-built values reach here; they always marshal.
		body = []byte(`{}`)
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeNoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}

// gatewayBody is the API gateway's error format.
type gatewayBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func writeGatewayError(w http.ResponseWriter, status int, code, msg, reqID string) {
	writeJSON(w, status, gatewayBody{ErrorCode: code, ErrorMsg: msg, RequestID: reqID})
}

type v1ErrorBody struct {
	Error v1Error `json:"error"`
}

type v1Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type nativeFault struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
}

type iamErrorBody struct {
	Error iamError `json:"error"`
}

type iamError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Title   string `json:"title"`
}

// writeError renders e in the format of family fam.
func writeError(w http.ResponseWriter, fam family, e apiError, reqID string) {
	switch fam {
	case familyV1:
		writeJSON(w, e.status, v1ErrorBody{Error: v1Error{Code: e.code, Message: e.msg}})
	case familyNative:
		name := e.code
		if name == "" {
			name = novaFaultName(e.status)
		}
		writeJSON(w, e.status, map[string]nativeFault{name: {Message: e.msg, Code: e.status}})
	case familyIAM:
		writeJSON(w, e.status, iamErrorBody{Error: iamError{Code: e.status, Message: e.msg, Title: http.StatusText(e.status)}})
	default:
		writeGatewayError(w, e.status, e.code, e.msg, reqID)
	}
}

// novaFaultName is the key Nova wraps a fault of the given status in.
func novaFaultName(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "badRequest"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "itemNotFound"
	case http.StatusMethodNotAllowed:
		return "badMethod"
	case http.StatusConflict:
		return "conflictingRequest"
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
		return "overLimit"
	case http.StatusUnsupportedMediaType:
		return "badMediaType"
	case http.StatusNotImplemented:
		return "notImplemented"
	case http.StatusServiceUnavailable:
		return "serviceUnavailable"
	default:
		return "computeFault"
	}
}

// newRequestID returns 32 random hex digits, the shape of ECS request IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	return hex.EncodeToString(b[:])
}

// Gateway error codes.
const (
	codeAuthFailed    = "APIGW.0301"
	codeThrottled     = "APIGW.0308"
	codeNoSuchAPI     = "APIGW.0101"
	codeBodyTooLarge  = "APIGW.0201"
	authMessagePrefix = "Incorrect IAM authentication information: "
)

// requestBase is the base URL a client used to reach the simulator, for the
// links and catalog entries that point back at it.
func requestBase(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
