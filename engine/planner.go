package engine

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// Planned is a plan together with what apply needs to execute it.
type Planned struct {
	Plan   *plan.Plan
	State  *State
	Config *config.Config
	items  map[string]*item
	refs   *refIndex // what sequences on the site reference, for deletions
	// siteChildSize is the stored size of each child sequence that the
	// configuration runs but does not declare, by PackageID (read by
	// lintDangling).
	siteChildSize map[string]int
}

// item links a plan object to its configuration and site objects.
type item struct {
	obj          *plan.Object
	pkg          *desired.Package
	seq          *config.Sequence
	site         *provider.Instance // nil when the object does not exist
	stepsChanged bool
	changedProgs []desired.Program
	wantRefs     []model.Reference // references the sequence will have
	// What the sequence's steps name, disabled ones included (which a
	// site leaves out of References): once applied (willName) and as the
	// site stores it now (namesNow). Kept only by plans that may delete.
	willName, namesNow []model.Reference
	highImpact         bool   // partitions disks or applies an OS
	size               int    // bytes of the normalised sequence XML
	deletePath         string // object to delete (Delete actions)
}

// SequenceReads is how many provider calls a plan makes at once by default
// while reading the site (the class queries, then the managed sequences):
// each read is a round trip that waits on the site, not on a core.
const SequenceReads = 8

// OwnerMark is the value of ISVString on the objects tsctl creates for a
// configuration without an owner. It is how --prune knows an object is
// tsctl's to delete: administrators do not edit ISVString (the console does
// not show it), and the SMS Provider keeps it.
const OwnerMark = "tsctl:managed"

// ownerMark is the ISVString of the objects cfg creates and may prune:
// OwnerMark, scoped to the configuration's owner when it names one.
func ownerMark(cfg *config.Config) string {
	if cfg == nil || cfg.Owner == "" {
		return OwnerMark
	}
	return OwnerMark + ":" + cfg.Owner
}

// trackingResolver records which declared objects a build referenced.
type trackingResolver struct {
	*resolver
	used map[refKey]bool
}

func (t *trackingResolver) ID(kind object.Kind, name string) (string, error) {
	if kind == object.Content {
		found, id, err := t.content(name)
		if k := (refKey{found, strings.ToLower(name)}); err == nil && t.declared[k] {
			t.used[k] = true
		}
		return id, err
	}
	k := refKey{kind, strings.ToLower(name)}
	if t.declared[k] {
		t.used[k] = true
	}
	return t.resolver.ID(kind, name)
}

func address(kind object.Kind, name string) string { return kind.String() + "." + name }

// PlanOptions tune planning.
type PlanOptions struct {
	Target         string   // the site URL, for messages and the plan
	Prune          bool     // plan deletion of owned objects the configuration no longer holds
	Targets        []string // plan only these objects (by name) and what they depend on
	ReplaceSecrets bool     // push secrets again even when nothing else changed
	// State, when set, is what ReadState read from this same site earlier
	// (while the configuration loaded); the plan then does not read the
	// classes again.
	State *State
	// Reads bounds the provider calls in flight while planning (0:
	// SequenceReads).
	Reads int
	// AllowEmptyPrune lets Prune delete every owned object when the
	// configuration declares nothing (otherwise *EmptyPruneError).
	AllowEmptyPrune bool
}

func (o PlanOptions) reads() int {
	if o.Reads > 0 {
		return o.Reads
	}
	return SequenceReads
}

