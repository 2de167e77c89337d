package provider

import (
	"reflect"
	"strings"
	"testing"
)

func TestCheckPasswordRules(t *testing.T) {
	t.Parallel()

	cases := []struct {
		name     string
		password string
		want     []int // broken rule numbers, in order
	}{
		{"valid, all four classes", "Qz9!Kp2@Lw", nil},
		{"valid, three classes without specials", "Qz9Kp2Lw7x", nil},
		{"valid, three classes without digits", "Qz!Kp@Lw-x", nil},
		{"valid, exactly 8", "Qz9!Kp2@", nil},
		{"valid, exactly 26", "Qz9!Kp2@Lw" + "Qz9!Kp2@Lw" + "Qz9!Kp", nil},
		{"valid, every allowed special", "Qz9" + passwordAllowedSpecials, nil},
		{"rule 1: 7 characters", "Qz9!Kp2", []int{1}},
		{"rule 1: 27 characters", "Qz9!Kp2@Lw" + "Qz9!Kp2@Lw" + "Qz9!Kp2", []int{1}},
		{"rule 1: empty", "", []int{1, 4}},
		{"rule 1: counts characters, not bytes", "Qz9!Kp2中", []int{3}},
		{"rule 2: tab", "Qz9!Kp2@\tLw", []int{2}},
		{"rule 2: newline", "Qz9!Kp2@Lw\n", []int{2}},
		{"rule 3: space", "Qz9!Kp2@ Lw", []int{3}},
		{"rule 3: hash", "Qz9#Kp2@Lw", []int{3}},
		{"rule 3: dollar", "Qz9$Kp2@Lw", []int{3}},
		{"rule 3: backslash", `Qz9\Kp2@Lw`, []int{3}},
		{"rule 3: backtick", "Qz9`Kp2@Lw", []int{3}},
		{"rule 3: full-width exclamation", "Qz9！Kp2@Lw", []int{3}},
		{"rule 3: Chinese", "Qz9密码Kp2@Lw", []int{3}},
		{"rule 4: lower only", "qzkpwlxvbn", []int{4}},
		{"rule 4: lower and digits", "qz9kp2lw7x", []int{4}},
		{"rule 4: upper and specials", "QZ!KP@LW-X", []int{4}},
		{"rule 5: root", "Qz9!root2@", []int{5}},
		{"rule 5: ROOT upper-case", "Qz9!ROOT2@", []int{5}},
		{"rule 5: toor", "Qz9!tOoR2@", []int{5}},
		{"rule 5 and 6: Administrator", "Administrator1!", []int{5, 6}},
		{"rule 5 and 6: backwards", "rotartsinimdA1!", []int{5, 6}},
		{"rule 6: adm", "Qz9!Adm2@L", []int{6}},
		{"rule 6: TOR upper-case", "Qz9!kTOR2@", []int{6}},
		{"rule 6: ist", "Qz9!ist2@L", []int{6}},
		{"rule 6: two characters are fine", "Qz9!Ad2@Lm", nil},
		{"several rules", "toor", []int{1, 4, 5}},
		{"all rules at once", "Administrator # root\t1", []int{2, 3, 5, 6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := checkPasswordRules(tc.password)
			var rules []int
			for _, v := range got {
				rules = append(rules, v.Rule)
				if tc.password != "" && strings.Contains(v.String(), tc.password) {
					t.Errorf("violation text %q contains the password", v.String())
				}
				if v.Name == "" || v.Detail == "" {
					t.Errorf("violation %d has no name or detail", v.Rule)
				}
			}
			if !reflect.DeepEqual(rules, tc.want) {
				t.Errorf("checkPasswordRules(%q) broke rules %v, want %v", tc.password, rules, tc.want)
			}
		})
	}
}

func TestPasswordCharacterSetsCoverPrintableASCII(t *testing.T) {
	t.Parallel()
	// Every printable ASCII character is a letter, a digit, an allowed special
	// or a forbidden character, and no character is both.
	for r := rune(0x20); r < 0x7f; r++ {
		alnum := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		allowed := strings.ContainsRune(passwordAllowedSpecials, r)
		forbidden := strings.ContainsRune(passwordForbiddenASCII, r)
		n := 0
		for _, b := range []bool{alnum, allowed, forbidden} {
			if b {
				n++
			}
		}
		if n != 1 {
			t.Errorf("character %q is in %d of the sets (alnum %v, allowed %v, forbidden %v)", r, n, alnum, allowed, forbidden)
		}
	}
}

func TestPasswordRulesMarkdown(t *testing.T) {
	t.Parallel()
	md := passwordRulesMarkdown()
	if got := strings.Count(md, "\n"); got != 6 {
		t.Errorf("rules list has %d lines, want 6:\n%s", got, md)
	}
	for _, want := range []string{"8 to 26", "`!`", "`?`", "`#`", "`` ` ``", "`Administrator`", "`root`"} {
		if !strings.Contains(md, want) {
			t.Errorf("rules list lacks %q:\n%s", want, md)
		}
	}
}
