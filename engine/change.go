package engine

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/provider"
)

// A Change is one object's planned change: each kind of change is a type
// of its own that knows the SMS Provider calls making it, in order:
//
//	createPackage         Put of a new package (the site assigns the PackageID); Put of each program, concurrently
//	updatePackage         GetLockInformation; Put of the PackageID and the changed properties; Put of changed programs
//	createSequence        ImportSequence; SetSequence of a new SMS_TaskSequencePackage → its path
//	updateSequenceSteps   GetLockInformation; ImportSequence; SetSequence (the lazy Get was planning's)
//	updateSequenceFields  GetLockInformation; Put of the PackageID and the changed properties
//	deleteObject          a package or sequence: GetLockInformation; query of SMS_TaskSequencePackage and Get of each sequence changed since read;
//	                      query of SMS_Advertisement (its deployments); Delete. A deployment: Delete. A folder: a query of what it holds; Delete
//
// On a site without an apply lease each create is guarded by a query of
// its class just before and just after (ApplyOptions.CheckNames).
// TestChangeCalls holds each type to its calls.
type Change interface {
	// Object is the plan's entry for the object changed.
	Object() *plan.Object
	// apply makes the change's calls; it returns the object's PackageID,
	// also when a create failed after the object was made.
	apply(ctx context.Context, a *applier) (id string, err error)
	// calls are the provider calls apply makes, step by step: the calls
	// of a step run at once (a package's programs), steps one after
	// another; checkNames counts the name checks around a create. Bound
	// simulates them, and TestChangeCalls holds them to what apply does.
	// A deletion's re-check reads again the sequences changed since they
	// were read, which only the apply knows: it counts none.
	calls(checkNames bool) []int
}

// applier is what a change's calls are made with during one apply.
type applier struct {
	site       provider.Site // limited to the apply's parallelism
	locks      *lockReader
	r          *resolve.Resolver
	user       string        // locks held by anyone else stop a write
	lockWait   time.Duration // how long to wait for such a lock
	checkNames bool          // guard each create (see guard.go)
	mark       string        // the ownership mark of objects created
	refs       *refIndex     // what the site's sequences reference, for deletions
	folders    sync.Map      // plan address → ContainerNodeID of the folders this apply created
}

// folderID is the ContainerNodeID of a folder this apply created.
func (a *applier) folderID(addr string) (int64, bool) {
	v, ok := a.folders.Load(addr)
	if !ok {
		return 0, false
	}
	return v.(int64), true
}

func (a *applier) setFolderID(addr string, id int64) { a.folders.Store(addr, id) }

// lock refuses (KindLocked) to write path while someone else holds it.
func (a *applier) lock(ctx context.Context, path string) error {
	return checkLock(ctx, a.site, a.locks, path, a.user, a.lockWait)
}

// what names an object for messages: `sequence "Deploy"`.
func what(o *plan.Object) string { return fmt.Sprintf("%s %q", o.Kind, o.Name) }

// createPackage creates a package of any kind with its programs.
type createPackage struct {
	obj      *plan.Object
	pkg      *desired.Package
	programs []programWrite
}

// updatePackage writes the changed properties and programs of a package.
type updatePackage struct {
	obj      *plan.Object
	pkg      *desired.Package
	site     *provider.Instance // as read
	programs []programWrite     // new or changed
}

// createSequence creates a task sequence.
type createSequence struct {
	obj *plan.Object
	seq *config.Sequence
}

// updateSequenceSteps saves a task sequence whose steps (or global
// variables, or secrets pushed again) change, with its properties.
type updateSequenceSteps struct {
	obj  *plan.Object
	seq  *config.Sequence
	site *provider.Instance // as read
}

// updateSequenceFields writes the changed properties of a task sequence
// whose steps stay as they are.
type updateSequenceFields struct {
	obj  *plan.Object
	seq  *config.Sequence
	site *provider.Instance // as read
}

// deleteObject deletes a package or a sequence, once nothing on the site
// uses it.
type deleteObject struct {
	obj  *plan.Object
	path string
}

func (c *createPackage) Object() *plan.Object        { return c.obj }
func (c *updatePackage) Object() *plan.Object        { return c.obj }
func (c *createSequence) Object() *plan.Object       { return c.obj }
func (c *updateSequenceSteps) Object() *plan.Object  { return c.obj }
func (c *updateSequenceFields) Object() *plan.Object { return c.obj }
func (c *deleteObject) Object() *plan.Object         { return c.obj }

func (c *createPackage) calls(checkNames bool) []int {
	if checkNames {
		return []int{1, 1, 1, len(c.programs)}
	}
	return []int{1, len(c.programs)}
}

func (c *updatePackage) calls(bool) []int {
	put := 0
	for k, v := range c.pkg.Props {
		if c.site.String(k) != v {
			put = 1
		}
	}
	return []int{1, put, len(c.programs)}
}

