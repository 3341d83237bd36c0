package engine

// Deletions — objects declared absent: true, and with --prune the objects
// tsctl created that the configuration no longer declares — never leave a
// sequence pointing at a deleted object:
//
//   - Planning refuses a deletion that any sequence would still use once
//     the apply is done: a sequence the configuration declares by what it
//     declares, every other sequence on the site by what it uses now.
//   - A deletion depends on every planned update or deletion of a sequence
//     that uses the object now, and runs only if all of them succeeded.
//   - Right before the delete call (after the lock check), the site's
//     sequences are listed again and those that may have changed since they
//     were last read are read again; while any of them still references the
//     object, it is not deleted (skipped, naming them).
//
// "Uses" means References (which a site derives from the enabled steps)
// or any step naming the object, disabled steps and groups included: a
// disabled step still points at the object, and enabling it again must
// find it. So every sequence's Sequence is read, whatever its
// ReferencesCount.
//
// The re-check costs one query of the task sequence packages per deletion
// (key, name, version and ReferencesCount only), plus one read of each
// sequence whose SedoObjectVersion differs from the one whose references are
// known (those this apply changed, and any changed by someone else); every
// other sequence's references are known from the plan and not read again.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/diff"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/sitestate"
	"github.com/tsctl/tsctl/provider"
)

// deleteEntry plans the deletion of in, an object of kind: because the
// configuration declares it absent (reason "absent") or, with --prune, no
// longer declares it.
func deleteEntry(kind object.Kind, in *provider.Instance, reason string) *entry {
	key := kind.Key()[0]
	id := in.String(key)
	name := in.String(kind.NameProp())
	addr := address(kind, name)
	if reason == "absent" {
		reason = "delete_because_absent"
	} else {
		reason = "delete_because_not_in_configuration"
	}
	obj := &plan.Object{Address: addr, Kind: kind, Name: name, ID: id, Action: plan.Delete, Version: in.String("SedoObjectVersion"), Reason: reason}
	return &entry{obj: obj, site: in, change: &deleteObject{obj: obj, path: provider.Path(kind.Class(), key, id)}}
}

// absentAt locates the absent: true that a deletion carries out, for its
// refusals; no position for a deletion that --prune plans (nothing in the
// configuration names the object).
func (p *Planned) absentAt(o *plan.Object) diag.Pos {
	if o.Reason != "delete_because_absent" {
		return diag.Pos{}
	}
	switch {
	case o.Kind == object.Sequence:
		for _, s := range p.Config.Sequences {
			if s.Absent && strings.EqualFold(s.Name, o.Name) {
				return s.AbsentPos
			}
		}
	case o.Kind == object.Deployment:
		for _, d := range p.Config.Deployments {
			if d.Absent && strings.EqualFold(d.Name, o.Name) {
				return d.AbsentPos
			}
		}
	case o.Kind.IsPackage():
		for _, cp := range p.Config.Packages {
			if cp.Absent && cp.Type == o.Kind && strings.EqualFold(cp.Name, o.Name) {
				return cp.AbsentPos
			}
		}
	}
	return diag.Pos{}
}

