package engine

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/diff"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/internal/sitestate"
	"github.com/tsctl/tsctl/provider"
)

// planned are the declared objects planning has compared with the site.
type planned struct {
	packages  []*plan.Object
	sequences []*plan.Object      // in configuration order
	deps      map[string][]string // the addresses each sequence depends on
	// used are what each sequence references of what the configuration
	// declares, by address.
	used     map[string][]resolve.Ref
	resolver *resolve.Resolver
}

// planObjects plans every object the configuration declares against the
// site, and finds those it declares absent (to delete). Diagnostics are in
// configuration order: packages, then sequences.
func (p *Planned) planObjects(ctx context.Context, opts PlanOptions) (planned, []*entry, diag.List, error) {
	st, cfg := p.State, p.Config
	var out planned
	var ds diag.List
	var absent []*entry
	r := resolve.New(st, cfg, nil)
	out.resolver = r
	for _, cp := range cfg.Packages {
		if cp.Absent {
			in, err := st.Find(cp.Type.Class(), cp.Name)
			if err != nil {
				ds.AddErr(cp.Pos, sitestate.ManagedNameHint(err))
			} else if in != nil {
				absent = append(absent, deleteEntry(cp.Type, in, "absent"))
			}
			continue
		}
		e, err := planPackage(ctx, st, r, cp)
		if err != nil {
			ds.AddErr(cp.Pos, err)
			continue
		}
		for _, pr := range cp.Programs {
			if err := checkRunFirst(st, cfg, r, pr.RunFirst); err != nil {
				ds.AddErr(cp.Pos, fmt.Errorf("program %q: %w", pr.Name, err))
			}
		}
		p.entries[e.obj.Address] = e
		out.packages = append(out.packages, e.obj)
	}
	seqs, err := p.planSequences(ctx, r, opts, opts.Prune || declaresAbsent(cfg))
	if err != nil {
		return planned{}, nil, nil, err
	}
	out.deps = map[string][]string{}
	out.used = map[string][]resolve.Ref{}
	for i, cs := range cfg.Sequences {
		if cs.Absent {
			in, err := st.Find(object.ClassTaskSequencePackage, cs.Name)
			if err != nil {
				ds.AddErr(cs.Pos, sitestate.ManagedNameHint(err))
			} else if in != nil {
				absent = append(absent, deleteEntry(object.Sequence, in, "absent"))
			}
			continue
		}
		sp := seqs[i]
		ds = append(ds, sp.ds...)
		if sp.e == nil {
			continue
		}
		o := sp.e.obj
		for _, ref := range sp.used {
			for _, x := range append(append([]*plan.Object{}, out.packages...), seqObjFor(cfg, ref)...) {
				if x.Kind == ref.Kind && strings.EqualFold(x.Name, ref.Name) {
					o.DependsOn = append(o.DependsOn, x.Address)
				}
			}
		}
		sort.Strings(o.DependsOn)
		out.deps[o.Address] = o.DependsOn
		out.used[o.Address] = sp.used
		p.entries[o.Address] = sp.e
		out.sequences = append(out.sequences, o)
	}
	return out, absent, ds, nil
}

// seqObjFor returns a placeholder object for a declared sequence so that
// dependencies on it are recorded by address.
func seqObjFor(cfg *config.Config, ref resolve.Ref) []*plan.Object {
	if ref.Kind != object.Sequence {
		return nil
	}
	for _, s := range cfg.Sequences {
		if strings.EqualFold(s.Name, ref.Name) {
			return []*plan.Object{{Kind: object.Sequence, Name: s.Name, Address: address(object.Sequence, s.Name)}}
		}
	}
	return nil
}

// programChange is the change a plan shows for a program's command line.
func programChange(name, commandLine string) plan.Change {
	return plan.Change{Field: "program " + strconv.Quote(name), After: commandLine, HasAfter: true}
}

// programWrite is a program apply saves: its properties, the settings
// the configuration gives it (with the names they give resolved by the
// apply's resolver: a runFirst package created by this apply), and the
// program as the site holds it (nil for a new one).
type programWrite struct {
	pr       desired.Program
	settings func(desired.Resolver) []wanted
	site     *provider.Instance
}

// writeOf is how apply saves program cpr of a package.
func writeOf(pr desired.Program, cpr *config.Program) programWrite {
	return programWrite{pr: pr, settings: func(r desired.Resolver) []wanted { return programSettings(cpr, r) }}
}

