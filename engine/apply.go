package engine

import (
	"context"
	"errors"
	"time"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/internal/secret"
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
	Replaced
)

func (o Outcome) String() string {
	return [...]string{"unchanged", "created", "updated", "deleted", "failed", "skipped", "replaced"}[o]
}

// ObjectResult is one object's outcome.
type ObjectResult struct {
	Address string
	Kind    object.Kind
	Name    string
	ID      string // its key (PackageID, AdvertisementID, ContainerNodeID), when the object exists
	Outcome Outcome
	Reason  string // why it failed or was skipped
	Hint    string // what to do about a failure, when the site said
}

// ApplyResult lists every object's outcome in plan order (internal/views
// renders it).
type ApplyResult struct {
	Objects []ObjectResult
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
	// Secrets are the values secret.ReadAll read before the site was
	// opened; nil reads them when Apply starts.
	Secrets *secret.Values
	OnWarn  func(string) // called with a warning about the whole run (at most once each)
}

// Apply executes the plan's changes (see Change): independent objects in
// parallel, every object after the objects it depends on, a failure
// skipping only its dependants (see scheduler). Every secret the writes
// need must have been read (opts.Secrets, else read now); one that could
// not be fails the whole apply with nothing written.
func (p *Planned) Apply(ctx context.Context, opts ApplyOptions) (*ApplyResult, error) {
	if opts.Parallelism < 1 {
		opts.Parallelism = 4
	}
	if opts.Secrets == nil {
		opts.Secrets = secret.ReadAll(p.Config)
	}
	if ds := p.CheckSecrets(opts.Secrets); ds.HasErrors() {
		return nil, ds
	}
	r := resolve.New(p.State, p.Config, opts.Secrets)
	p.resolver = r
	// Every value apply may write is redacted from every message, whichever
	// object's request a site echoes.
	for _, s := range p.writtenSecrets() {
		v, _ := opts.Secrets.Value(s)
		r.Secrets().Add(v)
	}
	// At most Parallelism objects run at once, and at most Parallelism
	// calls: a package's programs are saved concurrently only with calls
	// that other objects leave idle.
	a := &applier{site: provider.NewLimited(p.State.Site, opts.Parallelism), locks: &lockReader{warn: opts.OnWarn}, r: r,
		user: opts.User, lockWait: opts.LockTimeout, checkNames: opts.CheckNames, mark: ownerMark(p.Config), refs: p.refs}
	report := func(ObjectResult) {}
	if opts.OnDone != nil {
		report = opts.OnDone
	}
	s := newScheduler(p.Plan.Objects, p.changes(), report)
	s.run(ctx, opts.Parallelism, func(j *job) error {
		if opts.OnStart != nil {
			opts.OnStart(j.obj)
		}
		// The object in flight finishes even when interrupted.
		id, err := j.change.apply(context.WithoutCancel(ctx), a)
		j.result.settle(j.obj, id, err, r.Secrets())
		return err
	})
	return &ApplyResult{Objects: s.results()}, nil
}

// settle records what applying o's change did: created, updated or
// deleted, or why it failed or was skipped, secret values redacted.
func (out *ObjectResult) settle(o *plan.Object, id string, err error, secrets *secret.Redactor) {
	used, inUse := isInUse(err)
	switch {
	case inUse:
		out.Outcome, out.Reason, out.Hint = Skipped, used.Error(), used.ErrorHint()
	case err != nil && provider.IsKind(err, provider.KindLocked):
		out.Outcome, out.Reason = Skipped, secrets.Redact(lockReason(err))
	case errors.As(err, new(*AppearedError)), errors.As(err, new(*DeployedError)), errors.As(err, new(*NotEmptyError)):
		// refused at the moment of deletion: the site is left as it is
		out.Outcome, out.Reason, out.Hint = Skipped, err.Error(), diag.HintOf(err)
	case errors.As(err, new(*DeletedThenFailedError)):
		// the object the plan named is gone: no ID of it
		out.Outcome, out.ID, out.Reason, out.Hint = Failed, "", secrets.Redact(err.Error()), diag.HintOf(err)
	case errors.As(err, new(*DuplicateError)):
		out.Outcome, out.ID, out.Reason, out.Hint = Failed, id, err.Error(), diag.HintOf(err)
	case err != nil:
		out.Outcome, out.Reason, out.Hint = Failed, secrets.Redact(err.Error()), secrets.Redact(diag.HintOf(err))
		if (o.Action == plan.Create || o.Action == plan.Replace) && id != "" {
			// the object exists now (a package whose program then
			// failed): the summary names it
			out.ID, out.Reason = id, "created, but "+out.Reason
		}
	case o.Action == plan.Create:
		out.Outcome, out.ID = Created, id
	case o.Action == plan.Replace:
		out.Outcome, out.ID = Replaced, id
	case o.Action == plan.Delete:
		out.Outcome = Deleted
	default:
		out.Outcome = Updated
	}
}
