//go:build unix

package clirunner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStartURLProcess(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	// The script starts a grandchild in its group, logs, announces a URL (with a trailing
	// slash that must be dropped) and waits like a server does.
	bin := writeScript(t, dir, "fake-sim", `sleep 300 &
echo $! > "`+pidFile+`"
echo "listening" >&2
echo "http://127.0.0.1:41234/"
echo "more output"
wait`)
	var log syncBuffer
	p, err := StartURLProcess(t.Context(), bin, StartOptions{Args: []string{"-addr", "127.0.0.1:0"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if p.URL != "http://127.0.0.1:41234" {
		t.Errorf("URL = %q", p.URL)
	}
	childPid := readPid(t, pidFile)
	if !alive(childPid) {
		t.Fatalf("grandchild %d is not running", childPid)
	}
	p.Stop()
	p.Stop() // a second call must not block or panic
	select {
	case <-p.Done():
	default:
		t.Fatal("Done is not closed after Stop")
	}
	if err := p.Err(); err != nil {
		t.Errorf("Err after Stop = %v, want nil (stopped by us)", err)
	}
	if alive(p.Pid()) {
		t.Errorf("process %d still running after Stop", p.Pid())
	}
	if !gone(childPid) {
		t.Errorf("grandchild %d still running after Stop: the process group was not stopped", childPid)
	}
	if !strings.Contains(log.String(), "listening") {
		t.Errorf("standard error was not passed to Log: %q", log.String())
	}
}

func TestStartURLProcessFailures(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, script, want string
	}{
		{"exits early", `echo "bind: address already in use" >&2; exit 3`, "address already in use"},
		{"exits cleanly without output", `exit 0`, "exited (status 0) before printing its URL"},
		{"not a URL", `echo "starting up"; sleep 300`, `"starting up" is not an http(s) URL`},
		{"URL without host", `echo "http://"; sleep 300`, "is not an http(s) URL"},
		{"wrong scheme", `echo "ftp://127.0.0.1:21"; sleep 300`, "is not an http(s) URL"},
		{"silent", `echo "still loading" >&2; sleep 300`, "printed nothing within"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bin := writeScript(t, dir, "sim"+strconv.Itoa(i), tc.script)
			p, err := StartURLProcess(t.Context(), bin, StartOptions{Timeout: 500 * time.Millisecond})
			if err == nil {
				p.Stop()
				t.Fatalf("started with URL %q, want an error", p.URL)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestStartURLProcessMissingBinary(t *testing.T) {
	if _, err := StartURLProcess(t.Context(), filepath.Join(t.TempDir(), "missing"), StartOptions{}); err == nil {
		t.Error("want an error for a missing binary")
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// gone waits for pid to exit: a killed process outside our own children disappears
// asynchronously. It gives up after ten seconds.
func gone(pid int) bool {
	for i := 0; i < 200; i++ {
		if !alive(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// alive reports whether pid names a process that has not exited. A zombie (exited but not yet
// reaped by its parent) counts as gone.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc: the signal check has to do
	}
	// The state follows the parenthesised command name.
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
