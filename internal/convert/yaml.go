package convert

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/yamlwrite"
)

// Small builders for YAML nodes that keep key order.

// str is a string scalar: multi-line text as a literal block when that
// reads back as the same text, double-quoted otherwise (a leading line
// break, say, which a literal block cannot hold).
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
		if !literalReadsBack(s) && !readsBack(n) {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	return n
}

// literalReadsBack reports, without writing it, that the multi-line text s
// written as a literal block (readsBack) reads back as s: it does when s
// starts with neither a space nor a line break and holds only characters
// YAML writes and reads as they are, line feeds included (plainText).
// false says nothing: readsBack decides.
//
// Why: yaml.v3 writes a scalar asked for as a literal block as one, or
// double-quoted when its analysis allows no block (a space before a line
// break, a trailing space), and a double-quoted scalar of such characters
// reads back as it is. A literal block of s needs no indentation
// indicator (its first line is not empty and starts with no space, so the
// reader takes the block's indentation from it and every later line's
// leading spaces as text), its chomping indicator keeps exactly the line
// breaks s ends with, and every other character is written and read as
// it is. TestLiteralReadsBackOnRealExports and FuzzLiteralReadsBack hold
// it to readsBack.
func literalReadsBack(s string) bool {
	return s != "" && s[0] != ' ' && s[0] != '\n' && plainText(s, true)
}

// readsBack reports whether n, written and read again, is the same text.
func readsBack(n *yaml.Node) bool {
	b, err := yaml.Marshal(n)
	if err != nil {
		return false
	}
	var back string
	return yaml.Unmarshal(b, &back) == nil && back == n.Value
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func integer(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func seq(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Content: items}
}

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func flow(n *yaml.Node) *yaml.Node {
	n.Style = yaml.FlowStyle
	return n
}

// writtenAsIs reports whether yaml.v3 writes n (yaml.Marshal) as text that
// reads back as n: the same kinds, tags, values and children. It holds
// when every node is
//   - a mapping or a sequence, untagged or tagged as what it is, in block
//     or flow style;
//   - a scalar tagged !!str, plain, double-quoted or a literal block (a
//     line break only in the latter two; a block not starting with a
//     space or a line break), of text that the writer keeps as it is
//     (plainText);
//   - a scalar tagged !!int, !!bool or !!null, plain, with the value the
//     builders above write for it;
//
// with no anchor, alias or comment, but for a line comment of text that
// YAML reads as it is and without a line break (plainText) on a flow
// collection in block context (where Document's hoistFlowComments leaves
// the comments convert writes: "{id: PS100048} # no name known …"). The
// writer quotes a !!str that would read back as another type. Anything
// else is false: not that its text reads back differently, only that this
// does not say.
func writtenAsIs(n *yaml.Node) bool { return writtenAsIsIn(n, false) }

func writtenAsIsIn(n *yaml.Node, inFlow bool) bool {
	if n.Anchor != "" || n.Alias != nil || n.HeadComment != "" || n.FootComment != "" {
		return false
	}
	flowHere := n.Style == yaml.FlowStyle && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode)
	if n.LineComment != "" && (!flowHere || inFlow || !plainText(n.LineComment, false)) {
		return false
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		if !yamlwrite.CollectionAsIs(n) {
			return false
		}
		for _, c := range n.Content {
			if c == nil || !writtenAsIsIn(c, inFlow || flowHere) {
				return false
			}
		}
		return true
	case yaml.ScalarNode:
		if len(n.Content) != 0 {
			return false
		}
		switch n.Tag {
		case "!!str":
			switch n.Style {
			case 0:
				return plainText(n.Value, false)
			case yaml.DoubleQuotedStyle:
				return plainText(n.Value, true)
			case yaml.LiteralStyle:
				// A block that starts with a space or a line break is
				// written with an indentation indicator, which yaml.Marshal
				// (indenting by 4) gets wrong below the top level: the text
				// does not parse, or reads back as other text.
				return n.Value != "" && n.Value[0] != ' ' && n.Value[0] != '\n' && plainText(n.Value, true)
			}
			return false
		case "!!int":
			i, err := strconv.Atoi(n.Value)
			return n.Style == 0 && err == nil && strconv.Itoa(i) == n.Value
		case "!!bool":
			return n.Style == 0 && (n.Value == "true" || n.Value == "false")
		case "!!null":
			return n.Style == 0 && n.Value == "null"
		}
	}
	return false
}

// plainText reports whether s is valid UTF-8 of printable characters that
// YAML writes and reads as they are in any scalar style — a line feed only
// when lines is true — leaving out every character YAML reads as a line
// break or writes escaped (controls, tab, carriage return, U+0085,
// U+2028, U+2029, the byte-order mark, U+FFFE, U+FFFF and the characters
// beyond U+FFFF).
func plainText(s string, lines bool) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b < 0x7F || b == '\n' && lines {
				i++
				continue
			}
			return false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0xA0, r == 0x2028, r == 0x2029, r == 0xFEFF, r >= 0xFFFE,
			0xD800 <= r && r < 0xE000:
			return false
		}
		i += size
	}
	return true
}
