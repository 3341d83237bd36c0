package engine

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// TestCorpusApplyThenPlan takes every real sequence in ../shared/corpus
// through the migration path: seed a fresh local site with the objects the
// export references (original IDs and names), convert to YAML, apply, check
// that the site stores the original sequence (in canonical form), and plan
// again: the plan must be empty.
func TestCorpusApplyThenPlan(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not available (%v): the corpus tests run where ../shared/corpus exists", err)
	}
	ex, err := exportfile.ReadFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	site := openTestSite(t)
	var stubs []local.Stub
	for _, st := range convert.Stubs(ex) {
		stubs = append(stubs, local.Stub{Class: st.Kind.Class(), ID: st.ID, Name: st.Name, Description: st.Description, Programs: st.Programs})
	}
	if _, err := site.AddStubs(stubs); err != nil {
		t.Fatal(err)
	}
	cv := convert.New(convert.ExportNames{Ex: ex})
	var nodes []*yaml.Node
	for _, s := range ex.Sequences {
		nodes = append(nodes, cv.Sequence(s))
	}
	doc, err := convert.Document("", nodes)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cv.Report.Secrets {
		t.Setenv(regexp.MustCompile(`[A-Z0-9_]+$`).FindString(s), "placeholder")
	}
	cfg, ds := config.Parse("corpus.yaml", doc)
	if ds.HasErrors() {
		t.Fatalf("%v\n%s", ds, doc)
	}
	res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	// Sequences the export holds with their IDs were stubbed under them,
	// and are updated in place; the others are created.
	for _, r := range res.Objects {
		if r.Outcome != Created && r.Outcome != Updated {
			t.Errorf("%s: %s %s", r.Address, r.Outcome, r.Reason)
		}
	}
	for _, s := range ex.Sequences {
		t.Run(filepath.Base(s.Source), func(t *testing.T) {
			found, err := site.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage, Where: map[string]string{"Name": s.Name}})
			if err != nil || len(found) != 1 {
				t.Fatalf("sequence %q on the site: %d, %v", s.Name, len(found), err)
			}
			in, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", found[0].String("PackageID")))
			if err != nil {
				t.Fatal(err)
			}
			stored, err := model.Parse([]byte(in.String("Sequence")))
			if err != nil {
				t.Fatal(err)
			}
			requireSameSequence(t, s.Sequence.Clone(), stored, nil, "the site stores a different sequence")
			if in.String("Description") != s.Description || in.String("Category") != s.Category || in.Int("Duration") != int64(s.Duration) {
				t.Errorf("package properties: %q %q %d", in.String("Description"), in.String("Category"), in.Int("Duration"))
			}
		})
	}
	requireNoChanges(t, ctx, site, cfg)
}
