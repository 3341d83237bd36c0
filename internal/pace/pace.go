// Package pace sets the Go runtime's soft memory limit and the collector's
// pace that tsctl runs at, each unless the user set it ($GOMEMLIMIT,
// $GOGC): the command sets them when it starts, and the in-process
// benchmarks while they measure, so both run as tsctl does.
package pace

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// MemoryLimit is the soft memory limit: under it the collector runs at
// GCPercent; near it, as often as it must to stay under it.
const MemoryLimit = 215 << 20

// GCPercent is the collector's pace ($GOGC) under the limit: half the
// default's collections, for a heap that may grow twice as far past what
// is live (far under the limit at every size tsctl measures).
const GCPercent = 200

// HeapFloor is the heap the collector lets a run grow to before it
// collects, however little of it is live: a run whose live heap is a few
// megabytes (an apply of a few hundred sequences, before its first write)
// otherwise collects a dozen times on its way to its peak, each cycle
// marking what the run is still building. Past HeapFloor / (1 +
// GCPercent/100) of live heap the pace is GCPercent's alone.
const HeapFloor = 64 << 20

// runtimeHeapMinimum is the Go runtime's smallest heap goal at GOGC=100,
// which it scales by GOGC/100 (runtime.defaultHeapMinimum).
const runtimeHeapMinimum = 4 << 20

// Set sets the limit and the pace, each unless its environment variable is
// set, and returns a function that restores what they were.
func Set() (restore func()) {
	return set(GCPercent, true)
}

// SetServing is Set for a process that serves for hours (tsctl site
// serve) at its own pace, without the heap floor: the floor's poller
// would wake an idle server every pollEvery.
func SetServing(percent int) (restore func()) {
	return set(percent, false)
}

func set(percent int, withFloor bool) (restore func()) {
	limit, before := int64(-1), -1
	if os.Getenv("GOMEMLIMIT") == "" {
		limit = debug.SetMemoryLimit(MemoryLimit)
	}
	var stop func()
	if os.Getenv("GOGC") == "" {
		stopFloor() // one at a time: a server's pace replaces the command's floor
		before = debug.SetGCPercent(percent)
		if withFloor {
			stop = startFloor(percent)
		}
	}
	return func() {
		if stop != nil {
			stop()
		}
		if limit >= 0 {
			debug.SetMemoryLimit(limit)
		}
		if before >= 0 {
			debug.SetGCPercent(before)
		}
	}
}

// percentFor is the pace that makes the heap goal after a collection that
// left live bytes live the larger of (1 + base/100) × live and HeapFloor.
// The runtime's goal is the larger of (1 + GOGC/100) × live and
// runtimeHeapMinimum × GOGC/100, so the pace that reaches the floor is
// the smaller of the two that give it (before the first collection, live
// is 0: the minimum alone).
func percentFor(base int, live uint64) int {
	p := HeapFloor / runtimeHeapMinimum * 100
	if live > 0 {
		p = min(p, int(HeapFloor*100/live)-100)
	}
	return max(p, base)
}

// floor holds the running floor: one at a time, as the runtime has one pace.
var floor struct {
	sync.Mutex
	stop chan struct{} // closed to stop the running one
}

// pollEvery is how often the floor looks for a finished collection. A
// finalizer run after each collection would answer sooner but can miss a
// cycle (one armed while a collection marks survives it), leaving a pace
// worked out for a smaller live heap in place for a whole cycle: the heap
// then grew to 140 MB where 65 MB was the goal. Polling bounds the lag at
// what the run allocates in pollEvery.
const pollEvery = 2 * time.Millisecond

// startFloor sets the pace from percentFor and sets it again after every
// collection, until stop is called.
func startFloor(base int) (stop func()) {
	floor.Lock()
	defer floor.Unlock()
	done := make(chan struct{})
	floor.stop = done
	debug.SetGCPercent(percentFor(base, 0))
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	seen := s[0].Value.Uint64()
	go func() {
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(s)
			if n := s[0].Value.Uint64(); n != seen {
				seen = n
				floor.Lock()
				if floor.stop == done {
					debug.SetGCPercent(percentFor(base, s[1].Value.Uint64()))
				}
				floor.Unlock()
			}
		}
	}()
	return func() {
		floor.Lock()
		defer floor.Unlock()
		if floor.stop == done {
			close(done)
			floor.stop = nil
		}
	}
}

// stopFloor stops the running floor, if any.
func stopFloor() {
	floor.Lock()
	defer floor.Unlock()
	if floor.stop != nil {
		close(floor.stop)
		floor.stop = nil
	}
}
