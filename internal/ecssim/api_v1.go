package ecssim

import (
	"fmt"
	"net/http"
)

// Actions each operation accepts; the first one is named in denials. The
// read operations accept both the older ecs:cloudServers:get and the newer
// dedicated action names (contract §1).
var (
	actionsReset       = []string{ActionResetServerPwd}
	actionsResetFlag   = []string{ActionGetServer, ActionShowResetPasswordFlag}
	actionsGetPassword = []string{ActionGetServer, ActionShowServerPassword}
	actionsDeletePwd   = []string{ActionDeletePassword}
	actionsShowServer  = []string{ActionGetServer}
	actionsNativePwd   = []string{ActionManageServerPasswords}
)

// errorSet renders the errors shared by the v1 and native handlers in one
// family's vocabulary.
type errorSet struct {
	honourEP        bool
	projectMismatch func(urlProject, credProject string) apiError
	forbidden       func(action string) apiError
	notFound        func(serverID string) apiError
	body            func(*bodyError) apiError
	blocked         func(rec *serverRecord, why resetBlock) apiError
}

var v1Errors = errorSet{
	honourEP: true,
	projectMismatch: func(urlProject, credProject string) apiError {
		return apiError{http.StatusBadRequest, "Ecs.0023", fmt.Sprintf(
			"The project ID %s in the URL does not match the project ID %s of the credential.", urlProject, credProject)}
	},
	forbidden: func(action string) apiError {
		return apiError{http.StatusForbidden, "Pdp.0001", fmt.Sprintf("Policy doesn't allow %s to be performed.", action)}
	},
	notFound: func(id string) apiError {
		return apiError{http.StatusNotFound, "Ecs.0114", fmt.Sprintf("Instance[%s] could not be found.", id)}
	},
	body: func(e *bodyError) apiError {
		if e.empty {
			return apiError{http.StatusBadRequest, "Common.0002", e.msg}
		}
		return apiError{http.StatusBadRequest, "Ecs.0005", e.msg}
	},
	blocked: func(rec *serverRecord, why resetBlock) apiError {
		switch why {
		case blockLocked:
			return apiError{http.StatusBadRequest, "Ecs.0605", fmt.Sprintf("Instance[%s] is locked.", rec.state.ID)}
		case blockStatus:
			return apiError{http.StatusBadRequest, "Ecs.0100", fmt.Sprintf(
				"Instance[%s] is %s; its status must be ACTIVE or SHUTOFF.", rec.state.ID, rec.state.Status)}
		default:
			return apiError{http.StatusBadRequest, "Ecs.0613", fmt.Sprintf(
				"Instance[%s] has no one-click password reset plug-in installed.", rec.state.ID)}
		}
	},
}

// admit checks the URL's project against the credential and whether the
// caller holds one of actions at all (before the server is known).
func (s *Simulator) admit(c *call, errs errorSet, actions []string) bool {
	if !s.admitProject(c, errs) {
		return false
	}
	if !c.id.mayAttempt(actions, errs.honourEP) {
		c.fail(errs.forbidden(actions[0]))
		return false
	}
	return true
}

// admitProject checks the URL's project (and any X-Project-Id header)
// against the credential's.
func (s *Simulator) admitProject(c *call, errs errorSet) bool {
	if p := c.params["project_id"]; p != c.id.projectID {
		c.fail(errs.projectMismatch(p, c.id.projectID))
		return false
	}
	if h := c.r.Header.Get("X-Project-Id"); h != "" && h != c.id.projectID {
		c.fail(errs.projectMismatch(h, c.id.projectID))
		return false
	}
	return true
}

