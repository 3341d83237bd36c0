package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/planfile"
	"github.com/tsctl/tsctl/internal/secret"
	"github.com/tsctl/tsctl/internal/views"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

func (c *cli) apply(args []string) int {
	fs := c.flags("apply", "[PLANFILE]")
	pf := c.addPlanFlags(fs)
	auto := fs.Bool("auto-approve", false, "apply without asking for confirmation")
	parallelism := fs.Int("parallelism", 4, "objects applied, and provider calls made, at once (given, it also bounds the reads for the plan, which otherwise run 8 at once)")
	lockTimeout := fs.Duration("lock-timeout", 0, "wait this long for an object locked by someone else, or for another apply running on the site (e.g. 2m); 0 skips the object, or refuses, at once")
	quiet := fs.Bool("quiet", false, "print no progress, only the summary")
	jsonEvents := fs.Bool("json", false, "print the plan and one JSON event per line (start, done, summary) instead of text")
	stats := fs.Bool("stats", false, "report the provider calls made, by kind, and retries")
	waitDist := fs.Bool("wait-distribution", false, "after the changes, wait until the content the configuration distributes is installed on its distribution points (exit 1 when it fails somewhere or the wait ends first)")
	distTimeout := fs.Duration("distribution-timeout", 2*time.Hour, "with --wait-distribution, give up waiting after this long")
	if !c.parse(fs, args, 0, 1) {
		return c.parseExit(fs)
	}
	if *parallelism < 1 {
		c.errorf("--parallelism must be at least 1")
		return exitError
	}
	if !c.checkDistributionTimeout(fs, *waitDist, *distTimeout) {
		return exitError
	}
	if !c.setIgnore(*pf.ignore) {
		return exitError
	}
	// Given, --parallelism also bounds the reads for the plan; otherwise
	// they run as many at once as plan's default.
	reads := 0
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "parallelism" {
			reads = *parallelism
		}
	})
	var saved *planfile.File
	url := "" // the site; for a saved plan, decided before anything is read
	if len(fs.parsed) == 1 {
		if len(pf.files) > 0 || *pf.prune || *pf.allowEmpty || len(pf.targets) > 0 || *pf.replaceSecrets || len(pf.redistribute) > 0 {
			c.errorf("a saved plan carries its configuration and options; -f, --prune, --allow-empty-prune, --target, --replace-secrets and --redistribute go to tsctl plan")
			return exitError
		}
		var err error
		if saved, err = planfile.Read(fs.parsed[0]); err != nil {
			c.errorf("%v", err)
			if looksLikeConfig(fs.parsed[0]) {
				c.hint("did you mean tsctl apply -f %s? A configuration is given with -f; an argument without -f is a plan saved by tsctl plan --out", fs.parsed[0])
			}
			return exitError
		}
		pf.files = saved.Configuration.Files
		*pf.prune, pf.targets, *pf.replaceSecrets = saved.Options.Prune, saved.Options.Targets, saved.Options.ReplaceSecrets
		pf.redistribute = saved.Options.Redistribute
		*pf.allowEmpty = saved.Options.AllowEmptyPrune
		if url, err = c.savedPlanSite(saved, *pf.site); err != nil {
			c.fail(err)
			return exitError
		}
	}
	c.applying = lockTimeout
	pre := c.startPrefetch(firstNonEmpty(url, *pf.site), false, reads)
	cfg, ok := c.loadConfigThen(pf.files, pre.filesRead)
	if !ok {
		pre.abandon()
		return exitError
	}
	pre.waitLocal() // a local site's prefetch holds it no more
	// The configuration's lint needs no site: it runs while the site is
	// opened and read.
	lint := engine.StartLint(cfg)
	// Every local file is read before the site is opened: the secrets too,
	// so that the site is never held while a file is read.
	secrets := secret.ReadAll(cfg)
	c.stats = *stats
	mem := c.openMemo()
	defer c.closeMemo(mem) // after the site is closed
	if saved != nil {
		conf, err := planfile.HashFiles(cfg.Files)
		if err != nil || conf.SHA256 != saved.Configuration.SHA256 {
			c.errorf("stale plan: the configuration changed since the plan was made; run tsctl plan again")
			c.hint("nothing was changed")
			pre.abandon()
			return exitError
		}
		if saved.Site.IsLocal() && !saved.Site.New && !local.Exists(saved.Site.Dir()) {
			c.errorf("the plan was made for site %s at %s, which no longer exists; nothing was changed or created", saved.Site.Code, saved.Site.URL)
			c.hint("make a new plan with tsctl plan --out")
			pre.abandon()
			return exitError
		}
	}
	if url == "" {
		url = c.siteURL(*pf.site)
	}
	// A local site that does not exist is planned against an empty
	// stand-in, and created only once the plan is approved (createPlanned):
	// an apply that stops before its first write creates nothing.
	standIn := missingLocal(url)
	var site provider.Site
	var st *engine.State
	var err error
	if standIn {
		site, err = c.openSite(url, true)
	} else {
		site, st, err = c.openPrefetched(pre, url, false)
	}
	if err != nil {
		if !c.refuseHeld(err) {
			c.fail(err)
		}
		return exitError
	}
	defer site.Close()
	ctx, stop := c.interruptible()
	defer stop()
	// One apply at a time: the lease is held from before the plan reads the
	// site until the last write.
	lease, st, err := c.holdLease(ctx, pre, site, st, *lockTimeout)
	if err != nil {
		if !c.refuseHeld(err) {
			c.fail(err)
		}
		return exitError
	}
	defer func() { c.releaseLease(lease) }()
	opts := pf.options(url)
	opts.State, opts.Reads = st, reads
	opts.Lint = lint
	useMemo(&opts, mem)
	p, ok := c.makePlan(ctx, site, cfg, opts, false)
	if !ok {
		return exitError
	}
	if saved != nil {
		if err := planfile.Check(saved.Plan, p.Plan); err != nil {
			if planfile.AlreadyApplied(saved, p.Plan) {
				c.notef("%s was already applied: every object is at its planned state; nothing was changed", fs.parsed[0])
				if *jsonEvents {
					c.writeEvent(views.AlreadyAppliedEvent{Event: views.EventAlreadyApplied, FormatVersion: views.FormatVersion, PlanFile: fs.parsed[0]})
				}
				return exitOK
			}
			c.errorf("%v", err)
			c.hint("nothing was changed")
			return exitError
		}
	}
	// A secret the writes need that cannot be read stops apply here, before
	// the plan is printed and approval asked for.
	if ds := p.CheckSecrets(secrets); ds.HasErrors() {
		c.printDiags(ds)
		c.errorf("%d %s cannot be read; nothing was changed", len(ds), plural(len(ds), "secret", "secrets"))
		return exitError
	}
	defer c.printStats(*stats)
	if *jsonEvents {
		c.writeEvent(views.PlanEvent{Event: views.EventPlan, FormatVersion: views.FormatVersion, Plan: p.Plan})
	} else {
		views.WritePlan(c.stdout, p.Plan, views.Style{Color: colorOK(c.stdout)})
	}
	if !p.Plan.Changes {
		if *jsonEvents {
			// the event stream ends with a summary whatever happened
			// (a wait for distribution reports after it, as after changes)
			var objs []views.Outcome
			for _, o := range p.Plan.Objects {
				objs = append(objs, views.Outcome{Address: o.Address, Kind: o.Kind, Name: o.Name, ID: o.ID, Outcome: views.Unchanged})
			}
			c.writeEvent(views.NewSummary(objs, c.counting.Calls(), c.counting.Peak(), c.retrying.Retries()))
		}
		if *waitDist {
			return c.waitDistribution(ctx, p, *distTimeout, *jsonEvents, *quiet, exitOK)
		}
		return exitOK
	}
	if saved == nil && !*auto && !c.confirm(p.Plan, site.Code()) {
		return exitError
	}
	if c.planApproved != nil {
		c.planApproved()
	}
	if standIn {
		if p, err = c.createPlanned(ctx, url, cfg, opts, p.Plan, &lease, *lockTimeout); err != nil {
			c.errorf("%v", err)
			c.hint("nothing was changed; run tsctl apply again")
			return exitError
		}
	}
	if !*jsonEvents {
		fmt.Fprintln(c.stdout)
	}
	prog := c.newProgress(p.Plan, *jsonEvents, *quiet)
	var firstWrite time.Time
	var once sync.Once
	res, err := p.Apply(ctx, engine.ApplyOptions{
		Secrets:     secrets,
		Parallelism: *parallelism,
		User:        currentUser(),
		LockTimeout: *lockTimeout,
		CheckNames:  lease == nil,
		OnStart: func(o *plan.Object) {
			once.Do(func() { firstWrite = time.Now() })
			prog.started(o)
		},
		OnDone: prog.finished,
		OnWarn: func(msg string) { c.warnf("%s", msg) },
	})
	if done := time.Now(); !firstWrite.IsZero() {
		c.phases = func() {
			c.notef("apply: %.2f s before the first write (reading the configuration, the secrets and the site, planning), %.2f s from then to the last",
				firstWrite.Sub(started).Seconds(), done.Sub(firstWrite).Seconds())
		}
	}
	prog.close()
	if err != nil {
		c.printApplyError(err)
		return exitError
	}
	summary := views.SummaryOf(res, c.counting.Calls(), c.counting.Peak(), c.retrying.Retries())
	code := exitOK
	if *jsonEvents {
		c.writeEvent(summary)
		if summary.Incomplete() {
			code = exitError
		}
	} else {
		code = c.applySummary(summary)
	}
	if *waitDist {
		if code != exitOK {
			// The content of what failed, was skipped or was interrupted
			// would never arrive: waiting would last the whole timeout.
			c.notef("--wait-distribution: not waiting, since the apply is incomplete: run tsctl apply --wait-distribution again once it completes")
			return code
		}
		return c.waitDistribution(ctx, p, *distTimeout, *jsonEvents, *quiet, code)
	}
	return code
}

