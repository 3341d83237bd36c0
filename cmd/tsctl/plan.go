package main

import (
	"context"
	"fmt"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/planfile"
	"github.com/tsctl/tsctl/internal/views"
	"github.com/tsctl/tsctl/provider"
)

// planFlags are the flags plan and apply share.
type planFlags struct {
	files          multi
	site           *string
	prune          *bool
	targets        multi
	replaceSecrets *bool
	allowEmpty     *bool
	ignore         *multi
	redistribute   multi
}

func (c *cli) addPlanFlags(fs *flagSet) *planFlags {
	pf := &planFlags{}
	fs.Var(&pf.files, "f", "configuration file or folder (repeatable; default tsctl.yaml)")
	pf.site = fs.String("site", "", "site URL: local:PATH, wmi://SERVER/SITECODE or https://SERVER/AdminService (default $"+SiteEnv+", else "+DefaultSite+")")
	pf.prune = fs.Bool("prune", false, "also delete objects tsctl created that the configuration no longer holds")
	pf.allowEmpty = fs.Bool("allow-empty-prune", false, "with --prune, accept a configuration that declares nothing, which deletes every object tsctl manages")
	fs.Var(&pf.targets, "target", "plan only this object (by name) and what it depends on (repeatable)")
	pf.replaceSecrets = fs.Bool("replace-secrets", false, "push secrets again (after rotating them) even when nothing else changed")
	fs.Var(&pf.redistribute, "redistribute", "send this package's content again to the distribution points that hold it, after its source changed (RefreshPkgSource; by name, repeatable)")
	pf.ignore = c.addIgnoreFlag(fs)
	c.addTLSFlags(fs)
	return pf
}

func (pf *planFlags) options(url string) engine.PlanOptions {
	return engine.PlanOptions{Target: url, Prune: *pf.prune, Targets: pf.targets, ReplaceSecrets: *pf.replaceSecrets, AllowEmptyPrune: *pf.allowEmpty,
		Redistribute: pf.redistribute}
}

func (c *cli) plan(args []string) int {
	fs := c.flags("plan", "")
	pf := c.addPlanFlags(fs)
	asJSON := fs.Bool("json", false, "print the plan as a JSON document (same as --format json)")
	format := fs.String("format", "human", "output: human, json, markdown (a compact pull-request comment) or github (annotations for diagnostics)")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	out := fs.String("out", "", "save the plan to this file, for tsctl apply PLANFILE")
	strict := fs.Bool("strict", false, "fail on lint warnings")
	stats := fs.Bool("stats", false, "report the provider calls made, by kind")
	parallelism := fs.Int("parallelism", engine.SequenceReads, "provider calls made at once while reading the site")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	if *parallelism < 1 {
		c.errorf("--parallelism must be at least 1")
		return exitError
	}
	if !c.setIgnore(*pf.ignore) {
		return exitError
	}
	if !c.outputFormat(fs, *asJSON, *format, "human", "json", "markdown", "github") {
		return exitError
	}
	pre := c.startPrefetch(*pf.site, true, *parallelism)
	cfg, ok := c.loadConfig(pf.files)
	if !ok {
		pre.abandon()
		return exitError
	}
	// The configuration's lint needs no site: it runs while the site is
	// opened and read.
	lint := engine.StartLint(cfg)
	c.stats = *stats
	mem := c.openMemo()
	defer c.closeMemo(mem) // after the site is closed
	url := c.siteURL(*pf.site)
	newSite := missingLocal(url) // planned against an empty one
	site, st, err := c.openPrefetched(pre, url, true)
	if err != nil {
		c.fail(err)
		return exitError
	}
	defer site.Close()
	defer c.printStats(*stats)
	opts := pf.options(url)
	opts.State, opts.Reads = st, *parallelism
	opts.Lint = lint
	useMemo(&opts, mem)
	p, ok := c.makePlan(context.Background(), site, cfg, opts, *strict)
	if !ok {
		return exitError
	}
	// Secrets apply will need but could not find: a warning here (a plan
	// made where secrets are not kept still plans), an error at apply.
	c.printDiags(p.MissingSecrets())
	writeHeapProfile()
	if *out != "" {
		conf, err := planfile.HashFiles(cfg.Files)
		var where planfile.Site
		if err == nil {
			where, err = planfile.SiteOf(url, site.Code(), newSite)
		}
		if err == nil {
			err = planfile.Write(*out, &planfile.File{Created: now(), Configuration: conf, Site: where, Plan: p.Plan,
				Options: planfile.Options{Prune: opts.Prune, Targets: opts.Targets, ReplaceSecrets: opts.ReplaceSecrets, AllowEmptyPrune: opts.AllowEmptyPrune,
					Redistribute: opts.Redistribute}})
		}
		if err != nil {
			c.errorf("%v", err)
			return exitError
		}
	}
	if code := c.writePlan(p.Plan); code != exitOK {
		return code
	}
	if *out != "" {
		c.notef("saved the plan to %s; run tsctl apply %s to execute exactly this plan", *out, *out)
	}
	if *detailed && p.Plan.Changes {
		return exitChanges
	}
	return exitOK
}

