package ecssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// listTarget is the list path in the default project with query q.
func listTarget(q url.Values) string {
	p := "/v1/" + DefaultProjectID + "/cloudservers/detail"
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// listedServer is the part of a listed server object the tests read.
type listedServer struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	Status              string   `json:"status"`
	EnterpriseProjectID string   `json:"enterprise_project_id"`
	Tags                []string `json:"tags"`
}

type listPage struct {
	Count   int            `json:"count"`
	Servers []listedServer `json:"servers"`
}

// list sends a list request and decodes a 200 answer, failing otherwise.
func (h *harness) list(c cred, q url.Values) listPage {
	h.t.Helper()
	res := h.call(c, http.MethodGet, listTarget(q), "")
	if res.status != http.StatusOK {
		h.t.Fatalf("list %v: status %d, body %s", q, res.status, res.body)
	}
	var page listPage
	dec := json.NewDecoder(strings.NewReader(string(res.body)))
	if err := dec.Decode(&page); err != nil {
		h.t.Fatalf("list %v: body %s: %v", q, res.body, err)
	}
	// "servers" must be a list even when empty: clients iterate over it.
	if !strings.Contains(string(res.body), `"servers":[`) {
		h.t.Fatalf("list %v: servers is not a JSON array: %s", q, res.body)
	}
	return page
}

func ids(servers []listedServer) []string {
	out := make([]string, len(servers))
	for i, s := range servers {
		out[i] = s.ID
	}
	return out
}

