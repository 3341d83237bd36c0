package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// Outcome is what happened to one object during apply.
type Outcome int

const (
	Unchanged Outcome = iota
	Created
	Updated
	Deleted
	Failed
	Skipped
)

func (o Outcome) String() string {
	return [...]string{"unchanged", "created", "updated", "deleted", "failed", "skipped"}[o]
}

// MarshalText renders the outcome as its name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// ObjectResult is one object's outcome.
type ObjectResult struct {
	Address string      `json:"address"`
	Kind    object.Kind `json:"kind"`
	Name    string      `json:"name"`
	ID      string      `json:"id,omitempty"`
	Outcome Outcome     `json:"outcome"`
	Reason  string      `json:"reason,omitempty"`
	Hint    string      `json:"hint,omitempty"` // what to do about a failure, when the site said
}

// ApplyResult lists every object's outcome in plan order.
type ApplyResult struct {
	Objects []ObjectResult `json:"objects"`
}

// Failed reports whether any object failed or was skipped.
func (r *ApplyResult) Failed() bool {
	for _, o := range r.Objects {
		if o.Outcome == Failed || o.Outcome == Skipped {
			return true
		}
	}
	return false
}

// Count returns how many objects had outcome o.
func (r *ApplyResult) Count(o Outcome) int {
	n := 0
	for _, x := range r.Objects {
		if x.Outcome == o {
			n++
		}
	}
	return n
}

// ApplyOptions tune execution.
type ApplyOptions struct {
	Parallelism int           // objects applied at once (default 4)
	User        string        // our identity: locks held by anyone else stop a write
	LockTimeout time.Duration // how long to wait for someone else's lock before skipping
	// CheckNames guards each create on a site without an apply lease: the
	// name is looked up just before (an object that appeared since the
	// plan is not created again) and just after (a twin another run created
	// at the same moment is reported); see AppearedError, DuplicateError.
	CheckNames bool
	OnStart    func(*plan.Object) // called when an object's writes begin
	OnDone     func(ObjectResult) // called when an object finishes
	// Secrets are the values ReadSecrets read before the site was opened;
	// nil reads them when Apply starts.
	Secrets *Secrets
	OnWarn  func(string) // called with a warning about the whole run (at most once each)
}

// Apply executes the plan: independent objects in parallel, every object
// after the objects it depends on, a failure skipping only its dependants.
// Every secret the writes need must have been read (opts.Secrets, else
// read now); one that could not be fails the whole apply with nothing
// written.
func (p *Planned) Apply(ctx context.Context, opts ApplyOptions) (*ApplyResult, error) {
	if opts.Parallelism < 1 {
		opts.Parallelism = 4
	}
	if opts.Secrets == nil {
		opts.Secrets = ReadSecrets(p.Config)
	}
	if ds := p.CheckSecrets(opts.Secrets); ds.HasErrors() {
		return nil, ds
	}
	r := newResolver(p.State, p.Config, opts.Secrets)
	// Every value apply may write is redacted from every message, whichever
	// object's request a site echoes.
	for _, s := range p.writtenSecrets() {
		v, _ := opts.Secrets.value(s)
		r.secrets.add(v)
	}

	// At most Parallelism objects run at once, and at most Parallelism
	// calls: a package's programs are saved concurrently only with calls
	// that other objects leave idle.
	site := provider.NewLimited(p.State.Site, opts.Parallelism)
	locks := &lockReader{warn: opts.OnWarn}
	objs := p.Plan.Objects
	res := &ApplyResult{Objects: make([]ObjectResult, len(objs))}
	index := map[string]int{}
	for i, o := range objs {
		index[o.Address] = i
		res.Objects[i] = ObjectResult{Address: o.Address, Kind: o.Kind, Name: o.Name, ID: o.ID}
	}
	// The scheduler starts, whenever a slot is free, the first object in
	// plan order whose dependencies have all finished; with parallelism 1
	// objects run exactly in plan order.
	// An access-denied failure stops the run: the account's role would deny
	// every other write too, so nothing more is attempted.
	finished := make([]bool, len(objs))
	started := make([]bool, len(objs))
	errs := make([]error, len(objs))
	doneCh := make(chan int)
	running := 0
	halt := ""
	for {
		for running < opts.Parallelism {
			i := p.nextReady(objs, index, started, finished, res, opts, ctx, halt)
			if i < 0 {
				break
			}
			started[i] = true
			running++
			go func() {
				o, out := objs[i], &res.Objects[i]
				if opts.OnStart != nil {
					opts.OnStart(o)
				}
				// The object in flight finishes even when interrupted.
				id, err := p.applyOne(context.WithoutCancel(ctx), site, locks, r, p.items[o.Address], opts)
				errs[i] = err
				used, inUse := isInUse(err)
				switch {
				case inUse:
					out.Outcome, out.Reason, out.Hint = Skipped, used.Error(), used.ErrorHint()
				case err != nil && provider.IsKind(err, provider.KindLocked):
					out.Outcome, out.Reason = Skipped, r.secrets.redact(lockReason(err))
				case errors.As(err, new(*AppearedError)):
					out.Outcome, out.Reason, out.Hint = Skipped, err.Error(), diag.HintOf(err)
				case errors.As(err, new(*DuplicateError)):
					out.Outcome, out.ID, out.Reason, out.Hint = Failed, id, err.Error(), diag.HintOf(err)
				case err != nil:
					out.Outcome, out.Reason, out.Hint = Failed, r.secrets.redact(err.Error()), r.secrets.redact(diag.HintOf(err))
					if o.Action == plan.Create && id != "" {
						// the object exists now (a package whose program
						// then failed): the summary names it
						out.ID, out.Reason = id, "created, but "+out.Reason
					}
				case o.Action == plan.Create:
					out.Outcome, out.ID = Created, id
				case o.Action == plan.Delete:
					out.Outcome = Deleted
				default:
					out.Outcome = Updated
				}
				p.report(opts, *out)
				doneCh <- i
			}()
		}
		if running == 0 {
			break
		}
		i := <-doneCh
		finished[i] = true
		running--
		if halt == "" && provider.IsKind(errs[i], provider.KindDenied) {
			halt = fmt.Sprintf("not attempted: access was denied for %s %q", objs[i].Kind, objs[i].Name)
		}
	}
	return res, nil
}

