package provider

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The password rules below are the ones the v1 reset API enforces when it is
// asked to check the password (is_check_password). Checking them at plan time
// lets a bad password fail before anything is sent, and also covers the v2.1
// API, which never checks.

const (
	passwordMinLength = 8
	passwordMaxLength = 26

	// passwordAllowedSpecials are the only non-alphanumeric characters the API
	// accepts.
	passwordAllowedSpecials = "!@%-_=+[]:./?"

	// passwordForbiddenASCII lists the printable ASCII characters the API
	// rejects; together with passwordAllowedSpecials it covers all printable
	// ASCII punctuation, plus the space.
	passwordForbiddenASCII = "~`#&^,{}*();\"'<>|\\$ "

	// passwordUserName is the administrator account whose name must not be
	// echoed in the password.
	passwordUserName = "administrator"
)

// passwordForbiddenNames are matched case-insensitively: the API documentation
// does not say whether the check is case-sensitive, so the stricter reading
// is used.
var passwordForbiddenNames = []string{"administrator", "root", reverseASCII("administrator"), reverseASCII("root")}

// passwordRuleViolation is one broken rule. It describes the rule, never the
// password or the characters in it.
type passwordRuleViolation struct {
	Rule   int
	Name   string
	Detail string
}

func (v passwordRuleViolation) String() string {
	return fmt.Sprintf("rule %d (%s): %s", v.Rule, v.Name, v.Detail)
}

// passwordRuleSummaries describes every rule in the order of the API
// documentation; the schema descriptions are generated from it so the docs
// and the check cannot drift apart.
var passwordRuleSummaries = []string{
	fmt.Sprintf("%d to %d characters long", passwordMinLength, passwordMaxLength),
	"special characters limited to " + spacedChars(passwordAllowedSpecials),
	"no spaces, no Chinese or full-width characters, and none of " + spacedChars(strings.TrimSpace(passwordForbiddenASCII)),
	"characters from at least three of: upper-case letters, lower-case letters, digits, special characters",
	"must not contain `Administrator` or `root`, forwards or backwards (case-insensitive)",
	"must not contain three consecutive characters of `Administrator` (case-insensitive)",
}

// checkPasswordRules returns every rule the password breaks, or nil.
func checkPasswordRules(password string) []passwordRuleViolation {
	var out []passwordRuleViolation

	if n := utf8.RuneCountInString(password); n < passwordMinLength || n > passwordMaxLength {
		out = append(out, passwordRuleViolation{
			Rule:   1,
			Name:   "length",
			Detail: fmt.Sprintf("the password must be %d to %d characters long", passwordMinLength, passwordMaxLength),
		})
	}

	var hasUpper, hasLower, hasDigit, hasSpecial, hasControl, hasForbidden bool
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			hasUpper = true
		case r >= 'a' && r <= 'z':
			hasLower = true
		case r >= '0' && r <= '9':
			hasDigit = true
		case strings.ContainsRune(passwordAllowedSpecials, r):
			hasSpecial = true
		case r < 0x20 || r == 0x7f:
			hasControl = true
		default:
			// The forbidden ASCII list, the space and every non-ASCII
			// character (Chinese, full-width punctuation, ...).
			hasForbidden = true
		}
	}
	if hasControl {
		out = append(out, passwordRuleViolation{
			Rule:   2,
			Name:   "allowed characters",
			Detail: "the password contains a control character (such as a tab or a line break); only letters, digits and " + spacedChars(passwordAllowedSpecials) + " are allowed",
		})
	}
	if hasForbidden {
		out = append(out, passwordRuleViolation{
			Rule: 3,
			Name: "forbidden characters",
			Detail: "the password contains a forbidden character: a space, a Chinese or full-width character, or one of " +
				spacedChars(strings.TrimSpace(passwordForbiddenASCII)) + "; the allowed special characters are " + spacedChars(passwordAllowedSpecials),
		})
	}

	classes := 0
	for _, has := range []bool{hasUpper, hasLower, hasDigit, hasSpecial} {
		if has {
			classes++
		}
	}
	if classes < 3 {
		out = append(out, passwordRuleViolation{
			Rule:   4,
			Name:   "character classes",
			Detail: "the password must contain characters from at least three of the four classes: upper-case letters, lower-case letters, digits, and the special characters " + spacedChars(passwordAllowedSpecials),
		})
	}

	lower := strings.ToLower(password)
	for _, name := range passwordForbiddenNames {
		if strings.Contains(lower, name) {
			out = append(out, passwordRuleViolation{
				Rule:   5,
				Name:   "user names",
				Detail: "the password must not contain the user names `Administrator` or `root`, nor either of them spelled backwards (the check ignores case)",
			})
			break
		}
	}

	for i := 0; i+3 <= len(passwordUserName); i++ {
		if strings.Contains(lower, passwordUserName[i:i+3]) {
			out = append(out, passwordRuleViolation{
				Rule:   6,
				Name:   "consecutive characters of Administrator",
				Detail: "the password must not contain any three consecutive characters of `Administrator`, such as `adm` or `tor` (the check ignores case)",
			})
			break
		}
	}

	return out
}

// passwordRulesMarkdown renders the rules as a Markdown list for schema
// descriptions.
func passwordRulesMarkdown() string {
	var b strings.Builder
	for i, s := range passwordRuleSummaries {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return b.String()
}

// spacedChars renders each character in backticks, separated by spaces, so a
// Markdown reader sees them literally.
func spacedChars(chars string) string {
	parts := make([]string, 0, len(chars))
	for _, r := range chars {
		if r == '`' {
			parts = append(parts, "`` ` ``")
			continue
		}
		parts = append(parts, "`"+string(r)+"`")
	}
	return strings.Join(parts, " ")
}

func reverseASCII(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
