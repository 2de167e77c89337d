package provider

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
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

// TestFailedSubJobsMatchesTheJobsServers: failed sub-jobs are matched to the
// job's servers without regard to case; a failed sub-job without an ID, or
// with one the job does not hold, leaves every server of the job failed.
func TestFailedSubJobsMatchesTheJobsServers(t *testing.T) {
	t.Parallel()
	ids := []string{"aaaa-1", "bbbb-2"}
	fail := func(subs ...ecsapi.SubJob) error { return &ecsapi.JobFailedError{JobID: "j", Failed: subs} }
	subs, ok := failedSubJobs(ids, fail(ecsapi.SubJob{ServerID: "BBBB-2", ErrorCode: "Ecs.0615"}))
	if _, named := subs["bbbb-2"]; !ok || !named || len(subs) != 1 {
		t.Errorf("case-different ID: %v, %v", subs, ok)
	}
	for name, err := range map[string]error{
		"no ID":           fail(ecsapi.SubJob{ErrorCode: "Ecs.0615"}),
		"unknown ID":      fail(ecsapi.SubJob{ServerID: "cccc-3"}),
		"no sub-jobs":     fail(),
		"not a job error": errors.New("context canceled"),
	} {
		if _, ok := failedSubJobs(ids, err); ok {
			t.Errorf("%s: the failed servers are taken as named", name)
		}
		pending := map[string]error{}
		markJobFailures(pending, ecsapi.ActionJob{JobID: "j", ServerIDs: ids}, err)
		if len(pending) != 2 || pending["aaaa-1"] == nil || pending["bbbb-2"] == nil {
			t.Errorf("%s: pending %v, want both servers", name, pending)
		}
	}
}
