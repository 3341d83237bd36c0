package yamlwrite

// The writing functions below follow gopkg.in/yaml.v3 v3.0.1's emitterc.go
// (Copyright (c) 2011-2019 Canonical Ltd, Copyright (c) 2006-2010 Kirill
// Simonov, MIT licence), each named after the function it mirrors, for the
// subset of nodes supported accepts.

import (
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The settings Document writes with: yaml.v3's Encoder after SetIndent(2),
// with its default width, which v3.0.1 sets to -1 (apic.go), which the
// emitter reads as no limit (1<<31 - 1): it folds no line, however long.
const (
	bestIndent = 2
	bestWidth  = 1<<31 - 1
)

// Document returns the text yaml.v3's Encoder, indenting by 2, writes for
// the document of root with header as its head comment, and true; or nil
// and false, having written nothing, when the tree holds a node this
// writer does not handle (supported).
func Document(header string, root *yaml.Node) ([]byte, bool) {
	if !utf8.ValidString(header) || !supported(root, false) {
		return nil, false
	}
	buf := buffers.Get().(*[]byte)
	w := writer{buf: (*buf)[:0], indent: -1, whitespace: true, indention: true}
	// yaml_emitter_emit_document_start: an implicit first document.
	if header != "" {
		w.writeIndent()
		w.writeComment(header)
		w.putBreak()
	}
	w.node(root, context{})
	// yaml_emitter_emit_document_end: an implicit end.
	w.writeIndent()
	out := append(make([]byte, 0, len(w.buf)), w.buf...)
	if cap(w.buf) <= maxKeptBuffer {
		*buf = w.buf[:0]
		buffers.Put(buf)
	}
	return out, true
}

// buffers are the buffers Document writes in, kept for the next document
// (up to maxKeptBuffer bytes) so that each document allocates only its
// text.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

const maxKeptBuffer = 1 << 20

// supported reports whether every node of the tree of n is one the writer
// handles as yaml.v3 does: no anchor, alias, head or foot comment; a line
// comment only on a collection written in flow style outside any flow
// collection (yaml.v3 writes it after the closing bracket); mappings and
// sequences untagged or tagged as what they are, in block or flow style;
// scalar keys; scalars of valid UTF-8, tagged !!str (any of plain,
// single-quoted, double-quoted or literal style) or untagged, or tagged
// !!int, !!bool or !!null in plain style with a value that reads back as
// that tag (else yaml.v3 writes the tag).
func supported(n *yaml.Node, inFlow bool) bool {
	if n == nil || n.Anchor != "" || n.Alias != nil || n.HeadComment != "" || n.FootComment != "" {
		return false
	}
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		if !CollectionAsIs(n) {
			return false
		}
		// yaml.v3 writes an empty collection in flow style.
		flow := inFlow || n.Style == yaml.FlowStyle || len(n.Content) == 0
		if n.LineComment != "" && (inFlow || !flow || !utf8.ValidString(n.LineComment)) {
			return false
		}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 && (c == nil || c.Kind != yaml.ScalarNode) {
				return false
			}
			if !supported(c, flow) {
				return false
			}
		}
		return true
	case yaml.ScalarNode:
		if len(n.Content) != 0 || n.LineComment != "" || !utf8.ValidString(n.Value) {
			return false
		}
		switch n.Tag {
		case "", strTag:
			switch n.Style {
			case 0, yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle, yaml.LiteralStyle:
				return true
			}
		case intTag, boolTag, nullTag:
			return n.Style == 0 && resolvedTag(n.Value) == n.Tag
		}
	}
	return false
}

// context is where a node is written: as a simple key (yaml.v3's
// simple_key_context), and whether it is an item of a block sequence (the
// state yaml.v3's increase_indent looks at).
type context struct {
	simpleKey   bool
	inBlockList bool
}

// writer is the part of yaml.v3's emitter state the subset needs.
type writer struct {
	buf        []byte
	indent     int  // emitter.indent
	column     int  // in characters
	whitespace bool // the last character written was white space
	indention  bool // only indentation was written on this line
	flowLevel  int
}

// yaml_emitter_increase_indent; it returns the indentation to restore.
func (w *writer) increaseIndent(flow, inBlockList bool) int {
	saved := w.indent
	switch {
	case w.indent < 0:
		if flow {
			w.indent = bestIndent
		} else {
			w.indent = 0
		}
	case inBlockList:
		w.indent += 2
	default:
		w.indent = bestIndent * ((w.indent + bestIndent) / bestIndent)
	}
	return saved
}

// node writes n (yaml_emitter_emit_node and the states it leads to).
func (w *writer) node(n *yaml.Node, c context) {
	switch n.Kind {
	case yaml.ScalarNode:
		w.scalar(n, analyze(n.Value), c)
	case yaml.SequenceNode:
		if w.flowLevel > 0 || n.Style == yaml.FlowStyle || len(n.Content) == 0 {
			w.flowSequence(n, c)
		} else {
			w.blockSequence(n, c)
		}
	case yaml.MappingNode:
		if w.flowLevel > 0 || n.Style == yaml.FlowStyle || len(n.Content) == 0 {
			w.flowMapping(n, c)
		} else {
			w.blockMapping(n, c)
		}
	}
}

// yaml_emitter_emit_block_sequence_item
func (w *writer) blockSequence(n *yaml.Node, c context) {
	saved := w.increaseIndent(false, c.inBlockList)
	for _, item := range n.Content {
		w.writeIndent()
		w.writeIndicator('-', true, false, true)
		w.node(item, context{inBlockList: true})
	}
	w.indent = saved
}

