package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

func TestOrderSequences(t *testing.T) {
	a := &plan.Object{Address: "sequence.A"}
	b := &plan.Object{Address: "sequence.B"}
	c := &plan.Object{Address: "sequence.C"}
	out := orderSequences([]*plan.Object{a, b, c}, map[string][]string{"sequence.A": {"sequence.C"}, "sequence.C": {"sequence.B"}})
	if out[0] != b || out[1] != c || out[2] != a {
		t.Errorf("order: %s %s %s", out[0].Address, out[1].Address, out[2].Address)
	}
}

// TestNoOpPlanCalls checks the provider-call budget of a no-op plan: one
// query per class (the folder items once per folder type the
// configuration files objects in), one lazy read per managed sequence and
// deployment, and no writes. The example reads, besides the classes every
// plan reads, deployments and collections, folders and their items, and
// distribution point groups, distribution points, group members and
// what its group holds, and — its deployment is of a sequence that deploys
// an operating system — the site's deployment verification settings.
func TestNoOpPlanCalls(t *testing.T) {
	ctx := context.Background()
	cfg, ds := config.Load([]string{"../examples/windows11"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	site := openTestSite(t)
	t.Setenv("JOIN_PASSWORD", "x")
	res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{Parallelism: 3, User: "me"})
	if err != nil || res.Failed() || res.Count(Created) != 11 {
		t.Fatalf("apply: %v %+v", err, res)
	}
	before := site.Stats()
	requireNoChanges(t, ctx, site, cfg)
	after := site.Stats()
	calls := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			calls[k] = d
		}
	}
	queries, gets := 0, calls["get"]
	for k, v := range calls {
		if strings.HasPrefix(k, "query ") {
			queries++
			if want := map[string]int{"query SMS_ObjectContainerItem": 2}[k]; v != max(want, 1) {
				t.Errorf("%s made %d times", k, v)
			}
		} else if k != "get" {
			t.Errorf("unexpected call %s ×%d in a no-op plan", k, v)
		}
	}
	if queries != 17 || gets != len(cfg.Sequences)+len(cfg.Deployments) {
		t.Errorf("calls: %v (want 17 queries and %d gets)", calls, len(cfg.Sequences)+len(cfg.Deployments))
	}
}

// denyWrites refuses every Put, as a site does for a read-only role.
type denyWrites struct {
	provider.Site
	puts atomic.Int32
}

func (d *denyWrites) Put(ctx context.Context, in *provider.Instance) (string, error) {
	d.puts.Add(1)
	return "", &provider.Error{Kind: provider.KindDenied, Op: "Put " + in.Class, Msg: "HTTP 403: access denied"}
}

func TestApplyStopsWhenAccessIsDenied(t *testing.T) {
	ctx := context.Background()
	conf := "packages:\n"
	for _, n := range []string{"A", "B", "C"} {
		conf += "  - name: " + n + "\n    programs: [{ name: Run, commandLine: run.cmd }]\n"
	}
	cfg, ds := config.Parse("tsctl.yaml", []byte(conf))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	site := &denyWrites{Site: openTestSite(t)}
	res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if n := site.puts.Load(); n != 1 {
		t.Errorf("%d writes attempted after the first was denied, want 1 in all", n)
	}
	if res.Count(Failed) != 1 || res.Count(Skipped) != 2 {
		t.Fatalf("outcomes: %+v", res.Objects)
	}
	for _, o := range res.Objects[1:] {
		if o.Reason != `not attempted: access was denied for package "A"` {
			t.Errorf("%s: reason %q", o.Address, o.Reason)
		}
	}
}

// gauge holds calls for a moment and records how many were in flight at once.
type gauge struct {
	mu             sync.Mutex
	inFlight, peak int
}

func (g *gauge) hold(d time.Duration) {
	g.mu.Lock()
	g.inFlight++
	g.peak = max(g.peak, g.inFlight)
	g.mu.Unlock()
	time.Sleep(d)
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
}

