package yamlwrite

import (
	"bytes"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// reference is what yaml.v3 writes for the document, as convert.Document
// has it write.
func reference(t testing.TB, header string, root *yaml.Node) ([]byte, bool) {
	t.Helper()
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	ok := true
	func() {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		ok = enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}, HeadComment: header}) == nil
	}()
	return b.Bytes(), ok
}

// same fails t unless Document writes what yaml.v3 writes, and reports
// whether Document handled the tree.
func same(t testing.TB, header string, root *yaml.Node) bool {
	t.Helper()
	got, ok := Document(header, root)
	if !ok {
		return false
	}
	want, wok := reference(t, header, root)
	if !wok {
		t.Fatalf("yaml.v3 cannot write a tree Document wrote:\n%s", got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Document wrote\n%q\nyaml.v3 writes\n%q", got, want)
	}
	return true
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func styled(s string, style yaml.Style) *yaml.Node {
	n := str(s)
	n.Style = style
	return n
}

func mapping(kv ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Content: kv} }

func seq(items ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode, Content: items} }

func flow(n *yaml.Node) *yaml.Node {
	n.Style = yaml.FlowStyle
	return n
}

// contexts puts a scalar everywhere convert puts one: a block mapping's
// key and value, a block sequence's item, a flow mapping's key and value
// and a flow sequence's item, each at the depth of a step's field.
func contexts(v func() *yaml.Node) *yaml.Node {
	step := mapping(
		str("name"), v(),
		v(), str("key"),
		str("flow"), flow(mapping(str("k"), v(), v(), str("v"))),
		str("list"), flow(seq(v(), str("x"), v())),
		str("items"), seq(v(), mapping(str("k"), v())),
	)
	return mapping(str("sequences"), seq(mapping(str("name"), str("S"), str("steps"), seq(step, seq(v())))))
}

// craftedValues are texts each rule of yaml.v3's quoting, escaping and
// folding is tried on.
var craftedValues = []string{
	"", " ", "  ", "a", "plain text", "Deploy Windows 11",
	// read back as another type: quoted
	"true", "True", "TRUE", "false", "null", "Null", "NULL", "~", "yes", "no", "on", "off", "y", "n",
	"0", "1", "-1", "+1", "007", "0x1F", "0o17", "0b101", "-0b101", "-0o17", "1_000", "1e3", "1.5", ".5", "-.5", "+.5",
	".inf", "-.inf", "+.INF", ".nan", ".NaN", "1:30", "12:30:45", "2024-01-02", "2024-1-2", "2024-01-02T03:04:05Z",
	"2024-01-02 03:04:05", "2024-13-45", "9223372036854775808", "18446744073709551616", "0.", "1.", "<<", "=", "-", "--", "---", "...", "----",
	"- x", "-x", "? x", "?x", ": x", ":x", "x:", "x: y", "x:y", "a #b", "a#b", "#a", "a # b", "!tag", "&anchor", "*alias",
	"|", ">", "'", "\"", "%", "@", "`", ",", "[", "]", "{", "}", "a,b", "a[b]", "a{b}", "x?", "a - b", "a -",
	"C:\\Windows\\System32", `\\server\share`, `"quoted"`, "it's", "'single'",
	// white space
	" lead", "trail ", "\ttab", "a\tb", "tab\t", "two  spaces", "a  ",
	// unicode and control characters
	"é", "café crème", "日本語", "emoji 🙂", "\u0085", "a\u0085b", "a\u2028b", "a\u2029b", "\ufeffbom", "a\ufeffb", "\ufeff",
	"\u00a0", "a\u00a0b", "\x00", "a\x07b", "\x1b[0m", "\x7f", "a\x08b", "\ufffe", "\uffff", "\U0001F600", "\ud7ff", "\ue000",
	"a\rb", "\r\n", "a\r\nb", "a\r\nb\r\n",
	// line breaks
	"\n", "\n\n", "a\n", "a\nb", "a\nb\n", "a\nb\n\n", "a\n\nb", "\na", " a\nb", "a \nb", "a\n b", "a\n\n", "a\n\n\n",
	"line one\nline two\n", "trailing space \n", "x\ty\nz", "é\n", "a\u0085\n", "a\n\u2028",
	// long text: folding at 80 columns
	strings.Repeat("word ", 30), strings.Repeat("x", 200), strings.Repeat("long ", 10) + strings.Repeat("y", 90) + " tail",
	strings.Repeat("a b ", 40) + "end", strings.Repeat("é ", 60), strings.Repeat("word  ", 30), "start " + strings.Repeat("z", 100),
	strings.Repeat("quote's ", 20), strings.Repeat("colon: ", 20), strings.Repeat("\t word", 20), strings.Repeat("esc\x01 ", 20),
	strings.Repeat("wörd ", 30) + "\n" + strings.Repeat("next ", 30), strings.Repeat("k", 128), strings.Repeat("k", 129),
	strings.Repeat("x ", 50) + " " + strings.Repeat("y ", 30), strings.Repeat(" ", 100), strings.Repeat("a", 79) + " b",
}

