package engine

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/internal/sitestate"
	"github.com/tsctl/tsctl/provider"
)

// State is what a plan read from a site (see sitestate).
type State = sitestate.State

// ReadState reads what a plan needs from a site, at most reads queries at
// once (0: SequenceReads); PlanOptions.State takes it, so that a caller
// can read the site while it loads the configuration.
func ReadState(ctx context.Context, site provider.Site, reads int) (*State, error) {
	return sitestate.Read(ctx, site, reads)
}

// Planned is a plan together with what apply needs to execute it.
type Planned struct {
	Plan    *plan.Plan
	State   *State
	Config  *config.Config
	entries map[string]*entry // by address
	refs    *refIndex         // what sequences on the site reference, for deletions
	// children are the child sequences the configuration runs but does not
	// declare, as read from the site by PackageID (nil: not on the site);
	// read by readChildren for the lint.
	children map[string]*provider.Instance
	opts     PlanOptions
	// memoHits and memoMisses count the managed sequences planning found
	// in the memo (not built) and those it looked for there in vain.
	memoHits, memoMisses atomic.Int64
	// The site's deployment verification settings, read once when a
	// deployment needs them (thresholds).
	thresholdsOnce sync.Once
	siteThresholds Thresholds
	thresholdsErr  error
	// content is what apply --wait-distribution waits for: every declared
	// content on every distribution point it should be on.
	content []contentTarget
	// resolver is the last apply's, which knows the IDs it created.
	resolver *resolve.Resolver
	// folders and contentSite are what the plan read of the site's
	// console folders and distribution points (nil: not read).
	folders     *folderTree
	contentSite *contentSite
	// siteReads are the site's sequences the deployment checks read beyond
	// what planning read (upper PackageID → *sitestate.SequenceRead).
	siteReads sync.Map
	// extra are objects of the site the configuration does not declare
	// that the plan changes (--redistribute).
	extra []*plan.Object
}

// MemoHits reports how many managed sequences the plan found unchanged
// from the memo, without building them, and how many it looked for there
// and built (PlanOptions.Memo).
func (p *Planned) MemoHits() (hits, misses int) {
	return int(p.memoHits.Load()), int(p.memoMisses.Load())
}

// entry is what planning knows about one object of the plan: the plan's
// object, what the configuration declares and the site holds, what the
// checks of deletions and the lint need, and the change that apply makes
// (nil when the plan leaves the object alone).
type entry struct {
	obj  *plan.Object
	seq  *config.Sequence   // a declared sequence
	site *provider.Instance // nil when the object does not exist
	// read is what planning kept of a declared sequence it read with Get
	// (nil when it does not exist); site is then that Get's instance when
	// the plan changes the sequence, or only its listing when not.
	read   *sitestate.SequenceRead
	change Change
	// wantRefs are the references the sequence will have.
	wantRefs []model.Reference
	// What the sequence's steps name, disabled ones included (which a
	// site leaves out of References): once applied (willName) and as the
	// site stores it now (namesNow). Kept only by plans that may delete.
	willName, namesNow []model.Reference
	highImpact         bool // partitions disks or applies an OS
	osDeployment       bool // a step makes it an OS deployment sequence (the site's Type 2)
	size               int  // bytes of the normalised sequence XML
	// then is what a package or sequence needs after its own change: a
	// move into its folder, its content distributed.
	then []followUp
}

// writesSteps reports whether the entry's change saves the sequence's
// steps (and so its secrets).
func (e *entry) writesSteps() bool {
	c := e.change
	if a, ok := c.(*amended); ok {
		c = a.base
	}
	switch c.(type) {
	case *createSequence, *updateSequenceSteps:
		return true
	}
	return false
}

// changes lists the change of every object the plan changes, by address.
func (p *Planned) changes() map[string]Change {
	out := map[string]Change{}
	for addr, e := range p.entries {
		if e.change != nil {
			out[addr] = e.change
		}
	}
	return out
}

// SequenceReads is how many provider calls a plan makes at once by default
// while reading the site (the class queries, then the managed sequences):
// each read is a round trip that waits on the site, not on a core.
const SequenceReads = sitestate.DefaultReads

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
	// Memo, when set, remembers across runs the managed sequences found
	// unchanged, so that a later plan need not build them (see memo.go).
	Memo Memo
	// Redistribute names packages whose content apply sends again to the
	// distribution points that hold it (RefreshPkgSource).
	Redistribute []string
	// Lint, when set, is the configuration's lint started earlier
	// (StartLint, while the site was opened and read); the plan then
	// does not lint the configuration again.
	Lint *Lint
}

// Lint is the lint of a configuration (config.Lint) under way.
type Lint struct {
	cfg  *config.Config
	done chan struct{}
	ds   diag.List
}

