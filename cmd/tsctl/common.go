package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/views"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
	"github.com/tsctl/tsctl/provider/local"
)

// SiteEnv names the environment variable holding the default site URL.
const SiteEnv = "TSCTL_SITE"

// DefaultSite is used when neither --site nor TSCTL_SITE is set.
const DefaultSite = "local:.tsctl/site"

// addTLSFlags adds the flags every command that reaches a remote site
// takes: --ca-file and --insecure-skip-verify.
func (c *cli) addTLSFlags(fs *flagSet) {
	fs.StringVar(&c.caFile, "ca-file", "", "https sites: also trust the CA certificates in this PEM file (or $TSCTL_CA_FILE)")
	fs.BoolVar(&c.insecure, "insecure-skip-verify", false, "https sites: do not verify the server certificate (test sites only; warned on every run)")
}

// readFlags are the flags of a command that only reads a site (export,
// render): the site, TLS, the calls in flight and --stats, as plan has them.
type readFlags struct {
	site        *string
	parallelism *int
	stats       *bool
}

func (c *cli) addReadFlags(fs *flagSet) *readFlags {
	rf := &readFlags{}
	rf.site = fs.String("site", "", "site URL: local:PATH, wmi://SERVER/SITECODE or https://SERVER/AdminService (default $"+SiteEnv+", else "+DefaultSite+")")
	rf.parallelism = fs.Int("parallelism", engine.SequenceReads, "provider calls made at once while reading the site")
	rf.stats = fs.Bool("stats", false, "report the provider calls made, by kind")
	c.addTLSFlags(fs)
	return rf
}

// check reports a --parallelism below 1.
func (rf *readFlags) check(c *cli) bool {
	if *rf.parallelism < 1 {
		c.errorf("--parallelism must be at least 1")
		return false
	}
	return true
}

func (c *cli) parseExit(fs *flagSet) int {
	if fs.helpSeen {
		return exitOK
	}
	return exitError
}

// siteURL picks the site URL from the flag, the environment or the default,
// and says so on stderr when it falls back to the default.
func (c *cli) siteURL(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv(SiteEnv); v != "" {
		return v
	}
	c.notef("using the embedded local site in %s (set --site or %s to choose another)", strings.TrimPrefix(DefaultSite, "local:"), SiteEnv)
	return DefaultSite
}

// openSite connects to the site a URL names, counting its calls and
// retrying transient failures. A read-only caller (plan, render) never
// creates a local site: when none exists yet it works on a new one in a
// temporary folder, removed on Close.
func (c *cli) openSite(url string, readOnly bool) (provider.Site, error) {
	return c.openSiteWith(url, readOnly, false)
}

// openSiteWith is openSite; noWait gives up at once on a local site that
// another process holds.
func (c *cli) openSiteWith(url string, readOnly, noWait bool) (provider.Site, error) {
	s, err := c.openRaw(url, readOnly, noWait)
	if err != nil {
		return nil, err
	}
	c.counting = provider.NewCounting(s)
	c.retrying = provider.NewRetrying(c.counting)
	if err := identify(s, c.retrying); err != nil {
		s.Close()
		return nil, err
	}
	return c.retrying, nil
}

