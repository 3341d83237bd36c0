package local

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tsctl/tsctl/provider"
)

func holder(user string) provider.LeaseHolder {
	h := provider.NewLeaseHolder(user)
	return h
}

func TestOpenNamesTheApplyHoldingTheSite(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Another opener is told about the apply holding the site: at once
	// for an apply that may not wait, after its wait otherwise.
	l, err := provider.AcquireLease(ctx, s, holder(`CORP\alice`), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var held *provider.LeaseHeldError
	start := time.Now()
	_, err = Open(dir, Options{Applying: true})
	if !errors.As(err, &held) || !strings.Contains(err.Error(), `CORP\alice`) || time.Since(start) > 5*time.Second {
		t.Errorf("apply opening a site another apply holds: %v", err)
	}
	var told provider.LeaseHolder
	_, err = Open(dir, Options{Applying: true, ApplyTimeout: 300 * time.Millisecond, OnWait: func(h provider.LeaseHolder) { told = h }})
	if !errors.As(err, &held) || held.Waited == 0 || told.User != `CORP\alice` {
		t.Errorf("apply waiting for another: %v (told %+v)", err, told)
	}
	_, err = Open(dir, Options{Timeout: 200 * time.Millisecond})
	if !errors.As(err, &held) {
		t.Errorf("plan opening a site an apply holds: %v", err)
	}
	l.Release()
}

func TestNoLeaseOnAReadOnlySite(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.ExecMethod(ctx, provider.LeaseClass, provider.LeaseAcquire, holder("u").LeaseParams()); !provider.IsKind(err, provider.KindDenied) {
		t.Errorf("lease on a read-only site: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, LeaseFile)); !os.IsNotExist(err) {
		t.Errorf("read-only site wrote a lease")
	}
}

func TestLeaseOneApplyAtATime(t *testing.T) {
	s := open(t, Options{})
	alice, bob := holder(`CORP\alice`), holder(`CORP\bob`)
	la, err := provider.AcquireLease(ctx, s, alice, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if la.Replaced != nil {
		t.Errorf("a fresh site's lease replaced %v", *la.Replaced)
	}
	// The lease is recorded beside the store, for processes that cannot open it.
	if h, ok := HeldLease(s.Dir()); !ok || h.Run != alice.Run {
		t.Errorf("lease file names %+v, %v; want alice", h, ok)
	}

	// Another apply is refused at once, with the holder named.
	_, err = provider.AcquireLease(ctx, s, bob, 0, nil)
	var held *provider.LeaseHeldError
	if !errors.As(err, &held) || held.Holder.Run != alice.Run {
		t.Fatalf("second acquire: %v", err)
	}
	for _, want := range []string{`another apply is running on this site: CORP\alice on `, "(pid ", "started "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}

	// Waiting: told once who it waits for, it gets the lease when released.
	waiting := make(chan provider.LeaseHolder, 2)
	got := make(chan error, 1)
	go func() {
		lb, err := provider.AcquireLease(ctx, s, bob, 30*time.Second, func(h provider.LeaseHolder) { waiting <- h })
		if err == nil {
			err = lb.Release()
		}
		got <- err
	}()
	if h := <-waiting; h.Run != alice.Run {
		t.Errorf("waiting for %+v, want alice", h)
	}
	if err := la.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if len(waiting) != 0 {
		t.Errorf("waiting reported more than once")
	}
	if _, ok := HeldLease(s.Dir()); ok {
		t.Errorf("lease file left after release")
	}

	// A wait that runs out says how long it waited.
	la, err = provider.AcquireLease(ctx, s, alice, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer la.Release()
	start := time.Now()
	_, err = provider.AcquireLease(ctx, s, bob, 300*time.Millisecond, nil)
	if !errors.As(err, &held) || time.Since(start) < 200*time.Millisecond || held.Waited == 0 && !strings.Contains(held.ErrorHint(), "--lock-timeout") {
		t.Errorf("timed-out wait: %v after %v", err, time.Since(start))
	}
}

func TestLeaseOfEndedProcessIsTakenOver(t *testing.T) {
	s := open(t, Options{})
	gone := holder(`CORP\gone`)
	gone.PID = endedPID(t)
	if _, err := provider.AcquireLease(ctx, s, gone, 0, nil); err != nil {
		t.Fatal(err)
	}
	l, err := provider.AcquireLease(ctx, s, holder(`CORP\next`), 0, nil)
	if err != nil {
		t.Fatalf("lease of an ended process still held: %v", err)
	}
	defer l.Release()
	if l.Replaced == nil || l.Replaced.Run != gone.Run {
		t.Errorf("Replaced = %v, want the ended run", l.Replaced)
	}
}

func TestLeaseSurvivesReopenAndExpires(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A holder on another machine: only its expiry ends its lease.
	far := holder(`CORP\far`)
	far.Machine = "ELSEWHERE-PC"
	if _, err := provider.AcquireLease(ctx, s, far, 0, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A server that stopped while a client held the lease: the next
	// process to open the site still honours it.
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.AcquireLease(ctx, s, holder(`CORP\near`), 0, nil); err == nil || !strings.Contains(err.Error(), "ELSEWHERE-PC") {
		t.Fatalf("lease held through a reopen: %v", err)
	}
	s.Close()

	// Expired, it is taken over.
	var r leaseRecord
	b, _ := os.ReadFile(filepath.Join(dir, LeaseFile))
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	r.Expires = time.Now().Add(-time.Second)
	b, _ = json.Marshal(r)
	if err := os.WriteFile(filepath.Join(dir, LeaseFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := provider.AcquireLease(ctx, s, holder(`CORP\near`), 0, nil)
	if err != nil {
		t.Fatalf("expired lease still held: %v", err)
	}
	if l.Replaced == nil || l.Replaced.Machine != "ELSEWHERE-PC" {
		t.Errorf("Replaced = %v", l.Replaced)
	}
	l.Release()
}

func TestLeaseRenewAfterTakeoverIsLost(t *testing.T) {
	s := open(t, Options{})
	h := holder(`CORP\a`)
	if _, err := s.ExecMethod(ctx, provider.LeaseClass, provider.LeaseAcquire, h.LeaseParams()); err != nil {
		t.Fatal(err)
	}
	out, err := s.ExecMethod(ctx, provider.LeaseClass, provider.LeaseRenew, map[string]any{"Run": h.Run})
	if err != nil || out["Renewed"] != true {
		t.Fatalf("renew of a held lease: %v %v", out, err)
	}
	if _, err := s.ExecMethod(ctx, provider.LeaseClass, provider.LeaseRelease, map[string]any{"Run": h.Run}); err != nil {
		t.Fatal(err)
	}
	out, err = s.ExecMethod(ctx, provider.LeaseClass, provider.LeaseRenew, map[string]any{"Run": h.Run})
	if err != nil || out["Renewed"] != false {
		t.Fatalf("renew of a released lease: %v %v", out, err)
	}
	// The lease is not a provider call: it does not count, and faults skip it.
	if n := s.Stats(); len(n) != 0 {
		t.Errorf("lease calls counted: %v", n)
	}
}

// noLeaseSite answers the lease's class as a Configuration Manager site
// does: no such class.
type noLeaseSite struct{ provider.Site }

func (s noLeaseSite) ExecMethod(ctx context.Context, class, method string, in map[string]any) (map[string]any, error) {
	if class == provider.LeaseClass {
		return nil, &provider.Error{Kind: provider.KindNotFound, Op: class + "." + method, Msg: "HTTP 404: no such class", Code: provider.WbemInvalidClass}
	}
	return s.Site.ExecMethod(ctx, class, method, in)
}

func TestNoLeaseOnAConfigMgrSite(t *testing.T) {
	_, err := provider.AcquireLease(ctx, noLeaseSite{open(t, Options{})}, holder("u"), time.Minute, func(provider.LeaseHolder) { t.Error("waited for a lease the site does not offer") })
	if !errors.Is(err, provider.ErrNoLease) || !provider.IsKind(err, provider.KindNotFound) || !strings.Contains(err.Error(), "no such class") {
		t.Errorf("site without the lease: %v", err)
	}
}
