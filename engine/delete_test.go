package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

const toolsAndMain = `
packages:
  - name: Tools
    programs: [{ name: Run, commandLine: run.cmd }]
sequences:
  - name: Main
    steps: [{ name: Set, setVariable: { name: A, value: "1" } }]
`

const mainOnly = `
sequences:
  - name: Main
    steps: [{ name: Set, setVariable: { name: A, value: "1" } }]
`

const usesTools = `
sequences:
  - name: Hand made
    steps: [{ name: Run tools, installPackage: { package: Tools, program: Run } }]
`

// namesToolsDisabled names Tools only in a disabled step, which a site
// leaves out of References.
const namesToolsDisabled = `
sequences:
  - name: Hand made
    steps:
      - { name: Run tools, enabled: false, installPackage: { package: Tools, program: Run } }
      - { name: Set, setVariable: { name: B, value: "1" } }
`

// makeHandMade saves, as an administrator's console would, a sequence that
// uses the package Tools and that tsctl does not own.
func makeHandMade(t *testing.T, ctx context.Context, site provider.Site) string {
	return makeHandMadeFrom(t, ctx, site, usesTools)
}

func makeHandMadeFrom(t *testing.T, ctx context.Context, site provider.Site, conf string) string {
	t.Helper()
	res := mustApply(t, ctx, site, parseConfig(t, conf), PlanOptions{}, 1)
	id := res.Objects[0].ID
	in, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id))
	if err != nil {
		t.Fatal(err)
	}
	in.Props["ISVString"] = ""
	for _, k := range []string{"Sequence", "References"} {
		delete(in.Props, k)
	}
	if _, err := site.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	return id
}

// lockHook runs a function once, when apply checks the lock of path: the
// last call before the checks that precede its deletion.
type lockHook struct {
	provider.Site
	path string
	once sync.Once
	run  func()
}

func (h *lockHook) ExecMethod(ctx context.Context, class, method string, in map[string]any) (map[string]any, error) {
	if method == "GetLockInformation" && in["ObjectRelPath"] == h.path {
		h.once.Do(h.run)
	}
	return h.Site.ExecMethod(ctx, class, method, in)
}

