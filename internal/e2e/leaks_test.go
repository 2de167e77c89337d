package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/testfixture"
)

// secret is a value that must never appear in any output of a run.
type secret struct {
	name, value string
}

// artifact is one thing a run left behind: a log, a state file, a plan, a command's output.
type artifact struct {
	name string
	data []byte
}

// secretForms lists the spellings under which a value could be written: as is, and escaped as a
// JSON string (with and without HTML escaping), the form it takes in state files, plans and
// JSON logs.
func secretForms(v string) []string {
	forms := []string{v}
	add := func(f string) {
		for _, have := range forms {
			if have == f {
				return
			}
		}
		forms = append(forms, f)
	}
	quoted, _ := json.Marshal(v)
	add(string(quoted[1 : len(quoted)-1]))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	plain := strings.TrimSpace(buf.String())
	add(plain[1 : len(plain)-1])
	return forms
}

// pemSecrets turns PEM text into one secret per line of its base64 body: a key may be logged
// whole, re-wrapped or cut, but any leak of key material contains at least one such line.
func pemSecrets(name, pemText string) []secret {
	var out []secret
	for i, line := range strings.Split(pemText, "\n") {
		line = strings.TrimSpace(line)
		if len(line) < 16 || strings.HasPrefix(line, "-----") {
			continue
		}
		out = append(out, secret{name: fmt.Sprintf("%s (line %d)", name, i+1), value: line})
	}
	return out
}

// findLeaks returns one line per secret found in an artifact.
func findLeaks(secrets []secret, artifacts []artifact) []string {
	var leaks []string
	for _, a := range artifacts {
		for _, s := range secrets {
			if s.value == "" {
				continue
			}
			for _, f := range secretForms(s.value) {
				if i := bytes.Index(a.data, []byte(f)); i >= 0 {
					leaks = append(leaks, fmt.Sprintf("%s appears in %s at byte %d", s.name, a.name, i))
					break
				}
			}
		}
	}
	return leaks
}

// collectFiles reads every file below dir as an artifact. Zip archives, such as saved plan
// files, are opened and each member becomes an artifact of its own, because compression would
// hide a secret from a byte search.
func collectFiles(t *testing.T, dir string) []artifact {
	t.Helper()
	var out []artifact
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, artifact{name: rel, data: data})
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			members, err := zipMembers(rel, data)
			if err != nil {
				return err
			}
			out = append(out, members...)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return out
}

func zipMembers(name string, data []byte) ([]artifact, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []artifact
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s!%s: %w", name, f.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s!%s: %w", name, f.Name, err)
		}
		out = append(out, artifact{name: name + "!" + f.Name, data: b})
	}
	return out, nil
}

// outputArtifacts turns command results into artifacts (stdout and stderr of each).
func outputArtifacts(results ...result) []artifact {
	var out []artifact
	for i, r := range results {
		label := fmt.Sprintf("command %d (%s)", i+1, strings.Join(r.args, " "))
		out = append(out, artifact{name: label + " stdout", data: []byte(r.stdout)}, artifact{name: label + " stderr", data: []byte(r.stderr)})
	}
	return out
}

// TestLeakFinderFindsPlantedSecrets shows that the search the secrecy tests rely on finds a
// secret however it was written: raw, JSON-escaped, inside a zip member, or as one line of a key.
func TestLeakFinderFindsPlantedSecrets(t *testing.T) {
	t.Parallel()
	password := `Pw<1>&"x`
	keyPEM := testfixture.PrivateKeyPEM(serverKey())
	keyLines := pemSecrets("key", keyPEM)
	if len(keyLines) < 10 {
		t.Fatalf("a 2048-bit PEM key should give at least 10 body lines, got %d", len(keyLines))
	}
	quoted, _ := json.Marshal(map[string]string{"password": password})
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	member, _ := zw.Create("tfplan")
	_, _ = member.Write([]byte("prefix " + password + " suffix"))
	_ = zw.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plan.zip"), zipped.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	secrets := append([]secret{{name: "password", value: password}}, keyLines...)
	cases := []struct {
		name      string
		artifacts []artifact
		want      int
	}{
		{"clean", []artifact{{name: "log", data: []byte("nothing to see")}}, 0},
		{"raw", []artifact{{name: "log", data: []byte("value=" + password)}}, 1},
		{"json escaped", []artifact{{name: "state", data: quoted}}, 1},
		{"zip member", collectFiles(t, dir), 1},
		{"one key line", []artifact{{name: "log", data: []byte("key: " + keyLines[3].value)}}, 1},
		{"whole key in JSON", []artifact{{name: "log", data: mustJSON(t, keyPEM)}}, len(keyLines)},
	}
	for _, c := range cases {
		if got := findLeaks(secrets, c.artifacts); len(got) != c.want {
			t.Errorf("%s: found %d leaks %v, want %d", c.name, len(got), got, c.want)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
