package diff

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/plan"
)

// Differences brings a and b to the site's normal form, in place (child
// describes child sequences; nil when none are needed), and lists, one line
// each, how b differs from a in what an author controls: global variables
// and steps. None means a site would hold the same sequence.
func Differences(a, b *model.Sequence, child func(string) (model.Child, bool)) []string {
	model.Normalize(a, child)
	model.Normalize(b, child)
	ca, cb := model.Comparable(a), model.Comparable(b)
	var out []string
	if !reflect.DeepEqual(ca.GlobalVars, cb.GlobalVars) {
		out = append(out, fmt.Sprintf("globalVarList: %v → %v", ca.GlobalVars, cb.GlobalVars))
	}
	for _, d := range Steps(ca.Steps, cb.Steps) {
		out = append(out, fmt.Sprintf("%s %q %+v", d.Action, d.Path, d.Changes))
	}
	return out
}

// Steps compares two normalised, comparable step trees and returns the
// added, removed and changed steps by path. Siblings are aligned by a
// longest common subsequence on (element, class, name), so inserting a step
// reports only that step.
func Steps(before, after []*model.Step) []plan.StepChange {
	var out []plan.StepChange
	diffList(before, after, "", &out)
	return out
}

type stepKey struct {
	kind model.StepKind
	typ  string
	name string
}

func keyOf(s *model.Step) stepKey { return stepKey{s.Kind, s.Type, s.Name} }

func stepType(s *model.Step) string {
	if s.Kind == model.KindGroup {
		return "group"
	}
	return s.Type
}

// paths names siblings by their names, adding [n] to repeated names.
func paths(prefix string, steps []*model.Step) []string {
	count := map[string]int{}
	for _, s := range steps {
		count[s.Name]++
	}
	seen := map[string]int{}
	out := make([]string, len(steps))
	for i, s := range steps {
		p := s.Name
		if count[s.Name] > 1 {
			seen[s.Name]++
			p += "[" + strconv.Itoa(seen[s.Name]) + "]"
		}
		if prefix != "" {
			p = prefix + "/" + p
		}
		out[i] = p
	}
	return out
}

func diffList(a, b []*model.Step, prefix string, out *[]plan.StepChange) {
	pa, pb := paths(prefix, a), paths(prefix, b)
	// LCS table on step keys.
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if keyOf(a[i]) == keyOf(b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && keyOf(a[i]) == keyOf(b[j]):
			if ch := stepChanges(a[i], b[j]); len(ch) > 0 {
				*out = append(*out, plan.StepChange{Path: pb[j], Action: plan.Update, Type: stepType(b[j]), Changes: ch})
			}
			diffList(a[i].Steps, b[j].Steps, pb[j], out)
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			*out = append(*out, plan.StepChange{Path: pb[j], Action: plan.Create, Type: stepType(b[j])})
			j++
		default:
			*out = append(*out, plan.StepChange{Path: pa[i], Action: plan.Delete, Type: stepType(a[i])})
			i++
		}
	}
}

func optStr(p *string) (string, bool) {
	if p == nil {
		return "", false
	}
	return *p, true
}

// Field records in out a difference between two optional values of a
// field; nothing when they are the same.
func Field(out *[]plan.Change, field string, before string, hasBefore bool, after string, hasAfter bool) {
	if hasBefore == hasAfter && before == after {
		return
	}
	*out = append(*out, plan.Change{Field: field, Before: before, After: after, HasBefore: hasBefore, HasAfter: hasAfter})
}

func stepChanges(a, b *model.Step) []plan.Change {
	var out []plan.Change
	Field(&out, "description", a.Description, true, b.Description, true)
	Field(&out, "enabled", strconv.FormatBool(!a.Disabled), true, strconv.FormatBool(!b.Disabled), true)
	Field(&out, "continueOnError", strconv.FormatBool(a.ContinueOnError), true, strconv.FormatBool(b.ContinueOnError), true)
	for _, f := range []struct {
		name string
		x, y *string
	}{{"runIn", a.RunIn, b.RunIn}, {"successCodeList", a.SuccessCodes, b.SuccessCodes}, {"retryCount", a.RetryCount, b.RetryCount},
		{"runFromNet", a.RunFromNet, b.RunFromNet}, {"timeout", a.Timeout, b.Timeout}, {"action", a.Action, b.Action}} {
		x, hx := optStr(f.x)
		y, hy := optStr(f.y)
		Field(&out, f.name, x, hx, y, hy)
	}
	ca, cb := model.ConditionString(a.Condition), model.ConditionString(b.Condition)
	Field(&out, "condition", ca, ca != "", cb, cb != "")
	Field(&out, "attributes", attrString(a.Extra), len(a.Extra) > 0, attrString(b.Extra), len(b.Extra) > 0)
	av, bv := map[string]model.Variable{}, map[string]model.Variable{}
	var props []string
	for _, v := range a.Vars {
		av[v.Property] = v
		props = append(props, v.Property)
	}
	for _, v := range b.Vars {
		if _, ok := av[v.Property]; !ok {
			props = append(props, v.Property)
		}
		bv[v.Property] = v
	}
	sort.Strings(props)
	cls := model.Lookup(b.Type)
	for _, p := range props {
		x, hx := av[p]
		y, hy := bv[p]
		n := len(out)
		Field(&out, p, x.Value, hx, y.Value, hy)
		if len(out) == n && hx && hy && (x.Name != y.Name || x.Hidden != y.Hidden) {
			out = append(out, plan.Change{Field: p + " (variable)", Before: varForm(x), After: varForm(y), HasBefore: true, HasAfter: true})
		}
		if len(out) > n && cls != nil {
			if pr := cls.Prop(p); pr != nil && pr.Secret {
				out[len(out)-1].Sensitive = true
			}
		}
	}
	return out
}

func varForm(v model.Variable) string {
	s := v.Name
	if v.Hidden {
		s += " hidden"
	}
	return s
}

func attrString(as []model.Attr) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, a.Name+"="+strconv.Quote(a.Value))
	}
	return strings.Join(parts, " ")
}
