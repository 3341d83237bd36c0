package yamlwrite

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// scalarOf makes a scalar of s in one of the styles and tags convert
// writes (and untagged).
func scalarOf(s string, style byte) *yaml.Node {
	switch style % 8 {
	case 1:
		return styled(s, yaml.DoubleQuotedStyle)
	case 2:
		return styled(s, yaml.SingleQuotedStyle)
	case 3:
		return styled(s, yaml.LiteralStyle)
	case 4:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: s}
	case 5:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: s}
	case 6:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: s}
	case 7:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: s}
	}
	return str(s)
}

// FuzzScalar: any text in any style, in every context, is written as
// yaml.v3 writes it whenever Document handles it.
func FuzzScalar(f *testing.F) {
	for i, v := range craftedValues {
		f.Add(v, byte(i))
	}
	f.Fuzz(func(t *testing.T, s string, style byte) {
		same(t, "", contexts(func() *yaml.Node { return scalarOf(s, style) }))
	})
}

// treeOf builds a tree of convert's node shapes from shape, taking the
// texts of its scalars from the fields of text (split at '|').
type treeOf struct {
	shape []byte
	texts []string
	depth int
}

func (b *treeOf) next() byte {
	if len(b.shape) == 0 {
		return 0
	}
	c := b.shape[0]
	b.shape = b.shape[1:]
	return c
}

func (b *treeOf) text() string {
	if len(b.texts) == 0 {
		return "x"
	}
	s := b.texts[0]
	b.texts = append(b.texts[1:], s)
	return s
}

func (b *treeOf) node() *yaml.Node {
	c := b.next()
	if b.depth > 6 || len(b.shape) == 0 {
		return scalarOf(b.text(), c>>4)
	}
	b.depth++
	defer func() { b.depth-- }()
	count := int(c>>4) % 5
	var n *yaml.Node
	switch c % 6 {
	case 0, 1:
		return scalarOf(b.text(), c>>3)
	case 2:
		n = mapping()
		for range count {
			n.Content = append(n.Content, scalarOf(b.text(), b.next()), b.node())
		}
	case 3:
		n = seq()
		for range count {
			n.Content = append(n.Content, b.node())
		}
	case 4:
		n = flow(mapping())
		for range count {
			n.Content = append(n.Content, scalarOf(b.text(), b.next()), b.node())
		}
	case 5:
		n = flow(seq())
		for range count {
			n.Content = append(n.Content, b.node())
		}
	}
	if c&0x08 != 0 {
		n.LineComment = b.text()
	}
	return n
}

// FuzzTree: trees of convert's shapes (block and flow collections, line
// comments on them, a document comment) are written as yaml.v3 writes
// them whenever Document handles them.
func FuzzTree(f *testing.F) {
	f.Add([]byte{2, 0x13, 0x25, 0x1c, 0x31, 0x14}, "a|b c|: x|\n|", "header")
	f.Add([]byte{3, 0x32, 0x21, 0x44, 0x15, 0x2d, 0x19, 0x22}, "PS100048|no name known|"+strings.Repeat("w ", 50)+"|é\u2028", "")
	f.Add([]byte{0x42, 0x03, 0x33, 0x0c, 0x45, 0x04, 0x02}, "1|true|null||a\nb\n", "# c\nd")
	f.Fuzz(func(t *testing.T, shape []byte, texts, header string) {
		b := &treeOf{shape: shape, texts: strings.Split(texts, "|")}
		root := mapping(str("sequences"), seq(b.node(), b.node()))
		same(t, header, root)
	})
}
