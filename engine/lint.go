package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/cores"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// Size limits Microsoft documents for task sequences ("Reduce the size of
// task sequence policy", memdocs configmgr/osd/deploy-use): a site stores
// a task sequence of at most 2 MB (model.MaxStoredBytes, lint TS005), and
// a client fails to process a task sequence policy over 32 MB; "the parent
// and child task sequences are effectively combined into a single policy
// that the client runs" (Run Task Sequence, task-sequence-steps.md).
const (
	PolicyLimit = 32 << 20
	// nearStored is the share of the 2 MB at which a sequence is near it.
	nearStoredPercent = 80
)

// combinedWarnAt is the combined stored XML of a parent and the children it
// runs at which TS010 warns: half the policy limit, because the policy
// holds the sequences' XML escaped inside its own XML, which can double it,
// and Microsoft gives no formula for the expansion. A variable for tests.
var combinedWarnAt = PolicyLimit / 2

// ProgramFlagDisabled is SMS_TaskSequencePackage.ProgramFlags bit 12,
// DISABLED (Microsoft's SMS_TaskSequencePackage class reference): "Disable
// this task sequence on computers where it is deployed".
const ProgramFlagDisabled = 0x00001000

// readChildren is the stage of MakePlan that reads from the site the child
// sequences the configuration runs but does not declare (one lazy read
// each), for the lint: whether each is there, what it references, its
// size.
func (p *Planned) readChildren(ctx context.Context) error {
	managed := map[string]bool{}
	for _, e := range p.entries {
		if e.seq != nil && e.site != nil {
			managed[e.site.String("PackageID")] = true
		}
	}
	p.children = map[string]*provider.Instance{}
	for _, e := range p.entries {
		if e.seq == nil {
			continue
		}
		for _, r := range e.wantRefs {
			if _, read := p.children[r.Package]; r.Program != "*" || managed[r.Package] || read || r.Package == desired.Pending {
				continue
			}
			in, err := p.State.Site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", r.Package))
			switch {
			case provider.IsKind(err, provider.KindNotFound):
				in = nil // gone since the site was read, or never there
			case err != nil:
				return fmt.Errorf("read child sequence %s: %w", r.Package, err)
			}
			p.children[r.Package] = in
		}
	}
	return nil
}

// lint is the stage of MakePlan that lints the plan: the configuration's
// own lint (config.Lint, as validate runs it), then what the plan and the
// site tell — a high-impact sequence changing (TS001), a sequence too
// large to store (TS005), a child sequence missing or referencing what is
// missing (TS006), and lintOnSite's. seqObjs are the declared sequences
// planned, in configuration order.
func (p *Planned) lint(seqObjs []*plan.Object) diag.List {
	ds := p.opts.Lint.result(p.Config)
	for _, o := range seqObjs {
		e := p.entries[o.Address]
		if (o.Action == plan.Create || e.writesSteps()) && e.highImpact && !e.seq.Ignores(config.LintHighImpact, nil) {
			ds.Warn(e.seq.Pos, config.LintHighImpact, "deploy it to a test collection first",
				"sequence %q partitions disks or applies an operating system and is changing: high impact", e.seq.Name)
		}
		if e.size > model.MaxStoredBytes {
			ds.AddHint(e.seq.Pos, "split it into child sequences run with runTaskSequence", "[%s] sequence %q is %d bytes; a site stores at most %d", config.LintTooLarge, e.seq.Name, e.size, model.MaxStoredBytes)
		}
	}
	p.lintChildren(seqObjs, &ds)
	p.lintOnSite(seqObjs, &ds)
	return ds
}

// lintChildren warns about the child sequences the configuration runs but
// does not declare that are missing on the site, or reference objects
// missing on it (TaskSequenceFlags bit 0), once per child.
func (p *Planned) lintChildren(seqObjs []*plan.Object, ds *diag.List) {
	warned := map[string]bool{}
	for _, o := range seqObjs {
		e := p.entries[o.Address]
		for _, r := range e.wantRefs {
			in, read := p.children[r.Package]
			if r.Program != "*" || !read || warned[r.Package] {
				continue
			}
			warned[r.Package] = true
			if in == nil {
				// the site refuses the save, which names it; the plan says so first
				ds.Warn(e.seq.Pos, config.LintDangling, "create the child sequence, or run another one",
					"sequence %q runs the task sequence %s, which is not on the site", e.seq.Name, r.Package)
				continue
			}
			if in.Int("TaskSequenceFlags")&1 != 0 && !e.seq.Ignores(config.LintDangling, nil) {
				ds.Warn(e.seq.Pos, config.LintDangling, "fix the child sequence on the site, or manage it with tsctl",
					"sequence %q runs %q (%s), which references objects missing on the site", e.seq.Name, in.String("Name"), r.Package)
			}
		}
	}
}

