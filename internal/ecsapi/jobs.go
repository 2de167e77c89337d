package ecsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// JobStatus is the state of an asynchronous ECS job.
type JobStatus string

// The statuses the service documents. INIT and RUNNING mean the job is
// going; SUCCESS and FAIL are final.
const (
	JobInit    JobStatus = "INIT"
	JobRunning JobStatus = "RUNNING"
	JobSuccess JobStatus = "SUCCESS"
	JobFail    JobStatus = "FAIL"
)

// Final reports whether the job can no longer change: SUCCESS and FAIL are
// final, every other status (including ones this package does not know)
// means the job is still going.
func (s JobStatus) Final() bool { return s == JobSuccess || s == JobFail }

// Job is the state of an asynchronous job, as returned by
// GET /v1/{project_id}/jobs/{job_id}. Every text field comes from the
// service and has been sanitised (no control characters, bounded length).
type Job struct {
	ID   string
	Type string
	// Status is upper-cased; see JobStatus.
	Status JobStatus
	// ErrorCode and FailReason explain a failed job; empty otherwise.
	ErrorCode, FailReason string
	// BeginTime and EndTime are as the service wrote them (e.g.
	// "2024-05-01T10:00:00.000+0000"); EndTime is empty until the job ends.
	BeginTime, EndTime string
	// SubJobsTotal is the service's count of sub-jobs (0 when it gives
	// none); a batch job has one sub-job per server.
	SubJobsTotal int
	SubJobs      []SubJob
	// RequestID is the X-Request-Id of the response; "" when it had none.
	RequestID string
}

// SubJob is the part of a batch job that concerns one server.
type SubJob struct {
	ID, Type string
	Status   JobStatus
	ServerID string
	// ErrorCode and FailReason explain a failed sub-job; empty otherwise.
	ErrorCode, FailReason string
}

// The job document uses raw values for its scalars: the service family is
// not consistent about strings versus numbers (or null), and a job that
// cannot be read would leave a reboot unfollowable.
type jobBody struct {
	JobID      json.RawMessage `json:"job_id"`
	JobType    json.RawMessage `json:"job_type"`
	Status     json.RawMessage `json:"status"`
	BeginTime  json.RawMessage `json:"begin_time"`
	EndTime    json.RawMessage `json:"end_time"`
	ErrorCode  json.RawMessage `json:"error_code"`
	FailReason json.RawMessage `json:"fail_reason"`
	Entities   *struct {
		SubJobsTotal json.RawMessage `json:"sub_jobs_total"`
		SubJobs      []subJobBody    `json:"sub_jobs"`
	} `json:"entities"`
}

type subJobBody struct {
	JobID      json.RawMessage `json:"job_id"`
	JobType    json.RawMessage `json:"job_type"`
	Status     json.RawMessage `json:"status"`
	ErrorCode  json.RawMessage `json:"error_code"`
	FailReason json.RawMessage `json:"fail_reason"`
	Entities   *struct {
		ServerID json.RawMessage `json:"server_id"`
	} `json:"entities"`
}

