package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
	"github.com/tsctl/tsctl/provider/local"
)

// prefetch connects to the site and reads its classes while the
// configuration loads: those queries are round trips and server work that
// the load would otherwise wait for. It starts only when connecting can
// have no visible effect, so the output and what happens on bad input stay
// exactly as without it: a configuration error is reported alone, and the
// site the prefetch opened is closed unused.
//
// An https site is read from the start of the load, when its credentials
// come without a prompt and its TLS is verified. For an apply (not
// readOnly), the reads are made only under the site's apply lease, taken
// without waiting: what another apply is changing is not worth reading,
// and the apply takes the lease (waiting if asked to) and reads again.
//
// For an apply, a local site that exists is read once every configuration
// file has been read (filesRead), while they are decoded and checked (plan
// reads a local site after the load: there the early read only kept the
// site's objects live while the load's garbage was collected, seven more
// collections in a no-op plan of 8,000 sequences, for no round trip saved): no process may
// hold a local site while a local file is read, so the prefetch opens it
// read-only, without waiting for another process holding it, and closes
// it when its reads are done, before the secrets' files are read
// (waitLocal). The command then opens the site as it always does and uses
// what was read only when the site is the same store at the same revision
// (local.Site.Revision: no write committed in between); otherwise it
// reads the site again.
type prefetch struct {
	url     string
	done    chan struct{}
	cancel  context.CancelFunc
	site    provider.Site
	state   *engine.State
	err     error // from connecting; a failed read leaves state nil instead
	lease   *provider.Lease
	noLease error // the site offers no apply lease (ErrNoLease): the state was read without one

	// A local site's prefetch: started by filesRead, its store closed when
	// done; what was read holds while the store is the same file (db) at
	// the same revision.
	local   *localPrefetch
	started bool
	// localDone, when set, is called once the local prefetch has closed
	// the store (a test's seam: cli.localPrefetched).
	localDone func()
	// held is set by openPrefetched when the site it returns was opened
	// for writing and found unchanged since the local prefetch read it: the
	// state holds until this process writes (no other process can open the
	// store meanwhile).
	held bool
}

type localPrefetch struct {
	start    func()
	dir      string
	db       os.FileInfo // the store read
	rev      uint64      // its revision when read
	code     string
	counting *provider.Counting // the calls made, carried over to the command's site
	retrying *provider.Retrying
}

