package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
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

// sharedDir returns ../shared/<sub> from the repository root, or skips the
// test when it is absent (a fresh clone has no shared/; CI has it).
func sharedDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s not available (%v): the real-export tests run where ../shared exists", dir, err)
	}
	return dir
}

// exportFiles lists the export files of a folder as each is its own
// migration: its .xml and .zip files, without the export's side files.
func exportFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	side := regexp.MustCompile(`(?i)(Manifest|ReferencesInfo)\.xml$`)
	var out []string
	for _, e := range ents {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if !e.IsDir() && (ext == ".xml" || ext == ".zip") && !side.MatchString(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// fidelityRow is one line of the real-export table.
type fidelityRow struct {
	file                        string
	sequences, steps, generic   int
	builtinGeneric, xml, idRefs int
	result                      string
}

// TestRealExportsMigrate takes every real export under ../shared (the
// corpus, exports/ and exports/mdt/), each file as its own migration:
// a fresh local site seeded with what the file references, convert,
// validate, apply, the stored sequences compared with the originals
// (model.Identical: nothing filled in, nothing reordered), package
// properties compared, and the plan made again, which must be empty. It
// logs the README's fidelity table (go test ./engine -run
// TestRealExportsMigrate -v). With TSCTL_STRICT_YAML set to a folder
// holding the npm package yaml (npm install --prefix DIR yaml), every
// converted file is also parsed by that strict YAML 1.2 parser, as the
// YAML extension of VS Code does.
func TestRealExportsMigrate(t *testing.T) {
	var files []string
	for _, sub := range []string{"corpus", "exports", filepath.Join("exports", "mdt")} {
		files = append(files, exportFiles(t, sharedDir(t, sub))...)
	}
	strict := os.Getenv("TSCTL_STRICT_YAML")
	if strict == "" {
		t.Log("TSCTL_STRICT_YAML is not set: converted files are not parsed by a strict YAML 1.2 parser")
	}
	var rows []fidelityRow
	for _, f := range files {
		row := fidelityRow{file: filepath.Base(f), result: "FAILED"}
		t.Run(row.file, func(t *testing.T) {
			migrateFile(t, f, strict, &row)
			if !t.Failed() {
				row.result = "OK"
			}
		})
		rows = append(rows, row)
	}
	t.Log("| file | sequences | steps | generic (built-in) | kept as xml | references by ID | result |")
	t.Log("|---|---|---|---|---|---|---|")
	ok := 0
	for _, r := range rows {
		if r.result == "OK" {
			ok++
		}
		t.Logf("| %s | %d | %d | %d (%d) | %d | %d | %s |", r.file, r.sequences, r.steps, r.generic, r.builtinGeneric, r.xml, r.idRefs, r.result)
	}
	t.Logf("%d of %d files migrate unchanged", ok, len(rows))
}

func migrateFile(t *testing.T, file, strict string, row *fidelityRow) {
	ctx := context.Background()
	ex, err := exportfile.ReadFiles([]string{file})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if len(ex.Sequences) == 0 {
		t.Fatal("no sequence read")
	}
	row.sequences = len(ex.Sequences)
	site, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	var stubs []local.Stub
	for _, st := range convert.Stubs(ex) {
		stubs = append(stubs, local.Stub{Class: st.Kind.Class(), ID: st.ID, Name: st.Name, Description: st.Description, Programs: st.Programs})
	}
	if _, err := site.AddStubs(stubs); err != nil {
		t.Fatalf("seed: %v", err)
	}
	cv := convert.New(convert.ExportNames{Ex: ex})
	var nodes []*yaml.Node
	for _, s := range ex.Sequences {
		nodes = append(nodes, cv.Sequence(s))
		n, _, _ := s.Sequence.Counts()
		row.steps += n
	}
	row.generic, row.idRefs = len(cv.Report.Generic), len(cv.Report.IDs)
	for _, g := range cv.Report.Generic {
		if strings.Contains(g, "kept as XML") {
			row.xml++
		}
		if strings.Contains(g, "(") && !strings.Contains(g, "(BDD_") && !strings.Contains(g, "(MDT command line") {
			row.builtinGeneric++
		}
	}
	doc, err := convert.Document("", nodes)
	if err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Parse("converted.yaml", doc)
	if ds.HasErrors() {
		t.Fatalf("converted YAML does not validate: %v", ds)
	}
	if strict != "" {
		strictParse(t, strict, doc)
	}
	for _, s := range cv.Report.Secrets {
		t.Setenv(regexp.MustCompile(`[A-Z0-9_]+$`).FindString(s), "placeholder")
	}
	p, ds, err := MakePlan(ctx, site, cfg, PlanOptions{Target: "test"})
	if err != nil || ds.HasErrors() {
		t.Fatalf("plan: %v %v", err, ds)
	}
	res, err := p.Apply(ctx, ApplyOptions{User: "me"})
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	for _, r := range res.Objects {
		if r.Outcome != Created && r.Outcome != Updated && r.Outcome != Unchanged {
			t.Fatalf("apply: %s %s: %s", r.Address, r.Outcome, r.Reason)
		}
	}
	for _, s := range ex.Sequences {
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
		if !model.Identical(s.Sequence, stored) {
			t.Errorf("sequence %q: the site stores something other than the original:\n%s", s.Name, firstDifference(s.Sequence, stored))
		}
		if in.String("Description") != s.Description || in.String("Category") != s.Category || in.Int("Duration") != int64(s.Duration) {
			t.Errorf("sequence %q: package properties %q %q %d, want %q %q %d", s.Name, in.String("Description"), in.String("Category"),
				in.Int("Duration"), s.Description, s.Category, s.Duration)
		}
	}
	requireNoChanges(t, ctx, site, cfg)
}

// firstDifference shows the first step whose stored form differs.
func firstDifference(a, b *model.Sequence) string {
	var sa, sb []*model.Step
	a.Walk(func(_ string, s *model.Step) bool { sa = append(sa, s); return true })
	b.Walk(func(_ string, s *model.Step) bool { sb = append(sb, s); return true })
	for i := range sa {
		if i >= len(sb) {
			return fmt.Sprintf("step %q is missing", sa[i].Name)
		}
		x, y := *sa[i], *sb[i]
		x.Steps, y.Steps = nil, nil
		if !model.IdenticalSteps(&x, &y) {
			return "original: " + model.MarshalString(&model.Sequence{Steps: []*model.Step{&x}}) +
				"\nstored:   " + model.MarshalString(&model.Sequence{Steps: []*model.Step{&y}})
		}
	}
	if len(sb) > len(sa) {
		return fmt.Sprintf("step %q was added", sb[len(sa)].Name)
	}
	return "the sequences differ outside their steps (attributes or global variables)"
}

// strictParse parses doc with the npm package yaml (strict YAML 1.2),
// installed under dir.
func strictParse(t *testing.T, dir string, doc []byte) {
	t.Helper()
	js := `const Y=require('yaml');let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{` +
		`for(const d of Y.parseAllDocuments(s)){if(d.errors.length){console.log(d.errors[0].message.split('\n')[0]);process.exit(1)}}})`
	cmd := exec.Command("node", "-e", js)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	cmd.Stdin = strings.NewReader(string(doc))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("a strict YAML 1.2 parser refuses the converted file: %s (%v)", strings.TrimSpace(string(out)), err)
	}
}

// TestNotExportsAreRefused checks that files which only look like exports
// (../shared/exports/not-exports) are refused with one line naming what
// was found.
func TestNotExportsAreRefused(t *testing.T) {
	for _, f := range exportFiles(t, sharedDir(t, filepath.Join("exports", "not-exports"))) {
		_, err := exportfile.ReadFiles([]string{f})
		switch {
		case err == nil:
			t.Errorf("%s: read as an export", filepath.Base(f))
		case strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "not a task sequence export: "):
			t.Errorf("%s: %q is not one line saying what was found", filepath.Base(f), err)
		default:
			t.Logf("%s: %v", filepath.Base(f), err)
		}
	}
}

