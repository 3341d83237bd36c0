package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diff"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/object"
)

// corpus reads ../shared/corpus as one export (sequences and references).
func corpus(t *testing.T) *exportfile.Export {
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not available (%v): the corpus tests run where ../shared/corpus exists", err)
	}
	ex, err := exportfile.ReadFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

type nameResolver struct{ c *Converter }

func (r nameResolver) ID(kind object.Kind, name string) (string, error) {
	return verifyResolver(r).ID(kind, name)
}
func (nameResolver) Program(string, string) error { return nil }
func (r nameResolver) Application(name string) (string, string, error) {
	return verifyResolver(r).Application(name)
}
func (nameResolver) Secret(config.Secret) (string, error) { return "", nil }
func (nameResolver) CheckID(object.Kind, string) error    { return nil }
func (r nameResolver) AppDisplayName(model string) (string, bool) {
	return verifyResolver(r).AppDisplayName(model)
}
func (r nameResolver) DescribeContent(name, id string) (desired.ContentInfo, bool) {
	return verifyResolver(r).DescribeContent(name, id)
}

func TestCorpusConverts(t *testing.T) {
	ex := corpus(t)
	if len(ex.Sequences) < 8 {
		t.Fatalf("read %d sequences from the corpus", len(ex.Sequences))
	}
	for _, s := range ex.Sequences {
		t.Run(filepath.Base(s.Source), func(t *testing.T) {
			c := New(ExportNames{Ex: ex})
			node := c.Sequence(s)
			for _, g := range c.Report.Generic {
				if !strings.Contains(g, "(BDD_") {
					t.Errorf("generic form for a built-in class: %s", g)
				}
			}
			doc, err := Document("", []*yaml.Node{node})
			if err != nil {
				t.Fatal(err)
			}
			cfg, ds := config.Parse("converted.yaml", doc)
			if ds.HasErrors() {
				t.Fatalf("converted YAML is invalid:\n%s\n%s", ds, doc)
			}
			got, ds := (&desired.Builder{R: nameResolver{c}}).Sequence(cfg.Sequences[0])
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			for _, d := range diff.Differences(s.Sequence.Clone(), got, nil) {
				t.Errorf("round trip changes %s", d)
			}
			// Converting the rebuilt sequence gives the same YAML.
			again, err := Document("", []*yaml.Node{New(ExportNames{Ex: ex}).Sequence(&exportfile.Sequence{Name: s.Name, Description: s.Description,
				Category: s.Category, BootImageID: s.BootImageID, Duration: s.Duration, Sequence: got})})
			if err != nil || string(again) != string(doc) {
				t.Errorf("convert is not stable:\n%s\n---\n%s", doc, again)
			}
		})
	}
}

// TestCorpusTable prints a table of the corpus conversions (the README shows
// the wider one of TestRealExportsMigrate):
// go test ./internal/convert -run TestCorpusTable -v
func TestCorpusTable(t *testing.T) {
	ex := corpus(t)
	t.Log("| file | steps | groups | conditions | generic steps | round trip |")
	t.Log("|---|---|---|---|---|---|")
	for _, s := range ex.Sequences {
		c := New(ExportNames{Ex: ex})
		node := c.Sequence(s)
		doc, err := Document("", []*yaml.Node{node})
		ok := err == nil
		if ok {
			cfg, ds := config.Parse("c.yaml", doc)
			ok = !ds.HasErrors()
			if ok {
				got, ds := (&desired.Builder{R: nameResolver{c}}).Sequence(cfg.Sequences[0])
				ok = !ds.HasErrors() && len(diff.Differences(s.Sequence.Clone(), got, nil)) == 0
			}
		}
		steps, groups, conds := s.Sequence.Counts()
		builtin := 0
		for _, g := range c.Report.Generic {
			if !strings.Contains(g, "(BDD_") {
				builtin++
			}
		}
		verdict := "OK"
		if !ok {
			verdict = "FAILED"
			t.Errorf("%s does not round-trip", s.Source)
		}
		t.Logf("| %s | %d | %d | %d | %d (%d built-in) | %s |", filepath.Base(s.Source), steps, groups, conds, len(c.Report.Generic), builtin, verdict)
	}
}
