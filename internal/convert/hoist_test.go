package convert

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
)

// hoistByWalkingAll is hoistFlowComments as it was before it passed over
// scalars with nothing to hoist: every node visited.
func hoistByWalkingAll(n *yaml.Node, inFlow bool) []string {
	var notes []string
	if inFlow {
		for _, c := range []*string{&n.LineComment, &n.HeadComment, &n.FootComment} {
			if *c != "" {
				notes = append(notes, strings.TrimPrefix(*c, "# "))
				*c = ""
			}
		}
	}
	flowHere := n.Style&yaml.FlowStyle != 0 && (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode)
	for _, c := range n.Content {
		notes = append(notes, hoistByWalkingAll(c, inFlow || flowHere)...)
	}
	if flowHere && !inFlow {
		if n.LineComment != "" {
			notes = append([]string{strings.TrimPrefix(n.LineComment, "# ")}, notes...)
		}
		n.LineComment = strings.Join(notes, "; ")
		return nil
	}
	return notes
}

// hoistedAlike fails t unless hoistFlowComments leaves root (a copy) as
// hoistByWalkingAll does.
func hoistedAlike(t *testing.T, root *yaml.Node) {
	t.Helper()
	got, want := copyNode(root), copyNode(root)
	gn, wn := hoistFlowComments(got, false), hoistByWalkingAll(want, false)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gn, wn) {
		t.Fatalf("hoisted differently:\n%s\nwalking every node:\n%s", marshalNode(t, got), marshalNode(t, want))
	}
}

// hoistFlowComments leaves every converted sequence of the real exports,
// and crafted trees with comments on scalars and collections in and out of
// flow collections, as visiting every node did.
func TestHoistPassesOverScalarsAlike(t *testing.T) {
	scalar := func(v, line, head, foot string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, LineComment: line, HeadComment: head, FootComment: foot}
	}
	inner := flow(mapping())
	inner.Content = append(inner.Content, scalar("id", "# key", "", ""), scalar("PS1", "", "# head", "# foot"))
	outer := flow(seq(inner, scalar("x", "# in flow", "", ""), seq(scalar("block in flow", "# deep", "", ""))))
	outer.LineComment = "# outer"
	block := mapping()
	block.Content = append(block.Content, scalar("a", "# block scalar", "# head", ""), outer, scalar("b", "", "", "# foot"), flow(mapping()))
	hoistedAlike(t, block)
	hoistedAlike(t, seq(block, scalar("top", "# top", "", "")))
	weird := scalar("with content", "", "", "")
	weird.Content = []*yaml.Node{scalar("child", "# child", "", "")}
	hoistedAlike(t, flow(seq(weird)))

	ex, err := exportfile.ReadFiles(realExportDirs(t))
	if err != nil {
		t.Fatal(err)
	}
	c := New(ExportNames{Ex: ex})
	for _, s := range ex.Sequences {
		root := mapping()
		add(root, "sequences", seq(c.Sequence(s)))
		hoistedAlike(t, root)
	}
}
