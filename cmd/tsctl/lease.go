package main

import (
	"context"
	"errors"
	"time"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/provider"
)

// holdLease takes the site's apply lease for this run, waiting up to
// timeout while another apply holds it (saying so once), and returns the
// state the plan may use: the prefetched state when it was read under this
// lease (or on a site without one), nil otherwise, so that the plan reads
// the site as it is once the other apply has finished. lease is nil on a
// site that offers no lease; apply then checks each name again before
// creating it (engine.ApplyOptions.CheckNames).
func (c *cli) holdLease(ctx context.Context, pre *prefetch, site provider.Site, st *engine.State, timeout time.Duration) (*provider.Lease, *engine.State, error) {
	if pre != nil && pre.site == site {
		switch {
		case pre.lease != nil:
			c.noteReplaced(pre.lease)
			return pre.lease, st, nil
		case pre.noLease != nil:
			c.noteNoLease(pre.noLease)
			return nil, st, nil
		}
	}
	raw := site
	if c.counting != nil {
		raw = c.counting.Site // the lease's calls are not provider calls: not counted, not retried
	}
	lease, err := provider.AcquireLease(ctx, raw, provider.NewLeaseHolder(currentUser()), timeout, func(h provider.LeaseHolder) { c.notefLease(h, timeout) })
	switch {
	case errors.Is(err, provider.ErrNoLease):
		c.noteNoLease(err)
		return nil, st, nil
	case err != nil:
		return nil, nil, err
	}
	c.noteReplaced(lease)
	if pre != nil && pre.held && pre.site == site {
		// A local site held by this process since it was found unchanged
		// (openLocalPrefetched): no one else has written to it.
		return lease, st, nil
	}
	return lease, nil, nil
}

// noteNoLease says that the site offers no apply lease, unless it refused
// it for want of rights: then the first write is refused too, and says so.
func (c *cli) noteNoLease(err error) {
	if !provider.IsKind(err, provider.KindDenied) {
		c.notef("%v: each name is checked again just before it is created", err)
	}
}

func (c *cli) noteReplaced(l *provider.Lease) {
	if l.Replaced != nil {
		c.notef("the apply lease of an earlier run (%s) was taken over: that run has ended without releasing it", *l.Replaced)
	}
}

// releaseLease gives the lease back, and warns when it ended early.
func (c *cli) releaseLease(l *provider.Lease) {
	if err := l.Lost(); err != nil {
		c.warnf("%v", err)
	}
	if err := l.Release(); err != nil {
		c.warnf("release the apply lease: %v", err)
	}
}

// refuseHeld reports another apply holding the site (or the wait for it
// interrupted); true when err was that.
func (c *cli) refuseHeld(err error) bool {
	if errors.Is(err, context.Canceled) {
		c.errorf("interrupted while waiting for the other apply; nothing was changed")
		return true
	}
	var held *provider.LeaseHeldError
	if !errors.As(err, &held) {
		return false
	}
	c.errorf("%v; nothing was changed", held)
	c.hint("%s", held.ErrorHint())
	return true
}
