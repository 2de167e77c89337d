package clirunner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// DefaultStartTimeout bounds how long StartURLProcess waits for the first line of output.
const DefaultStartTimeout = 60 * time.Second

// StartOptions controls StartURLProcess.
type StartOptions struct {
	// Args are the command's arguments.
	Args []string
	// Env is added to os.Environ(); nil keeps the environment as is.
	Env []string
	// Log receives the command's standard error and any standard output after the first
	// line; nil discards both.
	Log io.Writer
	// Timeout bounds the wait for the first line; zero means DefaultStartTimeout.
	Timeout time.Duration
}

// Process is a child process that announced its base URL, such as ecs-simulator.
type Process struct {
	// URL is the base URL the process printed, without a trailing slash.
	URL string

	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
	stderr   *tailBuffer
}

// StartURLProcess starts bin in its own process group and waits until the first line of its
// standard output, which must be an http or https URL with a host (ecs-simulator prints its
// base URL there once it listens). If the process exits, prints something else or stays silent
// past the timeout, it is stopped and the error quotes the end of its standard error.
func StartURLProcess(ctx context.Context, bin string, opts StartOptions) (*Process, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	// ctx bounds only the start: the process runs until Stop, so it gets a context that is
	// never cancelled.
	cmd := exec.CommandContext(context.WithoutCancel(ctx), bin, opts.Args...)
	if opts.Env != nil {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	tail := &tailBuffer{max: 4096}
	firstLine := &firstLineWriter{line: make(chan string, 1), rest: logw}
	cmd.Stdout = firstLine
	cmd.Stderr = io.MultiWriter(logw, tail)
	// Bounds Wait when something outside the group still holds the output pipes open.
	cmd.WaitDelay = 2 * time.Second
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &Process{cmd: cmd, done: make(chan struct{}), stderr: tail}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var line string
	select {
	case line = <-firstLine.line:
	case <-p.done:
		// The line may have been written just before the exit.
		select {
		case line = <-firstLine.line:
		default:
			if p.waitErr == nil {
				return nil, p.startError(bin, errors.New("exited (status 0) before printing its URL"))
			}
			return nil, p.startError(bin, fmt.Errorf("exited before printing its URL (%w)", p.waitErr))
		}
	case <-timer.C:
		p.Stop()
		return nil, p.startError(bin, fmt.Errorf("printed nothing within %s", timeout))
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("starting %s: %w", bin, ctx.Err())
	}
	u, err := url.Parse(line)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.Stop()
		return nil, p.startError(bin, fmt.Errorf("first line %q is not an http(s) URL", truncate(line, 200)))
	}
	p.URL = strings.TrimRight(line, "/")
	return p, nil
}

func (p *Process) startError(bin string, err error) error {
	if t := strings.TrimSpace(p.stderr.String()); t != "" {
		return fmt.Errorf("%s %w; its error output ends with:\n%s", bin, err, t)
	}
	return fmt.Errorf("%s %w", bin, err)
}

// Pid returns the process ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop asks the process group to terminate, kills it if it is still there after a few seconds,
// and waits for the process. It is safe to call more than once and after the process exited.
func (p *Process) Stop() {
	p.stopOnce.Do(func() {
		select {
		case <-p.done:
		default:
			_ = signalGroup(p.cmd.Process, terminateSignal)
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
			}
		}
		// Anything the process started in its group goes too.
		_ = signalGroup(p.cmd.Process, os.Kill)
		<-p.done
	})
}

// Err returns how the process ended; call it after Done is closed or Stop returned.
func (p *Process) Err() error {
	select {
	case <-p.done:
		var exitErr *exec.ExitError
		if errors.As(p.waitErr, &exitErr) && !exitErr.Exited() {
			// Ended by our signal: not a failure of the process.
			return nil
		}
		return p.waitErr
	default:
		return errors.New("process still running")
	}
}

// firstLineWriter hands the first line written to it to a channel and passes everything after
// it on to rest. A first line longer than 64 KiB is cut there.
type firstLineWriter struct {
	mu   sync.Mutex
	buf  []byte
	sent bool
	line chan string
	rest io.Writer
}

func (w *firstLineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent {
		return w.rest.Write(b)
	}
	n := len(b)
	w.buf = append(w.buf, b...)
	i := bytes.IndexByte(w.buf, '\n')
	if i < 0 && len(w.buf) < 64<<10 {
		return n, nil
	}
	if i < 0 {
		i = len(w.buf)
	}
	w.line <- strings.TrimSpace(string(w.buf[:i]))
	w.sent = true
	if i+1 < len(w.buf) {
		if _, err := w.rest.Write(w.buf[i+1:]); err != nil {
			return n, err
		}
	}
	w.buf = nil
	return n, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
