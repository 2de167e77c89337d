// Package passwordpolicy is the ECS password policy as this project reads it: the rules the v1
// reset API enforces when asked to check a password (is_check_password). The provider checks
// passwords against it at plan time and renders it into its documentation; the test fixtures
// generate passwords that pass it. Keeping one copy means the docs, the plan-time check and the
// generated test passwords cannot drift apart.
//
// The simulator in internal/ecssim keeps a copy of its own on purpose: it is written from the
// API contract, so that it can catch a mistake made here.
package passwordpolicy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Length bounds, counted in characters, not bytes.
const (
	MinLength = 8
	MaxLength = 26
)

// The character sets of the policy. Every printable ASCII character (the space included) is in
// exactly one of Uppercase, Lowercase, Digits, AllowedSpecials and ForbiddenASCII; anything
// outside printable ASCII is either a control character or forbidden.
const (
	Uppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	Lowercase = "abcdefghijklmnopqrstuvwxyz"
	Digits    = "0123456789"

	// AllowedSpecials are the only non-alphanumeric characters the API accepts.
	AllowedSpecials = "!@%-_=+[]:./?"

	// ForbiddenASCII lists the printable ASCII characters the API rejects: the rest of the
	// ASCII punctuation, and the space.
	ForbiddenASCII = "~`#&^,{}*();\"'<>|\\$ "
)

// userName is the administrator account, three consecutive characters of which must not
// appear in a password.
const userName = "administrator"

// forbiddenNames are matched case-insensitively: the API documentation does not say whether
// the check is case-sensitive, so the stricter reading is used.
var forbiddenNames = []string{"administrator", "root", reverseASCII("administrator"), reverseASCII("root")}

// Violation is one broken rule. It describes the rule, never the password or the characters
// in it, so it is safe to show in diagnostics and logs.
type Violation struct {
	// Rule is the rule's number, 1 to 6, in the order of the API documentation and of
	// RulesMarkdown.
	Rule int
	// Name is a short name of the rule, such as "length".
	Name string
	// Detail explains the rule in a sentence.
	Detail string
}

// String renders the violation as "rule N (name): detail".
func (v Violation) String() string {
	return fmt.Sprintf("rule %d (%s): %s", v.Rule, v.Name, v.Detail)
}

// ruleSummaries describes every rule in the order of the API documentation; the provider's
// schema descriptions are generated from it.
var ruleSummaries = []string{
	fmt.Sprintf("%d to %d characters long", MinLength, MaxLength),
	"special characters limited to " + spacedChars(AllowedSpecials),
	"no spaces, no Chinese or full-width characters, and none of " + spacedChars(strings.TrimSpace(ForbiddenASCII)),
	"characters from at least three of: upper-case letters, lower-case letters, digits, special characters",
	"must not contain `Administrator` or `root`, forwards or backwards (case-insensitive)",
	"must not contain three consecutive characters of `Administrator` (case-insensitive)",
}

// RulesMarkdown renders the rules as a numbered Markdown list, one line per rule.
func RulesMarkdown() string {
	var b strings.Builder
	for i, s := range ruleSummaries {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s)
	}
	return b.String()
}

// Check returns every rule the password breaks, in rule order, or nil when it follows the
// policy.
func Check(password string) []Violation {
	var out []Violation
	if v, ok := checkLength(password); !ok {
		out = append(out, v)
	}
	out = append(out, checkCharacters(password)...)
	lower := strings.ToLower(password)
	if v, ok := checkNames(lower); !ok {
		out = append(out, v)
	}
	if v, ok := checkUserNameFragments(lower); !ok {
		out = append(out, v)
	}
	return out
}

// checkLength is rule 1.
func checkLength(password string) (Violation, bool) {
	if n := utf8.RuneCountInString(password); n >= MinLength && n <= MaxLength {
		return Violation{}, true
	}
	return Violation{
		Rule:   1,
		Name:   "length",
		Detail: fmt.Sprintf("the password must be %d to %d characters long", MinLength, MaxLength),
	}, false
}

// charClasses records which kinds of character a password holds.
type charClasses struct {
	upper, lower, digit, special, control, forbidden bool
}

// classify scans the password once for every kind of character.
func classify(password string) charClasses {
	var c charClasses
	for _, r := range password {
		switch {
		case strings.ContainsRune(Uppercase, r):
			c.upper = true
		case strings.ContainsRune(Lowercase, r):
			c.lower = true
		case strings.ContainsRune(Digits, r):
			c.digit = true
		case strings.ContainsRune(AllowedSpecials, r):
			c.special = true
		case r < 0x20 || r == 0x7f:
			c.control = true
		default:
			// The forbidden ASCII list, the space and every non-ASCII
			// character (Chinese, full-width punctuation, ...).
			c.forbidden = true
		}
	}
	return c
}

// checkCharacters covers rules 2 to 4, which all follow from the kinds of
// character the password holds.
func checkCharacters(password string) []Violation {
	c := classify(password)
	var out []Violation
	if c.control {
		out = append(out, Violation{
			Rule:   2,
			Name:   "allowed characters",
			Detail: "the password contains a control character (such as a tab or a line break); only letters, digits and " + spacedChars(AllowedSpecials) + " are allowed",
		})
	}
	if c.forbidden {
		out = append(out, Violation{
			Rule: 3,
			Name: "forbidden characters",
			Detail: "the password contains a forbidden character: a space, a Chinese or full-width character, or one of " +
				spacedChars(strings.TrimSpace(ForbiddenASCII)) + "; the allowed special characters are " + spacedChars(AllowedSpecials),
		})
	}
	classes := 0
	for _, has := range []bool{c.upper, c.lower, c.digit, c.special} {
		if has {
			classes++
		}
	}
	if classes < 3 {
		out = append(out, Violation{
			Rule:   4,
			Name:   "character classes",
			Detail: "the password must contain characters from at least three of the four classes: upper-case letters, lower-case letters, digits, and the special characters " + spacedChars(AllowedSpecials),
		})
	}
	return out
}

// checkNames is rule 5; lower is the password in lower case.
func checkNames(lower string) (Violation, bool) {
	for _, name := range forbiddenNames {
		if strings.Contains(lower, name) {
			return Violation{
				Rule:   5,
				Name:   "user names",
				Detail: "the password must not contain the user names `Administrator` or `root`, nor either of them spelled backwards (the check ignores case)",
			}, false
		}
	}
	return Violation{}, true
}

// checkUserNameFragments is rule 6; lower is the password in lower case.
func checkUserNameFragments(lower string) (Violation, bool) {
	for i := 0; i+3 <= len(userName); i++ {
		if strings.Contains(lower, userName[i:i+3]) {
			return Violation{
				Rule:   6,
				Name:   "consecutive characters of Administrator",
				Detail: "the password must not contain any three consecutive characters of `Administrator`, such as `adm` or `tor` (the check ignores case)",
			}, false
		}
	}
	return Violation{}, true
}

// spacedChars renders each character in backticks, separated by spaces, so a Markdown reader
// sees them literally.
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
