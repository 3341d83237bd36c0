package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/planfile"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// missingLocal reports whether url names a local site that does not
// exist yet.
func missingLocal(url string) bool {
	dir, ok := strings.CutPrefix(url, "local:")
	return ok && dir != "" && !local.Exists(dir)
}

// createPlanned creates the local site at url, once the plan apply made
// against an empty stand-in (approved) is approved, and plans again
// against the site created: what apply then does is a plan made against
// the real site, which must be the approved one (planfile.Check).
// Another process that created the site in between, or wrote to it, makes
// it refuse: nothing is changed. The stand-in's calls stay counted; its
// lease (*lease) is replaced by the new site's.
func (c *cli) createPlanned(ctx context.Context, url string, cfg *config.Config, opts engine.PlanOptions, approved *plan.Plan, lease **provider.Lease, lockTimeout time.Duration) (*engine.Planned, error) {
	dir := strings.TrimPrefix(url, "local:")
	if local.Exists(dir) {
		return nil, fmt.Errorf("site %s was created by another process while this apply planned against a new one", dir)
	}
	c.releaseLease(*lease)
	*lease = nil
	standIn := c.counting.Site
	raw, err := c.openRaw(url, false, false) // creates it
	if err != nil {
		return nil, err
	}
	c.counting.Site = raw // calls go to the new site; the stand-in's stay counted
	standIn.Close()
	if err := identify(raw, c.retrying); err != nil {
		return nil, err
	}
	l, _, err := c.holdLease(ctx, nil, c.retrying, nil, lockTimeout)
	if err != nil {
		return nil, err
	}
	*lease = l
	opts.State = nil
	p, ds, err := engine.MakePlan(ctx, c.retrying, cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("plan against the new site %s: %w", dir, err)
	}
	if ds.HasErrors() {
		var errs diag.List
		for _, d := range ds {
			if d.Severity == diag.Error {
				errs = append(errs, d)
			}
		}
		c.printDiags(errs) // the warnings were printed with the approved plan
		return nil, fmt.Errorf("the configuration does not fit the new site %s", dir)
	}
	if err := planfile.Check(approved, p.Plan); err != nil {
		return nil, fmt.Errorf("the new site %s is not what the plan was made against: %w", dir, err)
	}
	return p, nil
}
