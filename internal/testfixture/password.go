package testfixture

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/passwordpolicy"
)

// PasswordLength is the length of the passwords Password returns; it lies well inside the
// policy's 8 to 26 characters.
const PasswordLength = 16

// lookAlikes are the letters and digits that are easily mistaken for one another (I, l and
// 1; O, o and 0). They are left out of generated passwords so that one someone reads back is
// unambiguous.
const lookAlikes = "IlOo01"

// The four character classes of the password policy, less the look-alikes. Every allowed
// special character is kept, so the less common ones ("[", "]", "?") get exercised too.
var (
	upperChars   = without(passwordpolicy.Uppercase, lookAlikes)
	lowerChars   = without(passwordpolicy.Lowercase, lookAlikes)
	digitChars   = without(passwordpolicy.Digits, lookAlikes)
	specialChars = passwordpolicy.AllowedSpecials
)

// Password returns a random password of PasswordLength characters that the ECS password
// policy accepts: characters of all four classes and nothing else, no user name forwards or
// backwards, and no three consecutive characters of "Administrator", in any letter case.
func Password() string {
	return password(PasswordLength)
}

// password returns a policy-valid password of n characters. One character of each class is
// placed first, so the class rule holds by construction; candidates that break a name rule
// are drawn again, which is rare. n outside the policy's length bounds would never pass the
// check, so it panics instead of looping forever.
func password(n int) string {
	if n < passwordpolicy.MinLength || n > passwordpolicy.MaxLength {
		panic(fmt.Sprintf("testfixture: password length %d is outside the policy's %d to %d", n, passwordpolicy.MinLength, passwordpolicy.MaxLength))
	}
	all := upperChars + lowerChars + digitChars + specialChars
	for {
		b := make([]byte, n)
		for i, class := range []string{upperChars, lowerChars, digitChars, specialChars} {
			b[i] = pick(class)
		}
		for i := 4; i < n; i++ {
			b[i] = pick(all)
		}
		shuffle(b)
		if p := string(b); len(passwordpolicy.Check(p)) == 0 {
			return p
		}
	}
}

// without returns set less every character of drop.
func without(set, drop string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(drop, r) {
			return -1
		}
		return r
	}, set)
}

// pick returns a random character of set.
func pick(set string) byte {
	return set[randIntN(len(set))]
}

// shuffle puts b in a random order (Fisher-Yates), so the class of a position says nothing.
func shuffle(b []byte) {
	for i := len(b) - 1; i > 0; i-- {
		j := randIntN(i + 1)
		b[i], b[j] = b[j], b[i]
	}
}

// randIntN returns a uniform random number in [0, n) from crypto/rand, whose reader never
// fails (the runtime aborts on an unusable source), so the error cannot occur.
func randIntN(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return int(v.Int64())
}
