package provider

import (
	"testing"
	"time"
)

func TestDurationText(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		15 * time.Minute:               "15m",
		2 * time.Hour:                  "2h",
		90 * time.Minute:               "1h30m",
		30 * time.Second:               "30s",
		10*time.Minute + 5*time.Second: "10m5s",
	} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestQuotedList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"v1"}, "`v1`"},
		{[]string{"v1", "v2.1"}, "`v1` or `v2.1`"},
		{[]string{"a", "b", "c"}, "`a`, `b` or `c`"},
	} {
		if got := quotedList(tc.in); got != tc.want {
			t.Errorf("quotedList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
