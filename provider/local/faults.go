package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// FaultsEnv is the environment variable read by FaultsFromEnv.
const FaultsEnv = "TSCTL_LOCAL_FAULTS"

// Faults injects failures and latency into a local site.
type Faults struct {
	Latency    time.Duration // added to every call
	FailCall   int64         // fail the Nth call of this process (1-based), counted across the sites opened with these Faults; 0 = never
	FailMethod string        // fail every call of this operation (e.g. SetSequence, Put, Get, Query)
	Times      int64         // with FailMethod: fail only its first Times calls (0 = every one)
	Transient  bool          // injected failures are marked transient
	Missing    string        // this operation does not exist on the site (as GetLockInformation on an AdminService that does not expose it): not found, 404 over REST
	PauseOn    string        // the first call of this operation waits, after writing the file "paused" in the site's folder, until a file "resume" appears there (for tests that must act while a call is in flight)
	// Distribution is how long content takes to reach a distribution
	// point: its status is INSTALL_PENDING until then, INSTALLED after
	// (0: Latency, the time of one call).
	Distribution time.Duration
	// DistributionFails names a distribution point (its server name)
	// whose content ends INSTALL_FAILED instead.
	DistributionFails string

	// calls numbers the calls across every site opened with these faults
	// (one process: a tsctl run, or a site serve), for FailCall; methodCalls
	// counts FailMethod's calls the same way.
	calls       *atomic.Int64
	methodCalls *atomic.Int64
	paused      *atomic.Bool
}

// FaultsFromEnv parses TSCTL_LOCAL_FAULTS, a comma-separated list such as
// "latency=20ms,call=7,method=SetSequence,transient" or
// "method=SetSequence,times=1,transient" or "missing=GetLockInformation"
// or "distribution=2s,distfail=DP02.corp.example".
func FaultsFromEnv() (Faults, error) {
	return ParseFaults(os.Getenv(FaultsEnv))
}

// ParseFaults parses a fault specification (see FaultsFromEnv).
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "latency":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return f, fmt.Errorf("%s: invalid latency %q", FaultsEnv, v)
			}
			f.Latency = d
		case "call":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return f, fmt.Errorf("%s: invalid call number %q", FaultsEnv, v)
			}
			f.FailCall = n
		case "method":
			if v == "" {
				return f, fmt.Errorf("%s: method= needs an operation name", FaultsEnv)
			}
			f.FailMethod = v
		case "times":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return f, fmt.Errorf("%s: invalid times %q", FaultsEnv, v)
			}
			f.Times = n
		case "transient":
			f.Transient = true
		case "missing":
			if v == "" {
				return f, fmt.Errorf("%s: missing= needs an operation name", FaultsEnv)
			}
			f.Missing = v
		case "distribution":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return f, fmt.Errorf("%s: invalid distribution time %q", FaultsEnv, v)
			}
			f.Distribution = d
		case "distfail":
			if v == "" {
				return f, fmt.Errorf("%s: distfail= needs a distribution point's server name", FaultsEnv)
			}
			f.DistributionFails = v
		case "pause":
			if v == "" {
				return f, fmt.Errorf("%s: pause= needs an operation name", FaultsEnv)
			}
			f.PauseOn = v
		default:
			return f, fmt.Errorf("%s: unknown fault %q (use latency=, call=, method=, times=, transient, missing=, pause=, distribution=, distfail=)", FaultsEnv, k)
		}
	}
	if f.Times > 0 && f.FailMethod == "" {
		return f, fmt.Errorf("%s: times= needs method=", FaultsEnv)
	}
	f.calls = new(atomic.Int64)
	f.methodCalls = new(atomic.Int64)
	f.paused = new(atomic.Bool)
	return f, nil
}

// Pause files, in the site's folder.
const (
	PausedFile = "paused"
	ResumeFile = "resume"
)

// pause holds the first call of PauseOn until the resume file appears (at
// most a minute, so that a forgotten test cannot hang).
func (f Faults) pause(ctx context.Context, dir, op string) error {
	if f.PauseOn == "" || !strings.EqualFold(f.PauseOn, op) || f.paused == nil || !f.paused.CompareAndSwap(false, true) {
		return nil
	}
	paused, resume := filepath.Join(dir, PausedFile), filepath.Join(dir, ResumeFile)
	if err := os.WriteFile(paused, []byte(op), 0o644); err != nil {
		return err
	}
	defer os.Remove(paused)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(resume); err == nil {
			return os.Remove(resume)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

func (f Faults) check(n int64, op string) error {
	if f.Missing != "" && strings.EqualFold(f.Missing, op) {
		return &provider.Error{Kind: provider.KindNotFound, Op: op, Msg: "no such method on this site", Code: provider.WbemInvalidMethod}
	}
	method := f.FailMethod != "" && strings.EqualFold(f.FailMethod, op)
	if method && f.Times > 0 && (f.methodCalls == nil || f.methodCalls.Add(1) > f.Times) {
		method = false
	}
	if (f.FailCall != 0 && n == f.FailCall) || method {
		kind, code := provider.KindFailed, uint32(provider.WbemFailed)
		if f.Transient {
			kind, code = provider.KindTransient, provider.WbemServerTooBusy
		}
		return &provider.Error{Kind: kind, Op: op, Msg: fmt.Sprintf("injected fault on call %d", n), Code: code}
	}
	return nil
}

// distributionTime is how long content takes to reach a distribution
// point on this site.
func (f Faults) distributionTime() time.Duration {
	if f.Distribution > 0 {
		return f.Distribution
	}
	return f.Latency
}
