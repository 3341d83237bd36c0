package local

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// LeaseFile, in the site's folder, records the apply lease while one is
// held: the process holding the store keeps the lease, and this file lets
// a process that cannot open the store say which apply holds it (and lets
// the next process to open the store honour a lease held through a
// "tsctl site serve" that stopped).
const LeaseFile = "apply-lease.json"

// leaseRecord is a held lease.
type leaseRecord struct {
	Holder  provider.LeaseHolder `json:"holder"`
	Expires time.Time            `json:"expires"`
}

// live reports whether the lease still holds at now: not expired, and not
// held by a process of this machine that has ended.
func (r *leaseRecord) live(now time.Time) bool {
	if r == nil || !now.Before(r.Expires) {
		return false
	}
	if host, _ := os.Hostname(); host != "" && r.Holder.Machine == host && !processAlive(r.Holder.PID) {
		return false
	}
	return true
}

// readLease reads the lease file of dir; nil when there is none or it
// cannot be read.
func readLease(dir string) *leaseRecord {
	b, err := os.ReadFile(filepath.Join(dir, LeaseFile))
	if err != nil {
		return nil
	}
	var r leaseRecord
	if json.Unmarshal(b, &r) != nil || r.Holder.Run == "" {
		return nil
	}
	return &r
}

// HeldLease returns the apply holding the lease of the site in dir, as
// recorded by the process that holds the store; ok is false when none
// holds it (or the holder has ended).
func HeldLease(dir string) (provider.LeaseHolder, bool) {
	r := readLease(dir)
	if !r.live(time.Now()) {
		return provider.LeaseHolder{}, false
	}
	return r.Holder, true
}

// leaseMethod implements the apply lease (provider.LeaseClass). The lease
// lives in this process, which holds the store; the file mirrors it.
func (s *Site) leaseMethod(method string, in map[string]any) (map[string]any, error) {
	op := provider.LeaseClass + "." + method
	if s.readOnly {
		return nil, errReadOnly(op)
	}
	p := &provider.Instance{Props: in}
	run := p.String("Run")
	if run == "" {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "Run is required", Code: provider.WbemInvalidParameter}
	}
	ttl := time.Duration(p.Int("TTL")) * time.Second
	if ttl <= 0 || ttl > time.Hour {
		ttl = provider.LeaseTTL
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	now := time.Now()
	out := map[string]any{"ReturnValue": int64(0)}
	cur := s.lease
	switch method {
	case provider.LeaseAcquire:
		if cur.live(now) && cur.Holder.Run != run {
			out["Granted"] = false
			cur.Holder.HolderParams("Holder", out)
			return out, nil
		}
		next := &leaseRecord{Holder: provider.LeaseHolderFrom(in, ""), Expires: now.Add(ttl)}
		if err := s.saveLease(next); err != nil {
			return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "record the lease: " + err.Error()}
		}
		s.lease = next
		out["Granted"] = true
		out["Replaced"] = cur != nil && cur.Holder.Run != run
		if cur != nil && cur.Holder.Run != run {
			cur.Holder.HolderParams("Holder", out)
		}
		return out, nil
	case provider.LeaseRenew:
		if cur == nil || cur.Holder.Run != run || !cur.live(now) {
			out["Renewed"] = false
			return out, nil
		}
		next := &leaseRecord{Holder: cur.Holder, Expires: now.Add(ttl)}
		if err := s.saveLease(next); err != nil {
			return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "record the lease: " + err.Error()}
		}
		s.lease = next
		out["Renewed"] = true
		return out, nil
	case provider.LeaseRelease:
		if cur != nil && cur.Holder.Run == run {
			s.lease = nil
			if err := os.Remove(filepath.Join(s.dir, LeaseFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, &provider.Error{Kind: provider.KindFailed, Op: op, Msg: "remove the lease record: " + err.Error()}
			}
		}
		return out, nil
	}
	return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "method not supported by the local site", Code: 0x80041055}
}

func (s *Site) saveLease(r *leaseRecord) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.dir, LeaseFile), b, 0o644)
}
