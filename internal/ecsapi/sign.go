package ecsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

const (
	signAlgorithm = "SDK-HMAC-SHA256"
	// sdkDateLayout is the X-Sdk-Date format: UTC, basic ISO 8601.
	sdkDateLayout = "20060102T150405Z"

	headerSdkDate       = "X-Sdk-Date"
	headerAuthorization = "Authorization"
	headerProjectID     = "X-Project-Id"
	headerSecurityToken = "X-Security-Token"
	headerAuthToken     = "X-Auth-Token"
	headerContentSHA256 = "X-Sdk-Content-Sha256"
	headerRequestID     = "X-Request-Id"
)

// signingInput is everything the SDK-HMAC-SHA256 signature depends on. It is
// deliberately independent of *http.Request so the algorithm can be tested
// against fixed vectors and fuzzed without any network types.
type signingInput struct {
	method string
	// host is the value signed for the "host" header: hostname[:port] exactly
	// as it is sent on the wire.
	host string
	// path is the decoded URL path; it is re-escaped segment by segment.
	path          string
	query         url.Values
	header        http.Header
	signedHeaders []string
	body          []byte
}

var errNoSdkDate = errors.New("request has no X-Sdk-Date header to sign")

// signAuthorization returns the Authorization header value for in, signed
// with the given key pair. The X-Sdk-Date header must already be set.
func signAuthorization(accessKey, secretKey string, in *signingInput) (string, error) {
	date := strings.TrimSpace(in.header.Get(headerSdkDate))
	if date == "" {
		return "", errNoSdkDate
	}
	canonical, signed := canonicalRequest(in)
	digest := sha256.Sum256([]byte(canonical))

	var sts strings.Builder
	sts.Grow(len(signAlgorithm) + len(date) + 2 + hex.EncodedLen(len(digest)))
	sts.WriteString(signAlgorithm)
	sts.WriteByte('\n')
	sts.WriteString(date)
	sts.WriteByte('\n')
	sts.WriteString(hex.EncodeToString(digest[:]))

	// The raw secret key is the HMAC key: unlike SigV4 there is no
	// per-date or per-region key derivation.
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(sts.String()))
	signature := hex.EncodeToString(mac.Sum(nil))

	return signAlgorithm + " Access=" + accessKey + ", SignedHeaders=" + signed + ", Signature=" + signature, nil
}

// canonicalRequest builds the canonical request string and the
// SignedHeaders value (lower-case, sorted, ';'-joined) for in.
func canonicalRequest(in *signingInput) (canonical, signedHeaders string) {
	names := normalizeHeaderNames(in.signedHeaders)
	signedHeaders = strings.Join(names, ";")

	var b strings.Builder
	b.WriteString(strings.ToUpper(in.method))
	b.WriteByte('\n')
	b.WriteString(canonicalURI(in.path))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(in.query))
	b.WriteByte('\n')
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(in, name))
		b.WriteByte('\n')
	}
	// The header block ends with its own newline, so an empty line
	// separates it from the SignedHeaders line.
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payloadHash(in))
	return b.String(), signedHeaders
}

func normalizeHeaderNames(in []string) []string {
	names := make([]string, 0, len(in))
	for _, n := range in {
		n = strings.ToLower(strings.TrimSpace(n))
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	// Drop duplicates so a header named twice is signed once, as a verifier
	// reading the SignedHeaders list would do.
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}

func canonicalHeaderValue(in *signingInput, name string) string {
	if name == "host" {
		// Go keeps the Host header out of http.Header, so it is passed
		// on its own.
		return strings.TrimSpace(in.host)
	}
	values := in.header.Values(name)
	switch len(values) {
	case 0:
		return ""
	case 1:
		return strings.TrimSpace(values[0])
	}
	trimmed := make([]string, len(values))
	for i, v := range values {
		trimmed[i] = strings.TrimSpace(v)
	}
	return strings.Join(trimmed, ",")
}

func payloadHash(in *signingInput) string {
	if v := in.header.Get(headerContentSHA256); v != "" {
		return v
	}
	sum := sha256.Sum256(in.body)
	return hex.EncodeToString(sum[:])
}

// canonicalURI escapes every path segment and guarantees a trailing slash:
// the gateway signs "/a/b/" even when "/a/b" is sent.
func canonicalURI(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = signEscape(s)
	}
	uri := strings.Join(segments, "/")
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return uri
}

func canonicalQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		values := append([]string(nil), q[k]...)
		sort.Strings(values)
		ek := signEscape(k)
		for _, v := range values {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(signEscape(v))
		}
	}
	return b.String()
}

// signEscape percent-encodes every byte outside the RFC 3986 unreserved set
// with upper-case hex. url.PathEscape and url.QueryEscape both leave some
// reserved characters (or turn spaces into '+'), which would not match the
// gateway's canonical form.
func signEscape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	buf := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			buf = append(buf, c)
			continue
		}
		buf = append(buf, '%', hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return string(buf)
}

func isUnreserved(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == '~':
		return true
	}
	return false
}
