// Command tsctl keeps Configuration Manager task sequences and the packages
// they use as code: it validates YAML configurations, plans the changes
// that bring a site to them, and applies those changes idempotently.
//
// # Messages
//
// Everything tsctl says to a person follows these rules; the scripts in
// testdata/script assert them, and new messages keep them.
//
//   - Results go to stdout: plans, the apply summary, YAML, XML, the schema
//     and every --json or --format document. Notes, progress, warnings and
//     errors go to stderr, so that stdout can be piped or parsed.
//   - Every stderr line starts with "tsctl: ": "tsctl: error: " for what
//     stops the command, "tsctl: warning: " for what does not, "tsctl: "
//     alone for a note (errorf, warnf, notef). The exception is a problem
//     at a position in a file, which starts with that position,
//     "file:line:col: message", so that editors and CI jump to it (a lint
//     warning there reads "file:line:col: warning: TS002: message"), with
//     its hint indented under it; and the live progress line on a terminal.
//   - Messages are lowercase (names, codes, acronyms and quoted values keep
//     their case) and end without a period. They say what is wrong, where,
//     and what was being done; a wrapped error is prefixed by the step that
//     failed (save program "Run": …). Values a person gave are quoted.
//   - One line per problem. Every problem of a file is reported, each on
//     its own line, not only the first; many warnings of one lint code are
//     counted on one line after the first three.
//   - What to do about a problem goes on a hint line of its own after it:
//     "tsctl: hint: …" (hint), or a tab and "hint: …" under a positioned
//     problem.
//     "Did you mean" suggestions are hints. A hint is given where it helps,
//     not by rote.
//   - Bad input changes nothing: a configuration, flag, secret or plan file
//     that is refused stops the command before its first write to the site,
//     and the message says "nothing was changed" where a person might
//     wonder.
//   - Secrets never appear in any message, plan, plan file or log: a site's
//     error that quotes one has it replaced by [secret].
//   - Exit codes: 0 success (and, with plan --detailed-exitcode, no
//     changes); 1 any error, including flag errors (which print what is
//     wrong, a hint and the usage line) and an apply in which an object
//     failed or was skipped; 2 changes pending (plan --detailed-exitcode
//     only). Help asked for (-h, --help, tsctl help) prints on stdout and
//     exits 0.
//   - Colour only on a terminal, never with NO_COLOR set or TERM=dumb.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/pace"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

func main() { os.Exit(Main()) }

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan --detailed-exitcode: changes pending
)

// cli carries the process's streams so that tests can replace them.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	format         string // human, json, markdown or github
	counting       *provider.Counting
	retrying       *provider.Retrying
	caFile         string          // --ca-file
	insecure       bool            // --insecure-skip-verify
	ignore         map[string]bool // --ignore: lint codes not reported
	// readPassword, when set, replaces the terminal prompt for a password.
	readPassword func(prompt string) (string, error)
	// serveCtx, when set, stops "site serve" when done (instead of Ctrl-C).
	serveCtx context.Context
	// applying is set by apply to its --lock-timeout: opening a local site
	// then waits that long for another apply holding it.
	applying *time.Duration
	// stats is --stats of plan or apply; memoStats reports the plan memo's
	// use, memoNote why it was not used.
	stats     bool
	memoStats func()
	memoNote  string
	// phases reports, with --stats, how long apply took before its first
	// write and from then to its last.
	phases func()
	// localPrefetched, when set, is called once a local site's prefetch
	// has closed the store and before the command reads another file or
	// opens the site (tests change the site there).
	localPrefetched func()
	// planApproved, when set, is called once apply's plan is approved and
	// before its first write (tests change the site there).
	planApproved func()
	// faults are the faults injected into local sites, parsed once.
	faultsOnce sync.Once
	faults     local.Faults
	faultsErr  error
}

// started is when the process started, as near as tsctl can tell.
var started = time.Now()

type command struct {
	name    string
	summary string
	run     func(c *cli, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"validate", "check configuration files offline", (*cli).validate},
		{"plan", "show the actions that bring a site to the configuration", (*cli).plan},
		{"apply", "plan, confirm and execute the actions", (*cli).apply},
		{"show", "print a saved plan (human, --json or --format markdown)", (*cli).show},
		{"render", "print the sequence XML a site would store for one sequence", (*cli).render},
		{"convert", "turn sequence XML, export object.xml or export .zip files into YAML", (*cli).convert},
		{"export", "read sequences from a site as YAML (or --xml), references by name", (*cli).export},
		{"schema", "print the JSON Schema of the configuration", (*cli).schema},
		{"site", "manage the embedded local site (init, show, seed, lock, unlock, delete, serve) and check any site (check)", (*cli).site},
		{"version", "print the version", (*cli).version},
	}
}

