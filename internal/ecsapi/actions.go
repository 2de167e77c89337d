package ecsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// MaxActionServers is the largest number of servers one reboot, start or
// stop request may name; longer lists are sent in several requests.
const MaxActionServers = 1000

// ServerAction names a batch action on servers; the value is the key of the
// request document.
type ServerAction string

const (
	// ActionReboot restarts running servers.
	ActionReboot ServerAction = "reboot"
	// ActionStart starts stopped servers.
	ActionStart ServerAction = "os-start"
	// ActionStop stops running servers.
	ActionStop ServerAction = "os-stop"
)

// name is the action in plain words, for messages.
func (a ServerAction) name() string {
	switch a {
	case ActionStart:
		return "start"
	case ActionStop:
		return "stop"
	}
	return string(a)
}

// ActionJob is one accepted request: the job the service created for it
// and the servers it names.
type ActionJob struct {
	JobID     string
	ServerIDs []string
}

// ActionJobs lists the jobs of one RebootServers, StartServers or
// StopServers call, one per request of at most MaxActionServers servers, in
// the order of the server list.
type ActionJobs []ActionJob

// IDs returns the job IDs in order.
func (j ActionJobs) IDs() []string {
	out := make([]string, 0, len(j))
	for _, job := range j {
		out = append(out, job.JobID)
	}
	return out
}

// ActionError reports the request of a batch action that failed. Requests
// before it were accepted (their jobs are returned beside the error and
// their servers are already being acted on); requests after it were not
// sent. It unwraps to the request's failure, so IsOutcomeUnknown,
// IsThrottled and errors.As(*APIError) see through it.
type ActionError struct {
	Action ServerAction
	// ServerIDs are the servers of the failed request. When the outcome is
	// unknown (IsOutcomeUnknown), the service may be acting on them anyway.
	ServerIDs []string
	// NotSent are the servers of the requests that were not sent.
	NotSent []string
	Err     error
}

