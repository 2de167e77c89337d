package ecssim

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The server list of contract §8d: GET /v1/{project_id}/cloudservers/detail.
// The README documents the parameters and the choices made where the
// public documentation is silent.

// Page sizes of the v1 list: 25 by default and at most 1000, as the
// API definition of ListServersDetails states (limit minimum 1).
const (
	defaultListLimit = 25
	maxListLimit     = 1000
)

// allGrantedEPs is the enterprise_project_id value that asks for every
// enterprise project the caller is granted.
const allGrantedEPs = "all_granted_eps"

// actionsListServers: the older name first, as for the other reads, so that
// a denial names the action older policies use.
var actionsListServers = []string{ActionListServers, ActionListServersDetails}

// statusListScope widens a status filter the way the ListServersDetails
// documentation describes for servers in transitional states: asking for
// ACTIVE also finds servers being rebooted, rebuilt, migrated or resized,
// and so on. Statuses not listed here match only themselves.
var statusListScope = map[string][]string{
	"ACTIVE":        {"ACTIVE", "REBOOT", "HARD_REBOOT", "REBUILD", "MIGRATING", "RESIZE"},
	"SHUTOFF":       {"SHUTOFF", "RESIZE", "REBUILD"},
	"ERROR":         {"ERROR", "REBUILD"},
	"VERIFY_RESIZE": {"VERIFY_RESIZE", "REVERT_RESIZE"},
}

// listKey orders the server list: newest first, as the real API's examples
// are, and by ID among servers created at the same instant (servers seeded
// together often are), so that the order is total and pages never overlap.
type listKey struct {
	created time.Time
	id      string
}

func compareListKeys(a, b listKey) int {
	if c := b.created.Compare(a.created); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// listIndexLocked returns every server in listing order, sorting only when
// a server was created or deleted since the last listing. Patches change
// neither the creation time nor the ID, so they keep the index valid.
func (s *Simulator) listIndexLocked() []listKey {
	if s.listIndex == nil {
		idx := make([]listKey, 0, len(s.servers))
		for id, rec := range s.servers {
			idx = append(idx, listKey{created: rec.state.Created, id: id})
		}
		slices.SortFunc(idx, compareListKeys)
		s.listIndex = idx
	}
	return s.listIndex
}

// tagMatch is one tag of a tags or not-tags filter: a key alone matches
// any value, "key=value" only that value.
type tagMatch struct {
	key, value string
	anyValue   bool
}

func (m tagMatch) matches(tags map[string]string) bool {
	v, ok := tags[m.key]
	return ok && (m.anyValue || v == m.value)
}

func hasAllTags(ms []tagMatch, tags map[string]string) bool {
	for _, m := range ms {
		if !m.matches(tags) {
			return false
		}
	}
	return true
}

// listQuery is a parsed and validated list request.
type listQuery struct {
	limit int
	// page is the offset parameter: a page number, where 0 and 1 both
	// mean the first page.
	page      int
	marker    string
	hasMarker bool
	// name is the lower-cased name pattern; nil means no name filter.
	name     []rune
	statuses []string
	tags     []tagMatch
	notTags  []tagMatch
	// ep is the enterprise_project_id parameter, "" when absent.
	ep string
	// none is set by filters no simulated server can satisfy, such as an
	// IP address (simulated servers have none).
	none bool
}

func badListParam(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "Ecs.0005", fmt.Sprintf(format, args...)}
}

// parseListQuery validates the query of a list request. Parameters it does
// not know are ignored; a known single-valued one given twice is an error,
// since the API could honour only one of the values.
//
// The steps run in a fixed order, so that a query with several mistakes is
// always refused for the same one.
func parseListQuery(values url.Values) (listQuery, *apiError) {
	q := listQuery{limit: defaultListLimit, page: 1}
	p := listParams(values)
	for _, step := range []func(listParams, *listQuery) *apiError{
		parseListPaging,
		parseListNameAndStatus,
		parseListTags,
		parseListOtherFilters,
	} {
		if e := step(p, &q); e != nil {
			return q, e
		}
	}
	return q, nil
}

// listParams is the query of a list request.
type listParams url.Values

