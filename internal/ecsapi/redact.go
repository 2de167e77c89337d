package ecsapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"strings"
)

// RedactionMarker replaces a secret wherever the package, or a caller
// through Redact, removes one from text.
const RedactionMarker = "(redacted)"

// minScrubLength separates secrets that are replaced where they occur from
// those too short for that: replacing every "ab" in a message would garble
// it, so text that contains a short secret is withheld as a whole instead.
const minScrubLength = 4

// withheldText replaces server text that contains a secret too short to cut
// out of it.
const withheldText = "(server text withheld: it contains a value the provider sent as a secret)"

// secretForms lists the encodings in which a service, a gateway or a proxy
// page could plausibly echo a secret back: as sent, JSON-escaped (with and
// without HTML-safe escapes), URL-encoded for a query or a path,
// HTML-escaped, and base64 in both alphabets.
func secretForms(secret string) []string {
	forms := []string{secret}
	add := func(f string) {
		if f == "" {
			return
		}
		for _, have := range forms {
			if have == f {
				return
			}
		}
		forms = append(forms, f)
	}
	if quoted, err := json.Marshal(secret); err == nil && len(quoted) >= 2 {
		add(string(quoted[1 : len(quoted)-1]))
	}
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	if enc.Encode(secret) == nil {
		if s := strings.TrimSpace(plain.String()); len(s) >= 2 {
			add(s[1 : len(s)-1])
		}
	}
	add(url.QueryEscape(secret))
	add(url.PathEscape(secret))
	add(html.EscapeString(secret))
	add(base64.StdEncoding.EncodeToString([]byte(secret)))
	add(base64.RawStdEncoding.EncodeToString([]byte(secret)))
	add(base64.URLEncoding.EncodeToString([]byte(secret)))
	add(base64.RawURLEncoding.EncodeToString([]byte(secret)))
	return forms
}

// Redact removes every secret from text, in every encoding secretForms
// knows, and replaces each occurrence with RedactionMarker. When a secret
// is too short to cut out without garbling the text, and the text contains
// it, the whole text is withheld: whatever the length of a password, no
// part of server text that may echo it is shown.
func Redact(text string, secrets ...string) string {
	if text == "" {
		return text
	}
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range secretForms(secret) {
			if !strings.Contains(text, form) {
				continue
			}
			if len(secret) < minScrubLength {
				return withheldText
			}
			text = strings.ReplaceAll(text, form, RedactionMarker)
		}
	}
	return text
}

// redactBytes is Redact for a raw body, applied before the body is decoded
// or quoted so that cutting an excerpt short cannot leave half of a secret
// behind.
func redactBytes(body []byte, secrets []string) []byte {
	if len(body) == 0 {
		return body
	}
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range secretForms(secret) {
			f := []byte(form)
			if !bytes.Contains(body, f) {
				continue
			}
			if len(secret) < minScrubLength {
				return []byte(withheldText)
			}
			body = bytes.ReplaceAll(body, f, []byte(RedactionMarker))
		}
	}
	return body
}

// RedactURL renders an endpoint for a message without anything that may
// carry a credential: user information in any spelling ("https://TOKEN@host",
// "user:pass@host", "https:/user:pass@host") and the query and fragment are
// dropped. Text that is not a URL at all is shortened and sanitised the same
// way. The result is safe for logs and diagnostics.
func RedactURL(raw string) string {
	s := strings.TrimSpace(raw)
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] + "?" + RedactionMarker
	}
	// Everything up to the last "@" may be user information, whatever the
	// number of slashes after the scheme; a legitimate endpoint has no "@".
	if at := strings.LastIndex(s, "@"); at >= 0 {
		prefix := ""
		if scheme, rest, ok := strings.Cut(s, ":"); ok && isSchemeName(scheme) && strings.HasPrefix(rest, "/") {
			prefix = scheme + "://"
		}
		s = prefix + RedactionMarker + "@" + s[at+1:]
	}
	return sanitizeText(s, 200)
}

// isSchemeName reports whether s has the shape of a URL scheme.
func isSchemeName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return true
}
