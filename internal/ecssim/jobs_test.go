package ecssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testJobDuration is the job duration of the tests below; the harness clock
// only moves when a test advances it.
const testJobDuration = time.Second

func newJobHarness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, func(c *Config) { c.JobDuration = testJobDuration })
}

// actionBody builds a batch action body; typ "" leaves the type out.
func actionBody(key, typ string, ids ...string) string {
	servers := make([]map[string]string, 0, len(ids))
	for _, id := range ids {
		servers = append(servers, map[string]string{"id": id})
	}
	inner := map[string]any{"servers": servers}
	if typ != "" {
		inner["type"] = typ
	}
	b, _ := json.Marshal(map[string]any{key: inner})
	return string(b)
}

const actionPath = "/v1/" + DefaultProjectID + "/cloudservers/action"

func jobPath(project, id string) string { return "/v1/" + project + "/jobs/" + id }

// jobDoc is the job document as a client decodes it, written apart from
// the simulator's own types so that a wrong JSON tag shows.
type jobDoc struct {
	Status     string  `json:"status"`
	JobID      string  `json:"job_id"`
	JobType    string  `json:"job_type"`
	BeginTime  string  `json:"begin_time"`
	EndTime    *string `json:"end_time"`
	ErrorCode  *string `json:"error_code"`
	FailReason *string `json:"fail_reason"`
	Entities   struct {
		SubJobsTotal int `json:"sub_jobs_total"`
		SubJobs      []struct {
			Status     string  `json:"status"`
			JobID      string  `json:"job_id"`
			JobType    string  `json:"job_type"`
			EndTime    *string `json:"end_time"`
			ErrorCode  *string `json:"error_code"`
			FailReason *string `json:"fail_reason"`
			Entities   struct {
				ServerID string `json:"server_id"`
			} `json:"entities"`
		} `json:"sub_jobs"`
	} `json:"entities"`
}

// startAction sends a batch action that must be accepted and returns the
// job ID.
func (h *harness) startAction(c cred, body string) string {
	h.t.Helper()
	res := h.call(c, http.MethodPost, actionPath, body)
	var out struct {
		JobID string `json:"job_id"`
	}
	if res.status != http.StatusOK || json.Unmarshal(res.body, &out) != nil || len(out.JobID) != 32 {
		h.t.Fatalf("action %s: %d %s", body, res.status, res.body)
	}
	return out.JobID
}

// job reads a job that must exist.
func (h *harness) job(c cred, id string) jobDoc {
	h.t.Helper()
	res := h.call(c, http.MethodGet, jobPath(DefaultProjectID, id), "")
	var doc jobDoc
	if res.status != http.StatusOK || json.Unmarshal(res.body, &doc) != nil {
		h.t.Fatalf("job %s: %d %s", id, res.status, res.body)
	}
	return doc
}

func (h *harness) state(id string) ServerState {
	h.t.Helper()
	st, ok := h.sim.Server(id)
	if !ok {
		h.t.Fatalf("server %s is gone", id)
	}
	return st
}

// reset resets a server's password through the v1 API.
func (h *harness) reset(id, password string) {
	h.t.Helper()
	if res := h.call(defaultCred(), http.MethodPut, v1Path(id, "os-reset-password"), resetJSON(password, false)); res.status != http.StatusNoContent {
		h.t.Fatalf("reset: %d %s", res.status, res.body)
	}
}

func TestRebootMakesPendingResetEffective(t *testing.T) {
	for _, tc := range []struct{ typ, during string }{{"SOFT", "REBOOT"}, {"HARD", "HARD_REBOOT"}} {
		t.Run(tc.typ, func(t *testing.T) { testRebootAppliesPendingReset(t, tc.typ, tc.during) })
	}
}

