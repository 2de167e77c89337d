package ecsapi

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Pauses between reads while waiting for a stored Windows password. It
// normally appears 5 to 10 minutes after a server's first boot, so polling
// faster than every 30 seconds would only cost API quota.
const (
	passwordPollFirst = time.Second
	passwordPollMax   = 30 * time.Second
)

// PasswordWaitError reports that no password was stored when the wait
// ended. It unwraps to the context's error, so errors.Is tells a timeout
// (context.DeadlineExceeded) from a cancellation (context.Canceled).
type PasswordWaitError struct {
	// Waited is how long the wait lasted and Reads how many reads answered
	// "nothing stored".
	Waited time.Duration
	Reads  int
	// RequestID is that of the last read that answered "nothing stored".
	RequestID string
	// Err is the context error that ended the wait.
	Err error
}

func (e *PasswordWaitError) Error() string {
	return fmt.Sprintf("no password was stored after waiting %s (%d reads): %v", e.Waited.Round(time.Second), e.Reads, e.Err)
}

func (e *PasswordWaitError) Unwrap() error { return e.Err }

// WaitForServerPassword reads the stored Windows password of a server until
// one is stored or ctx ends, with pauses that double from 1 s to 30 s and
// are jittered so that many readers started together spread out. A read
// that fails ends the wait with its error (it was already retried); a wait
// that ends with nothing stored returns a *PasswordWaitError.
func (c *Client) WaitForServerPassword(ctx context.Context, api API, serverID string) (*ServerPassword, error) {
	start := time.Now()
	pause := passwordPollFirst
	lastRequestID := ""
	for reads := 0; ; {
		stored, err := c.GetServerPassword(ctx, api, serverID)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil && reads > 0 {
				return nil, &PasswordWaitError{Waited: time.Since(start), Reads: reads, RequestID: lastRequestID, Err: ctxErr}
			}
			return nil, err
		}
		if stored.Encrypted != "" {
			return stored, nil
		}
		reads++
		lastRequestID = stored.RequestID
		// Up to a quarter less than the nominal pause.
		d := pause - rand.N(pause/4+1)
		c.logDebug(ctx, "no Windows password stored yet; waiting", map[string]any{
			"server_id": serverID, "wait": d.String(), "reads": reads,
		})
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, &PasswordWaitError{Waited: time.Since(start), Reads: reads, RequestID: lastRequestID, Err: ctx.Err()}
		case <-timer.C:
		}
		pause = min(pause*2, passwordPollMax)
	}
}