// withServer runs fn on the server named in the URL while holding the lock,
// after the not-found and enterprise-project checks. fn may return an error
// to send; the caller writes success responses after the lock is released.
func (s *Simulator) withServer(c *call, errs errorSet, actions []string, fn func(rec *serverRecord) *apiError) *apiError {
	id := c.params["server_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleJobsLocked()
	// Every server lives in the simulator's own project; another project
	// (reachable by a principal registered for it) has none.
	rec, ok := s.servers[id]
	if !ok || c.params["project_id"] != s.cfg.ProjectID {
		e := errs.notFound(id)
		return &e
	}
	if !c.id.allowedOn(actions, rec.state.EnterpriseProjectID, errs.honourEP) {
		e := errs.forbidden(actions[0])
		return &e
	}
	return fn(rec)
}

// resetRecord describes a reset accepted for call c.
func (s *Simulator) resetRecord(c *call, api string, check bool) ResetRecord {
	return ResetRecord{
		Time: s.now().UTC(), API: api, IsCheckPassword: check, RequestID: c.reqID,
		AccessKey: c.id.credentialID(), Source: c.id.source, Agency: c.id.agency,
	}
}

// handleV1Reset is op 1: PUT /v1/{project_id}/cloudservers/{server_id}/os-reset-password.
func (s *Simulator) handleV1Reset(c *call) {
	s.reset(c, v1Errors, resetAPIV1)
}

// reset serves the single-server reset of both families; only the v1
// operation honours is_check_password.
func (s *Simulator) reset(c *call, errs errorSet, api string) {
	if !s.admit(c, errs, actionsReset) {
		return
	}
	req, berr := decodeResetBody(c.body)
	if berr != nil {
		c.fail(errs.body(berr))
		return
	}
	check := api == resetAPIV1 && req.isCheckPassword
	if check {
		if rule := checkPasswordRules(req.newPassword); rule != "" {
			c.fail(apiError{http.StatusBadRequest, "Ecs.0011",
				"The password does not meet the password complexity requirements: " + rule + "."})
			return
		}
	}
	if e := s.withServer(c, errs, actionsReset, func(rec *serverRecord) *apiError {
		if why := rec.resetBlocker(); why != blockNone {
			e := errs.blocked(rec, why)
			return &e
		}
		rec.recordReset(req.newPassword, s.resetRecord(c, api, check))
		return nil
	}); e != nil {
		c.fail(*e)
		return
	}
	writeNoContent(c.w)
}

// handleV1ResetFlag is op 2: GET .../os-resetpwd-flag.
func (s *Simulator) handleV1ResetFlag(c *call) {
	if !s.admit(c, v1Errors, actionsResetFlag) {
		return
	}
	flag := "False"
	if e := s.withServer(c, v1Errors, actionsResetFlag, func(rec *serverRecord) *apiError {
		if rec.state.ResetPasswordSupported {
			flag = "True"
		}
		return nil
	}); e != nil {
		c.fail(*e)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]string{"resetpwd_flag": flag})
}

// handleV1GetPassword is op 3: GET .../os-server-password.
func (s *Simulator) handleV1GetPassword(c *call) {
	s.getPassword(c, v1Errors, actionsGetPassword)
}

// getPassword returns the stored ciphertext, or "" when there is none (the
// upstream Nova behaviour, contract §5).
func (s *Simulator) getPassword(c *call, errs errorSet, actions []string) {
	if !s.admit(c, errs, actions) {
		return
	}
	var password string
	if e := s.withServer(c, errs, actions, func(rec *serverRecord) *apiError {
		password = rec.state.EncryptedPassword
		return nil
	}); e != nil {
		c.fail(*e)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]string{"password": password})
}

// handleV1DeletePassword is op 4: DELETE .../os-server-password.
func (s *Simulator) handleV1DeletePassword(c *call) {
	s.deletePassword(c, v1Errors, actionsDeletePwd)
}

// deletePassword clears the stored ciphertext; deleting when nothing is
// stored succeeds too.
func (s *Simulator) deletePassword(c *call, errs errorSet, actions []string) {
	if !s.admit(c, errs, actions) {
		return
	}
	if e := s.withServer(c, errs, actions, func(rec *serverRecord) *apiError {
		rec.clearWindowsPassword()
		return nil
	}); e != nil {
		c.fail(*e)
		return
	}
	writeNoContent(c.w)
}

// handleV1ShowServer is GET /v1/{project_id}/cloudservers/{server_id}.
func (s *Simulator) handleV1ShowServer(c *call) {
	if !s.admit(c, v1Errors, actionsShowServer) {
		return
	}
	var view v1Server
	if e := s.withServer(c, v1Errors, actionsShowServer, func(rec *serverRecord) *apiError {
		view = s.v1ServerView(rec)
		return nil
	}); e != nil {
		c.fail(*e)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]v1Server{"server": view})
}

// batchFailure is one entry of the batch envelope's internalError list.
type batchFailure struct {
	ID           string `json:"id"`
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
}