// Main runs tsctl with os.Args and returns the exit code.
func Main() int {
	tuneGC()
	if p := os.Getenv("TSCTL_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	if p := os.Getenv("TSCTL_TRACE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if trace.Start(f) == nil {
				defer trace.Stop()
			}
		}
	}
	if p := os.Getenv("TSCTL_RUNTIME_STATS"); p != "" {
		defer writeRuntimeStats(p)
	}
	c := &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	return c.main(os.Args[1:])
}

func (c *cli) main(args []string) int {
	if len(args) == 0 {
		c.usage(c.stderr)
		return exitError
	}
	switch args[0] {
	case "-h", "-help", "--help":
		c.usage(c.stdout)
		return exitOK
	case "help":
		// tsctl help CMD is tsctl CMD -h.
		if len(args) == 1 {
			c.usage(c.stdout)
			return exitOK
		}
		return c.main(append(args[1:], "-h"))
	}
	for _, cmd := range commands {
		if cmd.name == args[0] {
			return cmd.run(c, args[1:])
		}
	}
	if strings.HasPrefix(args[0], "-") {
		c.errorf("tsctl needs a command before its flags")
		c.hint("run tsctl -h for the list of commands")
		return exitError
	}
	c.errorf("unknown command %q", args[0])
	var names []string
	for _, cmd := range commands {
		names = append(names, cmd.name)
	}
	if s := diag.Similar(args[0], names); len(s) > 0 {
		c.hint("%s", diag.DidYouMean(s))
	} else {
		c.hint("run tsctl -h for the list of commands")
	}
	return exitError
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "tsctl keeps Configuration Manager task sequences and packages as code.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: tsctl <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run tsctl <command> -h (or tsctl help <command>) for what a command does and its --flags.")
	fmt.Fprintln(w, "Exit codes: 0 success, 1 error, 2 changes pending (plan --detailed-exitcode).")
}

func (c *cli) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "tsctl: error: %s\n", strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (c *cli) warnf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "tsctl: warning: %s\n", fmt.Sprintf(format, args...))
}

func (c *cli) notef(format string, args ...any) {
	fmt.Fprintf(c.stderr, "tsctl: %s\n", fmt.Sprintf(format, args...))
}

func (c *cli) hint(format string, args ...any) {
	fmt.Fprintf(c.stderr, "tsctl: hint: %s\n", fmt.Sprintf(format, args...))
}

func (c *cli) version(args []string) int {
	fs := c.flags("version", "")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	fmt.Fprintf(c.stdout, "tsctl %s\n", v)
	return exitOK
}

// tuneGC keeps the heap under a soft limit, so that peak memory stays
// under the 300 MB tsctl aims for: the limit covers the Go heap only, and
// the process also holds its code, stacks and, with a local site, the
// pages of the site's store it read. Under the limit the collector runs
// at half the default pace (pace.GCPercent), and not before the heap
// reaches pace.HeapFloor: what a run keeps is small next to what it
// allocates, and at the default pace the collector was a tenth to a fifth
// of the CPU of an apply's pre-write phase and of a no-op plan; the
// limit, not the pace, bounds the peak of the largest runs. GOMEMLIMIT
// and GOGC set by the user win.
func tuneGC() {
	pace.Set() // for the whole run
}

// writeRuntimeStats writes to file, for tsctl-bench, the CPU time the run
// used (as the Go runtime counts it: every goroutine's, the collector's
// included), the collector's part of it and its cycles, and the peak
// resident memory where it is known, as JSON.
func writeRuntimeStats(file string) {
	samples := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"},
		{Name: "/cpu/classes/idle:cpu-seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(samples)
	gc, total, idle := samples[0].Value.Float64(), samples[1].Value.Float64(), samples[2].Value.Float64()
	stats := map[string]float64{"gc_cpu_seconds": gc, "cpu_seconds": total - idle, "gc_cycles": float64(samples[3].Value.Uint64())}
	if kib := peakRSS(); kib > 0 {
		stats["peak_rss_kib"] = float64(kib)
	}
	b, _ := json.Marshal(stats)
	_ = os.WriteFile(file, b, 0o644)
}

// peakRSS is the process's peak resident memory in KiB as Linux counts it
// (VmHWM); 0 where it is not known. A parent's rusage of its child is no
// substitute: a child started by a Go program (vfork) inherits the
// parent's peak at exec.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// writeHeapProfile writes a heap profile to $TSCTL_MEMPROFILE, for tuning.
func writeHeapProfile() {
	if p := os.Getenv("TSCTL_MEMPROFILE"); p != "" {
		runtime.GC() // the profile's in-use figures are as of the last collection: what is live now
		if f, err := os.Create(p); err == nil {
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
}
