package ecsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// dropConnection closes the connection without answering, after the
// request has arrived: the client cannot know whether it was acted on.
func dropConnection(w http.ResponseWriter, _ *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// acceptAction answers every action request with job "job-<n>".
func acceptAction(n int, w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, fmt.Sprintf("rid-%d", n), fmt.Sprintf(`{"job_id":"job-%d"}`, n))
}

// actionRequest is the decoded body of one action request.
type actionRequest struct {
	Action  string
	Type    *string
	Servers []string
}

func decodeAction(t *testing.T, body []byte) actionRequest {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if len(top) != 1 {
		t.Fatalf("body %s has %d keys, want exactly one action", body, len(top))
	}
	var out actionRequest
	for k, v := range top {
		out.Action = k
		var inner struct {
			Type    *string `json:"type"`
			Servers []struct {
				ID string `json:"id"`
			} `json:"servers"`
		}
		dec := json.NewDecoder(strings.NewReader(string(v)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&inner); err != nil {
			t.Fatalf("action %s: %v", k, err)
		}
		out.Type = inner.Type
		for _, s := range inner.Servers {
			out.Servers = append(out.Servers, s.ID)
		}
	}
	return out
}

func serverIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	return ids
}

type actionCall struct {
	name string
	// want is the action key and type the request must carry ("" for none).
	action, kind string
	run          func(*ecsapi.Client, context.Context, []string) (ecsapi.ActionJobs, error)
}

var actionCalls = []actionCall{
	{"soft reboot", "reboot", "SOFT", func(c *ecsapi.Client, ctx context.Context, ids []string) (ecsapi.ActionJobs, error) {
		return c.RebootServers(ctx, ids, false)
	}},
	{"hard reboot", "reboot", "HARD", func(c *ecsapi.Client, ctx context.Context, ids []string) (ecsapi.ActionJobs, error) {
		return c.RebootServers(ctx, ids, true)
	}},
	{"start", "os-start", "", func(c *ecsapi.Client, ctx context.Context, ids []string) (ecsapi.ActionJobs, error) {
		return c.StartServers(ctx, ids)
	}},
	{"soft stop", "os-stop", "SOFT", func(c *ecsapi.Client, ctx context.Context, ids []string) (ecsapi.ActionJobs, error) {
		return c.StopServers(ctx, ids, false)
	}},
	{"hard stop", "os-stop", "HARD", func(c *ecsapi.Client, ctx context.Context, ids []string) (ecsapi.ActionJobs, error) {
		return c.StopServers(ctx, ids, true)
	}},
}

