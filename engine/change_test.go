package engine

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tsctl/tsctl/provider"
)

// recorder records the provider calls made through it, in order.
type recorder struct {
	provider.Site
	mu    sync.Mutex
	calls []string
}

func (r *recorder) record(call string) {
	r.mu.Lock()
	r.calls = append(r.calls, call)
	r.mu.Unlock()
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

func (r *recorder) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	r.record("Query " + q.Class)
	return r.Site.Query(ctx, q)
}

func (r *recorder) Get(ctx context.Context, path string) (*provider.Instance, error) {
	class, _, _ := strings.Cut(path, ".")
	r.record("Get " + class)
	return r.Site.Get(ctx, path)
}

func (r *recorder) Put(ctx context.Context, in *provider.Instance) (string, error) {
	r.record("Put " + in.Class)
	return r.Site.Put(ctx, in)
}

func (r *recorder) Delete(ctx context.Context, path string) error {
	class, _, _ := strings.Cut(path, ".")
	r.record("Delete " + class)
	return r.Site.Delete(ctx, path)
}

func (r *recorder) ExecMethod(ctx context.Context, class, method string, in map[string]any) (map[string]any, error) {
	r.record(method)
	return r.Site.ExecMethod(ctx, class, method, in)
}

// TestChangeCalls: each type of change makes exactly its provider calls
// (see Change), in order, and the plan picks the type for what changed.
func TestChangeCalls(t *testing.T) {
	ctx := context.Background()
	site := &recorder{Site: openTestSite(t)}
	const pkg = "packages:\n  - name: Tools\n    sourcePath: \\\\fs\\tools\n    description: %s\n    programs:\n      - { name: Run, commandLine: %s }\n"
	const seq = "sequences:\n  - name: Deploy\n    description: %s\n    steps:\n      - name: Say\n        runCommandLine: %s\n"
	for _, tc := range []struct {
		name       string
		conf       string
		checkNames bool
		want       Change
		calls      []string
	}{
		{"create package", fmt.Sprintf(pkg, "one", "run.cmd"), false,
			&createPackage{}, []string{"Put SMS_Package", "Put SMS_Program"}},
		{"update package", fmt.Sprintf(pkg, "two", "run2.cmd"), false,
			&updatePackage{}, []string{"GetLockInformation", "Put SMS_Package", "Put SMS_Program"}},
		{"create sequence", fmt.Sprintf(seq, "one", "cmd /c echo 1"), false,
			&createSequence{}, []string{"ImportSequence", "SetSequence"}},
		{"update sequence steps", fmt.Sprintf(seq, "one", "cmd /c echo 2"), false,
			&updateSequenceSteps{}, []string{"GetLockInformation", "ImportSequence", "SetSequence"}},
		{"update sequence fields", fmt.Sprintf(seq, "two", "cmd /c echo 2"), false,
			&updateSequenceFields{}, []string{"GetLockInformation", "Put SMS_TaskSequencePackage"}},
		{"delete", "packages:\n  - name: Tools\n    absent: true\n", false,
			&deleteObject{}, []string{"GetLockInformation", "Query SMS_TaskSequencePackage", "Query SMS_Advertisement", "Delete SMS_Package"}},
		{"create sequence, names checked", "sequences:\n  - name: Other\n    steps: []\n", true,
			&createSequence{}, []string{"Query SMS_TaskSequencePackage", "ImportSequence", "SetSequence", "Query SMS_TaskSequencePackage"}},
	} {
		cfg := parseConfig(t, tc.conf)
		p, ds, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test"})
		if err != nil || ds.HasErrors() {
			t.Fatalf("%s: %v %v", tc.name, err, ds)
		}
		changes := p.changes()
		if len(changes) != 1 {
			t.Fatalf("%s: %d changes planned, want 1", tc.name, len(changes))
		}
		for _, c := range changes {
			if reflect.TypeOf(c) != reflect.TypeOf(tc.want) {
				t.Errorf("%s: planned as %T, want %T", tc.name, c, tc.want)
			}
			// Bound counts the same calls
			n := 0
			for _, k := range c.calls(tc.checkNames) {
				n += k
			}
			if n != len(tc.calls) {
				t.Errorf("%s: Bound counts %d calls (%v), the change makes %d", tc.name, n, c.calls(tc.checkNames), len(tc.calls))
			}
		}
		site.take()
		res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me", CheckNames: tc.checkNames})
		if err != nil || res.Failed() {
			t.Fatalf("%s: %v %+v", tc.name, err, res)
		}
		if got := site.take(); !reflect.DeepEqual(got, tc.calls) {
			t.Errorf("%s: calls %q, want %q", tc.name, got, tc.calls)
		}
	}
}
