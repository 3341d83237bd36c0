package sitestate

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// counting counts the calls made through it by operation and class.
type counting struct {
	provider.Site
	mu    sync.Mutex
	calls []string
}

func (c *counting) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	c.mu.Lock()
	c.calls = append(c.calls, "query "+q.Class)
	c.mu.Unlock()
	return c.Site.Query(ctx, q)
}

func (c *counting) Get(ctx context.Context, path string) (*provider.Instance, error) {
	c.mu.Lock()
	c.calls = append(c.calls, "get")
	c.mu.Unlock()
	return c.Site.Get(ctx, path)
}

// Reading a site makes one query per class a plan reads and nothing else,
// and indexes what it read by name, by PackageID and by program.
func TestRead(t *testing.T) {
	ctx := context.Background()
	site, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	if _, err := site.AddStubs([]local.Stub{
		{Class: object.ClassPackage, ID: "PS100010", Name: "Tools", Programs: []string{"Run"}},
		{Class: object.ClassPackage, ID: "PS100011", Name: "tools"},
		{Class: object.ClassDriverPackage, ID: "PS100012", Name: "Drivers"},
		{Class: object.ClassApplication, ID: "ScopeId_1/Application_2", Name: "7-Zip"},
	}); err != nil {
		t.Fatal(err)
	}
	c := &counting{Site: site}
	st, err := Read(ctx, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(c.calls)
	want := object.ReadClasses()
	for i := range want {
		want[i] = "query " + want[i]
	}
	sort.Strings(want)
	if strings.Join(c.calls, ",") != strings.Join(want, ",") {
		t.Errorf("calls %v, want %v", c.calls, want)
	}
	var amb *AmbiguousNameError
	if _, err := st.Find(object.ClassPackage, "TOOLS"); !errors.As(err, &amb) || strings.Join(amb.IDs, ",") != "PS100010,PS100011" {
		t.Errorf("two packages named alike: %v", err)
	}
	if in, err := st.Find(object.ClassDriverPackage, "drivers"); err != nil || in == nil || in.String("PackageID") != "PS100012" {
		t.Errorf("driver package: %v %v", in, err)
	}
	if in, _ := st.Find(object.ClassPackage, "Drivers"); in != nil {
		t.Error("a name found in another kind's class")
	}
	if st.Program("PS100010", "run") == nil || !st.HasID("ps100012") || st.ByID("ps100011") == nil {
		t.Error("programs or IDs not indexed")
	}
	if got := st.NameOf("ScopeId_1/Application_2"); got != "7-Zip" {
		t.Errorf("application name %q", got)
	}
	var names []string
	for _, in := range st.Objects(object.ClassPackage) {
		names = append(names, in.String("Name"))
	}
	if all := "," + strings.Join(names, ",") + ","; !sort.StringsAreSorted(names) || !strings.Contains(all, ",Tools,") || !strings.Contains(all, ",tools,") {
		t.Errorf("objects in order: %v", names)
	}
	if st.Sequence("PS100010") != nil {
		t.Error("a sequence read before planning read it")
	}
}
