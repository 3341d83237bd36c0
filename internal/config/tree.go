package config

import (
	"fmt"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// checkTree reports what the schema cannot see in a parsed document (or in
// one sequence item of it): a mapping key written twice, which YAML
// forbids but a parser keeps in its tree and every reader then resolves
// differently (the schema's last-wins, a loader's first-wins), and text
// that no XML document can hold. It walks the tree as written: a node an
// anchor names is checked once, however many aliases repeat it.
func checkTree(file string, n *yaml.Node, ds *diag.List) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			checkTree(file, c, ds)
		}
	case yaml.MappingNode:
		duplicateKeys(file, n, ds)
		for _, c := range n.Content {
			checkTree(file, c, ds)
		}
	case yaml.ScalarNode:
		if r, col, ok := xmlInvalid(n); ok {
			ds.AddHint(diag.Pos{File: file, Line: n.Line, Col: col},
				"remove it: a site keeps sequences and exports objects as XML, which has no way to write this character",
				"this value holds %s, a control character that cannot be stored", runeName(r))
		}
	}
}

// duplicateKeys reports each key of mapping m that an earlier key of m
// already holds, at the later key.
func duplicateKeys(file string, m *yaml.Node, ds *diag.List) {
	pairs := len(m.Content) / 2
	if pairs < 2 {
		return
	}
	report := func(first, again *yaml.Node) {
		ds.AddHint(diag.Pos{File: file, Line: again.Line, Col: again.Column},
			"a mapping holds each key once: keep one of them",
			"key %q repeated (first at %d:%d)", again.Value, first.Line, first.Column)
	}
	// Most mappings are a handful of keys: comparing each with the ones
	// before it costs less than a map.
	if pairs <= 16 {
		for i := 2; i < 2*pairs; i += 2 {
			k := m.Content[i]
			for j := 0; j < i; j += 2 {
				if sameKey(m.Content[j], k) {
					report(m.Content[j], k)
					break
				}
			}
		}
		return
	}
	type key struct{ tag, value string }
	seen := make(map[key]*yaml.Node, pairs)
	for i := 0; i < 2*pairs; i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		id := key{k.ShortTag(), k.Value}
		if first, ok := seen[id]; ok {
			report(first, k)
			continue
		}
		seen[id] = k
	}
}

// sameKey reports whether two mapping keys are the same scalar: the same
// tag and value, however each is quoted. Other keys (the schema refuses
// them) are never the same.
func sameKey(a, b *yaml.Node) bool {
	return a.Kind == yaml.ScalarNode && b.Kind == yaml.ScalarNode && a.Value == b.Value && a.ShortTag() == b.ShortTag()
}

// xmlInvalid finds the first character of a scalar that XML 1.0 cannot
// hold at all — a C0 control other than tab, line feed and carriage
// return, or U+FFFE/U+FFFF — which YAML lets a double-quoted scalar write
// as an escape ("\x01"). col is the scalar's column.
func xmlInvalid(n *yaml.Node) (r rune, col int, ok bool) {
	v := n.Value
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 0x20 && c != 0xEF {
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		if r >= 0x20 && r != 0xFFFE && r != 0xFFFF || r == '\t' || r == '\n' || r == '\r' {
			i += size - 1
			continue
		}
		return r, n.Column, true
	}
	return 0, 0, false
}

// runeName names a character for messages: U+0001.
func runeName(r rune) string { return fmt.Sprintf("U+%04X", r) }
