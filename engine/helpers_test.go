package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/engine/config"
	"github.com/tsctl/tsctl/engine/plan"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
	"github.com/tsctl/tsctl/provider/tsxml"
)

// openTestSite opens a fresh local site, closed when the test ends.
func openTestSite(t *testing.T) *local.Site {
	t.Helper()
	site, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	return site
}

// mustPlan plans cfg against site and fails the test on any error.
func mustPlan(t *testing.T, ctx context.Context, site provider.Site, cfg *config.Config) *Planned {
	t.Helper()
	p, ds, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test"})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	return p
}

// requireNoChanges plans cfg against site again and fails the test unless
// the plan is empty (apply then plan).
func requireNoChanges(t *testing.T, ctx context.Context, site provider.Site, cfg *config.Config) {
	t.Helper()
	if p := mustPlan(t, ctx, site, cfg); p.Plan.Changes {
		var b strings.Builder
		p.Plan.WriteHuman(&b, plan.Style{})
		t.Fatalf("apply then plan is not empty:\n%s", b.String())
	}
}

// requireSameSequence reports every difference between want and got (see
// Differences), prefixed by what.
func requireSameSequence(t *testing.T, want, got *tsxml.Sequence, child func(string) (tsxml.Child, bool), what string) {
	t.Helper()
	for _, d := range Differences(want, got, child) {
		t.Errorf("%s: %s", what, d)
	}
}