// nextReady returns the first unstarted object whose dependencies have
// finished, settling on the way objects that need no work: no-ops (counted
// unchanged whatever their dependencies did), objects whose dependency
// failed or was skipped, and everything once interrupted or halted (halt is
// then the reason). A deletion waits for all its dependencies — the changes
// to the sequences that use the object — and is skipped, naming each of
// them, unless every one succeeded.
func (p *Planned) nextReady(objs []*plan.Object, index map[string]int, started, finished []bool, res *ApplyResult, opts ApplyOptions, ctx context.Context, halt string) int {
next:
	for i, o := range objs {
		if started[i] {
			continue
		}
		out := &res.Objects[i]
		if o.Action == plan.NoOp {
			started[i], finished[i] = true, true
			out.Outcome = Unchanged
			continue
		}
		var blocked []ObjectResult
		for _, d := range o.DependsOn {
			j, ok := index[d]
			if !ok {
				continue
			}
			if !finished[j] {
				continue next
			}
			if dep := res.Objects[j]; dep.Outcome == Failed || dep.Outcome == Skipped {
				blocked = append(blocked, dep)
				if o.Action != plan.Delete {
					break
				}
			}
		}
		if len(blocked) > 0 {
			started[i], finished[i] = true, true
			out.Outcome = Skipped
			if o.Action == plan.Delete {
				out.Reason, out.Hint = blockedDelete(o, blocked, func(addr string) plan.Action { return objs[index[addr]].Action })
			} else {
				dep := blocked[0]
				verb := "failed"
				if dep.Outcome == Skipped {
					verb = "was skipped"
				}
				out.Reason = fmt.Sprintf("depends on %s %q, which %s", dep.Kind, dep.Name, verb)
			}
			p.report(opts, *out)
			return p.nextReady(objs, index, started, finished, res, opts, ctx, halt)
		}
		if ctx.Err() != nil || halt != "" {
			started[i], finished[i] = true, true
			out.Outcome, out.Reason = Skipped, "interrupted before it started"
			if ctx.Err() == nil {
				out.Reason = halt
			}
			p.report(opts, *out)
			continue
		}
		return i
	}
	return -1
}

func (p *Planned) report(opts ApplyOptions, r ObjectResult) {
	if opts.OnDone != nil {
		opts.OnDone(r)
	}
}

// lockReason is the reason a locked object was skipped: the holder, as
// GetLockInformation reported it or as the site's refusal of the save
// named it.
func lockReason(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Holder != nil {
		if pe.Op == "GetLockInformation" {
			return strings.TrimPrefix(pe.Msg, "object is ")
		}
		return pe.Holder.String()
	}
	return err.Error()
}