// single returns the value of a single-valued parameter and whether it was
// given; giving it more than once is an error.
func (p listParams) single(name string) (string, bool, *apiError) {
	switch vs := p[name]; len(vs) {
	case 0:
		return "", false, nil
	case 1:
		return vs[0], true, nil
	default:
		return "", false, badListParam("The query parameter %s is given %d times; give it once.", name, len(vs))
	}
}

// parseListPaging reads limit, offset and marker.
func parseListPaging(p listParams, q *listQuery) *apiError {
	if v, ok, e := p.single("limit"); e != nil {
		return e
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			return badListParam("The value of limit must be an integer from 1 to %d.", maxListLimit)
		}
		q.limit = n
	}
	if v, ok, e := p.single("offset"); e != nil {
		return e
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badListParam("The value of offset must be a page number, an integer of at least 0 (0 and 1 both mean the first page).")
		}
		q.page = max(n, 1)
	}
	if v, ok, e := p.single("marker"); e != nil {
		return e
	} else if ok {
		if v == "" {
			return badListParam("The value of marker must be the ID of the last server of the previous page.")
		}
		q.marker, q.hasMarker = v, true
	}
	return nil
}

// parseListNameAndStatus reads the name and status filters.
func parseListNameAndStatus(p listParams, q *listQuery) *apiError {
	if v, _, e := p.single("name"); e != nil {
		return e
	} else if v != "" {
		q.name = []rune(strings.ToLower(v))
	}
	if v, _, e := p.single("status"); e != nil {
		return e
	} else if v != "" {
		status := strings.ToUpper(v)
		if !slices.Contains(serverStatuses, status) {
			return badListParam("The value of status must be one of %s.", strings.Join(serverStatuses, ", "))
		}
		if scope, ok := statusListScope[status]; ok {
			q.statuses = scope
		} else {
			q.statuses = []string{status}
		}
	}
	return nil
}

// parseListTags reads tags and not-tags, which may each be given several
// times.
func parseListTags(p listParams, q *listQuery) *apiError {
	for _, param := range []struct {
		name string
		dst  *[]tagMatch
	}{{"tags", &q.tags}, {"not-tags", &q.notTags}} {
		for _, v := range p[param.name] {
			if v == "" {
				continue
			}
			for item := range strings.SplitSeq(v, ",") {
				key, value, hasValue := strings.Cut(item, "=")
				if key == "" {
					return badListParam("The value of %s must be tags separated by commas, each a key or key=value, with no empty key.", param.name)
				}
				*param.dst = append(*param.dst, tagMatch{key: key, value: value, anyValue: !hasValue})
			}
		}
	}
	return nil
}

// parseListOtherFilters reads enterprise_project_id and the filters no
// simulated server can satisfy, and refuses server_id.
func parseListOtherFilters(p listParams, q *listQuery) *apiError {
	ep, _, e := p.single("enterprise_project_id")
	if e != nil {
		return e
	}
	q.ep = ep
	if v, _, e := p.single("flavor"); e != nil {
		return e
	} else if v != "" && v != simFlavorID {
		// Every simulated server has the same flavor.
		q.none = true
	}
	for _, name := range []string{"ip", "ip_eq", "reservation_id"} {
		if v, _, e := p.single(name); e != nil {
			return e
		} else if v != "" {
			// Simulated servers have no addresses and were not created
			// in a reservation, so nothing matches.
			q.none = true
		}
	}
	if _, ok := p["server_id"]; ok {
		// server_id changes what the API answers for unknown IDs and
		// overrides every other filter; ignoring it silently would hand a
		// client the whole fleet, so it is refused.
		return badListParam("The query parameter server_id is not supported by the simulator.")
	}
	return nil
}

// listScope says which enterprise projects' servers the caller lists: all
// of them (nil, true), those named (eps, true), or none because the caller
// is not granted what it asked for (false). Per the ListServersDetails
// documentation, a caller whose grants come from enterprise projects must
// name one or ask for all_granted_eps; without the parameter it is denied.
func listScope(id *identity, param string) ([]string, bool) {
	epOnly := len(id.eps) > 0
	switch {
	case param == "":
		return nil, !epOnly
	case param == allGrantedEPs:
		if epOnly {
			return id.eps, true
		}
		return nil, true
	case !epOnly || slices.Contains(id.eps, param):
		return []string{param}, true
	default:
		return nil, false
	}
}

