package ecssim

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Batch reboot, start and stop (contract §8c) and the jobs that report their
// outcome. A job runs for the job duration of the simulator's clock: INIT for
// its first fifth, RUNNING for the rest, then SUCCESS or FAIL. Nothing runs
// in the background: every operation that reads or changes servers or jobs
// first settles the jobs whose time is up, in the order they were accepted,
// applying their outcome as of their end time. So a job's effects do not
// depend on when, or whether, anybody looks.

// serverAction describes one of the three actions of
// POST /v1/{project_id}/cloudservers/action.
type serverAction struct {
	// key is the member of the request body naming the action.
	key string
	// iamAction is the IAM action the caller needs.
	iamAction string
	// jobType and subJobType name the job and its per-server sub-jobs.
	jobType, subJobType string
	// takesType says whether the body has a SOFT/HARD type; typeRequired
	// whether it must be given (otherwise SOFT).
	takesType, typeRequired bool
	// from is the status a server must have to take the action; to is the
	// status it ends in.
	from, to string
	// boots says whether the action boots the guest, which applies a
	// pending reset.
	boots bool
	// verb completes "cannot be ..." in refusals.
	verb string
}

var (
	actionReboot = &serverAction{
		key: "reboot", iamAction: ActionRebootServers, jobType: "batchRebootServers", subJobType: "rebootServer",
		takesType: true, typeRequired: true, from: "ACTIVE", to: "ACTIVE", boots: true, verb: "rebooted",
	}
	actionStart = &serverAction{
		key: "os-start", iamAction: ActionStartServers, jobType: "batchStartServers", subJobType: "startServer",
		from: "SHUTOFF", to: "ACTIVE", boots: true, verb: "started",
	}
	actionStop = &serverAction{
		key: "os-stop", iamAction: ActionStopServers, jobType: "batchStopServers", subJobType: "stopServer",
		takesType: true, from: "ACTIVE", to: "SHUTOFF", verb: "stopped",
	}
	serverActions = []*serverAction{actionReboot, actionStart, actionStop}
)

// actionsShowJob are the actions that may read a job: the read action every
// reader holds, or any action that can create a job, so that a caller may
// follow the jobs it starts.
var actionsShowJob = []string{ActionGetServer, ActionRebootServers, ActionStartServers, ActionStopServers}

// Job statuses of contract §8c.
const (
	jobInit    = "INIT"
	jobRunning = "RUNNING"
	jobSuccess = "SUCCESS"
	jobFail    = "FAIL"
)

// jobRetention is how long a finished job stays readable (contract §8c).
const jobRetention = 24 * time.Hour

// codeBootFailed is the error code of a sub-job failed on purpose
// (ServerPatch.FailNextBoot). The contract lists Ecs.0615 as an ECS internal
// error, which is how a platform reports a guest that did not come back.
const codeBootFailed = "Ecs.0615"

// jobRecord is one batch job; it is guarded by Simulator.mu.
type jobRecord struct {
	id        string
	projectID string
	action    *serverAction
	begin     time.Time
	// end is when the job finishes: begin plus the job duration in force
	// when it was accepted.
	end time.Time
	// settled is set once the outcome has been applied to the servers.
	settled bool
	subJobs []subJob
}

// subJob is the part of a job that concerns one server.
type subJob struct {
	id       string
	serverID string
	// ep is the server's enterprise project when the job was accepted;
	// reading the job needs a grant on every one of them.
	ep string
	// prevStatus is the status a failed sub-job leaves the server in.
	prevStatus string
	// failCode and failReason are set when the sub-job fails: decided at
	// acceptance for an armed FailNextBoot, at settlement for a server that
	// disappeared meanwhile.
	failCode, failReason string
}

// phase is the job's status at now.
func (j *jobRecord) phase(now time.Time) string {
	if j.settled {
		if j.failed() != nil {
			return jobFail
		}
		return jobSuccess
	}
	if now.Before(j.begin.Add(j.end.Sub(j.begin) / 5)) {
		return jobInit
	}
	return jobRunning
}