// testRebootAppliesPendingReset reboots a server with a pending reset
// (reboot type typ, status during while it runs).
func testRebootAppliesPendingReset(t *testing.T, typ, during string) {
	h := newJobHarness(t)
	srv := h.addServer(ServerSpec{OSType: "Linux", LoginPassword: "Seed!Pass1"})
	if srv.EffectivePassword != "Seed!Pass1" || srv.PendingReset || srv.BootCount != 0 {
		t.Fatalf("new server = %+v", srv)
	}
	h.reset(srv.ID, "Nw0Pass!word")
	if st := h.state(srv.ID); st.Password != "Nw0Pass!word" || st.EffectivePassword != "Seed!Pass1" || !st.PendingReset {
		t.Fatalf("after reset = %+v", st)
	}

	id := h.startAction(defaultCred(), actionBody("reboot", typ, srv.ID))
	checkRebootUnderWay(t, h, srv.ID, id, during)

	// The boot completes without anybody polling the job.
	h.clock.Advance(testJobDuration / 2)
	st := h.state(srv.ID)
	if st.Status != "ACTIVE" || st.EffectivePassword != "Nw0Pass!word" || st.PendingReset || st.BootCount != 1 ||
		!st.Updated.Equal(testNow.Add(testJobDuration)) {
		t.Fatalf("after reboot = %+v", st)
	}
	doc := h.job(defaultCred(), id)
	if doc.Status != "SUCCESS" || doc.EndTime == nil || *doc.EndTime != "2026-11-26T08:15:01.000Z" || doc.ErrorCode != nil ||
		doc.FailReason != nil || doc.Entities.SubJobs[0].Status != "SUCCESS" || doc.Entities.SubJobs[0].EndTime == nil {
		t.Fatalf("finished job = %+v", doc)
	}

	// Another reboot boots again but has nothing pending to apply.
	h.startAction(defaultCred(), actionBody("reboot", typ, srv.ID))
	h.clock.Advance(testJobDuration)
	if st := h.state(srv.ID); st.BootCount != 2 || st.EffectivePassword != "Nw0Pass!word" || st.PendingReset {
		t.Fatalf("after a second reboot = %+v", st)
	}
}

// showServer returns the server object of the v1 show-server answer for id.
func (h *harness) showServer(t *testing.T, id string) map[string]any {
	t.Helper()
	show, ok := h.call(defaultCred(), http.MethodGet, v1Path(id, ""), "").json(t)["server"].(map[string]any)
	if !ok {
		t.Fatalf("show server %s: the answer has no server object", id)
	}
	return show
}

// checkRebootUnderWay checks server srvID and its reboot job id from the
// job's start to half-way through it, leaving the clock there.
func checkRebootUnderWay(t *testing.T, h *harness, srvID, id, during string) {
	st := h.state(srvID)
	if st.Status != during || st.EffectivePassword != "Seed!Pass1" || !st.PendingReset {
		t.Fatalf("while rebooting = %+v", st)
	}
	// Show server tells a reboot in progress too.
	show := h.showServer(t, srvID)
	if show["status"] != during || show["OS-EXT-STS:task_state"] == nil {
		t.Fatalf("show server while rebooting = %v", show)
	}
	// A server busy rebooting takes no reset.
	wantV1Error(t, h.call(defaultCred(), http.MethodPut, v1Path(srvID, "os-reset-password"), resetJSON("x", false)), 400, "Ecs.0100")

	doc := h.job(defaultCred(), id)
	if doc.Status != "INIT" || doc.JobID != id || doc.JobType != "batchRebootServers" || doc.EndTime != nil ||
		doc.ErrorCode != nil || doc.BeginTime != "2026-11-26T08:15:00.000Z" || doc.Entities.SubJobsTotal != 1 ||
		len(doc.Entities.SubJobs) != 1 || doc.Entities.SubJobs[0].Entities.ServerID != srvID ||
		doc.Entities.SubJobs[0].JobType != "rebootServer" || doc.Entities.SubJobs[0].Status != "INIT" ||
		len(doc.Entities.SubJobs[0].JobID) != 32 {
		t.Fatalf("new job = %+v", doc)
	}
	h.clock.Advance(testJobDuration / 2)
	if doc := h.job(defaultCred(), id); doc.Status != "RUNNING" || doc.Entities.SubJobs[0].Status != "RUNNING" {
		t.Fatalf("half-way job = %+v", doc)
	}
	if st := h.state(srvID); st.Status != during || st.BootCount != 0 {
		t.Fatalf("half-way server = %+v", st)
	}
}

