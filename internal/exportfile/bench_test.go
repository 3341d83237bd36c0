package exportfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/workload"
)

// BenchmarkReadExport reads an export .zip of 64 sequences of about
// 40 KB (the model fixture's steps repeated, escaped in object.xml as the
// console writes it, with a ReferencesInfo.xml each) as convert reads
// one: ReadFilesDeferred, then each sequence's Load.
func BenchmarkReadExport(b *testing.B) {
	file := benchExportZip(b, 64)
	info, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	for b.Loop() {
		ex, err := ReadFilesDeferred([]string{file})
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range ex.Sequences {
			if err := s.Loaded(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchExportZip writes an export .zip of n sequences (workload.WriteExportZip).
func benchExportZip(b *testing.B, n int) string {
	q, err := model.Parse(readModelFixture(b))
	if err != nil {
		b.Fatal(err)
	}
	base := q.Steps
	for range 20 {
		for _, s := range base {
			q.Steps = append(q.Steps, s.Clone())
		}
	}
	text := string(model.Marshal(q))
	refs := map[string]workload.ExportRef{}
	for i, id := range regexp.MustCompile(`\b[A-Z0-9]{3}[0-9A-F]{5}\b`).FindAllString(text, -1) {
		refs[id] = workload.ExportRef{PackageID: id, Name: fmt.Sprintf("Package %d <&>", i), PackageType: i % 3}
	}
	seqs := make([]workload.ExportSequence, n)
	for i := range seqs {
		seqs[i] = workload.ExportSequence{PackageID: fmt.Sprintf("PS2%05X", i), Name: fmt.Sprintf("Deploy %d", i),
			Description: "Generated \"sequence\"", Category: "Bench", BootImageID: "PS100003", XML: text}
	}
	var buf bytes.Buffer
	if err := workload.WriteExportZip(&buf, seqs, refs); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "export.zip")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return file
}

func readModelFixture(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join("..", "model", "testdata", "small.xml"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}
