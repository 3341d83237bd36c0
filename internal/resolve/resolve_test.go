package resolve

import (
	"context"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/sitestate"
	"github.com/tsctl/tsctl/provider/local"
)

func setup(t *testing.T, conf string, stubs ...local.Stub) *Resolver {
	t.Helper()
	site, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	if _, err := site.AddStubs(stubs); err != nil {
		t.Fatal(err)
	}
	st, err := sitestate.Read(context.Background(), site, 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Parse("tsctl.yaml", []byte(conf))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return New(st, cfg, nil)
}

// Names resolve to what the configuration declares first (known after
// apply), then to the site; a name found nowhere gets a hint, and one
// content name two objects bear is refused.
func TestResolve(t *testing.T) {
	r := setup(t, "packages:\n  - name: New Tools\n  - name: Win11\n    type: osImage\n",
		local.Stub{Class: object.ClassPackage, ID: "PS100010", Name: "Tools"},
		local.Stub{Class: object.ClassDriverPackage, ID: "PS100011", Name: "Win11"})
	if id, err := r.ID(object.Package, "new tools"); err != nil || id != desired.Pending {
		t.Errorf("declared package: %q %v", id, err)
	}
	if id, err := r.ID(object.Package, "tools"); err != nil || id != "PS100010" {
		t.Errorf("site package: %q %v", id, err)
	}
	_, err := r.ID(object.Package, "Tool")
	if err == nil || !strings.Contains(diag.HintOf(err), "Tools") {
		t.Errorf("unknown package: %v (hint %q)", err, diag.HintOf(err))
	}
	if _, err := r.ID(object.Content, "Win11"); err == nil || !strings.Contains(err.Error(), "more than one object with content") {
		t.Errorf("a content name two objects bear: %v", err)
	}
	r.SetCreated(object.Package, "New Tools", "PS100020")
	if id, _ := r.ID(object.Package, "NEW TOOLS"); id != "PS100020" {
		t.Errorf("created package resolves to %q", id)
	}
}

// A Tracker records the declared objects a build referenced, and only
// those.
func TestTracker(t *testing.T) {
	r := setup(t, "packages:\n  - name: New Tools\nsequences:\n  - name: Child\n    steps: []\n",
		local.Stub{Class: object.ClassPackage, ID: "PS100010", Name: "Tools"})
	tr := r.Track()
	for _, ref := range []struct {
		kind object.Kind
		name string
	}{{object.Content, "New Tools"}, {object.Package, "Tools"}, {object.Sequence, "child"}} {
		if _, err := tr.ID(ref.kind, ref.name); err != nil {
			t.Fatal(err)
		}
	}
	got := tr.Used()
	if len(got) != 2 || got[0] != (Ref{object.Package, "new tools"}) || got[1] != (Ref{object.Sequence, "child"}) {
		t.Errorf("used: %v", got)
	}
}

// A reference by PackageID must name an object of the site as the site
// writes its ID: one in another case would pass the plan and fail the
// site's SetSequence (the site matches the IDs of references exactly).
func TestCheckID(t *testing.T) {
	r := setup(t, "packages: []\n", local.Stub{Class: object.ClassPackage, ID: "PS100010", Name: "Tools"})
	if err := r.CheckID(object.Package, "PS100010"); err != nil {
		t.Errorf("the site's ID: %v", err)
	}
	err := r.CheckID(object.Package, "ps100010")
	if err == nil || !strings.Contains(err.Error(), "PS100010") || !strings.Contains(diag.HintOf(err), "{id: PS100010}") {
		t.Errorf("an ID in another case: %v (hint %q)", err, diag.HintOf(err))
	}
	if err := r.CheckID(object.Package, "PS100099"); err == nil || !strings.Contains(err.Error(), "no object with PackageID PS100099") {
		t.Errorf("an ID the site does not hold: %v", err)
	}
}