// startPrefetch starts reading the site named by the --site flag value (or
// $TSCTL_SITE), at most reads queries at once (0: the default); nil when it
// is not worth it or not safe to.
func (c *cli) startPrefetch(siteFlag string, readOnly bool, reads int) *prefetch {
	url := firstNonEmpty(siteFlag, os.Getenv(SiteEnv))
	if localURL := firstNonEmpty(url, DefaultSite); !readOnly {
		if dir, ok := strings.CutPrefix(localURL, "local:"); ok && dir != "" && local.Exists(dir) {
			return c.prepareLocalPrefetch(localURL, dir, reads)
		}
	}
	if url == "" || !c.quietToOpen(url) {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &prefetch{url: url, done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(p.done)
		if p.site, p.err = c.openSiteWith(url, readOnly, true); p.err != nil {
			return
		}
		if !readOnly {
			lease, err := provider.AcquireLease(ctx, c.counting.Site, provider.NewLeaseHolder(currentUser()), 0, nil)
			switch {
			case err == nil:
				p.lease = lease
			case errors.Is(err, provider.ErrNoLease):
				p.noLease = err
			default:
				return // held by another apply: the apply waits for it and reads then
			}
		}
		if st, err := engine.ReadState(ctx, p.site, reads); err == nil {
			p.state = st
		}
	}()
	return p
}

// prepareLocalPrefetch returns the prefetch of the local site in dir,
// to be started by filesRead.
func (c *cli) prepareLocalPrefetch(url, dir string, reads int) *prefetch {
	ctx, cancel := context.WithCancel(context.Background())
	p := &prefetch{url: url, done: make(chan struct{}), cancel: cancel}
	lp := &localPrefetch{dir: dir}
	lp.start = func() {
		defer close(p.done)
		faults, err := c.localFaults()
		if err != nil {
			return // reported when the command opens the site
		}
		s, err := local.Open(dir, local.Options{ReadOnly: true, Timeout: time.Millisecond, Faults: faults})
		if err != nil {
			return // held by another process, or gone: the command opens it itself
		}
		defer s.Close()
		if lp.db, err = os.Stat(filepath.Join(dir, local.DBFile)); err != nil {
			return
		}
		if lp.rev, err = s.Revision(); err != nil {
			return
		}
		lp.counting = provider.NewCounting(s)
		lp.retrying = provider.NewRetrying(lp.counting)
		if err := identify(s, lp.retrying); err != nil {
			return
		}
		lp.code = s.Code()
		if st, err := engine.ReadState(ctx, lp.retrying, reads); err == nil {
			p.state, p.site = st, lp.retrying
		}
	}
	p.local, p.localDone = lp, c.localPrefetched
	return p
}

// filesRead starts a local site's prefetch: every configuration file has
// been read.
func (p *prefetch) filesRead() {
	if p == nil || p.local == nil || p.started {
		return
	}
	p.started = true
	go p.local.start()
}

// waitLocal waits for a local site's prefetch to close the store, so that
// the command reads local files again (secrets, the plan memo) only while
// no site is held.
func (p *prefetch) waitLocal() {
	if p != nil && p.local != nil && p.started {
		<-p.done
		if p.localDone != nil {
			p.localDone()
			p.localDone = nil
		}
	}
}

// quietToOpen reports whether url is a remote site that opening prints
// nothing for, asks nothing for and creates nothing on.
func (c *cli) quietToOpen(url string) bool {
	if !strings.HasPrefix(url, "https://") {
		return false
	}
	if c.insecure || os.Getenv("TSCTL_INSECURE_SKIP_VERIFY") == "1" {
		return false // warned about on every run, after the configuration's diagnostics
	}
	var opt adminservice.Options
	needPassword, err := adminservice.AuthFromEnv(os.Getenv, &opt)
	return err == nil && !needPassword
}

// result waits for the prefetch and returns the open site and what was
// read, when the prefetch was for url; ok is false when the caller should
// open the site itself.
func (p *prefetch) result(url string) (site provider.Site, st *engine.State, ok bool, err error) {
	if p == nil {
		return nil, nil, false, nil
	}
	<-p.done
	if p.url != url {
		p.abandon()
		return nil, nil, false, nil
	}
	return p.site, p.state, true, p.err
}

// openPrefetched returns the site at url and, when the prefetch read it,
// its state; without a prefetch it opens the site.
func (c *cli) openPrefetched(pre *prefetch, url string, readOnly bool) (provider.Site, *engine.State, error) {
	if pre != nil && pre.local != nil {
		return c.openLocalPrefetched(pre, url, readOnly)
	}
	if site, st, ok, err := pre.result(url); ok {
		if err == nil || !strings.HasPrefix(url, "local:") {
			return site, st, err
		}
		// The prefetch does not wait for a local site another process
		// holds; opening it now waits, or says who holds it.
	}
	site, err := c.openSite(url, readOnly)
	return site, nil, err
}

// openLocalPrefetched opens the local site at url as openSite does and
// returns what the prefetch read of it when the store is the same file at
// the same revision; otherwise it identifies the site again and returns
// no state (the plan reads it). The calls the prefetch made stay counted.
func (c *cli) openLocalPrefetched(pre *prefetch, url string, readOnly bool) (provider.Site, *engine.State, error) {
	pre.waitLocal()
	if pre.url != url || pre.site == nil {
		site, err := c.openSite(url, readOnly)
		return site, nil, err
	}
	raw, err := c.openRaw(url, readOnly, false)
	if err != nil {
		return nil, nil, err
	}
	lp := pre.local
	lp.counting.Site = raw // the prefetch's store is closed: its calls stay counted, the next go to raw
	c.counting, c.retrying = lp.counting, lp.retrying
	if s, ok := raw.(*local.Site); ok {
		rev, err := s.Revision()
		db, statErr := os.Stat(filepath.Join(lp.dir, local.DBFile))
		if err == nil && statErr == nil && rev == lp.rev && os.SameFile(db, lp.db) && s.Code() == lp.code {
			pre.held = !readOnly
			return c.retrying, pre.state, nil
		}
	}
	if err := identify(raw, c.retrying); err != nil {
		raw.Close()
		return nil, nil, err
	}
	return c.retrying, nil, nil
}

// abandon stops the prefetch and closes what it opened, without waiting.
func (p *prefetch) abandon() {
	if p == nil {
		return
	}
	p.cancel()
	if p.local != nil {
		return // its store is closed when its reads end (not started: nothing to close)
	}
	go func() {
		<-p.done
		_ = p.lease.Release()
		if p.site != nil {
			p.site.Close()
		}
	}()
}