func (e *ActionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s of %d server(s)", e.Action.name(), len(e.ServerIDs))
	if len(e.NotSent) > 0 {
		fmt.Fprintf(&b, " (%d more not sent)", len(e.NotSent))
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ActionError) Unwrap() error { return e.Err }

// RebootServers restarts servers: POST /v1/{project_id}/cloudservers/action
// with {"reboot":{"type":"SOFT"|"HARD","servers":[...]}}. A hard reboot
// forces the restart like a power cycle; a soft one asks the guest to
// restart. See StartServers for how lists, errors and retries are handled.
func (c *Client) RebootServers(ctx context.Context, serverIDs []string, hard bool) (ActionJobs, error) {
	return c.serverAction(ctx, ActionReboot, rebootType(hard), serverIDs)
}

// StopServers stops servers: POST /v1/{project_id}/cloudservers/action with
// {"os-stop":{"type":"SOFT"|"HARD","servers":[...]}}. See StartServers for
// how lists, errors and retries are handled.
func (c *Client) StopServers(ctx context.Context, serverIDs []string, hard bool) (ActionJobs, error) {
	return c.serverAction(ctx, ActionStop, rebootType(hard), serverIDs)
}

// StartServers starts stopped servers: POST
// /v1/{project_id}/cloudservers/action with {"os-start":{"servers":[...]}}.
//
// Any number of servers may be given; they are sent in requests of at most
// MaxActionServers, in order, and each accepted request yields one job to
// wait for with WaitForJob. Accepting a request does not mean the servers
// changed state: only the job says so. The whole list is checked before
// anything is sent: it must not be empty, every ID must pass CheckServerID,
// and no server may be listed twice (IDs are compared without regard to
// case, since the service's UUIDs are). A request that fails stops the
// call: the jobs of the requests already accepted are returned together
// with an *ActionError.
func (c *Client) StartServers(ctx context.Context, serverIDs []string) (ActionJobs, error) {
	return c.serverAction(ctx, ActionStart, "", serverIDs)
}

func rebootType(hard bool) string {
	if hard {
		return "HARD"
	}
	return "SOFT"
}

type actionBody struct {
	// Type is omitted for os-start, which has none.
	Type    string          `json:"type,omitempty"`
	Servers []batchServerID `json:"servers"`
}

// serverAction validates the whole list, then sends it in chunks.
func (c *Client) serverAction(ctx context.Context, action ServerAction, kind string, serverIDs []string) (ActionJobs, error) {
	pid, err := c.requireProjectID()
	if err != nil {
		return nil, err
	}
	if err := checkActionServers(action, serverIDs); err != nil {
		return nil, err
	}
	segs := []string{"v1", pid, "cloudservers", "action"}
	jobs := make(ActionJobs, 0, (len(serverIDs)+MaxActionServers-1)/MaxActionServers)
	for start := 0; start < len(serverIDs); start += MaxActionServers {
		end := min(start+MaxActionServers, len(serverIDs))
		// The caller's slice is copied so that the returned jobs do not
		// change if the caller reuses it.
		chunk := append([]string(nil), serverIDs[start:end]...)
		jobID, err := c.postAction(ctx, segs, action, kind, chunk)
		if err != nil {
			return jobs, &ActionError{
				Action:    action,
				ServerIDs: chunk,
				NotSent:   append([]string(nil), serverIDs[end:]...),
				Err:       err,
			}
		}
		jobs = append(jobs, ActionJob{JobID: jobID, ServerIDs: chunk})
	}
	return jobs, nil
}

// checkActionServers applies the rules of StartServers to the list.
func checkActionServers(action ServerAction, serverIDs []string) error {
	return checkServerList(action.name(), serverIDs)
}

// checkServerList checks the servers of a request that names many (what
// names it): at least one, each a valid ID, none twice, compared without
// regard to case, since IDs are UUIDs.
func checkServerList(what string, serverIDs []string) error {
	if len(serverIDs) == 0 {
		return fmt.Errorf("ecsapi: %s needs at least one server ID", what)
	}
	seen := make(map[string]int, len(serverIDs))
	for i, id := range serverIDs {
		if err := validateID("server ID", id); err != nil {
			return fmt.Errorf("ecsapi: %s, entry %d: %w", what, i, err)
		}
		key := strings.ToLower(id)
		if first, dup := seen[key]; dup {
			return fmt.Errorf("ecsapi: %s, entry %d: server ID %s is already entry %d", what, i, quoteID(id), first)
		}
		seen[key] = i
	}
	return nil
}

// postAction sends one chunk and returns the job ID the service assigned.
//
// The request is marked resendOnlyWhenRefused. The client's policy resends
// other changes after a dropped connection or a 502/503/504, because every
// other change in this package sets a complete state (a password) and is
// harmless to repeat. A reboot is not: if the first request landed and only
// its answer was lost, a second one restarts the servers again, a second
// interruption of whatever runs on them, and a repeated stop or start fails
// on servers that are already in the target state, hiding the first
// request's success. So it is resent only when the answer proves the
// service turned it away without acting; every other failure is returned,
// wrapped in an *OutcomeUnknownError when the request may have taken
// effect, so that the caller can look at the servers instead of guessing.
func (c *Client) postAction(ctx context.Context, segs []string, action ServerAction, kind string, serverIDs []string) (string, error) {
	servers := make([]batchServerID, len(serverIDs))
	for i, id := range serverIDs {
		servers[i] = batchServerID{ID: id}
	}
	body, err := json.Marshal(map[ServerAction]actionBody{action: {Type: kind, Servers: servers}})
	if err != nil {
		return "", fmt.Errorf("ecsapi: encoding the %s request: %w", action.name(), err)
	}
	req := c.ecsRequest(http.MethodPost, segs, body)
	req.resendOnlyWhenRefused = true
	r, err := c.send(ctx, req, http.StatusOK, http.StatusAccepted)
	if err != nil {
		return "", err
	}
	return c.actionJobID(r)
}

// actionJobID reads the job ID from an accepted action request. The
// answer came with a success status, so something accepted the request;
// when it is not the ECS API's job document, the servers may be changing
// state without a job to follow, and the outcome is reported as unknown.
func (c *Client) actionJobID(r *apiResponse) (string, error) {
	var resp struct {
		JobID json.RawMessage `json:"job_id"`
	}
	err := c.decodeJSON(r, &resp)
	if err == nil {
		id := jsonScalar(resp.JobID)
		switch idErr := validateID("job ID", id); {
		case id == "":
			err = c.responseError(r, "the response has no job_id")
		case idErr != nil:
			err = c.responseError(r, "the response's job_id is unusable: "+idErr.Error())
		default:
			return id, nil
		}
	}
	r.uncertain = true
	return "", r.maybeUnknown(err)
}