// lockReader reads SEDO locks with SMS_ObjectLock.GetLockInformation. The
// first read of a run is the probe: when the site has no such method (an
// AdminService that does not route it answers 404), it says so once and
// every later check passes without a call, leaving the site to refuse a
// save of a locked object — reported with the holder when the refusal
// names one (lockReason).
type lockReader struct {
	mu      sync.Mutex
	probed  bool
	missing bool
	warn    func(string)
}

// read returns the lock of path; ok is false when the site cannot say.
func (l *lockReader) read(ctx context.Context, site provider.Site, path string) (li provider.LockInfo, ok bool, err error) {
	l.mu.Lock()
	if l.probed {
		missing := l.missing
		l.mu.Unlock()
		if missing {
			return li, false, nil
		}
		li, err = provider.GetLockInformation(ctx, site, path)
		return li, true, err
	}
	defer l.mu.Unlock() // the probe: other first checks wait for its answer
	li, err = provider.GetLockInformation(ctx, site, path)
	switch {
	case err != nil && provider.IsUnsupported(err):
		l.probed, l.missing = true, true
		if l.warn != nil {
			l.warn(fmt.Sprintf("the site does not offer SMS_ObjectLock.GetLockInformation (%v): locks are not read before writing; "+
				"a save of an object someone else holds is refused by the site and reported as locked", err))
		}
		return li, false, nil
	case err == nil:
		l.probed = true
	}
	return li, true, err
}

