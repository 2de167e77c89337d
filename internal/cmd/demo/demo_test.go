package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

func TestNewFixture(t *testing.T) {
	dir := t.TempDir()
	fx, err := newFixture(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(fx.privateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", fi.Mode().Perm())
	}
	keyPEM, err := os.ReadFile(fx.privateKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		t.Fatalf("private key file is not a PKCS#1 PEM key")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(fx.seedPath)
	if err != nil {
		t.Fatal(err)
	}
	var seed []map[string]any
	if err := json.Unmarshal(data, &seed); err != nil {
		t.Fatal(err)
	}
	if len(seed) != 2 || seed[0]["id"] != fx.linuxID || seed[0]["os_type"] != "Linux" ||
		seed[1]["id"] != fx.windowsID || seed[1]["os_type"] != "Windows" || seed[1]["key_name"] != fx.keyName {
		t.Fatalf("unexpected seed: %s", data)
	}
	if _, ok := seed[0]["public_key"]; ok {
		t.Error("the Linux server must not get a key pair")
	}
	if seed[1]["windows_password"] != fx.windowsPassword {
		t.Error("the seed does not carry the Windows password")
	}
	// The seeded public key must belong to the private key handed to Terraform: encrypt with
	// the one, decrypt with the other.
	pubPEM, _ := seed[1]["public_key"].(string)
	pubBlock, _ := pem.Decode([]byte(pubPEM))
	if pubBlock == nil {
		t.Fatal("public key is not PEM")
	}
	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("public key is %T", pub)
	}
	ct, err := rsa.EncryptPKCS1v15(rand.Reader, rsaPub, []byte(fx.windowsPassword))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := rsa.DecryptPKCS1v15(nil, key, ct)
	if err != nil || string(pt) != fx.windowsPassword {
		t.Errorf("the public key in the seed does not match the private key (err %v)", err)
	}
	if fx.linuxPassword == fx.windowsPassword || fx.linuxID == fx.windowsID {
		t.Error("the two servers share a password or an ID")
	}
	secrets := fx.secrets()
	if len(secrets) < 2+20 || secrets[0] != fx.linuxPassword || secrets[1] != fx.windowsPassword {
		t.Errorf("secrets() = %d values, want both passwords and every body line of the key", len(secrets))
	}
	for _, line := range strings.Split(string(fx.privateKeyPEM), "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") && !slices.Contains(secrets, line) {
			t.Errorf("secrets() lacks the key line %q", line)
		}
	}
}

func TestNewUUID(t *testing.T) {
	u := newUUID()
	if len(u) != 36 || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) || strings.Count(u, "-") != 4 {
		t.Errorf("newUUID() = %q is not a version 4 UUID", u)
	}
	if newUUID() == u {
		t.Error("two UUIDs are equal")
	}
}

func TestCheckOutcome(t *testing.T) {
	fx := &fixture{linuxPassword: "Lx-1", windowsPassword: "Wx-1"}
	good := func() (*snapshot, *snapshot) {
		apply := &snapshot{
			linux:   &ecssim.ServerState{Password: "Lx-1", ResetCount: 1, EffectivePassword: "Lx-1", BootCount: 1},
			windows: &ecssim.ServerState{Password: "Wx-1", ResetCount: 1, WindowsPasswordPresent: true},
		}
		destroy := &snapshot{
			linux:   &ecssim.ServerState{Password: "Lx-1", ResetCount: 1},
			windows: &ecssim.ServerState{Password: "Wx-1", ResetCount: 1},
		}
		return apply, destroy
	}
	a, d := good()
	if err := checkOutcome(a, d, fx); err != nil {
		t.Fatalf("good outcome rejected: %v", err)
	}
	cases := map[string]func(a, d *snapshot){
		"linux not reset":          func(a, _ *snapshot) { a.linux.ResetCount = 0 },
		"linux wrong password":     func(a, _ *snapshot) { a.linux.Password = "other" },
		"windows wrong password":   func(a, _ *snapshot) { a.windows.Password = "ciphertext" },
		"linux not rebooted":       func(a, _ *snapshot) { a.linux.EffectivePassword, a.linux.BootCount, a.linux.PendingReset = "", 0, true },
		"linux rebooted twice":     func(a, _ *snapshot) { a.linux.BootCount = 2 },
		"windows password missing": func(a, _ *snapshot) { a.windows.WindowsPasswordPresent = false },
		"destroy reset again":      func(_, d *snapshot) { d.linux.ResetCount = 2 },
		"password kept":            func(_, d *snapshot) { d.windows.WindowsPasswordPresent = true },
	}
	for name, spoil := range cases {
		a, d := good()
		spoil(a, d)
		if err := checkOutcome(a, d, fx); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "Lx-1") || strings.Contains(err.Error(), "Wx-1") {
			t.Errorf("%s: the error quotes a password: %v", name, err)
		}
	}
}

func TestSecretsInFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".terraform"), 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"main.tf":                      `variable "x" {}`,
		"terraform.tfstate":            `{"password_wo": null}`,
		".terraform/terraform.tfstate": `{"secret": "Hunter-2!x"}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := secretsInFiles(dir, []string{"", "Hunter-2!x", "not-there"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || filepath.Base(filepath.Dir(got[0])) != ".terraform" {
		t.Errorf("secretsInFiles = %v, want the nested state file only", got)
	}
}

func TestPrefixWriter(t *testing.T) {
	var b strings.Builder
	w := prefixWriter(&b, "  | ")
	for _, chunk := range []string{"first line\nsec", "ond line\n", "\nlast"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if want := "  | first line\n  | second line\n  | \n  | last"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestCopyTFFiles(t *testing.T) {
	src := t.TempDir()
	for name, content := range map[string]string{"main.tf": "# main\n", "README.md": "x", "terraform.tfstate": "{}"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "work")
	if err := copyTFFiles(src, dst); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "main.tf" {
		t.Errorf("copied %v, want only main.tf", entries)
	}
	if err := copyTFFiles(t.TempDir(), filepath.Join(t.TempDir(), "w")); err == nil {
		t.Error("an empty example directory was accepted")
	}
}

func TestStepProgress(t *testing.T) {
	out := &lockedBuffer{}
	d := &demo{out: out, start: time.Now(), beat: time.Millisecond}
	done := d.stepf("Building %s", "things")
	for i := 0; !strings.Contains(out.String(), "still working"); i++ {
		if i > 1000 {
			t.Fatalf("no progress line while the step ran:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	done()
	got := out.String()
	if !strings.Contains(got, "==> [1/9] Building things\n") || !strings.Contains(got, "    done in ") {
		t.Errorf("unexpected step output:\n%s", got)
	}
	time.Sleep(20 * time.Millisecond)
	if out.String() != got {
		t.Errorf("progress lines continued after the step ended:\n%s", out.String())
	}

	// A failed step never calls done; the cleanup has to stop its progress lines.
	d.stepf("Failing")
	d.removeAll()
	after := out.String()
	time.Sleep(20 * time.Millisecond)
	if out.String() != after {
		t.Errorf("progress lines continued after cleanup:\n%s", out.String())
	}
}

func TestCheckNoSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), []byte(`{"password_wo": null}`), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"Hunter-2!x", "KEYLINE0123456789"}
	if err := checkNoSecrets(dir, "Apply complete! Resources: 2 added.", secrets); err != nil {
		t.Errorf("clean run: %v", err)
	}
	err := checkNoSecrets(dir, "Error: rejected KEYLINE0123456789", secrets)
	if err == nil || !strings.Contains(err.Error(), "the CLI's output") {
		t.Errorf("a secret in the CLI's output: got %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "KEYLINE") {
		t.Errorf("the error repeats the secret: %v", err)
	}
}
