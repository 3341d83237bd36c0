package planfile

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/views"
)

func samplePlan() *plan.Plan {
	p := &plan.Plan{Site: "PS1", Objects: []*plan.Object{
		{Address: "package.Tools", Kind: object.Package, Name: "Tools", Action: plan.Create,
			Changes: []plan.Change{{Field: "Name", After: "Tools", HasAfter: true}}},
		{Address: "sequence.Deploy", Kind: object.Sequence, Name: "Deploy", Action: plan.Update, ID: "PS100004",
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
			b, _ := views.Document(fl.Plan)
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
		views.WritePlan(io.Discard, fl.Plan, views.Style{})
		views.WritePlanMarkdown(io.Discard, fl.Plan)
		_, _ = views.Document(fl.Plan)
	})
}

// A plan saved before plan format 1.1 holds no step tree and no fields of
// a deletion: it is compared without them, while a 1.1 plan is compared
// with them.
func TestCheckOlderPlanWithoutTree(t *testing.T) {
	tree := []plan.StepChange{{Path: "Say", Action: plan.Create, Type: "SMS_TaskSequence_RunCommandLineAction"}}
	now := &plan.Plan{Site: "PS1", Objects: []*plan.Object{
		{Address: "sequence.S", Kind: object.Sequence, Name: "S", Action: plan.Create, StepCount: 1, Tree: tree},
		{Address: "package.P", Kind: object.Package, Name: "P", ID: "PS100004", Action: plan.Delete,
			Changes: []plan.Change{{Field: "PkgSourcePath", Before: `\\fs01\p`, HasBefore: true}}},
	}}
	old := &plan.Plan{FormatVersion: "1.0", Site: "PS1", Objects: []*plan.Object{
		{Address: "sequence.S", Kind: object.Sequence, Name: "S", Action: plan.Create, StepCount: 1},
		{Address: "package.P", Kind: object.Package, Name: "P", ID: "PS100004", Action: plan.Delete},
	}}
	if err := Check(old, now); err != nil {
		t.Errorf("a 1.0 plan is stale only for what it holds: %v", err)
	}
	old.FormatVersion = "1.1"
	if err := Check(old, now); err == nil {
		t.Errorf("a 1.1 plan without the tree passed against one with it")
	}
	old.Objects[0].Tree = tree
	old.Objects[1].Changes = now.Objects[1].Changes
	if err := Check(old, now); err != nil {
		t.Errorf("the same 1.1 plan: %v", err)
	}
}
