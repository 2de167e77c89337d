package ecssim

import (
	"maps"
	"net/url"
	"slices"
	"time"
)

// Show-server bodies. Only the fields a password workflow can use are
// modelled faithfully (contract §11); the informational ones hold fixed,
// plausible values so that clients decoding whole objects see a realistic
// shape.

const serverTimeLayout = "2006-01-02T15:04:05Z"

// simFlavorID is the flavor every simulated server reports.
const simFlavorID = "s6.large.2"

// novaState is what Nova reports of a server's state besides its status.
type novaState struct {
	vm    string
	task  string
	power int
}

// powerStates maps a server status to the Nova vm_state, task_state and
// power_state a real server in that status reports.
var powerStates = map[string]novaState{
	"ACTIVE":            {"active", "", 1},
	"SHUTOFF":           {"stopped", "", 4},
	"BUILD":             {"building", "spawning", 0},
	"REBOOT":            {"active", "rebooting", 1},
	"HARD_REBOOT":       {"active", "rebooting_hard", 1},
	"REBUILD":           {"active", "rebuilding", 0},
	"MIGRATING":         {"active", "migrating", 1},
	"RESIZE":            {"active", "resize_prep", 1},
	"VERIFY_RESIZE":     {"resized", "", 1},
	"REVERT_RESIZE":     {"resized", "resize_reverting", 1},
	"ERROR":             {"error", "", 0},
	"DELETED":           {"deleted", "", 0},
	"SHELVED":           {"shelved", "", 4},
	"SHELVED_OFFLOADED": {"shelved_offloaded", "", 0},
	"SOFT_DELETED":      {"soft-delete", "", 0},
	"PAUSED":            {"paused", "", 3},
	"SUSPENDED":         {"suspended", "", 4},
	"UNKNOWN":           {"", "", 0},
}

type sysTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type idRef struct {
	ID string `json:"id"`
}

type flavorRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	VCPUs string `json:"vcpus"`
	RAM   string `json:"ram"`
	Disk  string `json:"disk"`
}

type serverFault struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Created string `json:"created"`
}

type link struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// v1Server is the "server" object of GET /v1/{project_id}/cloudservers/{id}.
type v1Server struct {
	ID                  string            `json:"id"`
	Name                string            `json:"name"`
	Status              string            `json:"status"`
	TenantID            string            `json:"tenant_id"`
	UserID              string            `json:"user_id"`
	Locked              bool              `json:"locked"`
	KeyName             *string           `json:"key_name"`
	Metadata            map[string]string `json:"metadata"`
	EnterpriseProjectID string            `json:"enterprise_project_id"`
	SysTags             []sysTag          `json:"sys_tags"`
	Tags                []string          `json:"tags"`
	VMState             string            `json:"OS-EXT-STS:vm_state"`
	TaskState           *string           `json:"OS-EXT-STS:task_state"`
	PowerState          int               `json:"OS-EXT-STS:power_state"`
	AvailabilityZone    string            `json:"OS-EXT-AZ:availability_zone"`
	Image               idRef             `json:"image"`
	Flavor              flavorRef         `json:"flavor"`
	Created             string            `json:"created"`
	Updated             string            `json:"updated"`
	Fault               *serverFault      `json:"fault"`
}

// nativeServer is the Nova-style "server" object of
// GET /v2.1/{project_id}/servers/{id}. It carries "locked" as Nova does from
// microversion 2.9 on, and no enterprise project (a Huawei extension).
type nativeServer struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Status           string            `json:"status"`
	TenantID         string            `json:"tenant_id"`
	UserID           string            `json:"user_id"`
	Locked           bool              `json:"locked"`
	KeyName          *string           `json:"key_name"`
	Metadata         map[string]string `json:"metadata"`
	HostID           string            `json:"hostId"`
	VMState          string            `json:"OS-EXT-STS:vm_state"`
	TaskState        *string           `json:"OS-EXT-STS:task_state"`
	PowerState       int               `json:"OS-EXT-STS:power_state"`
	AvailabilityZone string            `json:"OS-EXT-AZ:availability_zone"`
	Image            idRef             `json:"image"`
	Flavor           idRef             `json:"flavor"`
	Created          string            `json:"created"`
	Updated          string            `json:"updated"`
	Links            []link            `json:"links"`
	Fault            *serverFault      `json:"fault,omitempty"`
}

