package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// DefaultSharedConfigFile is where KooCLI (hcloud) keeps its profiles,
// relative to the home directory.
const DefaultSharedConfigFile = "~/.hcloud/config.json"

// Profile modes (KooCLI's "mode").
const (
	ModeAKSK = "AKSK"
	ModeSSO  = "SSO"
)

// Profile is one profile of a KooCLI shared config file, as far as the
// provider uses it (contract §2.9).
type Profile struct {
	Name string
	Mode string
	// Credentials are the profile's keys: accessKeyId, secretAccessKey
	// and securityToken in AKSK mode, ssoAuth.stsToken in SSO mode.
	Credentials      ecsapi.Credentials
	Region           string
	ProjectID        string
	DomainID         string
	AgencyName       string
	AgencyDomainName string
	// File is the path the profile was read from.
	File string
}

// ProfileError is a problem with a shared config file or one of its
// profiles. It names the file, the profile and the JSON field, never a
// value of a secret field.
type ProfileError struct {
	File    string
	Profile string
	// Field is the JSON field at fault, such as "ssoAuth.stsToken". With
	// Profile, it is empty for problems of the whole file (which cannot be
	// read, or is not JSON).
	Field   string
	Problem string
	// NotFound is set when the file does not exist.
	NotFound bool
	Err      error
}

func (e *ProfileError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shared config file %q", e.File)
	if e.Profile != "" {
		fmt.Fprintf(&b, ", profile %q", e.Profile)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ", field %s", e.Field)
	}
	b.WriteString(": " + e.Problem)
	return b.String()
}

func (e *ProfileError) Unwrap() error { return e.Err }

// sharedConfig is the JSON of the file.
type sharedConfig struct {
	Current  string          `json:"current"`
	Profiles []sharedProfile `json:"profiles"`
}

type sharedProfile struct {
	Name             string `json:"name"`
	Mode             string `json:"mode"`
	AccessKeyID      string `json:"accessKeyId"`
	SecretAccessKey  string `json:"secretAccessKey"`
	SecurityToken    string `json:"securityToken"`
	Region           string `json:"region"`
	ProjectID        string `json:"projectId"`
	DomainID         string `json:"domainId"`
	AgencyName       string `json:"agencyName"`
	AgencyDomainName string `json:"agencyDomainName"`
	SSOAuth          *struct {
		STSToken *struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SecurityToken   string `json:"securityToken"`
		} `json:"stsToken"`
	} `json:"ssoAuth"`
}

