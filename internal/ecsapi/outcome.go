package ecsapi

import (
	"errors"
	"net/http"
	"slices"
)

// OutcomeUnknownError wraps the failure of a call that changes something
// (a reset, a delete) when the request may have reached the service and
// been carried out although no answer said so: the connection broke after
// the request was sent, the caller gave up while it was in flight, a
// gateway answered 502 or 504, or something that is not the ECS API
// answered. The service does not undo such a request, so callers must not
// report it as "not done".
type OutcomeUnknownError struct {
	// Err is the failure as it would be reported without this wrapper.
	Err error
	// Why says in a few words why the outcome is unknown.
	Why string
}

func (e *OutcomeUnknownError) Error() string { return e.Err.Error() }

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// IsOutcomeUnknown reports whether err is a failure after which the
// request may nevertheless have taken effect.
func IsOutcomeUnknown(err error) bool {
	var e *OutcomeUnknownError
	return errors.As(err, &e)
}

// OutcomeUnknownReason returns why the outcome of err is unknown, or "".
func OutcomeUnknownReason(err error) string {
	var e *OutcomeUnknownError
	if errors.As(err, &e) {
		return e.Why
	}
	return ""
}

// ambiguousStatus reports why a status leaves the outcome of a delivered
// request open, or "": a 500 may come after part of the work was done, and
// 502, 504 and a 503 that is not flow control come from a gateway that may
// have passed the request on before it gave up waiting.
func ambiguousStatus(status int, code string) string {
	switch status {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return "the service answered HTTP " + http.StatusText(status)
	case http.StatusServiceUnavailable:
		if !slices.Contains(throttlingCodes, code) {
			return "the service answered HTTP " + http.StatusText(status)
		}
	}
	return ""
}

// maybeUnknown wraps err when the call changed something and its outcome is
// open; reads are returned unchanged, since repeating them is harmless.
func (r *apiResponse) maybeUnknown(err error) error {
	if err == nil || r.method == http.MethodGet {
		return err
	}
	why := r.uncertainWhy
	if why == "" {
		why = ambiguousStatus(r.status, r.code)
	}
	if why == "" && r.uncertain {
		why = "the answer did not come from the ECS API"
	}
	if why == "" {
		return err
	}
	return &OutcomeUnknownError{Err: err, Why: why}
}
