package model

import (
	"reflect"
	"slices"
	"testing"
)

// layoutAsBefore is the layout readStep recorded before it gathered the
// children's names in a buffer of its own: every child's name but a
// group's steps' and unknown elements' (ElemStep, ElemExtra), an element
// named as a known one but not read as it (a second <action>) as unknown;
// kept only when it is not the usual one, and then not nil even when empty.
func layoutAsBefore(e *Elem, s *Step) []string {
	layout := []string{}
	seen := map[string]bool{}
	for _, c := range e.Children {
		switch {
		case c.Name == ElemCondition && !seen[c.Name]:
		case s.Kind != KindGroup && c.Name == ElemAction && !seen[c.Name]:
		case s.Kind != KindGroup && c.Name == ElemDefaultVarList && !seen[c.Name]:
		case s.Kind == KindGroup && (c.Name == "group" || c.Name == "step" || c.Name == "subtasksequence"):
			layout = append(layout, ElemStep)
			continue
		default:
			layout = append(layout, ElemExtra)
			continue
		}
		seen[c.Name] = true
		layout = append(layout, c.Name)
	}
	if slices.Equal(layout, s.UsualLayout()) {
		return nil
	}
	return layout
}

// readStep's Layout is what it was before: for every step of the
// fixture, the real exports and crafted steps of every order, missing
// and repeated child.
func TestLayoutAsBefore(t *testing.T) {
	docs := map[string][]byte{"small.xml": readFile(t, "testdata/small.xml")}
	for name, data := range corpusSequences(t) {
		docs[name] = data
	}
	docs["crafted"] = []byte(`<sequence>
<step type="X" name="none"/>
<step type="X" name="vars only"><defaultVarList/></step>
<step type="X" name="action only"><action>a</action></step>
<step type="X" name="usual"><action>a</action><defaultVarList/></step>
<step type="X" name="reversed"><defaultVarList/><action>a</action></step>
<step type="X" name="twice"><action>a</action><action>b</action><defaultVarList/><defaultVarList/></step>
<step type="X" name="conditions"><condition/><action>a</action><condition/><defaultVarList/><x/></step>
<step type="X" name="late condition"><action>a</action><defaultVarList/><condition/></step>
<group name="empty"/>
<group name="g"><condition/><step type="X" name="s"><action>a</action><defaultVarList/></step><x/><action>a</action><group name="h"/></group>
<group name="g2"><step type="X" name="s"/><condition/><condition/></group>
<subtasksequence type="Y" name="sub"><action>a</action><defaultVarList/></subtasksequence>
<step type="X" name="many"><a1/><a2/><a3/><a4/><a5/><a6/><a7/><a8/><a9/><a10/><action>a</action><defaultVarList/></step>
</sequence>`)
	n := 0
	for name, data := range docs {
		root, err := scan(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var walk func(e *Elem)
		walk = func(e *Elem) {
			for _, c := range e.Children {
				if c.Name != "step" && c.Name != "group" && c.Name != "subtasksequence" {
					continue
				}
				s, err := readStep(c)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if want := layoutAsBefore(c, s); !reflect.DeepEqual(s.Layout, want) {
					t.Errorf("%s: <%s name=%q>: layout %#v, before %#v", name, c.Name, s.Name, s.Layout, want)
				}
				n++
				walk(c)
			}
		}
		walk(root)
	}
	if n < 20 {
		t.Fatalf("only %d steps compared", n)
	}
}