// failed returns the first failed sub-job, or nil.
func (j *jobRecord) failed() *subJob {
	for i := range j.subJobs {
		if j.subJobs[i].failCode != "" {
			return &j.subJobs[i]
		}
	}
	return nil
}

// settleJobsLocked applies the outcome of every job that has finished by the
// simulator's clock. s.mu must be held.
func (s *Simulator) settleJobsLocked() {
	if len(s.pendingJobs) == 0 {
		return
	}
	now := s.now()
	kept := s.pendingJobs[:0]
	for _, j := range s.pendingJobs {
		if now.Before(j.end) {
			kept = append(kept, j)
			continue
		}
		s.finishJob(j)
	}
	// Clear the tail so that settled jobs are not kept alive through the
	// slice's backing array.
	clear(s.pendingJobs[len(kept):])
	s.pendingJobs = kept
}

// finishJob applies a job's outcome to its servers as of the job's end.
func (s *Simulator) finishJob(j *jobRecord) {
	at := j.end.UTC()
	for i := range j.subJobs {
		sj := &j.subJobs[i]
		rec, ok := s.servers[sj.serverID]
		if !ok || rec.busyJob != j.id {
			// Deleted while the job ran (perhaps created again since):
			// there is nothing left for this sub-job to act on.
			if sj.failCode == "" {
				sj.failCode, sj.failReason = "Ecs.0114", fmt.Sprintf("Instance[%s] could not be found.", sj.serverID)
			}
			continue
		}
		rec.busyJob, rec.task = "", ""
		rec.state.Updated = at
		if sj.failCode != "" {
			rec.state.Status = sj.prevStatus
			continue
		}
		rec.state.Status = j.action.to
		if j.action.boots {
			rec.state.BootCount++
			// Only the reset plug-in applies a reset; without it the
			// reset is lost at this boot, as the guest never saw it.
			if rec.state.PendingReset && rec.state.ResetPasswordSupported {
				rec.state.EffectivePassword = rec.state.Password
			}
			rec.state.PendingReset = false
		}
	}
	j.settled = true
}

// sweepJobsLocked forgets the jobs finished more than jobRetention ago.
// s.mu must be held.
func (s *Simulator) sweepJobsLocked(now time.Time) {
	for id, j := range s.jobs {
		if j.expired(now) {
			delete(s.jobs, id)
		}
	}
}

func (j *jobRecord) expired(now time.Time) bool {
	return j.settled && !now.Before(j.end.Add(jobRetention))
}

// actionBlocker explains why a server cannot take action a, or returns nil.
func actionBlocker(rec *serverRecord, a *serverAction) *apiError {
	id := rec.state.ID
	switch {
	case rec.state.Locked:
		return &apiError{http.StatusBadRequest, "Ecs.0605", fmt.Sprintf("Instance[%s] is locked.", id)}
	case rec.busyJob != "":
		return &apiError{http.StatusBadRequest, "Ecs.0100", fmt.Sprintf(
			"Instance[%s] cannot be %s: job %s is still working on it.", id, a.verb, rec.busyJob)}
	case rec.state.Status != a.from:
		return &apiError{http.StatusBadRequest, "Ecs.0100", fmt.Sprintf(
			"Instance[%s] is %s; it must be %s to be %s.", id, rec.state.Status, a.from, a.verb)}
	default:
		return nil
	}
}

// jobAccepted is the answer of a batch action.
type jobAccepted struct {
	JobID string `json:"job_id"`
}

