package planfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/plan"
)

// A local site is recorded by its absolute folder, symbolic links
// resolved, whether or not it exists yet; remote URLs compare without
// case, default port or trailing slash.
func TestSameSite(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.MkdirAll(filepath.Join(target, "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlink: %v", err)
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"local:target/site", "local:" + filepath.Join(target, "site"), true},
		{"local:target/site", "local:./target/site/", true},
		{"local:target/site", "local:link/site", true},
		{"local:target/new", "local:link/new", true}, // not created yet
		{"local:target/site", "local:target/other", false},
		{"https://CM01.corp.example/AdminService/", "https://cm01.corp.example:443/adminservice", true},
		{"https://cm01.corp.example/AdminService", "https://cm02.corp.example/AdminService", false},
		{"https://cm01.corp.example:8443/AdminService", "https://cm01.corp.example/AdminService", false},
		{"wmi://CM01/ps1", "wmi://cm01/PS1", true},
		{"wmi://cm01/PS1", "wmi://cm01/PS2", false},
		{"local:target/site", "https://cm01.corp.example/AdminService", false},
	} {
		same, err := SameSite(tc.a, tc.b)
		if err != nil || same != tc.same {
			t.Errorf("SameSite(%q, %q) = %v, %v; want %v", tc.a, tc.b, same, err, tc.same)
		}
	}
	abs, err := Absolute("local:link/site")
	if err != nil || abs != "local:"+filepath.Join(resolveExisting(target), "site") {
		t.Errorf("Absolute = %q, %v", abs, err)
	}
}

func TestSiteFor(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	site, err := SiteOf("local:.tsctl/site", "PS1", false)
	if err != nil || !filepath.IsAbs(site.Dir()) || !site.IsLocal() {
		t.Fatalf("SiteOf = %+v, %v", site, err)
	}
	f := &File{Site: site, Plan: samplePlan()}
	if got, err := f.SiteFor("", ""); err != nil || got != site.URL {
		t.Errorf("no site given: %q, %v", got, err)
	}
	if got, err := f.SiteFor("local:./.tsctl/site", "--site"); err != nil || got != "local:./.tsctl/site" {
		t.Errorf("the same site: %q, %v", got, err)
	}
	_, err = f.SiteFor("local:other", "--site")
	if err == nil || !strings.Contains(err.Error(), "the plan was made for site PS1 at "+site.URL+", but --site names local:other") ||
		!strings.Contains(diag.HintOf(err), "--site "+site.URL) {
		t.Errorf("another site: %v (%s)", err, diag.HintOf(err))
	}
	_, err = f.SiteFor("local:other", "$TSCTL_SITE")
	if err == nil || !strings.Contains(diag.HintOf(err), "unset TSCTL_SITE") {
		t.Errorf("another site from the environment: %v (%s)", err, diag.HintOf(err))
	}
}

