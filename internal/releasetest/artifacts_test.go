package releasetest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

// projectName is the prefix of every release file and of the provider binary.
const projectName = "terraform-provider-ecs"

// release is a dist directory whose files have been checked against its SHA256SUMS.
type release struct {
	dir     string
	version string
	// sums maps each file named in SHA256SUMS to its hex SHA-256.
	sums map[string]string
	// zips maps a platform such as "linux_amd64" to the zip's file name.
	zips map[string]string
	// manifest is the file name of the registry manifest.
	manifest string
}

// zipHash is the lock file's zh: hash of a platform's zip, taken from SHA256SUMS.
func (r release) zipHash(platform string) string {
	return "zh:" + r.sums[r.zips[platform]]
}

// binaryName is the name of the provider executable in the zip of platform.
func (r release) binaryName(platform string) string {
	name := projectName + "_v" + r.version
	if strings.HasPrefix(platform, "windows_") {
		name += ".exe"
	}
	return name
}

// hostPlatform is the platform the test runs on, in the registries' spelling.
func hostPlatform() string { return runtime.GOOS + "_" + runtime.GOARCH }

// semver is the form of a registry version: three numbers and an optional pre-release part.
var semver = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// parseSHA256Sums reads a SHA256SUMS file: one "<64 hex digits>  <file name>" line per file,
// the format sha256sum writes and the registries verify.
func parseSHA256Sums(data []byte) (map[string]string, error) {
	line := regexp.MustCompile(`^([0-9a-f]{64})  ([^ /\\]+)$`)
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			return nil, fmt.Errorf("line %d is not \"<sha256>  <file name>\": %q", n, sc.Text())
		}
		if _, dup := sums[m[2]]; dup {
			return nil, fmt.Errorf("line %d names %s a second time", n, m[2])
		}
		sums[m[2]] = m[1]
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(sums) == 0 {
		return nil, fmt.Errorf("no entries")
	}
	return sums, nil
}

// fileSHA256 returns the hex SHA-256 of a file.
func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashFiles computes Terraform's "h1:" package hash (the Go module "dirhash" Hash1 scheme): the
// SHA-256 of a summary with one "<hex sha256 of file>  <name>\n" line per file, sorted by
// name, base64-encoded. Terraform computes it over a package's files, whether it found them in
// a zip or in a directory, so it is an independent check of what the lock file records.
func hashFiles(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	summary := sha256.New()
	for _, name := range names {
		sum := sha256.Sum256(files[name])
		fmt.Fprintf(summary, "%x  %s\n", sum, name)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(summary.Sum(nil))
}

// zipEntry is one file of a zip.
type zipEntry struct {
	data []byte
	mode os.FileMode
}

// readZip returns the regular files of a zip by name.
func readZip(t *testing.T, path string) map[string]zipEntry {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	defer zr.Close()
	out := map[string]zipEntry{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s: opening %s: %v", path, f.Name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: reading %s: %v", path, f.Name, err)
		}
		out[f.Name] = zipEntry{data: data, mode: f.Mode()}
	}
	return out
}

// zipPackageHash is the h1: hash of the files in a zip.
func zipPackageHash(t *testing.T, path string) string {
	t.Helper()
	files := map[string][]byte{}
	for name, e := range readZip(t, path) {
		files[name] = e.data
	}
	return hashFiles(files)
}

// lockEntry is a provider's entry in .terraform.lock.hcl.
type lockEntry struct {
	version, constraints string
	hashes               []string
}

// parseLockFile finds the entry for the provider address addr (such as
// "registry.terraform.io/terraform-provider-ecs/ecs") in a dependency lock file. The file's
// layout is fixed by the CLIs, which write it themselves, so a line-oriented reading suffices.
func parseLockFile(data []byte, addr string) (lockEntry, error) {
	text := string(data)
	start := strings.Index(text, "provider "+fmt.Sprintf("%q", addr)+" {\n")
	if start < 0 {
		return lockEntry{}, fmt.Errorf("no provider %q block", addr)
	}
	block := text[start:]
	if end := strings.Index(block, "\n}\n"); end >= 0 {
		block = block[:end]
	} else {
		return lockEntry{}, fmt.Errorf("the provider %q block does not end", addr)
	}
	var e lockEntry
	if m := regexp.MustCompile(`(?m)^\s*version\s*=\s*"([^"]*)"`).FindStringSubmatch(block); m != nil {
		e.version = m[1]
	}
	if m := regexp.MustCompile(`(?m)^\s*constraints\s*=\s*"([^"]*)"`).FindStringSubmatch(block); m != nil {
		e.constraints = m[1]
	}
	for _, m := range regexp.MustCompile(`"([a-z0-9]+:[^"]+)"`).FindAllStringSubmatch(block, -1) {
		e.hashes = append(e.hashes, m[1])
	}
	if e.version == "" || len(e.hashes) == 0 {
		return lockEntry{}, fmt.Errorf("the provider %q block has no version or no hashes:\n%s", addr, block)
	}
	return e, nil
}