// wantListOrder is the documented order, computed from the ground truth:
// newest first, then by ID.
func wantListOrder(states []ServerState) []string {
	sorted := slices.Clone(states)
	slices.SortFunc(sorted, func(a, b ServerState) int {
		if !a.Created.Equal(b.Created) {
			if a.Created.After(b.Created) {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := make([]string, len(sorted))
	for i, st := range sorted {
		out[i] = st.ID
	}
	return out
}

func TestListServersShowsServerObjects(t *testing.T) {
	h := newHarness(t, nil)
	older := h.addServer(ServerSpec{ID: "b-old", Name: "web-1", Tags: map[string]string{"env": "prod", "team": "", "a": "1"}})
	h.clock.Advance(time.Minute)
	newer := h.addServer(ServerSpec{ID: "a-new", Name: "db-1", Status: "SHUTOFF", EnterpriseProjectID: "ep-1"})

	res := h.call(defaultCred(), http.MethodGet, listTarget(nil), "")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, Content-Type %q, body %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	var body struct {
		Count   int               `json:"count"`
		Servers []json.RawMessage `json:"servers"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || body.Count != 2 || len(body.Servers) != 2 {
		t.Fatalf("body %s, want count 2 and two servers", res.body)
	}
	// Newest first, and each entry is exactly what show server answers.
	for i, id := range []string{newer.ID, older.ID} {
		show := h.call(defaultCred(), http.MethodGet, v1Path(id, ""), "")
		var wrapped struct {
			Server json.RawMessage `json:"server"`
		}
		if err := json.Unmarshal(show.body, &wrapped); err != nil {
			t.Fatal(err)
		}
		var listed, shown map[string]any
		_ = json.Unmarshal(body.Servers[i], &listed)
		_ = json.Unmarshal(wrapped.Server, &shown)
		if !reflect.DeepEqual(listed, shown) {
			t.Errorf("servers[%d] = %s\nshow server = %s", i, body.Servers[i], wrapped.Server)
		}
	}
	// Tags are "key=value", the key alone for an empty value, sorted.
	var first listedServer
	_ = json.Unmarshal(body.Servers[1], &first)
	if want := []string{"a=1", "env=prod", "team"}; !slices.Equal(first.Tags, want) {
		t.Errorf("tags = %q, want %q", first.Tags, want)
	}
	var second map[string]any
	_ = json.Unmarshal(body.Servers[0], &second)
	if tags, ok := second["tags"].([]any); !ok || len(tags) != 0 {
		t.Errorf("a server without tags shows tags %v, want []", second["tags"])
	}
}

func TestListServersFilters(t *testing.T) {
	h := newHarness(t, nil)
	add := func(id, name, status, ep string, tags map[string]string) {
		h.addServer(ServerSpec{ID: id, Name: name, Status: status, EnterpriseProjectID: ep, Tags: tags})
		h.clock.Advance(time.Second)
	}
	add("s1", "Web-01", "ACTIVE", "0", map[string]string{"env": "prod", "role": "web"})
	add("s2", "web-02", "SHUTOFF", "ep-1", map[string]string{"env": "dev", "role": "web"})
	add("s3", "db-01", "REBOOT", "ep-1", map[string]string{"env": "prod", "role": "db"})
	add("s4", "wexb-9", "ERROR", "ep-2", map[string]string{"__type_baremetal": ""})
	add("s5", "line\nbreak", "BUILD", "0", nil)
	add("s6", "web.03", "REBUILD", "0", nil)

	for _, tc := range listFilterCases() {
		t.Run(tc.name, func(t *testing.T) {
			page := h.list(defaultCred(), tc.query)
			if got := ids(page.Servers); !slices.Equal(got, tc.want) {
				t.Fatalf("servers %q, want %q", got, tc.want)
			}
			if page.Count != len(tc.want) {
				t.Fatalf("count %d, want %d", page.Count, len(tc.want))
			}
		})
	}
}

// listFilterCase is a list query and the servers of TestListServersFilters
// it must list.
type listFilterCase struct {
	name  string
	query url.Values
	want  []string // in list order: newest first
}

func listFilterCases() []listFilterCase {
	return []listFilterCase{
		{"everything", nil, []string{"s6", "s5", "s4", "s3", "s2", "s1"}},
		{"name substring ignores case", url.Values{"name": {"WEB-0"}}, []string{"s2", "s1"}},
		{"name dot is one character", url.Values{"name": {"we.b"}}, []string{"s4"}},
		{"name dot matches a dot", url.Values{"name": {"web.0"}}, []string{"s6", "s2", "s1"}},
		{"name dot is not a line break", url.Values{"name": {"line.break"}}, nil},
		{"name dot is not any run", url.Values{"name": {"w.1"}}, nil},
		{"status exact", url.Values{"status": {"BUILD"}}, []string{"s5"}},
		{"status lower case", url.Values{"status": {"build"}}, []string{"s5"}},
		{"status ACTIVE takes in transitions", url.Values{"status": {"ACTIVE"}}, []string{"s6", "s3", "s1"}},
		{"status SHUTOFF takes in rebuilds", url.Values{"status": {"SHUTOFF"}}, []string{"s6", "s2"}},
		{"status ERROR takes in rebuilds", url.Values{"status": {"ERROR"}}, []string{"s6", "s4"}},
		{"status with no server", url.Values{"status": {"PAUSED"}}, nil},
		{"tag key", url.Values{"tags": {"role"}}, []string{"s3", "s2", "s1"}},
		{"tag key=value", url.Values{"tags": {"env=prod"}}, []string{"s3", "s1"}},
		{"tags all of a list", url.Values{"tags": {"env=prod,role=web"}}, []string{"s1"}},
		{"tags repeated parameters", url.Values{"tags": {"env=prod", "role=web"}}, []string{"s1"}},
		{"tag with empty value by key", url.Values{"tags": {"__type_baremetal"}}, []string{"s4"}},
		{"tag value is exact", url.Values{"tags": {"env=pro"}}, nil},
		{"tag key=value is not a key", url.Values{"tags": {"env=prod=x"}}, nil},
		{"not-tags key", url.Values{"not-tags": {"__type_baremetal"}}, []string{"s6", "s5", "s3", "s2", "s1"}},
		{"not-tags key=value", url.Values{"not-tags": {"env=prod"}}, []string{"s6", "s5", "s4", "s2"}},
		{"not-tags excludes holders of all", url.Values{"not-tags": {"env=prod,role=web"}}, []string{"s6", "s5", "s4", "s3", "s2"}},
		{"tags and not-tags", url.Values{"tags": {"role"}, "not-tags": {"role=db"}}, []string{"s2", "s1"}},
		{"enterprise project", url.Values{"enterprise_project_id": {"ep-1"}}, []string{"s3", "s2"}},
		{"all granted, project-wide", url.Values{"enterprise_project_id": {"all_granted_eps"}}, []string{"s6", "s5", "s4", "s3", "s2", "s1"}},
		{"flavor of every server", url.Values{"flavor": {"s6.large.2"}}, []string{"s6", "s5", "s4", "s3", "s2", "s1"}},
		{"another flavor", url.Values{"flavor": {"c7.large.2"}}, nil},
		{"ip: servers have none", url.Values{"ip": {"192.168"}}, nil},
		{"reservation: none", url.Values{"reservation_id": {"r-1"}}, nil},
		{"empty filters are absent", url.Values{"name": {""}, "status": {""}, "tags": {""}, "enterprise_project_id": {""}}, []string{"s6", "s5", "s4", "s3", "s2", "s1"}},
		{"unknown parameters are ignored", url.Values{"sort_key": {"name"}}, []string{"s6", "s5", "s4", "s3", "s2", "s1"}},
		{"filters combine", url.Values{"name": {"web"}, "status": {"active"}, "tags": {"env=prod"}}, []string{"s1"}},
	}
}

// seedFleet creates n servers in batches that share a creation instant, so
// that the order depends on the ID tie-break as well as on time.
func seedFleet(t testing.TB, h *harness, n int) []ServerState {
	t.Helper()
	var all []ServerState
	for len(all) < n {
		batch := make([]ServerSpec, min(97, n-len(all)))
		for i := range batch {
			batch[i] = ServerSpec{Name: fmt.Sprintf("fleet-%05d", len(all)+i)}
		}
		states, err := h.sim.AddServers(batch)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, states...)
		h.clock.Advance(time.Second)
	}
	return all
}

func TestListServersPaging(t *testing.T) {
	h := newHarness(t, nil)
	fleet := seedFleet(t, h, 2345)
	want := wantListOrder(fleet)

	t.Run("marker", func(t *testing.T) { testPagingByMarker(t, h, want) })
	t.Run("offset", func(t *testing.T) { testPagingByOffset(t, h, want) })

	t.Run("defaults and marker wins", func(t *testing.T) {
		page := h.list(defaultCred(), nil)
		if !slices.Equal(ids(page.Servers), want[:25]) {
			t.Fatalf("default page = %d servers, want the first 25", len(page.Servers))
		}
		page = h.list(defaultCred(), url.Values{"marker": {want[9]}, "offset": {"7"}, "limit": {"5"}})
		if !slices.Equal(ids(page.Servers), want[10:15]) {
			t.Fatalf("marker with offset = %q, want the five after the marker", ids(page.Servers))
		}
		last := h.list(defaultCred(), url.Values{"marker": {want[len(want)-1]}})
		if len(last.Servers) != 0 || last.Count != len(want) {
			t.Fatalf("after the last server: %d servers, count %d", len(last.Servers), last.Count)
		}
	})

	t.Run("filters with marker", func(t *testing.T) {
		// The marker need not match the filter: a server whose status
		// changed between pages still marks its place.
		if _, err := h.sim.UpdateServer(want[2], ServerPatch{Status: strPtr("SHUTOFF")}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.sim.UpdateServer(want[5], ServerPatch{Status: strPtr("SHUTOFF")}); err != nil {
			t.Fatal(err)
		}
		page := h.list(defaultCred(), url.Values{"status": {"ACTIVE"}, "marker": {want[2]}, "limit": {"3"}})
		if !slices.Equal(ids(page.Servers), []string{want[3], want[4], want[6]}) || page.Count != len(want)-2 {
			t.Fatalf("ACTIVE after a SHUTOFF marker = %q (count %d)", ids(page.Servers), page.Count)
		}
	})

	t.Run("servers created while paging", func(t *testing.T) {
		// A new server is the newest, so it lands before the pages
		// already read: the rest of the listing stays as it was.
		first := h.list(defaultCred(), url.Values{"limit": {"1000"}})
		h.addServer(ServerSpec{Name: "late"})
		rest := h.list(defaultCred(), url.Values{"limit": {"1000"}, "marker": {first.Servers[999].ID}})
		if !slices.Equal(ids(rest.Servers), want[1000:2000]) || rest.Count != len(want)+1 {
			t.Fatalf("the page after a creation: %d servers, count %d", len(rest.Servers), rest.Count)
		}
	})
}

// testPagingByMarker lists the whole fleet (want, in list order) page by
// page, each page's last server the marker of the next.
func testPagingByMarker(t *testing.T, h *harness, want []string) {
	for _, limit := range []int{1000, 333} {
		var got []string
		q := url.Values{"limit": {fmt.Sprint(limit)}}
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatal("the listing does not end")
			}
			page := h.list(defaultCred(), q)
			if page.Count != len(want) {
				t.Fatalf("count %d on page %d, want the total %d", page.Count, pages, len(want))
			}
			got = append(got, ids(page.Servers)...)
			if len(page.Servers) < limit {
				break
			}
			q.Set("marker", page.Servers[len(page.Servers)-1].ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: %d servers listed, want all %d in order without duplicates", limit, len(got), len(want))
		}
	}
}

// testPagingByOffset lists the whole fleet (want, in list order) by page
// number, and the pages at either end.
func testPagingByOffset(t *testing.T, h *harness, want []string) {
	var got []string
	for p := 1; ; p++ {
		page := h.list(defaultCred(), url.Values{"limit": {"1000"}, "offset": {fmt.Sprint(p)}})
		if page.Count != len(want) {
			t.Fatalf("count %d, want %d", page.Count, len(want))
		}
		got = append(got, ids(page.Servers)...)
		if len(page.Servers) < 1000 {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%d servers listed by page number, want all %d in order", len(got), len(want))
	}
	// 0 is the first page too, and a page past the end is empty but
	// still counts everything.
	zero := h.list(defaultCred(), url.Values{"offset": {"0"}})
	if !slices.Equal(ids(zero.Servers), want[:defaultListLimit]) {
		t.Fatalf("offset 0 gave %q, want the first page", ids(zero.Servers))
	}
	past := h.list(defaultCred(), url.Values{"limit": {"1000"}, "offset": {"4"}})
	if len(past.Servers) != 0 || past.Count != len(want) {
		t.Fatalf("page 4 of 3: %d servers, count %d", len(past.Servers), past.Count)
	}
	huge := h.list(defaultCred(), url.Values{"limit": {"1000"}, "offset": {"9223372036854775807"}})
	if len(huge.Servers) != 0 || huge.Count != len(want) {
		t.Fatalf("the largest page: %d servers, count %d", len(huge.Servers), huge.Count)
	}
}

func TestListServersEnterpriseProjects(t *testing.T) {
	h := newHarness(t, nil)
	for i, ep := range []string{"0", "ep-1", "ep-2", "ep-1", "ep-3"} {
		h.addServer(ServerSpec{ID: fmt.Sprintf("s%d", i), EnterpriseProjectID: ep})
		h.clock.Advance(time.Second)
	}
	h.addPrincipal(Principal{AccessKey: "EPAK", SecretKey: "sk", Actions: []string{ActionListServersDetails},
		EnterpriseProjectIDs: []string{"ep-1", "ep-2"}})
	ep := cred{ak: "EPAK", sk: "sk"}

	page := h.list(ep, url.Values{"enterprise_project_id": {"all_granted_eps"}})
	if got := ids(page.Servers); !slices.Equal(got, []string{"s3", "s2", "s1"}) || page.Count != 3 {
		t.Fatalf("all granted = %q (count %d), want the servers of ep-1 and ep-2", got, page.Count)
	}
	page = h.list(ep, url.Values{"enterprise_project_id": {"ep-2"}})
	if got := ids(page.Servers); !slices.Equal(got, []string{"s2"}) || page.Count != 1 {
		t.Fatalf("ep-2 = %q (count %d)", got, page.Count)
	}
	// Paging stays within the granted projects.
	page = h.list(ep, url.Values{"enterprise_project_id": {"all_granted_eps"}, "limit": {"1"}, "marker": {"s3"}})
	if got := ids(page.Servers); !slices.Equal(got, []string{"s2"}) {
		t.Fatalf("page after s3 = %q", got)
	}

	for name, q := range map[string]url.Values{
		"no enterprise_project_id": nil,
		"an ungranted project":     {"enterprise_project_id": {"ep-3"}},
		"the default project":      {"enterprise_project_id": {"0"}},
	} {
		t.Run(name, func(t *testing.T) {
			res := h.call(ep, http.MethodGet, listTarget(q), "")
			if msg := wantV1Error(t, res, 403, "Pdp.0001"); !strings.Contains(msg, ActionListServers) {
				t.Fatalf("message %q does not name the action", msg)
			}
		})
	}
	// A marker outside the granted projects reads as unknown.
	res := h.call(ep, http.MethodGet, listTarget(url.Values{"enterprise_project_id": {"all_granted_eps"}, "marker": {"s4"}}), "")
	wantV1Error(t, res, 400, "Ecs.0005")
}

func TestListServersAuthorization(t *testing.T) {
	h := newHarness(t, nil)
	h.addServer(ServerSpec{ID: "s1"})
	for _, p := range []Principal{
		{AccessKey: "GETONLY", SecretKey: "sk", Actions: []string{ActionGetServer, ActionResetServerPwd}},
		{AccessKey: "LIST", SecretKey: "sk", Actions: []string{ActionListServers}},
		{AccessKey: "DETAILS", SecretKey: "sk", Actions: []string{ActionListServersDetails}},
		{AccessKey: "WILD", SecretKey: "sk", Actions: []string{"ecs:cloudServers:*"}},
		{AccessKey: "OTHERPROJ", SecretKey: "sk", ProjectID: "other-project", Actions: []string{allActions}},
	} {
		h.addPrincipal(p)
	}
	res := h.call(cred{ak: "GETONLY", sk: "sk"}, http.MethodGet, listTarget(nil), "")
	if msg := wantV1Error(t, res, 403, "Pdp.0001"); msg != "Policy doesn't allow ecs:cloudServers:list to be performed." {
		t.Fatalf("denial message %q", msg)
	}
	for _, ak := range []string{"LIST", "DETAILS", "WILD"} {
		if page := h.list(cred{ak: ak, sk: "sk"}, nil); page.Count != 1 {
			t.Fatalf("%s: count %d, want 1", ak, page.Count)
		}
	}
	// Tokens carry every ECS action.
	tok, _ := h.sim.issueToken(h.sim.cfg.User, DefaultProjectID)
	if page := h.list(cred{token: tok}, nil); page.Count != 1 {
		t.Fatalf("token: count %d", page.Count)
	}
	// Another project holds no servers; its URL must name it.
	other := h.call(cred{ak: "OTHERPROJ", sk: "sk"}, http.MethodGet, "/v1/other-project/cloudservers/detail", "")
	if other.status != 200 || !strings.Contains(string(other.body), `"count":0`) || !strings.Contains(string(other.body), `"servers":[]`) {
		t.Fatalf("another project: %d %s", other.status, other.body)
	}
	wantV1Error(t, h.call(cred{ak: "OTHERPROJ", sk: "sk"}, http.MethodGet, listTarget(nil), ""), 400, "Ecs.0023")
	wantGatewayError(t, h.call(cred{none: true}, http.MethodGet, listTarget(nil), ""), 401, codeAuthFailed)
	if res := h.call(defaultCred(), http.MethodPost, listTarget(nil), ""); res.status != 405 || res.header.Get("Allow") != "GET" {
		t.Fatalf("POST: %d, Allow %q", res.status, res.header.Get("Allow"))
	}
}

func TestListServersValidation(t *testing.T) {
	h := newHarness(t, nil)
	h.addServer(ServerSpec{ID: "s1"})
	for name, raw := range map[string]string{
		"limit zero":          "limit=0",
		"limit negative":      "limit=-1",
		"limit above 1000":    "limit=1001",
		"limit not a number":  "limit=ten",
		"limit empty":         "limit=",
		"limit fraction":      "limit=2.5",
		"limit twice":         "limit=1&limit=2",
		"offset negative":     "offset=-1",
		"offset not a number": "offset=x",
		"offset overflow":     "offset=99999999999999999999",
		"marker unknown":      "marker=nope",
		"marker empty":        "marker=",
		"status unknown":      "status=RUNNING",
		"status twice":        "status=ACTIVE&status=SHUTOFF",
		"tags empty item":     "tags=a,,b",
		"tags empty key":      "tags=%3Dv",
		"not-tags empty item": "not-tags=a,",
		"server_id":           "server_id=s1",
		"name twice":          "name=a&name=b",
	} {
		t.Run(name, func(t *testing.T) {
			res := h.call(defaultCred(), http.MethodGet, listTarget(nil)+"?"+raw, "")
			wantV1Error(t, res, 400, "Ecs.0005")
		})
	}
	// A deleted marker is unknown too: the client has to start over.
	h.addServer(ServerSpec{ID: "s2"})
	h.sim.DeleteServer("s2")
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, listTarget(url.Values{"marker": {"s2"}}), ""), 400, "Ecs.0005")
	// The limits themselves are accepted.
	for _, raw := range []string{"limit=1", "limit=1000", "offset=0", "offset=1"} {
		if res := h.call(defaultCred(), http.MethodGet, listTarget(nil)+"?"+raw, ""); res.status != 200 {
			t.Errorf("%s: %d %s", raw, res.status, res.body)
		}
	}
}

func TestListServersThroughGateway(t *testing.T) {
	h := newHarness(t, nil)
	h.addServer(ServerSpec{ID: "s1"})
	h.list(defaultCred(), url.Values{"limit": {"1"}})
	const route = "/v1/{project_id}/cloudservers/detail"
	if n := h.sim.Stats().Requests["GET "+route]; n != 1 {
		t.Fatalf("stats count %d for the list route", n)
	}
	recs := h.sim.Requests()
	if len(recs) != 1 || recs[0].Route != route || recs[0].Status != 200 || strings.Contains(recs[0].Path, "limit") {
		t.Fatalf("request log = %+v", recs)
	}
	// Faults aim at the list like at any route.
	if _, err := h.sim.addFault(Fault{Method: http.MethodGet, PathContains: "/cloudservers/detail", Status: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, listTarget(nil), ""), 503, "Common.1503")
	h.list(defaultCred(), nil)
	// So does the rate limit.
	h.sim.SetRateLimit(1)
	h.list(defaultCred(), nil)
	wantGatewayError(t, h.call(defaultCred(), http.MethodGet, listTarget(nil), ""), 429, "APIGW.0308")
}

// TestListServersSettlesJobs checks that a list, like show server, reports
// the outcome of a job whose time is up without anybody polling it.
func TestListServersSettlesJobs(t *testing.T) {
	h := newHarness(t, nil)
	h.addServer(ServerSpec{ID: "s1"})
	res := h.call(defaultCred(), http.MethodPost, "/v1/"+DefaultProjectID+"/cloudservers/action",
		`{"os-stop":{"servers":[{"id":"s1"}]}}`)
	if res.status != 200 {
		t.Fatalf("stop: %d %s", res.status, res.body)
	}
	if page := h.list(defaultCred(), url.Values{"status": {"SHUTOFF"}}); page.Count != 0 {
		t.Fatalf("SHUTOFF while stopping: %+v", page)
	}
	h.clock.Advance(DefaultJobDuration)
	if page := h.list(defaultCred(), url.Values{"status": {"SHUTOFF"}}); page.Count != 1 || page.Servers[0].Status != "SHUTOFF" {
		t.Fatalf("SHUTOFF after the job: %+v", page)
	}
}

func TestServerTags(t *testing.T) {
	h := newHarness(t, nil)
	st := h.addServer(ServerSpec{ID: "s1", Tags: map[string]string{"env": "prod", "owner": ""}})
	if !reflect.DeepEqual(st.Tags, map[string]string{"env": "prod", "owner": ""}) {
		t.Fatalf("state tags = %v", st.Tags)
	}
	// The state is a copy: changing it changes nothing in the simulator.
	st.Tags["env"] = "dev"
	if again, _ := h.sim.Server("s1"); again.Tags["env"] != "prod" {
		t.Fatal("a caller's change of the returned tags reached the simulator")
	}
	show := h.call(defaultCred(), http.MethodGet, v1Path("s1", ""), "")
	if !strings.Contains(string(show.body), `"tags":["env=prod","owner"]`) {
		t.Fatalf("show server: %s", show.body)
	}
	checkTagPatches(t, h)
	checkBadTags(t, h)
	// The longest key and value are allowed, counted in characters.
	long := `{"tags":{"` + strings.Repeat("ключ", 31) + `abc":"` + strings.Repeat("é", 255) + `"}}`
	if res := h.control(http.MethodPost, "/_sim/servers", long); res.status != 201 {
		t.Fatalf("longest tag: %d %s", res.status, res.body)
	}
}

// checkTagPatches patches the tags of s1: PATCH replaces every tag; {}
// removes them all; absent leaves them.
func checkTagPatches(t *testing.T, h *harness) {
	res := h.control(http.MethodPatch, "/_sim/servers/s1", `{"tags":{"role":"db"}}`)
	if res.status != 200 || !strings.Contains(string(res.body), `"tags":{"role":"db"}`) {
		t.Fatalf("patch tags: %d %s", res.status, res.body)
	}
	res = h.control(http.MethodPatch, "/_sim/servers/s1", `{"locked":true}`)
	if !strings.Contains(string(res.body), `"tags":{"role":"db"}`) {
		t.Fatalf("patch without tags changed them: %s", res.body)
	}
	res = h.control(http.MethodPatch, "/_sim/servers/s1", `{"tags":{}}`)
	if res.status != 200 || !strings.Contains(string(res.body), `"tags":{}`) {
		t.Fatalf("clear tags: %d %s", res.status, res.body)
	}
	show := h.call(defaultCred(), http.MethodGet, v1Path("s1", ""), "")
	if !strings.Contains(string(show.body), `"tags":[]`) {
		t.Fatalf("show server without tags: %s", show.body)
	}
	// Through Go, an empty map survives the trip too.
	if got, err := h.sim.UpdateServer("s1", ServerPatch{Tags: &map[string]string{"k": "v"}}); err != nil || got.Tags["k"] != "v" {
		t.Fatalf("UpdateServer tags: %+v, %v", got.Tags, err)
	}
	patch, _ := json.Marshal(ServerPatch{Tags: &map[string]string{}})
	if string(patch) != `{"tags":{}}` {
		t.Fatalf("an empty tag patch encodes as %s", patch)
	}
}

// checkBadTags runs a subtest per invalid tag set, which both creating a
// server and patching s1 must refuse.
func checkBadTags(t *testing.T, h *harness) {
	for name, body := range map[string]string{
		"empty key":      `{"tags":{"":"v"}}`,
		"key with =":     `{"tags":{"a=b":"v"}}`,
		"key with comma": `{"tags":{"a,b":"v"}}`,
		"value comma":    `{"tags":{"a":"b,c"}}`,
		"system key":     `{"tags":{"_SYS_enterprise_project_id":"0"}}`,
		"control":        `{"tags":{"a":"b\nc"}}`,
		"key too long":   `{"tags":{"` + strings.Repeat("k", 128) + `":""}}`,
		"value too long": `{"tags":{"k":"` + strings.Repeat("é", 256) + `"}}`,
		"not an object":  `{"tags":["a=b"]}`,
		"value not text": `{"tags":{"a":1}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if res := h.control(http.MethodPost, "/_sim/servers", body); res.status != 400 {
				t.Errorf("create: %d %s, want 400", res.status, res.body)
			}
			if res := h.control(http.MethodPatch, "/_sim/servers/s1", body); res.status != 400 {
				t.Errorf("patch: %d %s, want 400", res.status, res.body)
			}
		})
	}
}

func TestControlBulkServers(t *testing.T) {
	h := newHarness(t, nil)
	var b strings.Builder
	b.WriteString(" \n[")
	for i := range 1500 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"bulk-%04d","name":"n%d","tags":{"i":"%d"}}`, i, i, i)
	}
	b.WriteString("]")
	res := h.control(http.MethodPost, "/_sim/servers", b.String())
	var created struct {
		Servers []ServerState `json:"servers"`
	}
	if res.status != 201 || json.Unmarshal(res.body, &created) != nil || len(created.Servers) != 1500 ||
		created.Servers[7].ID != "bulk-0007" || created.Servers[7].Tags["i"] != "7" {
		t.Fatalf("bulk create: %d, %d servers", res.status, len(created.Servers))
	}
	if page := h.list(defaultCred(), url.Values{"limit": {"1"}}); page.Count != 1500 {
		t.Fatalf("count after bulk create = %d", page.Count)
	}

	// All or nothing: a bad entry, a taken ID or a repeated one creates none.
	for name, tc := range map[string]struct {
		body   string
		status int
	}{
		"invalid entry": {`[{"id":"new-1"},{"os_type":"Plan9"}]`, 400},
		"taken id":      {`[{"id":"new-1"},{"id":"bulk-0001"}]`, 409},
		"repeated id":   {`[{"id":"new-1"},{"id":"new-1"}]`, 409},
		"unknown field": {`[{"id":"new-1","colour":"red"}]`, 400},
		"not servers":   {`[1]`, 400},
		"trailing data": {`[{"id":"new-1"}] []`, 400},
	} {
		t.Run(name, func(t *testing.T) {
			res := h.control(http.MethodPost, "/_sim/servers", tc.body)
			if res.status != tc.status || !strings.Contains(string(res.body), `"error"`) {
				t.Fatalf("%d %s, want %d", res.status, res.body, tc.status)
			}
			if _, ok := h.sim.Server("new-1"); ok {
				t.Fatal("a failed bulk create left a server behind")
			}
		})
	}
	res = h.control(http.MethodPost, "/_sim/servers", `[]`)
	if res.status != 201 || string(res.body) != `{"servers":[]}` {
		t.Fatalf("empty array: %d %s", res.status, res.body)
	}
}

// BenchmarkListServers lists pages of 1000 out of 10000 servers, filtered
// by a tag most servers have, through the whole handler.
func BenchmarkListServers(b *testing.B) {
	h := newHarness(b, nil)
	specs := make([]ServerSpec, 10000)
	for i := range specs {
		specs[i] = ServerSpec{Name: fmt.Sprintf("bench-%05d", i), Tags: map[string]string{"fleet": "a", "n": fmt.Sprint(i % 10)}}
	}
	states, err := h.sim.AddServers(specs)
	if err != nil {
		b.Fatal(err)
	}
	order := wantListOrder(states)
	target := listTarget(url.Values{"limit": {"1000"}, "tags": {"fleet"}, "not-tags": {"n=3"}, "marker": {order[4000]}})
	handler := h.sim.Handler()
	b.ReportAllocs()
	for b.Loop() {
		r := newRequest(http.MethodGet, target, "")
		signTestRequest(r, nil, DefaultAccessKey, DefaultSecretKey, testNow, nil)
		w := newDiscardRecorder()
		handler.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// discardRecorder is a ResponseWriter that keeps only the status, so that
// the benchmark measures the simulator rather than buffering the answer.
type discardRecorder struct {
	header http.Header
	status int
}

func newDiscardRecorder() *discardRecorder { return &discardRecorder{header: http.Header{}} }

func (d *discardRecorder) Header() http.Header { return d.header }

func (d *discardRecorder) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	return len(p), nil
}

func (d *discardRecorder) WriteHeader(status int) {
	if d.status == 0 {
		d.status = status
	}
}

// FuzzListQuery sends arbitrary, correctly signed queries to the list: the
// answer is a page or a 400, never a crash or a server error, and a page
// never holds more servers than it counts.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"", "limit=2&offset=2", "marker=s1&limit=1", "name=w.b&status=active", "tags=a,b=c&not-tags=d",
		"enterprise_project_id=all_granted_eps", "limit=%zz", "offset=-0", "tags=%3D", "name=%C0%80.", "limit=1;offset=2"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		h := newHarness(t, nil)
		h.addServer(ServerSpec{ID: "s1", Name: "web", Tags: map[string]string{"a": "", "b": "c"}})
		h.addServer(ServerSpec{ID: "s2", Name: "wüb\r", Status: "SHUTOFF"})
		r := newRequest(http.MethodGet, "/", "")
		r.URL = &url.URL{Path: listTarget(nil), RawQuery: rawQuery}
		signTestRequest(r, nil, DefaultAccessKey, DefaultSecretKey, testNow, nil)
		res := h.serve(r)
		switch res.status {
		case http.StatusOK:
			var page listPage
			if err := json.Unmarshal(res.body, &page); err != nil || len(page.Servers) > page.Count || page.Count > 2 {
				t.Fatalf("query %q: body %s", rawQuery, res.body)
			}
		case http.StatusBadRequest:
			wantV1Error(t, res, 400, "Ecs.0005")
		default:
			t.Fatalf("query %q answered %d: %s", rawQuery, res.status, res.body)
		}
	})
}