// lintOnSite reports what only the site can tell: Install Package steps
// whose program on the site does not allow installation from a task
// sequence (TS008), Run Task Sequence steps whose child is disabled
// (TS009), and sequences near the size limits (TS010).
func (p *Planned) lintOnSite(seqObjs []*plan.Object, ds *diag.List) {
	cfg := p.Config
	declaredProg := map[string]bool{}
	for _, cp := range cfg.Packages {
		if cp.Type == object.Package && !cp.Absent {
			for _, pr := range cp.Programs {
				declaredProg[strings.ToLower(cp.Name)+"\x00"+strings.ToLower(pr.Name)] = true
			}
		}
	}
	// Each sequence is linted on its own, on every core (what it reads of
	// the site was read before), its warnings kept in the sequences' order.
	per := make([]diag.List, len(cfg.Sequences))
	cores.Each(len(cfg.Sequences), func(i int) {
		cs := cfg.Sequences[i]
		if cs.Absent {
			return
		}
		config.Walk(cs.Steps(), func(step *config.Step) {
			if pkg, byID, prog, ok := step.InstallPackageRef(); ok && !declaredProg[strings.ToLower(pkg)+"\x00"+strings.ToLower(prog)] {
				p.lintSiteProgram(cs, step, pkg, byID, prog, &per[i])
			}
			if step.Kind == "runTaskSequence" && step.Enabled {
				p.lintChildEnabled(cs, step, &per[i])
			}
		})
	})
	for _, l := range per {
		*ds = append(*ds, l...)
	}
	p.lintSizes(seqObjs, ds)
}

// lintSiteProgram warns when the site's program an Install Package step
// runs lacks ProgramFlags bit 0 (AUTHORIZED_DYNAMIC_INSTALL).
func (p *Planned) lintSiteProgram(cs *config.Sequence, step *config.Step, pkg string, byID bool, prog string, ds *diag.List) {
	st := p.State
	id := pkg
	if !byID {
		in, err := st.Find(object.Package.Class(), pkg)
		if err != nil || in == nil {
			return // declared in the configuration, or reported already
		}
		id = in.String("PackageID")
	}
	pr := st.Program(id, prog)
	if pr == nil || pr.Int("ProgramFlags")&config.ProgramFlagDynamicInstall != 0 || cs.Ignores(config.LintNotForTS, step) {
		return
	}
	ds.Warn(step.At("program"), config.LintNotForTS,
		"on the site, tick \"Allow this program to be installed from the Install Package task sequence without being deployed\" on the program's Advanced tab, or declare the package here with installFromTaskSequence: true",
		"sequence %q: step %q: program %q of package %q (%s) on site %s does not allow installation from a task sequence without being deployed; the step fails when it runs",
		cs.Name, step.Name, pr.String("ProgramName"), st.NameOf(id), id, st.Site.Code())
}

// lintChildEnabled warns when a Run Task Sequence step runs a child that is
// disabled on the site: Microsoft documents that the deployment then fails,
// and that continue on error does not work around it.
func (p *Planned) lintChildEnabled(cs *config.Sequence, step *config.Step, ds *diag.List) {
	st := p.State
	child := p.childOf(step)
	if child == nil || child.Int("ProgramFlags")&ProgramFlagDisabled == 0 || cs.Ignores(config.LintDisabledChild, step) {
		return
	}
	also := ""
	if step.ContinueOnError {
		also = ", continueOnError does not help"
	}
	ds.Warn(step.Pos, config.LintDisabledChild,
		"enable the child sequence (clear \"Disable this task sequence on computers where it is deployed\" on its Advanced tab), or remove or disable this step",
		"sequence %q: step %q runs %q (%s), which is disabled on site %s: the deployment of %q fails%s",
		cs.Name, step.Name, child.String("Name"), child.String("PackageID"), st.Site.Code(), cs.Name, also)
}

