// Command tsctl-bench measures tsctl against the targets of issue 18 and
// prints a table. Run it from the repository root:
//
//	go run ./cmd/tsctl-bench [-rows plan,apply,remote,export,convert] [-sizes 1000,4000,8000] [-runs 3] [-work DIR [-fill]]
//
// It builds tsctl, generates the workloads in a temporary folder, and times
// whole processes, so every figure includes start-up, reading the files
// and the site, and printing. Each measurement is paired with its
// yardstick (yaml.v3 parsing the same YAML into yaml.Node, in a process of
// its own): the two run alternately, run after run, and the table gives
// the median of each and the median of the ratios of the pairs, so that a
// machine whose load changes during the run still compares like with like.
//
// Rows (-rows selects them; -quick is -rows plan,apply -sizes 1000 -runs 1):
//
//   - plan: the no-op plan of each -sizes sequences × -steps steps
//     against a local site holding it, with the plan memo warm, under
//     tsctl's soft memory limit: ratio to the yardstick (target ≤ 1.3×),
//     peak resident memory (≤ 300 MB), the collector's share of the CPU
//     (TSCTL_RUNTIME_STATS; < 15 %), and the CPU time of both.
//   - apply: -apply new sequences at -latency per call and each of
//     -parallelism, to an empty local site made (untimed) before each run,
//     as a real site exists before an apply (-apply-new-site: to a site the
//     apply itself creates, which adds creating it to the first phase): the
//     time before the first write (target ≤ 1.5× the yardstick of the same
//     file) and the time from then to the last against the
//     dependency-aware bound, Planned.Bound, printed (target ≤ 1.1×).
//   - remote: the no-op plan of the first size over HTTPS on loopback to
//     "tsctl site serve" against the embedded site (≤ 1.5×), and the apply
//     of -apply sequences at -latency and parallelism 8 (≤ 1.15×).
//   - export: export of -export sequences from a site (≤ 2× the yardstick
//     of the YAML it writes).
//   - convert: convert of an export .zip of -convert sequences, written
//     from a site's sequences as the console lays one out (≤ 2× the
//     yardstick of the YAML it writes).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/workload"
	"github.com/tsctl/tsctl/provider/local"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-parse-only" {
		parseOnly(os.Args[2])
		return
	}
	var o options
	rows := flag.String("rows", "plan,apply,remote,export,convert", "rows to measure, comma-separated: plan, apply, remote, export, convert")
	sizes := flag.String("sizes", "1000,4000,8000", "sequences in the no-op plan workloads, comma-separated")
	pars := flag.String("parallelism", "4,8,16", "parallelism of the apply rows, comma-separated")
	flag.IntVar(&o.steps, "steps", 50, "steps per sequence")
	flag.IntVar(&o.apply, "apply", 200, "new sequences in the apply workloads")
	flag.IntVar(&o.export, "export", 1000, "sequences exported in the export row")
	flag.IntVar(&o.convert, "convert", 500, "sequences in the export .zip of the convert row")
	flag.IntVar(&o.runs, "runs", 3, "runs per figure (medians are reported)")
	flag.DurationVar(&o.latency, "latency", 20*time.Millisecond, "latency injected per provider call in the apply rows")
	flag.BoolVar(&o.newSite, "apply-new-site", false, "apply rows: to a local site the apply creates, instead of an empty one made before each run")
	quick := flag.Bool("quick", false, "a quick run: -rows plan,apply -sizes 1000 -runs 1")
	flag.BoolVar(&o.fill, "fill", false, "with -work: only write the workloads and fill the sites the selected rows use, then stop")
	flag.StringVar(&o.work, "work", "", "keep the generated workloads and the local sites holding them in this folder, and use those already there (a site takes minutes to fill at 8,000 sequences: fill it before the quiet run)")
	flag.Parse()
	if *quick {
		*rows, *sizes, o.runs = "plan,apply", "1000", 1
	}
	o.rows = map[string]bool{}
	for _, r := range strings.Split(*rows, ",") {
		switch r = strings.TrimSpace(r); r {
		case "plan", "apply", "remote", "export", "convert":
			o.rows[r] = true
		default:
			fatal(fmt.Errorf("-rows: unknown row %q (plan, apply, remote, export, convert)", r))
		}
	}
	var err error
	if o.sizes, err = ints("-sizes", *sizes); err != nil {
		fatal(err)
	}
	if o.pars, err = ints("-parallelism", *pars); err != nil {
		fatal(err)
	}
	if o.runs < 1 {
		o.runs = 1
	}
	if err := run(o); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "tsctl-bench: error:", err)
	os.Exit(1)
}

