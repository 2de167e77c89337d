package ecsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
)

var boolType = reflect.TypeFor[bool]()

// errEmptyPassword is returned before any request when no password is given.
var errEmptyPassword = errors.New("ecsapi: the new password must not be empty")

type resetPasswordRequest struct {
	ResetPassword resetPasswordOptions `json:"reset-password"`
}

type resetPasswordOptions struct {
	NewPassword string `json:"new_password"`
	// IsCheckPassword is omitted on the v2.1 API, which has no such field.
	IsCheckPassword *bool `json:"is_check_password,omitempty"`
}

// ResetPasswordFlag says whether a server supports one-click password reset.
type ResetPasswordFlag struct {
	// Raw is the flag exactly as returned, normally "True" or "False".
	Raw string
	// Supported is true when Raw means true.
	Supported bool
	// RequestID is the X-Request-Id of the response, so that a diagnostic
	// about the flag's value can quote it; "" when the response had none.
	RequestID string
}

// ServerPassword is the stored initial Windows password of a server, as
// returned by the API.
type ServerPassword struct {
	// Encrypted is the base64 ciphertext; "" when no password is stored.
	Encrypted string
	// RequestID is the X-Request-Id of the response, so that a diagnostic
	// about a missing password can quote it; "" when the response had none.
	RequestID string
}

// ResetServerPassword resets the root or Administrator password of a server
// through the chosen API family: PUT /v1/{project_id}/cloudservers/{id}/os-reset-password
// or PUT /v2.1/{project_id}/servers/{id}/os-reset-password.
//
// On the v1 API, checkPassword is sent as is_check_password: with it the
// service enforces its password rules, without it any password is accepted.
// The v2.1 API has no such field and never checks a password's strength, so
// there checkPassword is ignored and nothing about it is sent.
//
// The new password takes effect after the server is started or rebooted, and
// only if the reset plug-in runs in the guest.
func (c *Client) ResetServerPassword(ctx context.Context, api API, serverID, newPassword string, checkPassword bool) error {
	segs, err := c.serverSegments(api, serverID, "os-reset-password")
	if err != nil {
		return err
	}
	if newPassword == "" {
		return errEmptyPassword
	}
	opts := resetPasswordOptions{NewPassword: newPassword}
	if api == APIV1 {
		opts.IsCheckPassword = &checkPassword
	}
	body, err := json.Marshal(resetPasswordRequest{ResetPassword: opts})
	if err != nil {
		return fmt.Errorf("ecsapi: encoding the reset request: %w", err)
	}
	// 204 is documented; 200 and 202 are accepted in case a gateway
	// rewrites the status, since they still mean the reset was accepted
	// as long as the body shows that the ECS API sent them.
	return c.sendNoBody(ctx, c.ecsRequest(http.MethodPut, segs, body, newPassword),
		http.StatusNoContent, http.StatusOK, http.StatusAccepted)
}

// GetResetPasswordFlag reports whether a server supports one-click password
// reset (GET /v1/{project_id}/cloudservers/{id}/os-resetpwd-flag).
func (c *Client) GetResetPasswordFlag(ctx context.Context, serverID string) (*ResetPasswordFlag, error) {
	segs, err := c.serverSegments(APIV1, serverID, "os-resetpwd-flag")
	if err != nil {
		return nil, err
	}
	r, err := c.send(ctx, c.ecsRequest(http.MethodGet, segs, nil), http.StatusOK)
	if err != nil {
		return nil, err
	}
	var body struct {
		Flag json.RawMessage `json:"resetpwd_flag"`
	}
	if err := c.decodeJSON(r, &body); err != nil {
		return nil, err
	}
	// The flag is documented as the string "True" or "False"; a JSON
	// boolean is tolerated too.
	raw := jsonScalar(body.Flag)
	switch strings.ToLower(raw) {
	case "true":
		return &ResetPasswordFlag{Raw: raw, Supported: true, RequestID: r.requestID}, nil
	case "false":
		return &ResetPasswordFlag{Raw: raw, Supported: false, RequestID: r.requestID}, nil
	case "":
		return nil, c.responseError(r, "response has no resetpwd_flag")
	}
	return nil, c.responseError(r, fmt.Sprintf("resetpwd_flag is %q, expected \"True\" or \"False\"", sanitizeText(raw, 32)))
}

// GetServerPassword returns the encrypted (base64) initial Windows password
// stored for a server; its Encrypted field is "" when none is stored (yet).
func (c *Client) GetServerPassword(ctx context.Context, api API, serverID string) (*ServerPassword, error) {
	segs, err := c.serverSegments(api, serverID, "os-server-password")
	if err != nil {
		return nil, err
	}
	r, err := c.send(ctx, c.ecsRequest(http.MethodGet, segs, nil), http.StatusOK)
	if err != nil {
		return nil, err
	}
	// The SDK models the field as optional: an object without it, like
	// "" and null, means "nothing stored (yet)". A body that is not an
	// object at all (null, an array) is no answer of this API, and reading
	// it as "nothing stored" would hide a broken endpoint behind a wait.
	if trimmed := bytes.TrimSpace(r.body); len(trimmed) == 0 || trimmed[0] != '{' {
		if len(trimmed) > 0 {
			return nil, c.responseError(r, "response is not a JSON object")
		}
	}
	var body struct {
		Password *string `json:"password"`
	}
	if err := c.decodeJSON(r, &body); err != nil {
		return nil, err
	}
	pw := &ServerPassword{RequestID: r.requestID}
	if body.Password != nil {
		pw.Encrypted = *body.Password
	}
	return pw, nil
}

// DeleteServerPassword clears the stored initial Windows password of a
// server. It does not change the password on the server itself.
func (c *Client) DeleteServerPassword(ctx context.Context, api API, serverID string) error {
	segs, err := c.serverSegments(api, serverID, "os-server-password")
	if err != nil {
		return err
	}
	return c.sendNoBody(ctx, c.ecsRequest(http.MethodDelete, segs, nil),
		http.StatusNoContent, http.StatusOK, http.StatusAccepted)
}