func (c *createSequence) calls(checkNames bool) []int { return guarded(checkNames, 1, 1) }
func (c *updateSequenceSteps) calls(bool) []int       { return []int{1, 1, 1} }
func (c *updateSequenceFields) calls(bool) []int      { return []int{1, 1} }

// calls of a deletion: a package or sequence is checked for its lock,
// its users and its deployments first, a folder for its members.
func (c *deleteObject) calls(bool) []int {
	switch {
	case c.obj.Kind.IsPackage():
		return []int{1, 1, 1, 1}
	case c.obj.Kind == object.Folder:
		return []int{1, 1}
	}
	return []int{1}
}

func (c *createPackage) apply(ctx context.Context, a *applier) (string, error) {
	class := c.obj.Kind.Class()
	if a.checkNames {
		if err := checkAbsent(ctx, a.site, c.obj); err != nil {
			return "", err
		}
	}
	in := provider.New(class)
	for k, v := range c.pkg.Props {
		in.Props[k] = v
	}
	in.Props["ISVString"] = a.mark
	path, err := a.site.Put(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", what(c.obj), err)
	}
	_, keys, err := provider.ParsePath(path)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", what(c.obj), err)
	}
	id := keys["PackageID"]
	var twin error
	if a.checkNames {
		// A twin fails this object (its dependants are skipped), once its
		// programs are saved: the package is complete either way.
		twin = checkSingle(ctx, a.site, c.obj, id)
	}
	a.r.SetCreated(c.obj.Kind, c.obj.Name, id)
	if err := savePrograms(ctx, a.site, a.r, c.obj, id, c.programs); err != nil {
		return id, err
	}
	return id, twin
}

func (c *updatePackage) apply(ctx context.Context, a *applier) (string, error) {
	class := c.obj.Kind.Class()
	id := c.site.String("PackageID")
	if err := a.lock(ctx, provider.Path(class, "PackageID", id)); err != nil {
		return "", err
	}
	// The key and the changed properties only: an instance read back
	// carries nulls, read-only and lazy properties a site refuses.
	in := provider.New(class)
	in.Props["PackageID"] = id
	changed := false
	for k, v := range c.pkg.Props {
		if c.site.String(k) != v {
			in.Props[k], changed = v, true
		}
	}
	if changed {
		if _, err := a.site.Put(ctx, in); err != nil {
			return "", fmt.Errorf("update %s: %w", what(c.obj), err)
		}
	}
	return id, savePrograms(ctx, a.site, a.r, c.obj, id, c.programs)
}

