package testfixture

import (
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/passwordpolicy"
)

// The rules themselves are tested in internal/passwordpolicy; these tests judge the generator
// by them.

func TestPasswordFollowsThePolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 300 {
		p := Password()
		if len(p) != PasswordLength {
			t.Fatalf("password length %d, want %d", len(p), PasswordLength)
		}
		if v := passwordpolicy.Check(p); len(v) != 0 {
			t.Fatalf("generated password breaks the policy: %v", v)
		}
		for _, class := range []string{upperChars, lowerChars, digitChars, specialChars} {
			if !strings.ContainsAny(p, class) {
				t.Fatalf("generated password lacks a character of %q", class)
			}
		}
		if strings.ContainsAny(p, lookAlikes) {
			t.Fatalf("generated password holds one of the look-alikes %q", lookAlikes)
		}
		seen[p] = true
	}
	if len(seen) < 300 {
		t.Errorf("300 passwords held only %d distinct values", len(seen))
	}
}

func TestPasswordAtThePolicyLimits(t *testing.T) {
	for _, n := range []int{passwordpolicy.MinLength, passwordpolicy.MaxLength} {
		for range 200 {
			p := password(n)
			if len(p) != n {
				t.Fatalf("password(%d) has length %d", n, len(p))
			}
			if v := passwordpolicy.Check(p); len(v) != 0 {
				t.Fatalf("password(%d) breaks the policy: %v", n, v)
			}
		}
	}
}

func TestPasswordOutsideThePolicyLimitsPanics(t *testing.T) {
	for _, n := range []int{passwordpolicy.MinLength - 1, passwordpolicy.MaxLength + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("password(%d) returned instead of panicking", n)
				}
			}()
			password(n)
		}()
	}
}

func TestCharacterClassesLeaveOutOnlyTheLookAlikes(t *testing.T) {
	for _, c := range []struct{ got, policy string }{
		{upperChars, passwordpolicy.Uppercase},
		{lowerChars, passwordpolicy.Lowercase},
		{digitChars, passwordpolicy.Digits},
		{specialChars, passwordpolicy.AllowedSpecials},
	} {
		for _, r := range c.policy {
			if want := !strings.ContainsRune(lookAlikes, r); strings.ContainsRune(c.got, r) != want {
				t.Errorf("class %q: has %q = %v, want %v", c.got, r, !want, want)
			}
		}
		for _, r := range c.got {
			if !strings.ContainsRune(c.policy, r) {
				t.Errorf("class %q holds %q, which is not in the policy's set %q", c.got, r, c.policy)
			}
		}
	}
}
