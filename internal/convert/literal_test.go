package convert

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
)

// strByWriting is str as it was before literalReadsBack: the style decided
// by writing the literal block and reading it back, always.
func strByWriting(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
		if !readsBack(n) {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	return n
}

// checkLiteralReadsBack fails t when literalReadsBack says s reads back
// and writing it says otherwise, or when str's node is not the one
// strByWriting makes.
func checkLiteralReadsBack(t *testing.T, s string) (fast bool) {
	t.Helper()
	fast = literalReadsBack(s)
	if fast && strings.Contains(s, "\n") && !readsBack(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.LiteralStyle}) {
		t.Fatalf("literalReadsBack(%q) is true, but the literal block does not read back as it", s)
	}
	if got, want := str(s), strByWriting(s); got.Style != want.Style || got.Value != want.Value || got.Tag != want.Tag || got.Kind != want.Kind {
		t.Fatalf("str(%q) = style %v, writing it says %v", s, got.Style, want.Style)
	}
	return fast
}

// realMultilineStrings converts every real export (all at once) and
// returns every multi-line scalar of what it wrote: the texts str was
// given (names, descriptions, values, scripts, steps kept as XML).
func realMultilineStrings(t testing.TB) []string {
	t.Helper()
	ex, err := exportfile.ReadFiles(realExportDirs(t))
	if err != nil {
		t.Fatal(err)
	}
	c := New(ExportNames{Ex: ex})
	seen := map[string]bool{}
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "\n") && !seen[n.Value] {
			seen[n.Value] = true
			out = append(out, n.Value)
		}
		for _, ch := range n.Content {
			walk(ch)
		}
	}
	for _, s := range ex.Sequences {
		walk(c.Sequence(s))
	}
	return out
}

// literalSeeds are multi-line texts at the edges of what a literal block
// holds: leading and trailing spaces and line breaks, tabs, carriage
// returns, document markers, comments, indicators, characters YAML reads
// as line breaks or writes escaped.
var literalSeeds = []string{
	"a\nb", "a\n", "a\n\n", "a\n\n\n", "\na", "\n", "\n\n", " a\nb", "a \nb", "a\nb ", "a\n b", "a\n\n  b\n",
	"a\n \nb", "a\n\tb", "\ta\nb", "a\r\nb", "a\rb\n", "a\n---\nb", "a\n...\n", "---\na", "#a\nb", "a\n# b",
	"- a\n- b", "a: b\nc: d", "|\n>", "\"a\"\n'b'", "a\u0085b\n", "a\u2028b\n", "\ufeffa\nb", "a\nb\u00a0",
	"a\n\x00", "a\n\x7f", "a\n\xff", "é\nü", "a\n\U0001F600", "a\n\n \n", "%YAML\na", "a\n%b", "a\n@b", "a\n`b",
	"a\n  b\n c\nd", "*a\nb", "&a\nb", "!a\nb", "{a\nb}", "[a\nb]", "a\\nb\n", "a\n\\", "a\n\"",
}

// TestLiteralReadsBackOnRealExports holds literalReadsBack to readsBack
// (and str to deciding by writing) on every multi-line text the real
// exports convert to, and on crafted ones.
func TestLiteralReadsBackOnRealExports(t *testing.T) {
	for _, s := range literalSeeds {
		checkLiteralReadsBack(t, s)
	}
	real := realMultilineStrings(t)
	fast := 0
	for _, s := range real {
		if checkLiteralReadsBack(t, s) {
			fast++
		}
	}
	t.Logf("%d of %d multi-line texts of the real exports decided without writing them", fast, len(real))
	if fast == 0 {
		t.Fatalf("no multi-line text of the real exports was decided without writing it")
	}
}

// FuzzLiteralReadsBack holds literalReadsBack to readsBack on any text:
// true only when the literal block reads back as the text, and str's node
// the one deciding by writing makes.
func FuzzLiteralReadsBack(f *testing.F) {
	for _, s := range literalSeeds {
		f.Add(s)
	}
	if dirs := realExportDirsOrNone(); len(dirs) > 0 {
		for _, s := range realMultilineStrings(f) {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkLiteralReadsBack(t, s)
	})
}
