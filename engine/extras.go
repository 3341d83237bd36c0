package engine

import (
	"context"

	"github.com/tsctl/tsctl/internal/plan"
)

// A followUp is what a package or sequence needs once it exists, besides
// its own properties and steps: a move into its console folder, its
// content distributed. It runs after the object's own change (or alone,
// when the object is otherwise unchanged), with the object's PackageID.
type followUp interface {
	run(ctx context.Context, a *applier, id string) error
	// calls are its provider calls, one after another (see Change).
	calls() []int
}

// amended is the change of an object with follow-ups: its own change, if
// any, then each follow-up in order. A follow-up that fails fails the
// object, and what ran before stays done (the summary says "created, but
// …" for a new object).
type amended struct {
	obj  *plan.Object
	base Change // nil: the object itself does not change
	then []followUp
}

func (c *amended) Object() *plan.Object { return c.obj }

func (c *amended) calls(checkNames bool) []int {
	var steps []int
	if c.base != nil {
		steps = c.base.calls(checkNames)
	}
	for _, f := range c.then {
		steps = append(steps, f.calls()...)
	}
	return steps
}

func (c *amended) apply(ctx context.Context, a *applier) (string, error) {
	id := c.obj.ID
	if c.base != nil {
		var err error
		if id, err = c.base.apply(ctx, a); err != nil {
			return id, err
		}
	}
	for _, f := range c.then {
		if err := f.run(ctx, a, id); err != nil {
			return id, err
		}
	}
	return id, nil
}

// amend gives the entries with follow-ups a change that runs them; an
// entry the plan otherwise leaves alone becomes an update.
func (p *Planned) amend() {
	for _, e := range p.entries {
		if len(e.then) == 0 {
			continue
		}
		if e.obj.Action == plan.NoOp {
			e.obj.Action = plan.Update
		}
		e.change = &amended{obj: e.obj, base: e.change, then: e.then}
	}
}
