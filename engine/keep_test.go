package engine

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/plan"
)

// TestPlanKeepsOnlyWhatItNeeds: once a managed sequence is compared, the
// plan keeps of what it read only the key, name, version and
// ReferencesCount (with the References in their compact form) when it
// leaves the sequence alone, and the whole instance only for a sequence it
// changes — its Sequence only when apply saves the steps. Keeping every
// instance read (each reference an instance of its own) made the live heap
// of a 4,000-sequence no-op plan exceed the soft memory limit.
func TestPlanKeepsOnlyWhatItNeeds(t *testing.T) {
	ctx := context.Background()
	cfg, ds := config.Load([]string{"../examples/windows11"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	site := openTestSite(t)
	t.Setenv("JOIN_PASSWORD", "x")
	mustApply(t, ctx, site, cfg, PlanOptions{}, 4)

	p := mustPlan(t, ctx, site, cfg)
	seen := 0
	for _, o := range p.Plan.Objects {
		e := p.entries[o.Address]
		if o.Kind.String() != "sequence" {
			continue
		}
		seen++
		if o.Action != plan.NoOp {
			t.Fatalf("%s: %s after apply", o.Address, o.Action)
		}
		var keys []string
		for k := range e.site.Props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := strings.Join(keys, ","); got != "Name,PackageID,ReferencesCount,SedoObjectVersion" {
			t.Errorf("%s: keeps %s", o.Address, got)
		}
		if e.read == nil || p.State.Sequence(e.read.ID) != e.read || !e.read.HasRefCount || int64(len(e.read.Refs)) != e.read.RefCount || e.read.RefCount == 0 {
			t.Errorf("%s: kept read %+v", o.Address, e.read)
		} else if &e.wantRefs[0] != &e.read.Refs[0] {
			t.Errorf("%s: keeps two lists of the same references", o.Address)
		}
	}
	if seen == 0 {
		t.Fatal("no sequence planned")
	}

	// A sequence whose steps change keeps its instance and Sequence; one
	// whose fields alone change keeps its instance without Sequence.
	conf := `sequences:
  - name: Steps
    steps: [{ name: Run, runCommandLine: cmd /c exit 0 }]
  - name: Fields
    description: before
    steps: [{ name: Run, runCommandLine: cmd /c exit 0 }]
`
	mustApply(t, ctx, site, parseConfig(t, conf), PlanOptions{}, 2)
	conf = strings.Replace(strings.Replace(conf, "before", "after", 1), "exit 0 }]\n  - name: Fields", "exit 1 }]\n  - name: Fields", 1)
	p = mustPlan(t, ctx, site, parseConfig(t, conf))
	steps, fields := p.entries["sequence.Steps"], p.entries["sequence.Fields"]
	if _, ok := steps.change.(*updateSequenceSteps); !ok || steps.site.String("Sequence") == "" {
		t.Errorf("steps changed: %T, keeps Sequence %v", steps.change, steps.site.Props["Sequence"] != nil)
	}
	if _, ok := fields.change.(*updateSequenceFields); !ok || fields.site.Props["Sequence"] != nil || fields.site.String("Description") != "before" {
		t.Errorf("fields changed: %T, keeps %v", fields.change, fields.site.Props)
	}
}