func TestProgramsSavedConcurrently(t *testing.T) {
	ctx := context.Background()
	cfg := packagesWithPrograms(t, "A")
	for _, tc := range []struct{ parallelism, peak int }{{1, 1}, {3, 3}, {8, 4}} {
		site := &slowPuts{Site: openTestSite(t), only: "SMS_Program"}
		res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{Parallelism: tc.parallelism, User: "me"})
		if err != nil || res.Failed() {
			t.Fatal(err, res)
		}
		if site.peak != tc.peak {
			t.Errorf("parallelism %d: %d program saves in flight at most, want %d", tc.parallelism, site.peak, tc.peak)
		}
		requireNoChanges(t, ctx, site, cfg)
	}
}

// slowReads holds each class query and each read of a sequence for a
// moment, and gauges them together.
type slowReads struct {
	provider.Site
	gauge
}

func (s *slowReads) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	s.hold(10 * time.Millisecond)
	return s.Site.Query(ctx, q)
}

func (s *slowReads) Get(ctx context.Context, path string) (*provider.Instance, error) {
	s.hold(10 * time.Millisecond)
	return s.Site.Get(ctx, path)
}

// TestPlanReadsConcurrently: reading the site waits on it, so a plan keeps
// PlanOptions.Reads calls in flight (SequenceReads by default) whatever
// the number of cores, and never more.
func TestPlanReadsConcurrently(t *testing.T) {
	ctx := context.Background()
	conf := "sequences:\n"
	for i := 0; i < 3*SequenceReads; i++ {
		conf += fmt.Sprintf("  - name: S%d\n    steps: [{ name: Set, setVariable: { name: V, value: \"%d\" } }]\n", i, i)
	}
	cfg, ds := config.Parse("tsctl.yaml", []byte(conf))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	site := openTestSite(t)
	if res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{Parallelism: 8, User: "me"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	for _, tc := range []struct{ reads, peak int }{{0, SequenceReads}, {1, 1}, {3, 3}} {
		slow := &slowReads{Site: site}
		p, ds, err := MakePlan(ctx, slow, cfg, PlanOptions{Target: "test", Reads: tc.reads})
		if err != nil || ds.HasErrors() {
			t.Fatal(err, ds)
		}
		if p.Plan.Changes {
			t.Fatal("plan after apply has changes")
		}
		if slow.peak != tc.peak {
			t.Errorf("Reads %d: %d reads in flight at most, want %d", tc.reads, slow.peak, tc.peak)
		}
	}
}

// slowPuts holds saves for a moment: those of class only, or every one.
type slowPuts struct {
	provider.Site
	gauge
	only string
}

func (s *slowPuts) Put(ctx context.Context, in *provider.Instance) (string, error) {
	if s.only == "" || in.Class == s.only {
		s.hold(10 * time.Millisecond)
	}
	return s.Site.Put(ctx, in)
}

// packagesWithPrograms is a configuration of the named packages, each with
// the programs Install, Uninstall, Repair and Verify.
func packagesWithPrograms(t *testing.T, names ...string) *config.Config {
	t.Helper()
	conf := "packages:\n"
	for _, p := range names {
		conf += "  - name: " + p + "\n    programs:\n"
		for _, n := range []string{"Install", "Uninstall", "Repair", "Verify"} {
			conf += "      - { name: " + n + ", commandLine: " + strings.ToLower(n) + ".cmd }\n"
		}
	}
	cfg, ds := config.Parse("tsctl.yaml", []byte(conf))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return cfg
}

// TestApplyCallsInFlight: --parallelism bounds the calls a site sees at
// once, programs saved concurrently included.
func TestApplyCallsInFlight(t *testing.T) {
	ctx := context.Background()
	cfg := packagesWithPrograms(t, "A", "B", "C", "D")
	site := &slowPuts{Site: openTestSite(t)}
	res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{Parallelism: 3, User: "me"})
	if err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	if site.peak != 3 {
		t.Errorf("%d saves in flight at most, want 3 (--parallelism)", site.peak)
	}
	requireNoChanges(t, ctx, site, cfg)
}