// TestDeleteChecksReferencesAtTheMomentOfDeletion: a sequence someone
// else saves after the plan, using a package the plan prunes, keeps it.
func TestDeleteChecksReferencesAtTheMomentOfDeletion(t *testing.T) {
	ctx := context.Background()
	base := openTestSite(t)
	mustApply(t, ctx, base, parseConfig(t, toolsAndMain), PlanOptions{}, 1)
	tools := idOf(t, base, "Tools")
	toolsPath := provider.Path(object.ClassPackage, "PackageID", tools)
	var handMade string
	site := &lockHook{Site: base, path: toolsPath, run: func() { handMade = makeHandMade(t, ctx, base) }}

	p, ds, err := MakePlan(ctx, site, parseConfig(t, mainOnly), PlanOptions{Target: "test", Prune: true})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	if p.Plan.Summary.Delete != 1 {
		t.Fatalf("plan: %+v", p.Plan.Summary)
	}
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 4, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	got := outcomeOf(t, res, "package.Tools")
	want := fmt.Sprintf(`not deleted: still used by sequence "Hand made" (%s) on the site`, handMade)
	if got.Outcome != Skipped || got.Reason != want {
		t.Errorf("Tools: %s %q, want skipped %q", got.Outcome, got.Reason, want)
	}
	if !strings.Contains(got.Hint, "tsctl apply --prune again") {
		t.Errorf("hint %q", got.Hint)
	}
	if _, err := base.Get(ctx, toolsPath); err != nil {
		t.Errorf("Tools was deleted: %v", err)
	}
	// Planned again, the hand-made sequence is a reason to refuse.
	_, ds, err = MakePlan(ctx, base, parseConfig(t, mainOnly), PlanOptions{Target: "test", Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ds.Error(), fmt.Sprintf(`cannot delete package "Tools" (%s): used by sequence "Hand made" (%s)`, tools, handMade)) {
		t.Errorf("second plan: %v", ds)
	}
}

// TestDeleteKeepsWhatADisabledStepNames: a sequence saved after the plan
// that names the package only in a disabled step (not in its References)
// keeps it, and so does a plan made once it is saved.
func TestDeleteKeepsWhatADisabledStepNames(t *testing.T) {
	ctx := context.Background()
	base := openTestSite(t)
	mustApply(t, ctx, base, parseConfig(t, toolsAndMain), PlanOptions{}, 1)
	tools := idOf(t, base, "Tools")
	toolsPath := provider.Path(object.ClassPackage, "PackageID", tools)
	var handMade string
	site := &lockHook{Site: base, path: toolsPath, run: func() { handMade = makeHandMadeFrom(t, ctx, base, namesToolsDisabled) }}

	p, ds, err := MakePlan(ctx, site, parseConfig(t, mainOnly), PlanOptions{Target: "test", Prune: true})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 4, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	in, err := base.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", handMade))
	if err != nil || in.Int("ReferencesCount") != 0 {
		t.Fatalf("the hand-made sequence should count no references: %v %v", in.Props["ReferencesCount"], err)
	}
	got := outcomeOf(t, res, "package.Tools")
	want := fmt.Sprintf(`not deleted: still used by sequence "Hand made" (%s) on the site`, handMade)
	if got.Outcome != Skipped || got.Reason != want {
		t.Errorf("Tools: %s %q, want skipped %q", got.Outcome, got.Reason, want)
	}
	if _, err := base.Get(ctx, toolsPath); err != nil {
		t.Errorf("Tools was deleted: %v", err)
	}
	_, ds, err = MakePlan(ctx, base, parseConfig(t, mainOnly), PlanOptions{Target: "test", Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ds.Error(), fmt.Sprintf(`cannot delete package "Tools" (%s): used by sequence "Hand made" (%s)`, tools, handMade)) {
		t.Errorf("second plan: %v", ds)
	}
}

// noSequence reads one sequence without its lazy Sequence.
type noSequence struct {
	provider.Site
	id string
}

func (s noSequence) Get(ctx context.Context, path string) (*provider.Instance, error) {
	in, err := s.Site.Get(ctx, path)
	if err == nil && in.String("PackageID") == s.id {
		delete(in.Props, "Sequence")
	}
	return in, err
}

// TestDeleteRefusesUnreadableSteps: a site that returns a sequence without
// its steps cannot say what a disabled step names; nothing is deleted.
func TestDeleteRefusesUnreadableSteps(t *testing.T) {
	ctx := context.Background()
	base := openTestSite(t)
	mustApply(t, ctx, base, parseConfig(t, toolsAndMain), PlanOptions{}, 1)
	handMade := makeHandMadeFrom(t, ctx, base, namesToolsDisabled)
	_, _, err := MakePlan(ctx, noSequence{base, handMade}, parseConfig(t, mainOnly), PlanOptions{Target: "test", Prune: true})
	want := fmt.Sprintf(`read the steps of sequence "Hand made" (%s): the site returned no Sequence; tsctl deletes nothing it cannot check`, handMade)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("plan: %v, want %q", err, want)
	}
}

// noReferences reads sequences without their References, as a provider
// that cannot read embedded objects does.
type noReferences struct {
	provider.Site
	strip bool
}

func (s *noReferences) Get(ctx context.Context, path string) (*provider.Instance, error) {
	in, err := s.Site.Get(ctx, path)
	if err == nil && s.strip {
		delete(in.Props, "References")
	}
	return in, err
}

// TestDeleteRefusesUnreadableReferences: when a site returns fewer
// references than a sequence's ReferencesCount, nothing is deleted, at
// plan time and at the moment of deletion.
func TestDeleteRefusesUnreadableReferences(t *testing.T) {
	ctx := context.Background()
	base := openTestSite(t)
	mustApply(t, ctx, base, parseConfig(t, toolsAndMain), PlanOptions{}, 1)
	handMade := makeHandMade(t, ctx, base)
	site := &noReferences{Site: base, strip: true}
	_, _, err := MakePlan(ctx, site, parseConfig(t, mainOnly), PlanOptions{Target: "test", Prune: true})
	want := fmt.Sprintf(`read the references of sequence "Hand made" (%s): the site returned 0 of its 1 references`, handMade)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("plan: %v, want %q", err, want)
	}

	// Planned while the references read, applied while they do not.
	tools := idOf(t, base, "Tools")
	if err := base.Delete(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", handMade)); err != nil {
		t.Fatal(err)
	}
	site.strip = false
	p, ds, err := MakePlan(ctx, site, parseConfig(t, mainOnly), PlanOptions{Target: "test", Prune: true})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	makeHandMade(t, ctx, base) // made again, after the plan: the apply must find it
	site.strip = true
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomeOf(t, res, "package.Tools"); got.Outcome != Failed || !strings.Contains(got.Reason, "the site returned 0 of its 1 references") {
		t.Errorf("Tools: %s %q", got.Outcome, got.Reason)
	}
	if _, err := base.Get(ctx, provider.Path(object.ClassPackage, "PackageID", tools)); err != nil {
		t.Errorf("Tools was deleted: %v", err)
	}
}

