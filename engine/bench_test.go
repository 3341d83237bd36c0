package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine/config"
	"github.com/tsctl/tsctl/engine/workload"
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
		p, ds, err := MakePlan(context.Background(), site, cfg, PlanOptions{Target: "bench"})
		if err != nil || ds.HasErrors() {
			b.Fatal(err, ds)
		}
		if p.Plan.Changes {
			b.Fatal("no-op plan has changes")
		}
	}
}
