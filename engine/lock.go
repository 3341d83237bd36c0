package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// lockReason is the reason a locked object was skipped: the holder, as
// GetLockInformation reported it or as the site's refusal of the save
// named it.
func lockReason(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) && pe.Holder != nil {
		if pe.Op == "GetLockInformation" {
			return strings.TrimPrefix(pe.Msg, "object is ")
		}
		return pe.Holder.String()
	}
	return err.Error()
}

// lockReader reads SEDO locks with SMS_ObjectLock.GetLockInformation. The
// first read of a run is the probe: when the site has no such method (an
// AdminService that does not route it answers 404), it says so once and
// every later check passes without a call, leaving the site to refuse a
// save of a locked object — reported with the holder when the refusal
// names one (lockReason).
type lockReader struct {
	mu      sync.Mutex
	probed  bool
	missing bool
	warn    func(string)
}

// read returns the lock of path; ok is false when the site cannot say.
func (l *lockReader) read(ctx context.Context, site provider.Site, path string) (li provider.LockInfo, ok bool, err error) {
	l.mu.Lock()
	if l.probed {
		missing := l.missing
		l.mu.Unlock()
		if missing {
			return li, false, nil
		}
		li, err = provider.GetLockInformation(ctx, site, path)
		return li, true, err
	}
	defer l.mu.Unlock() // the probe: other first checks wait for its answer
	li, err = provider.GetLockInformation(ctx, site, path)
	switch {
	case err != nil && provider.IsUnsupported(err):
		l.probed, l.missing = true, true
		if l.warn != nil {
			l.warn(fmt.Sprintf("the site does not offer SMS_ObjectLock.GetLockInformation (%v): locks are not read before writing; "+
				"a save of an object someone else holds is refused by the site and reported as locked", err))
		}
		return li, false, nil
	case err == nil:
		l.probed = true
	}
	return li, true, err
}

// checkLock refuses to write an object someone else holds a SEDO lock on,
// after waiting up to timeout for it to be released. It never takes or
// releases a lock itself.
func checkLock(ctx context.Context, site provider.Site, locks *lockReader, path, user string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		li, ok, err := locks.read(ctx, site, path)
		if err != nil {
			return fmt.Errorf("read lock of %s: %w", path, err)
		}
		if !ok || !li.Held() || strings.EqualFold(li.User, user) {
			return nil
		}
		wait := min(2*time.Second, max(timeout/10, 50*time.Millisecond))
		if timeout <= 0 || time.Now().Add(wait).After(deadline) {
			msg := "object is " + li.String()
			if timeout > 0 {
				msg += " (waited " + timeout.String() + ")"
			}
			return &provider.Error{Kind: provider.KindLocked, Op: "GetLockInformation", Msg: msg, Holder: &li}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}