// powerState is the Nova state triple of the server's status, with the task
// of a running start or stop job, which keeps the status until it ends.
func (r *serverRecord) powerState() novaState {
	ps := powerStates[r.state.Status]
	if r.task != "" {
		ps.task = r.task
	}
	return ps
}

func imageFor(osType string) (id, name string) {
	if osType == "Windows" {
		return "5f4e3d2c-1b0a-4968-8776-655443322110", "Windows Server 2022 Datacenter 64bit"
	}
	return "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d", "Ubuntu 22.04 server 64bit"
}

func serverMetadata(st ServerState) map[string]string {
	imageID, imageName := imageFor(st.OSType)
	return map[string]string{
		"os_type":           st.OSType,
		"os_bit":            "64",
		"image_name":        imageName,
		"metering.image_id": imageID,
		"charging_mode":     "0",
		"vpc_id":            "7e6d5c4b-3a29-4180-9f8e-7d6c5b4a3928",
	}
}

// tagStrings renders tags the way the ECS server object lists them: "key=value",
// or the key alone when the value is empty, sorted so that the order does
// not change between reads. It is never nil, so the JSON shows [].
func tagStrings(tags map[string]string) []string {
	out := make([]string, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if v := tags[k]; v != "" {
			out = append(out, k+"="+v)
		} else {
			out = append(out, k)
		}
	}
	return out
}

func optionalString(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func formatServerTime(t time.Time) string { return t.UTC().Format(serverTimeLayout) }

func faultFor(st ServerState) *serverFault {
	if st.Status != "ERROR" {
		return nil
	}
	return &serverFault{Code: 500, Message: "The server is in the ERROR state.", Created: formatServerTime(st.Updated)}
}

func (s *Simulator) v1ServerView(rec *serverRecord) v1Server {
	st := rec.state
	ps := rec.powerState()
	imageID, _ := imageFor(st.OSType)
	return v1Server{
		ID:                  st.ID,
		Name:                st.Name,
		Status:              st.Status,
		TenantID:            s.cfg.ProjectID,
		UserID:              simUserID,
		Locked:              st.Locked,
		KeyName:             optionalString(st.KeyName),
		Metadata:            serverMetadata(st),
		EnterpriseProjectID: st.EnterpriseProjectID,
		SysTags:             []sysTag{{Key: "_sys_enterprise_project_id", Value: st.EnterpriseProjectID}},
		Tags:                tagStrings(st.Tags),
		VMState:             ps.vm,
		TaskState:           optionalString(ps.task),
		PowerState:          ps.power,
		AvailabilityZone:    s.cfg.Region + "a",
		Image:               idRef{ID: imageID},
		Flavor:              flavorRef{ID: simFlavorID, Name: simFlavorID, VCPUs: "2", RAM: "4096", Disk: "0"},
		Created:             formatServerTime(st.Created),
		Updated:             formatServerTime(st.Updated),
		Fault:               faultFor(st),
	}
}

func (s *Simulator) nativeServerView(rec *serverRecord, baseURL string) nativeServer {
	st := rec.state
	ps := rec.powerState()
	imageID, _ := imageFor(st.OSType)
	self := baseURL + "/v2.1/" + s.cfg.ProjectID + "/servers/" + url.PathEscape(st.ID)
	return nativeServer{
		ID:               st.ID,
		Name:             st.Name,
		Status:           st.Status,
		TenantID:         s.cfg.ProjectID,
		UserID:           simUserID,
		Locked:           st.Locked,
		KeyName:          optionalString(st.KeyName),
		Metadata:         serverMetadata(st),
		HostID:           "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
		VMState:          ps.vm,
		TaskState:        optionalString(ps.task),
		PowerState:       ps.power,
		AvailabilityZone: s.cfg.Region + "a",
		Image:            idRef{ID: imageID},
		Flavor:           idRef{ID: simFlavorID},
		Created:          formatServerTime(st.Created),
		Updated:          formatServerTime(st.Updated),
		Links:            []link{{Rel: "self", Href: self}},
		Fault:            faultFor(st),
	}
}