// lintSizes warns about a sequence near the 2 MB a site stores, and about
// a parent whose children (declared, or on the site and read by
// readChildren) bring their combined XML near the policy limit.
func (p *Planned) lintSizes(seqObjs []*plan.Object, ds *diag.List) {
	type node struct {
		size int
		kids []string
	}
	nodes := map[string]*node{}
	byID := map[string]string{} // PackageID → node key of a declared sequence
	for _, o := range seqObjs {
		if it := p.entries[o.Address]; it != nil && it.site != nil {
			byID[strings.ToUpper(it.site.String("PackageID"))] = "cfg:" + strings.ToLower(it.seq.Name)
		}
	}
	for _, o := range seqObjs {
		it := p.entries[o.Address]
		if it == nil {
			continue
		}
		key := "cfg:" + strings.ToLower(it.seq.Name)
		n := &node{size: it.size}
		pending := map[string]bool{}
		for _, name := range it.seq.Dependencies() {
			pending["cfg:"+strings.ToLower(name)] = true
		}
		for _, r := range it.wantRefs {
			if r.Program != "*" {
				continue
			}
			switch id := strings.ToUpper(r.Package); {
			case r.Package == desired.Pending:
			case byID[id] != "":
				n.kids = append(n.kids, byID[id])
				delete(pending, byID[id])
			default:
				n.kids = append(n.kids, "id:"+id)
				if _, ok := nodes["id:"+id]; !ok {
					nodes["id:"+id] = &node{size: p.childSize(id)}
				}
			}
		}
		for k := range pending { // children created by this apply
			n.kids = append(n.kids, k)
		}
		nodes[key] = n
		if near := model.MaxStoredBytes * nearStoredPercent / 100; it.size > near && it.size <= model.MaxStoredBytes && !it.seq.Ignores(config.LintNearPolicyLimit, nil) {
			ds.Warn(it.seq.Pos, config.LintNearPolicyLimit, "move groups of steps into child sequences run with runTaskSequence",
				"sequence %q is %s of XML, over %d%% of the %s a site stores", it.seq.Name, mb(it.size), nearStoredPercent, mb(model.MaxStoredBytes))
		}
	}
	for _, o := range seqObjs {
		it := p.entries[o.Address]
		if it == nil {
			continue
		}
		seen := map[string]bool{}
		var total, count int
		var walk func(k string)
		walk = func(k string) {
			n := nodes[k]
			if seen[k] || n == nil {
				return
			}
			seen[k] = true
			total += n.size
			count++
			for _, c := range n.kids {
				walk(c)
			}
		}
		walk("cfg:" + strings.ToLower(it.seq.Name))
		if count > 1 && total >= combinedWarnAt && !it.seq.Ignores(config.LintNearPolicyLimit, nil) {
			ds.Warn(it.seq.Pos, config.LintNearPolicyLimit,
				"a client runs a parent and its children as one policy, which fails over 32 MB; reduce inline scripts and steps, or deploy parts separately",
				"sequence %q and the %d %s it runs hold %s of sequence XML together, near the %s policy a client can process",
				it.seq.Name, count-1, plural(count-1, "sequence", "sequences"), mb(total), mb(PolicyLimit))
		}
	}
}

func mb(n int) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// childOf returns the site's task sequence package a Run Task Sequence step
// runs (by name or {id}), nil when the site has none yet.
func (p *Planned) childOf(step *config.Step) *provider.Instance {
	st := p.State
	if name := step.ChildName(); name != "" {
		in, err := st.Find(object.ClassTaskSequencePackage, name)
		if err != nil {
			return nil
		}
		return in
	}
	b := step.Body()
	if s := config.Lookup(b, "sequence"); s != nil {
		b = s
	}
	if id := config.Lookup(b, "id"); id != nil {
		return st.SequenceByID(id.Value)
	}
	return nil
}

// childSize is the stored size of the child sequence with upper-case
// PackageID id that readChildren read (0 when it read none).
func (p *Planned) childSize(id string) int {
	for pid, in := range p.children {
		if in != nil && strings.EqualFold(pid, id) {
			return len(in.String("Sequence"))
		}
	}
	return 0
}
