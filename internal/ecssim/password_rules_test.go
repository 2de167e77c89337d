package ecssim

import (
	"net/http"
	"strings"
	"testing"
)

func TestPasswordRules(t *testing.T) {
	tests := []struct {
		password string
		// rule is a fragment of the expected message; "" means valid.
		rule string
	}{
		{"Nw0Pass!word", ""},
		{"Abcdefg1", ""},                      // 8 characters, three classes
		{"Aa1" + strings.Repeat("b", 23), ""}, // 26 characters
		{"aa1!aa1!", ""},                      // lower, digit, special
		{"AB1@CD2%", ""},                      // upper, digit, special
		{"Ab!-_=+[]:./?", ""},                 // every allowed special
		{"Ab1!567", "8 to 26"},
		{"Aa1" + strings.Repeat("b", 24), "8 to 26"},
		{"", "8 to 26"},
		{"Pass word1", "special characters"}, // space
		{"Pass#word1", "special characters"},
		{"Pass$word1", "special characters"},
		{"Pass,word1", "special characters"},
		{"Pass\\word1", "special characters"},
		{"Pass~word1", "special characters"},
		{"Pass*word1", "special characters"},
		{"Pass'word1", "special characters"},
		{"Pässword1!", "special characters"},
		{"Pass密码word1", "special characters"},
		{"Pass！word1", "special characters"}, // full-width
		{"abcdefgh", "three of"},
		{"abcdefg1", "three of"},
		{"ABCDEFG!", "three of"},
		{"12345678!", "three of"},
		{"Myroot!Pw1", "user names"},
		{"MyRoOt!Pw1", "user names"},
		{"Mytoor!Pw1", "user names"},
		{"xAdministrator1!", "user names"},
		{"rotartsinimdA1!", "user names"},
		{"Madm!Pass1", "three consecutive"},
		{"Pass!TOR99", "three consecutive"},
		{"Xy!Mini1pw", "three consecutive"},
		{"Ad!mi1Ni5t", ""}, // pairs of Administrator but no three in a row
	}
	for _, tc := range tests {
		t.Run(tc.password, func(t *testing.T) {
			got := checkPasswordRules(tc.password)
			if tc.rule == "" {
				if got != "" {
					t.Fatalf("rejected: %s", got)
				}
				return
			}
			if !strings.Contains(got, tc.rule) {
				t.Fatalf("message %q, want one mentioning %q", got, tc.rule)
			}
			if tc.password != "" && strings.Contains(got, tc.password) {
				t.Fatalf("message echoes the password: %q", got)
			}
		})
	}
}

func TestPasswordRulesThroughAPI(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	for _, pw := range []string{"short1A", "Myroot!Pw1", "Pass word1", "abcdefgh"} {
		res := h.call(defaultCred(), http.MethodPut, v1Path(srv.ID, "os-reset-password"), resetJSON(pw, true))
		msg := wantV1Error(t, res, 400, "Ecs.0011")
		if strings.Contains(msg, pw) {
			t.Fatalf("message echoes the password: %q", msg)
		}
	}
	if st, _ := h.sim.Server(srv.ID); st.ResetCount != 0 {
		t.Fatal("rejected passwords were applied")
	}
}
