package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestServerFailuresTextGroupsIdenticalFailures: servers that failed the
// same way share a line naming the first few; different failures keep
// their own lines; the lines are bounded.
func TestServerFailuresTextGroupsIdenticalFailures(t *testing.T) {
	t.Parallel()
	failures := map[string]error{"srv-000": errors.New("locked")}
	for i := 1; i <= 30; i++ {
		failures[fmt.Sprintf("srv-%03d", i)] = errors.New("job 1: still INIT when the wait ended")
	}
	got := serverFailuresText(failures)
	want := "- server \"srv-000\": locked\n" +
		"- 30 servers (\"srv-001\", \"srv-002\", \"srv-003\", and 27 more): job 1: still INIT when the wait ended\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	many := map[string]error{}
	for i := range 25 {
		many[fmt.Sprintf("srv-%03d", i)] = fmt.Errorf("error %d", i)
	}
	lines := strings.Split(strings.TrimSpace(serverFailuresText(many)), "\n")
	if len(lines) != maxFailuresShown+1 || lines[maxFailuresShown] != "- and 5 more servers" {
		t.Errorf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
}
