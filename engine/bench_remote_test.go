package engine

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/facade"
	"github.com/tsctl/tsctl/internal/pace"
	"github.com/tsctl/tsctl/internal/workload"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
	"github.com/tsctl/tsctl/provider/local"
)

// served serves site over HTTPS on loopback behind the AdminService
// routes, as "tsctl site serve" does, and returns a client of it.
func served(b *testing.B, site provider.Site) provider.Site {
	srv := httptest.NewUnstartedServer(facade.Handler(func(context.Context) (provider.Site, error) { return site, nil }))
	srv.StartTLS()
	b.Cleanup(srv.Close)
	ca := filepath.Join(b.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		b.Fatal(err)
	}
	c, err := adminservice.Open(context.Background(), srv.URL+"/AdminService", adminservice.Options{CAFile: ca})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkRemote runs the no-op plan of the workload and the apply of
// TSCTL_BENCH_APPLY (200) new sequences at 20 ms per call and parallelism
// 8 on the embedded site and over HTTPS to the same site served in
// process (client and server in one process, so the pair's ns/op compare
// their CPU and calls, not two processes'): the targets are 1.5× and
// 1.15× the embedded site's.
func BenchmarkRemote(b *testing.B) {
	defer pace.Set()() // as tsctl runs
	file, dir := benchSetup(b)
	for _, over := range []string{"embedded", "https"} {
		b.Run("noop-plan/"+over, func(b *testing.B) {
			raw, err := local.Open(dir, local.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer raw.Close()
			var site provider.Site = raw
			if over == "https" {
				site = served(b, raw)
			}
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
		})
	}
	applyFile := applyWorkload(b)
	for _, over := range []string{"embedded", "https"} {
		b.Run("apply/"+over, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				raw, err := local.Open(b.TempDir(), local.Options{Faults: local.Faults{Latency: 20 * time.Millisecond}})
				if err != nil {
					b.Fatal(err)
				}
				var site provider.Site = raw
				if over == "https" {
					site = served(b, raw)
				}
				b.StartTimer()
				applyOnce(b, site, applyFile, 8)
				b.StopTimer()
				raw.Close()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkExport exports every sequence of the workload's site as export
// does (read, convert, each kept as YAML text, one document); yaml-s is
// the yardstick, yaml.v3 parsing the document written, the target being
// 2× it.
func BenchmarkExport(b *testing.B) {
	defer pace.Set()() // as tsctl runs
	_, dir := benchSetup(b)
	site, err := local.Open(dir, local.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	var doc []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ex, err := Export(context.Background(), site, nil, SequenceReads, false)
		if err != nil {
			b.Fatal(err)
		}
		doc = convertAll(b, convert.New(ex.Names), ex.Sequences)
	}
	b.StopTimer()
	b.ReportMetric(yardstick(b, doc).Seconds(), "yaml-s")
}

// BenchmarkConvert converts an export .zip of TSCTL_BENCH_CONVERT (500)
// sequences of the workload's site, as convert does; yaml-s as in
// BenchmarkExport.
func BenchmarkConvert(b *testing.B) {
	defer pace.Set()() // as tsctl runs
	_, dir := benchSetup(b)
	n := 500
	if v, err := strconv.Atoi(os.Getenv("TSCTL_BENCH_CONVERT")); err == nil && v > 0 {
		n = v
	}
	zip := exportZip(b, dir, n)
	var doc []byte
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ex, err := exportfile.ReadFiles([]string{zip})
		if err != nil {
			b.Fatal(err)
		}
		doc = convertAll(b, convert.New(convert.ExportNames{Ex: ex}), ex.Sequences)
	}
	b.StopTimer()
	b.ReportMetric(yardstick(b, doc).Seconds(), "yaml-s")
}

// convertAll converts seqs into one document (Converter.All), checked as
// convert checks what it writes.
func convertAll(b *testing.B, cv *convert.Converter, seqs []*exportfile.Sequence) []byte {
	items, err := cv.All(seqs, nil)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := convert.Join("bench", items)
	if err != nil {
		b.Fatal(err)
	}
	if _, ds := config.Parse("bench.yaml", doc); ds.HasErrors() {
		b.Fatal(ds)
	}
	return doc
}

// yardstick is how long yaml.v3 takes to parse doc.
func yardstick(b *testing.B, doc []byte) time.Duration {
	start := time.Now()
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// exportZip writes an export .zip of the first n sequences of the site in
// dir (workload.ExportOf, WriteExportZip).
func exportZip(b *testing.B, dir string, n int) string {
	site, err := local.Open(dir, local.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer site.Close()
	seqs, refs, err := workload.ExportOf(context.Background(), site, n)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "export.zip")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := workload.WriteExportZip(f, seqs, refs); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return file
}
