package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/pace"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/workload"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// The benchmarks share one generated workload and one local site holding
// it. TSCTL_BENCH_SEQUENCES and TSCTL_BENCH_STEPS size it (1000 × 50).
var bench struct {
	once sync.Once
	dir  string
	file string
	err  error
}

func benchSize() (int, int) {
	n, m := 1000, 50
	if v, err := strconv.Atoi(os.Getenv("TSCTL_BENCH_SEQUENCES")); err == nil && v > 0 {
		n = v
	}
	if v, err := strconv.Atoi(os.Getenv("TSCTL_BENCH_STEPS")); err == nil && v > 0 {
		m = v
	}
	return n, m
}

func benchSetup(b *testing.B) (file, siteDir string) {
	bench.once.Do(func() {
		bench.dir, bench.err = os.MkdirTemp("", "tsctl-bench-")
		if bench.err != nil {
			return
		}
		n, m := benchSize()
		var buf bytes.Buffer
		if bench.err = workload.Write(&buf, workload.Spec{Sequences: n, Steps: m}); bench.err != nil {
			return
		}
		bench.file = filepath.Join(bench.dir, "workload.yaml")
		if bench.err = os.WriteFile(bench.file, buf.Bytes(), 0o644); bench.err != nil {
			return
		}
		os.Setenv(workload.SecretEnv, "bench")
		site, err := local.Open(filepath.Join(bench.dir, "site"), local.Options{})
		if err != nil {
			bench.err = err
			return
		}
		defer site.Close()
		cfg, ds := config.Load([]string{bench.file})
		if ds.HasErrors() {
			bench.err = ds
			return
		}
		p, ds, err := MakePlan(context.Background(), site, cfg, PlanOptions{Target: "bench"})
		if err != nil || ds.HasErrors() {
			bench.err = err
			return
		}
		res, err := p.Apply(context.Background(), ApplyOptions{Parallelism: 8, User: "bench"})
		if err == nil && res.Failed() {
			err = os.ErrInvalid
		}
		bench.err = err
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.file, filepath.Join(bench.dir, "site")
}

// BenchmarkYAMLParse is the yardstick: yaml.v3 alone parsing the workload into yaml.Node.
func BenchmarkYAMLParse(b *testing.B) {
	file, _ := benchSetup(b)
	data, _ := os.ReadFile(file)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate loads, schema-validates and checks the workload.
func BenchmarkValidate(b *testing.B) {
	defer pace.Set()() // as tsctl runs
	file, _ := benchSetup(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ds := config.Load([]string{file}); ds.HasErrors() {
			b.Fatal(ds)
		}
	}
}

// BenchmarkNoOpPlan validates and plans the workload against a site that
// already holds it: the plan is empty.
func BenchmarkNoOpPlan(b *testing.B) {
	defer pace.Set()() // as tsctl runs
	file, dir := benchSetup(b)
	site, err := local.Open(dir, local.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg, ds := config.Load([]string{file})
		if ds.HasErrors() {
			b.Fatal(ds)
		}
		counted := provider.NewCounting(site)
		p, ds, err := MakePlan(context.Background(), counted, cfg, PlanOptions{Target: "bench"})
		if err != nil || ds.HasErrors() {
			b.Fatal(err, ds)
		}
		if p.Plan.Changes {
			b.Fatal("no-op plan has changes")
		}
		calls := 0
		for kind, n := range counted.Calls() {
			if !strings.HasPrefix(kind, "query ") && kind != "get" {
				b.Fatalf("a no-op plan wrote: %d × %s", n, kind)
			}
			calls += n
		}
		b.ReportMetric(float64(calls), "calls/op")
	}
}

// BenchmarkApply applies TSCTL_BENCH_APPLY (200) new sequences of the
// workload's size to a new local site that answers every call 20 ms after
// it was made, at parallelism 4, 8 and 16, timing load, plan and apply
// together. prewrite-s is the time before the first write (load,
// validate, plan); x-bound is the time from then to the last against the
// dependency-aware bound (Planned.Bound), the target being 1.1. The
// nosync run measures what the site's durable commits cost: the same
// apply at parallelism 8 on a site whose commits are not synced.
func BenchmarkApply(b *testing.B) {
	defer pace.Set()() // as tsctl runs
	file := applyWorkload(b)
	const latency = 20 * time.Millisecond
	for _, run := range []struct {
		par    int
		noSync bool
	}{{4, false}, {8, false}, {16, false}, {8, true}} {
		par, name := run.par, "parallelism="+strconv.Itoa(run.par)
		if run.noSync {
			name += "/nosync"
		}
		b.Run(name, func(b *testing.B) {
			var pre, rest, bounds time.Duration
			var calls int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				// A new site every time: the framework runs the loop more
				// than once, and an applied site would make a no-op.
				siteDir := b.TempDir()
				raw, err := local.Open(siteDir, local.Options{Faults: local.Faults{Latency: latency}, NoSync: run.noSync})
				if err != nil {
					b.Fatal(err)
				}
				site := provider.NewCounting(raw)
				b.StartTimer()
				r := applyOnce(b, site, file, par)
				b.StopTimer()
				bound, _ := r.planned.Bound(par, latency, false)
				pre, rest, bounds = pre+r.pre, rest+r.rest, bounds+bound
				calls = 0
				for _, c := range site.Calls() {
					calls += c
				}
				raw.Close()
				b.StartTimer()
			}
			b.ReportMetric(pre.Seconds()/float64(b.N), "prewrite-s")
			b.ReportMetric(float64(rest)/float64(bounds), "x-bound")
			b.ReportMetric(float64(calls), "calls/op")
		})
	}
}

// applyWorkload writes TSCTL_BENCH_APPLY (200) sequences of the workload's
// size to a file.
func applyWorkload(b *testing.B) string {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("TSCTL_BENCH_APPLY")); err == nil && v > 0 {
		n = v
	}
	_, m := benchSize()
	file := filepath.Join(b.TempDir(), "apply.yaml")
	var buf bytes.Buffer
	if err := workload.Write(&buf, workload.Spec{Sequences: n, Steps: m}); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	os.Setenv(workload.SecretEnv, "bench")
	return file
}

// applied is one timed apply: before its first write and from then to
// its last.
type applied struct {
	planned   *Planned
	pre, rest time.Duration
}

// applyOnce loads file, plans it against site and applies it, every
// object created.
func applyOnce(b *testing.B, site provider.Site, file string, par int) applied {
	start := time.Now()
	cfg, ds := config.Load([]string{file})
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	p, ds, err := MakePlan(context.Background(), site, cfg, PlanOptions{Target: "bench"})
	if err != nil || ds.HasErrors() {
		b.Fatal(err, ds)
	}
	var first time.Time
	var once sync.Once
	res, err := p.Apply(context.Background(), ApplyOptions{Parallelism: par, User: "bench",
		OnStart: func(*plan.Object) { once.Do(func() { first = time.Now() }) }})
	if err != nil || res.Failed() {
		b.Fatal(err, res)
	}
	if res.Count(Created) != len(res.Objects) {
		b.Fatalf("%d of %d objects created", res.Count(Created), len(res.Objects))
	}
	return applied{planned: p, pre: first.Sub(start), rest: time.Since(first)}
}