// TestDeleteCheckReadsOnlyChangedSequences: the check before each deletion
// lists the sequences once and reads again only those whose version
// changed since their references were read (here the one parent apply
// updated, once for both deletions).
func TestDeleteCheckReadsOnlyChangedSequences(t *testing.T) {
	ctx := context.Background()
	var v1, v2 strings.Builder
	v1.WriteString("packages:\n")
	for _, n := range []string{"Common", "Old A", "Old B"} {
		fmt.Fprintf(&v1, "  - name: %s\n    programs: [{ name: Run, commandLine: run.cmd }]\n", n)
	}
	v2.WriteString("packages:\n  - name: Common\n    programs: [{ name: Run, commandLine: run.cmd }]\n")
	v1.WriteString("sequences:\n")
	v2.WriteString("sequences:\n")
	for i := range 10 {
		s := fmt.Sprintf("  - name: User %d\n    steps: [{ name: Run, installPackage: { package: Common, program: Run } }]\n", i)
		v1.WriteString(s)
		v2.WriteString(s)
	}
	v1.WriteString("  - name: Parent\n    steps:\n      - { name: A, installPackage: { package: Old A, program: Run } }\n      - { name: B, installPackage: { package: Old B, program: Run } }\n")
	v2.WriteString("  - name: Parent\n    steps:\n      - { name: Common, installPackage: { package: Common, program: Run } }\n")
	for _, parallelism := range []int{1, 4} {
		site := openTestSite(t)
		mustApply(t, ctx, site, parseConfig(t, v1.String()), PlanOptions{}, 4)
		p, ds, err := MakePlan(ctx, site, parseConfig(t, v2.String()), PlanOptions{Target: "test", Prune: true})
		if err != nil || ds.HasErrors() {
			t.Fatal(err, ds)
		}
		for _, o := range p.Plan.Objects {
			if o.Action == plan.Delete && strings.Join(o.DependsOn, ",") != "sequence.Parent" {
				t.Errorf("%s depends on %v, want the parent's update", o.Address, o.DependsOn)
			}
		}
		before := site.Stats()
		res, err := p.Apply(ctx, ApplyOptions{Parallelism: parallelism, User: "me"})
		if err != nil || res.Failed() || res.Count(Deleted) != 2 || res.Count(Updated) != 1 {
			t.Fatalf("apply: %v %+v", err, res)
		}
		after := site.Stats()
		if n := after["get"] - before["get"]; n != 1 {
			t.Errorf("parallelism %d: %d sequences read while deleting, want 1 (the updated parent)", parallelism, n)
		}
		if n := after["query SMS_TaskSequencePackage"] - before["query SMS_TaskSequencePackage"]; n != 2 {
			t.Errorf("parallelism %d: sequences listed %d times, want once per deletion (2)", parallelism, n)
		}
		requireNoChanges(t, ctx, site, parseConfig(t, v2.String()))
	}
}

// TestOrderDeletesBreaksCycles: deletions are ordered after what they
// depend on; a cycle (which no site should hold) loses its closing edge
// instead of leaving apply waiting forever.
func TestOrderDeletesBreaksCycles(t *testing.T) {
	del := func(kind object.Kind, name string, deps ...string) *entry {
		return &entry{obj: &plan.Object{Address: address(kind, name), Kind: kind, Name: name, Action: plan.Delete, DependsOn: deps}}
	}
	items := []*entry{
		del(object.Package, "P", "sequence.B", "sequence.Updated"),
		del(object.Sequence, "A", "sequence.B"),
		del(object.Sequence, "B", "sequence.C"),
		del(object.Sequence, "C", "sequence.A"),
		del(object.Sequence, "Child", "sequence.Parent"),
		del(object.Sequence, "Parent"),
	}
	var order []string
	pos := map[string]int{}
	for i, it := range orderDeletes(items) {
		order = append(order, it.obj.Address)
		pos[it.obj.Address] = i
	}
	if got := strings.Join(order, " "); got != "sequence.C sequence.B sequence.A sequence.Parent sequence.Child package.P" {
		t.Errorf("order: %s", got)
	}
	for _, it := range items {
		for _, d := range it.obj.DependsOn {
			if j, ok := pos[d]; ok && j >= pos[it.obj.Address] {
				t.Errorf("%s depends on %s, which comes later", it.obj.Address, d)
			}
		}
	}
	if got := strings.Join(items[0].obj.DependsOn, ","); got != "sequence.B,sequence.Updated" {
		t.Errorf("package P depends on %s", got)
	}
}