func TestStartAndStop(t *testing.T) {
	h := newJobHarness(t)
	off := h.addServer(ServerSpec{OSType: "Windows", Status: "SHUTOFF", LoginPassword: "Old!Pass1"})
	h.reset(off.ID, "Nw0Pass!word")

	// A stopped server cannot be rebooted, nor stopped again.
	wantV1Error(t, h.call(defaultCred(), http.MethodPost, actionPath, actionBody("reboot", "SOFT", off.ID)), 400, "Ecs.0100")
	wantV1Error(t, h.call(defaultCred(), http.MethodPost, actionPath, actionBody("os-stop", "SOFT", off.ID)), 400, "Ecs.0100")
	if st := h.state(off.ID); st.Status != "SHUTOFF" || st.BootCount != 0 || !st.PendingReset {
		t.Fatalf("after refused actions = %+v", st)
	}

	id := h.startAction(defaultCred(), actionBody("os-start", "", off.ID))
	show := h.showServer(t, off.ID)
	if show["status"] != "SHUTOFF" || show["OS-EXT-STS:task_state"] != "powering-on" {
		t.Fatalf("show server while starting = %v", show)
	}
	// The start holds the server: a second start is refused.
	wantV1Error(t, h.call(defaultCred(), http.MethodPost, actionPath, actionBody("os-start", "", off.ID)), 400, "Ecs.0100")
	h.clock.Advance(testJobDuration)
	if doc := h.job(defaultCred(), id); doc.Status != "SUCCESS" || doc.JobType != "batchStartServers" ||
		doc.Entities.SubJobs[0].JobType != "startServer" {
		t.Fatalf("start job = %+v", doc)
	}
	st := h.state(off.ID)
	if st.Status != "ACTIVE" || st.BootCount != 1 || st.EffectivePassword != "Nw0Pass!word" || st.PendingReset {
		t.Fatalf("after start = %+v", st)
	}
	show = h.showServer(t, off.ID)
	if show["status"] != "ACTIVE" || show["OS-EXT-STS:task_state"] != nil {
		t.Fatalf("show server after start = %v", show)
	}
	// A running server cannot be started.
	wantV1Error(t, h.call(defaultCred(), http.MethodPost, actionPath, actionBody("os-start", "", off.ID)), 400, "Ecs.0100")

	// Stop: the type defaults to SOFT; a reset before it stays pending,
	// since stopping is no boot.
	h.reset(off.ID, "Third!Pass3")
	id = h.startAction(defaultCred(), `{"os-stop":{"servers":[{"id":"`+off.ID+`"}]}}`)
	if st := h.state(off.ID); st.Status != "ACTIVE" {
		t.Fatalf("while stopping = %+v", st)
	}
	h.clock.Advance(testJobDuration)
	if doc := h.job(defaultCred(), id); doc.Status != "SUCCESS" || doc.JobType != "batchStopServers" ||
		doc.Entities.SubJobs[0].JobType != "stopServer" {
		t.Fatalf("stop job = %+v", doc)
	}
	st = h.state(off.ID)
	if st.Status != "SHUTOFF" || st.BootCount != 1 || st.EffectivePassword != "Nw0Pass!word" || !st.PendingReset {
		t.Fatalf("after stop = %+v", st)
	}
}

func TestBootWithoutPluginAppliesNothing(t *testing.T) {
	h := newJobHarness(t)
	srv := h.addServer(ServerSpec{OSType: "Linux", LoginPassword: "Seed!Pass1"})
	h.reset(srv.ID, "Nw0Pass!word")
	// The plug-in goes away after the reset was accepted.
	if _, err := h.sim.UpdateServer(srv.ID, ServerPatch{ResetPasswordSupported: boolPtr(false)}); err != nil {
		t.Fatal(err)
	}
	id := h.startAction(defaultCred(), actionBody("reboot", "SOFT", srv.ID))
	h.clock.Advance(testJobDuration)
	if doc := h.job(defaultCred(), id); doc.Status != "SUCCESS" {
		t.Fatalf("job = %+v", doc)
	}
	st := h.state(srv.ID)
	if st.BootCount != 1 || st.EffectivePassword != "Seed!Pass1" || st.PendingReset || st.Password != "Nw0Pass!word" {
		t.Fatalf("after a boot without the plug-in = %+v", st)
	}
}

