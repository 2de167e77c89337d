package ecsapi

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"strings"
)

// VerifySignature checks the SDK-HMAC-SHA256 Authorization header of a
// request received by a test server, the way the gateway would: it trusts
// the SignedHeaders list it is given and recomputes the signature.
func VerifySignature(r *http.Request, body []byte, accessKey, secretKey string) error {
	auth := r.Header.Get(headerAuthorization)
	rest, ok := strings.CutPrefix(auth, signAlgorithm+" ")
	if !ok {
		return fmt.Errorf("authorization does not use %s", signAlgorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(part, "=")
		fields[k] = v
	}
	if fields["Access"] != accessKey {
		return fmt.Errorf("signed with access key %q", fields["Access"])
	}
	if !strings.Contains(";"+fields["SignedHeaders"]+";", ";x-sdk-date;") {
		return fmt.Errorf("x-sdk-date is not signed")
	}
	want, err := signAuthorization(accessKey, secretKey, &signingInput{
		method:        r.Method,
		host:          r.Host,
		path:          r.URL.Path,
		query:         r.URL.Query(),
		header:        r.Header,
		signedHeaders: strings.Split(fields["SignedHeaders"], ";"),
		body:          body,
	})
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(want), []byte(auth)) {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}
