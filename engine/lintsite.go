package engine

import (
	"fmt"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
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

// lintOnSite reports what only the site can tell: Install Package steps
// whose program on the site does not allow installation from a task
// sequence (TS008), Run Task Sequence steps whose child is disabled
// (TS009), and sequences near the size limits (TS010).
func (p *Planned) lintOnSite(cfg *config.Config, seqObjs []*plan.Object, ds *diag.List) {
	declaredProg := map[string]bool{}
	for _, cp := range cfg.Packages {
		if cp.Type == object.Package && !cp.Absent {
			for _, pr := range cp.Programs {
				declaredProg[strings.ToLower(cp.Name)+"\x00"+strings.ToLower(pr.Name)] = true
			}
		}
	}
	for _, cs := range cfg.Sequences {
		if cs.Absent {
			continue
		}
		config.Walk(cs.Steps, func(step *config.Step) {
			if pkg, byID, prog, ok := step.InstallPackageRef(); ok && !declaredProg[strings.ToLower(pkg)+"\x00"+strings.ToLower(prog)] {
				p.lintSiteProgram(cs, step, pkg, byID, prog, ds)
			}
			if step.Kind == "runTaskSequence" && step.Enabled {
				p.lintChildEnabled(cs, step, ds)
			}
		})
	}
	p.lintSizes(cfg, seqObjs, ds)
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
// lintDangling) bring their combined XML near the policy limit.
func (p *Planned) lintSizes(cfg *config.Config, seqObjs []*plan.Object, ds *diag.List) {
	type node struct {
		size int
		kids []string
	}
	nodes := map[string]*node{}
	byID := map[string]string{} // PackageID → node key of a declared sequence
	for _, o := range seqObjs {
		if it := p.items[o.Address]; it != nil && it.site != nil {
			byID[strings.ToUpper(it.site.String("PackageID"))] = "cfg:" + strings.ToLower(it.seq.Name)
		}
	}
	for _, o := range seqObjs {
		it := p.items[o.Address]
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
					nodes["id:"+id] = &node{size: p.siteChildSize[id]}
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
		it := p.items[o.Address]
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
		return st.seqByID[id.Value]
	}
	return nil
}
