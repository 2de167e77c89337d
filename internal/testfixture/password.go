package testfixture

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// PasswordLength is the length of the passwords Password returns; it lies well inside the
// policy's 8 to 26 characters.
const PasswordLength = 16

// The four character classes of the password policy. Letters and digits that look alike
// (I, O, l, 0, 1) are left out so a password someone reads back is unambiguous; every allowed
// special character is kept, so the less common ones ("[", "]", "?") get exercised too.
const (
	upperChars   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	lowerChars   = "abcdefghijkmnpqrstuvwxyz"
	digitChars   = "23456789"
	specialChars = "!@%-_=+[]:./?"
)

// Password returns a random password of PasswordLength characters that the ECS password
// policy accepts: characters of all four classes and nothing else, no user name forwards or
// backwards, and no three consecutive characters of "Administrator", in any letter case.
func Password() string {
	return password(PasswordLength)
}

// password returns a policy-valid password of n characters; n must be at least 4, one
// character for each class. Candidates that break a name rule are drawn again, which is rare.
func password(n int) string {
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
		if p := string(b); namesOK(p) {
			return p
		}
	}
}

// namesOK checks the name rules of the policy; the character rules hold by construction.
func namesOK(p string) bool {
	l := strings.ToLower(p)
	for _, name := range []string{"administrator", "rotartsinimda", "root", "toor"} {
		if strings.Contains(l, name) {
			return false
		}
	}
	const admin = "administrator"
	for i := 0; i+3 <= len(admin); i++ {
		if strings.Contains(l, admin[i:i+3]) {
			return false
		}
	}
	return true
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
