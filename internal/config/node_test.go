package config

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestNodeOf(t *testing.T) {
	src := `
base: &b { package: Tools, program: Run }
step:
  installPackage: *b
  retry: [1, "2", true, ~]
  script: |
    line one
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	n := NodeOf(doc.Content[0])
	step := Lookup(n, "step")
	pkg := Lookup(step, "installPackage")
	if pkg == nil || pkg.Kind != yaml.MappingNode || Lookup(pkg, "package").Value != "Tools" {
		t.Fatalf("alias not resolved: %+v", pkg)
	}
	if p := Lookup(pkg, "program"); p.Line != 2 || p.Column != 37 {
		t.Errorf("program at %d:%d, want 2:37 (where the anchored value is)", p.Line, p.Column)
	}
	var tags []string
	for _, c := range Lookup(step, "retry").Content {
		tags = append(tags, c.ShortTag())
	}
	if want := []string{"!!int", "!!str", "!!bool", "!!null"}; !reflect.DeepEqual(tags, want) {
		t.Errorf("tags %v, want %v", tags, want)
	}
	if s := Lookup(step, "script"); s.Value != "line one\n" {
		t.Errorf("script %q", s.Value)
	}
	if Lookup(step, "missing") != nil || Lookup(Lookup(step, "script"), "x") != nil {
		t.Error("Lookup found a key that is not there")
	}
	// Decode gives what decoding the YAML itself gives.
	var got map[string]any
	if err := step.Decode(&got); err != nil {
		t.Fatal(err)
	}
	var whole map[string]map[string]any
	if err := yaml.Unmarshal([]byte(src), &whole); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, whole["step"]) {
		t.Errorf("Decode: %v, want %v", got, whole["step"])
	}
}

// FuzzNodeEncoding: a step body encoded and decoded is the tree NodeOf makes,
// whatever the YAML (tags of its own, long values, deep nesting).
func FuzzNodeEncoding(f *testing.F) {
	for _, s := range []string{
		"installPackage: { package: Tools, program: Run }",
		"a: &x [1, 2.5, true, ~, !custom v, '']\nb: *x\nc: |\n  multi\n  line\n",
		"- - - deep\n- !!binary aGk=\n- 2001-12-14t21:59:43.10-05:00\n",
		"? complex key\n: value\n<<: {merged: 1}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil || len(doc.Content) == 0 || tooExpanded(countNodes(&doc, MaxNodes)) {
			return
		}
		n := NodeOf(doc.Content[0])
		for _, base := range []int{0, 1, 1 << 20} {
			content, pos := encodeNode(doc.Content[0], base)
			if got := decodeNode(content, pos, base); !reflect.DeepEqual(got, n) {
				t.Fatalf("round trip from line %d changed the tree:\n got %#v\nwant %#v", base, got, n)
			}
		}
	})
}
