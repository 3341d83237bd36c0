package planfile

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/tsctl/tsctl/engine/plan"
)

func samplePlan() *plan.Plan {
	p := &plan.Plan{Site: "PS1", Objects: []*plan.Object{
		{Address: "package.Tools", Kind: plan.KindPackage, Name: "Tools", Action: plan.Create,
			Changes: []plan.Change{{Field: "Name", After: "Tools", HasAfter: true}}},
		{Address: "sequence.Deploy", Kind: plan.KindSequence, Name: "Deploy", Action: plan.Update, ID: "PS100004",
			DependsOn: []string{"package.Tools"}},
	}}
	p.Finish()
	return p
}

func TestWriteRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.json")
	in := &File{Created: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), Plan: samplePlan(), Site: Site{URL: "https://cm01.corp.example/AdminService", Code: "PS1"}}
	if err := Write(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(out.Plan, samplePlan()); err != nil {
		t.Errorf("a plan read back is stale against itself: %v", err)
	}
	for _, bad := range []string{"", "{}", `{"kind":"other"}`, `{"kind":"` + Kind + `","format_version":"0.1","plan":{}}`, `{"kind":"` + Kind + `","format_version":"` + FormatVersion + `"}`} {
		if _, err := Parse("p.json", []byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := Parse("p.json", []byte("[1]")); !errors.Is(err, ErrNotPlan) {
		t.Errorf("not a plan: %v", err)
	}
}

// FuzzParse reads arbitrary plan files and then does what apply and show
// do with them: check them against a plan and print them.
func FuzzParse(f *testing.F) {
	path := filepath.Join(f.TempDir(), "plan.json")
	if err := Write(path, &File{Plan: samplePlan(), Site: Site{URL: "https://cm01.corp.example/AdminService", Code: "PS1"}}); err == nil {
		if fl, err := Read(path); err == nil {
			b, _ := fl.Plan.JSON()
			f.Add([]byte(`{"kind":"` + Kind + `","format_version":"` + FormatVersion + `","site":{"url":"local:/srv/site","code":"PS1"},"plan":` + string(b) + `}`))
		}
	}
	f.Add([]byte(`{"kind":"` + Kind + `","format_version":"` + FormatVersion + `","plan":{"objects":[null]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := Parse("p.json", data)
		if err != nil {
			return
		}
		_ = Check(fl.Plan, samplePlan())
		_ = Check(samplePlan(), fl.Plan)
		_ = AlreadyApplied(fl, samplePlan())
		_ = AlreadyApplied(&File{Plan: samplePlan()}, fl.Plan)
		_, _ = fl.SiteFor("", "")
		_, _ = fl.SiteFor("local:.tsctl/site", "--site")
		fl.Plan.WriteHuman(io.Discard, plan.Style{})
		fl.Plan.WriteMarkdown(io.Discard)
		_, _ = fl.Plan.JSON()
	})
}
