package ecsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

const testJob = "ff8080828f0e1c2a018f2b3c4d5e0001"

// sub describes one sub-job of a fake job document.
type sub struct {
	status, server, code, reason string
}

// jobJSON renders a job document the way the service does.
func jobJSON(id, status string, subs ...sub) string {
	doc := map[string]any{
		"job_id": id, "job_type": "batchRebootServers", "status": status,
		"begin_time": "2024-05-01T10:00:00.000+0000", "end_time": "",
		"error_code": nil, "fail_reason": nil,
	}
	if status == "FAIL" {
		// A failed job carries its own code beside the sub-jobs' ones,
		// at the top level where the gateway's error envelope has it.
		doc["error_code"], doc["fail_reason"] = "Ecs.0611", "batch operation failed"
	}
	if len(subs) > 0 {
		list := make([]map[string]any, 0, len(subs))
		for i, s := range subs {
			list = append(list, map[string]any{
				"status": s.status, "job_id": id + "-" + string(rune('a'+i)), "job_type": "rebootServer",
				"entities":   map[string]any{"server_id": s.server},
				"error_code": s.code, "fail_reason": s.reason,
			})
		}
		doc["entities"] = map[string]any{"sub_jobs_total": len(subs), "sub_jobs": list}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// jobSequence answers poll n with docs[n], repeating the last one.
func jobSequence(docs ...string) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, "rid-job", docs[min(n, len(docs)-1)])
	}
}

// bounded gives a wait a deadline far beyond what any test needs, so that
// a wait that never ends fails the test instead of hanging it.
func bounded(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// fast polls every few milliseconds.
var fast = ecsapi.JobWaitOptions{FirstInterval: time.Millisecond, MaxInterval: 4 * time.Millisecond}

func TestGetJobDecodesEveryField(t *testing.T) {
	body := `{"status":"fail","job_id":"` + testJob + `","job_type":"batchRebootServers",
	  "begin_time":"2024-05-01T10:00:00.000+0000","end_time":"2024-05-01T10:01:00.000+0000",
	  "error_code":"Ecs.0611","fail_reason":"some\u0000servers\nfailed\u202e",
	  "entities":{"sub_jobs_total":"2","sub_jobs":[
	    {"status":"SUCCESS","job_id":"s1","job_type":"rebootServer","entities":{"server_id":"srv-1"}},
	    {"status":"FAIL","job_id":"s2","job_type":"rebootServer","entities":{"server_id":"srv-2\u001b[31m"},
	     "error_code":"Ecs.0001","fail_reason":"boot failed"}]}}`
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, "rid-7", body) })
	job, err := newTestClient(t, f.srv.URL).GetJob(context.Background(), testJob)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodGet || reqs[0].Path != "/v1/"+testProject+"/jobs/"+testJob {
		t.Fatalf("requests %+v", reqs)
	}
	want := ecsapi.Job{
		ID: testJob, Type: "batchRebootServers", Status: ecsapi.JobFail,
		ErrorCode: "Ecs.0611", FailReason: "some servers failed",
		BeginTime: "2024-05-01T10:00:00.000+0000", EndTime: "2024-05-01T10:01:00.000+0000",
		SubJobsTotal: 2, RequestID: "rid-7",
		SubJobs: []ecsapi.SubJob{
			{ID: "s1", Type: "rebootServer", Status: ecsapi.JobSuccess, ServerID: "srv-1"},
			{ID: "s2", Type: "rebootServer", Status: ecsapi.JobFail, ServerID: "srv-2 [31m", ErrorCode: "Ecs.0001", FailReason: "boot failed"},
		},
	}
	if got, _ := json.Marshal(job); string(got) != mustJSON(want) {
		t.Errorf("job\n got %s\nwant %s", got, mustJSON(want))
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestGetJobRejects(t *testing.T) {
	t.Run("unusable job IDs, before any request", func(t *testing.T) {
		f := newFakeService(t, jobSequence(jobJSON(testJob, "SUCCESS")))
		c := newTestClient(t, f.srv.URL)
		for _, id := range []string{"", "..", "a/b", "a\x00b", "a b", strings.Repeat("j", 256)} {
			if _, err := c.GetJob(context.Background(), id); err == nil {
				t.Errorf("GetJob(%q) succeeded", id)
			}
			if _, err := c.WaitForJob(bounded(t), id, fast); err == nil {
				t.Errorf("WaitForJob(%q) succeeded", id)
			}
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
	answers := map[string]struct {
		status int
		body   string
	}{
		"no job_id":            {200, `{"status":"SUCCESS"}`},
		"another job":          {200, jobJSON("another", "SUCCESS")},
		"no status":            {200, `{"job_id":"` + testJob + `"}`},
		"status null":          {200, `{"job_id":"` + testJob + `","status":null}`},
		"not JSON":             {200, `<html></html>`},
		"sub_jobs not a list":  {200, `{"job_id":"` + testJob + `","status":"RUNNING","entities":{"sub_jobs":"x"}}`},
		"200 + error document": {200, v1Error("Ecs.0000", "bad request")},
		"202 + error document": {202, v1Error("Ecs.0000", "bad request")},
		"200 + gateway error":  {200, `{"error_code":"APIGW.0101","error_msg":"api not found"}`},
		"job with an error":    {200, `{"job_id":"` + testJob + `","status":"RUNNING","error":{"code":"Ecs.0000","message":"x"}}`},
		"404":                  {404, v1Error("Common.0011", "job not found")},
	}
	for name, a := range answers {
		t.Run(name, func(t *testing.T) {
			f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, a.status, "r", a.body) })
			job, err := newTestClient(t, f.srv.URL).GetJob(context.Background(), testJob)
			if err == nil {
				t.Fatalf("accepted: %+v", job)
			}
			var apiErr *ecsapi.APIError
			if !errors.As(err, &apiErr) {
				t.Errorf("error %v is not an *APIError", err)
			}
		})
	}
}

func TestWaitForJobSucceedsAndReportsEachChange(t *testing.T) {
	f := newFakeService(t, jobSequence(
		jobJSON(testJob, "INIT"),
		jobJSON(testJob, "RUNNING"),
		jobJSON(testJob, "RUNNING"),
		jobJSON(testJob, "RUNNING"),
		jobJSON(testJob, "SUCCESS"),
	))
	var seen []ecsapi.JobStatus
	opts := fast
	opts.OnProgress = func(j ecsapi.Job) { seen = append(seen, j.Status) }
	job, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, opts)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != ecsapi.JobSuccess || job.ID != testJob {
		t.Errorf("job %+v", job)
	}
	if n := len(f.requests()); n != 5 {
		t.Errorf("%d polls, want 5", n)
	}
	if want := []ecsapi.JobStatus{"INIT", "RUNNING", "SUCCESS"}; !equalStatuses(seen, want) {
		t.Errorf("progress %v, want %v (once per change, not per poll)", seen, want)
	}
}

