package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/engine/config"
	"github.com/tsctl/tsctl/engine/desired"
	"github.com/tsctl/tsctl/engine/diag"
	"github.com/tsctl/tsctl/engine/plan"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/tsxml"
)

// Planned is a plan together with what apply needs to execute it.
type Planned struct {
	Plan   *plan.Plan
	State  *State
	Config *config.Config
	items  map[string]*item
}

// item links a plan object to its configuration and site objects.
type item struct {
	obj          *plan.Object
	pkg          *desired.Package
	seq          *config.Sequence
	site         *provider.Instance // nil when the object does not exist
	stepsChanged bool
	changedProgs []desired.Program
}

// trackingResolver records which declared objects a build referenced.
type trackingResolver struct {
	*resolver
	used map[refKey]bool
}

func (t *trackingResolver) ID(kind desired.RefKind, name string) (string, error) {
	k := refKey{kind, strings.ToLower(name)}
	if t.declared[k] {
		t.used[k] = true
	}
	return t.resolver.ID(kind, name)
}

func address(kind plan.Kind, name string) string { return string(kind) + "." + name }

// MakePlan reads the site and plans the changes that bring it to cfg.
// Problems with the configuration against this site (unknown references,
// ambiguous names) come back as diagnostics; a failure to read the site as
// an error.
func MakePlan(ctx context.Context, site provider.Site, cfg *config.Config, target string) (*Planned, diag.List, error) {
	var ds diag.List
	if cfg.Site != "" && !strings.EqualFold(cfg.Site, site.Code()) {
		ds.AddHint(cfg.SitePos, "point --site at site "+cfg.Site+", or change `site:`", "the configuration is for site %s, but %s is site %s", cfg.Site, target, site.Code())
		return nil, ds, nil
	}
	st, err := ReadState(ctx, site, cfg)
	if err != nil {
		return nil, nil, err
	}
	r := newResolver(st, cfg, false)
	p := &Planned{Plan: &plan.Plan{Site: site.Code(), Target: target}, State: st, Config: cfg, items: map[string]*item{}}
	var pkgObjs, seqObjs []*plan.Object
	for _, cp := range cfg.Packages {
		it, err := planPackage(st, cp)
		if err != nil {
			ds.AddErr(cp.Pos, err)
			continue
		}
		p.items[it.obj.Address] = it
		pkgObjs = append(pkgObjs, it.obj)
	}
	deps := map[string][]string{}
	for _, cs := range cfg.Sequences {
		tr := &trackingResolver{resolver: r, used: map[refKey]bool{}}
		it, sds := planSequence(st, tr, cs)
		ds = append(ds, sds...)
		if it == nil {
			continue
		}
		for k := range tr.used {
			kind := plan.Kind(k.kind)
			for _, x := range append(append([]*plan.Object{}, pkgObjs...), seqObjFor(cfg, k)...) {
				if x.Kind == kind && strings.EqualFold(x.Name, k.name) {
					it.obj.DependsOn = append(it.obj.DependsOn, x.Address)
				}
			}
		}
		sort.Strings(it.obj.DependsOn)
		deps[it.obj.Address] = it.obj.DependsOn
		p.items[it.obj.Address] = it
		seqObjs = append(seqObjs, it.obj)
	}
	if ds.HasErrors() {
		return nil, ds, nil
	}
	p.Plan.Objects = append(pkgObjs, orderSequences(seqObjs, deps)...)
	p.Plan.Finish()
	return p, ds, nil
}

// seqObjFor returns a placeholder object for a declared sequence so that
// dependencies on it are recorded by address.
func seqObjFor(cfg *config.Config, k refKey) []*plan.Object {
	if k.kind != desired.RefSequence {
		return nil
	}
	for _, s := range cfg.Sequences {
		if strings.EqualFold(s.Name, k.name) {
			return []*plan.Object{{Kind: plan.KindSequence, Name: s.Name, Address: address(plan.KindSequence, s.Name)}}
		}
	}
	return nil
}

// orderSequences sorts sequences so that children come before the
// sequences that run them, keeping configuration order otherwise.
func orderSequences(objs []*plan.Object, deps map[string][]string) []*plan.Object {
	byAddr := map[string]*plan.Object{}
	for _, o := range objs {
		byAddr[o.Address] = o
	}
	done := map[string]bool{}
	var out []*plan.Object
	var visit func(o *plan.Object)
	visit = func(o *plan.Object) {
		if done[o.Address] {
			return
		}
		done[o.Address] = true
		for _, d := range deps[o.Address] {
			if x := byAddr[d]; x != nil {
				visit(x)
			}
		}
		out = append(out, o)
	}
	for _, o := range objs {
		visit(o)
	}
	return out
}

