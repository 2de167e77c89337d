package ecsapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// TestConcurrentUse runs many mixed calls at once on one client (run with
// -race). Every third attempt is throttled, so retries overlap too.
func TestConcurrentUse(t *testing.T) {
	f := newFakeService(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n%3 == 0 {
			writeJSON(w, 429, "busy", `{"error_code":"APIGW.0308","error_msg":"throttled"}`)
			return
		}
		switch {
		case r.URL.Path == "/v3/projects":
			writeJSON(w, 200, "iam", `{"projects":[{"id":"`+testProject+`","name":"cn-north-4"}]}`)
		case strings.HasSuffix(r.URL.Path, "/os-resetpwd-flag"):
			writeJSON(w, 200, "flag", `{"resetpwd_flag":"True"}`)
		case strings.HasSuffix(r.URL.Path, "/os-server-password") && r.Method == http.MethodGet:
			writeJSON(w, 200, "pw", `{"password":"abc"}`)
		default:
			w.WriteHeader(204)
		}
	})
	log := &captureLogger{}
	c := newTestClient(t, f.srv.URL, func(cfg *ecsapi.Config) {
		cfg.ProjectID = ""
		cfg.MaxRetries = 10
		cfg.Logger = log
	})
	ctx := context.Background()

	const workers = 24
	var wg sync.WaitGroup
	errs := make(chan error, workers*4)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := c.ResolveProjectID(ctx); err != nil {
				errs <- err
				return
			}
			id := fmt.Sprintf("srv-%02d", i)
			if err := c.ResetServerPassword(ctx, ecsapi.APIV1, id, "Nw0Pass!word", true); err != nil {
				errs <- err
			}
			if flag, err := c.GetResetPasswordFlag(ctx, id); err != nil || !flag.Supported {
				errs <- fmt.Errorf("flag %v: %w", flag, err)
			}
			if pw, err := c.GetServerPassword(ctx, ecsapi.APIV21, id); err != nil || pw.Encrypted != "abc" {
				errs <- fmt.Errorf("password %+v: %w", pw, err)
			}
			if err := c.DeleteServerPassword(ctx, ecsapi.APIV1, id); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if c.ProjectID() != testProject {
		t.Errorf("project ID %q", c.ProjectID())
	}
	for i, r := range f.requests() {
		if r.SignatureErr != nil {
			t.Fatalf("request %d: %v", i, r.SignatureErr)
		}
	}
	if len(log.retries()) == 0 {
		t.Error("no retries happened; the test did not exercise concurrent retries")
	}
}
