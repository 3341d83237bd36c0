package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/yamlwrite"
)

// writerTally counts the documents writtenLikeYAMLv3 compared and those
// internal/yamlwrite left to yaml.v3.
type writerTally struct{ written, fellBack int }

// writtenLikeYAMLv3 converts each sequence of seqs with c and fails t
// unless internal/yamlwrite writes its document (as Encode has Document
// write it) byte for byte as yaml.v3 does, or leaves it to yaml.v3.
func writtenLikeYAMLv3(t *testing.T, c *Converter, seqs []*exportfile.Sequence, tally *writerTally) {
	t.Helper()
	for _, s := range seqs {
		root := documentRoot([]*yaml.Node{c.Sequence(s)})
		want, err := encodeYAML("", root)
		if err != nil {
			t.Fatalf("%s: yaml.v3: %v", s.Name, err)
		}
		got, ok := yamlwrite.Document("", root)
		if !ok {
			tally.fellBack++
			continue
		}
		tally.written++
		if !bytes.Equal(got, want) {
			t.Errorf("sequence %q: yamlwrite writes\n%s\nyaml.v3 writes\n%s\nfirst difference at byte %d", s.Name, got, want, firstDifference(got, want))
		}
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestWriterMatchesYAMLv3OnRealExports: every sequence convert writes from
// the real exports (each file alone, and all at once, where names and
// comments differ), and from a generated workload's site, is written by
// internal/yamlwrite as yaml.v3 writes it; none is left to yaml.v3.
// TSCTL_WRITER_EXPORTS (paths separated by the list separator) adds
// export files or folders, such as the benchmark's 500-sequence .zip.
func TestWriterMatchesYAMLv3OnRealExports(t *testing.T) {
	check := func(t *testing.T, ex *exportfile.Export, names Names) {
		var tally writerTally
		writtenLikeYAMLv3(t, New(names), ex.Sequences, &tally)
		t.Logf("%d sequences written, %d left to yaml.v3", tally.written, tally.fellBack)
		if tally.fellBack != 0 {
			t.Errorf("%d of %d sequences left to yaml.v3: convert builds no node yamlwrite does not handle", tally.fellBack, tally.written+tally.fellBack)
		}
	}
	t.Run("workload", func(t *testing.T) {
		if testing.Short() {
			t.Skip("applies a generated workload to a local site")
		}
		ex := workloadExport(t, 40, 30)
		check(t, &exportfile.Export{Sequences: ex.Sequences}, ex.Names)
	})
	if extra := os.Getenv("TSCTL_WRITER_EXPORTS"); extra != "" {
		t.Run("TSCTL_WRITER_EXPORTS", func(t *testing.T) {
			ex, err := exportfile.ReadFiles(filepath.SplitList(extra))
			if err != nil {
				t.Fatal(err)
			}
			check(t, ex, ExportNames{Ex: ex})
		})
	}
	dirs := realExportDirs(t)
	t.Run("all at once", func(t *testing.T) {
		ex, err := exportfile.ReadFiles(dirs)
		if err != nil {
			t.Fatal(err)
		}
		check(t, ex, ExportNames{Ex: ex})
	})
	for _, dir := range dirs {
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := f.Name()
			if f.IsDir() || !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".zip") {
				continue
			}
			t.Run(name, func(t *testing.T) {
				ex, err := exportfile.ReadFiles([]string{filepath.Join(dir, name)})
				if err != nil {
					t.Skipf("not an export: %v", err)
				}
				check(t, ex, ExportNames{Ex: ex})
			})
		}
	}
}

// BenchmarkWriter writes the document of each sequence convert builds from
// the real exports (or TSCTL_WRITER_EXPORTS) with internal/yamlwrite and
// with yaml.v3, to compare their time and allocations.
func BenchmarkWriter(b *testing.B) {
	paths := filepath.SplitList(os.Getenv("TSCTL_WRITER_EXPORTS"))
	if len(paths) == 0 {
		for _, d := range []string{"corpus", "exports", filepath.Join("exports", "mdt")} {
			paths = append(paths, filepath.Join("..", "..", "..", "shared", d))
		}
	}
	ex, err := exportfile.ReadFiles(paths)
	if err != nil {
		b.Skip("no exports:", err)
	}
	c := New(ExportNames{Ex: ex})
	var roots []*yaml.Node
	for _, s := range ex.Sequences {
		roots = append(roots, documentRoot([]*yaml.Node{c.Sequence(s)}))
	}
	b.Run("yamlwrite", func(b *testing.B) {
		for range b.N {
			for _, r := range roots {
				if _, ok := yamlwrite.Document("", r); !ok {
					b.Fatal("left to yaml.v3")
				}
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		for range b.N {
			for _, r := range roots {
				if _, err := encodeYAML("", r); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
