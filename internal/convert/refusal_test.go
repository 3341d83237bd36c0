package convert

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine"
	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/workload"
	"github.com/tsctl/tsctl/provider/local"
)

// refusalOfTextOracle is how refusal decided every step before it decided
// on the tree: the document written by yaml.Marshal and parsed by
// config.Parse, its first error ("" when there is none).
func refusalOfTextOracle(root *yaml.Node) string {
	b, err := yaml.Marshal(root)
	if err != nil {
		return err.Error()
	}
	_, ds := config.Parse("convert.yaml", b)
	for _, d := range ds {
		if d.Severity == diag.Error {
			return d.Msg
		}
	}
	return ""
}

// refusalTally counts refusal's answers by who decided them.
type refusalTally struct{ onTree, byText, refused int }

// checkRefusals has c hold every answer refusal works out to the oracle:
// the same answer (so the same refusal message), and, for a document that
// reads back from its text as it is (writtenAsIs), decided on the tree
// exactly when the text accepts it.
func checkRefusals(t *testing.T, c *Converter, tally *refusalTally) {
	c.decided = func(root *yaml.Node, why string, onTree bool) {
		t.Helper()
		want := refusalOfTextOracle(root)
		if why != want {
			b, _ := yaml.Marshal(root)
			t.Errorf("refusal %q (on the tree: %v), the text's %q:\n%s", why, onTree, want, b)
		}
		if !onTree && want == "" && writtenAsIs(root) {
			b, _ := yaml.Marshal(root)
			t.Errorf("the tree refused a document that reads back as it is and that the text accepts:\n%s", b)
		}
		switch {
		case onTree:
			tally.onTree++
		default:
			tally.byText++
		}
		if why != "" {
			tally.refused++
		}
	}
}

// refusalsOf converts seqs in turn, every answer of refusal checked
// against the oracle.
func refusalsOf(t *testing.T, names Names, seqs []*exportfile.Sequence) refusalTally {
	t.Helper()
	var tally refusalTally
	c := New(names)
	checkRefusals(t, c, &tally)
	for _, s := range seqs {
		if _, err := Encode(c.Sequence(s)); err != nil {
			t.Fatal(err)
		}
	}
	return tally
}

// Every step of every real export (corpus, exports, MDT exports) and of a
// generated workload is refused, or not, with the message the text gives
// (TestRefusalOnTreeIsRefusalOfText's oracle is the code refusal ran
// before: yaml.Marshal and config.Parse); the steps of the workload are
// decided on the tree.
func TestRefusalOnTreeIsRefusalOfText(t *testing.T) {
	t.Run("real exports", func(t *testing.T) {
		dirs := realExportDirs(t)
		// each file alone (each with its own names) and then all at once
		for _, dir := range dirs {
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range files {
				if st, err := os.Stat(f); err != nil || st.IsDir() || filepath.Ext(f) == ".md" {
					continue
				}
				ex, err := exportfile.ReadFiles([]string{f})
				if err != nil || len(ex.Sequences) == 0 {
					continue // not an export convert reads: it converts nothing
				}
				tally := refusalsOf(t, ExportNames{Ex: ex}, ex.Sequences)
				t.Logf("%s: %d answers on the tree, %d by the text (%d refusals)", filepath.Base(f), tally.onTree, tally.byText, tally.refused)
			}
		}
	})
	t.Run("crafted refusals", func(t *testing.T) {
		setVar := func(attrs string) string {
			return `<step type="SMS_TaskSequence_SetVariableAction" ` + attrs + ` description="" runIn="WinPEandFullOS" successCodeList="0" runFromNet="false"><action>tsenv.exe "A=1"</action><defaultVarList><variable name="VariableName" property="VariableName" hidden="true">A</variable><variable name="VariableValue" property="VariableValue" hidden="true">1</variable></defaultVarList></step>`
		}
		var long string
		for range 101 {
			long += "n"
		}
		var seqs []*exportfile.Sequence
		for i, body := range []string{
			setVar(`name=""`),
			setVar(`name="   "`),
			setVar(`name="` + long + `"`),
			setVar(`name="Timeout" timeout="99999999999"`),
			setVar(`name="Retry" retryCount="99999999999"`),
			`<group name="" description=""><condition/>` + setVar(`name="In"`) + `</group>`,
			`<group name="` + long + `">` + setVar(`name="In"`) + `</group>`,
		} {
			q, err := model.Parse([]byte(`<sequence version="3.10">` + body + `</sequence>`))
			if err != nil {
				t.Fatalf("crafted sequence %d: %v", i, err)
			}
			seqs = append(seqs, &exportfile.Sequence{Name: "Crafted " + string(rune('A'+i)), Sequence: q})
		}
		tally := refusalsOf(t, ExportNames{Ex: &exportfile.Export{Sequences: seqs}}, seqs)
		t.Logf("%d answers on the tree, %d by the text (%d refusals)", tally.onTree, tally.byText, tally.refused)
		if tally.refused == 0 {
			t.Error("no crafted step was refused")
		}
	})
	t.Run("generated workload", func(t *testing.T) {
		ex := workloadExport(t, 60, 50)
		tally := refusalsOf(t, ex.Names, ex.Sequences)
		t.Logf("%d sequences: %d answers on the tree, %d by the text (%d refusals)", len(ex.Sequences), tally.onTree, tally.byText, tally.refused)
		if tally.onTree == 0 || tally.byText > tally.onTree/10 {
			t.Errorf("%d answers on the tree, %d by the text: the workload's steps should be decided on the tree", tally.onTree, tally.byText)
		}
	})
}