// StartLint lints cfg on other goroutines: a caller that opens and reads
// a site next (round trips, cores idle) passes it to MakePlan in
// PlanOptions.Lint, which waits for it.
func StartLint(cfg *config.Config) *Lint {
	l := &Lint{cfg: cfg, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.ds = config.Lint(cfg)
	}()
	return l
}

// result waits for the lint of cfg: the one started, or one made now
// when none was started for cfg.
func (l *Lint) result(cfg *config.Config) diag.List {
	if l == nil || l.cfg != cfg {
		return config.Lint(cfg)
	}
	<-l.done
	return slices.Clone(l.ds)
}

func (o PlanOptions) reads() int {
	if o.Reads > 0 {
		return o.Reads
	}
	return SequenceReads
}

// MakePlan plans the changes that bring the site to cfg, in stages:
//
//  1. read the site: one query per class (unless opts.State holds them),
//     then what the configuration needs beyond (readOnDemand: its
//     deployments and collections, folders, distribution points);
//  2. plan each declared package and sequence against it (planObjects),
//     reading each managed sequence that exists; then their folders
//     (planFolders), the deployments (planDeployments, with the high-risk
//     guard) and the content missing on distribution points (planContent);
//  3. read the child sequences the configuration runs but does not
//     declare (readChildren), then lint the plan (lint);
//  4. plan the deletions — absent: true, and with --prune what tsctl
//     created that the configuration no longer declares — checked against
//     every sequence and deployment on the site (planDeletes);
//  5. order the objects (folders, packages, then sequences after the
//     children they run, deployments, then deletions) and narrow them to
//     opts.Targets.
//
// Problems with the configuration against this site (unknown references,
// ambiguous names) come back as diagnostics; a failure to read the site as
// an error.
func MakePlan(ctx context.Context, site provider.Site, cfg *config.Config, opts PlanOptions) (*Planned, diag.List, error) {
	var ds diag.List
	if cfg.Site != "" && !strings.EqualFold(cfg.Site, site.Code()) {
		ds.AddHint(cfg.SitePos, "point --site at site "+cfg.Site+", or change `site:`", "the configuration is for site %s, but %s is site %s", cfg.Site, opts.Target, site.Code())
		return nil, ds, nil
	}
	st := opts.State
	if st == nil || st.Site != site {
		var err error
		if st, err = ReadState(ctx, site, opts.Reads); err != nil {
			return nil, nil, err
		}
	}
	p := &Planned{Plan: &plan.Plan{Site: site.Code(), Target: opts.Target}, State: st, Config: cfg, entries: map[string]*entry{}, refs: newRefIndex(), opts: opts}
	if err := p.readOnDemand(ctx, opts, &ds); err != nil || ds.HasErrors() {
		return nil, ds, err
	}
	objs, absent, pds, err := p.planObjects(ctx, opts)
	ds = append(ds, pds...)
	if err != nil || ds.HasErrors() {
		return nil, ds, err
	}
	var folders []*plan.Object
	if p.folders != nil {
		folders = p.planFolders(&ds)
	}
	deployments, gone, dds, err := p.planDeployments(ctx, objs.resolver, opts.reads())
	ds = append(ds, dds...)
	if err != nil {
		return nil, nil, err
	}
	absent = append(absent, gone...)
	if err := p.guardChangedSequences(ctx, &ds); err != nil {
		return nil, nil, err
	}
	if p.contentSite != nil {
		p.planContent(objs.resolver, objs.used)
	}
	if err := p.planRedistribution(ctx, opts.Redistribute, &ds); err != nil {
		return nil, nil, err
	}
	if ds.HasErrors() {
		ds.Sort()
		return nil, ds, nil
	}
	if err := p.readChildren(ctx); err != nil {
		return nil, nil, err
	}
	ds = append(ds, p.lint(objs.sequences)...)
	ds.Sort()
	if ds.HasErrors() {
		return nil, ds, nil
	}
	deletes, err := p.planDeletes(ctx, absent, opts, &ds)
	var empty *EmptyPruneError
	switch {
	case errors.As(err, &empty):
		return nil, ds, err
	case err != nil:
		return nil, nil, err
	case ds.HasErrors():
		return nil, ds, nil
	}
	p.amend()
	p.Plan.Objects = append(append(append(append(folders, objs.packages...), p.extra...), orderSequences(objs.sequences, objs.deps)...), deployments...)
	for _, e := range orderDeletes(deletes) {
		p.entries[e.obj.Address] = e
		p.Plan.Objects = append(p.Plan.Objects, e.obj)
	}
	if len(opts.Targets) > 0 {
		p.narrow(opts.Targets, &ds)
		if ds.HasErrors() {
			return nil, ds, nil
		}
	}
	p.Plan.Finish()
	return p, ds, nil
}

// narrow keeps the named objects and everything they depend on.
func (p *Planned) narrow(targets []string, ds *diag.List) {
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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