// TestFailNextBoot arms a boot failure on two servers, bad and good: bad's
// reboot fails, good's stop leaves it armed and its start fails, then a
// batch reboot fails for one of them only.
func TestFailNextBoot(t *testing.T) {
	h := newJobHarness(t)
	bad := h.addServer(ServerSpec{OSType: "Linux", LoginPassword: "Seed!Pass1"})
	good := h.addServer(ServerSpec{OSType: "Linux"})
	h.reset(bad.ID, "Nw0Pass!word")
	h.reset(good.ID, "Nw0Pass!word")
	res := h.control(http.MethodPatch, "/_sim/servers/"+bad.ID, `{"fail_next_boot":"the guest did not come back"}`)
	var patched ServerState
	if res.status != 200 || json.Unmarshal(res.body, &patched) != nil || patched.FailNextBoot != "the guest did not come back" {
		t.Fatalf("patch: %d %s", res.status, res.body)
	}
	// A stop is no boot and leaves the failure armed.
	if res := h.control(http.MethodPatch, "/_sim/servers/"+good.ID, `{"fail_next_boot":"not this one"}`); res.status != 200 {
		t.Fatalf("patch: %d %s", res.status, res.body)
	}
	stop := h.startAction(defaultCred(), actionBody("os-stop", "HARD", good.ID))
	checkFailedReboot(t, h, bad.ID)
	if doc := h.job(defaultCred(), stop); doc.Status != "SUCCESS" {
		t.Fatalf("stop job = %+v", doc)
	}
	if st := h.state(good.ID); st.Status != "SHUTOFF" || st.FailNextBoot != "not this one" {
		t.Fatalf("after stop = %+v", st)
	}

	// The stopped server's failure is still armed, so its start fails
	// and consumes it.
	h.startAction(defaultCred(), actionBody("os-start", "", good.ID))
	h.clock.Advance(testJobDuration)
	if st := h.state(good.ID); st.Status != "SHUTOFF" || st.BootCount != 0 || st.FailNextBoot != "" {
		t.Fatalf("after a failed start = %+v", st)
	}
	checkBatchWithFailedBoot(t, h, bad.ID, good.ID)

	// Disarming, and the bound on the reason.
	if res := h.control(http.MethodPatch, "/_sim/servers/"+good.ID, `{"fail_next_boot":"x"}`); res.status != 200 {
		t.Fatal(res.status)
	}
	if res := h.control(http.MethodPatch, "/_sim/servers/"+good.ID, `{"fail_next_boot":""}`); res.status != 200 || strings.Contains(string(res.body), "fail_next_boot") {
		t.Fatalf("disarm: %d %s", res.status, res.body)
	}
	if res := h.control(http.MethodPatch, "/_sim/servers/"+good.ID, `{"fail_next_boot":"`+strings.Repeat("x", maxFailReason+1)+`"}`); res.status != 400 {
		t.Fatalf("over-long reason: %d", res.status)
	}
}

// checkFailedReboot reboots bad, whose boot failure is armed, and checks
// the failed job and that the server stays as it was.
func checkFailedReboot(t *testing.T, h *harness, bad string) {
	id := h.startAction(defaultCred(), actionBody("reboot", "HARD", bad))
	if st := h.state(bad); st.Status != "HARD_REBOOT" || st.FailNextBoot != "" {
		t.Fatalf("while rebooting = %+v", st)
	}
	h.clock.Advance(testJobDuration)
	doc := h.job(defaultCred(), id)
	if doc.Status != "FAIL" || doc.ErrorCode == nil || *doc.ErrorCode != "Ecs.0615" || doc.FailReason == nil ||
		*doc.FailReason != "the guest did not come back" || doc.EndTime == nil {
		t.Fatalf("failed job = %+v", doc)
	}
	sub := doc.Entities.SubJobs[0]
	if sub.Status != "FAIL" || sub.ErrorCode == nil || *sub.ErrorCode != "Ecs.0615" || sub.FailReason == nil ||
		*sub.FailReason != "the guest did not come back" || sub.Entities.ServerID != bad {
		t.Fatalf("failed sub-job = %+v", sub)
	}
	st := h.state(bad)
	if st.Status != "ACTIVE" || st.BootCount != 0 || !st.PendingReset || st.EffectivePassword != "Seed!Pass1" || st.FailNextBoot != "" {
		t.Fatalf("after a failed boot = %+v", st)
	}
}