func ints(flagName, s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: %q is not a positive number", flagName, f)
		}
		out = append(out, n)
	}
	return out, nil
}

type options struct {
	rows               map[string]bool
	sizes, pars        []int
	steps, apply, runs int
	export, convert    int
	newSite            bool
	latency            time.Duration
	dir, tsctl, self   string
	work               string // where workloads and their sites are kept across runs ("": in dir)
	fill               bool   // only fill the sites in work
	env                []string
	table              []string
	memoDir            string
}

// parseOnly is the yardstick: read the file and parse it into yaml.Node.
func parseOnly(file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(b, &node); err != nil {
		panic(err)
	}
}

// result is one process run.
type result struct {
	wall    time.Duration
	cpu     time.Duration // user + system
	maxRSS  int64         // KiB
	gcShare float64       // the collector's part of the CPU the runtime saw (TSCTL_RUNTIME_STATS), -1 if unknown
	stderr  string
	stdout  string
}

func (o *options) measure(env []string, name string, args ...string) (result, error) {
	stats := filepath.Join(o.dir, "runtime-stats.json")
	os.Remove(stats)
	cmd := exec.Command(name, args...)
	cmd.Env = append(append(os.Environ(), o.env...), env...)
	cmd.Env = append(cmd.Env, "TSCTL_RUNTIME_STATS="+stats)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{wall: time.Since(start), stdout: out.String(), stderr: errb.String(), gcShare: -1}
	if cmd.ProcessState != nil {
		r.maxRSS = maxRSS(cmd.ProcessState)
		r.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if b, rerr := os.ReadFile(stats); rerr == nil {
		var s struct {
			CPU  float64 `json:"cpu_seconds"`
			GC   float64 `json:"gc_cpu_seconds"`
			Peak float64 `json:"peak_rss_kib"`
		}
		if json.Unmarshal(b, &s) == nil && s.CPU > 0 {
			r.gcShare = s.GC / s.CPU
		}
		if s.Peak > 0 {
			// The process's own count: the rusage of a child started by
			// a Go program includes this program's peak at exec (vfork).
			r.maxRSS = int64(s.Peak)
		}
	}
	if err != nil {
		return r, fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(errb.String()))
	}
	return r, nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// figure is the medians of runs of one measurement.
type figure struct {
	wall, cpu time.Duration
	maxRSS    int64 // KiB, the largest of the runs
	gcShare   float64
	runs      []result
}

func summarise(rs []result) figure {
	var f figure
	walls, cpus, gcs := []float64{}, []float64{}, []float64{}
	for _, r := range rs {
		walls = append(walls, float64(r.wall))
		cpus = append(cpus, float64(r.cpu))
		if r.gcShare >= 0 {
			gcs = append(gcs, r.gcShare)
		}
		f.maxRSS = max(f.maxRSS, r.maxRSS)
	}
	f.wall, f.cpu, f.gcShare, f.runs = time.Duration(median(walls)), time.Duration(median(cpus)), -1, rs
	if len(gcs) > 0 {
		f.gcShare = median(gcs)
	}
	return f
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// paired runs a and b alternately, runs times each (a first in even
// runs, b first in odd ones), and returns both figures and the median of
// the ratios a/b of the pairs.
func (o *options) paired(a, b func() (result, error)) (fa, fb figure, ratio float64, err error) {
	var ra, rb []result
	var ratios []float64
	for i := 0; i < o.runs; i++ {
		var x, y result
		if i%2 == 0 {
			if x, err = a(); err == nil {
				y, err = b()
			}
		} else {
			if y, err = b(); err == nil {
				x, err = a()
			}
		}
		if err != nil {
			return fa, fb, 0, err
		}
		ra, rb = append(ra, x), append(rb, y)
		ratios = append(ratios, float64(x.wall)/float64(y.wall))
	}
	return summarise(ra), summarise(rb), median(ratios), nil
}

func (o *options) yardstick(file string) func() (result, error) {
	return func() (result, error) { return o.measure(nil, o.self, "-parse-only", file) }
}

func (o *options) row(measurement, result, target string) {
	o.table = append(o.table, fmt.Sprintf("| %s | %s | %s |", measurement, result, target))
	fmt.Fprintf(os.Stderr, "tsctl-bench: %s: %s\n", measurement, result)
}

// kept is where workloads and their sites go: -work, else the run's own
// folder.
func (o *options) kept() string {
	if o.work != "" {
		return o.work
	}
	return o.dir
}

func run(o options) error {
	var err error
	if o.dir, err = os.MkdirTemp("", "tsctl-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(o.dir)
	o.tsctl = filepath.Join(o.dir, "tsctl")
	if o.self, err = os.Executable(); err != nil {
		return err
	}
	if out, err := exec.Command("go", "build", "-o", o.tsctl, "./cmd/tsctl").CombinedOutput(); err != nil {
		return fmt.Errorf("build tsctl (run from the repository root): %v\n%s", err, out)
	}
	if o.work != "" {
		if err := os.MkdirAll(o.work, 0o755); err != nil {
			return err
		}
	}
	o.memoDir = filepath.Join(o.dir, "memo") // a new one each run: what the first plan of each size records
	o.env = []string{workload.SecretEnv + "=bench", "TSCTL_LOCAL_FAULTS=", "TSCTL_CACHE=" + o.memoDir, "GOMEMLIMIT="}
	limit := "tsctl's own (215 MiB)"
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		limit = v + " (GOMEMLIMIT)"
		o.env[len(o.env)-1] = "GOMEMLIMIT=" + v
	}
	// A machine's load, for the record: the others' processes share it.
	load, _ := os.ReadFile("/proc/loadavg")

	first := o.sizes[0]
	sites := map[int]string{} // a local site holding the n × steps workload
	files := map[int]string{}
	workloadFile := func(n int) (string, error) {
		if f, ok := files[n]; ok {
			return f, nil
		}
		f := filepath.Join(o.kept(), fmt.Sprintf("workload-%d-%d.yaml", n, o.steps))
		if _, err := os.Stat(f); err != nil || o.work == "" {
			if err := writeWorkload(f, workload.Spec{Sequences: n, Steps: o.steps}); err != nil {
				return "", err
			}
		}
		files[n] = f
		return f, nil
	}
	siteHolding := func(n int) (string, error) {
		if s, ok := sites[n]; ok {
			return s, nil
		}
		f, err := workloadFile(n)
		if err != nil {
			return "", err
		}
		s := filepath.Join(o.kept(), fmt.Sprintf("site-%d-%d", n, o.steps))
		filled := s + ".filled" // written once the site holds the whole workload
		if _, err := os.Stat(filled); err != nil || o.work == "" {
			os.RemoveAll(s)
			fmt.Fprintf(os.Stderr, "tsctl-bench: applying %d × %d to a local site…\n", n, o.steps)
			if _, err := o.measure(nil, o.tsctl, "apply", "-f", f, "--site", "local:"+s, "--auto-approve", "--parallelism", "8", "--quiet"); err != nil {
				return "", err
			}
			if err := os.WriteFile(filled, nil, 0o644); err != nil {
				return "", err
			}
		}
		sites[n] = s
		return s, nil
	}

	if o.fill {
		if o.work == "" {
			return fmt.Errorf("-fill needs -work")
		}
		need := []int{}
		if o.rows["plan"] {
			need = append(need, o.sizes...)
		}
		if o.rows["remote"] {
			need = append(need, first)
		}
		if o.rows["export"] {
			need = append(need, o.export)
		}
		if o.rows["convert"] {
			need = append(need, max(o.convert, first))
		}
		for _, n := range need {
			if _, err := siteHolding(n); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "tsctl-bench: the sites in %s hold their workloads\n", o.work)
		return nil
	}

	if o.rows["plan"] {
		for _, n := range o.sizes {
			f, err := workloadFile(n)
			if err != nil {
				return err
			}
			s, err := siteHolding(n)
			if err != nil {
				return err
			}
			st, _ := os.Stat(f)
			args := []string{"plan", "-f", f, "--site", "local:" + s, "--stats", "--detailed-exitcode"}
			if _, err := o.measure(nil, o.tsctl, args...); err != nil { // the memo's first run
				return err
			}
			plan, yard, ratio, err := o.paired(func() (result, error) { return o.measure(nil, o.tsctl, args...) }, o.yardstick(f))
			if err != nil {
				return err
			}
			calls := callsRE.FindStringSubmatch(plan.runs[0].stderr)
			nCalls := "?"
			if calls != nil {
				nCalls = calls[1]
			}
			o.row(fmt.Sprintf("no-op plan, %d × %d (%.1f MB of YAML), local site, memo warm", n, o.steps, float64(st.Size())/1e6),
				fmt.Sprintf("%s against yardstick %s: **%.2f×**; peak %d MB; collector %.0f %% of CPU; CPU %s vs %s; %s calls",
					secs(plan.wall), secs(yard.wall), ratio, plan.maxRSS*1024/1e6, 100*plan.gcShare, secs(plan.cpu), secs(yard.cpu), nCalls),
				"≤ 1.3×, ≤ 300 MB, collector < 15 %")
		}
		// The same without the memo, at the first size: every sequence built.
		f, _ := workloadFile(first)
		s, _ := siteHolding(first)
		args := []string{"plan", "-f", f, "--site", "local:" + s, "--detailed-exitcode"}
		plan, yard, ratio, err := o.paired(func() (result, error) { return o.measure([]string{"TSCTL_CACHE=off"}, o.tsctl, args...) }, o.yardstick(f))
		if err != nil {
			return err
		}
		o.row(fmt.Sprintf("no-op plan, %d × %d, memo off", first, o.steps),
			fmt.Sprintf("%s against yardstick %s: %.2f×; peak %d MB; collector %.0f %% of CPU", secs(plan.wall), secs(yard.wall), ratio, plan.maxRSS*1024/1e6, 100*plan.gcShare), "")
	}

	if o.rows["apply"] {
		f := filepath.Join(o.dir, fmt.Sprintf("apply-%d.yaml", o.apply))
		if err := writeWorkload(f, workload.Spec{Sequences: o.apply, Steps: o.steps}); err != nil {
			return err
		}
		for _, par := range o.pars {
			bound, calls, err := boundOf(f, par, o.latency)
			if err != nil {
				return err
			}
			i := 0
			var pre, rest, commitWait, commitLongest []float64
			apply := func() (result, error) {
				i++
				s := filepath.Join(o.dir, fmt.Sprintf("apply-site-%d-%d", par, i))
				defer os.RemoveAll(s)
				if !o.newSite {
					site, err := local.Open(s, local.Options{}) // an empty site, as tsctl site init makes
					if err != nil {
						return result{}, err
					}
					site.Close()
				}
				r, err := o.measure([]string{"TSCTL_LOCAL_FAULTS=latency=" + o.latency.String(), "TSCTL_CACHE=off"}, o.tsctl,
					"apply", "-f", f, "--site", "local:"+s, "--auto-approve", "--parallelism", strconv.Itoa(par), "--quiet", "--stats")
				if err != nil {
					return r, err
				}
				m := phasesRE.FindStringSubmatch(r.stderr)
				if m == nil {
					return r, fmt.Errorf("apply --stats printed no phases:\n%s", tail(r.stderr))
				}
				a, _ := strconv.ParseFloat(m[1], 64)
				b, _ := strconv.ParseFloat(m[2], 64)
				pre, rest = append(pre, a), append(rest, b)
				if m := commitRE.FindStringSubmatch(r.stderr); m != nil {
					w, _ := strconv.ParseFloat(m[1], 64)
					l, _ := strconv.ParseFloat(m[2], 64)
					commitWait, commitLongest = append(commitWait, w), append(commitLongest, l)
				}
				return r, nil
			}
			all, yard, _, err := o.paired(apply, o.yardstick(f))
			if err != nil {
				return err
			}
			preRatios := []float64{}
			for k := range pre {
				preRatios = append(preRatios, pre[k]/yard.runs[k].wall.Seconds())
			}
			to := "an empty site"
			if o.newSite {
				to = "a site it creates"
			}
			o.row(fmt.Sprintf("apply %d new sequences to %s, %s per call, parallelism %d", o.apply, to, o.latency, par),
				fmt.Sprintf("%s in all (%d calls); before the first write %.2f s against yardstick %s: **%.2f×**; from then to the last %.2f s against the bound %s: **%.2f×**%s",
					secs(all.wall), calls, median(pre), secs(yard.wall), median(preRatios), median(rest), secs(bound), median(rest)/bound.Seconds(), commitNote(commitWait, commitLongest)),
				"pre-write ≤ 1.5× yardstick, the rest ≤ 1.1× bound")
		}
	}

	if o.rows["remote"] {
		if err := o.remoteRows(first, workloadFile, siteHolding); err != nil {
			return err
		}
	}

	if o.rows["export"] {
		s, err := siteHolding(o.export)
		if err != nil {
			return err
		}
		out := filepath.Join(o.dir, "exported.yaml")
		export := func() (result, error) {
			r, err := o.measure(nil, o.tsctl, "export", "--site", "local:"+s)
			if err == nil {
				err = os.WriteFile(out, []byte(r.stdout), 0o644)
			}
			return r, err
		}
		if _, err := export(); err != nil { // the file the yardstick parses
			return err
		}
		st, _ := os.Stat(out)
		ex, yard, ratio, err := o.paired(export, o.yardstick(out))
		if err != nil {
			return err
		}
		o.row(fmt.Sprintf("export %d sequences from a local site (%.1f MB of YAML)", o.export, float64(st.Size())/1e6),
			fmt.Sprintf("%s against yardstick %s: **%.2f×**; peak %d MB; CPU %s", secs(ex.wall), secs(yard.wall), ratio, ex.maxRSS*1024/1e6, secs(ex.cpu)), "≤ 2×")
	}

	if o.rows["convert"] {
		s, err := siteHolding(max(o.convert, first))
		if err != nil {
			return err
		}
		zipFile := filepath.Join(o.dir, "export.zip")
		if err := writeExportZip(s, o.convert, zipFile); err != nil {
			return err
		}
		out := filepath.Join(o.dir, "converted.yaml")
		conv := func() (result, error) {
			r, err := o.measure(nil, o.tsctl, "convert", zipFile)
			if err == nil {
				err = os.WriteFile(out, []byte(r.stdout), 0o644)
			}
			return r, err
		}
		if _, err := conv(); err != nil {
			return err
		}
		zst, _ := os.Stat(zipFile)
		st, _ := os.Stat(out)
		cv, yard, ratio, err := o.paired(conv, o.yardstick(out))
		if err != nil {
			return err
		}
		o.row(fmt.Sprintf("convert an export .zip of %d sequences (%.1f MB; %.1f MB of YAML)", o.convert, float64(zst.Size())/1e6, float64(st.Size())/1e6),
			fmt.Sprintf("%s against yardstick %s: **%.2f×**; peak %d MB; CPU %s", secs(cv.wall), secs(yard.wall), ratio, cv.maxRSS*1024/1e6, secs(cv.cpu)), "≤ 2×")
	}

	fmt.Printf("Machine: %s/%s, %d CPUs (%s); load average at the start %s; %d runs per figure, paired with the yardstick, medians; soft memory limit %s.\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "), o.runs, limit)
	fmt.Printf("| measurement | result | target |\n|---|---|---|\n")
	for _, l := range o.table {
		fmt.Println(l)
	}
	return nil
}

var (
	callsRE  = regexp.MustCompile(`provider (\d+) calls: (.*); (\d+) retr`)
	commitRE = regexp.MustCompile(`local site: \d+ commits of \d+ writes; a write waited ([0-9.]+) ms on average, ([0-9.]+) ms at most`)
	phasesRE = regexp.MustCompile(`apply: ([0-9.]+) s before the first write .*, ([0-9.]+) s from then to the last`)
)

// boundOf plans file against a new, empty local site and returns the
// dependency-aware bound of applying it (Planned.Bound) and its calls.
func boundOf(file string, par int, latency time.Duration) (time.Duration, int, error) {
	dir, err := os.MkdirTemp("", "tsctl-bench-bound-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	site, err := local.Open(dir, local.Options{})
	if err != nil {
		return 0, 0, err
	}
	defer site.Close()
	os.Setenv(workload.SecretEnv, "bench")
	cfg, ds := config.Load([]string{file})
	if ds.HasErrors() {
		return 0, 0, fmt.Errorf("%s: %v", file, ds)
	}
	p, ds, err := engine.MakePlan(context.Background(), site, cfg, engine.PlanOptions{Target: "bench"})
	if err != nil {
		return 0, 0, err
	}
	if ds.HasErrors() {
		return 0, 0, fmt.Errorf("plan %s: %v", file, ds)
	}
	d, calls := p.Bound(par, latency, false)
	return d, calls, nil
}

// writeExportZip writes an export .zip of the first n sequences (by name)
// of the local site in dir, with ReferencesInfo.xml naming what they use.
func writeExportZip(dir string, n int, file string) error {
	site, err := local.Open(dir, local.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer site.Close()
	seqs, refs, err := workload.ExportOf(context.Background(), site, n)
	if err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := workload.WriteExportZip(f, seqs, refs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeWorkload(path string, s workload.Spec) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := workload.Write(f, s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "unknown CPU"
}

// commitNote describes how long the embedded site's writes waited for
// their commits (apply --stats), medians over the runs: the part of a
// SetSequence or Put that the site's own disk takes, covered by the
// injected latency only while it stays under it.
func commitNote(wait, longest []float64) string {
	if len(wait) == 0 {
		return ""
	}
	return fmt.Sprintf("; the site's writes waited %.1f ms on average for their commit, %.1f ms at most", median(wait), median(longest))
}