// writePlan prints a plan in the selected format.
func (c *cli) writePlan(p *plan.Plan) int {
	switch c.format {
	case "json":
		if !c.writeDocument(p) {
			return exitError
		}
	case "markdown":
		views.WritePlanMarkdown(c.stdout, p)
	default:
		views.WritePlan(c.stdout, p, views.Style{Color: colorOK(c.stdout)})
	}
	return exitOK
}

// makePlan plans and prints diagnostics; false means an error was reported.
func (c *cli) makePlan(ctx context.Context, site provider.Site, cfg *config.Config, opts engine.PlanOptions, strict bool) (*engine.Planned, bool) {
	p, ds, err := engine.MakePlan(ctx, site, cfg, opts)
	if p != nil {
		c.noteMemo(p)
	}
	ds = c.lintFilter(ds)
	c.printDiags(ds)
	c.lintSummary(ds)
	if err != nil {
		c.fail(err)
		return nil, false
	}
	if ds.HasErrors() {
		c.errorf("the configuration does not fit site %s; nothing was changed", site.Code())
		return nil, false
	}
	if strict && len(ds) > 0 {
		c.errorf("%d lint %s and --strict is set; nothing was changed", len(ds), plural(len(ds), "warning", "warnings"))
		return nil, false
	}
	if len(opts.Targets) > 0 {
		c.warnf("the plan is partial: only %v and what they depend on; other changes are not shown", []string(opts.Targets))
	}
	return p, true
}

func (c *cli) show(args []string) int {
	fs := c.flags("show", "PLANFILE")
	asJSON := fs.Bool("json", false, "print the plan as a JSON document (same as --format json)")
	format := fs.String("format", "human", "output: human, json or markdown")
	if !c.parse(fs, args, 1, 1) {
		return c.parseExit(fs)
	}
	if !c.outputFormat(fs, *asJSON, *format, "human", "json", "markdown") {
		return exitError
	}
	f, err := planfile.Read(fs.parsed[0])
	if err != nil {
		c.errorf("%v", err)
		if looksLikeConfig(fs.parsed[0]) {
			c.hint("tsctl show prints a plan saved by tsctl plan --out; to see what a configuration would change, run tsctl plan -f %s", fs.parsed[0])
		}
		return exitError
	}
	if c.format == "human" {
		fmt.Fprintf(c.stdout, "Plan for site %s (%s), made %s from %d configuration %s.\n\n", f.Plan.Site, firstNonEmpty(f.Site.URL, f.Plan.Target),
			f.Created.UTC().Format("2006-01-02 15:04 UTC"), len(f.Configuration.Files), plural(len(f.Configuration.Files), "file", "files"))
	}
	return c.writePlan(f.Plan)
}
