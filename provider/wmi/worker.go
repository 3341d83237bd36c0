package wmi

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// ErrStopped is returned for calls made after the worker stopped.
var ErrStopped = errors.New("wmi: connection closed")

// Worker runs functions one at a time on a single goroutine locked to its
// OS thread: COM objects are initialised per thread and Go moves
// goroutines between threads, so everything that touches COM runs here.
type Worker struct {
	jobs chan func()
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// StartWorker starts the goroutine, runs setup on it (COM initialisation)
// and returns once setup has finished; teardown runs on it when Stop is
// called.
func StartWorker(setup func() error, teardown func()) (*Worker, error) {
	w := &Worker{jobs: make(chan func()), stop: make(chan struct{}), done: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(w.done)
		if err := setup(); err != nil {
			ready <- err
			return
		}
		ready <- nil
		for {
			select {
			case job := <-w.jobs:
				job()
			case <-w.stop:
				if teardown != nil {
					teardown()
				}
				return
			}
		}
	}()
	if err := <-ready; err != nil {
		return nil, err
	}
	return w, nil
}

// Do runs f on the worker and returns its error. A cancelled context
// returns early only while f waits its turn: a COM call in flight is not
// interrupted.
func (w *Worker) Do(ctx context.Context, f func() error) (err error) {
	res := make(chan error, 1)
	job := func() {
		defer func() {
			if r := recover(); r != nil {
				res <- panicError(r)
			}
		}()
		res <- f()
	}
	select {
	case w.jobs <- job:
	case <-w.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-res
}

// Stop finishes the worker after the call in flight; it is idempotent.
func (w *Worker) Stop() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
}

// panicError turns a panic in a COM wrapper (github.com/microsoft/wmi
// panics on some failures) into an error instead of a crash.
func panicError(r any) error {
	if err, ok := r.(error); ok {
		return &panicErr{err}
	}
	return &panicErr{fmt.Errorf("%v", r)}
}

type panicErr struct{ err error }

func (p *panicErr) Error() string { return "wmi: " + p.err.Error() }
func (p *panicErr) Unwrap() error { return p.err }