// MakePlan reads the site and plans the changes that bring it to cfg.
// Problems with the configuration against this site (unknown references,
// ambiguous names) come back as diagnostics; a failure to read the site as
// an error.
func MakePlan(ctx context.Context, site provider.Site, cfg *config.Config, opts PlanOptions) (*Planned, diag.List, error) {
	target := opts.Target
	var ds diag.List
	if cfg.Site != "" && !strings.EqualFold(cfg.Site, site.Code()) {
		ds.AddHint(cfg.SitePos, "point --site at site "+cfg.Site+", or change `site:`", "the configuration is for site %s, but %s is site %s", cfg.Site, target, site.Code())
		return nil, ds, nil
	}
	st := opts.State
	if st == nil || st.Site != site {
		var err error
		if st, err = ReadState(ctx, site, opts.Reads); err != nil {
			return nil, nil, err
		}
	}
	r := newResolver(st, cfg, nil)
	p := &Planned{Plan: &plan.Plan{Site: site.Code(), Target: target}, State: st, Config: cfg, items: map[string]*item{}, refs: newRefIndex()}
	var pkgObjs, seqObjs []*plan.Object
	var deletes []*item
	for _, cp := range cfg.Packages {
		if cp.Absent {
			in, err := st.Find(cp.Type.Class(), cp.Name)
			if err != nil {
				ds.AddErr(cp.Pos, managedNameHint(err))
			} else if in != nil {
				deletes = append(deletes, deleteItem(cp.Type, in, "absent"))
			}
			continue
		}
		it, err := planPackage(st, cp)
		if err != nil {
			ds.AddErr(cp.Pos, err)
			continue
		}
		p.items[it.obj.Address] = it
		pkgObjs = append(pkgObjs, it.obj)
	}
	deps := map[string][]string{}
	planned, err := p.planSequences(ctx, st, r, cfg, opts, opts.Prune || declaresAbsent(cfg))
	if err != nil {
		return nil, nil, err
	}
	for i, cs := range cfg.Sequences {
		if cs.Absent {
			in, err := st.Find(object.ClassTaskSequencePackage, cs.Name)
			if err != nil {
				ds.AddErr(cs.Pos, managedNameHint(err))
			} else if in != nil {
				deletes = append(deletes, deleteItem(object.Sequence, in, "absent"))
			}
			continue
		}
		tr, it, sds := planned[i].tr, planned[i].it, planned[i].ds
		ds = append(ds, sds...)
		if it == nil {
			continue
		}
		for k := range tr.used {
			kind := k.kind
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
	ds = append(ds, config.Lint(cfg)...)
	for _, o := range seqObjs {
		it := p.items[o.Address]
		if (o.Action == plan.Create || it.stepsChanged) && it.highImpact && !it.seq.Ignores(config.LintHighImpact, nil) {
			ds.Warn(it.seq.Pos, config.LintHighImpact, "deploy it to a test collection first",
				"sequence %q partitions disks or applies an operating system and is changing: high impact", it.seq.Name)
		}
		if it.size > model.MaxStoredBytes {
			ds.AddHint(it.seq.Pos, "split it into child sequences run with runTaskSequence", "[%s] sequence %q is %d bytes; a site stores at most %d", config.LintTooLarge, it.seq.Name, it.size, model.MaxStoredBytes)
		}
	}
	if err := p.lintDangling(ctx, &ds); err != nil {
		return nil, nil, err
	}
	p.lintOnSite(cfg, seqObjs, &ds)
	ds.Sort()
	if ds.HasErrors() {
		return nil, ds, nil
	}
	if !opts.Prune && len(opts.Targets) == 0 {
		for _, it := range pruneItems(st, cfg) {
			o := it.obj
			p.Plan.NotInConfiguration = append(p.Plan.NotInConfiguration, plan.Outside{Address: o.Address, Kind: o.Kind, Name: o.Name, ID: o.ID})
		}
	}
	if opts.Prune {
		deletes = append(deletes, pruneItems(st, cfg)...)
		if declaresNothing(cfg) && !opts.AllowEmptyPrune {
			return nil, ds, &EmptyPruneError{Site: site.Code(), Deletes: len(deletes), Files: len(cfg.Files)}
		}
	}
	if len(deletes) > 0 {
		if err := p.checkDeletes(ctx, deletes, opts.reads(), &ds); err != nil {
			return nil, nil, err
		}
		if ds.HasErrors() {
			return nil, ds, nil
		}
		if err := p.describeDeletes(ctx, deletes, opts.reads()); err != nil {
			return nil, nil, err
		}
	}
	p.Plan.Objects = append(pkgObjs, orderSequences(seqObjs, deps)...)
	for _, it := range orderDeletes(deletes) {
		p.items[it.obj.Address] = it
		p.Plan.Objects = append(p.Plan.Objects, it.obj)
	}
	if len(opts.Targets) > 0 {
		if err := p.narrow(opts.Targets, &ds); err != nil || ds.HasErrors() {
			return nil, ds, err
		}
	}
	p.Plan.Finish()
	return p, ds, nil
}

// narrow keeps the named objects and everything they depend on.
func (p *Planned) narrow(targets []string, ds *diag.List) error {
	keep := map[string]bool{}
	byAddr := map[string]*plan.Object{}
	for _, o := range p.Plan.Objects {
		byAddr[o.Address] = o
	}
	var add func(o *plan.Object)
	add = func(o *plan.Object) {
		if keep[o.Address] {
			return
		}
		keep[o.Address] = true
		for _, d := range o.DependsOn {
			if x := byAddr[d]; x != nil {
				add(x)
			}
		}
	}
	for _, t := range targets {
		found := false
		for _, o := range p.Plan.Objects {
			if strings.EqualFold(o.Name, t) {
				add(o)
				found = true
			}
		}
		if !found {
			ds.Add(diag.Pos{}, "--target %q: no such object in the plan", t)
		}
	}
	var out []*plan.Object
	for _, o := range p.Plan.Objects {
		if keep[o.Address] {
			out = append(out, o)
		}
	}
	p.Plan.Objects = out
	p.Plan.Partial = true
	return nil
}

// seqObjFor returns a placeholder object for a declared sequence so that
// dependencies on it are recorded by address.
func seqObjFor(cfg *config.Config, k refKey) []*plan.Object {
	if k.kind != object.Sequence {
		return nil
	}
	for _, s := range cfg.Sequences {
		if strings.EqualFold(s.Name, k.name) {
			return []*plan.Object{{Kind: object.Sequence, Name: s.Name, Address: address(object.Sequence, s.Name)}}
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
	kind := cp.Type
	obj := &plan.Object{Address: address(kind, cp.Name), Kind: kind, Name: cp.Name}
	it := &item{obj: obj, pkg: d}
	in, err := st.Find(d.Class, cp.Name)
	if err != nil {
		return nil, managedNameHint(err)
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
			if pr.DynamicInstall != nil && *pr.DynamicInstall {
				pr.Props["ProgramFlags"] = strconv.FormatInt(desired.DefaultProgramFlags|config.ProgramFlagDynamicInstall, 10)
				obj.Changes = append(obj.Changes, plan.Change{Field: "program " + strconv.Quote(pr.Name) + " installFromTaskSequence", After: "true", HasAfter: true})
			}
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
			if pr.DynamicInstall != nil && *pr.DynamicInstall {
				pr.Props["ProgramFlags"] = strconv.FormatInt(desired.DefaultProgramFlags|config.ProgramFlagDynamicInstall, 10)
				obj.Changes = append(obj.Changes, plan.Change{Field: "program " + strconv.Quote(pr.Name) + " installFromTaskSequence", After: "true", HasAfter: true})
			}
			it.changedProgs = append(it.changedProgs, pr)
			continue
		}
		n := len(obj.Changes)
		for _, k := range sortedKeys(pr.Props) {
			change(&obj.Changes, "program "+strconv.Quote(pr.Name)+" "+k, sp.String(k), true, pr.Props[k], true)
		}
		if pr.DynamicInstall != nil {
			// Only bit 0 is tsctl's: the rest of the site's flags stay.
			have := sp.Int("ProgramFlags")
			want := have &^ config.ProgramFlagDynamicInstall
			if *pr.DynamicInstall {
				want |= config.ProgramFlagDynamicInstall
			}
			if want != have {
				pr.Props["ProgramFlags"] = strconv.FormatInt(want, 10)
				obj.Changes = append(obj.Changes, plan.Change{Field: "program " + strconv.Quote(pr.Name) + " installFromTaskSequence",
					Before: strconv.FormatBool(have&config.ProgramFlagDynamicInstall != 0), After: strconv.FormatBool(*pr.DynamicInstall), HasBefore: true, HasAfter: true})
			}
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

// bootImageID resolves a sequence's boot image, given by name or by
// PackageID; "" when it has none.
func bootImageID(r desired.Resolver, cs *config.Sequence) (string, error) {
	switch {
	case cs.BootImage == "":
		return "", nil
	case cs.BootImageByID:
		return cs.BootImage, r.CheckID(object.BootImage, cs.BootImage)
	}
	return r.ID(object.BootImage, cs.BootImage)
}

// planSequence plans one declared sequence against full, its site object
// read with Get (nil when it does not exist). named keeps what its steps
// name, for the checks of a plan that may delete.
func planSequence(st *State, r desired.Resolver, cs *config.Sequence, full *provider.Instance, replaceSecrets, named bool) (*item, diag.List) {
	var ds diag.List
	obj := &plan.Object{Address: address(object.Sequence, cs.Name), Kind: object.Sequence, Name: cs.Name}
	it := &item{obj: obj, seq: cs}
	bootID, err := bootImageID(r, cs)
	if err != nil {
		ds.AddErr(cs.BootPos, err)
	}
	b := &desired.Builder{R: r}
	want, bds := b.Sequence(cs)
	ds = append(ds, bds...)
	if _, err := st.Find(object.ClassTaskSequencePackage, cs.Name); err != nil {
		ds.AddErr(cs.Pos, managedNameHint(err))
	}
	if ds.HasErrors() {
		return nil, ds
	}
	model.Derive(want, st.child)
	it.wantRefs = want.References
	if named {
		it.willName = model.NamedReferences(want)
	}
	it.highImpact = model.IsHighImpact(want)
	props := desired.SequenceProps(cs, bootID)
	if full == nil {
		obj.Action = plan.Create
		it.size = model.Size(want)
		steps, _, _ := want.Counts()
		obj.StepCount = steps
		obj.Tree = stepTree(model.Comparable(want).Steps, cs.Steps, plan.Create, st.NameOf)
		for _, k := range sortedKeys(props) {
			if v := props[k]; v != "" && !(k == "Duration" && v == "0") {
				if k == "BootImageID" {
					v = nameRefs(v, nil, st.NameOf)
				}
				obj.Changes = append(obj.Changes, plan.Change{Field: k, After: v, HasAfter: true})
			}
		}
		return it, ds
	}
	it.site = full
	obj.ID = full.String("PackageID")
	obj.Version = it.site.String("SedoObjectVersion")
	for _, k := range sortedKeys(props) {
		change(&obj.Changes, k, it.site.String(k), true, props[k], true)
	}
	// Fast path: a site that stores exactly what tsctl would save — or a
	// site's normal form of it — holds the same sequence; no need to parse
	// and diff.
	stored := it.site.String("Sequence")
	same, n := model.Stores(want, stored)
	var wantN *model.Sequence
	if !same {
		wantN = want.Clone()
		model.Normalize(wantN, st.child)
		same, n = model.Stores(wantN, stored)
	}
	if same {
		it.size = n
		if named { // the site stores what the configuration says
			it.namesNow = it.willName
			if wantN != nil {
				it.namesNow = model.NamedReferences(wantN)
			}
		}
		if replaceSecrets && pushesSecrets(cs) {
			obj.Changes = append(obj.Changes, plan.Change{Field: "secrets", HasBefore: true, HasAfter: true, Sensitive: true})
			it.stepsChanged = true
		}
		if len(obj.Changes) > 0 {
			obj.Action = plan.Update
		}
		return it, ds
	}
	have, err := st.Parse(it.site)
	if err != nil {
		ds.AddErr(cs.Pos, err)
		return nil, ds
	}
	if named {
		it.namesNow = model.NamedReferences(have)
	}
	model.Normalize(have, st.child)
	hc, wc := model.Comparable(have), model.Comparable(wantN)
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
	if replaceSecrets && pushesSecrets(cs) {
		obj.Changes = append(obj.Changes, plan.Change{Field: "secrets", HasBefore: true, HasAfter: true, Sensitive: true})
		it.stepsChanged = true
	}
	if len(obj.Changes) > 0 || it.stepsChanged {
		obj.Action = plan.Update
	}
	if it.stepsChanged {
		it.size = model.Size(want)
	}
	return it, ds
}

func varsString(vs []model.Variable) string {
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

// pushesSecrets reports whether a sequence sets a secret read from a
// source, which --replace-secrets pushes again; a secret declared blank
// ({empty: true}) is nothing to rotate. Every secret a configuration sets
// has a source: an inline one is refused when it loads.
func pushesSecrets(cs *config.Sequence) bool {
	for _, s := range cs.Secrets() {
		if !s.Empty {
			return true
		}
	}
	return false
}

// lintDangling warns about child sequences the configuration runs but does
// not manage whose references are missing on the site (TaskSequenceFlags
// bit 0): one lazy read per such child.
func (p *Planned) lintDangling(ctx context.Context, ds *diag.List) error {
	managed := map[string]bool{}
	for _, it := range p.items {
		if it.seq != nil && it.site != nil {
			managed[it.site.String("PackageID")] = true
		}
	}
	checked := map[string]bool{}
	for _, it := range p.items {
		if it.seq == nil {
			continue
		}
		for _, r := range it.wantRefs {
			if r.Program != "*" || managed[r.Package] || checked[r.Package] || r.Package == desired.Pending {
				continue
			}
			checked[r.Package] = true
			in, err := p.State.Site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", r.Package))
			if provider.IsKind(err, provider.KindNotFound) {
				// gone since the site was read, or never there: the site
				// refuses the save, which names it; the plan says so first
				ds.Warn(it.seq.Pos, config.LintDangling, "create the child sequence, or run another one",
					"sequence %q runs the task sequence %s, which is not on the site", it.seq.Name, r.Package)
				continue
			}
			if err != nil {
				return fmt.Errorf("read child sequence %s: %w", r.Package, err)
			}
			if p.siteChildSize == nil {
				p.siteChildSize = map[string]int{}
			}
			p.siteChildSize[strings.ToUpper(r.Package)] = len(in.String("Sequence"))
			if in.Int("TaskSequenceFlags")&1 != 0 && !it.seq.Ignores(config.LintDangling, nil) {
				ds.Warn(it.seq.Pos, config.LintDangling, "fix the child sequence on the site, or manage it with tsctl",
					"sequence %q runs %q (%s), which references objects missing on the site", it.seq.Name, in.String("Name"), r.Package)
			}
		}
	}
	return nil
}

type sequencePlan struct {
	tr *trackingResolver
	it *item
	ds diag.List
}

// planSequences plans every sequence on all cores, children before the
// sequences that run them. Each managed sequence that exists is read from
// the site (one Get, with its lazy Sequence) just before it is planned, and
// its Sequence text is dropped once it is compared, unless apply needs it.
func (p *Planned) planSequences(ctx context.Context, st *State, r *resolver, cfg *config.Config, opts PlanOptions, named bool) ([]sequencePlan, error) {
	n := len(cfg.Sequences)
	out := make([]sequencePlan, n)
	index := map[string]int{}
	for i, cs := range cfg.Sequences {
		index[strings.ToLower(cs.Name)] = i
	}
	done := make([]chan struct{}, n)
	for i := range done {
		done[i] = make(chan struct{})
	}
	errs := make([]error, n)
	// Reading a sequence waits on the site; planning it uses a core. Up to
	// opts.Reads reads are in flight while the cores plan, and a read
	// sequence holds its read slot until a core takes it, so at most
	// that many sequences wait in memory to be planned.
	reads := make(chan struct{}, opts.reads())
	cpus := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, cs := range cfg.Sequences {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			if cs.Absent {
				return
			}
			for _, d := range cs.Dependencies() {
				if j, ok := index[strings.ToLower(d)]; ok && j != i {
					<-done[j]
				}
			}
			reads <- struct{}{}
			var full *provider.Instance
			if in, err := st.Find(object.ClassTaskSequencePackage, cs.Name); err == nil && in != nil {
				id := in.String("PackageID")
				if full, err = st.Site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id)); err != nil {
					<-reads
					errs[i] = fmt.Errorf("read sequence %s: %w", id, err)
					return
				}
			}
			cpus <- struct{}{}
			<-reads
			defer func() { <-cpus }()
			tr := &trackingResolver{resolver: r, used: map[refKey]bool{}}
			it, ds := planSequence(st, tr, cs, full, opts.ReplaceSecrets, named)
			if full != nil {
				keep := full // read by this worker alone; trimmed in place
				if it == nil || !it.stepsChanged {
					delete(keep.Props, "Sequence")
				}
				if it != nil {
					it.site = keep
				}
				st.setSequence(full.String("PackageID"), keep)
			}
			out[i] = sequencePlan{tr, it, ds}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
