package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diff"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
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
		b, _ := json.MarshalIndent(p.Plan, "", "  ")
		t.Fatalf("apply then plan is not empty:\n%s", b)
	}
}

// requireSameSequence reports every difference between want and got (see
// diff.Differences), prefixed by what.
func requireSameSequence(t *testing.T, want, got *model.Sequence, child func(string) (model.Child, bool), what string) {
	t.Helper()
	for _, d := range diff.Differences(want, got, child) {
		t.Errorf("%s: %s", what, d)
	}
}

func parseConfig(t *testing.T, conf string) *config.Config {
	t.Helper()
	cfg, ds := config.Parse("tsctl.yaml", []byte(conf))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return cfg
}

// mustApply plans cfg (with opts) and applies it; every object must succeed.
func mustApply(t *testing.T, ctx context.Context, site provider.Site, cfg *config.Config, opts PlanOptions, parallelism int) *ApplyResult {
	t.Helper()
	opts.Target = "test"
	p, ds, err := MakePlan(ctx, site, cfg, opts)
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: parallelism, User: "me"})
	if err != nil || res.Failed() {
		t.Fatalf("apply: %v %+v", err, res)
	}
	return res
}

// idOf returns the PackageID of the object named name on a local site.
func idOf(t *testing.T, site *local.Site, name string) string {
	t.Helper()
	path, err := site.FindByName(name)
	if err != nil {
		t.Fatal(err)
	}
	_, keys, err := provider.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	return keys["PackageID"]
}

func outcomeOf(t *testing.T, res *ApplyResult, address string) ObjectResult {
	t.Helper()
	for _, o := range res.Objects {
		if o.Address == address {
			return o
		}
	}
	t.Fatalf("%s not in the result %+v", address, res.Objects)
	return ObjectResult{}
}