// TestCatalogueMatchesRealExports checks the class catalogue against every
// ConfigMgr export under ../shared (the corpus and exports/; MDT Lite Touch
// ts.xml files, whose steps use MDT's own variable names, are left out):
// every property of a catalogued class is stored under the variable name
// and hidden flag the catalogue gives it. Where real exports and
// Microsoft's class pages disagree, the exports win.
func TestCatalogueMatchesRealExports(t *testing.T) {
	var files []string
	for _, sub := range []string{"corpus", "exports"} {
		files = append(files, exportFiles(t, sharedDir(t, sub))...)
	}
	seen := map[string]bool{}
	checked := 0
	for _, f := range files {
		ex, err := exportfile.ReadFiles([]string{f})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ex.Sequences {
			s.Sequence.Walk(func(path string, st *model.Step) bool {
				c := model.Lookup(st.Type)
				if c == nil {
					return true
				}
				for _, v := range st.Vars {
					var problem string
					if p := c.Prop(v.Property); p != nil {
						checked++
						if p.Var != v.Name || p.Hidden != v.Hidden {
							problem = fmt.Sprintf("%s.%s is stored as %s hidden=%v; the catalogue says %s hidden=%v",
								model.ShortType(st.Type), v.Property, v.Name, v.Hidden, p.Var, p.Hidden)
						}
					} else if a, _, _, ok := c.ArrayOf(v.Property); ok {
						checked++
						if !strings.HasPrefix(v.Name, a.Var) || v.Hidden {
							problem = fmt.Sprintf("%s array element %s is stored as %s", model.ShortType(st.Type), v.Property, v.Name)
						}
					} else if !seen[st.Type+"."+v.Property] {
						// a property no class page or other export knows; the
						// typed form keeps it under properties:
						seen[st.Type+"."+v.Property] = true
						t.Logf("%s: %s: %s has property %s (as %s), which the catalogue lacks", filepath.Base(f), path, model.ShortType(st.Type), v.Property, v.Name)
					}
					if problem != "" && !seen[problem] {
						seen[problem] = true
						t.Errorf("%s: %s: %s", filepath.Base(f), path, problem)
					}
				}
				return true
			})
		}
	}
	if checked == 0 {
		t.Error("no catalogued property found")
	}
}
