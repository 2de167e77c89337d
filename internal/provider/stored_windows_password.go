package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// The stored initial Windows password is read by the data source and by the
// ephemeral resource alike; what they share lives here.

// defaultWindowsPasswordWait bounds waiting for the password: it normally
// appears 5 to 10 minutes after the first boot.
const defaultWindowsPasswordWait = 15 * time.Minute

// windowsPasswordPreconditions is repeated wherever the password may be
// missing.
const windowsPasswordPreconditions = "A password is stored only for Windows servers created from an image with " +
	"Cloudbase-Init **and with a key pair**; Cloudbase-Init generates it at first boot, encrypts it with the key " +
	"pair's public key and stores it 5 to 10 minutes after the first boot. Servers created with a password, and " +
	"Linux servers, have none. Deleting the stored password (for example by destroying an `ecs_server_password` " +
	"resource) removes it for good."

// fetchWindowsPassword reads the encrypted password once, or with wait set
// until one is stored or ctx ends.
func fetchWindowsPassword(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID string, wait bool) (*ecsapi.ServerPassword, error) {
	if wait {
		return client.WaitForServerPassword(ctx, api, serverID)
	}
	return client.GetServerPassword(ctx, api, serverID)
}

// windowsPasswordFetchError turns a failed fetch into a diagnostic. When the
// password never appeared it reads the server to say why, as far as can be
// told from the outside.
func windowsPasswordFetchError(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID string, err error) (string, string) {
	var waitErr *ecsapi.PasswordWaitError
	switch {
	case errors.As(err, &waitErr) && errors.Is(err, context.Canceled):
		return "Waiting for Windows Password Cancelled", fmt.Sprintf("Waiting for the stored Windows password of "+
			"server %q was cancelled (for example with Ctrl-C) after %s and %d read(s) that found none. Nothing "+
			"was changed.", serverID, waitErr.Waited.Round(time.Second), waitErr.Reads)
	case errors.As(err, &waitErr):
		found := fmt.Sprintf(": no password was stored after waiting %s (%d reads)", waitErr.Waited.Round(time.Second), waitErr.Reads)
		return "Windows Password Not Available", noStoredPasswordDetail(ctx, client, api, serverID, found,
			waitErr.RequestID, "If the server booted only recently, raise `timeouts`.")
	}
	return "Unable to Read Windows Password", apiErrorDetail(apiCall{
		What: "read the stored Windows password of", ServerID: serverID, API: api,
		IAMAction: iamActionFor(api, iamActionShowPasswordV1),
	}, err)
}

// noStoredPasswordDetail explains that the API answered that no password is
// stored: found completes "Server ... has no stored Windows password", and
// advice says what to do next when waiting could help. When the server
// itself shows why no password will ever appear (not Windows, no key pair),
// that reason replaces the advice: waiting longer would not help.
func noStoredPasswordDetail(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID, found, requestID, advice string) string {
	reason := serverPasswordPrecondition(ctx, client, api, serverID)
	if reason != "" {
		advice = "No password will be stored for this server; waiting longer would not help."
	}
	return fmt.Sprintf("Server %q has no stored Windows password%s (%s API).%s\n\nAPI error code: none (the API "+
		"answered that no password is stored)\nRequest ID: %s\n\n%s %s",
		serverID, found, api, reason, requestIDOrNone(requestID), plainMarkdown(windowsPasswordPreconditions), advice)
}

// serverPasswordPrecondition names a visible reason why a server has no
// stored password, or returns "". The server's fields were sanitised by the
// client, so they are safe to quote.
func serverPasswordPrecondition(ctx context.Context, client *ecsapi.Client, api ecsapi.API, serverID string) string {
	// The caller's context may have ended with the wait, so the check gets
	// a short budget of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	server, err := client.GetServer(ctx, api, serverID)
	if err != nil {
		return ""
	}
	switch {
	case server.OSType != "" && !strings.EqualFold(server.OSType, "Windows"):
		return fmt.Sprintf(" The server runs %q, not Windows.", server.OSType)
	case server.KeyName == "":
		return " The server was created without a key pair, so no password is stored for it."
	}
	return ""
}

// plainMarkdown drops Markdown emphasis for plain-text diagnostics.
func plainMarkdown(s string) string {
	return strings.ReplaceAll(s, "**", "")
}
