package local

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// committer runs the site's writes with group commit. bbolt allows one
// write transaction at a time and each commit syncs the file twice, so
// concurrent saves (apply runs several objects at once) would queue for the
// disk one by one. Instead, writes that arrive while a commit is in
// progress are run together in the next transaction, in arrival order, with
// one sync for all of them. Each caller still returns only once its own
// write is durable, with its own result: a write that fails is rolled back
// alone (the writes before it are committed again without it), exactly as
// if every write had had a transaction of its own.
//
// A write function may run more than once, always on a transaction where
// the writes before it are applied and its own effects are not, so it must
// not depend on anything it changed outside the transaction.
type committer struct {
	db      *bolt.DB
	mu      sync.Mutex
	queue   []*write
	running bool

	// What the writes cost, for CommitStats.
	commits, writes atomic.Int64
	waited, longest atomic.Int64 // nanoseconds from a write's arrival to its answer
}

// CommitStats is what a site's writes cost: the transactions committed,
// the writes handed in (refused ones too), and how long writers waited from handing in a
// write to its answer (running it, the commit's syncs, and any commit in
// progress when it arrived).
type CommitStats struct {
	Commits, Writes int64
	Waited, Longest time.Duration
}

// String describes the stats in a line: "12 commits of 200 writes; …".
func (c CommitStats) String() string {
	if c.Writes == 0 {
		return "no writes"
	}
	return fmt.Sprintf("%d commits of %d writes; a write waited %.1f ms on average, %.1f ms at most, for its commit",
		c.Commits, c.Writes, float64(c.Waited)/float64(c.Writes)/1e6, float64(c.Longest)/1e6)
}

func (c *committer) stats() CommitStats {
	return CommitStats{Commits: c.commits.Load(), Writes: c.writes.Load(),
		Waited: time.Duration(c.waited.Load()), Longest: time.Duration(c.longest.Load())}
}

// took records a write's wait.
func (c *committer) took(d time.Duration) {
	c.writes.Add(1)
	c.waited.Add(int64(d))
	for {
		l := c.longest.Load()
		if int64(d) <= l || c.longest.CompareAndSwap(l, int64(d)) {
			return
		}
	}
}

type write struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// update runs fn in a write transaction and returns once it is committed.
func (c *committer) update(fn func(*bolt.Tx) error) error {
	start := time.Now()
	defer func() { c.took(time.Since(start)) }()
	w := &write{fn: fn, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, w)
	lead := !c.running
	c.running = true
	c.mu.Unlock()
	if lead {
		c.drain()
	}
	return <-w.done
}

// drain commits what is queued; if more arrived meanwhile, a new goroutine
// commits that, so that the caller that led this batch returns at once.
func (c *committer) drain() {
	c.mu.Lock()
	batch := c.queue
	c.queue = nil
	c.mu.Unlock()
	c.commit(batch)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) > 0 {
		go c.drain()
		return
	}
	c.running = false
}

// commit runs batch in one transaction. When a write fails, the writes
// before it are committed on their own, the failing one is run again alone
// (its error then comes from the state it would have seen anyway), and the
// writes after it follow.
func (c *committer) commit(batch []*write) {
	for len(batch) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, w := range batch {
				if err := run(w.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			if err == nil {
				c.commits.Add(1)
			}
			for _, w := range batch {
				w.done <- err // nil, or the commit's own failure
			}
			return
		}
		if failed > 0 {
			c.commit(batch[:failed])
		}
		w := batch[failed]
		err = c.db.Update(func(tx *bolt.Tx) error { return run(w.fn, tx) })
		if err == nil {
			c.commits.Add(1)
		}
		w.done <- err
		batch = batch[failed+1:]
	}
}

// run runs one write, turning a panic into its error: the writes queued
// with it must still get their answers (under site serve, other requests
// are waiting on them).
func run(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("local site: internal error in a write: %v", r)
		}
	}()
	return fn(tx)
}
