package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/workload"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// mapMemo is a Memo in memory.
type mapMemo struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMapMemo() *mapMemo { return &mapMemo{m: map[string][]byte{}} }

func (m *mapMemo) Get(k []byte) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[string(k)]
}

func (m *mapMemo) Put(k, v []byte) {
	m.mu.Lock()
	m.m[string(k)] = append([]byte(nil), v...)
	m.mu.Unlock()
}

// memoConfig references every kind of thing a build asks the site about:
// declared packages and programs, an OS image, a package only the site
// holds (and its program), a boot image, a child sequence, an application,
// content to download by name, a secret.
const memoConfig = `packages:
  - name: Tools
    programs: [{ name: Install, commandLine: setup.exe }]
  - { name: Win, type: osImage, sourcePath: '\\fs\win.wim' }
sequences:
  - name: Child
    steps:
      - name: Tools
        installPackage: { package: Tools, program: Install }
  - name: Parent
    bootImage: Boot image (x64)
    steps:
      - name: Image
        applyOperatingSystem: { image: Win, index: 1 }
      - name: Legacy
        installPackage: { package: Legacy Agent, program: Install }
      - name: Run child
        runTaskSequence: Child
      - name: Apps
        installApplication: { applications: [7-Zip] }
      - name: Download
        downloadPackageContent: { packages: [Tools, Legacy Agent] }
      - name: Join
        joinDomain: { domain: corp.example, account: 'CORP\join', password: { env: MEMO_JOIN } }
`

func seedMemoSite(t *testing.T) *local.Site {
	t.Helper()
	site := openTestSite(t)
	if _, err := site.ApplySeed(local.Seed{Applications: []local.SeedApplication{{Name: "7-Zip"}},
		Packages: []local.SeedPackage{{Name: "Legacy Agent", Programs: []string{"Install"}}}}); err != nil {
		t.Fatal(err)
	}
	return site
}

// planWith plans cfg against site with memo and opts, and returns the plan
// and how many managed sequences came from the memo.
func planWith(t *testing.T, site provider.Site, cfg *config.Config, memo Memo, opts PlanOptions) (*Planned, int) {
	t.Helper()
	opts.Target, opts.Memo = "test", memo
	p, ds, err := MakePlan(context.Background(), site, cfg, opts)
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	hits, _ := p.MemoHits()
	return p, hits
}