// GetJob returns the state of a job: GET /v1/{project_id}/jobs/{job_id}.
// The job ID must be usable as a path segment, like server IDs. Finished
// jobs are deleted by the service after about a day; then the answer is an
// *APIError with status 404.
func (c *Client) GetJob(ctx context.Context, jobID string) (*Job, error) {
	pid, err := c.requireProjectID()
	if err != nil {
		return nil, err
	}
	if err := validateID("job ID", jobID); err != nil {
		return nil, fmt.Errorf("ecsapi: %w", err)
	}
	r, err := c.send(ctx, c.ecsRequest(http.MethodGet, []string{"v1", pid, "jobs", jobID}, nil), http.StatusOK)
	if err != nil {
		return nil, err
	}
	var body jobBody
	if err := c.decodeJSON(r, &body); err != nil {
		return nil, err
	}
	id := jsonScalar(body.JobID)
	switch {
	case id == "":
		return nil, c.responseError(r, "the response has no job_id")
	case !strings.EqualFold(id, jobID):
		// An answer about another job (a proxy's cache, a broken gateway)
		// must not decide whether this one succeeded.
		return nil, c.responseError(r, fmt.Sprintf("the response describes job %q, not the one requested", sanitizeText(id, 80)))
	}
	job := &Job{
		ID:         jobID,
		Type:       sanitizeText(jsonScalar(body.JobType), 64),
		Status:     jobStatus(body.Status),
		ErrorCode:  sanitizeText(jsonScalar(body.ErrorCode), 64),
		FailReason: c.scrub(sanitizeText(jsonScalar(body.FailReason), 1024), nil),
		BeginTime:  sanitizeText(jsonScalar(body.BeginTime), 64),
		EndTime:    sanitizeText(jsonScalar(body.EndTime), 64),
		RequestID:  r.requestID,
	}
	if job.Status == "" {
		return nil, c.responseError(r, "the response has no job status")
	}
	if e := body.Entities; e != nil {
		// A count that is not a whole number says nothing; the list
		// itself is what matters.
		job.SubJobsTotal, _ = strconv.Atoi(jsonScalar(e.SubJobsTotal))
		job.SubJobs = make([]SubJob, 0, len(e.SubJobs))
		for _, s := range e.SubJobs {
			sub := SubJob{
				ID:         sanitizeText(jsonScalar(s.JobID), 128),
				Type:       sanitizeText(jsonScalar(s.JobType), 64),
				Status:     jobStatus(s.Status),
				ErrorCode:  sanitizeText(jsonScalar(s.ErrorCode), 64),
				FailReason: c.scrub(sanitizeText(jsonScalar(s.FailReason), 512), nil),
			}
			if s.Entities != nil {
				sub.ServerID = sanitizeText(jsonScalar(s.Entities.ServerID), 128)
			}
			job.SubJobs = append(job.SubJobs, sub)
		}
	}
	return job, nil
}

// jobStatus reads a status case-insensitively, so that "success" cannot
// pass for a job that is still going.
func jobStatus(raw json.RawMessage) JobStatus {
	return JobStatus(strings.ToUpper(sanitizeText(jsonScalar(raw), 32)))
}

// Default pauses between polls of WaitForJob. A reboot job usually ends
// within a minute or two: the first polls come quickly so that a short
// job is seen to finish soon, and the cap keeps a long batch from spending
// API quota (the ECS API is flow-controlled per account).
const (
	DefaultJobPollFirst = time.Second
	DefaultJobPollMax   = 10 * time.Second
	// DefaultJobNotFoundGrace is how long a job that answers 404 is taken
	// for one that is not visible yet (see JobWaitOptions.NotFoundGrace).
	DefaultJobNotFoundGrace = 10 * time.Second
)

// JobWaitOptions tunes WaitForJob; the zero value selects the defaults.
type JobWaitOptions struct {
	// FirstInterval is the wait before the first poll. After that each
	// pause is as long as the wait so far (polls come at about 1, 2, 4, 8
	// times FirstInterval), up to MaxInterval, so a job is seen to end at
	// most about twice its duration later (within MaxInterval) while a
	// two-second job costs two polls. Each pause is lengthened by a random
	// part of up to a tenth, so that waiters started together spread out
	// without ever polling earlier than that schedule. Zero selects
	// DefaultJobPollFirst and DefaultJobPollMax.
	FirstInterval, MaxInterval time.Duration
	// NotFoundGrace is how long, from the start of the wait, a 404 answer
	// is taken to mean "the job is not visible yet" rather than "there is
	// no such job": the job service may not know a job for a moment after
	// the request that created it was accepted. It applies only until the
	// job has been seen once; a job that disappears afterwards is
	// reported at once. Zero selects DefaultJobNotFoundGrace; a negative
	// value reports the first 404.
	NotFoundGrace time.Duration
	// OnProgress, when set, is called with the job after the first poll
	// that read it and after every poll whose answer differs from the
	// previous one in the job's status or in a sub-job's status (not after
	// every poll). It runs on the waiting goroutine and delays the next
	// poll while it runs.
	OnProgress func(Job)
}