// handleV1ServerAction is POST /v1/{project_id}/cloudservers/action: batch
// reboot, start or stop.
//
// Like the batch reset it is all or nothing: when any listed server cannot
// take the action, no job is created. The error body carries the code and
// message of the first such server at the top, in the v1 format, and every
// such server in internalError, as the batch format does. A server outside
// the caller's enterprise projects makes the whole request 403.
func (s *Simulator) handleV1ServerAction(c *call) {
	req, ok := s.admitServerAction(c)
	if !ok {
		return
	}
	s.mu.Lock()
	s.settleJobsLocked()
	b := s.checkBatchLocked(c, req.serverIDs, []string{req.kind.iamAction}, func(rec *serverRecord) *apiError {
		return actionBlocker(rec, req.kind)
	})
	var job *jobRecord
	if b.ok() {
		job = s.startJob(c, req, b.records)
	}
	s.mu.Unlock()

	switch {
	case b.denied:
		c.fail(v1Errors.forbidden(req.kind.iamAction))
	case len(b.failures) > 0:
		msg := b.first.msg
		if len(req.serverIDs) > 1 {
			msg = fmt.Sprintf("%s (%d of %d servers cannot be %s.)", msg, len(b.failures), len(req.serverIDs), req.kind.verb)
		}
		writeJSON(c.w, b.first.status, batchErrorBody{
			Error:         v1Error{Code: b.first.code, Message: msg},
			InternalError: b.failures,
		})
	default:
		writeJSON(c.w, http.StatusOK, jobAccepted{JobID: job.id})
	}
}

// admitServerAction authenticates a batch action, reads its body and
// checks that the caller may attempt the action at all; on failure it has
// answered.
func (s *Simulator) admitServerAction(c *call) (actionRequest, bool) {
	if !s.admitProject(c, v1Errors) {
		return actionRequest{}, false
	}
	// The action, and so the IAM action to check, is known only from the
	// body, which is therefore read before authorization.
	req, berr := decodeActionBody(c.body)
	if berr != nil {
		c.fail(v1Errors.body(berr))
		return actionRequest{}, false
	}
	if req.tooMany {
		c.fail(apiError{http.StatusBadRequest, "Ecs.0118",
			fmt.Sprintf("Too many servers in one batch: at most %d are allowed.", maxBatchServers)})
		return actionRequest{}, false
	}
	if !c.id.mayAttempt([]string{req.kind.iamAction}, true) {
		c.fail(v1Errors.forbidden(req.kind.iamAction))
		return actionRequest{}, false
	}
	return req, true
}

// startJob creates the job of an accepted batch action and marks its
// servers. s.mu must be held.
func (s *Simulator) startJob(c *call, req actionRequest, records []*serverRecord) *jobRecord {
	now := s.now().UTC()
	// Jobs are created rarely, so this is where expired ones are swept;
	// reading a job checks its expiry on its own.
	s.sweepJobsLocked(now)
	j := &jobRecord{
		id:        newRequestID(),
		projectID: c.params["project_id"],
		action:    req.kind,
		begin:     now,
		end:       now.Add(s.jobDuration),
		subJobs:   make([]subJob, 0, len(records)),
	}
	for _, rec := range records {
		sj := subJob{
			id:         newRequestID(),
			serverID:   rec.state.ID,
			ep:         rec.state.EnterpriseProjectID,
			prevStatus: rec.state.Status,
		}
		if req.kind.boots && rec.state.FailNextBoot != "" {
			// Consumed now, so that exactly one boot fails.
			sj.failCode, sj.failReason = codeBootFailed, rec.state.FailNextBoot
			rec.state.FailNextBoot = ""
		}
		rec.busyJob = j.id
		switch {
		case req.kind == actionReboot && req.rebootType == "HARD":
			rec.state.Status = "HARD_REBOOT"
		case req.kind == actionReboot:
			rec.state.Status = "REBOOT"
		case req.kind == actionStart:
			rec.task = "powering-on"
		default:
			rec.task = "powering-off"
		}
		rec.state.Updated = now
		j.subJobs = append(j.subJobs, sj)
	}
	s.jobs[j.id] = j
	s.pendingJobs = append(s.pendingJobs, j)
	return j
}

