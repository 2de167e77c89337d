package ecsapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// TransportError is a call that ended without a usable HTTP answer: the
// endpoint could not be reached, the connection broke, or the body of an
// answer could not be read (then StatusCode and RequestID say what arrived).
type TransportError struct {
	Method, Path string
	// Attempts is how many attempts were made.
	Attempts int
	// StatusCode is the status of an answer whose body could not be read;
	// 0 when no answer arrived.
	StatusCode int
	// RequestID is the request ID of that answer, if it had one.
	RequestID string
	Err       error
}

func (e *TransportError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s %s: reading the response body (HTTP %d%s) after %d attempt(s): %v",
			e.Method, e.Path, e.StatusCode, requestIDSuffix(e.RequestID), e.Attempts, e.Err)
	}
	return fmt.Sprintf("%s %s: request failed after %d attempt(s): %v", e.Method, e.Path, e.Attempts, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsCertificateError reports whether err is a failure to verify the
// endpoint's TLS certificate. Retrying cannot fix it.
func IsCertificateError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		invalid          x509.CertificateInvalidError
		hostname         x509.HostnameError
		verification     *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &invalid) || errors.As(err, &hostname) ||
		errors.As(err, &verification)
}

// IsHostNotFound reports whether the endpoint's host name does not exist
// (DNS answered "no such host"). Retrying cannot fix it.
func IsHostNotFound(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

// IsSchemeMismatch reports whether an https:// endpoint answered in plain
// HTTP, or spoke something that is not TLS at all. Retrying cannot fix it.
func IsSchemeMismatch(err error) bool {
	var record tls.RecordHeaderError
	return errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &record)
}

// IsHandshakeRefused reports whether the endpoint refused the TLS handshake
// with an alert, for example because it demands a client certificate that
// was not sent or not trusted. Retrying cannot fix it. (Over TCP, crypto/tls
// reports the peer's alerts as a *net.OpError whose Op is "remote error".)
func IsHandshakeRefused(err error) bool {
	var alert tls.AlertError
	var opErr *net.OpError
	return errors.As(err, &alert) || (errors.As(err, &opErr) && opErr.Op == "remote error")
}

// IsNetworkError reports whether err is a failure to reach the endpoint or
// to keep talking to it (any transport failure, permanent or not).
func IsNetworkError(err error) bool {
	var transport *TransportError
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &transport) || errors.As(err, &urlErr) || errors.As(err, &netErr)
}

// permanentTransportError reports why a transport failure cannot go away
// by itself, or "" when a retry may help (connection refused or reset,
// timeouts, including the attempt timeout, a broken body). The caller's own
// cancellation is handled before this is asked.
func permanentTransportError(err error) string {
	switch {
	case IsCertificateError(err):
		return "the TLS certificate could not be verified"
	case IsSchemeMismatch(err):
		return "the endpoint does not speak TLS"
	case IsHostNotFound(err):
		return "the host name does not exist"
	case IsHandshakeRefused(err):
		return "the endpoint refused the TLS handshake"
	}
	msg := err.Error()
	for _, permanent := range []string{"unsupported protocol scheme", "invalid header field", "no Host in request URL"} {
		if strings.Contains(msg, permanent) {
			return permanent
		}
	}
	return ""
}