// yaml_emitter_emit_block_mapping_key and _value
func (w *writer) blockMapping(n *yaml.Node, c context) {
	saved := w.increaseIndent(false, c.inBlockList)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		w.writeIndent()
		a := analyze(key.Value)
		if simpleKey(key, a) {
			w.scalar(key, a, context{simpleKey: true})
			w.writeIndicator(':', false, false, false)
		} else {
			w.writeIndicator('?', true, false, true)
			w.scalar(key, a, context{})
			w.writeIndent()
			w.writeIndicator(':', true, false, true)
		}
		w.node(value, context{})
	}
	w.indent = saved
}

// yaml_emitter_emit_flow_sequence_item
func (w *writer) flowSequence(n *yaml.Node, c context) {
	w.writeIndicator('[', true, true, false)
	saved := w.increaseIndent(true, c.inBlockList)
	w.flowLevel++
	for i, item := range n.Content {
		if i > 0 {
			w.writeIndicator(',', false, false, false)
		}
		if w.column == 0 {
			w.writeIndent()
		}
		if w.column > bestWidth {
			w.writeIndent()
		}
		w.node(item, context{})
	}
	w.flowLevel--
	w.indent = saved
	if w.column == 0 {
		w.writeIndent()
	}
	w.writeIndicator(']', false, false, false)
	w.lineComment(n.LineComment)
}

// yaml_emitter_emit_flow_mapping_key and _value
func (w *writer) flowMapping(n *yaml.Node, c context) {
	w.writeIndicator('{', true, true, false)
	saved := w.increaseIndent(true, c.inBlockList)
	w.flowLevel++
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if i > 0 {
			w.writeIndicator(',', false, false, false)
		}
		if w.column == 0 {
			w.writeIndent()
		}
		if w.column > bestWidth {
			w.writeIndent()
		}
		a := analyze(key.Value)
		if simpleKey(key, a) {
			w.scalar(key, a, context{simpleKey: true})
			w.writeIndicator(':', false, false, false)
		} else {
			w.writeIndicator('?', true, false, false)
			w.scalar(key, a, context{})
			if w.column > bestWidth {
				w.writeIndent()
			}
			w.writeIndicator(':', true, false, false)
		}
		w.node(value, context{})
	}
	w.flowLevel--
	w.indent = saved
	w.writeIndicator('}', false, false, false)
	w.lineComment(n.LineComment)
}

// simpleKey is yaml_emitter_check_simple_key for a scalar key (keys are
// scalars: supported).
func simpleKey(key *yaml.Node, a analysis) bool {
	return !a.multiline && len(key.Value) <= 128
}

// lineComment is yaml_emitter_process_line_comment.
func (w *writer) lineComment(comment string) {
	if comment == "" {
		return
	}
	if !w.whitespace {
		w.put(' ')
	}
	w.writeComment(comment)
}

// yaml_emitter_write_comment
func (w *writer) writeComment(comment string) {
	breaks, pound := false, false
	for i := 0; i < len(comment); {
		if isBreak(comment, i) {
			w.writeBreak(comment, &i)
			breaks, pound = true, false
			continue
		}
		if breaks {
			w.writeIndent()
		}
		if !pound {
			if comment[i] != '#' {
				w.put('#')
				w.put(' ')
			}
			pound = true
		}
		w.write(comment, &i)
		w.indention = false
		breaks = false
	}
	if !breaks {
		w.putBreak()
	}
	w.whitespace = true
}

// put
func (w *writer) put(b byte) {
	w.buf = append(w.buf, b)
	w.column++
}

// put_break
func (w *writer) putBreak() {
	w.buf = append(w.buf, '\n')
	w.column = 0
	w.indention = true
}

// write copies the character at s[*i].
func (w *writer) write(s string, i *int) {
	n := width(s[*i])
	w.buf = append(w.buf, s[*i:*i+n]...)
	w.column++
	*i += n
}

// write_break
func (w *writer) writeBreak(s string, i *int) {
	if s[*i] == '\n' {
		w.putBreak()
		*i++
		return
	}
	w.write(s, i)
	w.column = 0
	w.indention = true
}

// yaml_emitter_write_indent
func (w *writer) writeIndent() {
	indent := max(w.indent, 0)
	if !w.indention || w.column > indent || w.column == indent && !w.whitespace {
		w.putBreak()
	}
	for w.column < indent {
		w.put(' ')
	}
	w.whitespace = true
}

// yaml_emitter_write_indicator, for the one-character indicators.
func (w *writer) writeIndicator(indicator byte, needWhitespace, isWhitespace, isIndention bool) {
	if needWhitespace && !w.whitespace {
		w.put(' ')
	}
	w.put(indicator)
	w.whitespace = isWhitespace
	w.indention = w.indention && isIndention
}

// CollectionAsIs reports whether the mapping or sequence n is one yaml.v3
// writes as it is: untagged or tagged as what it is, in block or flow
// style, with no value, and a mapping of whole key-value pairs.
func CollectionAsIs(n *yaml.Node) bool {
	want := "!!map"
	if n.Kind == yaml.SequenceNode {
		want = "!!seq"
	}
	if n.Tag != "" && n.Tag != want || n.Style != 0 && n.Style != yaml.FlowStyle || n.Value != "" {
		return false
	}
	return n.Kind != yaml.MappingNode || len(n.Content)%2 == 0
}
