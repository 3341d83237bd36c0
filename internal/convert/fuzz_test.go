package convert

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diff"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/views"
	"github.com/tsctl/tsctl/provider/local"
)

// FuzzConvert converts any sequence XML the codec reads: conversion never
// panics and writes YAML that tsctl validate accepts (schema and semantic
// checks: convert never writes what tsctl refuses), with every step back
// (typed when verified, in a lossless form otherwise), building back the
// same task sequence.
func FuzzConvert(f *testing.F) {
	for _, p := range fuzzSeeds() {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<sequence version="3.10"><step type="SMS_TaskSequence_DownloadPackageContentAction" name="D"><defaultVarList><variable name="OSDDownloadDownloadPackages" property="DownloadPackages">A,B</variable><variable name="OSDPackage0PackageId" property="PackageInfo0PackageId">A</variable><variable name="OSDPackage0Name" property="PackageInfo0Name">Drivers</variable><variable name="OSDPackage0PkgType" property="PackageInfo0PkgType">3</variable></defaultVarList></step></sequence>`))
	f.Add([]byte(`<sequence version="3.10"><step type="SMS_TaskSequence_InstallApplicationAction" name="A"><defaultVarList><variable name="ApplicationName" property="ApplicationName">M1,M2</variable><variable name="OSDApp0Name" property="AppInfo0Name">M1</variable><variable name="OSDApp0DisplayName" property="AppInfo0DisplayName">One</variable></defaultVarList></step></sequence>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, _, c, out, ok := convertInput(t, data)
		if !ok || len(c.Report.Refused) > 0 {
			return // not a task sequence a site would hold: convert refuses it
		}
		var n yaml.Node
		if err := yaml.Unmarshal(out, &n); err != nil {
			t.Fatalf("converted YAML does not parse: %v\n%s", err, out)
		}
		cfg, ds := config.Parse("fuzz.yaml", out)
		if ds.HasErrors() {
			t.Fatalf("converted YAML does not validate: %v\n%s", ds, out)
		}
		if cfg == nil || len(cfg.Sequences) != 1 {
			t.Fatalf("converted YAML does not load as one sequence:\n%s", out)
		}
		steps := 0
		config.Walk(cfg.Sequences[0].Steps(), func(st *config.Step) {
			steps++
			if st.Kind == "xml" { // a group kept whole holds its steps
				if x, err := model.ParseStep([]byte(st.Body().Value)); err == nil {
					(&model.Sequence{Steps: x.Steps}).Walk(func(string, *model.Step) bool { steps++; return true })
				}
			}
		})
		want := 0
		q.Walk(func(string, *model.Step) bool { want++; return true })
		if steps != want {
			t.Fatalf("%d steps in, %d loaded:\n%s", want, steps, out)
		}
		// Built back, it is the same task sequence.
		got, ds := (&desired.Builder{R: nameResolver{c}}).Sequence(cfg.Sequences[0])
		if ds.HasErrors() {
			t.Fatalf("converted YAML does not build: %v\n%s", ds, out)
		}
		if d := diff.Differences(q.Clone(), got, nil); len(d) > 0 {
			t.Fatalf("round trip changes %v\n%s", d, out)
		}
	})
}