// TestCraftedScalars: every crafted text, in every style convert asks for
// and untagged, in every context, is written as yaml.v3 writes it.
func TestCraftedScalars(t *testing.T) {
	styles := []struct {
		name string
		make func(string) *yaml.Node
	}{
		{"plain", str},
		{"double", func(s string) *yaml.Node { return styled(s, yaml.DoubleQuotedStyle) }},
		{"single", func(s string) *yaml.Node { return styled(s, yaml.SingleQuotedStyle) }},
		{"literal", func(s string) *yaml.Node { return styled(s, yaml.LiteralStyle) }},
		{"untagged", func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }},
	}
	fell := 0
	for _, st := range styles {
		for _, v := range craftedValues {
			if !same(t, "", contexts(func() *yaml.Node { return st.make(v) })) {
				fell++
				t.Errorf("%s %q: not handled", st.name, v)
			}
		}
	}
}

// TestCraftedTrees: typed scalars, empty collections, comments, deep and
// wide flow collections written as yaml.v3 writes them.
func TestCraftedTrees(t *testing.T) {
	typed := func(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }
	long := flow(seq())
	wide := flow(mapping())
	for i := range 40 {
		long.Content = append(long.Content, str(strings.Repeat("item", i%5+1)))
		wide.Content = append(wide.Content, str("key"+strings.Repeat("k", i%7)), str(strings.Repeat("value ", i%4)))
	}
	commented := flow(mapping(str("id"), str("PS100048")))
	commented.LineComment = "no name known for package PS100048"
	commentedList := flow(seq(str("a"), flow(mapping(str("b"), str("c")))))
	commentedList.LineComment = "# PS1 and PS2 are both named \"x\"; second\nline"
	emptyCommented := mapping()
	emptyCommented.LineComment = "empty"
	trees := []struct {
		header string
		root   *yaml.Node
	}{
		{"", mapping(str("sequences"), seq(mapping()))},
		{"Converted by tsctl from a.zip\nsecond line", mapping(str("sequences"), seq(mapping()))},
		{"# already\n\nblank line above", mapping(str("sequences"), seq(mapping()))},
		{"", mapping(str("sequences"), seq(mapping(str("name"), str("x"), str("steps"), seq()), seq(), mapping(str("a"), mapping())))},
		{"", mapping(str("a"), typed("!!int", "5"), str("b"), typed("!!int", "-12"), str("c"), typed("!!bool", "true"),
			str("d"), typed("!!bool", "false"), str("e"), typed("!!null", "null"), str("f"), flow(mapping(str("n"), typed("!!null", "null"), str("i"), typed("!!int", "0"))))},
		{"", mapping(str("sequences"), seq(mapping(str("long"), long, str("wide"), wide, str("nested"), flow(seq(long, wide, flow(seq(wide)))))))},
		{"", mapping(str("sequences"), seq(mapping(str("ref"), commented, str("list"), seq(commented, commentedList, str("after"))), commentedList, emptyCommented))},
		{"", mapping(str("sequences"), seq(seq(seq(str("deep"), mapping(str("k"), seq(str("v")))))))},
		{"", mapping(str(strings.Repeat("long key ", 20)), str("v"), str("multi\nline key"), seq(str("x")), str("k\u2028"), flow(mapping(str("a\nb"), str("c"), str(strings.Repeat("kk ", 50)), str("d"))))},
	}
	for _, tr := range trees {
		if !same(t, tr.header, tr.root) {
			t.Errorf("tree not handled: %#v", tr.root)
		}
	}
}

// TestFallsBack: trees with what the writer does not handle are left to
// yaml.v3.
func TestFallsBack(t *testing.T) {
	anchored := str("x")
	anchored.Anchor = "a"
	head := str("x")
	head.HeadComment = "h"
	lineOnScalar := str("x")
	lineOnScalar.LineComment = "l"
	lineOnBlock := mapping(str("a"), str("b"))
	lineOnBlock.LineComment = "l"
	inner := flow(mapping(str("a"), str("b")))
	inner.LineComment = "inner"
	folded := styled("a\nb", yaml.FoldedStyle)
	for name, n := range map[string]*yaml.Node{
		"anchor":                 anchored,
		"head comment":           head,
		"line comment on scalar": lineOnScalar,
		"line comment on block":  lineOnBlock,
		"comment inside flow":    flow(seq(inner)),
		"folded":                 folded,
		"int that is not":        {Kind: yaml.ScalarNode, Tag: "!!int", Value: "x"},
		"float":                  {Kind: yaml.ScalarNode, Tag: "!!float", Value: "1.5"},
		"custom tag":             {Kind: yaml.ScalarNode, Tag: "!x", Value: "1"},
		"invalid utf-8":          str("a\xffb"),
		"collection key":         mapping(seq(), str("v")),
		"odd mapping":            {Kind: yaml.MappingNode, Content: []*yaml.Node{str("k")}},
		"nil child":              seq(nil),
		"alias":                  {Kind: yaml.AliasNode, Alias: str("x")},
		"tagged style":           {Kind: yaml.ScalarNode, Tag: "!!str", Value: "x", Style: yaml.TaggedStyle},
	} {
		if _, ok := Document("", mapping(str("k"), seq(n))); ok {
			t.Errorf("%s: written, want a fallback", name)
		}
	}
	if _, ok := Document("bad \xff header", mapping()); ok {
		t.Error("invalid UTF-8 header: written, want a fallback")
	}
}
