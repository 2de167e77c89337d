package ecssim

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
)

// iamTimeLayout is the timestamp format of IAM token bodies.
const iamTimeLayout = "2006-01-02T15:04:05.000000Z"

type nameID struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// tokenRequest is the part of the POST /v3/auth/tokens body the simulator
// reads.
type tokenRequest struct {
	Auth *struct {
		Identity *struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User *struct {
					Name     string  `json:"name"`
					ID       string  `json:"id"`
					Password string  `json:"password"`
					Domain   *nameID `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope *struct {
			Project *nameID `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

type tokenResponse struct {
	Token tokenInfo `json:"token"`
}

type tokenInfo struct {
	ExpiresAt string         `json:"expires_at"`
	IssuedAt  string         `json:"issued_at"`
	Methods   []string       `json:"methods"`
	Project   tokenProject   `json:"project"`
	User      tokenUser      `json:"user"`
	Roles     []nameID       `json:"roles"`
	Catalog   []catalogEntry `json:"catalog,omitempty"`
}

type tokenProject struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Domain nameID `json:"domain"`
}

type tokenUser struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Domain nameID `json:"domain"`
}

type catalogEntry struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Type      string            `json:"type"`
	Endpoints []catalogEndpoint `json:"endpoints"`
}

type catalogEndpoint struct {
	ID        string `json:"id"`
	Interface string `json:"interface"`
	Region    string `json:"region"`
	RegionID  string `json:"region_id"`
	URL       string `json:"url"`
}

func iamError400(msg string) apiError { return apiError{status: http.StatusBadRequest, msg: msg} }

// handleIssueToken is POST /v3/auth/tokens with the password method. Only
// project-scoped tokens are issued (ECS accepts no other kind); the token
// is valid for the token lifetime (24 hours by default) of simulator time.
func (s *Simulator) handleIssueToken(c *call) {
	req, e := parseTokenRequest(c.body)
	if e != nil {
		c.fail(*e)
		return
	}
	if e := s.checkTokenLogin(req); e != nil {
		c.fail(*e)
		return
	}
	tok, rec := s.issueToken(s.cfg.User, s.cfg.ProjectID)
	info := s.tokenInfo(req.Auth.Identity.Password.User.Domain, rec)
	if c.r.URL.Query().Get("nocatalog") != "true" {
		info.Catalog = s.catalog(requestBase(c.r))
	}
	c.w.Header().Set("X-Subject-Token", tok)
	writeJSON(c.w, http.StatusCreated, tokenResponse{Token: info})
}

// parseTokenRequest reads the body of a token request and checks that it
// names a user by the password method; on success, req.Auth.Identity,
// its Password and its User are set.
func parseTokenRequest(body []byte) (*tokenRequest, *apiError) {
	fail := func(msg string) (*tokenRequest, *apiError) {
		e := iamError400(msg)
		return nil, &e
	}
	if len(body) == 0 {
		return fail("The request body is empty.")
	}
	var req tokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return fail("The request body is not valid JSON for a token request.")
	}
	if req.Auth == nil || req.Auth.Identity == nil {
		return fail("auth.identity is required.")
	}
	ident := req.Auth.Identity
	if !slices.Contains(ident.Methods, "password") || ident.Password == nil || ident.Password.User == nil {
		return fail(`auth.identity must use the "password" method with auth.identity.password.user.`)
	}
	user := ident.Password.User
	if user.Name == "" && user.ID == "" {
		return fail("auth.identity.password.user needs a name or an id.")
	}
	if user.Name != "" && (user.Domain == nil || (user.Domain.Name == "" && user.Domain.ID == "")) {
		return fail("auth.identity.password.user.domain needs a name or an id when the user is given by name.")
	}
	return &req, nil
}