func TestServerActionRequestBodies(t *testing.T) {
	ids := []string{testServer, "c0ffee00-1111-4222-8333-444455556666"}
	for _, call := range actionCalls {
		t.Run(call.name, func(t *testing.T) {
			f := newFakeService(t, acceptAction)
			c := newTestClient(t, f.srv.URL)
			jobs, err := call.run(c, context.Background(), ids)
			if err != nil {
				t.Fatalf("%s: %v", call.name, err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.SignatureErr != nil {
				t.Errorf("signature: %v", r.SignatureErr)
			}
			if r.Method != http.MethodPost || r.Path != "/v1/"+testProject+"/cloudservers/action" {
				t.Errorf("request line %s %s", r.Method, r.Path)
			}
			if got := r.Header.Get("Content-Type"); got != "application/json;charset=UTF-8" {
				t.Errorf("content type %q", got)
			}
			got := decodeAction(t, r.Body)
			if got.Action != call.action {
				t.Errorf("action %q, want %q", got.Action, call.action)
			}
			switch {
			case call.kind == "" && got.Type != nil:
				t.Errorf("%s carries type %q; it has none", call.action, *got.Type)
			case call.kind != "" && (got.Type == nil || *got.Type != call.kind):
				t.Errorf("type %v, want %q", got.Type, call.kind)
			}
			if !slices.Equal(got.Servers, ids) {
				t.Errorf("servers %v, want %v", got.Servers, ids)
			}
			if len(jobs) != 1 || jobs[0].JobID != "job-0" || !slices.Equal(jobs[0].ServerIDs, ids) {
				t.Errorf("jobs %+v", jobs)
			}
		})
	}
}

func TestServerActionChunksOfAThousand(t *testing.T) {
	f := newFakeService(t, acceptAction)
	c := newTestClient(t, f.srv.URL)
	ids := serverIDs(2500)
	jobs, err := c.RebootServers(context.Background(), ids, false)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	start := 0
	for i, size := range []int{1000, 1000, 500} {
		got := decodeAction(t, reqs[i].Body)
		if !slices.Equal(got.Servers, ids[start:start+size]) {
			t.Errorf("request %d: %d servers from %q, want %d from %q", i, len(got.Servers), got.Servers[0], size, ids[start])
		}
		if !slices.Equal(jobs[i].ServerIDs, ids[start:start+size]) {
			t.Errorf("job %d lists %d servers, want %d", i, len(jobs[i].ServerIDs), size)
		}
		if reqs[i].SignatureErr != nil {
			t.Errorf("request %d: %v", i, reqs[i].SignatureErr)
		}
		start += size
	}
	if want := []string{"job-0", "job-1", "job-2"}; !slices.Equal(jobs.IDs(), want) {
		t.Errorf("job IDs %v, want %v", jobs.IDs(), want)
	}
	// Exactly a thousand is one request.
	f2 := newFakeService(t, acceptAction)
	if _, err := newTestClient(t, f2.srv.URL).StartServers(context.Background(), ids[:1000]); err != nil {
		t.Fatal(err)
	}
	if n := len(f2.requests()); n != 1 {
		t.Errorf("1000 servers took %d requests, want 1", n)
	}
}

func TestServerActionRefusesBadListsBeforeSending(t *testing.T) {
	many := serverIDs(1500)
	many = append(many, many[0]) // a duplicate in a later chunk
	tests := map[string]struct {
		ids  []string
		want string
	}{
		"nil":                       {nil, "at least one server"},
		"empty":                     {[]string{}, "at least one server"},
		"empty ID":                  {[]string{testServer, ""}, "entry 1"},
		"slash":                     {[]string{"a/b"}, "must not contain"},
		"dot dot":                   {[]string{".."}, "not a valid ID"},
		"NUL":                       {[]string{"ab\x00c"}, "control"},
		"no-break space":            {[]string{"ab\u00a0c"}, "white space"},
		"zero-width":                {[]string{"ab\u200bc"}, "invisible"},
		"duplicate":                 {[]string{testServer, "x", testServer}, "already entry 0"},
		"duplicate in another case": {[]string{testServer, strings.ToUpper(testServer)}, "already entry 0"},
		"duplicate across chunks":   {many, "entry 1500"},
		"too long":                  {[]string{strings.Repeat("a", 256)}, "longer than"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeService(t, acceptAction)
			c := newTestClient(t, f.srv.URL)
			for _, call := range actionCalls {
				jobs, err := call.run(c, context.Background(), tt.ids)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v, want one mentioning %q", call.name, err, tt.want)
				}
				if jobs != nil {
					t.Errorf("%s: jobs %v returned for a refused list", call.name, jobs)
				}
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent for a refused list", n)
			}
		})
	}
	t.Run("no project ID", func(t *testing.T) {
		f := newFakeService(t, acceptAction)
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.ProjectID = "" })
		if _, err := c.RebootServers(context.Background(), []string{testServer}, false); err == nil {
			t.Error("no error without a project ID")
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}

func TestServerActionAnswersThatAreNotAJob(t *testing.T) {
	tests := map[string]struct {
		status      int
		contentType string
		body        string
		unknown     bool
		code        string
	}{
		"no job_id":            {200, "application/json", `{}`, true, ""},
		"empty job_id":         {200, "application/json", `{"job_id":""}`, true, ""},
		"null job_id":          {200, "application/json", `{"job_id":null}`, true, ""},
		"unusable job_id":      {200, "application/json", `{"job_id":"../x"}`, true, ""},
		"HTML page":            {200, "text/html", `<html>login</html>`, true, ""},
		"malformed JSON":       {200, "application/json", `{"job_id":`, true, ""},
		"202 + error document": {202, "application/json", v1Error("Ecs.0100", "state does not allow it"), false, "Ecs.0100"},
		"200 + error document": {200, "application/json", v1Error("Ecs.0605", "locked"), false, "Ecs.0605"},
		"400":                  {400, "application/json", v1Error("Ecs.0100", "state does not allow it"), false, "Ecs.0100"},
		"403":                  {403, "application/json", v1Error("Pdp.0001", "Policy doesn't allow ecs:cloudServers:reboot"), false, "Pdp.0001"},
		"404 server":           {404, "application/json", v1Error("Ecs.0114", "not found"), false, "Ecs.0114"},
		"500":                  {500, "application/json", v1Error("Common.0001", "internal"), true, "Common.0001"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			c := newTestClient(t, f.srv.URL)
			jobs, err := c.RebootServers(context.Background(), []string{testServer}, false)
			if err == nil {
				t.Fatalf("no error; jobs %v", jobs)
			}
			if len(jobs) != 0 {
				t.Errorf("jobs %v beside the error", jobs)
			}
			if got := ecsapi.IsOutcomeUnknown(err); got != tt.unknown {
				t.Errorf("IsOutcomeUnknown = %v, want %v: %v", got, tt.unknown, err)
			}
			var apiErr *ecsapi.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tt.code {
				t.Errorf("error %v: want an *APIError with code %q", err, tt.code)
			}
			var actionErr *ecsapi.ActionError
			if !errors.As(err, &actionErr) || actionErr.Action != ecsapi.ActionReboot || !slices.Equal(actionErr.ServerIDs, []string{testServer}) {
				t.Errorf("error %v: want an *ActionError naming the server", err)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (none of these may be resent)", n)
			}
		})
	}
}

