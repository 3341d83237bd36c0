package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/views"
)

// checkDistributionTimeout refuses a --distribution-timeout that waits
// for nothing: one given without --wait-distribution (it would be
// silently ignored), or one that is not positive (the engine would read 0
// as its default, two hours).
func (c *cli) checkDistributionTimeout(fs *flagSet, wait bool, timeout time.Duration) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "distribution-timeout" })
	switch {
	case !given:
		return true
	case !wait:
		c.errorf("--distribution-timeout is how long --wait-distribution waits: give both, or neither")
		c.shortUsage(fs)
		return false
	case timeout <= 0:
		c.errorf("--distribution-timeout must be longer than 0, not %s", timeout)
		c.hint("give how long to wait for distribution, e.g. --distribution-timeout 30m")
		c.shortUsage(fs)
		return false
	}
	return true
}

// waitDistribution waits, after an apply, until the content the
// configuration distributes is installed on its distribution points: a
// live progress line on a terminal (a line per change of the counts
// otherwise), then one line per distribution point the content did not
// reach and the counts. It returns code, or exitError when content failed
// or the wait ended first.
func (c *cli) waitDistribution(ctx context.Context, p *engine.Planned, timeout time.Duration, jsonEvents, quiet bool, code int) int {
	if !p.WaitsForContent() {
		c.notef("--wait-distribution: the configuration distributes no content; nothing to wait for")
		return code
	}
	live := !jsonEvents && !quiet && isTerminal(c.stderr) && !dumbTerminal(os.LookupEnv)
	last := ""
	status, err := p.WaitDistribution(ctx, engine.WaitOptions{Timeout: timeout, OnProgress: func(s []engine.DistributionStatus) {
		if jsonEvents || quiet {
			return
		}
		line := views.DistributionLine(s)
		switch {
		case live:
			fmt.Fprint(c.stderr, "\r\x1b[Ktsctl: "+line)
		case line != last:
			c.notef("%s", line)
		}
		last = line
	}})
	if live {
		fmt.Fprint(c.stderr, "\r\x1b[K")
	}
	var werr *engine.WaitError
	if err != nil && !errors.As(err, &werr) {
		c.fail(fmt.Errorf("wait for distribution: %w", err))
		return exitError
	}
	ev := views.NewDistribution(status, werr != nil && werr.TimedOut)
	if jsonEvents {
		c.writeEvent(ev)
	} else {
		if code == exitOK {
			fmt.Fprintln(c.stdout)
		}
		ev.WriteHuman(c.stdout)
	}
	if werr != nil {
		if !jsonEvents {
			c.errorf("%v", werr)
			c.hint("%s", diag.HintOf(werr))
		}
		return exitError
	}
	return code
}
