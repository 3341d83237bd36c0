package engine

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

const guardConf = `packages:
  - name: Tools
    programs: [{ name: Run, commandLine: run.cmd }]
sequences:
  - name: Deploy
    steps:
      - name: Run
        installPackage: { package: Tools, program: Run }
`

func guardConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, ds := config.Parse("tsctl.yaml", []byte(guardConf))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	return cfg
}

// named counts the class objects named name on site.
func named(t *testing.T, site provider.Site, class, name string) int {
	t.Helper()
	kind, _ := object.OfClass(class)
	ids, err := idsNamed(context.Background(), site, kind, name)
	if err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

// TestCheckNamesSkipsWhatAppeared: on a site without an apply lease, an
// object created by another run after the plan is not created again.
func TestCheckNamesSkipsWhatAppeared(t *testing.T) {
	ctx := context.Background()
	for _, check := range []bool{false, true} {
		site := openTestSite(t)
		cfg := guardConfig(t)
		first := mustPlan(t, ctx, site, cfg)
		// Another run applies the same configuration meanwhile.
		if _, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{Parallelism: 1, User: "other"}); err != nil {
			t.Fatal(err)
		}
		res, err := first.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me", CheckNames: check})
		if err != nil {
			t.Fatal(err)
		}
		pkgs, seqs := named(t, site, "SMS_Package", "Tools"), named(t, site, object.ClassTaskSequencePackage, "Deploy")
		if !check {
			// What the check prevents: every object twice.
			if pkgs != 2 || seqs != 2 {
				t.Fatalf("without the check: %d packages, %d sequences", pkgs, seqs)
			}
			continue
		}
		if pkgs != 1 || seqs != 1 {
			t.Errorf("with the check: %d packages, %d sequences named as configured, want 1 each", pkgs, seqs)
		}
		p := res.Objects[0]
		if p.Outcome != Skipped || !strings.HasPrefix(p.Reason, `not created: package "Tools" appeared on the site since the plan (PS1`) ||
			!strings.Contains(p.Reason, "another apply running at the same time") || p.Hint == "" {
			t.Errorf("package: %+v", p)
		}
		if s := res.Objects[1]; s.Outcome != Skipped || !strings.Contains(s.Reason, `depends on package "Tools", which was skipped`) {
			t.Errorf("sequence: %+v", s)
		}
		requireNoChanges(t, ctx, site, cfg)
	}
}

// racer is a site on which another run creates a twin of the object named
// twin just after this run checked that it was absent.
type racer struct {
	provider.Site
	class, twin string
	once        sync.Once
	create      func(provider.Site) error
	err         error
}

func (r *racer) Query(ctx context.Context, q provider.Query) ([]*provider.Instance, error) {
	list, err := r.Site.Query(ctx, q)
	if q.Class == r.class && q.Where["Name"] == r.twin && len(list) == 0 {
		r.once.Do(func() { r.err = r.create(r.Site) })
	}
	return list, err
}

func TestCheckNamesReportsATwin(t *testing.T) {
	ctx := context.Background()
	cfg := guardConfig(t)
	r := &racer{Site: openTestSite(t), class: "SMS_Package", twin: "Tools", create: func(s provider.Site) error {
		in := provider.New("SMS_Package")
		in.Props["Name"] = "Tools"
		_, err := s.Put(ctx, in)
		return err
	}}
	res, err := mustPlan(t, ctx, r, cfg).Apply(ctx, ApplyOptions{Parallelism: 1, User: "me", CheckNames: true})
	if err != nil || r.err != nil {
		t.Fatal(err, r.err)
	}
	o := res.Objects[0]
	// The twin (created first) is PS100004; this run's is PS100005.
	if o.Outcome != Failed || o.ID != "PS100005" ||
		o.Reason != "created as PS100005, but PS100004 has the same name: another apply created the same package at the same time, and plans fail until one is deleted" {
		t.Errorf("package: %+v", o)
	}
	if o.Hint != "keep PS100004 (the oldest) and delete PS100005 in the console or with Remove-CMPackage -Id PS100005 -Force, once no sequence runs or uses it; then run tsctl plan" {
		t.Errorf("hint: %s", o.Hint)
	}
	if s := res.Objects[1]; s.Outcome != Skipped {
		t.Errorf("a sequence using a duplicated package was applied: %+v", s)
	}
}

func TestCheckNamesReportsATwinSequence(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	cfg, ds := config.Parse("tsctl.yaml", []byte("sequences:\n  - name: Solo\n    steps: [ { name: a, setVariable: { name: A, value: \"1\" } } ]\n"))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	r := &racer{Site: site, class: object.ClassTaskSequencePackage, twin: "Solo", create: func(s provider.Site) error {
		out, err := s.ExecMethod(ctx, object.ClassTaskSequencePackage, "ImportSequence", map[string]any{"SequenceXML": `<sequence version="3.10"/>`})
		if err != nil {
			return err
		}
		pkg := provider.New(object.ClassTaskSequencePackage)
		pkg.Props["Name"] = "Solo"
		_, err = s.ExecMethod(ctx, object.ClassTaskSequencePackage, "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": out["TaskSequence"]})
		return err
	}}
	res, err := mustPlan(t, ctx, r, cfg).Apply(ctx, ApplyOptions{Parallelism: 1, User: "me", CheckNames: true})
	if err != nil || r.err != nil {
		t.Fatal(err, r.err)
	}
	o := res.Objects[0]
	if o.Outcome != Failed || o.ID != "PS100005" || !strings.HasPrefix(o.Reason, "created as PS100005, but PS100004 has the same name") ||
		!strings.Contains(o.Hint, "Remove-CMTaskSequence -TaskSequencePackageId PS100005 -Force") {
		t.Errorf("sequence: %+v", o)
	}
}
