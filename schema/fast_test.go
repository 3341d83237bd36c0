package schema

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"
)

// validatorSays runs the JSON Schema validator alone on a document.
func validatorSays(t testing.TB, root *yaml.Node) bool {
	sch, err := compiled()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ToValue(root)
	if err != nil {
		return false
	}
	return sch.root.Validate(v) == nil
}

func parseRoot(t testing.TB, data []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// agree fails when the quick check passes a document the validator rejects.
func agree(t *testing.T, root *yaml.Node, what string) (quickValid bool) {
	t.Helper()
	q := quickFor(0)
	if q == nil {
		t.Fatal("no quick check")
	}
	if q.valid(root) && !validatorSays(t, root) {
		out, _ := yaml.Marshal(root)
		t.Fatalf("%s: the quick check passes what the validator rejects:\n%s", what, out)
	}
	return q.valid(root)
}

func configFiles(t testing.TB) []string {
	files, _ := filepath.Glob("../examples/*/*.yaml")
	return append(files, "../testdata/config/all-kinds.yaml")
}

func TestQuickCheck(t *testing.T) {
	qs, err := quickSchemas()
	if err != nil {
		t.Fatal(err)
	}
	if qs[0].unknown || qs[1].unknown {
		t.Fatal("the quick check gives up on the whole schema: a keyword it does not know")
	}
	for _, f := range configFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root := parseRoot(t, data)
		if !agree(t, root, f) {
			t.Errorf("%s: valid, but the quick check is not sure: it would never save any work", f)
		}
	}
}

// TestQuickCheckMutations changes every scalar of every example, one at a
// time, to values of other types and shapes, and checks that the quick
// check never passes what the validator rejects.
func TestQuickCheckMutations(t *testing.T) {
	replacements := []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "12m"},
		{Kind: yaml.ScalarNode, Tag: "!!int", Value: "-1"},
		{Kind: yaml.ScalarNode, Tag: "!!int", Value: "0"},
		{Kind: yaml.ScalarNode, Tag: "!!int", Value: "99999"},
		{Kind: yaml.ScalarNode, Tag: "!!int", Value: "4294967295"},
		{Kind: yaml.ScalarNode, Tag: "!!int", Value: "4294967296"},
		{Kind: yaml.ScalarNode, Tag: "!!int", Value: "-2147483649"},
		{Kind: yaml.ScalarNode, Tag: "!!int", Value: "99999999999999999999"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "GPT"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "gpt"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "PRIMARY"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "a\tb"},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "a\u0085b"},
		{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"},
		{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""},
		{Kind: yaml.ScalarNode, Tag: "!!float", Value: "1.5"},
		{Kind: yaml.SequenceNode, Tag: "!!seq"},
		{Kind: yaml.MappingNode, Tag: "!!map"},
		{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "env"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: "X"}}},
	}
	checked := 0
	for _, f := range configFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		root := parseRoot(t, data)
		var slots []**yaml.Node
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			for i := range n.Content {
				if n.Kind == yaml.MappingNode && i%2 == 0 {
					continue // keys stay
				}
				slots = append(slots, &n.Content[i])
				walk(n.Content[i])
			}
		}
		walk(root)
		for _, slot := range slots {
			orig := *slot
			for _, r := range replacements {
				*slot = r
				agree(t, root, f)
				checked++
			}
			*slot = orig
		}
		// Unknown and missing keys; keys that are no XML attribute name,
		// or the one an expression's attributes may not hold.
		for _, slot := range slots {
			if m := *slot; m.Kind == yaml.MappingNode && len(m.Content) >= 2 {
				orig := m.Content
				for _, key := range []string{"colour", "a b", "type"} {
					m.Content = append(append([]*yaml.Node(nil), orig...),
						&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "red"})
					agree(t, root, f)
					checked++
				}
				m.Content = orig[2:]
				agree(t, root, f)
				m.Content = orig
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d mutations checked", checked)
	}
}

func FuzzQuickCheck(f *testing.F) {
	for _, p := range configFiles(f) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("sequences:\n  - name: A\n    maxRunTime: 012\n    steps: []\n"))
	f.Add([]byte("site: PS1\npackages:\n  - name: P\n    type: osImage\n    version: 0x10\n"))
	f.Add([]byte("sequences:\n  - name: A\n    maxRunTime: 4294967296\n    steps: [{name: \"a\\tb\", timeout: 71582789, runCommandLine: x, successCodes: [-2147483648, 4294967295]}]\n"))
	f.Add([]byte("sequences:\n  - name: A\n    steps: [{partitionDisk: {style: gpt, partitions: [{type: PRIMARY, size: 99999999999999999999, sizeUnits: '%'}]}}]\n"))
	f.Add([]byte("sequences:\n  - name: A\n    attributes: {\"a b\": x}\n    steps:\n      - setVariable: {name: A, value: B}\n        attributes: {startIn: x}\n" +
		"        condition: {expression: {type: X, attributes: {type: y}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := parseRoot(t, data)
		if root == nil {
			return
		}
		agree(t, root, "input")
	})
}

// namePatternSeeds are texts at the edges of namePattern: every control
// character's neighbours, C1 controls written in UTF-8 and as lone bytes,
// bytes that are not UTF-8, line breaks YAML knows.
var namePatternSeeds = []string{
	"", "a", "Install Windows", "a\x00", "\x1f", " ", "~", "\x7f", "a\u0080", "\u009f", "\u00a0", "\u0085x",
	"\xc2\x80", "\xc2\x9f", "\xc2", "\x80", "\x9f", "\xff", "a\xc2", "\u2028", "\ufeff", "\ufffd", "\U0001F600",
	"tab\there", "cr\r", "lf\n", "é", "\xed\xa0\x80",
}

// noControlCharacter answers as namePattern's regexp does.
func TestNamePatternIsItsRegexp(t *testing.T) {
	re := regexp.MustCompile(namePattern)
	for _, s := range namePatternSeeds {
		if got, want := noControlCharacter(s), re.MatchString(s); got != want {
			t.Errorf("noControlCharacter(%q) = %v, the regexp %v", s, got, want)
		}
	}
	for r := rune(0); r < 0x200; r++ {
		if s := string(r); noControlCharacter(s) != re.MatchString(s) {
			t.Errorf("noControlCharacter(%q) = %v, the regexp %v", s, noControlCharacter(s), re.MatchString(s))
		}
	}
	for b := 0; b < 0x100; b++ {
		if s := "a" + string([]byte{byte(b)}) + "b"; noControlCharacter(s) != re.MatchString(s) {
			t.Errorf("noControlCharacter(%q) = %v, the regexp %v", s, noControlCharacter(s), re.MatchString(s))
		}
	}
}

func FuzzNamePattern(f *testing.F) {
	re := regexp.MustCompile(namePattern)
	for _, s := range namePatternSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := noControlCharacter(s), re.MatchString(s); got != want {
			t.Errorf("noControlCharacter(%q) = %v, the regexp %v", s, got, want)
		}
	})
}