// planDeletes is the stage of MakePlan that plans deletions: the objects
// declared absent (found by planObjects) and, with --prune, what tsctl
// created that the configuration no longer declares (without --prune,
// listed as not in the configuration). Each is checked against what every
// sequence on the site references, and described as a creation is.
func (p *Planned) planDeletes(ctx context.Context, deletes []*entry, opts PlanOptions, ds *diag.List) ([]*entry, error) {
	st, cfg := p.State, p.Config
	if !opts.Prune && len(opts.Targets) == 0 {
		for _, e := range pruneEntries(st, cfg) {
			o := e.obj
			p.Plan.NotInConfiguration = append(p.Plan.NotInConfiguration, plan.Outside{Address: o.Address, Kind: o.Kind, Name: o.Name, ID: o.ID})
		}
	}
	if opts.Prune {
		deletes = append(deletes, pruneEntries(st, cfg)...)
	}
	folders, err := p.pruneFolders(ctx, deletes, opts)
	if err != nil {
		return nil, err
	}
	if opts.Prune {
		deletes = append(deletes, folders...)
		if declaresNothing(cfg) && !opts.AllowEmptyPrune {
			return nil, &EmptyPruneError{Site: st.Site.Code(), Deletes: len(deletes), Files: len(cfg.Files)}
		}
	} else if len(opts.Targets) == 0 {
		for _, e := range folders {
			o := e.obj
			p.Plan.NotInConfiguration = append(p.Plan.NotInConfiguration, plan.Outside{Address: o.Address, Kind: o.Kind, Name: o.Name, ID: o.ID})
		}
	}
	if len(deletes) == 0 {
		return nil, nil
	}
	var packages []*entry
	for _, d := range deletes {
		if d.obj.Kind.IsPackage() {
			packages = append(packages, d)
		}
	}
	if len(packages) > 0 {
		if err := p.checkDeletes(ctx, packages, opts.reads(), ds); err != nil {
			return nil, err
		}
		p.checkDeployed(packages, deletes, ds)
	}
	if ds.HasErrors() {
		return nil, nil
	}
	if err := p.describeDeletes(ctx, deletes, opts.reads()); err != nil {
		return nil, err
	}
	return deletes, nil
}

// pruneEntries plans the deletion of objects tsctl created for this
// configuration's owner (ownerMark) that the configuration no longer
// declares.
func pruneEntries(st *State, cfg *config.Config) []*entry {
	declared := map[string]bool{}
	for _, p := range cfg.Packages {
		declared[p.Type.Class()+"\x00"+strings.ToLower(p.Name)] = true
	}
	for _, s := range cfg.Sequences {
		declared[object.ClassTaskSequencePackage+"\x00"+strings.ToLower(s.Name)] = true
	}
	for _, d := range cfg.Deployments {
		declared[object.ClassAdvertisement+"\x00"+strings.ToLower(d.Name)] = true
	}
	var out []*entry
	for _, kind := range object.All {
		prop, lazy := kind.MarkProp()
		if !kind.Managed() || lazy {
			continue // folders are pruned once empty (pruneFolders)
		}
		class := kind.Class()
		for _, in := range st.Objects(class) {
			if in.String(prop) == ownerMark(cfg) && !declared[class+"\x00"+strings.ToLower(in.String(kind.NameProp()))] {
				out = append(out, deleteEntry(kind, in, "prune"))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].obj.Address < out[j].obj.Address })
	return out
}

// declaresAbsent reports whether a configuration declares any object
// absent: true, which the plan deletes.
func declaresAbsent(cfg *config.Config) bool {
	for _, p := range cfg.Packages {
		if p.Absent {
			return true
		}
	}
	for _, s := range cfg.Sequences {
		if s.Absent {
			return true
		}
	}
	for _, d := range cfg.Deployments {
		if d.Absent {
			return true
		}
	}
	return false
}

// declaresNothing reports whether a configuration declares no object that
// should exist: with --prune, such a plan deletes every object tsctl manages.
func declaresNothing(cfg *config.Config) bool {
	for _, p := range cfg.Packages {
		if !p.Absent {
			return false
		}
	}
	for _, s := range cfg.Sequences {
		if !s.Absent {
			return false
		}
	}
	for _, d := range cfg.Deployments {
		if !d.Absent {
			return false
		}
	}
	return true
}

// EmptyPruneError refuses --prune with a configuration that declares no
// package or sequence, unless PlanOptions.AllowEmptyPrune says so: such a
// plan deletes everything tsctl manages, which is almost always a wrong -f.
type EmptyPruneError struct {
	Site    string // site code
	Deletes int    // objects the plan would delete
	Files   int    // configuration files read
}

func (e *EmptyPruneError) Error() string {
	what := fmt.Sprintf("all %d %s", e.Deletes, plural(e.Deletes, "object", "objects"))
	if e.Deletes == 0 {
		what = "every object (none yet)"
	}
	return fmt.Sprintf("the configuration (%d %s) declares no package, sequence or deployment: with --prune this plan would delete %s tsctl manages on site %s; nothing was changed",
		e.Files, plural(e.Files, "file", "files"), what, e.Site)
}

