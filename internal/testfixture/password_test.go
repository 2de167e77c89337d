package testfixture

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// policyViolation checks a password against the ECS password policy (contract §9) on its own,
// without reusing anything from the generator, and names the first rule it breaks, or "".
func policyViolation(p string) string {
	if n := utf8.RuneCountInString(p); n < 8 || n > 26 {
		return "length outside 8..26"
	}
	const specials = "!@%-_=+[]:./?"
	var upper, lower, digit, special bool
	for _, r := range p {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(specials, r):
			special = true
		default:
			return "character outside the allowed set"
		}
	}
	classes := 0
	for _, has := range []bool{upper, lower, digit, special} {
		if has {
			classes++
		}
	}
	if classes < 3 {
		return "fewer than three character classes"
	}
	l := strings.ToLower(p)
	for _, name := range []string{"administrator", "root"} {
		rev := []byte(name)
		for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
			rev[i], rev[j] = rev[j], rev[i]
		}
		if strings.Contains(l, name) || strings.Contains(l, string(rev)) {
			return "contains a user name forwards or backwards"
		}
	}
	for i := 0; i+3 <= len("administrator"); i++ {
		if strings.Contains(l, "administrator"[i:i+3]) {
			return "contains three consecutive characters of Administrator"
		}
	}
	return ""
}

func TestPolicyViolationCatchesEveryRule(t *testing.T) {
	// The checker below is what the generator is judged by, so it must itself reject each
	// kind of bad password and accept a good one.
	for p, bad := range map[string]bool{
		"Kx7!mQ2@vW9-zP4_":            false,
		"Kx7!mQ2":                     true, // 7 characters
		"Kx7!mQ2@vW9-zP4_Kx7!mQ2@vW9": true, // 27 characters
		"Kx7!mQ2 vW9":                 true, // space
		"Kx7#mQ2vW9":                  true, // '#' is not allowed
		"kx7mq2vw9z":                  true, // two classes
		"xROOTx7!aB":                  true,
		"ab-tOoR-7!":                  true,
		"Zq9!xxStr7":                  true, // "str"
		"Zq9!ROTARTSINIMDAx":          true,
		"Zq9!xxRat7":                  true, // "rat"
	} {
		if got := policyViolation(p) != ""; got != bad {
			t.Errorf("policyViolation(%q) = %q, want a violation: %v", p, policyViolation(p), bad)
		}
	}
}

func TestPasswordFollowsThePolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 300 {
		p := Password()
		if len(p) != PasswordLength {
			t.Fatalf("password length %d, want %d", len(p), PasswordLength)
		}
		if v := policyViolation(p); v != "" {
			t.Fatalf("generated password breaks the policy: %s", v)
		}
		for _, class := range []string{upperChars, lowerChars, digitChars, specialChars} {
			if !strings.ContainsAny(p, class) {
				t.Fatalf("generated password lacks a character of %q", class)
			}
		}
		seen[p] = true
	}
	if len(seen) < 300 {
		t.Errorf("300 passwords held only %d distinct values", len(seen))
	}
}

func TestPasswordAtThePolicyLimits(t *testing.T) {
	for _, n := range []int{8, 26} {
		for range 200 {
			p := password(n)
			if len(p) != n {
				t.Fatalf("password(%d) has length %d", n, len(p))
			}
			if v := policyViolation(p); v != "" {
				t.Fatalf("password(%d) breaks the policy: %s", n, v)
			}
		}
	}
}

func TestNamesOK(t *testing.T) {
	for p, want := range map[string]bool{
		"Kx7!mQ2@vW9-zP4_": true,
		"xROOTx7!aB":       false,
		"ab-tOoR-7!":       false,
		"Zq9!ADMINx":       false, // "adm" and "min"
		"Zq9!xxStr7":       false, // "str"
		"Zq9!xxtoR7":       false, // "tor"
		"Zq9!xxRat7":       false, // "rat"
	} {
		if got := namesOK(p); got != want {
			t.Errorf("namesOK(%q) = %v, want %v", p, got, want)
		}
	}
}
