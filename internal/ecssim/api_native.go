package ecssim

import (
	"fmt"
	"net/http"
)

// nativeErrors renders errors of the /v2.1/ (and /v2/) operations as Nova
// faults. These operations ignore enterprise-project grants (contract §2.8),
// and a locked or busy server is a conflict, as in Nova.
var nativeErrors = errorSet{
	honourEP: false,
	projectMismatch: func(urlProject, credProject string) apiError {
		return apiError{http.StatusBadRequest, "badRequest", fmt.Sprintf(
			"Malformed request URL: project ID %s in the URL does not match project ID %s of the credential.", urlProject, credProject)}
	},
	forbidden: func(action string) apiError {
		return apiError{http.StatusForbidden, "forbidden", fmt.Sprintf("Policy doesn't allow %s to be performed.", action)}
	},
	notFound: func(id string) apiError {
		return apiError{http.StatusNotFound, "itemNotFound", fmt.Sprintf("Instance %s could not be found.", id)}
	},
	body: func(e *bodyError) apiError {
		return apiError{http.StatusBadRequest, "badRequest", e.msg}
	},
	blocked: func(rec *serverRecord, why resetBlock) apiError {
		switch why {
		case blockLocked:
			return apiError{http.StatusConflict, "conflictingRequest", fmt.Sprintf("Instance %s is locked.", rec.state.ID)}
		case blockStatus:
			return apiError{http.StatusConflict, "conflictingRequest", fmt.Sprintf(
				"Cannot reset the password of instance %s while it is %s.", rec.state.ID, rec.state.Status)}
		default:
			return apiError{http.StatusBadRequest, "badRequest", fmt.Sprintf(
				"Instance %s has no one-click password reset plug-in installed.", rec.state.ID)}
		}
	},
}

// handleNativeReset is op 5, the deprecated PUT .../servers/{id}/os-reset-password.
// It never checks password complexity, even when is_check_password is sent.
func (s *Simulator) handleNativeReset(c *call) {
	s.reset(c, nativeErrors, resetAPIV21)
}

// handleNativeGetPassword is op 6: GET .../servers/{id}/os-server-password.
func (s *Simulator) handleNativeGetPassword(c *call) {
	s.getPassword(c, nativeErrors, actionsNativePwd)
}

// handleNativeDeletePassword is op 7: DELETE .../servers/{id}/os-server-password.
func (s *Simulator) handleNativeDeletePassword(c *call) {
	s.deletePassword(c, nativeErrors, actionsNativePwd)
}

// handleNativeShowServer is GET /v2.1/{project_id}/servers/{server_id}.
func (s *Simulator) handleNativeShowServer(c *call) {
	if !s.admit(c, nativeErrors, actionsShowServer) {
		return
	}
	var view nativeServer
	if e := s.withServer(c, nativeErrors, actionsShowServer, func(rec *serverRecord) *apiError {
		view = s.nativeServerView(rec, requestBase(c.r))
		return nil
	}); e != nil {
		c.fail(*e)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]nativeServer{"server": view})
}
