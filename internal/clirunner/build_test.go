package clirunner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestModuleRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("// comment\nmodule "+ModulePath+"\n\ngo 1.25.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nested := filepath.Join(root, "internal", "cmd", "demo")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	// A go.mod of another module on the way up must be passed over.
	if err := os.WriteFile(filepath.Join(root, "internal", "go.mod"), []byte("module example.com/other\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ModuleRoot(nested)
	if err != nil {
		t.Fatal(err)
	}
	if got != root {
		t.Errorf("ModuleRoot = %q, want %q", got, root)
	}

	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "go.mod"), []byte("module "+ModulePath+"-fork\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ModuleRoot(other); err == nil {
		t.Errorf("ModuleRoot of another module = %q, want an error", got)
	}
}

func TestGoBuild(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":      "module example.com/hello\n\ngo 1.25\n",
		"main.go":     "package main\n\nvar version = \"dev\"\n\nfunc main() { println(version) }\n",
		"bad/main.go": "package main\n\nfunc main() { undefinedCall() }\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "hello"+exeSuffix())
	if err := GoBuild(t.Context(), dir, ".", out, "-X main.version=1.2.3"); err != nil {
		t.Fatal(err)
	}
	if !isExecutable(out) {
		t.Fatalf("%s was not built", out)
	}
	err := GoBuild(t.Context(), dir, "./bad", filepath.Join(t.TempDir(), "bad"), "")
	if err == nil {
		t.Fatal("want a build error")
	}
	if want := "undefinedCall"; !strings.Contains(err.Error(), want) {
		t.Errorf("build error %q does not quote the compiler (%q)", err, want)
	}
}
