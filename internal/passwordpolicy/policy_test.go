package passwordpolicy

import (
	"reflect"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
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
		{"valid, every allowed special", "Qz9" + AllowedSpecials, nil},
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
		{"rule 6: str", "Zq9!xxStr7", []int{6}},
		{"rule 6: rat", "Zq9!xxRat7", []int{6}},
		{"rule 6: adm and min, but not the whole name", "Zq9!ADMINx", []int{6}},
		{"rule 5: root between letters", "xROOTx7!aB", []int{5}},
		{"rule 5 and 6: Administrator backwards in capitals", "Zq9!ROTARTSINIMDAx", []int{5, 6}},
		{"several rules", "toor", []int{1, 4, 5}},
		{"all rules at once", "Administrator # root\t1", []int{2, 3, 5, 6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Check(tc.password)
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
				t.Errorf("Check(%q) broke rules %v, want %v", tc.password, rules, tc.want)
			}
		})
	}
}

func TestCharacterSetsCoverPrintableASCII(t *testing.T) {
	t.Parallel()
	// Every printable ASCII character is in exactly one of the sets, and the letter and
	// digit sets hold exactly the ASCII letters and digits: Check classifies characters by
	// these sets, so a character missing from all of them would silently count as forbidden.
	sets := map[string]string{
		"Uppercase":       Uppercase,
		"Lowercase":       Lowercase,
		"Digits":          Digits,
		"AllowedSpecials": AllowedSpecials,
		"ForbiddenASCII":  ForbiddenASCII,
	}
	for r := rune(0x20); r < 0x7f; r++ {
		var in []string
		for name, set := range sets {
			if strings.ContainsRune(set, r) {
				in = append(in, name)
			}
		}
		if len(in) != 1 {
			t.Errorf("character %q is in %d of the sets %v, want exactly one", r, len(in), in)
		}
	}
	for name, bounds := range map[string][2]rune{"Uppercase": {'A', 'Z'}, "Lowercase": {'a', 'z'}, "Digits": {'0', '9'}} {
		var want strings.Builder
		for r := bounds[0]; r <= bounds[1]; r++ {
			want.WriteRune(r)
		}
		if got := sets[name]; got != want.String() {
			t.Errorf("%s is %q, want %q", name, got, want.String())
		}
	}
	for name, set := range sets {
		for _, r := range set {
			if r < 0x20 || r >= 0x7f {
				t.Errorf("%s holds %q, which is not printable ASCII", name, r)
			}
		}
	}
}

func TestRulesMarkdown(t *testing.T) {
	t.Parallel()
	md := RulesMarkdown()
	if got := strings.Count(md, "\n"); got != 6 {
		t.Errorf("rules list has %d lines, want 6:\n%s", got, md)
	}
	for _, want := range []string{"8 to 26", "`!`", "`?`", "`#`", "`` ` ``", "`Administrator`", "`root`"} {
		if !strings.Contains(md, want) {
			t.Errorf("rules list lacks %q:\n%s", want, md)
		}
	}
}
