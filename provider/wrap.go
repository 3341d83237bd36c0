package provider

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tsctl/tsctl/internal/object"
)

// Counting wraps a Site and counts its calls by kind: "query <Class>",
// "get", "put", "delete", "method <Name>", and the most it had in flight at
// once.
type Counting struct {
	Site
	mu       sync.Mutex
	calls    map[string]int
	inFlight int
	peak     int
}

// NewCounting wraps s.
func NewCounting(s Site) *Counting { return &Counting{Site: s, calls: map[string]int{}} }

// count records the start of a call; the caller defers c.done().
func (c *Counting) count(kind string) {
	c.mu.Lock()
	c.calls[kind]++
	c.inFlight++
	c.peak = max(c.peak, c.inFlight)
	c.mu.Unlock()
}

func (c *Counting) done() {
	c.mu.Lock()
	c.inFlight--
	c.mu.Unlock()
}

// Peak returns the most calls that were in flight at once.
func (c *Counting) Peak() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peak
}

// Calls returns a copy of the counts.
func (c *Counting) Calls() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// Summary renders the counts sorted by kind, e.g. "get 3, query SMS_Package 1".
func (c *Counting) Summary() string {
	calls := c.Calls()
	keys := make([]string, 0, len(calls))
	total := 0
	for k, v := range calls {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" "+itoa(calls[k]))
	}
	return itoa(total) + " calls: " + strings.Join(parts, ", ")
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func (c *Counting) Query(ctx context.Context, q Query) ([]*Instance, error) {
	c.count("query " + q.Class)
	defer c.done()
	return c.Site.Query(ctx, q)
}

func (c *Counting) Get(ctx context.Context, path string) (*Instance, error) {
	c.count("get")
	defer c.done()
	return c.Site.Get(ctx, path)
}

func (c *Counting) Put(ctx context.Context, in *Instance) (string, error) {
	c.count("put")
	defer c.done()
	return c.Site.Put(ctx, in)
}

func (c *Counting) Delete(ctx context.Context, path string) error {
	c.count("delete")
	defer c.done()
	return c.Site.Delete(ctx, path)
}

func (c *Counting) ExecMethod(ctx context.Context, target, method string, in map[string]any) (map[string]any, error) {
	c.count("method " + method)
	defer c.done()
	return c.Site.ExecMethod(ctx, target, method, in)
}

// Retrying wraps a Site and retries calls that fail with a transient error
// (KindTransient), with jittered exponential backoff. Calls that could
// create an object twice — a Put without its key, a SetSequence of a new
// package — or record something twice (RiskyDeploymentStatusMessage) are
// never retried.
type Retrying struct {
	Site
	Attempts int           // tries in all (default 4)
	Base     time.Duration // first backoff (default 200ms)
	retries  atomic.Int64
}

// NewRetrying wraps s.
func NewRetrying(s Site) *Retrying {
	return &Retrying{Site: s, Attempts: 4, Base: 200 * time.Millisecond}
}

// Retries returns how many retries were made.
func (r *Retrying) Retries() int { return int(r.retries.Load()) }

// MaxRetryAfter bounds how long a site's Retry-After can hold a retry.
const MaxRetryAfter = 30 * time.Second

func (r *Retrying) do(ctx context.Context, idempotent bool, call func() error) error {
	err := call()
	for try := 1; err != nil && idempotent && IsKind(err, KindTransient) && try < r.Attempts; try++ {
		d := r.Base << (try - 1)
		d = d/2 + time.Duration(rand.Int64N(int64(d)))
		var pe *Error
		if errors.As(err, &pe) && pe.RetryAfter > d {
			d = min(pe.RetryAfter, MaxRetryAfter)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		r.retries.Add(1)
		err = call()
	}
	return err
}

func (r *Retrying) Query(ctx context.Context, q Query) (out []*Instance, err error) {
	err = r.do(ctx, true, func() error { out, err = r.Site.Query(ctx, q); return err })
	return out, err
}

func (r *Retrying) Get(ctx context.Context, path string) (out *Instance, err error) {
	err = r.do(ctx, true, func() error { out, err = r.Site.Get(ctx, path); return err })
	return out, err
}

func (r *Retrying) Put(ctx context.Context, in *Instance) (path string, err error) {
	// An instance with its key names an object: writing it twice writes
	// the same object. One without (a new package, deployment or folder,
	// whose key the site assigns) could be created twice.
	keyed := true
	for _, k := range object.KeyOf(in.Class) {
		keyed = keyed && in.String(k) != ""
	}
	err = r.do(ctx, keyed, func() error { path, err = r.Site.Put(ctx, in); return err })
	return path, err
}

func (r *Retrying) Delete(ctx context.Context, path string) error {
	return r.do(ctx, true, func() error { return r.Site.Delete(ctx, path) })
}

func (r *Retrying) ExecMethod(ctx context.Context, target, method string, in map[string]any) (out map[string]any, err error) {
	idempotent := true
	switch method {
	case "SetSequence":
		pkg, _ := in["TaskSequencePackage"].(*Instance)
		idempotent = pkg != nil && pkg.String("PackageID") != ""
	case "RiskyDeploymentStatusMessage":
		// each call records a status message
		idempotent = false
	}
	err = r.do(ctx, idempotent, func() error { out, err = r.Site.ExecMethod(ctx, target, method, in); return err })
	return out, err
}
