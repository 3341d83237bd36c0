package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// faultySite answers reads of some sequences with XML that does not parse,
// and fails the reads of others.
type faultySite struct {
	provider.Site
	badXML, failRead map[string]bool
}

func (s faultySite) Get(ctx context.Context, path string) (*provider.Instance, error) {
	class, key, err := provider.ParsePath(path)
	if err != nil || class != object.ClassTaskSequencePackage {
		return s.Site.Get(ctx, path)
	}
	id := fmt.Sprint(key["PackageID"])
	if s.failRead[id] {
		return nil, errors.New("the site is gone")
	}
	in, err := s.Site.Get(ctx, path)
	if err == nil && s.badXML[id] {
		in = in.Clone()
		in.Props["Sequence"] = `<sequence version="3.10"><step`
	}
	return in, err
}

// An export that parses each sequence as it converts it fails where one
// parsing each as it is read fails (keepXML), with the same error: the
// first sequence in order whose XML does not parse or whose read failed,
// whichever comes first, converting ahead on any number of workers.
func TestExportFailsAsParsingAsRead(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	ctx := context.Background()
	site := openTestSite(t)
	conf := "sequences:\n"
	for i := range 5 {
		conf += fmt.Sprintf("  - name: Seq %d\n    steps:\n      - setVariable: {name: A, value: \"%d\"}\n", i, i)
	}
	cfg := parseConfig(t, conf)
	if res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{User: "me"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	ex, err := Export(ctx, site, nil, 0, false)
	if err != nil || len(ex.Sequences) != 5 {
		t.Fatalf("export: %v", err)
	}
	id := func(i int) string { return ex.Sequences[i].PackageID }
	cases := map[string]faultySite{
		"none":                        {},
		"bad XML":                     {badXML: map[string]bool{id(3): true}},
		"bad XML twice":               {badXML: map[string]bool{id(1): true, id(3): true}},
		"bad XML, then a failed read": {badXML: map[string]bool{id(1): true}, failRead: map[string]bool{id(3): true}},
		"a failed read, then bad XML": {badXML: map[string]bool{id(3): true}, failRead: map[string]bool{id(1): true}},
		"a failed read of the first":  {failRead: map[string]bool{id(0): true}},
		"bad XML in the last":         {badXML: map[string]bool{id(4): true}},
	}
	for name, faults := range cases {
		faults.Site = site
		// the oracle: every sequence parsed as it is read
		_, want := Export(ctx, faults, nil, 0, true)
		if (want == nil) != (name == "none") {
			t.Fatalf("%s: parsed as read: %v", name, want)
		}
		for _, procs := range []int{1, 2, 8} {
			runtime.GOMAXPROCS(procs) // convert.All converts ahead on as many workers
			var got error
			lazy, err := Export(ctx, faults, nil, 0, false)
			if err != nil {
				got = err
			} else {
				_, got = convert.New(lazy.Names).All(lazy.Sequences, nil)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, GOMAXPROCS %d: %v; parsed as read: %v", name, procs, got, want)
			}
		}
	}
}
