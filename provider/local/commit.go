package local

import (
	"fmt"
	"sync"

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
}

type write struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// update runs fn in a write transaction and returns once it is committed.
func (c *committer) update(fn func(*bolt.Tx) error) error {
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
			for _, w := range batch {
				w.done <- err // nil, or the commit's own failure
			}
			return
		}
		if failed > 0 {
			c.commit(batch[:failed])
		}
		w := batch[failed]
		w.done <- c.db.Update(func(tx *bolt.Tx) error { return run(w.fn, tx) })
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
