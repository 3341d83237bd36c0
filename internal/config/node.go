package config

import (
	"encoding/binary"
	"math"
	"strconv"
	"unsafe"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// Node is a YAML value as a loaded configuration keeps it: a step's
// kind-specific body or its condition, read again each time a sequence is
// built. It holds what building reads — kind, short tag, value, position
// and children — in half the memory of a yaml.Node (comments, styles and
// anchors are dropped, aliases are resolved), because these values are
// most of what a large configuration keeps.
type Node struct {
	Kind    yaml.Kind
	Tag     string // short tag: !!str, !!int, !!map, …
	Value   string
	Line    int
	Column  int
	Content []*Node
}

// NodeOf converts a parsed YAML value. Aliases become the value they point
// to (converted once, however often it is used).
func NodeOf(y *yaml.Node) *Node {
	if y == nil {
		return nil
	}
	c := nodeConverter{}
	n := new(Node)
	c.fill(n, y)
	return n
}

type nodeConverter struct {
	aliased map[*yaml.Node]*Node // targets of aliases, converted
}

func (c *nodeConverter) fill(n *Node, y *yaml.Node) {
	for y.Kind == yaml.AliasNode && y.Alias != nil {
		y = y.Alias
	}
	*n = Node{Kind: y.Kind, Tag: y.ShortTag(), Value: y.Value, Line: y.Line, Column: y.Column}
	if len(y.Content) == 0 {
		return
	}
	// The children in one allocation, pointed to from Content.
	slab := make([]Node, len(y.Content))
	n.Content = make([]*Node, len(y.Content))
	for i, yc := range y.Content {
		if yc.Kind == yaml.AliasNode && yc.Alias != nil {
			n.Content[i] = c.alias(yc.Alias)
			continue
		}
		c.fill(&slab[i], yc)
		n.Content[i] = &slab[i]
	}
}

func (c *nodeConverter) alias(target *yaml.Node) *Node {
	if n, ok := c.aliased[target]; ok {
		return n
	}
	if c.aliased == nil {
		c.aliased = map[*yaml.Node]*Node{}
	}
	n := new(Node)
	c.aliased[target] = n
	c.fill(n, target)
	return n
}

// ShortTag returns the node's tag, as yaml.Node.ShortTag does.
func (n *Node) ShortTag() string { return n.Tag }

// Decode decodes the value into v as yaml.Node.Decode does.
func (n *Node) Decode(v any) error { return n.yaml().Decode(v) }

func (n *Node) yaml() *yaml.Node {
	y := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value, Line: n.Line, Column: n.Column}
	for _, c := range n.Content {
		y.Content = append(y.Content, c.yaml())
	}
	return y
}

// Pos is the node's position in file.
func (n *Node) Pos(file string) diag.Pos {
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// Lookup returns the value of key in a mapping node, nil when absent or
// when n is not a mapping.
func Lookup(n *Node, key string) *Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out *Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			out = n.Content[i+1]
		}
	}
	return out
}

// A step keeps its body and condition encoded (see Step.Body): a loaded
// configuration holds every step of every sequence, and the encoded form
// takes a fraction of the memory of a tree of Nodes. Each node is its kind,
// its tag (an index into commonTags, or 0 and the tag), its value, line and
// column, and its children: lengths and numbers as unsigned varints.
var commonTags = [...]string{"", "!!str", "!!int", "!!bool", "!!null", "!!float", "!!map", "!!seq", "!!timestamp", "!!binary", "!!merge"}

// encodeNode returns the encoded form of the parsed value y (nil for nil),
// aliases resolved: what NodeOf(y) would hold, without building it.
func encodeNode(y *yaml.Node) []byte {
	if y == nil {
		return nil
	}
	b := appendNode(make([]byte, 0, 256), y)
	return append(make([]byte, 0, len(b)), b...) // kept for the whole run: no spare capacity
}

func appendNode(b []byte, y *yaml.Node) []byte {
	for y.Kind == yaml.AliasNode && y.Alias != nil {
		y = y.Alias
	}
	b = append(b, byte(y.Kind))
	short, tag := y.ShortTag(), 0
	for i, t := range commonTags {
		if i > 0 && t == short {
			tag = i
			break
		}
	}
	b = append(b, byte(tag))
	if tag == 0 {
		b = appendString(b, short)
	}
	b = appendString(b, y.Value)
	b = binary.AppendUvarint(b, uint64(y.Line))
	b = binary.AppendUvarint(b, uint64(y.Column))
	b = binary.AppendUvarint(b, uint64(len(y.Content)))
	for _, c := range y.Content {
		b = appendNode(b, c)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeNode rebuilds the tree encodeNode encoded. Its strings share the
// encoded bytes, which are never changed once written.
func decodeNode(b []byte) *Node {
	if len(b) == 0 {
		return nil
	}
	d := nodeDecoder{b: b}
	n := new(Node)
	d.read(n)
	return n
}

type nodeDecoder struct {
	b []byte
	i int
}

func (d *nodeDecoder) uvarint() int {
	v, n := binary.Uvarint(d.b[d.i:])
	d.i += n
	return int(v)
}

func (d *nodeDecoder) str() string {
	l := d.uvarint()
	if l == 0 {
		return ""
	}
	s := unsafe.String(&d.b[d.i], l)
	d.i += l
	return s
}

func (d *nodeDecoder) read(n *Node) {
	n.Kind = yaml.Kind(d.b[d.i])
	tag := int(d.b[d.i+1])
	d.i += 2
	if tag == 0 {
		n.Tag = d.str()
	} else {
		n.Tag = commonTags[tag]
	}
	n.Value = d.str()
	n.Line = d.uvarint()
	n.Column = d.uvarint()
	if k := d.uvarint(); k > 0 {
		slab := make([]Node, k)
		n.Content = make([]*Node, k)
		for i := range slab {
			d.read(&slab[i])
			n.Content[i] = &slab[i]
		}
	}
}

// Int returns the integer a scalar holds in any notation YAML has for one
// (12, 0x0C, 0o14, 1_2, and 12.0, which JSON Schema also counts as an
// integer); ok is false for anything else, or beyond int64.
func (n *Node) Int() (int64, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	return intValue(n.Tag, n.Value)
}

func intValue(tag, value string) (int64, bool) {
	if tag == "!!int" {
		// Plain decimals, nearly all of them, without a decoder.
		if i, err := strconv.ParseInt(value, 10, 64); err == nil && (len(value) < 2 || value[0] != '0' && value[:2] != "-0" && value[0] != '+') {
			return i, true
		}
	}
	y := &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	var i int64
	if tag == "!!int" && y.Decode(&i) == nil {
		return i, true
	}
	var f float64
	if tag == "!!float" && y.Decode(&f) == nil && f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return int64(f), true
	}
	return 0, false
}