// identify reads the site code through counted (so --stats counts the
// connect-time query, SMS_Identification.ThisSiteCode) and gives it to a
// site that waits for it, or checks it against the one the site knows.
func identify(s, counted provider.Site) error {
	code, err := provider.ReadSiteCode(context.Background(), counted)
	if err != nil {
		return err
	}
	if d, ok := s.(interface{ SetCode(string) }); ok {
		d.SetCode(code)
		return nil
	}
	if !strings.EqualFold(s.Code(), code) {
		return fmt.Errorf("the site answers as %s (SMS_Identification.ThisSiteCode), not as %s", code, s.Code())
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// localSiteURL picks the local site for the site subcommands: the flag,
// else $TSCTL_SITE when it is a local: URL, else the default.
func (c *cli) localSiteURL(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv(SiteEnv); strings.HasPrefix(v, "local:") {
		return v
	}
	return DefaultSite
}

// printStats reports the provider calls made, when --stats asked for them.
func (c *cli) printStats(on bool) {
	if on && c.counting != nil {
		c.notef("provider %s; %d %s; at most %d at once", c.counting.Summary(), c.retrying.Retries(), plural(c.retrying.Retries(), "retry", "retries"), c.counting.Peak())
		if ls, ok := c.counting.Site.(interface{ CommitStats() local.CommitStats }); ok {
			if st := ls.CommitStats(); st.Writes > 0 {
				c.notef("local site: %s", st)
			}
		}
	}
	if on && c.memoStats != nil {
		c.memoStats()
	}
	if on && c.memoNote != "" {
		c.notef("plan memo not used: %s", c.memoNote)
	}
	if on && c.phases != nil {
		c.phases()
	}
}

func (c *cli) openRaw(url string, readOnly, noWait bool) (provider.Site, error) {
	switch {
	case strings.HasPrefix(url, "local:"):
		dir := strings.TrimPrefix(url, "local:")
		if dir == "" {
			return nil, fmt.Errorf("site %q: local: needs a folder, e.g. local:.tsctl/site", url)
		}
		faults, err := c.localFaults()
		if err != nil {
			return nil, err
		}
		if readOnly && !local.Exists(dir) {
			tmp, err := os.MkdirTemp("", "tsctl-site-")
			if err != nil {
				return nil, err
			}
			s, err := local.Open(tmp, local.Options{Faults: faults})
			if err != nil {
				os.RemoveAll(tmp)
				return nil, err
			}
			c.notef("no site in %s yet: planning against a new, empty one (apply creates it)", dir)
			return &tempSite{Site: s, dir: tmp}, nil
		}
		opts := local.Options{Faults: faults}
		switch {
		case noWait:
			opts.Timeout = time.Millisecond
		case c.applying != nil:
			// Another apply holding the site is waited for as long as
			// --lock-timeout says, as another administrator's lock is.
			opts.Applying, opts.ApplyTimeout = true, *c.applying
			opts.OnWait = func(h provider.LeaseHolder) { c.notefLease(h, *c.applying) }
		}
		return local.Open(dir, opts)
	case strings.HasPrefix(url, "https://"):
		opt := adminservice.Options{
			CAFile:             firstNonEmpty(c.caFile, os.Getenv("TSCTL_CA_FILE")),
			InsecureSkipVerify: c.insecure || os.Getenv("TSCTL_INSECURE_SKIP_VERIFY") == "1",
		}
		needPassword, err := adminservice.AuthFromEnv(os.Getenv, &opt)
		if err != nil {
			return nil, err
		}
		if needPassword {
			pw, err := c.askPassword(opt.User())
			if err != nil {
				return nil, err
			}
			opt.SetPassword(pw)
		}
		if opt.InsecureSkipVerify {
			c.warnf("TLS certificate verification is off (--insecure-skip-verify): anyone on the path can read and change what tsctl sends")
		}
		return adminservice.Dial(url, opt) // openSite reads the site code
	case strings.HasPrefix(url, "wmi://"):
		return c.openWMI(url)
	}
	return nil, fmt.Errorf("site %q: unknown scheme; use local:PATH, wmi://SERVER/SITECODE or https://SERVER/AdminService", url)
}

// localFaults returns the faults injected into local sites
// ($TSCTL_LOCAL_FAULTS), parsed once: every local site this process opens
// shares them, and with them the numbering of its calls.
func (c *cli) localFaults() (local.Faults, error) {
	c.faultsOnce.Do(func() { c.faults, c.faultsErr = local.FaultsFromEnv() })
	return c.faults, c.faultsErr
}

// loadConfig loads configuration files and prints their diagnostics.
func (c *cli) loadConfig(paths []string) (*config.Config, bool) {
	return c.loadConfigThen(paths, nil)
}

// loadConfigThen is loadConfig calling read once every file is read and
// before any is decoded (config.LoadThen).
func (c *cli) loadConfigThen(paths []string, read func()) (*config.Config, bool) {
	cfg, ds := config.LoadThen(paths, read)
	c.printDiags(ds)
	if ds.HasErrors() {
		n := 0
		for _, d := range ds {
			if d.Severity == diag.Error {
				n++
			}
		}
		c.errorf("%d %s in the configuration; nothing was changed", n, plural(n, "problem", "problems"))
		return nil, false
	}
	return cfg, true
}

// outputFormat selects the output format from --format and --json (the
// same as --format json) among allowed; false means it was refused: a
// format the command does not print, or --json with another --format.
func (c *cli) outputFormat(fs *flagSet, asJSON bool, format string, allowed ...string) bool {
	if asJSON {
		if fs.given("format") && format != "json" {
			c.errorf("--json and --format %s ask for two different outputs", format)
			c.hint("give one of them: --json is the same as --format json")
			return false
		}
		format = "json"
	}
	for _, a := range allowed {
		if a == format {
			c.format = format
			return true
		}
	}
	c.errorf("unknown --format %q: tsctl %s prints %s", format, fs.Name(), orList(allowed))
	if s := diag.Similar(format, allowed); len(s) > 0 {
		c.hint("%s", diag.DidYouMean(s))
	}
	return false
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// addIgnoreFlag adds --ignore CODE (repeatable, or comma-separated).
func (c *cli) addIgnoreFlag(fs *flagSet) *multi {
	var m multi
	fs.Var(&m, "ignore", "do not report this lint `CODE` (e.g. TS002; repeatable or comma-separated)")
	return &m
}

// setIgnore checks the codes of --ignore: lint warnings only.
func (c *cli) setIgnore(codes []string) bool {
	c.ignore = map[string]bool{}
	for _, list := range codes {
		for _, code := range strings.Split(list, ",") {
			code = strings.TrimSpace(code)
			lc, ok := config.LookupLintCode(code)
			switch {
			case !ok:
				c.errorf("--ignore %s: not a lint code", code)
				if s := diag.Similar(code, config.LintCodeNames()); len(s) > 0 {
					c.hint("%s", diag.DidYouMean(s))
				} else {
					c.hint("lint codes: %s", strings.Join(config.LintCodeNames(), ", "))
				}
				return false
			case lc.Error:
				c.errorf("--ignore %s: %s is an error, not a warning, and cannot be ignored", code, lc.Code)
				return false
			}
			c.ignore[lc.Code] = true
		}
	}
	return true
}

// lintFilter drops the warnings --ignore asked not to report.
func (c *cli) lintFilter(ds diag.List) diag.List {
	if len(c.ignore) == 0 {
		return ds
	}
	out := ds[:0:0]
	for _, d := range ds {
		if d.Severity == diag.Warning && c.ignore[d.Code] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// printDiags prints diagnostics: with --format github as workflow
// annotations on stdout, else for people on stderr.
func (c *cli) printDiags(ds diag.List) {
	if c.format == "github" {
		views.DiagnosticsOf(ds).WriteGitHub(c.stdout)
		return
	}
	every := "--format github"
	if c.format == "" { // a command without --format (apply): plan lists the same warnings
		every = "tsctl plan --format github"
	}
	views.DiagnosticsOf(ds).WriteHumanListing(c.stderr, every)
}

// writeDocument prints a JSON document (see views); false when it could
// not be rendered, which it reports.
func (c *cli) writeDocument(doc any) bool {
	b, err := views.Document(doc)
	if err != nil {
		c.errorf("%v", err)
		return false
	}
	_, _ = c.stdout.Write(b)
	return true
}

// writeEvent prints one JSON event line of apply --json (see views).
func (c *cli) writeEvent(event any) {
	b, err := views.Line(event)
	if err != nil {
		c.errorf("%v", err)
		return
	}
	_, _ = c.stdout.Write(b)
}

// lintSummary prints, when there are warnings, one line counting them by
// code, with what each code reports.
func (c *cli) lintSummary(ds diag.List) {
	if c.format == "github" || c.format == "json" {
		return
	}
	if line := views.DiagnosticsOf(ds).LintSummary(); line != "" {
		fmt.Fprintf(c.stderr, "tsctl: %s\n", line)
		c.hint("--ignore CODE hides a code for a run; lint: {ignore: [{code: CODE, reason: …}]} on a sequence or step hides it there")
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// colorOK reports whether w is a terminal that may get colour.
func colorOK(w io.Writer) bool {
	return colorAllowed(os.LookupEnv, isTerminal(w))
}

// colorAllowed decides colour from the environment: never with NO_COLOR
// set (no-color.org) or on a terminal that says it cannot show it
// (TERM=dumb, as Emacs shells and some CI logs set), else on a terminal.
func colorAllowed(env func(string) (string, bool), terminal bool) bool {
	if _, set := env("NO_COLOR"); set {
		return false
	}
	return terminal && !dumbTerminal(env)
}

// dumbTerminal reports TERM=dumb: a terminal without cursor control, on
// which tsctl writes neither colour nor a live progress line.
func dumbTerminal(env func(string) (string, bool)) bool {
	t, _ := env("TERM")
	return t == "dumb"
}

// askPassword asks for user's password on the terminal, without echo.
// Without a terminal it refuses: the password must then come from
// $TSCTL_PASSWORD (never from a flag, which the process list shows).
func (c *cli) askPassword(user string) (string, error) {
	ask := c.readPassword
	if ask == nil {
		f, ok := c.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return "", diag.WithHint(fmt.Errorf("%s is set but %s is not, and there is no terminal to ask for it on",
				adminservice.EnvUsername, adminservice.EnvPassword),
				"set "+adminservice.EnvPassword+" from a secret store, or run tsctl on a terminal")
		}
		ask = func(prompt string) (string, error) {
			fmt.Fprint(c.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(c.stderr)
			return string(b), err
		}
	}
	pw, err := ask("Password for " + user + ": ")
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if pw == "" {
		return "", fmt.Errorf("no password given for %s", user)
	}
	return pw, nil
}

func isTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// interruptible returns a context cancelled by the first Ctrl-C; a second
// Ctrl-C exits at once.
func (c *cli) interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt)
	go func() {
		select {
		case <-sig:
		case <-ctx.Done():
			return
		}
		c.notef("interrupted: finishing the objects in flight, then stopping (Ctrl-C again to abort now)")
		cancel()
		if _, ok := <-sig; ok {
			c.errorf("aborted")
			os.Exit(130)
		}
	}()
	return ctx, func() { signal.Stop(sig); cancel() }
}

// fail reports err with its hint, if it has one.
func (c *cli) fail(err error) {
	c.errorf("%v", err)
	if h := diag.HintOf(err); h != "" {
		c.hint("%s", h)
	}
}

// tempSite is a throwaway local site removed when closed.
type tempSite struct {
	*local.Site
	dir string
}

func (t *tempSite) Close() error {
	err := t.Site.Close()
	os.RemoveAll(t.dir)
	return err
}

// notefLease says that apply waits for another apply to finish.
func (c *cli) notefLease(h provider.LeaseHolder, timeout time.Duration) {
	c.notef("another apply is running on this site: %s; waiting up to %s for it to finish", h, timeout)
}