// ExpandHome replaces a leading "~/" (or "~\" on Windows) with the home
// directory that home returns.
func ExpandHome(path string, home func() (string, error)) (string, error) {
	rest, ok := strings.CutPrefix(path, "~/")
	if !ok {
		rest, ok = strings.CutPrefix(path, `~\`)
	}
	if !ok && path != "~" {
		return path, nil
	}
	if home == nil {
		return "", errors.New("the home directory is unknown")
	}
	dir, err := home()
	if err != nil {
		return "", fmt.Errorf("the home directory is unknown: %w", err)
	}
	if dir == "" {
		return "", errors.New("the home directory is unknown")
	}
	return filepath.Join(dir, rest), nil
}

// LoadProfile reads the shared config file at path and returns the profile
// named name, or the file's current profile when name is empty. Errors are
// *ProfileError; NotFound tells a missing file apart.
func LoadProfile(path, name string) (Profile, error) {
	cfg, err := readSharedConfig(path)
	if err != nil {
		return Profile{}, err
	}
	found, name, err := findProfile(path, cfg, name)
	if err != nil {
		return Profile{}, err
	}
	p := Profile{
		Name: name, Mode: found.Mode, File: path,
		Region: strings.TrimSpace(found.Region), ProjectID: strings.TrimSpace(found.ProjectID),
		DomainID: strings.TrimSpace(found.DomainID), AgencyName: strings.TrimSpace(found.AgencyName),
		AgencyDomainName: strings.TrimSpace(found.AgencyDomainName),
	}
	switch {
	case found.Mode == "" || strings.EqualFold(found.Mode, ModeAKSK):
		p.Mode = ModeAKSK
		err = akskCredentials(path, found, &p)
	case strings.EqualFold(found.Mode, ModeSSO):
		p.Mode = ModeSSO
		err = ssoCredentials(path, found, &p)
	default:
		err = profileError(path, name, "mode", fmt.Sprintf("is %q; the provider reads AKSK and SSO profiles", found.Mode), nil)
	}
	if err != nil {
		return Profile{}, err
	}
	return p, nil
}

// profileError describes a problem with a field of a profile.
func profileError(path, profile, field, problem string, err error) error {
	return &ProfileError{File: path, Profile: profile, Field: field, Problem: problem, Err: err}
}

// readSharedConfig reads and decodes the shared config file.
func readSharedConfig(path string) (sharedConfig, error) {
	var cfg sharedConfig
	data, err := os.ReadFile(path)
	if err != nil {
		var pathErr *fs.PathError
		cause := err
		if errors.As(err, &pathErr) {
			cause = pathErr.Err
		}
		pe := &ProfileError{File: path, Problem: "cannot be read: " + cause.Error(), Err: err}
		pe.NotFound = errors.Is(err, fs.ErrNotExist)
		return cfg, pe
	}
	// Editors on Windows may start the file with a UTF-8 byte order mark,
	// which JSON does not allow but which says nothing about the content.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := json.Unmarshal(data, &cfg); err != nil {
		return cfg, profileError(path, "", "", "is not valid JSON: "+ecsapi.DescribeJSONError(err), err)
	}
	return cfg, nil
}

// findProfile returns the profile named name, or the current one when name
// is empty, with the name it was found by.
func findProfile(path string, cfg sharedConfig, name string) (*sharedProfile, string, error) {
	if name == "" {
		if cfg.Current == "" {
			return nil, "", profileError(path, "", "current", "names no profile, and none was chosen (set profile or HW_PROFILE)", nil)
		}
		name = cfg.Current
	}
	var names []string
	for i := range cfg.Profiles {
		names = append(names, fmt.Sprintf("%q", cfg.Profiles[i].Name))
	}
	for i := range cfg.Profiles {
		if cfg.Profiles[i].Name == name {
			return &cfg.Profiles[i], name, nil
		}
	}
	known := "it has no profiles"
	if len(names) > 0 {
		known = "it has " + strings.Join(names, ", ")
	}
	return nil, "", profileError(path, name, "", "no such profile ("+known+")", nil)
}

// akskCredentials takes an AKSK profile's keys.
func akskCredentials(path string, found *sharedProfile, p *Profile) error {
	p.Credentials = ecsapi.Credentials{
		AccessKey: strings.TrimSpace(found.AccessKeyID), SecretKey: strings.TrimSpace(found.SecretAccessKey),
		SecurityToken: strings.TrimSpace(found.SecurityToken),
	}
	switch {
	case p.Credentials.AccessKey == "":
		return profileError(path, p.Name, "accessKeyId", "is empty: an AKSK profile needs an access key", nil)
	case p.Credentials.SecretKey == "":
		return profileError(path, p.Name, "secretAccessKey", "is empty: an AKSK profile needs a secret key", nil)
	}
	return nil
}

// ssoCredentials takes an SSO profile's temporary keys from its STS token.
func ssoCredentials(path string, found *sharedProfile, p *Profile) error {
	const login = "log in with KooCLI (hcloud configure sso) to get a token"
	if found.SSOAuth == nil || found.SSOAuth.STSToken == nil {
		return profileError(path, p.Name, "ssoAuth.stsToken", "is missing: "+login, nil)
	}
	sts := found.SSOAuth.STSToken
	p.Credentials = ecsapi.Credentials{
		AccessKey: strings.TrimSpace(sts.AccessKeyID), SecretKey: strings.TrimSpace(sts.SecretAccessKey),
		SecurityToken: strings.TrimSpace(sts.SecurityToken),
	}
	for _, f := range []struct{ field, value string }{
		{"ssoAuth.stsToken.accessKeyId", p.Credentials.AccessKey},
		{"ssoAuth.stsToken.secretAccessKey", p.Credentials.SecretKey},
		{"ssoAuth.stsToken.securityToken", p.Credentials.SecurityToken},
	} {
		if f.value == "" {
			return profileError(path, p.Name, f.field, "is empty: "+login, nil)
		}
	}
	return nil
}
