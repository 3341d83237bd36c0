// Command tsctl-bench measures tsctl against the targets in the product
// brief and prints a table. Run it from the repository root:
//
//	go run ./cmd/tsctl-bench [-sequences 1000] [-steps 50] [-apply 200] [-runs 3]
//
// It builds tsctl, generates the workloads in a temporary folder, and times
// whole processes, so every figure includes start-up, reading the files and
// the site, and printing: the yardstick (yaml.v3 parsing the same file into
// yaml.Node, in a process of its own), validate, a no-op plan against a
// local site holding the workload (with its provider calls and peak
// memory), how validate's peak memory grows at twice and four times the
// workload, and applying new sequences with 20 ms injected per provider
// call at parallelism 1 and 8, against the ideal calls × 20 ms / parallelism.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/workload"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-parse-only" {
		parseOnly(os.Args[2])
		return
	}
	n := flag.Int("sequences", 1000, "sequences in the plan workload")
	m := flag.Int("steps", 50, "steps per sequence")
	applyN := flag.Int("apply", 200, "new sequences in the apply workload")
	runs := flag.Int("runs", 3, "runs per figure (the median is reported)")
	latency := flag.Duration("latency", 20*time.Millisecond, "latency injected per provider call in the apply runs")
	flag.Parse()
	if err := run(*n, *m, *applyN, *runs, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "tsctl-bench: error:", err)
		os.Exit(1)
	}
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

type result struct {
	wall   time.Duration
	maxRSS int64 // KiB (1024 bytes)
	stderr string
	stdout string
}

func measure(env []string, name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{wall: time.Since(start), stdout: out.String(), stderr: errb.String()}
	r.maxRSS = maxRSS(cmd.ProcessState)
	if err != nil {
		return r, fmt.Errorf("%s %v: %w\n%s", filepath.Base(name), args, err, errb.String())
	}
	return r, nil
}

func median(rs []result) result {
	sort.Slice(rs, func(i, j int) bool { return rs[i].wall < rs[j].wall })
	return rs[len(rs)/2]
}

func repeat(runs int, env []string, name string, args ...string) (result, error) {
	var rs []result
	for i := 0; i < runs; i++ {
		r, err := measure(env, name, args...)
		if err != nil {
			return r, err
		}
		rs = append(rs, r)
	}
	return median(rs), nil
}

var callsRE = regexp.MustCompile(`provider (\d+) calls: (.*); (\d+) retr`)

