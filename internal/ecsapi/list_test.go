package ecsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// pagedServers answers listings of n servers, page by page after the
// marker, and records the queries it saw.
func pagedServers(n int, queries *[]url.Values) func(int, http.ResponseWriter, *http.Request) {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		*queries = append(*queries, q)
		limit, _ := strconv.Atoi(q.Get("limit"))
		start := 0
		if m := q.Get("marker"); m != "" {
			for i, id := range ids {
				if id == m {
					start = i + 1
				}
			}
		}
		end := min(start+limit, n)
		var servers []map[string]any
		for _, id := range ids[start:end] {
			servers = append(servers, map[string]any{"id": id, "name": "web", "status": "ACTIVE", "tags": []string{"env=prod", "team=a=b"}})
		}
		body, _ := json.Marshal(map[string]any{"count": n, "servers": servers})
		writeJSON(w, 200, "rid-list", string(body))
	}
}

func TestListServersFollowsThePages(t *testing.T) {
	var queries []url.Values
	f := newFakeService(t, pagedServers(2500, &queries))
	c := newTestClient(t, f.srv.URL)
	servers, err := c.ListServers(context.Background(), ecsapi.ListServersOptions{
		Name: "web", Status: "ACTIVE", Tags: map[string]string{"env": "prod", "app": "db"}, EnterpriseProjectID: "ep-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 2500 {
		t.Fatalf("%d servers, want 2500", len(servers))
	}
	seen := map[string]bool{}
	for _, s := range servers {
		if seen[s.ID] {
			t.Fatalf("server %s listed twice", s.ID)
		}
		seen[s.ID] = true
	}
	if len(queries) != 3 {
		t.Fatalf("%d requests, want 3 pages of at most 1000", len(queries))
	}
	q := queries[0]
	for k, want := range map[string]string{"name": "web", "status": "ACTIVE", "tags": "app=db,env=prod", "enterprise_project_id": "ep-1", "limit": "1000"} {
		if got := q.Get(k); got != want {
			t.Errorf("query %s = %q, want %q", k, got, want)
		}
	}
	if queries[0].Has("marker") || queries[1].Get("marker") != servers[999].ID || queries[2].Get("marker") != servers[1999].ID {
		t.Errorf("markers %q, %q, %q", queries[0].Get("marker"), queries[1].Get("marker"), queries[2].Get("marker"))
	}
	if got := servers[0].Tags; got["env"] != "prod" || got["team"] != "a=b" {
		t.Errorf("tags %v", got)
	}
}

func TestListServersRefusesBrokenAnswers(t *testing.T) {
	answers := map[string]string{
		"no list":       `{"count":3}`,
		"server w/o id": `{"servers":[{"name":"x"}]}`,
		"server bad id": `{"servers":[{"id":"a/b"}]}`,
		"not JSON":      `<html>`,
	}
	for name, body := range answers {
		f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, "r", body) })
		if _, err := newTestClient(t, f.srv.URL).ListServers(context.Background(), ecsapi.ListServersOptions{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A service that ignores the marker would be paged forever.
	f := newFakeService(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, "r", `{"servers":[{"id":"s1"},{"id":"s2"}]}`)
	})
	_, err := newTestClient(t, f.srv.URL).ListServers(context.Background(), ecsapi.ListServersOptions{PageSize: 2})
	if err == nil || !strings.Contains(err.Error(), "marker") {
		t.Errorf("a listing that starts over: %v", err)
	}
	for _, tags := range []map[string]string{{"": "x"}, {"a,b": "x"}, {"a=b": "x"}, {"a": "x,y"}} {
		if _, err := newTestClient(t, f.srv.URL).ListServers(context.Background(), ecsapi.ListServersOptions{Tags: tags}); err == nil {
			t.Errorf("tags %v accepted", tags)
		}
	}
}