// newProgram plans a program the site does not have: created with the
// class's default flags (Microsoft's: EVERYUSER, USEUNCPATH, USERCONTEXT,
// UNATTENDED) changed by the settings the configuration gives it.
func newProgram(obj *plan.Object, pr desired.Program, settings []wanted) {
	obj.Changes = append(obj.Changes, programChange(pr.Name, pr.Props["CommandLine"]))
	var shown []wanted
	for _, w := range settings {
		if w.name == "installFromTaskSequence" && w.value == "false" {
			continue // what a new program is
		}
		shown = append(shown, w)
	}
	listed(shown, "program "+strconv.Quote(pr.Name)+" ", &obj.Changes)
}

// planPackage plans a declared package against the site: created, its
// changed properties and programs updated, or left alone. A program whose
// platforms the configuration names is read with Get (its lazy
// SupportedOperatingSystems).
func planPackage(ctx context.Context, st *State, r *resolve.Resolver, cp *config.Package) (*entry, error) {
	d := desired.PackageOf(cp)
	obj := &plan.Object{Address: address(cp.Type, cp.Name), Kind: cp.Type, Name: cp.Name}
	e := &entry{obj: obj}
	in, err := st.Find(d.Class, cp.Name)
	if err != nil {
		return nil, sitestate.ManagedNameHint(err)
	}
	keys := sortedKeys(d.Props)
	if in == nil {
		obj.Action = plan.Create
		for _, k := range keys {
			if v := d.Props[k]; v != "" {
				obj.Changes = append(obj.Changes, plan.Change{Field: k, After: v, HasAfter: true})
			}
		}
		var progs []programWrite
		for i, pr := range d.Programs {
			w := writeOf(pr, &cp.Programs[i])
			newProgram(obj, pr, w.settings(r))
			progs = append(progs, w)
		}
		e.change = &createPackage{obj: obj, pkg: d, programs: progs}
		return e, nil
	}
	e.site = in
	obj.ID = in.String("PackageID")
	obj.Version = in.String("SedoObjectVersion")
	for _, k := range keys {
		diff.Field(&obj.Changes, k, in.String(k), true, d.Props[k], true)
	}
	if in.String("PkgSourcePath") != d.Props["PkgSourcePath"] {
		obj.Notes = append(obj.Notes, fmt.Sprintf("its source changes: distribution points keep the content they hold until tsctl apply --redistribute %q sends the new content (never implicit)", cp.Name))
	}
	var changed []programWrite
	for i, pr := range d.Programs {
		cpr := &cp.Programs[i]
		w := writeOf(pr, cpr)
		sp := st.Program(obj.ID, pr.Name)
		if sp == nil {
			newProgram(obj, pr, w.settings(r))
			changed = append(changed, w)
			continue
		}
		if cpr.Platforms != nil {
			full, err := st.Site.Get(ctx, provider.Path(object.ClassProgram, "PackageID", obj.ID, "ProgramName", sp.String("ProgramName")))
			if err != nil {
				return nil, fmt.Errorf("read program %q of %s: %w", pr.Name, obj.ID, err)
			}
			sp = full
		}
		w.site = sp
		n := len(obj.Changes)
		for _, k := range sortedKeys(pr.Props) {
			diff.Field(&obj.Changes, "program "+strconv.Quote(pr.Name)+" "+k, sp.String(k), true, pr.Props[k], true)
		}
		// Only the bits of the settings given are tsctl's: the rest of the
		// site's flags stay.
		compare(sp, w.settings(r), "program "+strconv.Quote(pr.Name)+" ", &obj.Changes)
		if len(obj.Changes) > n {
			changed = append(changed, w)
		}
	}
	if len(obj.Changes) > 0 {
		obj.Action = plan.Update
		e.change = &updatePackage{obj: obj, pkg: d, site: in, programs: changed}
	}
	return e, nil
}

// sequencePlan is one declared sequence planned: its entry (nil when it
// cannot be planned), what it references of what the configuration
// declares, and the diagnostics.
type sequencePlan struct {
	e    *entry
	used []resolve.Ref
	ds   diag.List
}