// ErrorHint implements diag's hint interface.
func (e *EmptyPruneError) ErrorHint() string {
	return "check the -f paths; to delete every object tsctl manages, add --allow-empty-prune"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// seqRefs is what one sequence on the site referenced when it was read.
type seqRefs struct {
	name    string
	version string          // its SedoObjectVersion when read ("" if the site gave none)
	ids     map[string]bool // upper-case PackageIDs it references
}

func (r seqRefs) uses(id string) bool { return r.ids[strings.ToUpper(id)] }

func (r seqRefs) add(refs []model.Reference) {
	for _, x := range refs {
		if x.Package != "" {
			r.ids[strings.ToUpper(x.Package)] = true
		}
	}
}

// refsOf reads what a sequence read with Get references: its lazy
// References, and every object its steps name (its lazy Sequence), for a
// site leaves disabled steps out of References. A site that returned fewer
// references than the sequence's ReferencesCount (a provider that cannot
// read embedded objects), or no Sequence, is an error: tsctl deletes
// nothing it cannot check.
func refsOf(in *provider.Instance) (seqRefs, error) {
	r, err := listedRefs(in)
	if err != nil {
		return r, err
	}
	if _, ok := in.Props["Sequence"]; !ok {
		return r, diag.WithHint(fmt.Errorf("read the steps of sequence %q (%s): the site returned no Sequence; tsctl deletes nothing it cannot check",
			r.name, in.String("PackageID")), "read the site through another provider (the AdminService URL), or delete the object by hand after checking it is unused")
	}
	if text := in.String("Sequence"); text != "" {
		q, err := model.Parse([]byte(text))
		if err != nil {
			return r, fmt.Errorf("read the steps of sequence %q (%s): %w; tsctl deletes nothing it cannot check", r.name, in.String("PackageID"), err)
		}
		r.add(model.NamedReferences(q))
	}
	return r, nil
}

// listedRefs reads the lazy References of a sequence read with Get,
// refusing fewer than its ReferencesCount.
func listedRefs(in *provider.Instance) (seqRefs, error) {
	return listedRefsOf(sitestate.ReadOf(in))
}

// listedRefsOf is listedRefs of what planning kept of a sequence it read.
func listedRefsOf(read *sitestate.SequenceRead) (seqRefs, error) {
	r := seqRefs{name: read.Name, version: read.Version, ids: map[string]bool{}}
	if read.HasRefCount && int64(len(read.Refs)) < read.RefCount {
		return r, diag.WithHint(fmt.Errorf("read the references of sequence %q (%s): the site returned %d of its %d references; tsctl deletes nothing it cannot check",
			r.name, read.ID, len(read.Refs), read.RefCount), "read the site through another provider (the AdminService URL), or delete the object by hand after checking it is unused")
	}
	for _, x := range read.Refs {
		if x.Application == "" {
			r.ids[strings.ToUpper(x.Package)] = true
		}
	}
	return r, nil
}

// refIndex caches what the site's sequences reference, by PackageID and
// version, so that checking a deletion reads again only the sequences that
// changed since they were last read. Safe for concurrent use.
type refIndex struct {
	mu      sync.Mutex
	seqs    map[string]seqRefs       // upper-case PackageID
	reading map[string]chan struct{} // reads in flight, by upper-case PackageID
}

func newRefIndex() *refIndex {
	return &refIndex{seqs: map[string]seqRefs{}, reading: map[string]chan struct{}{}}
}

// get returns what is known of the sequence with PackageID id.
func (x *refIndex) get(id string) seqRefs {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.seqs[strings.ToUpper(id)]
}

func (x *refIndex) store(id string, r seqRefs) {
	x.mu.Lock()
	x.seqs[strings.ToUpper(id)] = r
	x.mu.Unlock()
}

// refs returns what the listed sequence (lazy properties omitted) references
// now: from the cache when the version matches, otherwise read with Get
// (also when its ReferencesCount is 0: a disabled step names an object
// without counting as a reference). A sequence deleted in the meantime
// references nothing.
func (x *refIndex) refs(ctx context.Context, site provider.Site, listed *provider.Instance) (seqRefs, error) {
	id := strings.ToUpper(listed.String("PackageID"))
	version := listed.String("SedoObjectVersion")
	waited := false
	for {
		x.mu.Lock()
		if r, ok := x.seqs[id]; ok && version != "" && r.version == version {
			x.mu.Unlock()
			return r, nil
		}
		if wait := x.reading[id]; wait != nil && !waited {
			// Another check is reading it: its result is likely this version.
			x.mu.Unlock()
			waited = true
			select {
			case <-wait:
			case <-ctx.Done():
				return seqRefs{}, ctx.Err()
			}
			continue
		}
		done := make(chan struct{})
		x.reading[id] = done
		x.mu.Unlock()
		r, err := readRefs(ctx, site, listed)
		x.mu.Lock()
		if x.reading[id] == done {
			delete(x.reading, id)
		}
		if err == nil && r.version != "" {
			x.seqs[id] = r
		}
		x.mu.Unlock()
		close(done)
		return r, err
	}
}

func readRefs(ctx context.Context, site provider.Site, listed *provider.Instance) (seqRefs, error) {
	id := listed.String("PackageID")
	full, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id))
	if provider.IsKind(err, provider.KindNotFound) {
		return seqRefs{name: listed.String("Name")}, nil
	}
	if err != nil {
		return seqRefs{}, fmt.Errorf("read sequence %s: %w", id, err)
	}
	return refsOf(full)
}