// TestEmptyPrune: --prune with a configuration that declares nothing (or
// only absent objects) is refused with the count, unless allowed.
func TestEmptyPrune(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	mustApply(t, ctx, site, parseConfig(t, toolsAndMain), PlanOptions{}, 1)
	for _, conf := range []string{"", "# nothing\n", "site: PS1\n", "packages:\n  - name: Tools\n    absent: true\n"} {
		cfg := parseConfig(t, conf)
		_, _, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test", Prune: true})
		var e *EmptyPruneError
		if !errors.As(err, &e) || e.Deletes != 2 || !strings.Contains(err.Error(), "would delete all 2 objects tsctl manages on site PS1") {
			t.Errorf("%q: %v", conf, err)
		}
		if _, ds, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test"}); err != nil || ds.HasErrors() {
			t.Errorf("%q without --prune: %v %v", conf, err, ds)
		}
		p, ds, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test", Prune: true, AllowEmptyPrune: true})
		if err != nil || ds.HasErrors() || p.Plan.Summary.Delete != 2 {
			t.Errorf("%q allowed: %v %v", conf, err, ds)
		}
	}
	empty := openTestSite(t)
	_, _, err := MakePlan(ctx, empty, parseConfig(t, ""), PlanOptions{Target: "test", Prune: true})
	if err == nil || !strings.Contains(err.Error(), "would delete every object (none yet) tsctl manages on site PS1") {
		t.Errorf("empty site: %v", err)
	}
}

// recordCalls logs the writes a site sees, in the order they finish
// (SetSequence) or start (Delete); SetSequence takes a moment.
type recordCalls struct {
	provider.Site
	mu  sync.Mutex
	log []string
}

func (r *recordCalls) add(s string) {
	r.mu.Lock()
	r.log = append(r.log, s)
	r.mu.Unlock()
}

func (r *recordCalls) ExecMethod(ctx context.Context, class, method string, in map[string]any) (map[string]any, error) {
	if method == "SetSequence" {
		time.Sleep(50 * time.Millisecond)
	}
	out, err := r.Site.ExecMethod(ctx, class, method, in)
	if method == "SetSequence" {
		r.add("saved " + in["TaskSequencePackage"].(*provider.Instance).String("Name"))
	}
	return out, err
}

func (r *recordCalls) Delete(ctx context.Context, path string) error {
	r.add("delete " + path)
	return r.Site.Delete(ctx, path)
}

// TestDeleteRunsAfterTheUpdateThatDropsTheReference: with every object free
// to run at once, the child and the package a parent stops using are
// deleted only once the parent is saved without them.
func TestDeleteRunsAfterTheUpdateThatDropsTheReference(t *testing.T) {
	ctx := context.Background()
	base := openTestSite(t)
	mustApply(t, ctx, base, parseConfig(t, `
packages:
  - name: Tools
    programs: [{ name: Run, commandLine: run.cmd }]
sequences:
  - name: Child
    steps: [{ name: Set, setVariable: { name: A, value: "1" } }]
  - name: Parent
    steps:
      - { name: Child, runTaskSequence: Child }
      - { name: Run, installPackage: { package: Tools, program: Run } }
`), PlanOptions{}, 1)
	site := &recordCalls{Site: base}
	res := mustApply(t, ctx, site, parseConfig(t, `
sequences:
  - name: Parent
    steps: [{ name: Set, setVariable: { name: B, value: "1" } }]
`), PlanOptions{Prune: true}, 8)
	if res.Count(Deleted) != 2 || res.Count(Updated) != 1 {
		t.Fatalf("apply: %+v", res.Objects)
	}
	if len(site.log) != 3 || site.log[0] != "saved Parent" {
		t.Errorf("writes in this order: %q; want the parent saved before anything it used is deleted", site.log)
	}
}