// resolve fills in the defaults and checks the values.
func (o JobWaitOptions) resolve() (first, maxInterval, grace time.Duration, err error) {
	first, maxInterval, grace = o.FirstInterval, o.MaxInterval, o.NotFoundGrace
	if first < 0 || maxInterval < 0 {
		return 0, 0, 0, errors.New("ecsapi: job poll intervals must not be negative")
	}
	switch {
	case first == 0 && maxInterval == 0:
		first, maxInterval = DefaultJobPollFirst, DefaultJobPollMax
	case first == 0:
		first = min(DefaultJobPollFirst, maxInterval)
	case maxInterval == 0:
		maxInterval = max(DefaultJobPollMax, first)
	}
	if first > maxInterval {
		return 0, 0, 0, fmt.Errorf("ecsapi: the first job poll interval (%s) exceeds the maximum (%s)", first, maxInterval)
	}
	if grace == 0 {
		grace = DefaultJobNotFoundGrace
	}
	return first, maxInterval, grace, nil
}

// JobWaitError reports that a job had not finished when the wait ended. It
// unwraps to the context's error, so errors.Is tells a timeout
// (context.DeadlineExceeded) from a cancellation (context.Canceled).
type JobWaitError struct {
	JobID string
	// Last is the job as last read; nil when no poll read it (every poll
	// answered 404 within the grace period, or the first poll was cut
	// short by the context).
	Last *Job
	// Waited is how long the wait lasted and Polls how many polls were
	// answered.
	Waited time.Duration
	Polls  int
	Err    error
}

func (e *JobWaitError) Error() string {
	state := "had not been read"
	if e.Last != nil {
		state = "was still " + string(e.Last.Status)
		if done, total := subJobsDone(e.Last); total > 0 {
			state += fmt.Sprintf(" (%d of %d servers done)", done, total)
		}
	}
	polls := "1 poll"
	if e.Polls != 1 {
		polls = fmt.Sprintf("%d polls", e.Polls)
	}
	return fmt.Sprintf("job %s %s when the wait ended after %s (%s): %v",
		e.JobID, state, e.Waited.Round(time.Millisecond), polls, e.Err)
}

func (e *JobWaitError) Unwrap() error { return e.Err }

// subJobsDone counts the sub-jobs in a final status.
func subJobsDone(j *Job) (done, total int) {
	for _, s := range j.SubJobs {
		if s.Status.Final() {
			done++
		}
	}
	return done, len(j.SubJobs)
}

// JobFailedError reports a job that ended with status FAIL.
type JobFailedError struct {
	JobID string
	// Job is the final state of the job.
	Job *Job
	// Failed lists the sub-jobs with status FAIL, each naming its server.
	Failed []SubJob
}

// maxFailuresShown bounds how many failed servers Error lists, so that a
// batch of a thousand failures stays readable; Failed has all of them.
const maxFailuresShown = 10

