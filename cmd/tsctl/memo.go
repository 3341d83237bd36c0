package main

import (
	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/memo"
)

// The plan memo (internal/memo, engine.Memo) lets plan and apply skip
// building the managed sequences an earlier run found unchanged. It is
// opened after the configuration is read and before the site is, and
// written after the site is closed: tsctl never holds a local site while
// it reads or writes a local file.

// openMemo opens the plan memo for this run: nil when $TSCTL_CACHE is off,
// or there is no folder for it.
func (c *cli) openMemo() *memo.Store {
	dir := memo.Dir()
	if dir == "" {
		return nil
	}
	id, err := memo.Identity()
	if err != nil {
		c.memoNote = err.Error()
		return nil
	}
	return memo.Open(dir, id)
}

// closeMemo writes what this run added to the memo; a failure is only
// said with --stats (the next run plans in full, which is all it costs).
func (c *cli) closeMemo(m *memo.Store) {
	if m == nil {
		return
	}
	n, err := m.Close()
	if c.stats {
		switch {
		case err != nil:
			c.notef("plan memo: %v", err)
		case n > 0:
			c.notef("plan memo: recorded %d %s", n, plural(n, "sequence", "sequences"))
		}
	}
}

// useMemo gives opts the memo, when there is one.
func useMemo(opts *engine.PlanOptions, m *memo.Store) {
	if m != nil {
		opts.Memo = m
	}
}

// noteMemo reports, with --stats, how many managed sequences the plan took
// from the memo.
func (c *cli) noteMemo(p *engine.Planned) {
	if hits, misses := p.MemoHits(); hits+misses > 0 {
		c.memoStats = func() {
			c.notef("plan memo: %d of %d managed %s unchanged without a build", hits, hits+misses, plural(hits+misses, "sequence", "sequences"))
		}
	}
}