func (q *listQuery) matches(st *ServerState, eps []string) bool {
	switch {
	case q.none:
		return false
	case eps != nil && !slices.Contains(eps, st.EnterpriseProjectID):
		return false
	case q.statuses != nil && !slices.Contains(q.statuses, st.Status):
		return false
	case q.name != nil && !nameMatches(st.Name, q.name):
		return false
	case len(q.tags) > 0 && !hasAllTags(q.tags, st.Tags):
		return false
	case len(q.notTags) > 0 && hasAllTags(q.notTags, st.Tags):
		return false
	default:
		return true
	}
}

// nameMatches reports whether pattern, lower-cased, occurs in name ignoring
// case, where "." in the pattern stands for any one character except a
// line break (the documented fuzzy match). The scan is quadratic at worst
// in the name's length, and names are short.
func nameMatches(name string, pattern []rune) bool {
	n := []rune(strings.ToLower(name))
	for i := 0; i+len(pattern) <= len(n); i++ {
		if matchesAt(n[i:], pattern) {
			return true
		}
	}
	return false
}

func matchesAt(n, pattern []rune) bool {
	for j, p := range pattern {
		c := n[j]
		if p == '.' {
			if c == '\n' || c == '\r' {
				return false
			}
			continue
		}
		if c != p {
			return false
		}
	}
	return true
}

// v1ServerList is the body of the server list.
type v1ServerList struct {
	// Count is the number of servers matching the filters, on every page.
	Count   int        `json:"count"`
	Servers []v1Server `json:"servers"`
}

// handleV1ListServers is GET /v1/{project_id}/cloudservers/detail.
func (s *Simulator) handleV1ListServers(c *call) {
	if !s.admit(c, v1Errors, actionsListServers) {
		return
	}
	q, e := parseListQuery(c.r.URL.Query())
	if e != nil {
		c.fail(*e)
		return
	}
	eps, ok := listScope(c.id, q.ep)
	if !ok {
		c.fail(v1Errors.forbidden(actionsListServers[0]))
		return
	}
	s.mu.Lock()
	s.settleJobsLocked()
	list, e := s.listServersLocked(c, &q, eps)
	s.mu.Unlock()
	if e != nil {
		c.fail(*e)
		return
	}
	writeJSON(c.w, http.StatusOK, list)
}

// listServersLocked builds one page. It scans the whole index, because the
// count covers every match, and renders only the page's servers.
func (s *Simulator) listServersLocked(c *call, q *listQuery, eps []string) (v1ServerList, *apiError) {
	list := v1ServerList{Servers: []v1Server{}}
	markerErr := badListParam("The marker %q is not the ID of a server you can list.", q.marker)
	// Every server lives in the simulator's project; another project
	// (reachable by a principal registered for it) has none.
	if c.params["project_id"] != s.cfg.ProjectID {
		if q.hasMarker {
			return list, markerErr
		}
		return list, nil
	}
	idx := s.listIndexLocked()
	// Servers before index start belong to earlier pages (marker paging);
	// skip counts the matches that earlier pages hold (offset paging).
	start, skip := 0, 0
	if q.hasMarker {
		rec, ok := s.servers[q.marker]
		// A marker outside the caller's enterprise projects is treated as
		// unknown, so that the answer does not reveal that it exists.
		if !ok || !c.id.allowedOn(actionsListServers, rec.state.EnterpriseProjectID, true) {
			return list, markerErr
		}
		pos, found := slices.BinarySearchFunc(idx, listKey{created: rec.state.Created, id: q.marker}, compareListKeys)
		if !found {
			return list, markerErr
		}
		start = pos + 1
	} else if q.page-1 > math.MaxInt/q.limit {
		skip = math.MaxInt
	} else {
		skip = (q.page - 1) * q.limit
	}
	page := make([]*serverRecord, 0, min(q.limit, len(idx)))
	for i, k := range idx {
		rec := s.servers[k.id]
		// Every creation and deletion drops the index, so rec is never
		// nil; the check keeps a future path that forgets it from
		// crashing the simulator.
		if rec == nil || !q.matches(&rec.state, eps) {
			continue
		}
		list.Count++
		switch {
		case i < start:
		case skip > 0:
			skip--
		case len(page) < q.limit:
			page = append(page, rec)
		}
	}
	list.Servers = make([]v1Server, 0, len(page))
	for _, rec := range page {
		list.Servers = append(list.Servers, s.v1ServerView(rec))
	}
	return list, nil
}
