package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// The apply lease lets one apply at a time write to a site, so that two
// applies of one configuration cannot both create the same objects. tsctl's
// own sites (the embedded local site, also behind "tsctl site serve")
// implement it as static methods of LeaseClass; a Configuration Manager
// site has no such class, and AcquireLease then returns ErrNoLease.
const (
	LeaseClass   = "TSCTL_ApplyLease"
	LeaseAcquire = "Acquire"
	LeaseRenew   = "Renew"
	LeaseRelease = "Release"
)

// LeaseTTL is how long a lease lasts without being renewed: a holder that
// vanished without releasing it (killed, or cut off from the site) blocks
// other applies at most this long — less when the site can tell that the
// holder's process has ended.
const LeaseTTL = 2 * time.Minute

// leaseRenewEvery is how often a held lease is renewed.
const leaseRenewEvery = LeaseTTL / 4

// ErrNoLease says the site offers no apply lease.
var ErrNoLease = errors.New("the site offers no apply lease")

// LeaseHolder identifies an apply run.
type LeaseHolder struct {
	Run     string    // random identifier of the run
	User    string    // who runs it
	Machine string    // where it runs
	PID     int64     // its process
	Started time.Time // when it took the lease
}

// NewLeaseHolder describes this process's apply, run by user.
func NewLeaseHolder(user string) LeaseHolder {
	var b [8]byte
	_, _ = rand.Read(b[:])
	host, _ := os.Hostname()
	return LeaseHolder{Run: hex.EncodeToString(b[:]), User: user, Machine: host, PID: int64(os.Getpid()), Started: time.Now().UTC().Truncate(time.Second)}
}

func (h LeaseHolder) String() string {
	s := h.User
	if s == "" {
		s = "an unknown user"
	}
	if h.Machine != "" {
		s += " on " + h.Machine
	}
	if h.PID != 0 {
		s += fmt.Sprintf(" (pid %d)", h.PID)
	}
	if !h.Started.IsZero() {
		s += ", started " + h.Started.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return s
}

// LeaseParams renders the holder as the in-parameters of LeaseAcquire.
func (h LeaseHolder) LeaseParams() map[string]any {
	return map[string]any{"Run": h.Run, "User": h.User, "Machine": h.Machine, "PID": h.PID,
		"Started": h.Started.UTC().Format(time.RFC3339), "TTL": int64(LeaseTTL / time.Second)}
}

// LeaseHolderFrom reads a holder from method parameters written by
// LeaseParams, or from out-parameters with the given prefix ("Holder").
func LeaseHolderFrom(p map[string]any, prefix string) LeaseHolder {
	o := &Instance{Props: p}
	h := LeaseHolder{Run: o.String(prefix + "Run"), User: o.String(prefix + "User"), Machine: o.String(prefix + "Machine"), PID: o.Int(prefix + "PID")}
	h.Started, _ = time.Parse(time.RFC3339, o.String(prefix+"Started"))
	return h
}

// HolderParams renders h as out-parameters with prefix.
func (h LeaseHolder) HolderParams(prefix string, into map[string]any) {
	into[prefix+"Run"], into[prefix+"User"], into[prefix+"Machine"], into[prefix+"PID"] = h.Run, h.User, h.Machine, h.PID
	into[prefix+"Started"] = ""
	if !h.Started.IsZero() {
		into[prefix+"Started"] = h.Started.UTC().Format(time.RFC3339)
	}
}

// LeaseHeldError says another apply holds the site's lease.
type LeaseHeldError struct {
	Holder LeaseHolder
	Waited time.Duration // how long this run waited for it
}

func (e *LeaseHeldError) Error() string {
	s := "another apply is running on this site: " + e.Holder.String()
	if e.Waited > 0 {
		s += " (waited " + roundWait(e.Waited).String() + ")"
	}
	return s
}

func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// ErrorHint implements diag's hint interface.
func (e *LeaseHeldError) ErrorHint() string {
	if e.Waited > 0 {
		return "wait for it to finish, or give --lock-timeout more time"
	}
	return "wait for it to finish, or pass --lock-timeout 10m to wait for it"
}

// Lease is an apply lease held on a site, renewed in the background until
// Release.
type Lease struct {
	site   Site
	holder LeaseHolder
	// Replaced is the holder whose lease this one replaced because it had
	// ended without releasing it (its process is gone, or it expired).
	Replaced *LeaseHolder

	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	lost     error
	released bool
}

// AcquireLease takes site's apply lease for holder. While another apply
// holds it, it waits up to wait (0: not at all), calling waiting once with
// that holder when it starts to; then it returns a *LeaseHeldError. A
// site without the lease gives ErrNoLease wrapping the site's answer.
func AcquireLease(ctx context.Context, site Site, holder LeaseHolder, wait time.Duration, waiting func(LeaseHolder)) (*Lease, error) {
	start := time.Now()
	notified := false
	for {
		out, err := site.ExecMethod(ctx, LeaseClass, LeaseAcquire, holder.LeaseParams())
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w (%w)", ErrNoLease, err)
		}
		o := &Instance{Props: out}
		if o.Bool("Granted") {
			l := &Lease{site: site, holder: holder, stop: make(chan struct{}), done: make(chan struct{})}
			if o.Bool("Replaced") {
				r := LeaseHolderFrom(out, "Holder")
				l.Replaced = &r
			}
			go l.renew()
			return l, nil
		}
		other := LeaseHolderFrom(out, "Holder")
		waited := time.Since(start)
		step := min(2*time.Second, max(wait/20, 100*time.Millisecond))
		if wait <= 0 {
			return nil, &LeaseHeldError{Holder: other}
		}
		if waited+step > wait {
			return nil, &LeaseHeldError{Holder: other, Waited: waited}
		}
		if !notified && waiting != nil {
			notified = true
			waiting(other)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(step):
		}
	}
}

// renew keeps the lease alive until Release.
func (l *Lease) renew() {
	defer close(l.done)
	t := time.NewTicker(leaseRenewEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), leaseRenewEvery)
		out, err := l.site.ExecMethod(ctx, LeaseClass, LeaseRenew, map[string]any{"Run": l.holder.Run, "TTL": int64(LeaseTTL / time.Second)})
		cancel()
		switch {
		case err != nil:
			// Tried again at the next tick; the lease lasts LeaseTTL.
		case !(&Instance{Props: out}).Bool("Renewed"):
			l.mu.Lock()
			l.lost = fmt.Errorf("the apply lease ended while this apply ran (not renewed within %s); another apply may have started", LeaseTTL)
			l.mu.Unlock()
			return
		}
	}
}

// Lost returns why the lease ended before Release, or nil.
func (l *Lease) Lost() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Holder is the run holding the lease.
func (l *Lease) Holder() LeaseHolder { return l.holder }

// Release gives the lease back; a nil lease is fine.
func (l *Lease) Release() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.released = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := l.site.ExecMethod(ctx, LeaseClass, LeaseRelease, map[string]any{"Run": l.holder.Run})
	return err
}
