package engine

import (
	"context"
	"fmt"

	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// scheduler runs the changes of a plan in dependency order. Whenever a
// slot is free it starts the first job in plan order whose dependencies
// have all finished, so with one slot the changes run exactly in plan
// order. On the way it settles the jobs that need no work: a no-op counts
// as unchanged (whatever its dependencies did), a job whose dependency
// failed or was skipped is skipped, and once the context is done or the
// run halts, every job not started is skipped. A deletion waits for all
// its dependencies — the changes to the sequences that use its object —
// and is skipped, naming each of them, unless every one succeeded.
type scheduler struct {
	jobs   []*job // in plan order
	report func(ObjectResult)
	// halt, once set, is why no further job starts: an access-denied
	// failure, after which every other write would be denied too.
	halt string
}

// job is one object of the plan as the scheduler runs it.
type job struct {
	obj      *plan.Object
	change   Change // nil for an object the plan leaves alone
	deps     []*job // the jobs of the plan it depends on
	started  bool
	finished bool
	result   ObjectResult
	err      error // what its change failed with
}

// newScheduler schedules the objects of a plan (in its order) with their
// changes; report is told each object's outcome as it is settled.
func newScheduler(objs []*plan.Object, changes map[string]Change, report func(ObjectResult)) *scheduler {
	s := &scheduler{report: report}
	byAddr := map[string]*job{}
	for _, o := range objs {
		j := &job{obj: o, change: changes[o.Address], result: ObjectResult{Address: o.Address, Kind: o.Kind, Name: o.Name, ID: o.ID}}
		byAddr[o.Address] = j
		s.jobs = append(s.jobs, j)
	}
	for _, j := range s.jobs {
		for _, d := range j.obj.DependsOn {
			if dep := byAddr[d]; dep != nil {
				j.deps = append(j.deps, dep)
			}
		}
	}
	return s
}

// run runs every job, at most parallelism at once, with exec, which makes
// the job's change and sets its result; the error it returns is what the
// change failed with, which halts the run when access was denied.
func (s *scheduler) run(ctx context.Context, parallelism int, exec func(*job) error) {
	done := make(chan *job)
	running := 0
	for {
		for running < parallelism {
			j := s.next(ctx)
			if j == nil {
				break
			}
			j.started = true
			running++
			go func() {
				j.err = exec(j)
				s.report(j.result)
				done <- j
			}()
		}
		if running == 0 {
			return
		}
		j := <-done
		j.finished = true
		running--
		if s.halt == "" && provider.IsKind(j.err, provider.KindDenied) {
			s.halt = fmt.Sprintf("not attempted: access was denied for %s %q", j.obj.Kind, j.obj.Name)
		}
	}
}

// next returns the first job not started whose dependencies have all
// finished, settling on the way the jobs that need no work; nil when no
// job can start now.
func (s *scheduler) next(ctx context.Context) *job {
next:
	for _, j := range s.jobs {
		if j.started {
			continue
		}
		if j.change == nil {
			s.settle(j, Unchanged, "")
			continue
		}
		var blocked []*job
		for _, d := range j.deps {
			if !d.finished {
				continue next
			}
			if d.result.Outcome == Failed || d.result.Outcome == Skipped {
				blocked = append(blocked, d)
				if j.obj.Action != plan.Delete {
					break
				}
			}
		}
		if len(blocked) > 0 {
			if j.obj.Action == plan.Delete {
				j.result.Reason, j.result.Hint = blockedDelete(j.obj, blocked)
			} else {
				dep := blocked[0].result
				verb := "failed"
				if dep.Outcome == Skipped {
					verb = "was skipped"
				}
				j.result.Reason = fmt.Sprintf("depends on %s %q, which %s", dep.Kind, dep.Name, verb)
			}
			s.settle(j, Skipped, j.result.Reason)
			s.report(j.result)
			return s.next(ctx) // what it settled may settle jobs before it
		}
		if ctx.Err() != nil || s.halt != "" {
			reason := "interrupted before it started"
			if ctx.Err() == nil {
				reason = s.halt
			}
			s.settle(j, Skipped, reason)
			s.report(j.result)
			continue
		}
		return j
	}
	return nil
}

// settle finishes a job that needs no work, with outcome o.
func (s *scheduler) settle(j *job, o Outcome, reason string) {
	j.started, j.finished = true, true
	j.result.Outcome, j.result.Reason = o, reason
}

// results lists every job's result in plan order.
func (s *scheduler) results() []ObjectResult {
	out := make([]ObjectResult, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = j.result
	}
	return out
}