// checkBatchWithFailedBoot arms good's failure again and reboots both
// servers in one batch: one failed sub-job makes the job FAIL while the
// other server's boot succeeds.
func checkBatchWithFailedBoot(t *testing.T, h *harness, bad, good string) {
	if _, err := h.sim.UpdateServer(good, ServerPatch{FailNextBoot: strPtr("again")}); err != nil {
		t.Fatal(err)
	}
	h.reset(good, "Second!Pass2")
	if res := h.call(defaultCred(), http.MethodPost, actionPath, actionBody("reboot", "SOFT", bad, good)); res.status != 400 {
		t.Fatalf("reboot of a stopped server accepted: %d %s", res.status, res.body)
	}
	if _, err := h.sim.UpdateServer(good, ServerPatch{Status: strPtr("ACTIVE")}); err != nil {
		t.Fatal(err)
	}
	id := h.startAction(defaultCred(), actionBody("reboot", "SOFT", bad, good))
	h.clock.Advance(testJobDuration)
	doc := h.job(defaultCred(), id)
	if doc.Status != "FAIL" || *doc.FailReason != "again" || doc.Entities.SubJobsTotal != 2 ||
		doc.Entities.SubJobs[0].Status != "SUCCESS" || doc.Entities.SubJobs[0].ErrorCode != nil ||
		doc.Entities.SubJobs[1].Status != "FAIL" || doc.Entities.SubJobs[1].Entities.ServerID != good {
		t.Fatalf("mixed job = %+v", doc)
	}
	if st := h.state(bad); st.BootCount != 1 || st.PendingReset || st.EffectivePassword != "Nw0Pass!word" {
		t.Fatalf("the server whose boot succeeded = %+v", st)
	}
	if st := h.state(good); st.BootCount != 0 || !st.PendingReset || st.EffectivePassword != "" {
		t.Fatalf("the server whose boot failed = %+v", st)
	}
}

