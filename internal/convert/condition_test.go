package convert

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
)

// conditionsOf returns the condition of every step and group of seqs.
func conditionsOf(t *testing.T, seqs []*exportfile.Sequence) []*model.Elem {
	t.Helper()
	var out []*model.Elem
	for _, s := range seqs {
		if err := s.Loaded(); err != nil {
			t.Fatal(err)
		}
		s.Sequence.Walk(func(_ string, st *model.Step) bool {
			if st.Condition != nil {
				out = append(out, st.Condition)
			}
			return true
		})
	}
	return out
}

// Converter.condition answers what conditionNode does, the first time and
// from memory, each time with nodes of its own: on every condition of the
// real exports and of a workload, each met three times.
func TestConditionIsConditionNode(t *testing.T) {
	var conds []*model.Elem
	if dirs := realExportDirsOrNone(); len(dirs) > 0 {
		ex, err := exportfile.ReadFiles(dirs)
		if err != nil {
			t.Fatal(err)
		}
		conds = append(conds, conditionsOf(t, ex.Sequences)...)
	} else {
		t.Log("no real exports: the workload's conditions only")
	}
	conds = append(conds, conditionsOf(t, workloadExport(t, 6, 30).Sequences)...)
	c := New(nil)
	for round := range 3 {
		for _, e := range conds {
			want := conditionNode(model.ReadTerms(e))
			got := c.condition(e)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d: condition %s:\n%s\nconditionNode:\n%s", round, model.MarshalElem(e), marshalNode(t, got), marshalNode(t, want))
			}
			spoil(got) // an answer changed afterwards changes no later answer
		}
	}
	if len(c.conditions) == 0 || len(c.conditions) == len(conds) {
		t.Errorf("%d conditions remembered of %d: want some met twice", len(c.conditions), len(conds))
	}
	t.Logf("%d conditions, %d remembered", len(conds), len(c.conditions))
}

func spoil(n *yaml.Node) {
	n.Value, n.Tag = "spoiled", "!!spoiled"
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "spoiled"})
	for _, ch := range n.Content[:len(n.Content)-1] {
		spoil(ch)
	}
}

func marshalNode(t *testing.T, n *yaml.Node) string {
	b, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
