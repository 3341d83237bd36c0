package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsctl/tsctl/engine/desired"
	"github.com/tsctl/tsctl/engine/diag"
	"github.com/tsctl/tsctl/engine/plan"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/tsxml"
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
	Address string    `json:"address"`
	Kind    plan.Kind `json:"kind"`
	Name    string    `json:"name"`
	ID      string    `json:"id,omitempty"`
	Outcome Outcome   `json:"outcome"`
	Reason  string    `json:"reason,omitempty"`
	Hint    string    `json:"hint,omitempty"` // what to do about a failure, when the site said
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
}

// Apply executes the plan: independent objects in parallel, every object
// after the objects it depends on, a failure skipping only its dependants.
// Secrets are read before the first write; a missing one fails the whole
// apply with nothing written.
func (p *Planned) Apply(ctx context.Context, opts ApplyOptions) (*ApplyResult, error) {
	if opts.Parallelism < 1 {
		opts.Parallelism = 4
	}
	r := newResolver(p.State, p.Config, true)
	// Read every secret the writes need before the first write.
	var ds diag.List
	for _, o := range p.Plan.Objects {
		it := p.items[o.Address]
		if it.seq != nil && (o.Action == plan.Create || it.stepsChanged) {
			for _, s := range it.seq.Secrets() {
				v, err := ReadSecret(s)
				if err != nil {
					ds.AddErr(s.Pos, err)
				}
				r.secrets.add(v)
			}
		}
	}
	if ds.HasErrors() {
		ds.Sort()
		return nil, ds
	}

	// At most Parallelism objects run at once, and at most Parallelism
	// calls: a package's programs are saved concurrently only with calls
	// that other objects leave idle.
	site := provider.NewLimited(p.State.Site, opts.Parallelism)
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
				id, err := p.applyOne(context.WithoutCancel(ctx), site, r, p.items[o.Address], opts)
				errs[i] = err
				switch {
				case err != nil && provider.IsKind(err, provider.KindLocked):
					out.Outcome, out.Reason = Skipped, r.secrets.redact(lockReason(err))
				case errors.As(err, new(*AppearedError)):
					out.Outcome, out.Reason, out.Hint = Skipped, err.Error(), diag.HintOf(err)
				case errors.As(err, new(*DuplicateError)):
					out.Outcome, out.ID, out.Reason, out.Hint = Failed, id, err.Error(), diag.HintOf(err)
				case err != nil:
					out.Outcome, out.Reason, out.Hint = Failed, r.secrets.redact(err.Error()), r.secrets.redact(diag.HintOf(err))
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
// finished, settling on the way objects that need no work: no-ops, objects
// whose dependency failed or was skipped, and everything once interrupted
// or halted (halt is then the reason).
func (p *Planned) nextReady(objs []*plan.Object, index map[string]int, started, finished []bool, res *ApplyResult, opts ApplyOptions, ctx context.Context, halt string) int {
next:
	for i, o := range objs {
		if started[i] {
			continue
		}
		out := &res.Objects[i]
		for _, d := range o.DependsOn {
			j, ok := index[d]
			if !ok {
				continue
			}
			if !finished[j] {
				continue next
			}
			if dep := res.Objects[j]; dep.Outcome == Failed || dep.Outcome == Skipped {
				started[i], finished[i] = true, true
				verb := "failed"
				if dep.Outcome == Skipped {
					verb = "was skipped"
				}
				out.Outcome, out.Reason = Skipped, fmt.Sprintf("depends on %s %q, which %s", dep.Kind, dep.Name, verb)
				p.report(opts, *out)
				return p.nextReady(objs, index, started, finished, res, opts, ctx, halt)
			}
		}
		if o.Action == plan.NoOp {
			started[i], finished[i] = true, true
			out.Outcome = Unchanged
			continue
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

func lockReason(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Holder != nil {
		return strings.TrimPrefix(pe.Msg, "object is ")
	}
	return err.Error()
}

// checkLock refuses to write an object someone else holds a SEDO lock on,
// after waiting up to timeout for it to be released. It never takes or
// releases a lock itself.
func checkLock(ctx context.Context, site provider.Site, path, user string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		li, err := provider.GetLockInformation(ctx, site, path)
		if err != nil {
			return fmt.Errorf("read lock of %s: %w", path, err)
		}
		if !li.Held() || strings.EqualFold(li.User, user) {
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

func (p *Planned) applyOne(ctx context.Context, site provider.Site, r *resolver, it *item, opts ApplyOptions) (string, error) {
	lock := func(path string) error { return checkLock(ctx, site, path, opts.User, opts.LockTimeout) }
	switch {
	case it.deletePath != "":
		if err := lock(it.deletePath); err != nil {
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
			if err := checkAbsent(ctx, site, it, d.Class); err != nil {
				return "", err
			}
		}
		in := provider.New(d.Class)
		for k, v := range d.Props {
			in.Props[k] = v
		}
		in.Props["ISVString"] = OwnerMark
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
			twin = checkSingle(ctx, site, it, d.Class, id)
		}
		r.setCreated(desired.RefKind(it.obj.Kind), it.obj.Name, id)
	} else {
		id = it.site.String("PackageID")
		path := provider.Path(d.Class, "PackageID", id)
		if err := lock(path); err != nil {
			return "", err
		}
		in := it.site.Clone() // read by this run's plan; not read again
		changed := false
		for k, v := range d.Props {
			if in.String(k) != v {
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
		in := provider.New("SMS_Program")
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
	bootID := ""
	if cs.BootImage != "" {
		var err error
		if bootID, err = r.ID(desired.RefBootImage, cs.BootImage); err != nil {
			return "", err
		}
	}
	props := desired.SequenceProps(cs, bootID)
	var pkg *provider.Instance
	if it.site != nil {
		path := provider.Path(ClassTaskSequencePackage, "PackageID", it.site.String("PackageID"))
		if err := lock(path); err != nil {
			return "", err
		}
		pkg = it.site.Clone() // read (with its lazy properties) by this run's plan
		delete(pkg.Props, "Sequence")
	} else {
		pkg = provider.New(ClassTaskSequencePackage)
		pkg.Props["ISVString"] = OwnerMark
	}
	for k, v := range props {
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
		if err := checkAbsent(ctx, site, it, ClassTaskSequencePackage); err != nil {
			return "", err
		}
	}
	out, err := site.ExecMethod(ctx, ClassTaskSequencePackage, "ImportSequence", map[string]any{"SequenceXML": tsxml.MarshalString(q)})
	if err != nil {
		return "", fmt.Errorf("ImportSequence for %s: %w", it, err)
	}
	ts, _ := out["TaskSequence"].(*provider.Instance)
	if ts == nil {
		return "", fmt.Errorf("ImportSequence for %s: no TaskSequence returned", it)
	}
	out, err = site.ExecMethod(ctx, ClassTaskSequencePackage, "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts})
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
		if err := checkSingle(ctx, site, it, ClassTaskSequencePackage, id); err != nil {
			return id, err
		}
	}
	r.setCreated(desired.RefSequence, cs.Name, id)
	return id, nil
}

// pendingRefs lists variables still holding the Pending placeholder.
func pendingRefs(q *tsxml.Sequence) []string {
	var out []string
	q.Walk(func(path string, s *tsxml.Step) bool {
		for _, v := range s.Vars {
			if v.Value == desired.Pending {
				out = append(out, path+": "+v.Property)
			}
		}
		return true
	})
	return out
}