// FuzzConvertApply applies what any sequence XML converts to on a new local
// site seeded with the objects it references (as tsctl site seed does):
// apply then plan is empty. Inputs that read secrets are skipped.
func FuzzConvertApply(f *testing.F) {
	for _, p := range fuzzSeeds() {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<sequence version="3.10"><group name="G"><step type="SMS_TaskSequence_SetVariableAction" name="S"><defaultVarList><variable name="VariableName" property="VariableName">A</variable><variable name="VariableValue" property="VariableValue">1</variable></defaultVarList></step></group></sequence>`))
	f.Add([]byte(`<sequence version="3.10"><step type="SMS_TaskSequence_DownloadPackageContentAction" name="D"><defaultVarList><variable name="OSDDownloadDownloadPackages" property="DownloadPackages">PS100010,PS100011</variable><variable name="OSDPackage0PackageId" property="PackageInfo0PackageId">PS100010</variable><variable name="OSDPackage0Name" property="PackageInfo0Name">Drivers</variable><variable name="OSDPackage0PkgType" property="PackageInfo0PkgType">3</variable></defaultVarList></step><step type="SMS_TaskSequence_InstallSoftwareAction" name="I"><defaultVarList><variable name="PackageID" property="PackageID">PS100012</variable><variable name="ProgramName" property="ProgramName">Run</variable></defaultVarList></step></sequence>`))
	f.Add([]byte(`<sequence version="3.10"><step type="BDD_Gather" name="Gather"><action>cscript.exe ztigather.wsf</action><defaultVarList><variable name="GatherLocalOnly" property="GatherLocalOnly">true</variable></defaultVarList></step></sequence>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, ex, c, out, ok := convertInput(t, data)
		if !ok || len(c.Report.Secrets) > 0 {
			return
		}
		cfg, ds := config.Parse("fuzz.yaml", out)
		if ds.HasErrors() {
			return
		}
		site, err := local.Open(t.TempDir(), local.Options{NoSync: true, User: "fuzz"})
		if err != nil {
			t.Fatal(err)
		}
		defer site.Close()
		var stubs []local.Stub
		for _, st := range Stubs(ex) {
			stubs = append(stubs, local.Stub{Class: st.Kind.Class(), ID: st.ID, Name: st.Name, Programs: st.Programs})
		}
		if _, err := site.AddStubs(stubs); err != nil {
			return // IDs no site could hold
		}
		ctx := context.Background()
		p, ds, err := engine.MakePlan(ctx, site, cfg, engine.PlanOptions{Target: "fuzz"})
		if err != nil || ds.HasErrors() {
			return // refused by the site's rules (a sequence too large, say)
		}
		res, err := p.Apply(ctx, engine.ApplyOptions{Parallelism: 1, User: "fuzz"})
		if err != nil || res.Failed() {
			return // refused by the site (an invalid sequence): nothing to compare
		}
		again, ds, err := engine.MakePlan(ctx, site, cfg, engine.PlanOptions{Target: "fuzz"})
		if err != nil || ds.HasErrors() {
			t.Fatalf("plan after apply: %v %v\n%s", err, ds, out)
		}
		if again.Plan.Changes {
			b, _ := views.Document(again.Plan)
			t.Fatalf("plan after apply has changes:\n%s\n%s", b, out)
		}
	})
}

// fuzzSeeds are this repository's sequence fixture and, when present, the
// XML files of the corpus and of the real exports (MDT's included).
func fuzzSeeds() []string {
	out := []string{filepath.Join("..", "model", "testdata", "small.xml")}
	for _, dir := range [][]string{{"corpus"}, {"exports"}, {"exports", "mdt"}} {
		files, _ := filepath.Glob(filepath.Join(append([]string{"..", "..", "..", "shared"}, append(dir, "*.xml")...)...))
		out = append(out, files...)
	}
	return out
}

// convertInput converts a fuzz input that the codec reads as a sequence;
// ok is false for input it does not read.
func convertInput(t *testing.T, data []byte) (q *model.Sequence, ex *exportfile.Export, c *Converter, out []byte, ok bool) {
	q, err := model.Parse(data)
	if err != nil {
		return nil, nil, nil, nil, false
	}
	ex = &exportfile.Export{Sequences: []*exportfile.Sequence{{Name: "Fuzz", Sequence: q}}}
	c = New(ExportNames{Ex: ex})
	if out, err = Document("", []*yaml.Node{c.Sequence(ex.Sequences[0])}); err != nil {
		t.Fatalf("render: %v", err)
	}
	return q, ex, c, out, true
}