func TestActionRefusals(t *testing.T) {
	h := newJobHarness(t)
	active := h.addServer(ServerSpec{OSType: "Linux"})
	locked := h.addServer(ServerSpec{OSType: "Linux", Locked: true})
	building := h.addServer(ServerSpec{OSType: "Linux", Status: "BUILD"})

	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty", "", 400, "Common.0002"},
		{"no action", `{}`, 400, "Ecs.0005"},
		{"unknown action", `{"os-reboot":{"type":"SOFT","servers":[{"id":"a"}]}}`, 400, "Ecs.0005"},
		{"null action", `{"reboot":null}`, 400, "Ecs.0005"},
		{"action not an object", `{"reboot":[]}`, 400, "Ecs.0005"},
		{"two actions", `{"reboot":{"type":"SOFT","servers":[{"id":"a"}]},"os-stop":{"servers":[{"id":"a"}]}}`, 400, "Ecs.0005"},
		{"reboot without type", actionBody("reboot", "", active.ID), 400, "Ecs.0005"},
		{"lower-case type", actionBody("reboot", "soft", active.ID), 400, "Ecs.0005"},
		{"type not a string", `{"os-stop":{"type":1,"servers":[{"id":"a"}]}}`, 400, "Ecs.0005"},
		{"no servers", `{"os-start":{}}`, 400, "Ecs.0005"},
		{"empty servers", actionBody("os-start", ""), 400, "Ecs.0005"},
		{"duplicate server", actionBody("os-start", "", "a", "a"), 400, "Ecs.0005"},
		{"server without id", `{"os-start":{"servers":[{}]}}`, 400, "Ecs.0005"},
		{"unknown server", actionBody("reboot", "SOFT", "no-such-server"), 404, "Ecs.0114"},
		{"locked", actionBody("reboot", "SOFT", locked.ID), 400, "Ecs.0605"},
		{"building", actionBody("os-stop", "SOFT", building.ID), 400, "Ecs.0100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantV1Error(t, h.call(defaultCred(), http.MethodPost, actionPath, tc.body), tc.status, tc.code)
		})
	}

	// More than 1000 servers: Ecs.0118, whatever they are.
	ids := make([]string, maxBatchServers+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("srv-%d", i)
	}
	wantV1Error(t, h.call(defaultCred(), http.MethodPost, actionPath, actionBody("reboot", "SOFT", ids...)), 400, "Ecs.0118")

	// All or nothing: the first failure is at the top, every one in
	// internalError, and the good server is left alone.
	res := h.call(defaultCred(), http.MethodPost, actionPath, actionBody("reboot", "SOFT", active.ID, locked.ID, "gone", building.ID))
	msg := wantV1Error(t, res, 400, "Ecs.0605")
	var body struct {
		InternalError []batchFailure `json:"internalError"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || len(body.InternalError) != 3 ||
		body.InternalError[0].ID != locked.ID || body.InternalError[1].ErrorCode != "Ecs.0114" ||
		body.InternalError[2].ErrorCode != "Ecs.0100" || !strings.Contains(msg, "3 of 4 servers") {
		t.Fatalf("batch failure body = %s", res.body)
	}
	if st := h.state(active.ID); st.Status != "ACTIVE" || !st.Updated.Equal(testNow) {
		t.Fatalf("server of a refused batch = %+v", st)
	}
	if len(h.sim.jobs) != 0 {
		t.Fatalf("refused requests created %d jobs", len(h.sim.jobs))
	}
}

func TestActionAuthorization(t *testing.T) {
	h := newJobHarness(t)
	ep1 := h.addServer(ServerSpec{OSType: "Linux", EnterpriseProjectID: "ep-1"})
	ep2 := h.addServer(ServerSpec{OSType: "Linux", EnterpriseProjectID: "ep-2"})
	h.addPrincipal(Principal{AccessKey: "READER", SecretKey: "r", Actions: []string{ActionGetServer}})
	h.addPrincipal(Principal{AccessKey: "REBOOTER", SecretKey: "b", Actions: []string{ActionRebootServers}})
	h.addPrincipal(Principal{AccessKey: "RESETTER", SecretKey: "s", Actions: []string{ActionResetServerPwd}})
	h.addPrincipal(Principal{AccessKey: "EP1", SecretKey: "e", Actions: []string{"ecs:cloudServers:*"}, EnterpriseProjectIDs: []string{"ep-1"}})
	reader, rebooter := cred{ak: "READER", sk: "r"}, cred{ak: "REBOOTER", sk: "b"}
	resetter, ep1Cred := cred{ak: "RESETTER", sk: "s"}, cred{ak: "EP1", sk: "e"}

	// Each action needs its own IAM action; the denial names it.
	for _, tc := range []struct {
		c      cred
		body   string
		action string
	}{
		{reader, actionBody("reboot", "SOFT", ep1.ID), ActionRebootServers},
		{rebooter, actionBody("os-stop", "SOFT", ep1.ID), ActionStopServers},
		{rebooter, actionBody("os-start", "", ep1.ID), ActionStartServers},
	} {
		msg := wantV1Error(t, h.call(tc.c, http.MethodPost, actionPath, tc.body), 403, "Pdp.0001")
		if msg != "Policy doesn't allow "+tc.action+" to be performed." {
			t.Fatalf("denial message %q", msg)
		}
	}
	// The caller that started a job may follow it; so may a reader; a
	// caller with neither may not.
	id := h.startAction(rebooter, actionBody("reboot", "SOFT", ep1.ID))
	if doc := h.job(rebooter, id); doc.JobID != id {
		t.Fatalf("job = %+v", doc)
	}
	h.job(reader, id)
	msg := wantV1Error(t, h.call(resetter, http.MethodGet, jobPath(DefaultProjectID, id), ""), 403, "Pdp.0001")
	if !strings.Contains(msg, ActionGetServer) {
		t.Fatalf("job denial message %q", msg)
	}
	h.clock.Advance(testJobDuration)

	// Enterprise projects: servers outside the grant make the whole batch
	// 403 and change nothing; jobs are readable only when every server of
	// the job lies in a granted enterprise project.
	wantV1Error(t, h.call(ep1Cred, http.MethodPost, actionPath, actionBody("reboot", "SOFT", ep1.ID, ep2.ID)), 403, "Pdp.0001")
	if st := h.state(ep1.ID); st.Status != "ACTIVE" || st.BootCount != 1 {
		t.Fatalf("ep-1 server after a denied batch = %+v", st)
	}
	own := h.startAction(ep1Cred, actionBody("reboot", "HARD", ep1.ID))
	h.job(ep1Cred, own)
	h.job(ep1Cred, id)
	foreign := h.startAction(defaultCred(), actionBody("os-stop", "SOFT", ep2.ID))
	wantV1Error(t, h.call(ep1Cred, http.MethodGet, jobPath(DefaultProjectID, foreign), ""), 403, "Pdp.0001")
	h.job(defaultCred(), foreign)
}

func TestJobVisibilityAndExpiry(t *testing.T) {
	h := newJobHarness(t)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	h.addPrincipal(Principal{AccessKey: "OTHER", SecretKey: "o", ProjectID: "other-project", Actions: []string{"ecs:*:*"}})
	other := cred{ak: "OTHER", sk: "o"}

	id := h.startAction(defaultCred(), actionBody("reboot", "SOFT", srv.ID))
	// Another project's principal finds no such job in its own project,
	// and cannot address ours.
	wantV1Error(t, h.call(other, http.MethodGet, jobPath("other-project", id), ""), 404, "Ecs.0000")
	wantV1Error(t, h.call(other, http.MethodGet, jobPath(DefaultProjectID, id), ""), 400, "Ecs.0023")
	// Nor can it act on our servers.
	res := h.call(other, http.MethodPost, "/v1/other-project/cloudservers/action", actionBody("reboot", "SOFT", srv.ID))
	wantV1Error(t, res, 404, "Ecs.0114")
	wantV1Error(t, h.call(defaultCred(), http.MethodGet, jobPath(DefaultProjectID, "0123456789abcdef0123456789abcdef"), ""), 404, "Ecs.0000")

	// Finished jobs are kept for one day of the simulator's clock.
	h.clock.Advance(testJobDuration)
	h.clock.Advance(jobRetention - time.Millisecond)
	if doc := h.job(defaultCred(), id); doc.Status != "SUCCESS" {
		t.Fatalf("job a day after it began = %+v", doc)
	}
	h.clock.Advance(time.Millisecond)
	msg := wantV1Error(t, h.call(defaultCred(), http.MethodGet, jobPath(DefaultProjectID, id), ""), 404, "Ecs.0000")
	if !strings.Contains(msg, id) {
		t.Fatalf("message %q does not name the job", msg)
	}

	// Expired jobs nobody reads are swept when a new job starts.
	first := h.startAction(defaultCred(), actionBody("reboot", "SOFT", srv.ID))
	h.clock.Advance(testJobDuration)
	second := h.startAction(defaultCred(), actionBody("os-stop", "SOFT", srv.ID))
	h.clock.Advance(jobRetention + testJobDuration)
	h.startAction(defaultCred(), actionBody("os-start", "", srv.ID))
	for _, id := range []string{first, second} {
		if _, ok := h.sim.jobs[id]; ok {
			t.Fatalf("expired job %s was not swept", id)
		}
	}
	if len(h.sim.jobs) != 1 {
		t.Fatalf("%d jobs kept, want 1", len(h.sim.jobs))
	}
}

func TestJobOfDeletedServer(t *testing.T) {
	h := newJobHarness(t)
	srv := h.addServer(ServerSpec{ID: "srv-1", OSType: "Linux"})
	id := h.startAction(defaultCred(), actionBody("reboot", "SOFT", srv.ID))
	h.sim.DeleteServer(srv.ID)
	// Created again under the same ID, the new server is not the one the
	// job was rebooting.
	h.addServer(ServerSpec{ID: "srv-1", OSType: "Linux", Status: "SHUTOFF"})
	h.clock.Advance(testJobDuration)
	doc := h.job(defaultCred(), id)
	if doc.Status != "FAIL" || *doc.ErrorCode != "Ecs.0114" || doc.Entities.SubJobs[0].Status != "FAIL" {
		t.Fatalf("job = %+v", doc)
	}
	if st := h.state("srv-1"); st.Status != "SHUTOFF" || st.BootCount != 0 {
		t.Fatalf("new server = %+v", st)
	}
}

func TestJobDurationSetting(t *testing.T) {
	for _, d := range []time.Duration{-time.Second, time.Microsecond, MaxJobDuration + 1} {
		if _, err := newSimulator(Config{JobDuration: d}); err == nil {
			t.Errorf("Config.JobDuration %v accepted", d)
		}
	}
	h := newHarness(t, nil)
	if h.sim.JobDuration() != DefaultJobDuration {
		t.Fatalf("default job duration %v", h.sim.JobDuration())
	}
	if err := h.sim.SetJobDuration(0); err == nil || h.sim.JobDuration() != DefaultJobDuration {
		t.Fatal("SetJobDuration(0) accepted")
	}
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	slow := h.startAction(defaultCred(), actionBody("os-stop", "SOFT", srv.ID))
	// A change applies to later jobs only.
	if err := h.sim.SetJobDuration(100 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(DefaultJobDuration - time.Millisecond)
	if doc := h.job(defaultCred(), slow); doc.Status != "RUNNING" {
		t.Fatalf("job after the duration changed = %+v", doc)
	}
	h.clock.Advance(time.Millisecond)
	fast := h.startAction(defaultCred(), actionBody("os-start", "", srv.ID))
	if doc := h.job(defaultCred(), fast); doc.Status != "INIT" {
		t.Fatalf("new job = %+v", doc)
	}
	h.clock.Advance(20 * time.Millisecond)
	if doc := h.job(defaultCred(), fast); doc.Status != "RUNNING" {
		t.Fatalf("new job after a fifth = %+v", doc)
	}
	h.clock.Advance(80 * time.Millisecond)
	if doc := h.job(defaultCred(), fast); doc.Status != "SUCCESS" {
		t.Fatalf("new job at its end = %+v", doc)
	}
}

func TestActionsThroughTheGateway(t *testing.T) {
	h := newJobHarness(t)
	srv := h.addServer(ServerSpec{OSType: "Linux"})
	// Faults apply to the new routes like to every other.
	if _, err := h.sim.addFault(Fault{Method: "POST", PathContains: "/cloudservers/action", Status: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	wantV1Error(t, h.call(defaultCred(), http.MethodPost, actionPath, actionBody("reboot", "SOFT", srv.ID)), 503, "Common.1503")
	if st := h.state(srv.ID); st.Status != "ACTIVE" {
		t.Fatalf("a faulted request acted: %+v", st)
	}
	id := h.startAction(defaultCred(), actionBody("reboot", "SOFT", srv.ID))
	// So does the rate limit.
	h.sim.SetRateLimit(1)
	h.job(defaultCred(), id)
	wantGatewayError(t, h.call(defaultCred(), http.MethodGet, jobPath(DefaultProjectID, id), ""), 429, codeThrottled)
	// Unauthenticated requests never reach the operation.
	wantGatewayError(t, h.call(cred{none: true}, http.MethodGet, jobPath(DefaultProjectID, id), ""), 401, codeAuthFailed)
	// Wrong methods on the new paths.
	h.sim.SetRateLimit(0)
	res := h.call(defaultCred(), http.MethodDelete, jobPath(DefaultProjectID, id), "")
	wantV1Error(t, res, 405, "Ecs.0000")
	if res.header.Get("Allow") != "GET" {
		t.Fatalf("Allow = %q", res.header.Get("Allow"))
	}

	stats := h.sim.Stats().Requests
	if stats["POST /v1/{project_id}/cloudservers/action"] != 2 || stats["GET /v1/{project_id}/jobs/{job_id}"] != 3 {
		t.Fatalf("stats = %v", stats)
	}
	var routes []string
	for _, rec := range h.sim.Requests() {
		routes = append(routes, rec.Route)
	}
	if !strings.Contains(strings.Join(routes, " "), "/v1/{project_id}/cloudservers/action /v1/{project_id}/cloudservers/action /v1/{project_id}/jobs/{job_id}") {
		t.Fatalf("request log routes = %v", routes)
	}
}

func TestServerStateFields(t *testing.T) {
	h := newHarness(t, nil)
	res := h.control(http.MethodPost, "/_sim/servers", `{"name":"a","login_password":"Seed!Pass1"}`)
	var raw map[string]json.RawMessage
	if res.status != http.StatusCreated || json.Unmarshal(res.body, &raw) != nil {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	for key, want := range map[string]string{"effective_password": `"Seed!Pass1"`, "pending_reset": "false", "boot_count": "0", "password": `""`} {
		if string(raw[key]) != want {
			t.Errorf("%s = %s, want %s", key, raw[key], want)
		}
	}
	if _, ok := raw["fail_next_boot"]; ok {
		t.Errorf("fail_next_boot shown while not armed: %s", res.body)
	}
	id := strings.Trim(string(raw["id"]), `"`)
	h.reset(id, "Nw0Pass!word")
	// A patched login password is a change inside the guest: the reset
	// stays pending.
	res = h.control(http.MethodPatch, "/_sim/servers/"+id, `{"login_password":"Drift!Pass9"}`)
	var st ServerState
	if res.status != 200 || json.Unmarshal(res.body, &st) != nil || st.EffectivePassword != "Drift!Pass9" || !st.PendingReset {
		t.Fatalf("patch login_password: %d %s", res.status, res.body)
	}
}
