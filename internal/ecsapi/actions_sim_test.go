package ecsapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim/simtest"
)

// TestSimRebootStopStartAndJobs runs the actions and the job waiter against
// the simulator, whose job documents are written independently of the
// fakes above (a failed job carries its error_code at the top level, as
// the service's does).
func TestSimRebootStopStartAndJobs(t *testing.T) {
	srv := simtest.Start(t, ecssim.Config{RandSeed: 7, JobDuration: 40 * time.Millisecond})
	ids := srv.MustAddLinuxServers(3)
	reason := "the guest did not come back"
	if _, err := srv.UpdateServer(ids[2], ecssim.ServerPatch{FailNextBoot: &reason}); err != nil {
		t.Fatal(err)
	}
	c := simClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := ecsapi.JobWaitOptions{FirstInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond}

	jobs, err := c.RebootServers(ctx, ids, false)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("reboot: %v, jobs %v", err, jobs)
	}
	var changes []ecsapi.JobStatus
	withProgress := opts
	withProgress.OnProgress = func(j ecsapi.Job) { changes = append(changes, j.Status) }
	_, err = c.WaitForJob(ctx, jobs[0].JobID, withProgress)
	var failed *ecsapi.JobFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("wait: %v, want a *JobFailedError", err)
	}
	if len(failed.Failed) != 1 || failed.Failed[0].ServerID != ids[2] ||
		!strings.Contains(err.Error(), "server "+ids[2]+": ") || !strings.Contains(err.Error(), reason) {
		t.Errorf("failure %v does not name the failed server and its reason", err)
	}
	if len(changes) == 0 || changes[len(changes)-1] != ecsapi.JobFail {
		t.Errorf("progress %v does not end with FAIL", changes)
	}
	for _, id := range ids[:2] {
		if st := srv.State(id); st.Status != "ACTIVE" || st.BootCount == 0 {
			t.Errorf("server %s after the reboot: %s, %d boots", id, st.Status, st.BootCount)
		}
	}

	stopped, err := c.StopServers(ctx, ids[:2], true)
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	if job, err := c.WaitForJob(ctx, stopped[0].JobID, opts); err != nil || job.Status != ecsapi.JobSuccess || len(job.SubJobs) != 2 {
		t.Fatalf("stop job: %+v, %v", job, err)
	}
	if st := srv.State(ids[0]); st.Status != "SHUTOFF" {
		t.Errorf("server after the stop: %s", st.Status)
	}

	// A stopped server cannot be rebooted; the refusal is definite.
	_, err = c.RebootServers(ctx, ids[:1], false)
	var apiErr *ecsapi.APIError
	if !errors.As(err, &apiErr) || ecsapi.IsOutcomeUnknown(err) {
		t.Errorf("reboot of a stopped server: %v, want a definite *APIError", err)
	}

	started, err := c.StartServers(ctx, ids[:2])
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if _, err := c.WaitForJob(ctx, started[0].JobID, opts); err != nil {
		t.Fatalf("start job: %v", err)
	}
	if st := srv.State(ids[1]); st.Status != "ACTIVE" {
		t.Errorf("server after the start: %s", st.Status)
	}

	if _, err := c.GetJob(ctx, "ff808082000000000000000000000000"); !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Errorf("unknown job: %v, want a 404", err)
	}
}
