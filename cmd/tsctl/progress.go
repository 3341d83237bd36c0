package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/views"
)

// progress reports apply's progress: a live line on a terminal, one line
// per finished object elsewhere, JSON events with --json, nothing with --quiet.
type progress struct {
	c        *cli
	mode     string // live, lines, json, quiet
	total    int
	start    time.Time
	mu       sync.Mutex
	done     int
	inFlight int
	running  map[string]bool
	stop     chan struct{}
	stopped  sync.WaitGroup
}

func (c *cli) newProgress(p *plan.Plan, jsonEvents, quiet bool) *progress {
	pr := &progress{c: c, start: time.Now(), stop: make(chan struct{}), running: map[string]bool{}}
	for _, o := range p.Objects {
		if o.Action != plan.NoOp {
			pr.total++
		}
	}
	switch {
	case jsonEvents:
		pr.mode = "json"
	case quiet:
		pr.mode = "quiet"
	case isTerminal(c.stderr) && !dumbTerminal(os.LookupEnv):
		pr.mode = "live"
		pr.stopped.Add(1)
		go pr.tick()
	default:
		pr.mode = "lines"
	}
	return pr
}

func (p *progress) event(v any) {
	p.mu.Lock()
	p.c.writeEvent(v)
	p.mu.Unlock()
}

func (p *progress) started(o *plan.Object) {
	p.mu.Lock()
	p.inFlight++
	p.running[o.Address] = true
	p.mu.Unlock()
	if p.mode == "json" {
		p.event(views.StartEvent{Action: o.Action, Address: o.Address, Event: views.EventStart, FormatVersion: views.FormatVersion})
	}
}

func (p *progress) finished(r engine.ObjectResult) {
	o := views.OutcomeOf(r)
	p.mu.Lock()
	if p.running[r.Address] {
		delete(p.running, r.Address)
		p.inFlight--
	}
	p.done++
	p.mu.Unlock()
	switch p.mode {
	case "json":
		p.event(o.Done())
	case "lines", "live":
		msg := o.Progress()
		p.mu.Lock()
		if p.mode == "live" {
			fmt.Fprint(p.c.stderr, "\r\x1b[K")
		}
		p.c.notef("%s", msg)
		p.mu.Unlock()
	}
}

func (p *progress) tick() {
	defer p.stopped.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			p.mu.Lock()
			fmt.Fprint(p.c.stderr, "\r\x1b[K")
			p.mu.Unlock()
			return
		case <-t.C:
			p.mu.Lock()
			fmt.Fprint(p.c.stderr, "\r\x1b[K"+p.line(time.Now()))
			p.mu.Unlock()
		}
	}
}

// line is the live progress line at now; the estimate of the time left
// assumes the objects left take as long as the finished ones did.
func (p *progress) line(now time.Time) string {
	elapsed := now.Sub(p.start)
	left := "time left unknown yet"
	switch {
	case p.done >= p.total:
		left = "finishing"
	case p.done > 0:
		eta := time.Duration(float64(elapsed) / float64(p.done) * float64(p.total-p.done))
		left = "about " + eta.Truncate(time.Second).String() + " left"
		if eta < time.Second {
			left = "under 1s left"
		}
	}
	return fmt.Sprintf("tsctl: applying %d/%d, %d in flight, %s elapsed, %s", p.done, p.total, p.inFlight, elapsed.Truncate(time.Second), left)
}

func (p *progress) close() {
	if p.mode == "live" {
		close(p.stop)
		p.stopped.Wait()
	}
}