func (e *JobFailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "job %s failed", e.JobID)
	if len(e.Failed) == 0 {
		if e.Job != nil && (e.Job.ErrorCode != "" || e.Job.FailReason != "") {
			b.WriteString(": ")
			b.WriteString(codeAndReason(e.Job.ErrorCode, e.Job.FailReason))
		} else {
			b.WriteString(" (the service gave no reason)")
		}
		return b.String()
	}
	b.WriteString(": ")
	for i, s := range e.Failed {
		if i == maxFailuresShown {
			fmt.Fprintf(&b, "; and %d more", len(e.Failed)-maxFailuresShown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		switch {
		case s.ServerID != "":
			fmt.Fprintf(&b, "server %s: ", s.ServerID)
		case s.ID != "":
			fmt.Fprintf(&b, "sub-job %s: ", s.ID)
		default:
			b.WriteString("unnamed server: ")
		}
		b.WriteString(codeAndReason(s.ErrorCode, s.FailReason))
	}
	return b.String()
}

func codeAndReason(code, reason string) string {
	switch {
	case code != "" && reason != "":
		return code + " " + reason
	case code != "":
		return code
	case reason != "":
		return reason
	}
	return "no reason given"
}

// IsJobFailed reports whether err is a *JobFailedError.
func IsJobFailed(err error) bool {
	var e *JobFailedError
	return errors.As(err, &e)
}

func newJobFailedError(j *Job) *JobFailedError {
	e := &JobFailedError{JobID: j.ID, Job: j}
	for _, s := range j.SubJobs {
		if s.Status == JobFail {
			e.Failed = append(e.Failed, s)
		}
	}
	return e
}

// WaitForJob polls a job until it is final or ctx ends; ctx is the only
// bound on the wait. It returns the job when it succeeded, a
// *JobFailedError when it failed, and a *JobWaitError when ctx ended first.
// A poll that fails ends the wait with its error: the client's retry policy
// has already retried throttling and transient failures of the poll, which
// is a plain read. See JobWaitOptions for the pauses, 404 answers and
// progress reports.
func (c *Client) WaitForJob(ctx context.Context, jobID string, opts JobWaitOptions) (*Job, error) {
	first, maxInterval, grace, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if err := validateID("job ID", jobID); err != nil {
		return nil, fmt.Errorf("ecsapi: %w", err)
	}
	start := time.Now()
	var last *Job
	polls := 0
	waitErr := func(err error) error {
		return &JobWaitError{JobID: jobID, Last: last, Waited: time.Since(start), Polls: polls, Err: err}
	}
	// A job has only just been accepted: asking at once would only
	// learn that it has not started.
	if err := sleepCtx(ctx, jobPollPause(first)); err != nil {
		return nil, waitErr(err)
	}
	for {
		job, err := c.GetJob(ctx, jobID)
		switch {
		case err == nil:
			polls++
			if opts.OnProgress != nil && !sameProgress(last, job) {
				opts.OnProgress(*job)
			}
			last = job
			switch job.Status {
			case JobSuccess:
				return job, nil
			case JobFail:
				return nil, newJobFailedError(job)
			}
		case ctx.Err() != nil:
			return nil, waitErr(ctx.Err())
		case last == nil && isHTTPNotFound(err) && time.Since(start) < grace:
			polls++
			c.logDebug(ctx, "job not visible yet; waiting", map[string]any{"job_id": jobID, "polls": polls})
		default:
			return nil, err
		}
		if err := sleepCtx(ctx, jobPollPause(nextJobPoll(time.Since(start), first, maxInterval))); err != nil {
			return nil, waitErr(err)
		}
	}
}

// sleepCtx waits for d or until ctx ends, whichever comes first, and
// returns the context's error in the second case.
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// isHTTPNotFound reports any 404, whatever its code: the job service's
// codes for an unknown job are not documented, and a 404 that is not about
// the job (a wrong route) is still reported once the grace period ends.
func isHTTPNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// jobPollPause draws the pause for a nominal interval: up to a tenth more
// than nominal, never less, so no poll comes earlier than the schedule.
func jobPollPause(nominal time.Duration) time.Duration {
	if nominal <= 0 {
		return 0
	}
	extra := nominal / 10
	if nominal > math.MaxInt64-extra {
		return nominal
	}
	return nominal + rand.N(extra+1)
}

// nextJobPoll is the nominal pause after a poll: as long as the wait so
// far, at least first and at most maxInterval.
func nextJobPoll(waited, first, maxInterval time.Duration) time.Duration {
	return min(max(waited, first), maxInterval)
}

// sameProgress reports whether b shows the same state as a: job status,
// sub-job count and each sub-job's status. It is what decides whether
// OnProgress is called.
func sameProgress(a, b *Job) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Status != b.Status || a.SubJobsTotal != b.SubJobsTotal || len(a.SubJobs) != len(b.SubJobs) {
		return false
	}
	for i := range a.SubJobs {
		if a.SubJobs[i].ID != b.SubJobs[i].ID || a.SubJobs[i].Status != b.SubJobs[i].Status {
			return false
		}
	}
	return true
}
