package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// Progress of export and convert, on stderr: a line rewritten in place
// (at most ten times a second) on a terminal; elsewhere one line every
// countEvery, so that a log shows a long run is alive and a short one
// prints nothing; nothing with --quiet.
const (
	countLive  = 100 * time.Millisecond
	countEvery = 5 * time.Second
)

// counter counts what a long step has done of its total.
type counter struct {
	c       *cli
	live    bool
	every   time.Duration
	mu      sync.Mutex
	verb    string // "read", "converted"
	noun    string // "sequences"
	total   int
	n       atomic.Int64
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
	shown   bool // a live line is on the screen
}

// newCounter starts reporting progress; quiet reports nothing (nil: its
// methods do nothing).
func (c *cli) newCounter(quiet bool) *counter {
	if quiet {
		return nil
	}
	if isTerminal(c.stderr) && !dumbTerminal(os.LookupEnv) {
		return c.startCounter(true, countLive)
	}
	return c.startCounter(false, countEvery)
}

// startCounter reports progress every interval: rewriting one line (live)
// or a line each time.
func (c *cli) startCounter(live bool, every time.Duration) *counter {
	k := &counter{c: c, live: live, every: every, stop: make(chan struct{})}
	k.stopped.Add(1)
	go k.tick()
	return k
}

// phase starts counting verb noun up to total (-1: a total not known).
func (k *counter) phase(verb, noun string, total int) {
	if k == nil {
		return
	}
	k.mu.Lock()
	k.verb, k.noun, k.total = verb, noun, total
	k.n.Store(0)
	k.mu.Unlock()
}

// add counts one more done.
func (k *counter) add() {
	if k != nil {
		k.n.Add(1)
	}
}

func (k *counter) tick() {
	defer k.stopped.Done()
	t := time.NewTicker(k.every)
	defer t.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-t.C:
			k.show()
		}
	}
}

func (k *counter) show() {
	k.mu.Lock()
	defer k.mu.Unlock()
	var line string
	switch {
	case k.total == 0:
		return
	case k.total < 0: // not known yet
		line = fmt.Sprintf("tsctl: %d %s %s", k.n.Load(), k.noun, k.verb)
	default:
		line = fmt.Sprintf("tsctl: %d of %d %s %s", k.n.Load(), k.total, k.noun, k.verb)
	}
	if k.live {
		fmt.Fprintf(k.c.stderr, "\r\033[K%s", line)
		k.shown = true
		return
	}
	fmt.Fprintln(k.c.stderr, line)
}

// done stops reporting, clearing a live line; later calls do nothing.
func (k *counter) done() {
	if k == nil {
		return
	}
	k.once.Do(func() {
		close(k.stop)
		k.stopped.Wait()
		if k.shown {
			fmt.Fprint(k.c.stderr, "\r\033[K")
		}
	})
}

// countedReads is a site whose reads of task sequence packages are
// counted (export's reading phase).
type countedReads struct {
	provider.Site
	k *counter
}

func (s countedReads) Get(ctx context.Context, path string) (*provider.Instance, error) {
	in, err := s.Site.Get(ctx, path)
	if class, _, perr := provider.ParsePath(path); perr == nil && class == object.ClassTaskSequencePackage {
		s.k.add()
	}
	return in, err
}