// TestServerActionIsResentOnlyWhenRefused covers the retry rule of the
// action request: resent after an answer that proves it was turned away,
// never after one that leaves open whether servers are already restarting.
func TestServerActionIsResentOnlyWhenRefused(t *testing.T) {
	refused := map[string]func(http.ResponseWriter){
		"429": func(w http.ResponseWriter) {
			writeJSON(w, 429, "r", `{"error_code":"APIGW.0308","error_msg":"throttled"}`)
		},
		"429 no body":     func(w http.ResponseWriter) { writeJSON(w, 429, "r", "") },
		"503 Common.1503": func(w http.ResponseWriter) { writeJSON(w, 503, "r", v1Error("Common.1503", "flow control")) },
		"202 Common.0024": func(w http.ResponseWriter) { writeJSON(w, 202, "r", v1Error("Common.0024", "exceeds flow over limit")) },
		"501 Ecs.0603":    func(w http.ResponseWriter) { writeJSON(w, 501, "r", v1Error("Ecs.0603", "retry in 1 minute")) },
	}
	for name, fail := range refused {
		t.Run("resent after "+name, func(t *testing.T) {
			f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n < 2 {
					fail(w)
					return
				}
				acceptAction(n, w, r)
			})
			log := &captureLogger{}
			c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.Logger = log })
			jobs, err := c.StopServers(context.Background(), []string{testServer}, false)
			if err != nil {
				t.Fatalf("not resent: %v", err)
			}
			if n := len(f.requests()); n != 3 || jobs[0].JobID != "job-2" {
				t.Errorf("%d requests, job %v; want 3 and job-2", n, jobs)
			}
			if n := len(log.retries()); n != 2 {
				t.Errorf("%d retries logged, want 2:\n%s", n, log.text())
			}
		})
	}
	t.Run("refused until retries run out", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 429, "r", "") })
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 2 })
		_, err := c.StartServers(context.Background(), []string{testServer})
		if !ecsapi.IsThrottled(err) || ecsapi.IsOutcomeUnknown(err) {
			t.Errorf("error %v, want a definite throttling error", err)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d requests, want 3 (1 + 2 retries)", n)
		}
	})

	t.Run("throttled beyond max retries until the deadline", func(t *testing.T) {
		f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n < 5 {
				writeJSON(w, 429, "r", "")
				return
			}
			acceptAction(n, w, r)
		})
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		jobs, err := c.RebootServers(ctx, []string{testServer}, false)
		if err != nil || len(f.requests()) != 6 || jobs[0].JobID != "job-5" {
			t.Errorf("error %v after %d requests; want job-5 after 6", err, len(f.requests()))
		}
	})
	t.Run("busy counts against max retries even with a deadline", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 501, "r", v1Error("Ecs.0603", "retry in 1 minute"))
		})
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.RebootServers(ctx, []string{testServer}, false); err == nil || len(f.requests()) != 2 {
			t.Errorf("error %v after %d requests; want an error after 2", err, len(f.requests()))
		}
	})
	t.Run("max retries 0 sends once", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 429, "r", "") })
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) { cfg.MaxRetries = 0 })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.RebootServers(ctx, []string{testServer}, false); !ecsapi.IsThrottled(err) || len(f.requests()) != 1 {
			t.Errorf("error %v after %d requests; want throttling after 1", err, len(f.requests()))
		}
	})
	t.Run("a retry that would outlast the deadline is not waited for", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 429, "r", "") })
		c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
			cfg.RetryWaitMin, cfg.RetryWaitMax = 5*time.Second, 10*time.Second
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.RebootServers(ctx, []string{testServer}, false)
		if !ecsapi.IsThrottled(err) || !errors.Is(err, context.DeadlineExceeded) || len(f.requests()) != 1 {
			t.Errorf("error %v after %d requests; want throttling and a deadline after 1", err, len(f.requests()))
		}
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("waited %s for a retry that could not happen", elapsed)
		}
	})

	ambiguous := map[string]func(http.ResponseWriter, *http.Request){
		"connection dropped": dropConnection,
		"502":                func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 502, "r", "") },
		"503 without code":   func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 503, "r", "") },
		"504":                func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 504, "r", "") },
		"500":                func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 500, "r", v1Error("Ecs.0615", "internal")) },
	}
	for name, fail := range ambiguous {
		t.Run("not resent after "+name, func(t *testing.T) {
			f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					fail(w, r)
					return
				}
				acceptAction(n, w, r)
			})
			c := newTestClient(t, f.srv.URL)
			jobs, err := c.RebootServers(context.Background(), []string{testServer}, true)
			if !ecsapi.IsOutcomeUnknown(err) {
				t.Fatalf("error %v (jobs %v), want an unknown outcome", err, jobs)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests: a reboot that may have landed was sent again", n)
			}
		})
	}
	t.Run("connection dropped: the reason says so", func(t *testing.T) {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, r *http.Request) { dropConnection(w, r) })
		_, err := newTestClient(t, f.srv.URL).RebootServers(context.Background(), []string{testServer}, false)
		if !strings.Contains(ecsapi.OutcomeUnknownReason(err), "after the request was sent") {
			t.Errorf("reason %q (error %v)", ecsapi.OutcomeUnknownReason(err), err)
		}
	})

	t.Run("connection refused is resent and definite", func(t *testing.T) {
		ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + ln.Addr().String()
		ln.Close()
		log := &captureLogger{}
		c := newTestClient(t, closed, func(cfg *ecsapi.Config) { cfg.Logger = log })
		_, err = c.RebootServers(context.Background(), []string{testServer}, false)
		if err == nil || ecsapi.IsOutcomeUnknown(err) || !ecsapi.IsNetworkError(err) {
			t.Errorf("error %v, want a definite network error", err)
		}
		if n := len(log.retries()); n != 3 {
			t.Errorf("%d retries logged, want 3:\n%s", n, log.text())
		}
	})
}