func TestWaitForJobReportsSubJobProgress(t *testing.T) {
	f := newFakeService(t, jobSequence(
		jobJSON(testJob, "RUNNING", sub{status: "INIT", server: "a"}, sub{status: "INIT", server: "b"}),
		jobJSON(testJob, "RUNNING", sub{status: "SUCCESS", server: "a"}, sub{status: "RUNNING", server: "b"}),
		jobJSON(testJob, "RUNNING", sub{status: "SUCCESS", server: "a"}, sub{status: "RUNNING", server: "b"}),
		jobJSON(testJob, "SUCCESS", sub{status: "SUCCESS", server: "a"}, sub{status: "SUCCESS", server: "b"}),
	))
	var calls []string
	opts := fast
	opts.OnProgress = func(j ecsapi.Job) {
		s := string(j.Status)
		for _, sj := range j.SubJobs {
			s += " " + sj.ServerID + "=" + string(sj.Status)
		}
		calls = append(calls, s)
	}
	if _, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, opts); err != nil {
		t.Fatal(err)
	}
	want := []string{"RUNNING a=INIT b=INIT", "RUNNING a=SUCCESS b=RUNNING", "SUCCESS a=SUCCESS b=SUCCESS"}
	if strings.Join(calls, "|") != strings.Join(want, "|") {
		t.Errorf("progress\n got %q\nwant %q", calls, want)
	}
}

func equalStatuses(a, b []ecsapi.JobStatus) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWaitForJobFailureNamesEachFailedServer(t *testing.T) {
	f := newFakeService(t, jobSequence(
		jobJSON(testJob, "RUNNING"),
		jobJSON(testJob, "FAIL",
			sub{status: "SUCCESS", server: "srv-ok"},
			sub{status: "FAIL", server: "srv-x", code: "Ecs.0001", reason: "boot failed"},
			sub{status: "FAIL", server: "srv-y", reason: "state\tnot allowed"},
			sub{status: "FAIL", server: "srv-z"}),
	))
	job, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, fast)
	if job != nil {
		t.Errorf("job %+v returned beside a failure", job)
	}
	var failed *ecsapi.JobFailedError
	if !errors.As(err, &failed) || !ecsapi.IsJobFailed(err) {
		t.Fatalf("error %v, want a *JobFailedError", err)
	}
	want := "job " + testJob + " failed: server srv-x: Ecs.0001 boot failed; server srv-y: state not allowed; server srv-z: no reason given"
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err, want)
	}
	if failed.JobID != testJob || len(failed.Failed) != 3 || failed.Job == nil || failed.Job.Status != ecsapi.JobFail ||
		failed.Job.ErrorCode != "Ecs.0611" || len(failed.Job.SubJobs) != 4 {
		t.Errorf("error fields %+v", failed)
	}
}

