package ecssim

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ServerSpec describes a server to create, through AddServer, Config.Seed or
// POST /_sim/servers.
type ServerSpec struct {
	// ID is generated (a random UUID) when empty.
	ID string `json:"id,omitempty"`
	// Name defaults to "ecs-" followed by the first eight characters of ID.
	Name string `json:"name"`
	// Status defaults to ACTIVE; any ECS status is accepted (contract §11).
	Status string `json:"status,omitempty"`
	// OSType is Linux (the default) or Windows.
	OSType string `json:"os_type"`
	// EnterpriseProjectID defaults to "0", the default enterprise project.
	EnterpriseProjectID string `json:"enterprise_project_id,omitempty"`
	// ResetPasswordSupported says whether the password reset plug-in is
	// installed; nil means true.
	ResetPasswordSupported *bool `json:"reset_password_supported,omitempty"`
	// Locked servers reject password resets.
	Locked bool `json:"locked,omitempty"`
	// KeyName is the key pair name; it defaults to "KeyPair-" plus the first
	// eight characters of ID when PublicKey is set.
	KeyName string `json:"key_name,omitempty"`
	// PublicKey is the key pair's RSA public key: PEM (PUBLIC KEY or RSA
	// PUBLIC KEY) or an OpenSSH "ssh-rsa AAAA..." line.
	PublicKey string `json:"public_key,omitempty"`
	// WindowsPassword is the initial Windows password in plain text. It needs
	// OSType Windows and PublicKey, and is stored only encrypted.
	WindowsPassword string `json:"windows_password,omitempty"`
	// LoginPassword is the password a login accepts when the server is
	// created (ServerState.EffectivePassword); empty by default.
	LoginPassword string `json:"login_password,omitempty"`
	// Tags are the server's tags, key to value (a value may be empty).
	// Show server and the server list report them as "key=value" strings,
	// or "key" alone for an empty value; see validateTags for the rules.
	Tags map[string]string `json:"tags,omitempty"`
}

// ServerPatch changes a server out of band (PATCH /_sim/servers/{id}). Nil
// fields are left alone.
type ServerPatch struct {
	Name                   *string `json:"name,omitempty"`
	Status                 *string `json:"status,omitempty"`
	EnterpriseProjectID    *string `json:"enterprise_project_id,omitempty"`
	ResetPasswordSupported *bool   `json:"reset_password_supported,omitempty"`
	Locked                 *bool   `json:"locked,omitempty"`
	KeyName                *string `json:"key_name,omitempty"`
	// PublicKey replaces the key pair's public key; "" removes the key pair.
	// A stored Windows password is not re-encrypted.
	PublicKey *string `json:"public_key,omitempty"`
	// WindowsPassword stores a new initial Windows password, encrypted under
	// the (possibly just patched) public key; "" clears the stored one.
	WindowsPassword *string `json:"windows_password,omitempty"`
	// LoginPassword replaces the password a login accepts, as if someone had
	// changed it inside the guest; a pending reset stays pending.
	LoginPassword *string `json:"login_password,omitempty"`
	// FailNextBoot arms a failure: the server's next reboot or start
	// sub-job fails with this reason, and the server stays as it was. ""
	// disarms it.
	FailNextBoot *string `json:"fail_next_boot,omitempty"`
	// Tags replaces every tag of the server; a pointer to an empty map
	// removes them all. A pointer, because an empty map has to travel as
	// {} rather than vanish the way omitempty drops it.
	Tags *map[string]string `json:"tags,omitempty"`
}

// maxFailReason bounds FailNextBoot, which job documents repeat.
const maxFailReason = 1024