// confirm asks for approval on the terminal: "yes" for changes, the number
// of deletions when the plan deletes.
func (c *cli) confirm(p *plan.Plan, site string) bool {
	if !isTerminal(c.stdin) {
		c.errorf("no terminal to ask for confirmation; nothing was changed")
		c.hint("review the plan and run tsctl apply --auto-approve, or run apply from a terminal")
		return false
	}
	in := bufio.NewReader(c.stdin)
	fmt.Fprint(c.stdout, "\nDo you want to perform these actions on site "+site+"?\n  Only 'yes' will be accepted: ")
	line, _ := in.ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		c.errorf("apply cancelled; nothing was changed")
		return false
	}
	if n := p.Summary.Delete; n > 0 {
		fmt.Fprintf(c.stdout, "\nThis deletes %d %s from site %s. There is no undo.\n  Type the number of deletions to confirm: ", n, plural(n, "object", "objects"), site)
		line, _ = in.ReadString('\n')
		if strings.TrimSpace(line) != strconv.Itoa(n) {
			c.errorf("apply cancelled; nothing was changed")
			return false
		}
	}
	return true
}

// applySummary prints the summary for people: every object's outcome, the
// counts, and what to do about failures.
func (c *cli) applySummary(s *views.SummaryEvent) int {
	s.WriteHuman(c.stdout)
	if s.Incomplete() {
		for _, h := range s.Hints() {
			c.hint("%s", h)
		}
		c.hint("fix the cause and run tsctl apply again; finished objects are not redone")
		return exitError
	}
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

// savedPlanSite picks the site a saved plan is applied to: the one it was
// made for, which --site or $TSCTL_SITE, when given, must name.
func (c *cli) savedPlanSite(saved *planfile.File, siteFlag string) (string, error) {
	given, from := siteFlag, "--site"
	if given == "" {
		given, from = os.Getenv(SiteEnv), "$"+SiteEnv
	}
	url, err := saved.SiteFor(given, from)
	if err == nil && given == "" {
		c.notef("using site %s at %s, the site the plan was made for", saved.Site.Code, url)
	}
	return url, err
}

func currentUser() string { return local.CurrentUser() }

func now() time.Time { return time.Now().UTC() }

var _ = config.DefaultFile
