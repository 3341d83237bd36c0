package engine

import (
	"time"
)

// Bound is how long applying the plan would take if nothing took time but
// the site's answers: every provider call answers latency after it is
// made, and neither tsctl nor the site spend any CPU. The objects run as
// Apply runs them (see scheduler): in plan order as their dependencies
// finish, at most parallelism objects and parallelism calls at once (the
// calls waiting for one served in turn), each change's calls one after
// another, a package's programs at once. It is the dependency-aware lower
// bound an apply's writes are held to (tsctl-bench), where calls ×
// latency / parallelism ignores that a sequence waits for the children it
// runs. checkNames counts the name checks around each create
// (ApplyOptions.CheckNames).
func (p *Planned) Bound(parallelism int, latency time.Duration, checkNames bool) (d time.Duration, calls int) {
	if parallelism < 1 {
		parallelism = 1
	}
	type simJob struct {
		deps     []int
		steps    []int // calls of each step; a step's calls run at once
		step     int
		started  bool
		finished bool
		waiting  int // calls of the current step waiting for a slot
		inFlight int
	}
	changes := p.changes()
	index := map[string]int{}
	jobs := make([]*simJob, len(p.Plan.Objects))
	for i, o := range p.Plan.Objects {
		index[o.Address] = i
		j := &simJob{}
		if c := changes[o.Address]; c != nil {
			j.steps = c.calls(checkNames)
		}
		for _, n := range j.steps {
			calls += n
		}
		if len(j.steps) == 0 {
			j.started, j.finished = true, true
		}
		jobs[i] = j
	}
	for i, o := range p.Plan.Objects {
		for _, dep := range o.DependsOn {
			if k, ok := index[dep]; ok {
				jobs[i].deps = append(jobs[i].deps, k)
			}
		}
	}
	var queue []int // jobs waiting for call slots, one entry per call, in the order asked
	running, inFlight := 0, 0
	// next moves job i to its next step with calls, asking for them, or
	// finishes it.
	next := func(i int) {
		j := jobs[i]
		for j.step < len(j.steps) && j.steps[j.step] == 0 {
			j.step++
		}
		if j.step == len(j.steps) {
			j.finished = true
			running--
			return
		}
		j.waiting = j.steps[j.step]
		for range j.waiting {
			queue = append(queue, i)
		}
	}
	rounds := 0
	for {
		// Start what can start, in plan order, while objects may.
	start:
		for i, j := range jobs {
			if running >= parallelism {
				break
			}
			if j.started {
				continue
			}
			for _, k := range j.deps {
				if !jobs[k].finished {
					continue start
				}
			}
			j.started = true
			running++
			next(i)
		}
		// Calls take the free slots in the order they were asked for.
		for inFlight < parallelism && len(queue) > 0 {
			j := jobs[queue[0]]
			queue = queue[1:]
			j.waiting--
			j.inFlight++
			inFlight++
		}
		if inFlight == 0 {
			break
		}
		// Every call in flight answers after latency.
		rounds++
		inFlight = 0
		for i, j := range jobs {
			if j.inFlight == 0 {
				continue
			}
			j.inFlight = 0
			if j.waiting == 0 {
				j.step++
				next(i)
			}
		}
	}
	return time.Duration(rounds) * latency, calls
}

// guarded adds the name checks around a create (see guard.go) to its
// call steps when the apply makes them.
func guarded(checkNames bool, steps ...int) []int {
	if checkNames {
		return append(append([]int{1}, steps...), 1)
	}
	return steps
}