func TestServerActionStopsAtTheFirstFailedChunk(t *testing.T) {
	ids := serverIDs(2500)
	for name, fail := range map[string]func(http.ResponseWriter, *http.Request){
		"refused":            func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 400, "r", v1Error("Ecs.0100", "bad state")) },
		"connection dropped": dropConnection,
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					fail(w, r)
					return
				}
				acceptAction(n, w, r)
			})
			jobs, err := newTestClient(t, f.srv.URL).RebootServers(context.Background(), ids, false)
			var actionErr *ecsapi.ActionError
			if !errors.As(err, &actionErr) {
				t.Fatalf("error %v, want an *ActionError", err)
			}
			if len(jobs) != 1 || jobs[0].JobID != "job-0" || !slices.Equal(jobs[0].ServerIDs, ids[:1000]) {
				t.Errorf("accepted jobs %v, want job-0 with the first 1000 servers", jobs.IDs())
			}
			if !slices.Equal(actionErr.ServerIDs, ids[1000:2000]) || !slices.Equal(actionErr.NotSent, ids[2000:]) {
				t.Errorf("failed %d, not sent %d; want 1000 and 500", len(actionErr.ServerIDs), len(actionErr.NotSent))
			}
			if !strings.HasPrefix(err.Error(), "reboot of 1000 server(s) (500 more not sent): ") {
				t.Errorf("message %q does not say what was not sent", err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
			if got, want := ecsapi.IsOutcomeUnknown(err), name == "connection dropped"; got != want {
				t.Errorf("IsOutcomeUnknown = %v, want %v", got, want)
			}
		})
	}
}

func TestServerActionKeepsNoReferenceToTheCallersList(t *testing.T) {
	f := newFakeService(t, acceptAction)
	ids := []string{testServer}
	jobs, err := newTestClient(t, f.srv.URL).StartServers(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	ids[0] = "changed"
	if jobs[0].ServerIDs[0] != testServer {
		t.Errorf("the job's server list follows the caller's slice: %v", jobs[0].ServerIDs)
	}
}

// TestServerActionAnswerCutShortIsUnknown: an acceptance whose body is cut
// short may have started the reboot; it is reported as an unknown outcome
// and not sent again. The same holds for a batch reset.
func TestServerActionAnswerCutShortIsUnknown(t *testing.T) {
	cutShort := func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"job_id":`))
	}
	f := newFakeService(t, cutShort)
	_, err := newTestClient(t, f.srv.URL).RebootServers(context.Background(), []string{testServer}, false)
	if !ecsapi.IsOutcomeUnknown(err) || len(f.requests()) != 1 {
		t.Errorf("reboot: error %v after %d requests; want an unknown outcome after 1", err, len(f.requests()))
	}
	f = newFakeService(t, cutShort)
	_, err = newTestClient(t, f.srv.URL).BatchResetServerPasswords(context.Background(),
		ecsapi.BatchResetRequest{NewPassword: "Nw0Pass!word", ServerIDs: []string{testServer}})
	if !ecsapi.IsOutcomeUnknown(err) {
		t.Errorf("batch reset: error %v, want an unknown outcome", err)
	}
}
