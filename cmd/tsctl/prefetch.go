package main

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
)

// prefetch connects to a remote site and reads its classes while the
// configuration loads: those queries are round trips and server work that
// the load would otherwise wait for. It starts only when connecting can
// have no visible effect — an https site whose credentials come without a
// prompt and whose TLS is verified — so the output and what happens on bad
// input stay exactly as without it: a configuration error is reported
// alone, and the site the prefetch opened is closed unused. A local site
// is never opened early: opening it takes its lock, which no process may
// hold while local files are read.
//
// For an apply (not readOnly), the reads are made only under the site's
// apply lease, taken without waiting: what another apply is changing is
// not worth reading, and the apply takes the lease (waiting if asked to)
// and reads again.
type prefetch struct {
	url     string
	done    chan struct{}
	cancel  context.CancelFunc
	site    provider.Site
	state   *engine.State
	err     error // from connecting; a failed read leaves state nil instead
	lease   *provider.Lease
	noLease error // the site offers no apply lease (ErrNoLease): the state was read without one
}

// startPrefetch starts reading the site named by the --site flag value (or
// $TSCTL_SITE), at most reads queries at once (0: the default); nil when it
// is not worth it or not safe to.
func (c *cli) startPrefetch(siteFlag string, readOnly bool, reads int) *prefetch {
	url := firstNonEmpty(siteFlag, os.Getenv(SiteEnv))
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

// abandon stops the prefetch and closes what it opened, without waiting.
func (p *prefetch) abandon() {
	if p == nil {
		return
	}
	p.cancel()
	go func() {
		<-p.done
		_ = p.lease.Release()
		if p.site != nil {
			p.site.Close()
		}
	}()
}