func TestJobFailedErrorMessages(t *testing.T) {
	many := make([]ecsapi.SubJob, 12)
	for i := range many {
		many[i] = ecsapi.SubJob{Status: ecsapi.JobFail, ServerID: string(rune('a' + i)), ErrorCode: "Ecs.0001"}
	}
	tests := map[string]struct {
		err  *ecsapi.JobFailedError
		want string
	}{
		"job-level reason": {&ecsapi.JobFailedError{JobID: "j", Job: &ecsapi.Job{ErrorCode: "Ecs.0100", FailReason: "bad state"}},
			"job j failed: Ecs.0100 bad state"},
		"no reason at all": {&ecsapi.JobFailedError{JobID: "j"}, "job j failed (the service gave no reason)"},
		"sub-job without server": {&ecsapi.JobFailedError{JobID: "j", Failed: []ecsapi.SubJob{{ID: "s9", FailReason: "x"}}},
			"job j failed: sub-job s9: x"},
		"many": {&ecsapi.JobFailedError{JobID: "j", Failed: many},
			"job j failed: server a: Ecs.0001; server b: Ecs.0001; server c: Ecs.0001; server d: Ecs.0001; server e: Ecs.0001; " +
				"server f: Ecs.0001; server g: Ecs.0001; server h: Ecs.0001; server i: Ecs.0001; server j: Ecs.0001; and 2 more"},
	}
	for name, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, tt.want)
		}
	}
}

func TestWaitForJobEndsAtTheDeadlineWithTheLastStatus(t *testing.T) {
	f := newFakeService(t, jobSequence(
		jobJSON(testJob, "INIT"),
		jobJSON(testJob, "RUNNING", sub{status: "SUCCESS", server: "a"}, sub{status: "RUNNING", server: "b"}),
	))
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	job, err := newTestClient(t, f.srv.URL).WaitForJob(ctx, testJob, ecsapi.JobWaitOptions{FirstInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond})
	if job != nil {
		t.Errorf("job %+v", job)
	}
	var waitErr *ecsapi.JobWaitError
	if !errors.As(err, &waitErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a *JobWaitError that is a deadline", err)
	}
	if waitErr.Last == nil || waitErr.Last.Status != ecsapi.JobRunning || waitErr.Polls < 2 || waitErr.JobID != testJob {
		t.Errorf("error fields %+v", waitErr)
	}
	if msg := err.Error(); !strings.Contains(msg, "still RUNNING (1 of 2 servers done)") || !strings.Contains(msg, testJob) {
		t.Errorf("message %q", msg)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("the wait outlasted its deadline: %s", elapsed)
	}

	t.Run("cancelled", func(t *testing.T) {
		f := newFakeService(t, jobSequence(jobJSON(testJob, "RUNNING")))
		ctx, cancel := context.WithCancel(context.Background())
		opts := fast
		// Cancelling from the first progress report ends the wait during
		// its first pause.
		opts.OnProgress = func(ecsapi.Job) { cancel() }
		_, err := newTestClient(t, f.srv.URL).WaitForJob(ctx, testJob, opts)
		if !errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want a cancellation", err)
		}
	})
}

