package cores

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// TestEachCallsEveryIndexOnce at every count of cores, including more
// cores than items and none at all.
func TestEachCallsEveryIndexOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 3, 1000} {
			seen := make([]atomic.Int32, n)
			Each(n, func(i int) { seen[i].Add(1) })
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("GOMAXPROCS=%d n=%d: f(%d) called %d times", procs, n, i, c)
				}
			}
		}
	}
}

// TestEachRunsAtOnce: with two cores, two calls are in flight together
// (each waits for the other to start).
func TestEachRunsAtOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	started := make(chan struct{}, 2)
	Each(2, func(int) {
		started <- struct{}{}
		for len(started) < 2 {
			runtime.Gosched()
		}
	})
}
