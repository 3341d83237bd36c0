package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tsctl/tsctl/engine/config"
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
	if err := site.Lock(provider.Path(ClassTaskSequencePackage, "PackageID", child), `CORP\jane`, "CM-CONSOLE-7"); err != nil {
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