type batchErrorBody struct {
	Error         v1Error        `json:"error"`
	InternalError []batchFailure `json:"internalError"`
}

type batchResponse struct {
	Response []batchServer `json:"response"`
}

type batchServer struct {
	ID string `json:"id"`
}

// batchCheck is what a batch request found on checking every listed server
// before acting on any, since a batch is all or nothing.
type batchCheck struct {
	// failures has one entry per server that cannot take the operation.
	failures []batchFailure
	// first is the error of the first such server.
	first *apiError
	// records are the servers that can, in the order listed.
	records []*serverRecord
	// denied is set when a listed server lies outside the caller's grants,
	// which makes the whole request 403; the check stops there.
	denied bool
}

// ok reports whether the batch may go ahead.
func (b *batchCheck) ok() bool { return !b.denied && len(b.failures) == 0 }

func (b *batchCheck) fail(id string, e *apiError) {
	b.failures = append(b.failures, batchFailure{ID: id, ErrorCode: e.code, ErrorMessage: e.msg})
	if b.first == nil {
		b.first = e
	}
}

// checkBatchLocked looks up every server of a v1 batch request for the
// caller, who must be granted actions on it, and asks blocker whether it
// can take the operation (nil when it can). s.mu must be held.
func (s *Simulator) checkBatchLocked(c *call, ids, actions []string, blocker func(*serverRecord) *apiError) batchCheck {
	var b batchCheck
	for _, id := range ids {
		rec, ok := s.servers[id]
		if !ok || c.params["project_id"] != s.cfg.ProjectID {
			e := v1Errors.notFound(id)
			b.fail(id, &e)
			continue
		}
		if !c.id.allowedOn(actions, rec.state.EnterpriseProjectID, true) {
			b.denied = true
			break
		}
		if e := blocker(rec); e != nil {
			b.fail(id, e)
			continue
		}
		b.records = append(b.records, rec)
	}
	return b
}

// handleV1BatchReset is op B: PUT /v1/{project_id}/cloudservers/os-reset-passwords.
//
// It is all or nothing: when any listed server cannot be reset, nothing is
// reset and the answer is 400 Ecs.0611 with one internalError entry per
// failing server. Passwords are not checked against the complexity rules
// (the batch body has no is_check_password). A dry run performs every check
// and answers like a real run without changing anything.
func (s *Simulator) handleV1BatchReset(c *call) {
	if !s.admit(c, v1Errors, actionsReset) {
		return
	}
	req, berr := decodeBatchBody(c.body)
	if berr != nil {
		c.fail(v1Errors.body(berr))
		return
	}
	if req.tooMany {
		c.fail(apiError{http.StatusBadRequest, "Ecs.0118",
			fmt.Sprintf("Too many servers in one batch: at most %d are allowed.", maxBatchServers)})
		return
	}

	s.mu.Lock()
	s.settleJobsLocked()
	b := s.checkBatchLocked(c, req.serverIDs, actionsReset, func(rec *serverRecord) *apiError {
		if why := rec.resetBlocker(); why != blockNone {
			e := v1Errors.blocked(rec, why)
			return &e
		}
		return nil
	})
	if b.ok() && !req.dryRun {
		// One request, one moment: every server gets the same record.
		reset := s.resetRecord(c, resetAPIBatch, false)
		for _, rec := range b.records {
			rec.recordReset(req.newPassword, reset)
		}
	}
	s.mu.Unlock()
	writeBatchResetAnswer(c, req.serverIDs, &b)
}

// writeBatchResetAnswer answers a batch reset after its check.
func writeBatchResetAnswer(c *call, ids []string, b *batchCheck) {
	switch {
	case b.denied:
		c.fail(v1Errors.forbidden(ActionResetServerPwd))
	case len(b.failures) > 0:
		writeJSON(c.w, http.StatusBadRequest, batchErrorBody{
			Error: v1Error{Code: "Ecs.0611", Message: fmt.Sprintf(
				"Batch operation failed: %d of %d servers cannot be reset.", len(b.failures), len(ids))},
			InternalError: b.failures,
		})
	default:
		resp := batchResponse{Response: make([]batchServer, 0, len(ids))}
		for _, id := range ids {
			resp.Response = append(resp.Response, batchServer{ID: id})
		}
		writeJSON(c.w, http.StatusOK, resp)
	}
}
