package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/provider"
)

func loadConfig(t *testing.T, dir, yaml string) *config.Config {
	t.Helper()
	file := filepath.Join(dir, "tsctl.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Load([]string{file})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return cfg
}

// A secret file is read only when it is a regular file of at most
// MaxSecretBytes; an empty one, and an empty variable, are refused with
// {empty: true} as the way to say blank.
func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat("s", size)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("max", MaxSecretBytes-1) // with its newline, exactly the limit
	write("over", MaxSecretBytes)
	write("blank", 0)
	t.Setenv("TSCTL_TEST_BLANK", "")
	t.Setenv("TSCTL_TEST_SET", "v")
	for _, tc := range []struct {
		s       config.Secret
		value   string
		err     string
		hasHint bool
	}{
		{s: config.Secret{File: "max", Dir: dir}, value: strings.Repeat("s", MaxSecretBytes-1)},
		{s: config.Secret{File: "over", Dir: dir}, err: "secret: file " + filepath.Join(dir, "over") + " is larger than 64 KiB"},
		{s: config.Secret{File: "blank", Dir: dir}, err: "secret: file " + filepath.Join(dir, "blank") + " is empty", hasHint: true},
		{s: config.Secret{File: ".", Dir: dir}, err: "secret: file " + dir + " is not a regular file (a folder)"},
		{s: config.Secret{File: "none", Dir: dir}, err: "secret: file " + filepath.Join(dir, "none") + " does not exist"},
		{s: config.Secret{Env: "TSCTL_TEST_SET"}, value: "v"},
		{s: config.Secret{Env: "TSCTL_TEST_BLANK"}, err: "secret: environment variable TSCTL_TEST_BLANK is empty", hasHint: true},
		{s: config.Secret{Env: "TSCTL_TEST_UNSET_42"}, err: "secret: environment variable TSCTL_TEST_UNSET_42 is not set", hasHint: true},
		{s: config.Secret{Empty: true}, value: ""},
	} {
		v, err := ReadSecret(tc.s)
		switch {
		case tc.err == "" && (err != nil || v != tc.value):
			t.Errorf("%s: got %d bytes, %v", tc.s, len(v), err)
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%s: got %v, want %s", tc.s, err, tc.err)
		case tc.err != "" && strings.Contains(tc.err, "empty") && !strings.Contains(diag.HintOf(err), "{empty: true}"):
			t.Errorf("%s: hint %q does not name {empty: true}", tc.s, diag.HintOf(err))
		}
	}
}

// Every secret is read up front, once per source; only the secrets of the
// sequences a plan writes must be readable, and apply writes the values
// read up front, not what the sources hold by then.
func TestSecretsReadBeforeThePlan(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw.txt")
	if err := os.WriteFile(pw, []byte("first-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, dir, `sequences:
  - name: A
    steps:
      - name: Join
        joinDomain: { domain: corp.example, account: CORP\svc, password: { file: pw.txt } }
  - name: B
    steps:
      - name: Join
        joinDomain: { domain: corp.example, account: CORP\svc, password: { env: TSCTL_TEST_B_SECRET } }
      - name: Run
        runCommandLine: { commandLine: x.cmd, runAs: { password: { empty: true } } }
`)
	ctx := context.Background()
	site := &recordingSite{Site: openTestSite(t)}
	t.Setenv("TSCTL_TEST_B_SECRET", "b-value")
	ss := ReadSecrets(cfg)
	if err := os.WriteFile(pw, []byte("second-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := mustPlan(t, ctx, site, cfg)
	if ds := p.CheckSecrets(ss); len(ds) > 0 {
		t.Fatal(ds)
	}
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me", Secrets: ss})
	if err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	if x := strings.Join(site.imported, "\n"); !strings.Contains(x, ">first-value<") || strings.Contains(x, "second-value") || !strings.Contains(x, ">b-value<") {
		t.Errorf("apply did not write the values read before the plan:\n%s", x)
	}

	// B is unchanged: its unreadable secret is not needed. A changes: its is.
	os.Unsetenv("TSCTL_TEST_B_SECRET")
	os.Remove(pw)
	cfg = loadConfig(t, dir, strings.Replace(string(mustRead(t, filepath.Join(dir, "tsctl.yaml"))), "corp.example, account: CORP\\svc, password: { file", "lab.example, account: CORP\\svc, password: { file", 1))
	ss = ReadSecrets(cfg)
	p = mustPlan(t, ctx, site, cfg)
	ds := p.CheckSecrets(ss)
	if len(ds) != 1 || !strings.Contains(ds[0].Msg, "pw.txt does not exist") || ds[0].Pos.Line != 5 {
		t.Fatalf("got %v", ds)
	}
	if _, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me", Secrets: ss}); err == nil {
		t.Fatal("apply went ahead without a secret it writes")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordingSite records the sequence XML each ImportSequence receives.
type recordingSite struct {
	provider.Site
	mu       sync.Mutex
	imported []string
}

func (s *recordingSite) ExecMethod(ctx context.Context, class, method string, in map[string]any) (map[string]any, error) {
	if method == "ImportSequence" {
		x, _ := in["SequenceXML"].(string)
		s.mu.Lock()
		s.imported = append(s.imported, x)
		s.mu.Unlock()
	}
	return s.Site.ExecMethod(ctx, class, method, in)
}

// findSecret tells what keeps apply from a secret without reading it.
func TestFindSecret(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TSCTL_TEST_SET", "value")
	t.Setenv("TSCTL_TEST_EMPTY", "")
	cases := []struct {
		s    config.Secret
		want string
	}{
		{config.Secret{Env: "TSCTL_TEST_SET"}, ""},
		{config.Secret{Env: "TSCTL_TEST_EMPTY"}, "is empty"},
		{config.Secret{Env: "TSCTL_TEST_NEVER_SET_7f3a"}, "is not set"},
		{config.Secret{File: "ok.txt", Dir: dir}, ""},
		{config.Secret{File: "empty.txt", Dir: dir}, "is empty"},
		{config.Secret{File: "nope.txt", Dir: dir}, "does not exist"},
		{config.Secret{File: ".", Dir: dir}, "is not a regular file"},
	}
	for _, tc := range cases {
		if got, _ := findSecret(tc.s); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.s, got, tc.want)
		}
	}
}