// checkLock refuses to write an object someone else holds a SEDO lock on,
// after waiting up to timeout for it to be released. It never takes or
// releases a lock itself.
func checkLock(ctx context.Context, site provider.Site, locks *lockReader, path, user string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		li, ok, err := locks.read(ctx, site, path)
		if err != nil {
			return fmt.Errorf("read lock of %s: %w", path, err)
		}
		if !ok || !li.Held() || strings.EqualFold(li.User, user) {
			return nil
		}
		wait := min(2*time.Second, max(timeout/10, 50*time.Millisecond))
		if timeout <= 0 || time.Now().Add(wait).After(deadline) {
			msg := "object is " + li.String()
			if timeout > 0 {
				msg += " (waited " + timeout.String() + ")"
			}
			return &provider.Error{Kind: provider.KindLocked, Op: "GetLockInformation", Msg: msg, Holder: &li}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (p *Planned) applyOne(ctx context.Context, site provider.Site, locks *lockReader, r *resolver, it *item, opts ApplyOptions) (string, error) {
	lock := func(path string) error { return checkLock(ctx, site, locks, path, opts.User, opts.LockTimeout) }
	switch {
	case it.deletePath != "":
		if err := lock(it.deletePath); err != nil {
			return "", err
		}
		if err := p.checkUnused(ctx, site, it); err != nil {
			return "", err
		}
		if err := site.Delete(ctx, it.deletePath); err != nil {
			return "", fmt.Errorf("delete %s: %w", it, err)
		}
		return it.obj.ID, nil
	case it.pkg != nil:
		return p.applyPackage(ctx, site, r, it, lock, opts.CheckNames)
	}
	return p.applySequence(ctx, site, r, it, lock, opts.CheckNames)
}

func (p *Planned) applyPackage(ctx context.Context, site provider.Site, r *resolver, it *item, lock func(string) error, checkNames bool) (string, error) {
	d := it.pkg
	var id string
	var twin error
	if it.site == nil {
		if checkNames {
			if err := checkAbsent(ctx, site, it); err != nil {
				return "", err
			}
		}
		in := provider.New(d.Class)
		for k, v := range d.Props {
			in.Props[k] = v
		}
		in.Props["ISVString"] = ownerMark(p.Config)
		path, err := site.Put(ctx, in)
		if err != nil {
			return "", fmt.Errorf("create %s: %w", it, err)
		}
		_, keys, err := provider.ParsePath(path)
		if err != nil {
			return "", fmt.Errorf("create %s: %w", it, err)
		}
		id = keys["PackageID"]
		if checkNames {
			// A twin fails this object (its dependants are skipped), once
			// its programs are saved: the package is complete either way.
			twin = checkSingle(ctx, site, it, id)
		}
		r.setCreated(it.obj.Kind, it.obj.Name, id)
	} else {
		id = it.site.String("PackageID")
		path := provider.Path(d.Class, "PackageID", id)
		if err := lock(path); err != nil {
			return "", err
		}
		// The key and the changed properties only: an instance read back
		// carries nulls, read-only and lazy properties a site refuses.
		in := provider.New(d.Class)
		in.Props["PackageID"] = id
		changed := false
		for k, v := range d.Props {
			if it.site.String(k) != v {
				in.Props[k], changed = v, true
			}
		}
		if changed {
			if _, err := site.Put(ctx, in); err != nil {
				return "", fmt.Errorf("update %s: %w", it, err)
			}
		}
	}
	if err := savePrograms(ctx, site, it, id); err != nil {
		return id, err
	}
	return id, twin
}

// savePrograms saves a package's changed programs concurrently: they are
// independent of each other once the package exists, and site (limited by
// apply) runs only as many of them at once as --parallelism leaves idle.
// The first failure in program order is returned; the programs saved before
// it stay saved, and the next plan shows the rest.
func savePrograms(ctx context.Context, site provider.Site, it *item, id string) error {
	progs := it.changedProgs
	errs := make([]error, len(progs))
	var wg sync.WaitGroup
	for i, pr := range progs {
		in := provider.New(object.ClassProgram)
		in.Props["PackageID"] = id
		in.Props["ProgramName"] = pr.Name
		for k, v := range pr.Props {
			in.Props[k] = v
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := site.Put(ctx, in); err != nil {
				errs[i] = fmt.Errorf("save program %q of %s: %w", pr.Name, it, err)
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

func (p *Planned) applySequence(ctx context.Context, site provider.Site, r *resolver, it *item, lock func(string) error, checkNames bool) (string, error) {
	cs := it.seq
	bootID, err := bootImageID(r, cs)
	if err != nil {
		return "", err
	}
	props := desired.SequenceProps(cs, bootID)
	// The package goes to the site as its key (when it exists) and the
	// properties tsctl manages, never as the instance read back: its
	// nulls, read-only and lazy properties (Sequence, References) are
	// refused by real sites. A fields-only update sends only what changed.
	pkg := provider.New(object.ClassTaskSequencePackage)
	if it.site != nil {
		id := it.site.String("PackageID")
		if err := lock(provider.Path(object.ClassTaskSequencePackage, "PackageID", id)); err != nil {
			return "", err
		}
		pkg.Props["PackageID"] = id
	} else {
		pkg.Props["ISVString"] = ownerMark(p.Config)
	}
	for k, v := range props {
		if it.site != nil && !it.stepsChanged && it.site.String(k) == v {
			continue
		}
		if k == "Duration" {
			n, _ := strconv.ParseInt(v, 10, 64)
			pkg.Props[k] = n
			continue
		}
		pkg.Props[k] = v
	}
	if it.site != nil && !it.stepsChanged {
		if _, err := site.Put(ctx, pkg); err != nil {
			return "", fmt.Errorf("update %s: %w", it, err)
		}
		return it.site.String("PackageID"), nil
	}
	q, ds := (&desired.Builder{R: r}).Sequence(cs)
	if ds.HasErrors() {
		return "", ds
	}
	for _, ref := range pendingRefs(q) {
		return "", fmt.Errorf("build %s: %s still unresolved", it, ref)
	}
	if it.site == nil && checkNames {
		if err := checkAbsent(ctx, site, it); err != nil {
			return "", err
		}
	}
	out, err := site.ExecMethod(ctx, object.ClassTaskSequencePackage, "ImportSequence", map[string]any{"SequenceXML": model.MarshalString(q)})
	if err != nil {
		return "", fmt.Errorf("ImportSequence for %s: %w", it, err)
	}
	ts, _ := out["TaskSequence"].(*provider.Instance)
	if ts == nil {
		return "", fmt.Errorf("ImportSequence for %s: no TaskSequence returned", it)
	}
	out, err = site.ExecMethod(ctx, object.ClassTaskSequencePackage, "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts})
	if err != nil {
		return "", fmt.Errorf("SetSequence for %s: %w", it, err)
	}
	path, _ := out["SavedTaskSequencePackagePath"].(string)
	_, keys, err := provider.ParsePath(path)
	if err != nil {
		return "", fmt.Errorf("SetSequence for %s: %w", it, err)
	}
	id := keys["PackageID"]
	if it.site == nil && checkNames {
		if err := checkSingle(ctx, site, it, id); err != nil {
			return id, err
		}
	}
	r.setCreated(object.Sequence, cs.Name, id)
	return id, nil
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