// Format 1.0 files stay readable; their site is known when their target
// was absolute, and unknown (apply refuses) when it was a relative folder.
func TestReadFormat1(t *testing.T) {
	v1 := func(target string) []byte {
		return []byte(`{"kind":"tsctl-plan","format_version":"1.0","configuration":{"files":[],"sha256":""},"options":{},
"plan":{"format_version":"1.0","site":"PS1","target":"` + target + `","objects":[],"summary":{},"changes":false}}`)
	}
	f, err := Parse("old.plan", v1("local:.tsctl/site"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.SiteFor("", ""); err == nil || !strings.Contains(err.Error(), "plan file format 1.0") {
		t.Errorf("a relative 1.0 site is used: %v", err)
	}
	if _, err := f.SiteFor("local:.tsctl/site", "--site"); err == nil {
		t.Error("a relative 1.0 site is matched by a --site")
	}
	f, err = Parse("old.plan", v1("https://cm01.corp.example/AdminService"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.SiteFor("", ""); err != nil || got != "https://cm01.corp.example/AdminService" || f.Site.Code != "PS1" {
		t.Errorf("an absolute 1.0 site: %q, %v", got, err)
	}
	if _, err := Parse("p.plan", []byte(`{"kind":"tsctl-plan","format_version":"2.0","plan":{"site":"PS1","objects":[null]}}`)); err == nil {
		t.Error("a plan with a null object is read")
	}
}

func TestAlreadyApplied(t *testing.T) {
	saved := &File{Plan: samplePlan()}
	now := func(actions ...plan.Action) *plan.Plan {
		p := samplePlan()
		for i, a := range actions {
			p.Objects[i].Action, p.Objects[i].Changes = a, nil
		}
		p.Objects[0].ID, p.Objects[1].Version = "PS100005", "2"
		p.Finish()
		return p
	}
	if !AlreadyApplied(saved, now(plan.NoOp, plan.NoOp)) {
		t.Error("nothing left to do is not already applied")
	}
	if AlreadyApplied(saved, now(plan.NoOp, plan.Update)) {
		t.Error("an update left to do is already applied")
	}
	other := now(plan.NoOp, plan.NoOp)
	other.Site = "PS2"
	if AlreadyApplied(saved, other) {
		t.Error("another site is already applied")
	}
	// --replace-secrets: an object whose only change is the secrets push
	// is done when it was saved since the plan was made.
	saved.Options.ReplaceSecrets = true
	secrets := now(plan.NoOp, plan.Update)
	secrets.Objects[1].Changes = []plan.Change{{Field: "secrets", Sensitive: true}}
	if !AlreadyApplied(saved, secrets) {
		t.Error("secrets pushed since the plan are not already applied")
	}
	secrets.Objects[1].Version = saved.Plan.Objects[1].Version
	if AlreadyApplied(saved, secrets) {
		t.Error("secrets of an object not saved since the plan are already applied")
	}
	// --redistribute: content sent again is done once its source version
	// moved since the plan.
	saved.Options.ReplaceSecrets = false
	saved.Plan.Objects[1].Changes = []plan.Change{{Field: plan.FieldContent, Before: "on its distribution points, source version 2", After: "sent again (RefreshPkgSource)"}}
	again := now(plan.NoOp, plan.Update)
	again.Objects[1].Changes = []plan.Change{{Field: plan.FieldContent, Before: "on its distribution points, source version 3", After: "sent again (RefreshPkgSource)"}}
	if !AlreadyApplied(saved, again) {
		t.Error("content sent again since the plan is not already applied")
	}
	again.Objects[1].Changes[0].Before = saved.Plan.Objects[1].Changes[0].Before
	if AlreadyApplied(saved, again) {
		t.Error("content not sent since the plan is already applied")
	}
	again.Objects[1].Changes = append(again.Objects[1].Changes, plan.Change{Field: "Description", Before: "a", After: "b"})
	again.Objects[1].Changes[0].Before = "on its distribution points, source version 3"
	if AlreadyApplied(saved, again) {
		t.Error("an object with another change left is already applied")
	}
}

// A format 2.0 file names its site absolutely; one edited to name a folder
// relative to wherever apply runs, or no site, is refused when read.
func TestParseRefusesSiteNotAbsolute(t *testing.T) {
	file := func(url string) []byte {
		return []byte(`{"kind":"tsctl-plan","format_version":"2.0","configuration":{"files":[],"sha256":""},"site":{"url":"` + url + `","code":"PS1"},"options":{},
"plan":{"format_version":"1.0","site":"PS1","objects":[],"summary":{},"changes":false}}`)
	}
	abs, err := Absolute("local:" + t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{abs, "https://cm01.corp.example/AdminService", "wmi://cm01/PS1"} {
		if _, err := Parse("p.plan", file(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "local:.tsctl/site", "local:/srv/../srv/site", "https://CM01.corp.example/AdminService/", "http://cm01/AdminService", "ftp://x"} {
		_, err := Parse("p.plan", file(bad))
		if err == nil || !strings.Contains(err.Error(), "not the absolute identity tsctl plan records") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