// refsAll returns what each listed sequence references, reading at most
// reads of them at once; the first failure in list order is returned.
func (x *refIndex) refsAll(ctx context.Context, site provider.Site, listed []*provider.Instance, reads int) ([]seqRefs, error) {
	out := make([]seqRefs, len(listed))
	errs := make([]error, len(listed))
	slots := make(chan struct{}, max(1, reads))
	var wg sync.WaitGroup
	for i, in := range listed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			out[i], errs[i] = x.refs(ctx, site, in)
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

// user names a sequence that uses an object, for messages.
type user struct{ name, id string }

func (u user) String() string {
	if u.id == "" {
		return fmt.Sprintf("%q", u.name)
	}
	return fmt.Sprintf("%q (%s)", u.name, u.id)
}

func userList(us []user) string {
	var names []string
	seen := map[string]bool{}
	for _, u := range us {
		if s := u.String(); !seen[s] {
			seen[s] = true
			names = append(names, s)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// checkDeletes refuses to delete an object a sequence would still use after
// the apply, and makes each deletion depend on the planned changes of the
// sequences that use it now. It reads every sequence on the site that the
// configuration does not declare (its References and Sequence), at most
// reads at once; those it declares were read by planning.
func (p *Planned) checkDeletes(ctx context.Context, deletes []*entry, reads int, ds *diag.List) error {
	st := p.State
	deleting := map[string]*entry{}
	for _, d := range deletes {
		deleting[strings.ToUpper(d.obj.ID)] = d
	}
	managed := map[string]*entry{}
	var managedIDs []string
	for _, e := range p.entries {
		if e.seq == nil || e.site == nil {
			continue
		}
		id := strings.ToUpper(e.site.String("PackageID"))
		r, err := listedRefsOf(e.read) // its Sequence was read by planning
		if err != nil {
			return err
		}
		r.add(e.namesNow)
		p.refs.store(id, r)
		managed[id] = e
		managedIDs = append(managedIDs, id)
	}
	sort.Strings(managedIDs)
	var others []*provider.Instance
	for _, in := range st.Objects(object.ClassTaskSequencePackage) {
		if managed[strings.ToUpper(in.String("PackageID"))] == nil {
			others = append(others, in)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].String("PackageID") < others[j].String("PackageID") })
	otherRefs, err := p.refs.refsAll(ctx, st.Site, others, reads)
	if err != nil {
		return err
	}

	// What each sequence uses once the apply is done: a declared one what
	// the configuration says, any other what it uses now, unless deleted.
	after := map[string][]user{}
	for _, e := range p.entries {
		if e.seq == nil {
			continue
		}
		id := ""
		if e.site != nil {
			id = e.site.String("PackageID")
		}
		for _, r := range append(e.wantRefs, e.willName...) {
			after[strings.ToUpper(r.Package)] = append(after[strings.ToUpper(r.Package)], user{e.seq.Name, id})
		}
	}
	for i, in := range others {
		id := in.String("PackageID")
		if deleting[strings.ToUpper(id)] != nil {
			continue
		}
		for ref := range otherRefs[i].ids {
			after[ref] = append(after[ref], user{in.String("Name"), id})
		}
	}
	for _, d := range deletes {
		if us := after[strings.ToUpper(d.obj.ID)]; len(us) > 0 {
			ds.AddHint(p.absentAt(d.obj), "remove the references first, or keep the object",
				"cannot delete %s %q (%s): used by sequence %s", d.obj.Kind, d.obj.Name, d.obj.ID, userList(us))
		}
	}

	// A deletion waits for the planned update or deletion of every sequence
	// that uses the object now.
	for _, d := range deletes {
		for _, id := range managedIDs {
			if e := managed[id]; e.obj.Action != plan.NoOp && p.refs.get(id).uses(d.obj.ID) {
				d.obj.DependsOn = append(d.obj.DependsOn, e.obj.Address)
			}
		}
		for i, in := range others {
			if parent := deleting[strings.ToUpper(in.String("PackageID"))]; parent != nil && parent != d && otherRefs[i].uses(d.obj.ID) {
				d.obj.DependsOn = append(d.obj.DependsOn, parent.obj.Address)
			}
		}
		sort.Strings(d.obj.DependsOn)
	}
	return nil
}

// orderDeletes orders deletions after the deletions they depend on
// (a sequence before the children it runs), sequences before packages,
// by address otherwise. A dependency cycle among deletions (sequences that
// run each other, which a site should never hold) cannot be ordered: its
// closing edge is dropped, and the check before each delete then keeps
// whichever object is still used.
func orderDeletes(items []*entry) []*entry {
	sorted := append([]*entry(nil), items...)
	// Deployments first (a deployed sequence is deleted after its
	// deployments), then sequences, packages, and folders last (once
	// what they hold is gone).
	rank := func(k object.Kind) int {
		switch k {
		case object.Deployment:
			return 0
		case object.Sequence:
			return 1
		case object.Folder:
			return 3
		}
		return 2
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		ri, rj := rank(sorted[i].obj.Kind), rank(sorted[j].obj.Kind)
		if ri != rj {
			return ri < rj
		}
		return sorted[i].obj.Address < sorted[j].obj.Address
	})
	byAddr := map[string]*entry{}
	for _, it := range sorted {
		byAddr[it.obj.Address] = it
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var out []*entry
	var visit func(it *entry)
	visit = func(it *entry) {
		state[it.obj.Address] = visiting
		var keep []string
		for _, d := range it.obj.DependsOn {
			dep := byAddr[d]
			if dep == nil { // an update: planned before every deletion
				keep = append(keep, d)
				continue
			}
			switch state[d] {
			case visiting: // a cycle: drop the edge
				continue
			case 0:
				visit(dep)
			}
			keep = append(keep, d)
		}
		it.obj.DependsOn = keep
		state[it.obj.Address] = done
		out = append(out, it)
	}
	for _, it := range sorted {
		if state[it.obj.Address] == 0 {
			visit(it)
		}
	}
	return out
}

// InUseError is why a deletion was not made: sequences on the site still
// reference the object at the moment of deletion.
type InUseError struct {
	What  string // e.g. `package "Tools" (PS100005)`
	Users string // the sequences, as `"Name" (ID)`, comma-separated
	Prune bool   // the deletion came from --prune (else absent: true)
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("not deleted: still used by sequence %s on the site", e.Users)
}

// ErrorHint implements diag's hint interface.
func (e *InUseError) ErrorHint() string {
	return "remove the references to " + e.What + " (or keep it), then run tsctl apply" + pruneFlag(e.Prune) + " again"
}

func pruneFlag(prune bool) string {
	if prune {
		return " --prune"
	}
	return ""
}

// checkUnused refuses (*InUseError) to delete o when a sequence on the
// site references it at this moment (see the top of this file).
func (x *refIndex) checkUnused(ctx context.Context, site provider.Site, o *plan.Object) error {
	list, err := site.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage, Select: []string{"PackageID", "Name", "SedoObjectVersion", "ReferencesCount"}})
	if err != nil {
		return fmt.Errorf("check what uses %s before deleting it: list sequences: %w", what(o), err)
	}
	var others []*provider.Instance
	for _, in := range list {
		if !strings.EqualFold(in.String("PackageID"), o.ID) {
			others = append(others, in)
		}
	}
	refs, err := x.refsAll(ctx, site, others, SequenceReads)
	if err != nil {
		return fmt.Errorf("check what uses %s before deleting it: %w", what(o), err)
	}
	var us []user
	for i, in := range others {
		if refs[i].uses(o.ID) {
			us = append(us, user{in.String("Name"), in.String("PackageID")})
		}
	}
	if len(us) > 0 {
		return &InUseError{What: fmt.Sprintf("%s %q (%s)", o.Kind, o.Name, o.ID), Users: userList(us), Prune: o.Reason == "delete_because_not_in_configuration"}
	}
	return nil
}

// blockedDelete says why deletion o is skipped when the planned changes
// to the objects that use it (deps: the sequences that run it, or what a
// folder holds) did not succeed, and what to do.
func blockedDelete(o *plan.Object, deps []*job) (reason, hint string) {
	var parts []string
	for _, d := range deps {
		change := "update"
		if d.obj.Action == plan.Delete {
			change = "deletion"
		}
		verb := "failed"
		if d.result.Outcome == Skipped {
			verb = "was skipped"
		}
		parts = append(parts, fmt.Sprintf("%s %s, whose %s %s", d.obj.Kind.Describe(), user{d.result.Name, d.result.ID}, change, verb))
	}
	how := "still used by "
	if o.Kind == object.Folder {
		how = "it still holds "
	}
	return "not deleted: " + how + strings.Join(parts, "; "),
		"the deletion runs once those changes succeed: fix them, then run tsctl apply" + pruneFlag(o.Reason == "delete_because_not_in_configuration") + " again"
}

func isInUse(err error) (*InUseError, bool) {
	var e *InUseError
	ok := errors.As(err, &e)
	return e, ok
}

// describeDeletes fills in what each deletion deletes, as a plan shows a
// creation: a package's properties and programs, and a sequence's step
// tree, read with one Get (its lazy Sequence) per deleted sequence, at
// most reads at once.
func (p *Planned) describeDeletes(ctx context.Context, deletes []*entry, reads int) error {
	st := p.State
	errs := make([]error, len(deletes))
	slots := make(chan struct{}, max(1, reads))
	var wg sync.WaitGroup
	for i, d := range deletes {
		if d.obj.Kind != object.Sequence {
			d.obj.Changes = packageFields(st, d.site)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			in, err := st.Site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", d.obj.ID))
			if err != nil {
				errs[i] = fmt.Errorf("read sequence %s: %w", d.obj.ID, err)
				return
			}
			q, err := model.Parse([]byte(in.String("Sequence")))
			if err != nil {
				errs[i] = fmt.Errorf("sequence %s: %w", d.obj.ID, err)
				return
			}
			steps, _, _ := q.Counts()
			d.obj.StepCount = steps
			d.obj.Tree = diff.Tree(model.Comparable(q).Steps, nil, plan.Delete, st.NameOf)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// deletedPackageProps are the properties a deleted package shows.
var deletedPackageProps = []string{"Description", "Manufacturer", "Language", "Version", "PkgSourcePath"}

// packageFields lists a package's properties and programs (with their
// command lines) as changes with before values only.
func packageFields(st *State, in *provider.Instance) []plan.Change {
	var out []plan.Change
	for _, k := range deletedPackageProps {
		if v := in.String(k); v != "" {
			out = append(out, plan.Change{Field: k, Before: v, HasBefore: true})
		}
	}
	progs := st.Programs(in.String("PackageID"))
	names := make([]string, 0, len(progs))
	for n := range progs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		pr := progs[n]
		out = append(out, plan.Change{Field: "program " + strconv.Quote(pr.String("ProgramName")), Before: pr.String("CommandLine"), HasBefore: true})
	}
	return out
}