// TestMemoCoversEveryInput: a plan takes a sequence from the memo only
// when nothing its build depends on changed. Each input is changed in
// turn — the configured sequence, --replace-secrets, an ID a name
// resolves to, whether a name is declared, a child sequence's references,
// the stored XML, the build (the memo's identity) — and the sequence is
// planned in full again (and recorded again when unchanged).
func TestMemoCoversEveryInput(t *testing.T) {
	ctx := context.Background()
	t.Setenv("MEMO_JOIN", "secret")
	site := seedMemoSite(t)
	cfg := parseConfig(t, memoConfig)
	mustApply(t, ctx, site, cfg, PlanOptions{}, 4)
	memo := newMapMemo()
	if _, hits := planWith(t, site, cfg, memo, PlanOptions{}); hits != 0 || len(memo.m) != 2 {
		t.Fatalf("first plan: %d hits, %d recorded", hits, len(memo.m))
	}
	if p, hits := planWith(t, site, cfg, memo, PlanOptions{}); hits != 2 || p.Plan.Changes {
		t.Fatalf("second plan: %d hits, changes %v", hits, p.Plan.Changes)
	}
	// hits is how many of the two sequences a plan of conf takes from the
	// memo; recorded sequences found unchanged again are hits next time.
	hits := func(conf string, opts PlanOptions) int {
		t.Helper()
		_, n := planWith(t, site, parseConfig(t, conf), memo, opts)
		return n
	}
	requireMiss := func(what string, n, want int) {
		t.Helper()
		if n != want {
			t.Errorf("%s: %d of 2 sequences from the memo, want %d", what, n, want)
		}
	}

	// the configuration: a value, and where it is written (no change)
	requireMiss("a step's value", hits(strings.Replace(memoConfig, "index: 1", "index: 2", 1), PlanOptions{}), 1)
	requireMiss("moved lines", hits("\n\n# moved\n"+memoConfig, PlanOptions{}), 2)
	// the secrets policy
	requireMiss("--replace-secrets", hits(memoConfig, PlanOptions{ReplaceSecrets: true}), 0)
	requireMiss("--replace-secrets again", hits(memoConfig, PlanOptions{ReplaceSecrets: true}), 2)
	// a name declared that the site alone held: the sequence now depends
	// on it, though the ID is the same
	declared := strings.Replace(memoConfig, "packages:\n", "packages:\n  - name: Legacy Agent\n    programs: [{ name: Install, commandLine: legacy.exe }]\n", 1)
	p, n := planWith(t, site, parseConfig(t, declared), memo, PlanOptions{})
	requireMiss("a referenced name declared (Parent asks about it, Child does not)", n, 1)
	if deps := objectOf(t, p, "sequence.Parent").DependsOn; !contains(deps, "package.Legacy Agent") {
		t.Errorf("Parent depends on %v", deps)
	}
	// one entry per sequence: the last recorded wins
	requireMiss("back to the configuration", hits(memoConfig, PlanOptions{}), 1)
	requireMiss("back to the configuration, again", hits(memoConfig, PlanOptions{}), 2)

	// an ID a name resolves to: the site's Legacy Agent replaced by
	// another of the same name
	legacy := idOf(t, site, "Legacy Agent")
	if err := site.Delete(ctx, provider.Path(object.ClassPackage, "PackageID", legacy)); err != nil {
		t.Fatal(err)
	}
	if _, err := site.ApplySeed(local.Seed{Packages: []local.SeedPackage{{Name: "Legacy Agent", Programs: []string{"Install"}}}}); err != nil {
		t.Fatal(err)
	}
	p, n = planWith(t, site, cfg, memo, PlanOptions{})
	requireMiss("an ID resolved", n, 1)
	if o := objectOf(t, p, "sequence.Parent"); o.Action != plan.Update {
		t.Errorf("Parent after its package was replaced: %s", o.Action)
	}
	mustApply(t, ctx, site, cfg, PlanOptions{}, 4)
	requireMiss("after applying it", hits(memoConfig, PlanOptions{}), 1)
	requireMiss("and again", hits(memoConfig, PlanOptions{}), 2)

	// a child's references: Parent's References include Child's
	childChanged := strings.Replace(memoConfig, "installPackage: { package: Tools, program: Install }\n  - name: Parent",
		"installPackage: { package: Tools, program: Install }\n      - name: Image\n        applyOperatingSystem: { image: Win, index: 1 }\n  - name: Parent", 1)
	mustApply(t, ctx, site, parseConfig(t, childChanged), PlanOptions{}, 4)
	requireMiss("a child's references", hits(childChanged, PlanOptions{}), 0)
	// both recorded again: Parent's stored XML, not rewritten since the
	// child changed, is not tsctl's normal form of it any more, but it says
	// the same (no change), which is recorded too
	requireMiss("a child's references, again", hits(childChanged, PlanOptions{}), 2)

	// the stored XML: someone edits the sequence on the site
	parent := idOf(t, site, "Parent")
	full, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", parent))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(full.String("Sequence"), `name="Apps"`, `name="Applications"`, 1)
	setStored(t, site, parent, edited)
	p, n = planWith(t, site, parseConfig(t, childChanged), memo, PlanOptions{})
	requireMiss("the stored XML", n, 1)
	if o := objectOf(t, p, "sequence.Parent"); o.Action != plan.Update || len(o.Steps) == 0 {
		t.Errorf("Parent edited on the site: %s with %d step changes", o.Action, len(o.Steps))
	}

	// the build: the memo keys entries by it (internal/memo's identity),
	// so another build is another memo
	if _, n := planWith(t, site, parseConfig(t, childChanged), newMapMemo(), PlanOptions{}); n != 0 {
		t.Errorf("another memo: %d hits", n)
	}
}

// setStored makes the site store text as the Sequence of the sequence
// with PackageID id, as an edit in the console would.
func setStored(t *testing.T, site *local.Site, id, text string) {
	t.Helper()
	ctx := context.Background()
	out, err := site.ExecMethod(ctx, object.ClassTaskSequencePackage, "ImportSequence", map[string]any{"SequenceXML": text})
	if err != nil {
		t.Fatal(err)
	}
	pkg := provider.New(object.ClassTaskSequencePackage)
	pkg.Props["PackageID"] = id
	if _, err := site.ExecMethod(ctx, object.ClassTaskSequencePackage, "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": out["TaskSequence"]}); err != nil {
		t.Fatal(err)
	}
}

