package ecssim

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// bodyError explains why a request body was rejected. empty distinguishes a
// missing body (Common.0002) from a malformed one (Ecs.0005).
type bodyError struct {
	empty bool
	msg   string
}

func malformed(format string, args ...any) *bodyError {
	return &bodyError{msg: fmt.Sprintf(format, args...)}
}

// decodeObject parses body as one JSON object into its members. Keys are
// matched exactly (encoding/json's case-insensitive matching would accept
// requests the real API rejects).
func decodeObject(body []byte, what string) (map[string]json.RawMessage, *bodyError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &bodyError{empty: true, msg: "The request body cannot be empty."}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, malformed("The request body is not a valid JSON object (%s).", what)
	}
	return obj, nil
}

// member decodes obj[key] into dst if present and not null; it reports
// whether a value was present.
func member(obj map[string]json.RawMessage, key string, dst any, typ string) (bool, *bodyError) {
	raw, ok := obj[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return false, nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return false, malformed("Invalid parameter %s: it must be %s.", key, typ)
	}
	return true, nil
}

// resetRequest is the body of the single-server reset operations:
// {"reset-password":{"new_password":"...","is_check_password":true}}.
type resetRequest struct {
	newPassword     string
	isCheckPassword bool
}

func decodeResetBody(body []byte) (resetRequest, *bodyError) {
	var req resetRequest
	obj, berr := decodeObject(body, `expected {"reset-password":{"new_password":"..."}}`)
	if berr != nil {
		return req, berr
	}
	var inner map[string]json.RawMessage
	present, berr := member(obj, "reset-password", &inner, "an object")
	if berr != nil {
		return req, berr
	}
	if !present {
		return req, malformed("Invalid parameter reset-password: it is required.")
	}
	if _, berr := member(inner, "new_password", &req.newPassword, "a string"); berr != nil {
		return req, berr
	}
	if req.newPassword == "" {
		return req, malformed("Invalid parameter new_password: it is required and must not be empty.")
	}
	if _, berr := member(inner, "is_check_password", &req.isCheckPassword, "a boolean"); berr != nil {
		return req, berr
	}
	return req, nil
}

// maxBatchServers is the batch reset limit; more gives Ecs.0118.
const maxBatchServers = 1000

// batchRequest is the body of the batch reset:
// {"new_password":"...","dry_run":false,"servers":[{"id":"..."}]}.
type batchRequest struct {
	newPassword string
	dryRun      bool
	serverIDs   []string
	// tooMany is set when the list exceeds maxBatchServers; it is reported
	// with its own code.
	tooMany bool
}

func decodeBatchBody(body []byte) (batchRequest, *bodyError) {
	var req batchRequest
	obj, berr := decodeObject(body, `expected {"new_password":"...","servers":[{"id":"..."}]}`)
	if berr != nil {
		return req, berr
	}
	if _, berr := member(obj, "new_password", &req.newPassword, "a string"); berr != nil {
		return req, berr
	}
	if _, berr := member(obj, "dry_run", &req.dryRun, "a boolean"); berr != nil {
		return req, berr
	}
	req.serverIDs, req.tooMany, berr = decodeServerList(obj)
	if berr != nil || req.tooMany {
		return req, berr
	}
	if !req.dryRun && req.newPassword == "" {
		return req, malformed("Invalid parameter new_password: it is required unless dry_run is true.")
	}
	return req, nil
}

// decodeServerList reads the "servers" member shared by the batch bodies: 1
// to maxBatchServers distinct {"id":"..."} objects. A longer list is not an
// error here but reported as tooMany, since the API answers it with its own
// code.
func decodeServerList(obj map[string]json.RawMessage) (ids []string, tooMany bool, berr *bodyError) {
	var servers []json.RawMessage
	present, berr := member(obj, "servers", &servers, "an array of {\"id\":\"...\"} objects")
	if berr != nil {
		return nil, false, berr
	}
	if !present || len(servers) == 0 {
		return nil, false, malformed("Invalid parameter servers: it must list 1 to %d servers.", maxBatchServers)
	}
	if len(servers) > maxBatchServers {
		return nil, true, nil
	}
	seen := make(map[string]bool, len(servers))
	ids = make([]string, 0, len(servers))
	for i, raw := range servers {
		var entry map[string]json.RawMessage
		if err := json.Unmarshal(raw, &entry); err != nil || entry == nil {
			return nil, false, malformed("Invalid parameter servers[%d]: it must be an object with an id.", i)
		}
		var id string
		if _, berr := member(entry, "id", &id, "a string"); berr != nil {
			return nil, false, berr
		}
		if id == "" {
			return nil, false, malformed("Invalid parameter servers[%d].id: it is required.", i)
		}
		if seen[id] {
			return nil, false, malformed("Invalid parameter servers: server %s is listed more than once.", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids, false, nil
}

// actionRequest is the body of POST /v1/{project_id}/cloudservers/action:
// {"reboot":{"type":"SOFT","servers":[...]}}, {"os-start":{"servers":[...]}}
// or {"os-stop":{"type":"HARD","servers":[...]}}.
type actionRequest struct {
	kind *serverAction
	// rebootType is SOFT or HARD for reboot and os-stop; "" for os-start.
	rebootType string
	serverIDs  []string
	// tooMany is set when the list exceeds maxBatchServers.
	tooMany bool
}

func decodeActionBody(body []byte) (actionRequest, *bodyError) {
	var req actionRequest
	obj, berr := decodeObject(body, `expected {"reboot":{"type":"SOFT","servers":[{"id":"..."}]}}`)
	if berr != nil {
		return req, berr
	}
	// Exactly one action per request. Other members are ignored, as the
	// other decoders ignore them, but they cannot stand in for an action.
	var inner map[string]json.RawMessage
	for _, kind := range serverActions {
		var val map[string]json.RawMessage
		present, berr := member(obj, kind.key, &val, "an object")
		if berr != nil {
			return req, berr
		}
		if !present {
			continue
		}
		if req.kind != nil {
			return req, malformed("Invalid request: it holds both %s and %s; send one action per request.", req.kind.key, kind.key)
		}
		req.kind, inner = kind, val
	}
	if req.kind == nil {
		return req, malformed("Invalid request: it must hold one of reboot, os-start or os-stop.")
	}
	if req.kind.takesType {
		present, berr := member(inner, "type", &req.rebootType, "a string")
		if berr != nil {
			return req, berr
		}
		switch {
		case !present && req.kind.typeRequired:
			return req, malformed("Invalid parameter %s.type: it is required (SOFT or HARD).", req.kind.key)
		case !present:
			req.rebootType = "SOFT"
		case req.rebootType != "SOFT" && req.rebootType != "HARD":
			return req, malformed("Invalid parameter %s.type: it must be SOFT or HARD.", req.kind.key)
		}
	}
	req.serverIDs, req.tooMany, berr = decodeServerList(inner)
	return req, berr
}