// checkTokenLogin checks the user's password and the project scope of a
// parsed token request. The credentials are checked first: a wrong
// password answers 401 even when the scope is missing as well.
func (s *Simulator) checkTokenLogin(req *tokenRequest) *apiError {
	user := req.Auth.Identity.Password.User
	nameOK := user.Name == s.cfg.User || (user.Name == "" && user.ID == simUserID)
	passOK := subtle.ConstantTimeCompare([]byte(user.Password), []byte(s.cfg.Password)) == 1
	if !nameOK || !passOK {
		return &apiError{status: http.StatusUnauthorized, msg: "The username or password is wrong."}
	}
	if req.Auth.Scope == nil || req.Auth.Scope.Project == nil ||
		(req.Auth.Scope.Project.Name == "" && req.Auth.Scope.Project.ID == "") {
		e := iamError400("auth.scope.project (name or id) is required: ECS accepts project-scoped tokens only.")
		return &e
	}
	scope := req.Auth.Scope.Project
	if (scope.ID != "" && scope.ID != s.cfg.ProjectID) || (scope.Name != "" && scope.Name != s.cfg.Region) {
		return &apiError{status: http.StatusUnauthorized, msg: "The project in auth.scope does not exist or the user has no access to it."}
	}
	return nil
}

// tokenInfo is the body of a token issued as rec, in the domain the user
// named (userDomain, possibly nil) or the simulator's own.
func (s *Simulator) tokenInfo(userDomain *nameID, rec tokenRecord) tokenInfo {
	domain := nameID{Name: "ecssim-domain", ID: simDomainID}
	if userDomain != nil && userDomain.Name != "" {
		domain.Name = userDomain.Name
	}
	return tokenInfo{
		ExpiresAt: rec.expires.UTC().Format(iamTimeLayout),
		IssuedAt:  rec.issued.UTC().Format(iamTimeLayout),
		Methods:   []string{"password"},
		Project:   tokenProject{ID: s.cfg.ProjectID, Name: s.cfg.Region, Domain: domain},
		User:      tokenUser{ID: simUserID, Name: s.cfg.User, Domain: domain},
		Roles:     []nameID{{Name: "te_admin", ID: "0"}},
	}
}

// catalog points both services at the simulator itself.
func (s *Simulator) catalog(base string) []catalogEntry {
	endpoint := func(id, url string) []catalogEndpoint {
		return []catalogEndpoint{{ID: id, Interface: "public", Region: s.cfg.Region, RegionID: s.cfg.Region, URL: url}}
	}
	return []catalogEntry{
		{ID: "c0ecs", Name: "ecs", Type: "ecs", Endpoints: endpoint("e0ecs", base+"/v1/"+s.cfg.ProjectID)},
		{ID: "c0nova", Name: "nova", Type: "compute", Endpoints: endpoint("e0nova", base+"/v2.1/"+s.cfg.ProjectID)},
		{ID: "c0iam", Name: "iam", Type: "identity", Endpoints: endpoint("e0iam", base+"/v3")},
	}
}

type projectEntry struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DomainID    string `json:"domain_id"`
	Enabled     bool   `json:"enabled"`
	Description string `json:"description"`
	IsDomain    bool   `json:"is_domain"`
	ParentID    string `json:"parent_id"`
}

type projectList struct {
	Projects []projectEntry `json:"projects"`
	Links    struct {
		Self string `json:"self"`
	} `json:"links"`
}

// handleListProjects is GET /v3/projects[?name=...]. The simulator's
// account has one project, named after the region.
func (s *Simulator) handleListProjects(c *call) {
	name := c.r.URL.Query().Get("name")
	out := projectList{Projects: []projectEntry{}}
	if name == "" || name == s.cfg.Region {
		out.Projects = append(out.Projects, projectEntry{
			ID:       s.cfg.ProjectID,
			Name:     s.cfg.Region,
			DomainID: simDomainID,
			Enabled:  true,
			ParentID: simDomainID,
		})
	}
	out.Links.Self = requestBase(c.r) + c.r.URL.RequestURI()
	writeJSON(c.w, http.StatusOK, out)
}
