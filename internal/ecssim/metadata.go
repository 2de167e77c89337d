package ecssim

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// MetadataSettings controls the instance metadata endpoint
// GET /openstack/latest/securitykey, which stands for the metadata service
// of a server with an agency bound to it (contract §2.9).
type MetadataSettings struct {
	// Lifetime is how long each issued credential stays valid on the
	// simulator's clock; zero means DefaultMetadataLifetime. Otherwise it
	// must lie between MinMetadataLifetime and MaxMetadataLifetime.
	Lifetime time.Duration
	// Actions, when nil, gives the credentials the actions and enterprise
	// projects of the default principal as it is when they are issued.
	// Otherwise the credentials get Actions and EnterpriseProjectIDs
	// (an empty, non-nil Actions permits nothing).
	Actions              []string
	EnterpriseProjectIDs []string
	// Disabled makes the endpoint answer 404, as the metadata service of a
	// server without an agency does.
	Disabled bool
}

// SetMetadataSettings replaces the settings of the metadata endpoint; it
// fails, changing nothing, when one of them is invalid. Credentials
// already issued keep their grant and expiry.
func (s *Simulator) SetMetadataSettings(m MetadataSettings) error {
	if m.Lifetime == 0 {
		m.Lifetime = DefaultMetadataLifetime
	}
	if m.Lifetime < MinMetadataLifetime || m.Lifetime > MaxMetadataLifetime {
		return fmt.Errorf("metadata credential lifetime %v is not between %v and %v", m.Lifetime, MinMetadataLifetime, MaxMetadataLifetime)
	}
	if m.Actions != nil {
		// The same rules as for a principal's grant.
		p, err := s.normalizePrincipal(Principal{AccessKey: "metadata", SecretKey: "metadata",
			Actions: m.Actions, EnterpriseProjectIDs: m.EnterpriseProjectIDs})
		if err != nil {
			return err
		}
		m.Actions, m.EnterpriseProjectIDs = p.Actions, p.EnterpriseProjectIDs
	} else if len(m.EnterpriseProjectIDs) > 0 {
		return fmt.Errorf("enterprise_project_ids needs actions: without actions the credentials copy the default principal's grant")
	} else {
		m.EnterpriseProjectIDs = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.metadata = m
	return nil
}

// MetadataSettings returns the current settings of the metadata endpoint,
// with Lifetime filled in.
func (s *Simulator) MetadataSettings() MetadataSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.metadata
	m.Actions = slices.Clone(m.Actions)
	m.EnterpriseProjectIDs = slices.Clone(m.EnterpriseProjectIDs)
	return m
}

// handleMetadataSecurityKey is GET /openstack/latest/securitykey: fresh
// temporary credentials on every call, valid for the configured lifetime.
// Like the real metadata service it needs no credentials; it answers
// whoever reaches the simulator.
func (s *Simulator) handleMetadataSecurityKey(c *call) {
	s.mu.Lock()
	m := s.metadata
	actions, eps := m.Actions, m.EnterpriseProjectIDs
	if actions == nil {
		def := s.principals[s.cfg.AccessKey]
		actions, eps = def.Actions, def.EnterpriseProjectIDs
	}
	// Copied under the lock: the default principal may be replaced
	// concurrently.
	actions, eps = slices.Clone(actions), slices.Clone(eps)
	s.mu.Unlock()
	if m.Disabled {
		c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		c.w.WriteHeader(http.StatusNotFound)
		_, _ = c.w.Write([]byte("404 Not Found: no agency is bound to this server\n"))
		return
	}
	writeJSON(c.w, http.StatusOK, s.issueTemporary(actions, eps, m.Lifetime, SourceMetadata, ""))
}