func planPackage(st *State, cp *config.Package) (*item, error) {
	d := desired.PackageOf(cp)
	kind := plan.Kind(cp.Type)
	obj := &plan.Object{Address: address(kind, cp.Name), Kind: kind, Name: cp.Name}
	it := &item{obj: obj, pkg: d}
	in, err := st.Find(d.Class, cp.Name)
	if err != nil {
		return nil, err
	}
	keys := sortedKeys(d.Props)
	if in == nil {
		obj.Action = plan.Create
		for _, k := range keys {
			if v := d.Props[k]; v != "" {
				obj.Changes = append(obj.Changes, plan.Change{Field: k, After: v, HasAfter: true})
			}
		}
		for _, pr := range d.Programs {
			obj.Changes = append(obj.Changes, plan.Change{Field: "program " + strconv.Quote(pr.Name), After: pr.Props["CommandLine"], HasAfter: true})
		}
		it.changedProgs = d.Programs
		return it, nil
	}
	it.site = in
	obj.ID = in.String("PackageID")
	obj.Version = in.String("SedoObjectVersion")
	for _, k := range keys {
		change(&obj.Changes, k, in.String(k), true, d.Props[k], true)
	}
	for _, pr := range d.Programs {
		sp := st.Program(obj.ID, pr.Name)
		if sp == nil {
			obj.Changes = append(obj.Changes, plan.Change{Field: "program " + strconv.Quote(pr.Name), After: pr.Props["CommandLine"], HasAfter: true})
			it.changedProgs = append(it.changedProgs, pr)
			continue
		}
		n := len(obj.Changes)
		for _, k := range sortedKeys(pr.Props) {
			change(&obj.Changes, "program "+strconv.Quote(pr.Name)+" "+k, sp.String(k), true, pr.Props[k], true)
		}
		if len(obj.Changes) > n {
			it.changedProgs = append(it.changedProgs, pr)
		}
	}
	if len(obj.Changes) > 0 {
		obj.Action = plan.Update
	}
	return it, nil
}

func planSequence(st *State, r desired.Resolver, cs *config.Sequence) (*item, diag.List) {
	var ds diag.List
	obj := &plan.Object{Address: address(plan.KindSequence, cs.Name), Kind: plan.KindSequence, Name: cs.Name}
	it := &item{obj: obj, seq: cs}
	bootID := ""
	if cs.BootImage != "" {
		id, err := r.ID(desired.RefBootImage, cs.BootImage)
		if err != nil {
			ds.AddErr(cs.BootPos, err)
		}
		bootID = id
	}
	b := &desired.Builder{R: r}
	want, bds := b.Sequence(cs)
	ds = append(ds, bds...)
	in, err := st.Find(ClassTaskSequencePackage, cs.Name)
	if err != nil {
		ds.AddErr(cs.Pos, err)
	}
	if ds.HasErrors() {
		return nil, ds
	}
	tsxml.Normalize(want, st.child)
	props := desired.SequenceProps(cs, bootID)
	if in == nil {
		obj.Action = plan.Create
		steps, _, _ := want.Counts()
		obj.StepCount = steps
		for _, k := range sortedKeys(props) {
			if v := props[k]; v != "" && !(k == "Duration" && v == "0") {
				obj.Changes = append(obj.Changes, plan.Change{Field: k, After: v, HasAfter: true})
			}
		}
		return it, ds
	}
	it.site = st.Sequences[in.String("PackageID")]
	obj.ID = in.String("PackageID")
	obj.Version = it.site.String("SedoObjectVersion")
	for _, k := range sortedKeys(props) {
		change(&obj.Changes, k, it.site.String(k), true, props[k], true)
	}
	have := st.Parsed[obj.ID].Clone()
	tsxml.Normalize(have, st.child)
	hc, wc := tsxml.Comparable(have), tsxml.Comparable(want)
	obj.Steps = DiffSteps(hc.Steps, wc.Steps)
	if g1, g2 := varsString(hc.GlobalVars), varsString(wc.GlobalVars); g1 != g2 {
		obj.Changes = append(obj.Changes, plan.Change{Field: "globalVarList", Before: g1, After: g2, HasBefore: true, HasAfter: true})
		it.stepsChanged = true
	}
	if hc.Version != wc.Version {
		obj.Changes = append(obj.Changes, plan.Change{Field: "version", Before: hc.Version, After: wc.Version, HasBefore: true, HasAfter: true})
		it.stepsChanged = true
	}
	if len(obj.Steps) > 0 {
		it.stepsChanged = true
	}
	if len(obj.Changes) > 0 || it.stepsChanged {
		obj.Action = plan.Update
	}
	return it, ds
}

func varsString(vs []tsxml.Variable) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, v.Name+"="+v.Value)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// String describes a planned object for messages.
func (it *item) String() string { return fmt.Sprintf("%s %q", it.obj.Kind, it.obj.Name) }
