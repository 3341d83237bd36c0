package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// TestApplySummaryMatchesPlan: every object the plan leaves unchanged is
// counted unchanged, whatever happened to what it depends on; the changed
// ones are counted by what happened to them.
func TestApplySummaryMatchesPlan(t *testing.T) {
	ctx := context.Background()
	conf := func(child, other string) *config.Config {
		return parseConfig(t, fmt.Sprintf(`
packages:
  - name: Tools
    programs: [{ name: Run, commandLine: run.cmd }]
sequences:
  - name: Child
    steps: [{ name: Set, setVariable: { name: A, value: %q } }]
  - name: Parent
    steps: [{ name: Child, runTaskSequence: Child }]
  - name: Other
    steps: [{ name: Set, setVariable: { name: B, value: %q } }]
  - name: Same
    steps: [{ name: Run, installPackage: { package: Tools, program: Run } }]
`, child, other))
	}
	site := openTestSite(t)
	mustApply(t, ctx, site, conf("1", "1"), PlanOptions{}, 1)
	child := idOf(t, site, "Child")
	if err := site.Lock(provider.Path(object.ClassTaskSequencePackage, "PackageID", child), `CORP\jane`, "CM-CONSOLE-7"); err != nil {
		t.Fatal(err)
	}
	p := mustPlan(t, ctx, site, conf("2", "2"))
	if s := p.Plan.Summary; s.Update != 2 || s.NoOp != 3 {
		t.Fatalf("plan summary %+v, want 2 updates and 3 no-ops", s)
	}
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomeOf(t, res, "sequence.Parent"); got.Outcome != Unchanged || got.Reason != "" {
		t.Errorf("Parent (no change, runs the locked child): %s %q", got.Outcome, got.Reason)
	}
	s := p.Plan.Summary
	if res.Count(Unchanged) != s.NoOp || res.Count(Updated)+res.Count(Skipped)+res.Count(Failed) != s.Update || res.Count(Skipped) != 1 {
		t.Errorf("plan %+v, apply: %d updated, %d unchanged, %d skipped, %d failed", s, res.Count(Updated), res.Count(Unchanged), res.Count(Skipped), res.Count(Failed))
	}
}

// failPrograms fails every save of a program, as a site refusing it would.
type failPrograms struct{ provider.Site }

func (s failPrograms) Put(ctx context.Context, in *provider.Instance) (string, error) {
	if in.Class == "SMS_Program" {
		return "", &provider.Error{Kind: provider.KindFailed, Op: "Put", Msg: "refused", Code: 0x80041001}
	}
	return s.Site.Put(ctx, in)
}

// TestFailedCreateNamesWhatItCreated: a package created whose program then
// fails is a failure, and the summary says the package now exists, by ID:
// the site changed, and the next plan updates it rather than creating it.
func TestFailedCreateNamesWhatItCreated(t *testing.T) {
	ctx := context.Background()
	base := openTestSite(t)
	cfg := parseConfig(t, "packages:\n  - name: Tools\n    programs: [{ name: Run, commandLine: run.cmd }]\n")
	p := mustPlan(t, ctx, failPrograms{base}, cfg)
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	id := idOf(t, base, "Tools")
	got := outcomeOf(t, res, "package.Tools")
	if got.Outcome != Failed || got.ID != id || got.Reason != `created, but save program "Run" of package "Tools": Put: refused (0x80041001)` {
		t.Errorf("Tools: %s %s %q, want failed %s, created but the program failed", got.Outcome, got.ID, got.Reason, id)
	}
	if p := mustPlan(t, ctx, base, cfg); p.Plan.Summary.Update != 1 || p.Plan.Summary.Create != 0 {
		t.Errorf("next plan %+v, want the package updated", p.Plan.Summary)
	}
}