// savePrograms saves a package's changed programs concurrently: they are
// independent of each other once the package exists, and site (limited by
// apply) runs only as many of them at once as --parallelism leaves idle.
// The first failure in program order is returned; the programs saved before
// it stay saved, and the next plan shows the rest.
func savePrograms(ctx context.Context, site provider.Site, r desired.Resolver, obj *plan.Object, id string, progs []programWrite) error {
	errs := make([]error, len(progs))
	var wg sync.WaitGroup
	for i, w := range progs {
		pr := w.pr
		in := provider.New(object.ClassProgram)
		in.Props["PackageID"] = id
		in.Props["ProgramName"] = pr.Name
		for k, v := range pr.Props {
			in.Props[k] = v
		}
		// A new program gets every setting given; one on the site those
		// that differ, its other flags kept.
		settings := w.settings(r)
		if w.site != nil {
			var none []plan.Change
			settings = compare(w.site, settings, "", &none)
		}
		written(in, w.site, settings)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := site.Put(ctx, in); err != nil {
				errs[i] = fmt.Errorf("save program %q of %s: %w", pr.Name, what(obj), err)
			}
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

// sequencePackage is the SMS_TaskSequencePackage apply sends: its key
// (when it exists) and the properties tsctl manages, never the instance
// read back, whose nulls, read-only and lazy properties (Sequence,
// References) real sites refuse. With onlyChanged, properties the site
// already holds are left out.
func sequencePackage(r *resolve.Resolver, cs *config.Sequence, site *provider.Instance, onlyChanged bool) (*provider.Instance, error) {
	bootID, err := bootImageID(r, cs)
	if err != nil {
		return nil, err
	}
	pkg := provider.New(object.ClassTaskSequencePackage)
	if site != nil {
		pkg.Props["PackageID"] = site.String("PackageID")
	}
	for k, v := range desired.SequenceProps(cs, bootID) {
		if onlyChanged && site.String(k) == v {
			continue
		}
		if k == "Duration" {
			n, _ := strconv.ParseInt(v, 10, 64)
			pkg.Props[k] = n
			continue
		}
		pkg.Props[k] = v
	}
	settings := sequenceSettings(cs, r)
	if onlyChanged {
		var none []plan.Change
		settings = compare(site, settings, "", &none)
	}
	written(pkg, site, settings)
	return pkg, nil
}

func (c *createSequence) apply(ctx context.Context, a *applier) (string, error) {
	pkg, err := sequencePackage(a.r, c.seq, nil, false)
	if err != nil {
		return "", err
	}
	pkg.Props["ISVString"] = a.mark
	q, err := buildSequence(a.r, c.obj, c.seq)
	if err != nil {
		return "", err
	}
	if a.checkNames {
		if err := checkAbsent(ctx, a.site, c.obj); err != nil {
			return "", err
		}
	}
	id, err := saveSequence(ctx, a.site, c.obj, pkg, q)
	if err != nil {
		return "", err
	}
	if a.checkNames {
		if err := checkSingle(ctx, a.site, c.obj, id); err != nil {
			return id, err
		}
	}
	a.r.SetCreated(object.Sequence, c.seq.Name, id)
	return id, nil
}

func (c *updateSequenceSteps) apply(ctx context.Context, a *applier) (string, error) {
	pkg, err := sequencePackage(a.r, c.seq, c.site, false)
	if err != nil {
		return "", err
	}
	if err := a.lock(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", c.site.String("PackageID"))); err != nil {
		return "", err
	}
	q, err := buildSequence(a.r, c.obj, c.seq)
	if err != nil {
		return "", err
	}
	id, err := saveSequence(ctx, a.site, c.obj, pkg, q)
	if err != nil {
		return "", err
	}
	a.r.SetCreated(object.Sequence, c.seq.Name, id)
	return id, nil
}

func (c *updateSequenceFields) apply(ctx context.Context, a *applier) (string, error) {
	pkg, err := sequencePackage(a.r, c.seq, c.site, true)
	if err != nil {
		return "", err
	}
	id := c.site.String("PackageID")
	if err := a.lock(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id)); err != nil {
		return "", err
	}
	if _, err := a.site.Put(ctx, pkg); err != nil {
		return "", fmt.Errorf("update %s: %w", what(c.obj), err)
	}
	return id, nil
}

func (c *deleteObject) apply(ctx context.Context, a *applier) (string, error) {
	switch {
	case c.obj.Kind.IsPackage():
		if err := a.lock(ctx, c.path); err != nil {
			return "", err
		}
		if err := a.refs.checkUnused(ctx, a.site, c.obj); err != nil {
			return "", err
		}
		if err := checkUndeployed(ctx, a.site, c.obj); err != nil {
			return "", err
		}
	case c.obj.Kind == object.Folder:
		if err := checkEmpty(ctx, a.site, c.obj); err != nil {
			return "", err
		}
	}
	if err := a.site.Delete(ctx, c.path); err != nil {
		return "", fmt.Errorf("delete %s: %w", what(c.obj), err)
	}
	return c.obj.ID, nil
}

// buildSequence builds the sequence to save, every reference resolved:
// objects this apply created have their IDs by now.
func buildSequence(r *resolve.Resolver, obj *plan.Object, cs *config.Sequence) (*model.Sequence, error) {
	q, ds := (&desired.Builder{R: r}).Sequence(cs)
	if ds.HasErrors() {
		return nil, ds
	}
	for _, ref := range pendingRefs(q) {
		return nil, fmt.Errorf("build %s: %s still unresolved", what(obj), ref)
	}
	return q, nil
}

// saveSequence saves q as the steps of pkg: ImportSequence, then
// SetSequence. It returns the PackageID of the package saved.
func saveSequence(ctx context.Context, site provider.Site, obj *plan.Object, pkg *provider.Instance, q *model.Sequence) (string, error) {
	out, err := site.ExecMethod(ctx, object.ClassTaskSequencePackage, "ImportSequence", map[string]any{"SequenceXML": model.MarshalString(q)})
	if err != nil {
		return "", fmt.Errorf("ImportSequence for %s: %w", what(obj), err)
	}
	ts, _ := out["TaskSequence"].(*provider.Instance)
	if ts == nil {
		return "", fmt.Errorf("ImportSequence for %s: no TaskSequence returned", what(obj))
	}
	out, err = site.ExecMethod(ctx, object.ClassTaskSequencePackage, "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts})
	if err != nil {
		return "", fmt.Errorf("SetSequence for %s: %w", what(obj), err)
	}
	path, _ := out["SavedTaskSequencePackagePath"].(string)
	_, keys, err := provider.ParsePath(path)
	if err != nil {
		return "", fmt.Errorf("SetSequence for %s: %w", what(obj), err)
	}
	return keys["PackageID"], nil
}

// pendingRefs lists variables still holding the Pending placeholder.
func pendingRefs(q *model.Sequence) []string {
	var out []string
	q.Walk(func(path string, s *model.Step) bool {
		for _, v := range s.Vars {
			if v.Value == desired.Pending {
				out = append(out, path+": "+v.Property)
			}
		}
		return true
	})
	return out
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
