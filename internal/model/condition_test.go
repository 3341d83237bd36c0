package model

import (
	"reflect"
	"testing"
)

// Every condition a real sequence holds reads into terms that write back
// exactly the elements read, and the typed reading covers what consoles
// write (operators, expressions, OS groups) rather than leaving it raw.
func TestConditionTermsRoundTrip(t *testing.T) {
	typed, raw := 0, 0
	var count func(ts []Term)
	count = func(ts []Term) {
		for _, x := range ts {
			switch x := x.(type) {
			case *Raw:
				raw++
			case *Operator:
				typed++
				count(x.Terms)
			case *OSGroup:
				typed++
				for _, g := range x.Groups {
					count(g.Terms)
				}
			default:
				typed++
			}
		}
	}
	for name, doc := range corpusSequences(t) {
		q := mustParse(t, doc)
		q.Walk(func(path string, s *Step) bool {
			if s.Condition == nil {
				return true
			}
			terms := ReadTerms(s.Condition)
			if got := TermElems(terms); !reflect.DeepEqual(got, s.Condition.Children) {
				t.Errorf("%s: %s: condition terms do not write back what was read", name, path)
			}
			count(terms)
			return true
		})
	}
	if typed == 0 || raw > typed/10 {
		t.Errorf("%d condition terms read typed, %d raw", typed, raw)
	}
}

// Elements no console writes stay raw and come back as written.
func TestConditionTermsKeepTheUnusual(t *testing.T) {
	for _, doc := range []string{
		`<operator type="and" extra="1"><expression type="X"/></operator>`,
		`<expression type="SMS_TaskSequence_FileConditionExpression"><variable name="Path" hidden="true">C:\x</variable></expression>`,
		`<osConditionGroup type="and"><osExpressionGroup type="and" name="W"><platformKey arch="x64"/></osExpressionGroup></osConditionGroup>`,
		`<something a="b"><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Variable">V</variable></expression></something>`,
	} {
		e, err := ParseElem([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		term := ReadTerm(e)
		if _, ok := term.(*Raw); !ok {
			t.Errorf("%s read as %T, want raw", doc, term)
		}
		if !reflect.DeepEqual(term.Elem(), e) {
			t.Errorf("%s does not write back", doc)
		}
	}
}

// A condition on one line, as plans show it, with operators no console
// writes shown by their type.
func TestConditionStringNested(t *testing.T) {
	e, err := ParseElem([]byte(`<condition><expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Variable">_SMSTSBootUEFI</variable><variable name="Operator">equals</variable><variable name="Value">true</variable></expression>` +
		`<operator type="or"><expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Namespace">root\cimv2</variable><variable name="Query">SELECT * FROM Win32_Battery</variable></expression>` +
		`<operator type="not" x="1"><expression type="SMS_TaskSequence_FolderConditionExpression"><variable name="Path">C:\x</variable></expression></operator></operator></condition>`))
	if err != nil {
		t.Fatal(err)
	}
	want := `_SMSTSBootUEFI equals "true" and any(wmi(Namespace="root\\cimv2", Query="SELECT * FROM Win32_Battery"), none(folder(Path="C:\\x")))`
	if got := ConditionString(e); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestConditionString(t *testing.T) {
	q, err := Parse([]byte(`<sequence><group name="g" description=""><condition>
<expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">equals</variable><variable name="Value">true</variable><variable name="Variable">X</variable></expression>
<operator type="or"><expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Namespace">root\cimv2</variable><variable name="Query">SELECT 1</variable></expression>
<expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Operator">notExists</variable><variable name="Variable">Y</variable></expression></operator>
</condition></group></sequence>`))
	if err != nil {
		t.Fatal(err)
	}
	got := ConditionString(q.Steps[0].Condition)
	want := `X equals "true" and any(wmi(Namespace="root\\cimv2", Query="SELECT 1"), Y notExists)`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