// jobView is the body of GET /v1/{project_id}/jobs/{job_id}. Unset times and
// error fields are null, as in the documented examples.
type jobView struct {
	Status     string      `json:"status"`
	JobID      string      `json:"job_id"`
	JobType    string      `json:"job_type"`
	BeginTime  string      `json:"begin_time"`
	EndTime    *string     `json:"end_time"`
	ErrorCode  *string     `json:"error_code"`
	FailReason *string     `json:"fail_reason"`
	Entities   jobEntities `json:"entities"`
}

type jobEntities struct {
	SubJobsTotal int          `json:"sub_jobs_total"`
	SubJobs      []subJobView `json:"sub_jobs"`
}

type subJobView struct {
	Status     string         `json:"status"`
	JobID      string         `json:"job_id"`
	JobType    string         `json:"job_type"`
	BeginTime  string         `json:"begin_time"`
	EndTime    *string        `json:"end_time"`
	Entities   subJobEntities `json:"entities"`
	ErrorCode  *string        `json:"error_code"`
	FailReason *string        `json:"fail_reason"`
}

type subJobEntities struct {
	ServerID string `json:"server_id"`
}

// jobTimeLayout is the timestamp format of job documents.
const jobTimeLayout = "2006-01-02T15:04:05.000Z"

func (j *jobRecord) view(now time.Time) jobView {
	status := j.phase(now)
	begin := j.begin.UTC().Format(jobTimeLayout)
	var end *string
	if j.settled {
		end = optionalString(j.end.UTC().Format(jobTimeLayout))
	}
	v := jobView{
		Status:    status,
		JobID:     j.id,
		JobType:   j.action.jobType,
		BeginTime: begin,
		EndTime:   end,
		Entities:  jobEntities{SubJobsTotal: len(j.subJobs), SubJobs: make([]subJobView, 0, len(j.subJobs))},
	}
	// The job carries the error of its first failed sub-job, so that a
	// client reading only the top level still learns why.
	if f := j.failed(); f != nil && j.settled {
		v.ErrorCode, v.FailReason = optionalString(f.failCode), optionalString(f.failReason)
	}
	for _, sj := range j.subJobs {
		sv := subJobView{
			Status:    status,
			JobID:     sj.id,
			JobType:   j.action.subJobType,
			BeginTime: begin,
			EndTime:   end,
			Entities:  subJobEntities{ServerID: sj.serverID},
		}
		if j.settled {
			sv.Status = jobSuccess
			if sj.failCode != "" {
				sv.Status = jobFail
				sv.ErrorCode, sv.FailReason = optionalString(sj.failCode), optionalString(sj.failReason)
			}
		}
		v.Entities.SubJobs = append(v.Entities.SubJobs, sv)
	}
	return v
}

// handleV1ShowJob is GET /v1/{project_id}/jobs/{job_id}.
//
// A job of another project, an unknown one and one finished more than a day
// ago are all 404. A caller with enterprise-project grants reads only jobs
// whose servers all lie in granted enterprise projects.
func (s *Simulator) handleV1ShowJob(c *call) {
	if !s.admit(c, v1Errors, actionsShowJob) {
		return
	}
	id := c.params["job_id"]
	s.mu.Lock()
	s.settleJobsLocked()
	now := s.now()
	j, ok := s.jobs[id]
	if ok && j.expired(now) {
		delete(s.jobs, id)
		ok = false
	}
	var (
		view   jobView
		denied bool
	)
	switch {
	case !ok || j.projectID != c.params["project_id"]:
	case slices.ContainsFunc(j.subJobs, func(sj subJob) bool { return !c.id.allowedOn(actionsShowJob, sj.ep, true) }):
		denied = true
	default:
		view = j.view(now)
	}
	s.mu.Unlock()

	switch {
	case denied:
		c.fail(v1Errors.forbidden(actionsShowJob[0]))
	case view.JobID == "":
		c.fail(apiError{http.StatusNotFound, "Ecs.0000", fmt.Sprintf("Job[%s] could not be found.", id)})
	default:
		writeJSON(c.w, http.StatusOK, view)
	}
}
