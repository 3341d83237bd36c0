package config

import (
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/model"
)

// Each typed condition form builds the expression the console writes, and
// reads back from it into the same keys.
func TestConditionFormsRoundTrip(t *testing.T) {
	for _, c := range []struct{ yaml, xml string }{
		{`variable: {name: OSDImageIndex, greaterEqual: "2"}`,
			`<expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Variable">OSDImageIndex</variable><variable name="Operator">greaterEqual</variable><variable name="Value">2</variable></expression>`},
		{`variable: {name: X, notExists: true}`,
			`<expression type="SMS_TaskSequence_VariableConditionExpression"><variable name="Variable">X</variable><variable name="Operator">notExists</variable></expression>`},
		{`wmi: {query: SELECT * FROM Win32_Battery, ignoreQueryFailure: true}`,
			`<expression type="SMS_TaskSequence_WMIConditionExpression" ignoreQueryFailure="true"><variable name="Namespace">root\cimv2</variable><variable name="Query">SELECT * FROM Win32_Battery</variable></expression>`},
		{`wmi: {query: q, namespace: root\wmi}`,
			`<expression type="SMS_TaskSequence_WMIConditionExpression"><variable name="Namespace">root\wmi</variable><variable name="Query">q</variable></expression>`},
		{`file: {path: C:\x.txt, version: "1.0", versionOperator: greater}`,
			`<expression type="SMS_TaskSequence_FileConditionExpression"><variable name="Path">C:\x.txt</variable><variable name="Version">1.0</variable><variable name="VersionOperator">greater</variable></expression>`},
		{`registry: {key: HKLM\SOFTWARE\X, value: V, operator: notExists, type: REG_SZ}`,
			`<expression type="SMS_TaskSequence_RegistryConditionExpression"><variable name="KeyPath">HKLM\SOFTWARE\X</variable><variable name="Value">V</variable><variable name="Type">REG_SZ</variable><variable name="Operator">nonExists</variable></expression>`},
		{`software: {productCode: "{1}", anyVersion: true}`,
			`<expression type="SMS_TaskSequence_SoftwareConditionExpression"><variable name="ProductCode">{1}</variable><variable name="Operator">AnyVersion</variable></expression>`},
		{`software: {productName: P}`,
			`<expression type="SMS_TaskSequence_SoftwareConditionExpression"><variable name="ProductName">P</variable><variable name="Operator">ThisVersion</variable></expression>`},
		{`makeModel: {make: Dell, model: "7420"}`,
			`<expression type="SMS_TaskSequence_MakeModelConditionExpression"><variable name="Make">Dell</variable><variable name="Model">7420</variable></expression>`},
		{`computer: {macAddress: "00:11"}`,
			`<expression type="SMS_TaskSequence_ComputerConditionExpression"><variable name="MACAddress">00:11</variable></expression>`},
	} {
		var y yaml.Node
		if err := yaml.Unmarshal([]byte(c.yaml), &y); err != nil {
			t.Fatal(err)
		}
		n := NodeOf(y.Content[0])
		term, err := ConditionTerm(n)
		if err != nil {
			t.Fatalf("%s: %v", c.yaml, err)
		}
		want, err := model.ParseElem([]byte(c.xml))
		if err != nil {
			t.Fatal(err)
		}
		if got := term.Elem(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s builds\n%s\nwant\n%s", c.yaml, model.MarshalElem(got), c.xml)
			continue
		}
		x := model.ReadTerm(want).(*model.Expression)
		form := ConditionFormOf(x)
		values, ok := form.Values(x)
		if !ok {
			t.Errorf("%s: the form does not read its own expression back", c.yaml)
			continue
		}
		body := n.Content[1]
		if len(values) != len(body.Content)/2 {
			t.Errorf("%s reads back as %v", c.yaml, values)
			continue
		}
		for i, v := range values {
			if k, val := body.Content[2*i].Value, body.Content[2*i+1].Value; v.Key != k || v.Value != val {
				t.Errorf("%s: key %d reads back as %s: %s", c.yaml, i, v.Key, v.Value)
			}
		}
	}
}