// ServerState is the ground truth about a server (GET /_sim/servers/{id}).
type ServerState struct {
	ID                     string `json:"id"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	OSType                 string `json:"os_type"`
	EnterpriseProjectID    string `json:"enterprise_project_id"`
	ResetPasswordSupported bool   `json:"reset_password_supported"`
	Locked                 bool   `json:"locked"`
	KeyName                string `json:"key_name"`
	// Tags are the server's tags, key to value; never nil in a state the
	// simulator hands out, so that the JSON shows {} rather than null.
	Tags map[string]string `json:"tags"`
	// Password is the last password accepted by a reset ("" if never reset).
	// The guest applies it at its next boot; until then EffectivePassword
	// is what a login accepts.
	Password string `json:"password"`
	// EffectivePassword is the password a login accepts now: the seed's
	// LoginPassword, then the Password of the last reset a boot applied.
	EffectivePassword string `json:"effective_password"`
	// PendingReset reports that a reset was accepted since the last boot.
	// A boot applies it when the reset plug-in is installed and drops it
	// when not; either way it is false afterwards.
	PendingReset bool `json:"pending_reset"`
	// BootCount counts the boots completed since creation: reboots of an
	// ACTIVE server and starts of a SHUTOFF one. Failed boots do not count.
	BootCount int `json:"boot_count"`
	// FailNextBoot is the armed failure reason of the next reboot or start
	// (see ServerPatch.FailNextBoot); empty when none is armed.
	FailNextBoot string `json:"fail_next_boot,omitempty"`
	// ResetCount counts accepted resets through any API (dry runs excluded).
	ResetCount int `json:"reset_count"`
	// LastResetAPI is "v1", "v2.1" (also for the /v2/ alias) or "batch".
	LastResetAPI string `json:"last_reset_api"`
	// LastIsCheckPassword is the is_check_password value of the last reset.
	LastIsCheckPassword bool `json:"last_is_check_password"`
	// WindowsPasswordPresent reports whether an encrypted initial password
	// is stored (it goes away when a client deletes it).
	WindowsPasswordPresent bool `json:"windows_password_present"`
	// EncryptedPassword is what GET os-server-password returns while present.
	EncryptedPassword string `json:"encrypted_password,omitempty"`
	// ResetHistory lists the most recent accepted resets (up to 100),
	// oldest first.
	ResetHistory []ResetRecord `json:"reset_history"`
	Created      time.Time     `json:"created"`
	Updated      time.Time     `json:"updated"`
}

// ResetRecord describes one accepted password reset. It never holds the
// password.
type ResetRecord struct {
	Time            time.Time `json:"time"`
	API             string    `json:"api"`
	IsCheckPassword bool      `json:"is_check_password"`
	RequestID       string    `json:"request_id"`
	// AccessKey is the access key that signed the request (a temporary
	// one for temporary, assumed and metadata credentials), or
	// "token:<user>" for a request authenticated with an IAM token.
	AccessKey string `json:"access_key,omitempty"`
	// Source is how the caller authenticated: SourceAKSK, SourceTemporary,
	// SourceAssumeRole, SourceMetadata or SourceToken.
	Source string `json:"source,omitempty"`
	// Agency is "domain_name/agency_name" for credentials of an assumed
	// agency; empty otherwise.
	Agency string `json:"agency,omitempty"`
}

// Values of ServerState.LastResetAPI and ResetRecord.API.
const (
	resetAPIV1    = "v1"
	resetAPIV21   = "v2.1"
	resetAPIBatch = "batch"
)

// serverStatuses are the ECS statuses of contract §11.
var serverStatuses = []string{
	"ACTIVE", "SHUTOFF", "BUILD", "REBOOT", "HARD_REBOOT", "REBUILD", "MIGRATING", "RESIZE",
	"VERIFY_RESIZE", "REVERT_RESIZE", "ERROR", "DELETED", "SHELVED", "SHELVED_OFFLOADED",
	"SOFT_DELETED", "PAUSED", "SUSPENDED", "UNKNOWN",
}

// serverRecord is the mutable state of one server; it is guarded by
// Simulator.mu.
type serverRecord struct {
	state     ServerState
	publicKey *rsa.PublicKey
	// busyJob is the ID of the unfinished job that holds the server: it
	// refuses other actions until the job settles, and the job applies its
	// outcome only to a record that it still holds (not to a server deleted
	// and created again under the same ID).
	busyJob string
	// task overrides the task_state that show server derives from the
	// status, for jobs that keep the status while they run (start, stop).
	task string
}

func (r *serverRecord) snapshot() ServerState {
	st := r.state
	st.ResetHistory = append([]ResetRecord{}, r.state.ResetHistory...)
	// The caller may change what it gets, so it gets its own map.
	st.Tags = maps.Clone(r.state.Tags)
	if st.Tags == nil {
		st.Tags = map[string]string{}
	}
	return st
}

// resetBlocker reports why a reset must be refused, as a reason the API
// handlers translate into their own error format.
func (r *serverRecord) resetBlocker() resetBlock {
	switch {
	case r.state.Locked:
		return blockLocked
	case r.state.Status != "ACTIVE" && r.state.Status != "SHUTOFF":
		return blockStatus
	case !r.state.ResetPasswordSupported:
		return blockNoPlugin
	default:
		return blockNone
	}
}

type resetBlock int

const (
	blockNone resetBlock = iota
	blockLocked
	blockStatus
	blockNoPlugin
)

// maxResetHistory bounds the reset history kept per server so that a
// long-running simulator does not grow without limit; ResetCount keeps
// counting.
const maxResetHistory = 100

// recordReset applies an accepted reset to the server.
func (r *serverRecord) recordReset(password string, rec ResetRecord) {
	r.state.Password = password
	// The guest applies a reset at its next boot (contract §3).
	r.state.PendingReset = true
	r.state.ResetCount++
	r.state.LastResetAPI = rec.API
	r.state.LastIsCheckPassword = rec.IsCheckPassword
	if len(r.state.ResetHistory) >= maxResetHistory {
		r.state.ResetHistory = append(r.state.ResetHistory[:0], r.state.ResetHistory[1:]...)
	}
	r.state.ResetHistory = append(r.state.ResetHistory, rec)
	r.state.Updated = rec.Time
}

// AddServer creates a server. It fails when the spec is invalid or the ID is
// taken.
func (s *Simulator) AddServer(spec ServerSpec) (ServerState, error) {
	rec, err := s.newServerRecord(spec)
	if err != nil {
		return ServerState{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.servers[rec.state.ID]; exists {
		return ServerState{}, &conflictError{fmt.Sprintf("server %q already exists", rec.state.ID)}
	}
	s.servers[rec.state.ID] = rec
	s.serverOrder = append(s.serverOrder, rec.state.ID)
	s.listIndex = nil
	return rec.snapshot(), nil
}

// AddServers creates many servers at once, all of them or none: it fails,
// creating nothing, when a spec is invalid or an ID is taken or repeated.
// The servers are checked outside the lock and inserted under one
// acquisition, so that seeding thousands of servers stays fast.
func (s *Simulator) AddServers(specs []ServerSpec) ([]ServerState, error) {
	recs := make([]*serverRecord, len(specs))
	for i, spec := range specs {
		rec, err := s.newServerRecord(spec)
		if err != nil {
			return nil, fmt.Errorf("server %d: %w", i, err)
		}
		recs[i] = rec
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	first := make(map[string]int, len(recs))
	for i, rec := range recs {
		id := rec.state.ID
		if _, exists := s.servers[id]; exists {
			return nil, &conflictError{fmt.Sprintf("server %d: server %q already exists", i, id)}
		}
		if j, dup := first[id]; dup {
			return nil, &conflictError{fmt.Sprintf("servers %d and %d have the same id %q", j, i, id)}
		}
		first[id] = i
	}
	out := make([]ServerState, len(recs))
	for i, rec := range recs {
		s.servers[rec.state.ID] = rec
		s.serverOrder = append(s.serverOrder, rec.state.ID)
		out[i] = rec.snapshot()
	}
	s.listIndex = nil
	return out, nil
}

// conflictError marks control API errors that map to 409.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }

// notFoundError marks control API errors that map to 404.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

// newServerRecord builds the record of the server spec describes, created
// now; it is not yet stored.
func (s *Simulator) newServerRecord(spec ServerSpec) (*serverRecord, error) {
	state, err := newServerState(spec)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	state.Created, state.Updated = now, now
	rec := &serverRecord{state: state}
	if err := rec.setSpecKeys(spec); err != nil {
		return nil, err
	}
	return rec, nil
}

// newServerState checks spec and returns the state of the server it
// describes, with the defaults of the fields it leaves empty, but without
// timestamps or key pair.
func newServerState(spec ServerSpec) (ServerState, error) {
	id := spec.ID
	if id == "" {
		id = newUUID()
	} else if err := validateServerID(id); err != nil {
		return ServerState{}, err
	}
	name := spec.Name
	if name == "" {
		name = "ecs-" + prefix(id, 8)
	}
	status, err := normalizeStatus(spec.Status)
	if err != nil {
		return ServerState{}, err
	}
	osType, err := normalizeOSType(spec.OSType)
	if err != nil {
		return ServerState{}, err
	}
	ep := spec.EnterpriseProjectID
	if ep == "" {
		ep = "0"
	}
	supported := true
	if spec.ResetPasswordSupported != nil {
		supported = *spec.ResetPasswordSupported
	}
	if err := validateTags(spec.Tags); err != nil {
		return ServerState{}, err
	}
	return ServerState{
		ID:                     id,
		Name:                   name,
		Status:                 status,
		OSType:                 osType,
		EnterpriseProjectID:    ep,
		ResetPasswordSupported: supported,
		Locked:                 spec.Locked,
		KeyName:                spec.KeyName,
		Tags:                   maps.Clone(spec.Tags),
		EffectivePassword:      spec.LoginPassword,
		ResetHistory:           []ResetRecord{},
	}, nil
}

// setSpecKeys gives a new server the key pair and the encrypted Windows
// password spec asks for.
func (r *serverRecord) setSpecKeys(spec ServerSpec) error {
	if spec.PublicKey != "" {
		pub, err := parsePublicKey(spec.PublicKey)
		if err != nil {
			return fmt.Errorf("public_key: %w", err)
		}
		r.publicKey = pub
		if r.state.KeyName == "" {
			r.state.KeyName = defaultKeyName(r.state.ID)
		}
	}
	if spec.WindowsPassword != "" {
		if err := r.storeWindowsPassword(spec.WindowsPassword); err != nil {
			return err
		}
	}
	return nil
}

func (r *serverRecord) storeWindowsPassword(plain string) error {
	if r.state.OSType != "Windows" {
		return errors.New("windows_password needs os_type Windows")
	}
	if r.publicKey == nil {
		return errors.New("windows_password needs public_key: the password is stored encrypted under it")
	}
	ct, err := encryptPassword(r.publicKey, plain)
	if err != nil {
		return err
	}
	r.state.EncryptedPassword = ct
	r.state.WindowsPasswordPresent = true
	return nil
}

func (r *serverRecord) clearWindowsPassword() {
	r.state.EncryptedPassword = ""
	r.state.WindowsPasswordPresent = false
}

// UpdateServer changes a server out of band, as PATCH /_sim/servers/{id}
// does. Either every change applies or none does.
func (s *Simulator) UpdateServer(id string, patch ServerPatch) (ServerState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A job that has finished by now settles first, so that the patch
	// applies to the server as it is now.
	s.settleJobsLocked()
	cur, ok := s.servers[id]
	if !ok {
		return ServerState{}, &notFoundError{fmt.Sprintf("server %q not found", id)}
	}
	// The patch applies to a copy, which replaces the server only when
	// every field was accepted.
	next := &serverRecord{state: cur.snapshot(), publicKey: cur.publicKey, busyJob: cur.busyJob, task: cur.task}
	if err := patch.applySettings(next); err != nil {
		return ServerState{}, err
	}
	if err := patch.applyCredentials(next, id); err != nil {
		return ServerState{}, err
	}
	if err := patch.applyBootAndTags(next); err != nil {
		return ServerState{}, err
	}
	next.state.Updated = s.now().UTC()
	s.servers[id] = next
	return next.snapshot(), nil
}

// applySettings applies the name, status, enterprise project, reset
// support and lock of the patch.
func (p ServerPatch) applySettings(next *serverRecord) error {
	if p.Name != nil {
		if *p.Name == "" {
			return errors.New("name must not be empty")
		}
		next.state.Name = *p.Name
	}
	if p.Status != nil {
		status, err := normalizeStatus(*p.Status)
		if err != nil {
			return err
		}
		next.state.Status = status
	}
	if p.EnterpriseProjectID != nil {
		if *p.EnterpriseProjectID == "" {
			return errors.New(`enterprise_project_id must not be empty (the default enterprise project is "0")`)
		}
		next.state.EnterpriseProjectID = *p.EnterpriseProjectID
	}
	if p.ResetPasswordSupported != nil {
		next.state.ResetPasswordSupported = *p.ResetPasswordSupported
	}
	if p.Locked != nil {
		next.state.Locked = *p.Locked
	}
	return nil
}

// applyCredentials applies the key pair, Windows password and login
// password of the patch, in that order: a new Windows password is
// encrypted under the public key the same patch may set.
func (p ServerPatch) applyCredentials(next *serverRecord, id string) error {
	if p.KeyName != nil {
		next.state.KeyName = *p.KeyName
	}
	if p.PublicKey != nil {
		if *p.PublicKey == "" {
			next.publicKey = nil
		} else {
			pub, err := parsePublicKey(*p.PublicKey)
			if err != nil {
				return fmt.Errorf("public_key: %w", err)
			}
			next.publicKey = pub
			if next.state.KeyName == "" {
				next.state.KeyName = defaultKeyName(id)
			}
		}
	}
	if p.WindowsPassword != nil {
		if *p.WindowsPassword == "" {
			next.clearWindowsPassword()
		} else if err := next.storeWindowsPassword(*p.WindowsPassword); err != nil {
			return err
		}
	}
	if p.LoginPassword != nil {
		next.state.EffectivePassword = *p.LoginPassword
	}
	return nil
}

// applyBootAndTags applies the armed boot failure and the tags of the
// patch.
func (p ServerPatch) applyBootAndTags(next *serverRecord) error {
	if p.FailNextBoot != nil {
		if len(*p.FailNextBoot) > maxFailReason {
			return fmt.Errorf("fail_next_boot must be at most %d bytes", maxFailReason)
		}
		next.state.FailNextBoot = *p.FailNextBoot
	}
	if p.Tags != nil {
		if err := validateTags(*p.Tags); err != nil {
			return err
		}
		next.state.Tags = maps.Clone(*p.Tags)
	}
	return nil
}

// Server returns the ground truth about a server.
func (s *Simulator) Server(id string) (ServerState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleJobsLocked()
	rec, ok := s.servers[id]
	if !ok {
		return ServerState{}, false
	}
	return rec.snapshot(), true
}

// Servers returns every server in creation order.
func (s *Simulator) Servers() []ServerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleJobsLocked()
	out := make([]ServerState, 0, len(s.serverOrder))
	for _, id := range s.serverOrder {
		out = append(out, s.servers[id].snapshot())
	}
	return out
}

// DeleteServer removes a server as if it had been deleted outside Terraform;
// it reports whether the server existed.
func (s *Simulator) DeleteServer(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A job that finished before the deletion still succeeds on it.
	s.settleJobsLocked()
	if _, ok := s.servers[id]; !ok {
		return false
	}
	delete(s.servers, id)
	s.listIndex = nil
	for i, v := range s.serverOrder {
		if v == id {
			s.serverOrder = append(s.serverOrder[:i], s.serverOrder[i+1:]...)
			break
		}
	}
	return true
}

func validateServerID(id string) error {
	if len(id) > 255 {
		return errors.New("id must be at most 255 bytes")
	}
	if !utf8.ValidString(id) {
		return errors.New("id must be valid UTF-8")
	}
	for _, r := range id {
		if r == '/' || r == '?' || r == '#' || unicode.IsControl(r) {
			return errors.New("id must not contain '/', '?', '#' or control characters")
		}
	}
	return nil
}

// Limits of tag keys and values, in characters, as the ECS tag rules set
// them.
const (
	maxTagKeyChars   = 127
	maxTagValueChars = 255
)

// validateTags checks tags against the ECS tag rules the simulator depends
// on. A key holds no "=" and neither key nor value holds ",", because the
// server object joins them as "key=value" and the list filters separate
// tags with commas; either would make a tag ambiguous there. Keys starting
// with _sys_ are reserved for system tags (sys_tags), as on ECS.
func validateTags(tags map[string]string) error {
	for k, v := range tags {
		switch {
		case k == "":
			return errors.New("tags: a key must not be empty")
		case !utf8.ValidString(k) || !utf8.ValidString(v):
			return errors.New("tags: keys and values must be valid UTF-8")
		case utf8.RuneCountInString(k) > maxTagKeyChars:
			return fmt.Errorf("tags: key %q is longer than %d characters", k, maxTagKeyChars)
		case utf8.RuneCountInString(v) > maxTagValueChars:
			return fmt.Errorf("tags: the value of %q is longer than %d characters", k, maxTagValueChars)
		case strings.ContainsAny(k, "=,"):
			return fmt.Errorf("tags: key %q must not contain '=' or ','", k)
		case strings.Contains(v, ","):
			return fmt.Errorf("tags: the value of %q must not contain ','", k)
		case strings.HasPrefix(strings.ToLower(k), "_sys_"):
			return fmt.Errorf("tags: key %q starts with _sys_, which is reserved for system tags", k)
		case strings.ContainsFunc(k+v, unicode.IsControl):
			return fmt.Errorf("tags: the tag %q holds a control character", k)
		}
	}
	return nil
}

func normalizeStatus(status string) (string, error) {
	if status == "" {
		return "ACTIVE", nil
	}
	up := strings.ToUpper(status)
	for _, known := range serverStatuses {
		if up == known {
			return known, nil
		}
	}
	return "", fmt.Errorf("status %q is not an ECS status (one of %s)", status, strings.Join(serverStatuses, ", "))
}

func normalizeOSType(osType string) (string, error) {
	switch strings.ToLower(osType) {
	case "", "linux":
		return "Linux", nil
	case "windows":
		return "Windows", nil
	default:
		return "", fmt.Errorf("os_type %q must be Linux or Windows", osType)
	}
}

// defaultKeyName is the key pair name of a server given a public key but no
// key name.
func defaultKeyName(id string) string { return "KeyPair-" + prefix(id, 8) }

// prefix returns the first n runes of s.
func prefix(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
