package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/secret"
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
	ss := secret.ReadAll(cfg)
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
	ss = secret.ReadAll(cfg)
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

// A sequence whose apply also files it in a folder or distributes its
// content still has its secrets checked before anything is written: a
// secret that cannot be read stops the apply with nothing changed (the
// follow-ups wrap the sequence's change; the check looks through them).
func TestSecretsCheckedWithFollowUps(t *testing.T) {
	dir := t.TempDir()
	cfg := loadConfig(t, dir, `packages:
  - name: Tools
    folder: OSD
sequences:
  - name: A
    folder: OSD/Production
    distribute: { groups: [All distribution points] }
    steps:
      - name: Join
        joinDomain: { domain: corp.example, account: CORP\svc, password: { env: TSCTL_TEST_UNSET_SECRET } }
`)
	ctx := context.Background()
	site := &recorder{Site: openTestSite(t)}
	os.Unsetenv("TSCTL_TEST_UNSET_SECRET")
	p := mustPlan(t, ctx, site, cfg)
	site.take()
	if ds := p.CheckSecrets(secret.ReadAll(cfg)); !ds.HasErrors() {
		t.Fatal("an unreadable secret of a sequence filed in a folder is not reported")
	}
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err == nil || res != nil {
		t.Fatalf("apply went ahead: %v %+v", err, res)
	}
	for _, c := range site.take() {
		if !strings.HasPrefix(c, "Query") && !strings.HasPrefix(c, "Get") {
			t.Errorf("called although a secret is unreadable: %s", c)
		}
	}
}
