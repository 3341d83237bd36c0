// Package cores runs the iterations of a loop on every core: for work
// whose items are independent and whose results the caller keeps in
// order (by index), so what it prints or returns does not depend on how
// many cores there are.
package cores

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Each calls f(0) … f(n-1), on as many goroutines as there are cores
// (GOMAXPROCS), at most n, and returns when every call has. The calls may
// run in any order and at the same time.
func Each(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}
