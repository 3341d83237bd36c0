package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/tsctl/tsctl/engine/diag"
	"github.com/tsctl/tsctl/provider/local"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/engine/plan"
)

func (c *cli) apply(args []string) int {
	fs := c.flags("apply", "")
	var files multi
	fs.Var(&files, "f", "configuration file or folder (repeatable; default tsctl.yaml)")
	siteFlag := fs.String("site", "", "site URL (default $"+SiteEnv+", else "+DefaultSite+")")
	auto := fs.Bool("auto-approve", false, "apply without asking for confirmation")
	parallelism := fs.Int("parallelism", 4, "objects applied at once")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	if *parallelism < 1 {
		c.errorf("--parallelism must be at least 1")
		return exitError
	}
	cfg, ok := c.loadConfig(files)
	if !ok {
		return exitError
	}
	url := c.siteURL(*siteFlag)
	site, err := c.openSite(url, false)
	if err != nil {
		c.errorf("%v", err)
		return exitError
	}
	defer site.Close()
	ctx, stop := c.interruptible()
	defer stop()
	p, ok := c.makePlan(ctx, site, cfg, url)
	if !ok {
		return exitError
	}
	p.Plan.WriteHuman(c.stdout, plan.Style{Color: colorOK(c.stdout)})
	if !p.Plan.Changes {
		return exitOK
	}
	if !*auto {
		if !isTerminal(c.stdin) {
			c.errorf("no terminal to ask for confirmation; nothing was changed")
			c.hint("review the plan and run tsctl apply --auto-approve, or run apply from a terminal")
			return exitError
		}
		fmt.Fprint(c.stdout, "\nDo you want to perform these actions on site "+site.Code()+"?\n  Only 'yes' will be accepted: ")
		line, _ := bufio.NewReader(c.stdin).ReadString('\n')
		if strings.TrimSpace(line) != "yes" {
			c.errorf("apply cancelled; nothing was changed")
			return exitError
		}
	}
	fmt.Fprintln(c.stdout)
	res, err := p.Apply(ctx, engine.ApplyOptions{
		Parallelism: *parallelism,
		User:        currentUser(),
		OnDone: func(r engine.ObjectResult) {
			msg := fmt.Sprintf("%s %q: %s", r.Kind, r.Name, r.Outcome)
			if r.ID != "" && r.Outcome == engine.Created {
				msg += " (" + r.ID + ")"
			}
			if r.Reason != "" {
				msg += ": " + r.Reason
			}
			c.notef("%s", msg)
		},
	})
	if err != nil {
		c.printApplyError(err)
		return exitError
	}
	for _, r := range res.Objects {
		if r.Outcome == engine.Unchanged {
			continue
		}
		line := fmt.Sprintf("%-9s %s %q", r.Outcome, r.Kind, r.Name)
		if r.ID != "" {
			line += " (" + r.ID + ")"
		}
		if r.Reason != "" {
			line += ": " + r.Reason
		}
		fmt.Fprintln(c.stdout, line)
	}
	summary := fmt.Sprintf("%d created, %d updated, %d unchanged, %d failed, %d skipped.",
		res.Count(engine.Created), res.Count(engine.Updated), res.Count(engine.Unchanged), res.Count(engine.Failed), res.Count(engine.Skipped))
	if res.Failed() {
		fmt.Fprintln(c.stdout, "Apply incomplete: "+summary)
		c.hint("fix the cause and run tsctl apply again; finished objects are not redone")
		return exitError
	}
	fmt.Fprintln(c.stdout, "Apply complete: "+summary)
	return exitOK
}

func (c *cli) printApplyError(err error) {
	var ds diag.List
	if errors.As(err, &ds) {
		c.printDiags(ds)
		c.errorf("apply stopped before any change; nothing was changed")
		return
	}
	c.errorf("%v", err)
}

func currentUser() string { return local.CurrentUser() }
