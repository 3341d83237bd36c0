package diff

import (
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/plan"
)

func step(name string, children ...*model.Step) *model.Step {
	s := &model.Step{Kind: model.KindStep, Type: "T", Name: name, Vars: []model.Variable{{Property: "P", Value: "1"}}}
	if children != nil {
		s.Kind, s.Type, s.Vars, s.Steps = model.KindGroup, "", nil, children
	}
	return s
}

func TestDiffSteps(t *testing.T) {
	before := []*model.Step{step("G", step("a"), step("b"), step("b")), step("c")}
	after := []*model.Step{step("G", step("new"), step("a"), step("b"), step("b")), step("c")}
	after[0].Steps[3].Vars[0].Value = "2"
	after[1].Disabled = true
	got := Steps(before, after)
	var lines []string
	for _, c := range got {
		l := c.Action.Symbol() + " " + c.Path
		for _, ch := range c.Changes {
			l += " " + ch.Field + ":" + ch.Before + ">" + ch.After
		}
		lines = append(lines, l)
	}
	want := "+ G/new|~ G/b[2] P:1>2|~ c enabled:true>false"
	if g := strings.Join(lines, "|"); g != want {
		t.Errorf("diff:\n got %s\nwant %s", g, want)
	}
	if d := Steps(before, before); len(d) != 0 {
		t.Errorf("identical trees differ: %+v", d)
	}
	removed := Steps(before, before[1:])
	if len(removed) != 1 || removed[0].Action != plan.Delete || removed[0].Path != "G" || removed[0].Type != "group" {
		t.Errorf("removal: %+v", removed)
	}
}

func TestDifferences(t *testing.T) {
	a := &model.Sequence{Version: "3.00", Steps: []*model.Step{step("One"), step("Two")}}
	if d := Differences(a.Clone(), a.Clone(), nil); len(d) != 0 {
		t.Errorf("a sequence differs from itself: %v", d)
	}
	b := a.Clone()
	b.Steps[1].Vars[0].Value = "2"
	b.GlobalVars = []model.Variable{{Name: "G", Value: "x"}}
	d := Differences(a.Clone(), b, nil)
	if len(d) != 2 || !strings.HasPrefix(d[0], "globalVarList: ") || !strings.Contains(d[1], `"Two"`) {
		t.Errorf("differences: %q", d)
	}
}
