package config

import (
	"encoding/binary"
	"math"
	"sort"
	"strconv"
	"sync"
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
// takes a fraction of the memory of a tree of Nodes. The encoding is two
// streams. The content stream holds, for each node depth-first, a byte
// with its kind and tag (an index into commonTags, or 0 and the tag as a
// string), its value (a word of nodeWords by index, or its bytes) and,
// unless it is a scalar, its number of children. The position stream
// holds each node's line, as the difference from the node before it (the
// first from a base line, the step's), and its column. Content alone says
// what a body is, wherever it is written: it is what a sequence's
// fingerprint covers (see Sequence.WriteContent).
var commonTags = [...]string{"", "!!str", "!!int", "!!bool", "!!null", "!!float", "!!map", "!!seq", "!!timestamp", "!!binary", "!!merge"}

// nodeKinds are the node kinds an encoded node can have, by their code.
var nodeKinds = [...]yaml.Kind{yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode, yaml.DocumentNode, yaml.AliasNode}

func kindCode(k yaml.Kind) byte {
	for i, x := range nodeKinds {
		if x == k {
			return byte(i)
		}
	}
	return 0
}

// encodeNode returns the encoded form of the parsed value y (nil for nil),
// aliases resolved: what NodeOf(y) would hold, without building it. base
// is the line the first node's line is counted from.
func encodeNode(y *yaml.Node, base int) (content, pos []byte) {
	if y == nil {
		return nil, nil
	}
	e := encoders.Get().(*nodeEncoder)
	e.c, e.p, e.line = e.c[:0], e.p[:0], base
	e.node(y)
	// kept for the whole run: no spare capacity
	content, pos = append(make([]byte, 0, len(e.c)), e.c...), append(make([]byte, 0, len(e.p)), e.p...)
	if cap(e.c) <= maxPooledEncoding {
		encoders.Put(e)
	}
	return content, pos
}

// encoders keeps the scratch buffers of finished encodings: every step of
// every sequence is encoded, and growing fresh buffers for each cost more
// than the encoding.
var encoders = sync.Pool{New: func() any { return &nodeEncoder{c: make([]byte, 0, 1024), p: make([]byte, 0, 256)} }}

// maxPooledEncoding is the largest scratch buffer encoders keeps.
const maxPooledEncoding = 1 << 20

type nodeEncoder struct {
	c, p []byte
	line int
}

func (e *nodeEncoder) node(y *yaml.Node) {
	for y.Kind == yaml.AliasNode && y.Alias != nil {
		y = y.Alias
	}
	short, tag := y.ShortTag(), 0
	for i, t := range commonTags {
		if i > 0 && t == short {
			tag = i
			break
		}
	}
	e.c = append(e.c, kindCode(y.Kind)<<4|byte(tag))
	if tag == 0 {
		e.c = appendString(e.c, short)
	}
	e.c = appendWord(e.c, y.Value)
	e.p = binary.AppendVarint(e.p, int64(y.Line-e.line))
	e.p = binary.AppendUvarint(e.p, uint64(y.Column))
	e.line = y.Line
	if y.Kind == yaml.ScalarNode {
		return
	}
	e.c = binary.AppendUvarint(e.c, uint64(len(y.Content)))
	for _, c := range y.Content {
		e.node(c)
	}
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendWord appends s as a word of nodeWords (its index, odd) or as its
// length (even) and bytes.
func appendWord(b []byte, s string) []byte {
	if i, ok := words().index[s]; ok {
		return binary.AppendUvarint(b, uint64(i)<<1|1)
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1)
	return append(b, s...)
}

// decodeNode rebuilds the tree encodeNode encoded, its first line counted
// from base. Its strings share the encoded bytes, which are never changed
// once written.
func decodeNode(content, pos []byte, base int) *Node {
	if len(content) == 0 {
		return nil
	}
	d := nodeDecoder{c: content, p: pos, line: base, words: words().list}
	n := new(Node)
	d.read(n)
	return n
}

type nodeDecoder struct {
	c, p   []byte
	ci, pi int
	line   int
	words  []string
}

func (d *nodeDecoder) uvarint() int {
	v, n := binary.Uvarint(d.c[d.ci:])
	d.ci += n
	return int(v)
}

func (d *nodeDecoder) str() string {
	l := d.uvarint()
	if l == 0 {
		return ""
	}
	s := unsafe.String(&d.c[d.ci], l)
	d.ci += l
	return s
}

func (d *nodeDecoder) word() string {
	v := d.uvarint()
	if v&1 == 1 {
		return d.words[v>>1]
	}
	l := v >> 1
	if l == 0 {
		return ""
	}
	s := unsafe.String(&d.c[d.ci], l)
	d.ci += l
	return s
}

func (d *nodeDecoder) read(n *Node) {
	h := d.c[d.ci]
	d.ci++
	n.Kind = nodeKinds[h>>4]
	if tag := int(h & 0xf); tag == 0 {
		n.Tag = d.str()
	} else {
		n.Tag = commonTags[tag]
	}
	n.Value = d.word()
	dl, k := binary.Varint(d.p[d.pi:])
	d.pi += k
	col, k := binary.Uvarint(d.p[d.pi:])
	d.pi += k
	d.line += int(dl)
	n.Line, n.Column = d.line, int(col)
	if n.Kind == yaml.ScalarNode {
		return
	}
	if k := d.uvarint(); k > 0 {
		slab := make([]Node, k)
		n.Content = make([]*Node, k)
		for i := range slab {
			d.read(&slab[i])
			n.Content[i] = &slab[i]
		}
	}
}

// nodeWords are the keys and values step bodies and conditions are mostly
// made of — every field and enum value of the typed step forms and the
// condition forms, and a few common scalars — which an encoded node
// writes as an index. The list is built once (after the kinds are
// registered), in an order that depends only on tsctl's own tables.
type nodeWords struct {
	list  []string
	index map[string]int
	kinds []string // every step kind (KindKeys), for a frozen step's kind code
}

var (
	nodeWordList  nodeWords
	nodeWordsOnce sync.Once
)

func words() *nodeWords {
	nodeWordsOnce.Do(func() {
		set := map[string]bool{}
		for _, w := range []string{"true", "false", "0", "1", "2", "3", "id", "env", "file", "empty", "name", "value", "type",
			"all", "any", "none", "osGroup", "expression", "attributes", "variables", "conditions", "exists", "notExists"} {
			set[w] = true
		}
		var fields func(fs []Field)
		fields = func(fs []Field) {
			for _, f := range fs {
				set[f.YAML] = true
				for _, e := range f.Enum {
					set[e] = true
				}
				fields(f.Sub)
			}
		}
		for _, k := range kindList {
			set[k.Key] = true
			fields(k.Fields)
		}
		for _, c := range conditionForms {
			set[c.Key] = true
			for _, f := range c.Fields {
				set[f.YAML] = true
			}
		}
		for _, op := range VariableOperators {
			set[op] = true
		}
		w := &nodeWordList
		w.kinds = KindKeys()
		for k := range set {
			if k != "" {
				w.list = append(w.list, k)
			}
		}
		sort.Strings(w.list)
		w.index = make(map[string]int, len(w.list))
		for i, k := range w.list {
			w.index[k] = i
		}
	})
	return &nodeWordList
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
