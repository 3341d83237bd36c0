package engine

import (
	"context"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diff"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/provider/local"
)

// TestAllKindsRoundTrip applies a sequence holding every typed step kind
// and condition form (most of them absent from the corpus), checks that the
// plan after apply is empty, exports it from the site, converts it back to
// YAML, and checks that the conversion builds the very sequence the site
// stores, with typed forms for every built-in class.
func TestAllKindsRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, env := range []string{"RUNAS_PW", "RULE_SECRET", "ADMIN_PW", "PRODUCT_KEY", "JOIN_PW", "UPGRADE_KEY", "LOCAL_PW", "BITLOCKER_PIN", "CAPTURE_PW"} {
		t.Setenv(env, "secret-"+env)
	}
	cfg, ds := config.Load([]string{"../testdata/config/all-kinds.yaml"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	site := openTestSite(t)
	if _, err := site.ApplySeed(local.Seed{Applications: []local.SeedApplication{{Name: "7-Zip"}, {Name: "Notepad++"}}}); err != nil {
		t.Fatal(err)
	}
	res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() {
		t.Fatalf("apply: %+v", res.Objects)
	}
	requireNoChanges(t, ctx, site, cfg)

	ex, err := Export(ctx, site, []string{"Every*"}, 0, false)
	if err != nil || len(ex.Sequences) != 1 {
		t.Fatalf("export: %v %d", err, len(ex.Sequences))
	}
	stored := ex.Sequences[0]
	if stored.XML != "" || stored.Sequence != nil {
		t.Error("export kept the stored XML it was not asked to keep, or parsed the sequence before it is converted")
	}
	if err := stored.Loaded(); err != nil || stored.Sequence == nil {
		t.Fatalf("load the exported sequence: %v", err)
	}
	if withXML, err := Export(ctx, site, []string{"Every*"}, 0, true); err != nil || len(withXML.Sequences) != 1 {
		t.Fatalf("export with its XML: %v", err)
	} else if q, err := model.Parse([]byte(withXML.Sequences[0].XML)); err != nil || diff.Differences(q, stored.Sequence, nil) != nil {
		t.Errorf("the XML export kept is not what it parsed: %v", err)
	}
	cv := convert.New(ex.Names)
	doc, err := convert.Document("", []*yaml.Node{cv.Sequence(stored)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range cv.Report.Generic {
		if !strings.Contains(g, "(BDD_") {
			t.Errorf("generic form for a built-in class: %s", g)
		}
	}
	if len(cv.Report.IDs) != 0 {
		t.Errorf("references the site names were kept by ID: %v", cv.Report.IDs)
	}
	conv, ds := config.Parse("converted.yaml", doc)
	if ds.HasErrors() {
		t.Fatalf("%v\n%s", ds, doc)
	}
	st, err := ReadState(ctx, site, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, ds := (&desired.Builder{R: resolve.New(st, conv, nil)}).Sequence(conv.Sequences[0])
	if ds.HasErrors() {
		t.Fatalf("%v\n%s", ds, doc)
	}
	requireSameSequence(t, stored.Sequence.Clone(), got, st.Child, "converted YAML builds a different sequence")
	if t.Failed() {
		t.Logf("converted:\n%s", doc)
	}
}