func run(n, m, applyN, runs int, latency time.Duration) error {
	dir, err := os.MkdirTemp("", "tsctl-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tsctl := filepath.Join(dir, "tsctl")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if out, err := exec.Command("go", "build", "-o", tsctl, "./cmd/tsctl").CombinedOutput(); err != nil {
		return fmt.Errorf("build tsctl (run from the repository root): %v\n%s", err, out)
	}
	big := filepath.Join(dir, "workload.yaml")
	if err := writeWorkload(big, workload.Spec{Sequences: n, Steps: m}); err != nil {
		return err
	}
	st, _ := os.Stat(big)
	env := []string{workload.SecretEnv + "=bench", "TSCTL_LOCAL_FAULTS="}
	site := "local:" + filepath.Join(dir, "site")

	yardstick, err := repeat(runs, nil, self, "-parse-only", big)
	if err != nil {
		return err
	}
	validate, err := repeat(runs, env, tsctl, "validate", "-f", big)
	if err != nil {
		return err
	}
	if _, err := measure(env, tsctl, "apply", "-f", big, "--site", site, "--auto-approve", "--parallelism", "8", "--quiet"); err != nil {
		return err
	}
	noop, err := repeat(runs, env, tsctl, "plan", "-f", big, "--site", site, "--stats", "--detailed-exitcode")
	if err != nil {
		return err
	}
	calls := callsRE.FindStringSubmatch(noop.stderr)

	small := filepath.Join(dir, "apply.yaml")
	if err := writeWorkload(small, workload.Spec{Sequences: applyN, Steps: m}); err != nil {
		return err
	}
	// What apply does before its first write: read, validate and plan.
	prewrite, err := repeat(runs, append(env, "TSCTL_LOCAL_FAULTS=latency="+latency.String()), tsctl, "plan", "-f", small,
		"--site", "local:"+filepath.Join(dir, "never-created"))
	if err != nil {
		return err
	}
	// How memory grows with the input: validate of twice and four times the
	// workload (one run each; a peak varies little from run to run).
	type scaleRun struct {
		n     int
		size  int64
		wall  time.Duration
		peakK int64
	}
	var scales []scaleRun
	for _, k := range []int{2, 4} {
		f := filepath.Join(dir, fmt.Sprintf("workload-%d.yaml", k))
		if err := writeWorkload(f, workload.Spec{Sequences: k * n, Steps: m}); err != nil {
			return err
		}
		fi, _ := os.Stat(f)
		r, err := measure(env, tsctl, "validate", "-f", f)
		if err != nil {
			return err
		}
		scales = append(scales, scaleRun{k * n, fi.Size(), r.wall, r.maxRSS})
		os.Remove(f)
	}
	type applyRun struct {
		par   int
		wall  time.Duration
		calls int
	}
	var applies []applyRun
	for _, par := range []int{1, 8} {
		var rs []result
		var nCalls int
		for i := 0; i < runs; i++ {
			s := "local:" + filepath.Join(dir, fmt.Sprintf("apply-%d-%d", par, i))
			r, err := measure(append(env, "TSCTL_LOCAL_FAULTS=latency="+latency.String()), tsctl, "apply", "-f", small, "--site", s,
				"--auto-approve", "--parallelism", strconv.Itoa(par), "--quiet", "--stats")
			if err != nil {
				return err
			}
			if c := callsRE.FindStringSubmatch(r.stderr); c != nil {
				nCalls, _ = strconv.Atoi(c[1])
			}
			rs = append(rs, r)
		}
		applies = append(applies, applyRun{par, median(rs).wall, nCalls})
	}

	fmt.Printf("Machine: %s/%s, %d CPUs (%s); %d runs per figure, median reported.\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), runs)
	fmt.Printf("| measurement | result | target |\n|---|---|---|\n")
	fmt.Printf("| workload | %d sequences × %d steps, %.1f MB of YAML | |\n", n, m, float64(st.Size())/1e6)
	fmt.Printf("| yardstick: yaml.v3 parses the file into yaml.Node | %s | |\n", secs(yardstick.wall))
	fmt.Printf("| tsctl validate | %s (%.2f× yardstick) | |\n", secs(validate.wall), ratio(validate.wall, yardstick.wall))
	fmt.Printf("| tsctl plan, no-op, against a local site holding it | %s (%.2f× yardstick) | ≤ 2.5× |\n", secs(noop.wall), ratio(noop.wall, yardstick.wall))
	fmt.Printf("| peak memory of that plan | %d MB (%d MiB) | ≤ 300 MB |\n", noop.maxRSS*1024/1e6, noop.maxRSS/1024)
	fmt.Printf("| peak memory of tsctl validate, this workload | %d MB | |\n", validate.maxRSS*1024/1e6)
	for _, sc := range scales {
		fmt.Printf("| peak memory of tsctl validate, %d × %d (%.1f MB of YAML) | %d MB (%s) | |\n", sc.n, m, float64(sc.size)/1e6, sc.peakK*1024/1e6, secs(sc.wall))
	}
	if calls != nil {
		fmt.Printf("| provider calls of that plan | %s: %s | one query per class + one read per managed sequence, no writes |\n", calls[1], calls[2])
	}
	for _, a := range applies {
		ideal := time.Duration(a.calls) * latency / time.Duration(a.par)
		target := ""
		if a.par == 8 {
			target = "≤ 1.3× ideal"
		}
		fmt.Printf("| apply %d new sequences, %s per call, parallelism %d | %s for %d calls; ideal %s (%.2f×) | %s |\n",
			applyN, latency, a.par, secs(a.wall), a.calls, secs(ideal), ratio(a.wall, ideal), target)
	}
	fmt.Printf("| of which before the first write: plan of those %d sequences against an empty site | %s | |\n", applyN, secs(prewrite.wall))
	return nil
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

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

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
