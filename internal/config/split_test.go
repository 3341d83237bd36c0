package config

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/workload"
	"github.com/tsctl/tsctl/schema"
)

// sameTree reports the first difference between two parse trees, ignoring
// comments (the loader does not read them).
func sameTree(a, b *yaml.Node, path string) error {
	if a == nil || b == nil {
		if a != b {
			return fmt.Errorf("%s: one side is nil", path)
		}
		return nil
	}
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor ||
		a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: %+v\n  vs %+v", path, *a, *b)
	}
	if a.Kind == yaml.AliasNode {
		if a.Alias.Line != b.Alias.Line || a.Alias.Column != b.Alias.Column {
			return fmt.Errorf("%s: aliases point to %d:%d and %d:%d", path, a.Alias.Line, a.Alias.Column, b.Alias.Line, b.Alias.Column)
		}
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// checkSplit parses data both ways; when the split parse succeeds, the
// trees must be identical.
func checkSplit(t *testing.T, data []byte) (split bool) {
	t.Helper()
	got, _, err := parseSplit(data, 3, nil)
	if err != nil {
		return false
	}
	want, extra, werr := parseWhole(data)
	if werr != nil || extra != 0 {
		t.Fatalf("split parse succeeded where the whole parse fails (%v, extra document at %d):\n%s", werr, extra, data)
	}
	if err := sameTree(got, want, ""); err != nil {
		t.Fatalf("split and whole parses differ: %v\n%s", err, data)
	}
	if len(data) <= 4<<10 || !testing.Short() {
		checkSplitDecode(t, data)
	}
	return true
}

// checkSplitDecode loads data with its sequence items decoded piece by
// piece and with one parse: the configurations and diagnostics must match.
func checkSplitDecode(t *testing.T, data []byte) {
	t.Helper()
	load := func(doc *yaml.Node, extra int, dec *decoded, err error) (*Config, diag.List, bool) {
		c := &Config{Files: []string{"f.yaml"}}
		ds, ok := c.addDocument("f.yaml", doc, extra, dec, err)
		if ok {
			ds = append(ds, c.check()...)
		}
		ds.Sort()
		return c, ds, ok
	}
	doc, dec, err := splitDecode("f.yaml", data, 3)
	if err != nil {
		t.Fatalf("split parse succeeded, split decode failed: %v", err)
	}
	got, gotDs, gotOK := load(doc, 0, dec, nil)
	wdoc, extra, werr := parseWhole(data)
	want, wantDs, wantOK := load(wdoc, extra, nil, werr)
	if gotOK != wantOK || gotDs.HasErrors() != wantDs.HasErrors() {
		t.Fatalf("split and whole loads disagree (ok %v, %v):\nsplit:\n%v\nwhole:\n%v\n%s", gotOK, wantOK, gotDs, wantDs, data)
	}
	if !gotOK {
		return // the schema's messages may differ: one parse stops at a document it cannot convert, pieces go on
	}
	if gotDs.Error() != wantDs.Error() {
		t.Fatalf("diagnostics differ:\nsplit:\n%v\nwhole:\n%v\n%s", gotDs, wantDs, data)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("split and whole loads give different configurations:\n%s", data)
	}
}

func generated(t testing.TB, n int) []byte {
	var b bytes.Buffer
	if err := workload.Write(&b, workload.Spec{Sequences: n, Steps: 12}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSplitParse(t *testing.T) {
	if !checkSplit(t, generated(t, 40)) {
		t.Fatal("a generated configuration was not split: the fast path never runs")
	}
	cases := map[string]struct {
		yaml  string
		split bool
	}{
		"items at column 1":                 {"packages:\n- name: P\nsequences:\n- name: A\n  steps: []\n- name: B\n  steps: []\n# end\n", true},
		"comments and blank lines":          {"sequences:\n\n  # first\n  - name: A\n\n    steps: []\n  # between\n  - name: B # trailing\n    steps: []\npackages: []\n", true},
		"block scalars":                     {"sequences:\n  - name: A\n    steps:\n      - runCommandLine:\n          commandLine: |\n            line one\n\n            - not an item\n  - name: B\n    steps: []\n", true},
		"anchor used in its own item":       {"sequences:\n  - name: &n A\n    description: *n\n  - name: B\n", true},
		"alias to another item":             {"sequences:\n  - name: &n A\n  - name: B\n    description: *n\n", false},
		"alias to a package":                {"packages:\n  - name: &p P\nsequences:\n  - name: A\n    description: *p\n  - name: B\n", false},
		"quoted scalar across an item line": {"sequences:\n  - name: \"A\n  - B\"\n  - name: C\n", false},
		"flow sequence":                     {"sequences: [{name: A}, {name: B}]\n", false},
		"tagged key":                        {"sequences: !!seq\n  - name: A\n  - name: B\n", false},
		"document marker":                   {"---\nsequences:\n  - name: A\n  - name: B\n", false},
		"two documents":                     {"sequences:\n  - name: A\n  - name: B\n---\nx: 1\n", false},
		"duplicate key":                     {"sequences:\n  - name: A\n  - name: B\nsequences:\n  - name: C\n", false},
		"CRLF":                              {"sequences:\r\n  - name: A\r\n  - name: B\r\n", false},
		"tab":                               {"sequences:\n  - name: A\n\t- name: B\n", false},
		"nested lists at item indent":       {"sequences:\n  - name: A\n    steps:\n    - name: s\n  - name: B\n", true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := checkSplit(t, []byte(c.yaml)); got != c.split {
				t.Errorf("split = %v, want %v", got, c.split)
			}
		})
	}
}

// TestLoadSplitMatchesWhole loads a file above splitFrom and checks that
// the configuration equals the one from a whole parse of the same bytes.
func TestLoadSplitMatchesWhole(t *testing.T) {
	data := generated(t, 400)
	if len(data) < splitFrom {
		t.Fatalf("workload of %d bytes is below the split size", len(data))
	}
	cfg, ds := Parse("big.yaml", data)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if len(cfg.Sequences) != 400 {
		t.Fatalf("%d sequences", len(cfg.Sequences))
	}
	// Every item was decoded as its piece was parsed, and left the tree.
	if _, _, dec, err := decodeDocument("big.yaml", data); err != nil || dec == nil || len(dec.seqs) != 400 || dec.nodes == 0 {
		t.Fatalf("items not decoded piece by piece (%v)", err)
	} else {
		for i, s := range dec.seqs {
			if s == nil {
				t.Fatalf("item %d not decoded piece by piece", i)
			}
		}
	}
	wholeCfg, wholeDs := parseWholeConfig(t, "big.yaml", data)
	if !reflect.DeepEqual(cfg.Sequences, wholeCfg.Sequences) || !reflect.DeepEqual(cfg.Packages, wholeCfg.Packages) {
		t.Error("the sequences decoded piece by piece differ from those of a whole parse")
	}
	if ds.Error() != wholeDs.Error() {
		t.Errorf("split:\n%v\nwhole:\n%v", ds, wholeDs)
	}
	// What decoding finds in an item (after the schema passed) is reported
	// as by a whole parse.
	twoKinds := bytes.Replace(data, []byte("- name: Set variable 4\n"), []byte("- name: Set variable 4\n            runCommandLine: x.cmd\n"), 1)
	_, got := Parse("big.yaml", twoKinds)
	_, want := parseWholeConfig(t, "big.yaml", twoKinds)
	if !got.HasErrors() || got.Error() != want.Error() {
		t.Errorf("split:\n%v\nwhole:\n%v", got, want)
	}
	// Schema errors found piece by piece are those of the whole document.
	wrong := bytes.Replace(data, []byte("name: Deploy 0399\n"), []byte("name: Deploy 0399\n    colour: red\n"), 1)
	wrong = bytes.Replace(wrong, []byte("name: Module 0007\n"), []byte("name: Module 0007\n    maxRunTime: soon\n"), 1)
	_, got = Parse("big.yaml", wrong)
	whole, _, err := parseWhole(wrong)
	if err != nil {
		t.Fatal(err)
	}
	want = schema.Validate("big.yaml", whole.Content[0])
	if len(want) != 2 || got.Error() != want.Error() {
		t.Errorf("split:\n%v\nwhole:\n%v", got, want)
	}

	// A broken item late in the file is reported where a whole parse
	// reports it.
	bad := bytes.Replace(data, []byte("name: Deploy 0399"), []byte("name: [Deploy 0399"), 1)
	_, _, werr := parseWhole(bad)
	if werr == nil {
		t.Fatal("the whole parse accepts a broken item")
	}
	want1 := syntaxError("big.yaml", bad, werr)
	_, ds = Parse("big.yaml", bad)
	if len(ds) != 1 || ds[0] != want1 || want1.Pos.Line < 16000 {
		t.Errorf("got %v, want the whole parse's %v", ds, want1)
	}
}

// parseWholeConfig loads data through one parse of the whole file.
func parseWholeConfig(t *testing.T, file string, data []byte) (*Config, diag.List) {
	t.Helper()
	doc, _, err := parseWhole(data)
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	ds := schema.Validate(file, root)
	if ds.HasErrors() {
		return nil, ds
	}
	c := &Config{Files: []string{file}}
	ds = append(ds, c.decode(file, root, nil)...)
	ds = append(ds, c.check()...)
	ds.Sort()
	return c, ds
}

func FuzzSplitParse(f *testing.F) {
	f.Add(generated(f, 3))
	for _, p := range []string{"../../examples/windows11/windows11.yaml", "../../testdata/config/all-kinds.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("sequences:\n  - name: &n A\n  - name: B\n    description: *n\n"))
	f.Add([]byte("sequences:\n- a\n- |\n  x\n- b: [1,\n   2]\n"))
	f.Add([]byte("name: A\n    description: \"x\nname: B\"\n  # c\nname: &a C\n    steps: [1,\nname: *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplit(t, data)
		// The same bytes as the items of a sequences list: every line
		// that is not indented starts an item.
		var b bytes.Buffer
		b.WriteString("packages: []\nsequences:\n")
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(line) == 0 || line[0] != ' ' {
				b.WriteString("  - ")
			}
			b.Write(line)
			b.WriteByte('\n')
		}
		checkSplit(t, b.Bytes())
	})
}

// TestSplitChecksEveryKey: a file loaded in pieces refuses keys written
// twice as a whole parse does, inside an item (checked as its piece is
// parsed) and at the top (a second sequences key in any spelling sends the
// file to the whole parse, so that no list escapes the schema).
func TestSplitChecksEveryKey(t *testing.T) {
	data := generated(t, 400)
	inItem := bytes.Replace(data, []byte("name: Deploy 0399\n"), []byte("name: Deploy 0399\n    name: Again\n"), 1)
	if _, _, dec, err := decodeDocument("big.yaml", inItem); err != nil || dec == nil {
		t.Fatalf("not split (%v): the test does not reach the piece-by-piece check", err)
	}
	_, ds := Parse("big.yaml", inItem)
	if !strings.Contains(ds.Error(), `key "name" repeated (first at `) {
		t.Errorf("a name repeated in an item: %v", ds)
	}
	for _, second := range []string{"sequences:", `"sequences":`, "'sequences':", "!!str sequences:", "? sequences\n:"} {
		extra := append(append([]byte{}, data...), []byte(second+"\n  - name: Extra\n    maxRunTime: -5\n    password: hunter2\n")...)
		_, ds := Parse("big.yaml", extra)
		if !strings.Contains(ds.Error(), `key "sequences" repeated (first at 135:1)`) {
			t.Errorf("%s: a second sequences list: %v", second, ds)
		}
		if strings.Contains(ds.Error(), "hunter2") {
			t.Errorf("%s: the inline value is quoted: %v", second, ds)
		}
	}
}
