package simctl

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/clirunner"
)

// StartOptions controls Start.
type StartOptions struct {
	// Args are the command's flags. Pass "-addr", "127.0.0.1:0" for a free port: without -addr
	// the simulator listens on the fixed ecssim.DefaultAddr.
	Args []string
	// Log receives the simulator's standard error (one line per request); nil discards it.
	Log io.Writer
	// Timeout bounds the wait for the simulator to listen; zero means
	// clirunner.DefaultStartTimeout.
	Timeout time.Duration
	// HTTPClient makes the control requests; nil means the default of New.
	HTTPClient *http.Client
}

// Process is an ecs-simulator child process and a client of its control API.
type Process struct {
	*Client
	proc *clirunner.Process
}

// Start runs the ecs-simulator binary bin in its own process group and returns once the
// simulator listens, that is once it has printed its base URL. ctx bounds the start only; the
// process runs until Stop. If the simulator exits or prints no URL in time, the error quotes the
// end of its standard error.
func Start(ctx context.Context, bin string, opts StartOptions) (*Process, error) {
	proc, err := clirunner.StartURLProcess(ctx, bin, clirunner.StartOptions{
		Args:    opts.Args,
		Log:     opts.Log,
		Timeout: opts.Timeout,
	})
	if err != nil {
		return nil, err
	}
	c, err := New(proc.URL, opts.HTTPClient)
	if err != nil {
		proc.Stop()
		return nil, err
	}
	return &Process{Client: c, proc: proc}, nil
}

// Pid returns the process ID.
func (p *Process) Pid() int { return p.proc.Pid() }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.proc.Done() }

// Stop terminates the simulator (and anything in its process group) and waits for it. It is
// safe to call more than once.
func (p *Process) Stop() { p.proc.Stop() }

// Err returns how the process ended, nil when Stop ended it; call it after Stop returned or Done
// is closed.
func (p *Process) Err() error { return p.proc.Err() }
