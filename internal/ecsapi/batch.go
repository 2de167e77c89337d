package ecsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// MaxBatchServers is the largest number of servers one batch reset accepts.
const MaxBatchServers = 1000

// BatchResetRequest resets the password of several servers at once.
type BatchResetRequest struct {
	// NewPassword is required unless DryRun is set.
	NewPassword string
	// DryRun asks the service to validate the request without resetting.
	DryRun bool
	// ServerIDs lists 1 to MaxBatchServers distinct servers.
	ServerIDs []string
}

// BatchResetResult lists the servers the service accepted.
type BatchResetResult struct {
	ServerIDs []string
	// Listed is true when the answer listed the accepted servers (the
	// documented 200 {"response":[...]}); then a server it leaves out was
	// not reset. A 204 answer lists none and accepts the whole request.
	Listed bool
	// RequestID is the answer's request ID, for diagnostics.
	RequestID string
}

type batchResetBody struct {
	NewPassword string          `json:"new_password,omitempty"`
	DryRun      bool            `json:"dry_run"`
	Servers     []batchServerID `json:"servers"`
}

type batchServerID struct {
	ID string `json:"id"`
}

// BatchResetServerPasswords resets the password of up to 1000 servers
// (PUT /v1/{project_id}/cloudservers/os-reset-passwords). The request is
// validated before anything is sent. Per-server failures are reported in
// the returned *APIError's Failures.
func (c *Client) BatchResetServerPasswords(ctx context.Context, req BatchResetRequest) (*BatchResetResult, error) {
	pid, err := c.requireProjectID()
	if err != nil {
		return nil, err
	}
	if n := len(req.ServerIDs); n > MaxBatchServers {
		return nil, fmt.Errorf("ecsapi: a batch reset accepts at most %d servers, got %d", MaxBatchServers, n)
	}
	if err := checkServerList("a batch reset", req.ServerIDs); err != nil {
		return nil, err
	}
	if req.NewPassword == "" && !req.DryRun {
		return nil, errEmptyPassword
	}
	servers := make([]batchServerID, 0, len(req.ServerIDs))
	for _, id := range req.ServerIDs {
		servers = append(servers, batchServerID{ID: id})
	}
	body, err := json.Marshal(batchResetBody{NewPassword: req.NewPassword, DryRun: req.DryRun, Servers: servers})
	if err != nil {
		return nil, fmt.Errorf("ecsapi: encoding the batch request: %w", err)
	}
	segs := []string{"v1", pid, "cloudservers", "os-reset-passwords"}
	r, err := c.send(ctx, c.ecsRequest(http.MethodPut, segs, body, req.NewPassword),
		http.StatusOK, http.StatusAccepted, http.StatusNoContent)
	if err != nil {
		return nil, err
	}
	result := &BatchResetResult{RequestID: r.requestID}
	if r.status == http.StatusNoContent || (req.DryRun && len(r.body) == 0) {
		// The dry-run success body is undocumented; an empty one is fine.
		return result, nil
	}
	var resp struct {
		Response *[]batchServerID `json:"response"`
	}
	if err := c.decodeJSON(r, &resp); err != nil {
		if req.DryRun {
			return nil, err
		}
		// Something accepted the request with a success status; what it
		// did cannot be read from the answer.
		return nil, &OutcomeUnknownError{Err: err, Why: uncertainOr(r, "the answer to the accepted request could not be read")}
	}
	if resp.Response == nil {
		if req.DryRun {
			return result, nil
		}
		// Without the list nothing says which servers were reset.
		return nil, &OutcomeUnknownError{
			Err: c.responseError(r, "response has no list of accepted servers"),
			Why: uncertainOr(r, "the answer did not say which servers were reset"),
		}
	}
	result.Listed = true
	for _, s := range *resp.Response {
		result.ServerIDs = append(result.ServerIDs, s.ID)
	}
	return result, nil
}

// uncertainOr is why an answer leaves the outcome open: what an earlier
// attempt of the call already made uncertain, or else why.
func uncertainOr(r *apiResponse, why string) string {
	if r.uncertainWhy != "" {
		return r.uncertainWhy
	}
	return why
}
