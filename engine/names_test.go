package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// Sites allow two objects of a class to share a name. A reference by that
// name is an error that names the IDs and says what to write; a reference
// by ID picks one, and applies.
func TestAmbiguousReferenceNamesTheIDsAndTheFix(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	// a stub of another name replaces nothing
	if _, err := site.AddStubs([]local.Stub{{Class: object.ClassBootImagePackage, ID: "CHQ00005", Name: "Other"}}); err != nil {
		t.Fatal(err)
	}
	res, err := site.AddStubs([]local.Stub{{Class: object.ClassBootImagePackage, ID: "CHQ00006", Name: "Boot image (x64)"}})
	if err != nil || len(res.Replaced) != 1 {
		t.Fatalf("the new site's unused default boot image is replaced: %+v %v", res, err)
	}
	res, err = site.AddStubs([]local.Stub{{Class: object.ClassBootImagePackage, ID: "CHQ00007", Name: "Boot image (x64)"}})
	if err != nil || len(res.SharedNames) != 1 || len(res.Replaced) != 0 {
		t.Fatalf("a seeded object that shares a name with another seeded one is reported: %+v %v", res, err)
	}
	byName := parseConfig(t, "sequences:\n  - name: S\n    bootImage: Boot image (x64)\n    steps: []\n")
	_, ds, err := MakePlan(ctx, site, byName, PlanOptions{Target: "test"})
	if err != nil {
		t.Fatal(err)
	}
	got := ds.Error()
	for _, want := range []string{"tsctl.yaml:3:16", `2 objects of class SMS_BootImagePackage are named "Boot image (x64)" on the site (CHQ00006, CHQ00007)`} {
		if !strings.Contains(got, want) {
			t.Errorf("error %q lacks %q", got, want)
		}
	}
	if len(ds) != 1 || !strings.Contains(ds[0].Hint, "{id: CHQ00006}") {
		t.Errorf("hint %q does not say what to write", diag.List(ds)[0].Hint)
	}
	byID := parseConfig(t, "sequences:\n  - name: S\n    bootImage: {id: CHQ00007}\n    steps: []\n")
	mustApply(t, ctx, site, byID, PlanOptions{}, 1)
	requireNoChanges(t, ctx, site, byID)
	list, _ := site.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage})
	if len(list) != 1 {
		t.Fatalf("%d sequences", len(list))
	}
	in, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", list[0].String("PackageID")))
	if err != nil || in.String("BootImageID") != "CHQ00007" {
		t.Errorf("stored boot image: %v %v", in.Props, err)
	}
}

// A sequence that runs a child sequence missing from the site (an action
// form naming its PackageID, say) gets a warning from plan, not an
// internal read error.
func TestPlanWarnsOfAMissingChildSequence(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	cfg := parseConfig(t, `sequences:
  - name: Parent
    steps:
      - name: Run child
        action:
          type: SMS_TaskSequence_SubTasksequence
          variables: {TsPackageID: PS1FFFFF}
`)
	_, ds, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test"})
	if err != nil {
		t.Fatalf("plan fails: %v", err)
	}
	if !strings.Contains(ds.Error(), `sequence "Parent" runs the task sequence PS1FFFFF, which is not on the site`) || ds.HasErrors() {
		t.Errorf("diagnostics: %v", ds)
	}
}