// workloadExport applies a generated workload of n sequences of m steps
// to a new local site and exports it back, as tsctl export reads it.
func workloadExport(t *testing.T, n, m int) *engine.Exported {
	t.Helper()
	var buf bytes.Buffer
	if err := workload.Write(&buf, workload.Spec{Sequences: n, Steps: m}); err != nil {
		t.Fatal(err)
	}
	t.Setenv(workload.SecretEnv, "generated")
	file := filepath.Join(t.TempDir(), "workload.yaml")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Load([]string{file})
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	site, err := local.Open(t.TempDir(), local.Options{NoSync: true, User: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	ctx := context.Background()
	p, ds, err := engine.MakePlan(ctx, site, cfg, engine.PlanOptions{Target: "test"})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	if res, err := p.Apply(ctx, engine.ApplyOptions{Parallelism: 4, User: "test"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	ex, err := engine.Export(ctx, site, nil, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ex.Sequences {
		if err := s.Loaded(); err != nil {
			t.Fatal(err)
		}
	}
	return ex
}

// FuzzRefusalOnTree converts any sequence XML the codec reads, holding
// every answer refusal works out to the text's (see checkRefusals).
func FuzzRefusalOnTree(f *testing.F) {
	for _, p := range fuzzSeeds() {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<sequence version="3.10"><step type="SMS_TaskSequence_SetVariableAction" name="S&#x85;t"><defaultVarList><variable name="VariableName" property="VariableName">A&#x2028;</variable><variable name="VariableValue" property="VariableValue">&#9;1 </variable></defaultVarList></step></sequence>`))
	f.Add([]byte(`<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="R"><action>x</action><defaultVarList><variable name="CommandLine" property="CommandLine">  a&#13;&#10;b: c # d</variable><variable name="PackageID" property="PackageID">PS100001</variable></defaultVarList></step></sequence>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := model.Parse(data)
		if err != nil {
			return
		}
		ex := &exportfile.Export{Sequences: []*exportfile.Sequence{{Name: "Fuzz", Sequence: q}}}
		refusalsOf(t, ExportNames{Ex: ex}, ex.Sequences)
	})
}

// FuzzWrittenAsIs builds steps holding any text in any of the styles
// convert writes, with a line comment on a flow collection: a tree
// writtenAsIs accepts reads back as it is from the text yaml.Marshal
// writes (which refusal's text answer parses) and from the one Document
// writes (which tsctl validate reads), and is accepted on the tree
// exactly when its text is.
func FuzzWrittenAsIs(f *testing.F) {
	f.Add("Set A", "A", "1", "", byte(0))
	f.Add("Set\nA", " A", "1\n", "no name known for PackageID PS100001", byte(1|0x80))
	f.Add("true", "0x10", "~", "#x", byte(2|0x40))
	f.Add("a: b", "- x", "'q'", "a # b", byte(3|0xc0))
	f.Add("\u0085", "\u2028", "\t", "\u2028", byte(4|0x80))
	f.Add("a\r\nb", "\ufeff", "😀", "x\ry", byte(5|0x80))
	f.Add("\x01", "\uffff", " x\n\n", "", byte(0x7f))
	f.Add("\xff", "x", "y", "", byte(0))
	f.Add(" a\nb\n", "  x\n", "\n", "", byte(2|2<<2|2<<4)) // literal blocks yaml.Marshal writes wrong below the top level
	f.Fuzz(func(t *testing.T, name, variable, value, comment string, styles byte) {
		style := func(s string, bit byte) *yaml.Node {
			n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
			switch (styles >> bit) & 3 {
			case 1:
				n.Style = yaml.DoubleQuotedStyle
			case 2:
				n.Style = yaml.LiteralStyle
			case 3:
				n = str(s)
			}
			return n
		}
		body := mapping()
		if styles&0x80 != 0 {
			body = flow(body)
		}
		body.LineComment = comment
		add(body, "name", style(variable, 2))
		add(body, "value", style(value, 4))
		step := mapping()
		add(step, "name", style(name, 0))
		add(step, "setVariable", body)
		if styles&0x40 != 0 { // a flow list of flow mappings, as a reference list is written
			item := flow(mapping())
			add(item, "id", str(value))
			add(step, "condition", flow(seq(item)))
		}
		s := mapping()
		add(s, "name", str("convert"))
		add(s, "steps", seq(step))
		root := mapping()
		add(root, "sequences", seq(s))
		if !writtenAsIs(root) {
			return
		}
		b, err := yaml.Marshal(root)
		if err != nil {
			t.Fatalf("writtenAsIs, but the tree is not written: %v", err)
		}
		var back yaml.Node
		if err := yaml.Unmarshal(b, &back); err != nil {
			t.Fatalf("writtenAsIs, but its text does not read back: %v\n%s", err, b)
		}
		if !sameTree(root, back.Content[0]) {
			t.Fatalf("writtenAsIs, but its text reads back differently:\n%s", b)
		}
		want := refusalOfTextOracle(root)
		if got := acceptedAsTree(root); got != (want == "") {
			t.Fatalf("accepted on the tree: %v; the text's refusal: %q\n%s", got, want, b)
		}
		// As Document writes it (indented by 2, comments hoisted), in a
		// document of its own.
		doc, err := Document("header", []*yaml.Node{s})
		if err != nil {
			t.Fatalf("writtenAsIs, but Document does not write it: %v", err)
		}
		var fromDoc yaml.Node
		if err := yaml.Unmarshal(doc, &fromDoc); err != nil {
			t.Fatalf("writtenAsIs, but the document does not read back: %v\n%s", err, doc)
		}
		if writtenAsIs(root) && !sameTree(root, fromDoc.Content[0]) {
			t.Fatalf("writtenAsIs, but the document reads back differently:\n%s", doc)
		}
		// As items of one document, each written alone (Encode) and joined
		// (Join): the sequence twice, with another step between.
		other := mapping()
		add(other, "name", str("other"))
		add(other, "steps", seq(step, step))
		var items [][]byte
		for _, n := range []*yaml.Node{s, other, s} {
			item, err := Encode(n)
			if err != nil {
				t.Fatalf("writtenAsIs, but Encode does not write it: %v", err)
			}
			items = append(items, item)
		}
		joined, err := Join("header", items)
		if err != nil {
			t.Fatal(err)
		}
		var fromJoined yaml.Node
		if err := yaml.Unmarshal(joined, &fromJoined); err != nil {
			t.Fatalf("writtenAsIs, but the joined document does not read back: %v\n%s", err, joined)
		}
		want3 := mapping()
		add(want3, "sequences", seq(s, other, s))
		if !sameTree(want3, fromJoined.Content[0]) {
			t.Fatalf("writtenAsIs, but the joined document reads back differently:\n%s", joined)
		}
	})
}

// sameTree reports whether b, read from text, is a: the same kinds, short
// tags, values and children.
func sameTree(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || a.ShortTag() != b.ShortTag() || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !sameTree(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}