func TestWaitForJobToleratesANotYetVisibleJob(t *testing.T) {
	notFound := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusNotFound, "r", v1Error("Common.0011", "job not found"))
	}
	t.Run("404 at first, then the job", func(t *testing.T) {
		f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n < 2 {
				notFound(w)
				return
			}
			jobSequence(jobJSON(testJob, "SUCCESS"))(0, w, r)
		})
		job, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, fast)
		if err != nil || job.Status != ecsapi.JobSuccess {
			t.Fatalf("job %+v, error %v", job, err)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d polls, want 3", n)
		}
	})
	t.Run("404 past the grace period", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { notFound(w) })
		opts := fast
		opts.NotFoundGrace = 30 * time.Millisecond
		start := time.Now()
		_, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, opts)
		var apiErr *ecsapi.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
			t.Fatalf("error %v, want the 404", err)
		}
		if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
			t.Errorf("gave up after %s, before the grace period ended", elapsed)
		}
		if n := len(f.requests()); n < 2 {
			t.Errorf("%d polls: the 404 was not tolerated at all", n)
		}
	})
	t.Run("deadline while not visible", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { notFound(w) })
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := newTestClient(t, f.srv.URL).WaitForJob(ctx, testJob, fast)
		var waitErr *ecsapi.JobWaitError
		if !errors.As(err, &waitErr) || waitErr.Last != nil || !strings.Contains(err.Error(), "had not been read") {
			t.Errorf("error %v, want a *JobWaitError without a job", err)
		}
	})
	t.Run("grace disabled", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { notFound(w) })
		opts := fast
		opts.NotFoundGrace = -1
		_, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, opts)
		if err == nil || len(f.requests()) != 1 {
			t.Errorf("error %v after %d polls, want the first 404", err, len(f.requests()))
		}
	})
	t.Run("404 after the job was seen", func(t *testing.T) {
		f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 0 {
				jobSequence(jobJSON(testJob, "RUNNING"))(0, w, r)
				return
			}
			notFound(w)
		})
		_, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, fast)
		if err == nil || len(f.requests()) != 2 {
			t.Errorf("error %v after %d polls, want the 404 of the second poll", err, len(f.requests()))
		}
	})
	t.Run("other errors end the wait", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusForbidden, "r", v1Error("Pdp.0001", "denied"))
		})
		_, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, fast)
		if !ecsapi.IsForbidden(err) || len(f.requests()) != 1 {
			t.Errorf("error %v after %d polls", err, len(f.requests()))
		}
	})
}

// TestWaitForJobPausesGrowToTheCap measures the pauses between polls: each
// is at most a quarter shorter than its nominal interval, which doubles
// from the first interval up to the cap.
func TestWaitForJobPausesGrowToTheCap(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	const polls = 7
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		status := "RUNNING"
		if n == polls-1 {
			status = "SUCCESS"
		}
		jobSequence(jobJSON(testJob, status))(0, w, r)
	})
	opts := ecsapi.JobWaitOptions{FirstInterval: 20 * time.Millisecond, MaxInterval: 80 * time.Millisecond}
	if _, err := newTestClient(t, f.srv.URL).WaitForJob(bounded(t), testJob, opts); err != nil {
		t.Fatal(err)
	}
	ms := time.Millisecond
	nominal := []time.Duration{20 * ms, 40 * ms, 80 * ms, 80 * ms, 80 * ms, 80 * ms}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != polls {
		t.Fatalf("%d polls, want %d", len(at), polls)
	}
	var capped time.Duration
	for i, n := range nominal {
		gap := at[i+1].Sub(at[i])
		// A timer never fires early, so this bound is exact; for the third
		// pause it also proves that the interval grew.
		if gap < n*3/4 {
			t.Errorf("pause %d: %s, shorter than three quarters of %s", i, gap, n)
		}
		if i >= 2 {
			capped += gap
		}
	}
	// The four capped pauses last 240-320 ms; without the cap they would
	// last at least 900 ms (80+160+320+640, less a quarter). The margin
	// absorbs a loaded machine's delays.
	if capped > 720*time.Millisecond {
		t.Errorf("the four pauses after reaching the cap took %s: the cap is not applied", capped)
	}
}

func TestWaitForJobRefusesBadOptions(t *testing.T) {
	f := newFakeService(t, jobSequence(jobJSON(testJob, "SUCCESS")))
	c := newTestClient(t, f.srv.URL)
	for name, opts := range map[string]ecsapi.JobWaitOptions{
		"negative first":  {FirstInterval: -time.Second},
		"negative max":    {MaxInterval: -time.Second},
		"first above max": {FirstInterval: 2 * time.Second, MaxInterval: time.Second},
	} {
		if _, err := c.WaitForJob(bounded(t), testJob, opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d polls with bad options", n)
	}
}

// TestRebootThenWait is the sequence a caller runs: reboot a list, wait for
// every job.
func TestRebootThenWait(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			acceptAction(n, w, r)
			return
		}
		id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		writeJSON(w, 200, "r", jobJSON(id, "SUCCESS", sub{status: "SUCCESS", server: testServer}))
	})
	c := newTestClient(t, f.srv.URL)
	jobs, err := c.RebootServers(context.Background(), []string{testServer}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		job, err := c.WaitForJob(bounded(t), j.JobID, fast)
		if err != nil || job.ID != j.JobID {
			t.Errorf("job %s: %+v, %v", j.JobID, job, err)
		}
	}
}