// hashesWithScheme returns the hashes of one scheme ("h1:" or "zh:"), sorted.
func hashesWithScheme(hashes []string, scheme string) []string {
	var out []string
	for _, h := range hashes {
		if strings.HasPrefix(h, scheme) {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	return out
}

// loadRelease checks dir as the registries would read it and returns what it holds: exactly one
// SHA256SUMS file, whose name gives the version; every zip and the manifest listed in it with the
// hash of its bytes, and nothing listed that is missing; zips named
// terraform-provider-ecs_<version>_<os>_<arch>.zip, each holding the executable
// terraform-provider-ecs_v<version>; a zip for the host platform; and the manifest with the bytes
// of terraform-registry-manifest.json.
func loadRelease(t *testing.T, dir, manifestSource string) release {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(dir, projectName+"_*_SHA256SUMS"))
	if err != nil || len(found) != 1 {
		t.Fatalf("want exactly one %s_<version>_SHA256SUMS in %s, found %v (%v); run make release-snapshot", projectName, dir, found, err)
	}
	sumsName := filepath.Base(found[0])
	r := release{
		dir:     dir,
		version: strings.TrimSuffix(strings.TrimPrefix(sumsName, projectName+"_"), "_SHA256SUMS"),
		zips:    map[string]string{},
	}
	if !semver.MatchString(r.version) {
		t.Fatalf("%s: version %q is not of the form x.y.z[-pre]", sumsName, r.version)
	}
	data, err := os.ReadFile(found[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.sums, err = parseSHA256Sums(data); err != nil {
		t.Fatalf("%s: %v", sumsName, err)
	}
	for name, want := range r.sums {
		if got := fileSHA256(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s: %s has sha256 %s, but its bytes hash to %s", sumsName, name, want, got)
		}
	}

	zipName := regexp.MustCompile(`^` + regexp.QuoteMeta(projectName+"_"+r.version+"_") + `([a-z0-9]+_[a-z0-9]+)\.zip$`)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".zip") {
			continue
		}
		m := zipName.FindStringSubmatch(e.Name())
		if m == nil {
			t.Errorf("%s is not named %s_%s_<os>_<arch>.zip", e.Name(), projectName, r.version)
			continue
		}
		if _, ok := r.sums[e.Name()]; !ok {
			t.Errorf("%s is not listed in %s", e.Name(), sumsName)
		}
		r.zips[m[1]] = e.Name()
	}
	if _, ok := r.zips[hostPlatform()]; !ok {
		t.Fatalf("no zip for the host platform %s in %s (found %v)", hostPlatform(), dir, r.zips)
	}

	r.manifest = projectName + "_" + r.version + "_manifest.json"
	if _, ok := r.sums[r.manifest]; !ok {
		t.Errorf("%s is not listed in %s", r.manifest, sumsName)
	}
	for name := range r.sums {
		if name != r.manifest && !slices.Contains(mapValues(r.zips), name) {
			t.Errorf("%s lists %s, which is neither a provider zip nor the manifest", sumsName, name)
		}
	}
	manifest, err := os.ReadFile(filepath.Join(dir, r.manifest))
	if err != nil {
		t.Fatalf("the registry manifest is missing: %v", err)
	}
	source, err := os.ReadFile(manifestSource)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(manifest, source) {
		t.Errorf("%s differs from %s", r.manifest, manifestSource)
	}
	if !regexp.MustCompile(`"protocol_versions"\s*:\s*\[\s*"6\.0"\s*\]`).Match(manifest) {
		t.Errorf("%s does not declare protocol_versions [\"6.0\"]:\n%s", r.manifest, manifest)
	}

	for platform, name := range r.zips {
		files := readZip(t, filepath.Join(dir, name))
		bin, ok := files[r.binaryName(platform)]
		if !ok {
			t.Errorf("%s holds no %s (it holds %v)", name, r.binaryName(platform), mapKeys(files))
			continue
		}
		// The CLIs keep the modes a zip records; a binary without them cannot be started.
		if !strings.HasPrefix(platform, "windows_") && bin.mode&0o100 == 0 {
			t.Errorf("%s: %s is not executable (mode %v)", name, r.binaryName(platform), bin.mode)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return r
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}
