package main

import (
	"context"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/engine/config"
	"github.com/tsctl/tsctl/engine/plan"
	"github.com/tsctl/tsctl/provider"
)

func (c *cli) plan(args []string) int {
	fs := c.flags("plan", "")
	var files multi
	fs.Var(&files, "f", "configuration file or folder (repeatable; default tsctl.yaml)")
	siteFlag := fs.String("site", "", "site URL: local:PATH, wmi://SERVER/SITECODE or https://SERVER/AdminService (default $"+SiteEnv+", else "+DefaultSite+")")
	asJSON := fs.Bool("json", false, "print the plan as a JSON document")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	cfg, ok := c.loadConfig(files)
	if !ok {
		return exitError
	}
	url := c.siteURL(*siteFlag)
	site, err := c.openSite(url, true)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	defer site.Close()
	p, ok := c.makePlan(context.Background(), site, cfg, url)
	if !ok {
		return exitError
	}
	if *asJSON {
		b, err := p.Plan.JSON()
		if err != nil {
			c.errorf("%v", err)
			return exitError
		}
		_, _ = c.stdout.Write(b)
	} else {
		p.Plan.WriteHuman(c.stdout, plan.Style{Color: colorOK(c.stdout)})
	}
	if *detailed && p.Plan.Changes {
		return exitChanges
	}
	return exitOK
}

// makePlan plans and prints diagnostics; false means an error was reported.
func (c *cli) makePlan(ctx context.Context, site provider.Site, cfg *config.Config, url string) (*engine.Planned, bool) {
	p, ds, err := engine.MakePlan(ctx, site, cfg, url)
	c.printDiags(ds)
	if err != nil {
		c.errorf("%v", err)
		return nil, false
	}
	if ds.HasErrors() {
		c.errorf("the configuration does not fit site %s; nothing was changed", site.Code())
		return nil, false
	}
	return p, true
}
