package ecssim

import (
	"strings"
	"unicode/utf8"
)

// Password complexity rules enforced by the v1 reset API when the caller sets
// is_check_password (contract §9). Each check returns a description of the
// broken rule that never includes the password or any character from it.

const (
	minPasswordLen = 8
	maxPasswordLen = 26
	// passwordSpecials are the only non-alphanumeric characters allowed.
	passwordSpecials = "!@%-_=+[]:./?"
)

// forbiddenNames may not appear in a password, forwards or backwards, in any
// letter case.
var forbiddenNames = []string{"administrator", "root"}

// checkPasswordRules returns "" when password satisfies every rule, otherwise
// the first rule it breaks.
func checkPasswordRules(password string) string {
	if n := utf8.RuneCountInString(password); n < minPasswordLen || n > maxPasswordLen {
		return "the password must be 8 to 26 characters long"
	}
	var upper, lower, digit, special bool
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r < utf8.RuneSelf && strings.ContainsRune(passwordSpecials, r):
			special = true
		default:
			return "the password may contain only letters, digits and the special characters " + passwordSpecials
		}
	}
	classes := 0
	for _, present := range []bool{upper, lower, digit, special} {
		if present {
			classes++
		}
	}
	if classes < 3 {
		return "the password must contain at least three of: upper-case letters, lower-case letters, digits, special characters"
	}
	folded := strings.ToLower(password)
	for _, name := range forbiddenNames {
		if strings.Contains(folded, name) || strings.Contains(folded, reverse(name)) {
			return "the password must not contain the user names Administrator or root, forwards or backwards"
		}
	}
	const admin = "administrator"
	for i := 0; i+3 <= len(admin); i++ {
		if strings.Contains(folded, admin[i:i+3]) {
			return "the password must not contain three consecutive characters of Administrator"
		}
	}
	return ""
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