// planSequences plans every sequence on all cores, children before the
// sequences that run them. Each managed sequence that exists is read from
// the site (one Get, with its lazy Sequence) just before it is planned, and
// its Sequence text is dropped once it is compared, unless apply needs it.
// named keeps what each sequence's steps name, for the checks of a plan
// that may delete.
func (p *Planned) planSequences(ctx context.Context, r *resolve.Resolver, opts PlanOptions, named bool) ([]sequencePlan, error) {
	st, cfg := p.State, p.Config
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
			tr := r.Track()
			var read *sitestate.SequenceRead
			if full != nil {
				read = st.ReadOf(full)
			}
			e, ds := p.planSequence(tr, cs, full, read, opts, named)
			if full != nil {
				// Keep only what the rest of the plan reads: the compact
				// References, and the instance itself only when apply
				// changes the sequence (its Sequence only when apply saves
				// the steps).
				st.SetSequence(read.ID, read)
				if e != nil {
					e.read = read
					if slices.Equal(e.wantRefs, read.Refs) {
						e.wantRefs = read.Refs // what the site says it references: one list for both
					}
					switch {
					case e.change == nil:
						e.site = read.Listing()
					case !e.writesSteps():
						delete(full.Props, "Sequence") // read by this worker alone
					}
				}
			}
			out[i] = sequencePlan{e, tr.Used(), ds}
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

// planSequence plans one declared sequence against full, its site object
// read with Get (nil when it does not exist), of which planning keeps read.
// named keeps what its steps name, for the checks of a plan that may
// delete. With a memo (PlanOptions.Memo), a sequence found before to be
// what the site stores, and whose build would ask and get the same, is not
// built again (see memo.go).
func (p *Planned) planSequence(r *resolve.Tracker, cs *config.Sequence, full *provider.Instance, read *sitestate.SequenceRead, opts PlanOptions, named bool) (*entry, diag.List) {
	st := p.State
	var ds diag.List
	obj := &plan.Object{Address: address(object.Sequence, cs.Name), Kind: object.Sequence, Name: cs.Name}
	e := &entry{obj: obj, seq: cs}
	bootID, err := bootImageID(r, cs)
	if err != nil {
		ds.AddErr(cs.BootPos, err)
	}
	if _, err := st.Find(object.ClassTaskSequencePackage, cs.Name); err != nil {
		ds.AddErr(cs.Pos, sitestate.ManagedNameHint(err))
	}
	if err := checkRunFirst(st, p.Config, r, cs.Package.RunFirst); err != nil {
		ds.AddErr(cs.Package.RunFirstPos, err)
		return nil, ds
	}
	var key []byte
	if full != nil && opts.Memo != nil && !ds.HasErrors() {
		key = fingerprint(cs, opts.ReplaceSecrets)
		if p.fromMemo(e, r, key, full, read, named) {
			p.memoHits.Add(1)
			return p.finishSequence(e, r, cs, full, bootID, false, opts.ReplaceSecrets), ds
		}
		p.memoMisses.Add(1)
	}
	var rec *buildRecorder
	var res desired.Resolver = r
	child := st.Child
	if key != nil {
		rec = newRecorder(r, st.Child)
		res, child = rec, rec.Child
	}
	b := &desired.Builder{R: res}
	cfgSteps := cs.Steps() // decoded once, for the build and a created sequence's tree
	want, bds := b.SequenceOf(cs, cfgSteps)
	ds = append(ds, bds...)
	if ds.HasErrors() {
		return nil, ds
	}
	model.Derive(want, child)
	e.wantRefs = want.References
	if named || rec != nil {
		e.willName = model.NamedReferences(want)
	}
	e.highImpact = model.IsHighImpact(want)
	e.osDeployment = model.IsOSDeployment(want)
	if full == nil {
		props := desired.SequenceProps(cs, bootID)
		obj.Action = plan.Create
		e.size = model.Size(want)
		steps, _, _ := want.Counts()
		obj.StepCount = steps
		// want is not used after this (apply builds the sequence
		// again, with the IDs of what it creates first)
		obj.Tree = diff.Tree(model.MakeComparable(want).Steps, cfgSteps, plan.Create, st.NameOf)
		for _, k := range sortedKeys(props) {
			if v := props[k]; v != "" && !(k == "Duration" && v == "0") {
				if k == "BootImageID" {
					v = diff.NameRefs(v, nil, st.NameOf)
				}
				obj.Changes = append(obj.Changes, plan.Change{Field: k, After: v, HasAfter: true})
			}
		}
		listed(sequenceSettings(cs, r), "", &obj.Changes)
		e.change = &createSequence{obj: obj, seq: cs}
		return e, ds
	}
	stepsChanged := false
	// Fast path: a site that stores exactly what tsctl would save — or a
	// site's normal form of it — holds the same sequence; no need to parse
	// and diff.
	stored := full.String("Sequence")
	same, n := model.Stores(want, stored)
	var wantN *model.Sequence
	if !same {
		wantN = want.Clone()
		model.Normalize(wantN, child)
		same, n = model.Stores(wantN, stored)
	}
	if same {
		e.size = n
		e.namesNow = e.willName // the site stores what the configuration says
		if wantN != nil {
			e.namesNow = model.NamedReferences(wantN)
		}
	} else {
		have, err := st.Parse(full)
		if err != nil {
			ds.AddErr(cs.Pos, err)
			return nil, ds
		}
		if named || rec != nil {
			e.namesNow = model.NamedReferences(have)
		}
		model.Normalize(have, st.Child)
		hc, wc := model.Comparable(have), model.Comparable(wantN)
		obj.Steps = diff.Steps(hc.Steps, wc.Steps)
		if g1, g2 := varsString(hc.GlobalVars), varsString(wc.GlobalVars); g1 != g2 {
			obj.Changes = append(obj.Changes, plan.Change{Field: "globalVarList", Before: g1, After: g2, HasBefore: true, HasAfter: true})
			stepsChanged = true
		}
		if hc.Version != wc.Version {
			obj.Changes = append(obj.Changes, plan.Change{Field: "version", Before: hc.Version, After: wc.Version, HasBefore: true, HasAfter: true})
			stepsChanged = true
		}
		if len(obj.Steps) > 0 {
			stepsChanged = true
		}
	}
	if !stepsChanged && rec != nil && rec.k.clean && len(ds) == 0 {
		// What the site stores is what the configuration says: remembered
		// for the next plan (the secrets policy is part of the key).
		opts.Memo.Put(key, (&memoEntry{stored: sumOf(stored), answers: rec.k.answer.h.Sum(nil), refs: refsSum(e.wantRefs),
			willName: refsSum(e.willName), namesNow: refsSum(e.namesNow), highImpact: e.highImpact, osDeployment: e.osDeployment, size: e.size, questions: rec.questions}).encode())
	}
	if !named {
		e.willName, e.namesNow = nil, nil
	}
	e = p.finishSequence(e, r, cs, full, bootID, stepsChanged, opts.ReplaceSecrets)
	if stepsChanged && !same {
		e.size = model.Size(want)
	}
	return e, ds
}

// fromMemo fills in e from the memo's entry for key, when the sequence is
// the one recorded: the build would ask the same and get the same answers
// (asked again now through r and the state's child lookups), and the site
// stores the XML recorded. A plan that may delete (named) also needs what
// the steps name: read from the stored XML, which must name what the build
// named.
func (p *Planned) fromMemo(e *entry, r *resolve.Tracker, key []byte, full *provider.Instance, read *sitestate.SequenceRead, named bool) bool {
	m, ok := decodeMemoEntry(p.memo(key))
	if !ok {
		return false
	}
	stored := full.String("Sequence")
	if !bytesEqual(sumOf(stored), m.stored) || !bytesEqual(refsSum(read.Refs), m.refs) {
		return false
	}
	k := &asker{r: r, child: p.State.Child, answer: newAnswers(), clean: true}
	if sum, ok := replay(k, m.questions); !ok || !bytesEqual(sum, m.answers) {
		return false
	}
	if named {
		if !bytesEqual(m.willName, m.namesNow) {
			return false // the build names other objects than the site's form: planned in full
		}
		q, err := p.State.Parse(full)
		if err != nil {
			return false
		}
		names := model.NamedReferences(q)
		if !bytesEqual(refsSum(names), m.namesNow) {
			return false
		}
		e.willName, e.namesNow = names, names
	}
	e.wantRefs, e.highImpact, e.osDeployment, e.size = read.Refs, m.highImpact, m.osDeployment, m.size
	return true
}

func (p *Planned) memo(key []byte) []byte {
	if p.opts.Memo == nil {
		return nil
	}
	return p.opts.Memo.Get(key)
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// finishSequence compares a declared sequence's fields with the site's and
// decides its change: its steps (stepsChanged, or secrets pushed again
// with --replace-secrets), its fields alone, or none.
func (p *Planned) finishSequence(e *entry, r desired.Resolver, cs *config.Sequence, full *provider.Instance, bootID string, stepsChanged, replaceSecrets bool) *entry {
	obj := e.obj
	e.site = full
	obj.ID = full.String("PackageID")
	obj.Version = full.String("SedoObjectVersion")
	var fields []plan.Change
	props := desired.SequenceProps(cs, bootID)
	for _, k := range sortedKeys(props) {
		diff.Field(&fields, k, full.String(k), true, props[k], true)
	}
	compare(full, sequenceSettings(cs, r), "", &fields)
	obj.Changes = append(fields, obj.Changes...) // the fields first, then the steps
	if replaceSecrets && pushesSecrets(cs) {
		obj.Changes = append(obj.Changes, plan.Change{Field: "secrets", HasBefore: true, HasAfter: true, Sensitive: true})
		stepsChanged = true
	}
	switch {
	case stepsChanged:
		obj.Action = plan.Update
		e.change = &updateSequenceSteps{obj: obj, seq: cs, site: full}
	case len(obj.Changes) > 0:
		obj.Action = plan.Update
		e.change = &updateSequenceFields{obj: obj, seq: cs, site: full}
	}
	return e
}

func varsString(vs []model.Variable) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, v.Name+"="+v.Value)
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

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