func objectOf(t *testing.T, p *Planned, addr string) *plan.Object {
	t.Helper()
	for _, o := range p.Plan.Objects {
		if o.Address == addr {
			return o
		}
	}
	t.Fatalf("%s not in the plan", addr)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestMemoPlansAsInFull: a plan that takes sequences from the memo is the
// plan made without it — the plan document, and what apply and the checks
// of deletions use (references, what the steps name, sizes, dependencies)
// — for a generated configuration with some sequences changed since, with
// and without --prune.
func TestMemoPlansAsInFull(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	if err := workload.Write(&buf, workload.Spec{Sequences: 40, Steps: 30}); err != nil {
		t.Fatal(err)
	}
	t.Setenv(workload.SecretEnv, "x")
	cfg := parseConfig(t, buf.String())
	site := openTestSite(t)
	mustApply(t, ctx, site, cfg, PlanOptions{}, 8)
	memo := newMapMemo()
	planWith(t, site, cfg, memo, PlanOptions{Prune: true})

	changed := strings.Replace(strings.Replace(buf.String(), "Generated sequence 7\n", "Changed sequence 7\n", 1), "Apply image 1\n", "Apply the image 1\n", 3)
	for _, conf := range []string{buf.String(), changed} {
		for _, prune := range []bool{false, true} {
			c := parseConfig(t, conf)
			full, _ := planWith(t, site, c, nil, PlanOptions{Prune: prune})
			fast, hits := planWith(t, site, c, memo, PlanOptions{Prune: prune})
			if hits < 30 {
				t.Fatalf("only %d of 40 sequences from the memo", hits)
			}
			a, _ := json.Marshal(full.Plan)
			b, _ := json.Marshal(fast.Plan)
			if !bytes.Equal(a, b) {
				t.Fatalf("prune %v: the plan with the memo differs:\n%s\n%s", prune, a, b)
			}
			for addr, fe := range full.entries {
				me := fast.entries[addr]
				if me == nil {
					t.Fatalf("%s missing with the memo", addr)
				}
				for _, c := range []struct {
					what      string
					want, got any
				}{{"wantRefs", fe.wantRefs, me.wantRefs}, {"willName", fe.willName, me.willName}, {"namesNow", fe.namesNow, me.namesNow},
					{"size", fe.size, me.size}, {"highImpact", fe.highImpact, me.highImpact}, {"osDeployment", fe.osDeployment, me.osDeployment}, {"change", reflect.TypeOf(fe.change), reflect.TypeOf(me.change)}} {
					if !reflect.DeepEqual(c.want, c.got) && !(c.what != "size" && reflect.ValueOf(c.want).Kind() == reflect.Slice && reflect.ValueOf(c.want).Len() == 0 && reflect.ValueOf(c.got).Len() == 0) {
						t.Errorf("prune %v: %s: %s %v with the memo, %v without", prune, addr, c.what, c.got, c.want)
					}
				}
			}
		}
	}
}

// TestFingerprint: the key covers what the configuration says and the
// secrets policy, not where it is written.
func TestFingerprint(t *testing.T) {
	a := parseConfig(t, memoConfig).Sequences[1]
	b := parseConfig(t, "\n"+memoConfig).Sequences[1]
	c := parseConfig(t, strings.Replace(memoConfig, "Run child", "Run the child", 1)).Sequences[1]
	if !bytes.Equal(fingerprint(a, false), fingerprint(b, false)) {
		t.Error("fingerprint changed with the lines")
	}
	if bytes.Equal(fingerprint(a, false), fingerprint(c, false)) || bytes.Equal(fingerprint(a, false), fingerprint(a, true)) {
		t.Error("fingerprint unchanged by a step's name or --replace-secrets")
	}
}

// TestMemoPlansExampleAsInFull: the production example — folders, content,
// package settings and a deployment — plans the same with the memo as
// without, and a sequence taken from the memo still counts as one that
// deploys an operating system: a required deployment of it is refused as
// high risk either way.
func TestMemoPlansExampleAsInFull(t *testing.T) {
	ctx := context.Background()
	cfg, ds := config.Load([]string{"../examples/windows11"})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	t.Setenv("JOIN_PASSWORD", "x")
	site := openTestSite(t)
	mustApply(t, ctx, site, cfg, PlanOptions{}, 4)
	memo := newMapMemo()
	planWith(t, site, cfg, memo, PlanOptions{})
	full, _ := planWith(t, site, cfg, nil, PlanOptions{})
	fast, hits := planWith(t, site, cfg, memo, PlanOptions{})
	if hits == 0 {
		t.Fatal("no sequence from the memo")
	}
	a, _ := json.Marshal(full.Plan)
	b, _ := json.Marshal(fast.Plan)
	if !bytes.Equal(a, b) {
		t.Fatalf("the plan with the memo differs:\n%s\n%s", a, b)
	}
	for _, d := range cfg.Deployments {
		d.Purpose = config.PurposeRequired
		d.AsSoonAsPossible = true
	}
	for _, m := range []Memo{nil, memo} {
		_, ds, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test", Memo: m})
		if err != nil || !ds.HasErrors() || !strings.Contains(ds.Error(), "high risk") {
			t.Errorf("memo %v: a required deployment of an OS deployment sequence: %v %v", m != nil, err, ds)
		}
	}
}
