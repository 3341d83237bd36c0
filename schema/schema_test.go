package schema

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestEveryFieldDocumented walks the schema: every property carries a
// description, and every scalar property an example (editors show both).
func TestEveryFieldDocumented(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(JSON, &root); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(node map[string]any, path string)
	walk = func(node map[string]any, path string) {
		if props, ok := node["properties"].(map[string]any); ok {
			for k, v := range props {
				p := v.(map[string]any)
				n++
				if d, _ := p["description"].(string); d == "" {
					t.Errorf("%s.%s has no description", path, k)
				}
				switch p["type"] {
				case "string", "integer", "boolean":
					if _, ok := p["examples"]; !ok {
						t.Errorf("%s.%s has no example", path, k)
					}
				}
				walk(p, path+"."+k)
			}
		}
		if items, ok := node["items"].(map[string]any); ok {
			walk(items, path+"[]")
		}
		if defs, ok := node["$defs"].(map[string]any); ok {
			for k, v := range defs {
				walk(v.(map[string]any), "$defs."+k)
			}
		}
		if alts, ok := node["anyOf"].([]any); ok {
			for _, v := range alts {
				walk(v.(map[string]any), path)
			}
		}
	}
	walk(root, "")
	if n < 100 {
		t.Errorf("only %d properties found", n)
	}
}

func validate(t *testing.T, src string) string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return Validate("x.yaml", doc.Content[0]).Error()
}

func TestValidatePositions(t *testing.T) {
	got := validate(t, `sequences:
  - name: a
    steps:
      - runCommandLine: {commandLine: x, package: 3}
      - setVariable: {name: A, value: "1"}
        timeout: 0
      - setVariable: {name: A, value: "1", extra1: 1, extra2: 2}
`)
	for _, want := range []string{
		"x.yaml:4:51: sequences[0].steps[0].runCommandLine.package: expected string or object",
		"x.yaml:6:18: sequences[0].steps[1].timeout: ",
		`x.yaml:7:44: sequences[0].steps[2].setVariable: unknown property "extra1"`,
		`x.yaml:7:55: sequences[0].steps[2].setVariable: unknown property "extra2"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "doesn't validate") {
		t.Errorf("intermediate messages leaked:\n%s", got)
	}
}

func TestToValue(t *testing.T) {
	var doc yaml.Node
	_ = yaml.Unmarshal([]byte("a: 2024-01-01\nb: 12\nc: 1.5\nd: yes\ne: null\nf: [x]\n"), &doc)
	v, err := ToValue(&doc)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["a"] != "2024-01-01" || m["b"] != int64(12) || m["c"] != 1.5 || m["d"] != "yes" || m["e"] != nil || len(m["f"].([]any)) != 1 {
		t.Errorf("ToValue = %#v", m)
	}
	_ = yaml.Unmarshal([]byte("? [a]\n: b\n"), &doc)
	if _, err := ToValue(&doc); err == nil {
		t.Error("non-string key accepted")
	}
}

// TestParallelValidationPositions checks that a large document, validated
// a sequence at a time, reports the same positions.
func TestParallelValidationPositions(t *testing.T) {
	var b strings.Builder
	b.WriteString("sequences:\n")
	for i := 0; i < parallelFrom+5; i++ {
		b.WriteString("  - name: s\n    steps:\n      - runCommandLine: echo\n")
	}
	b.WriteString("  - name: bad\n    colour: red\n    steps:\n      - setVariable: {name: A}\nextra: 1\n")
	got := validate(t, b.String())
	line := 2 + 3*(parallelFrom+5)
	for _, want := range []string{
		fmt.Sprintf("x.yaml:%d:5: sequences[%d]: unknown property \"colour\"", line+1, parallelFrom+5),
		fmt.Sprintf("x.yaml:%d:22: sequences[%d].steps[0].setVariable: missing required property \"value\"", line+3, parallelFrom+5),
		fmt.Sprintf("x.yaml:%d:1: document: unknown property \"extra\"", line+4),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// A value that is one allowed value (a const, such as highRisk: accept)
// in another case is explained as an enum's is: values are case-sensitive.
func TestConstValueCase(t *testing.T) {
	got := validate(t, `deployments:
  - sequence: a
    collection: b
    highRisk: Accept
  - sequence: a
    collection: b
    highRisk: yes please
`)
	for _, want := range []string{
		`x.yaml:4:15: deployments[0].highRisk: "Accept" is not allowed: use "accept": values are case-sensitive`,
		`x.yaml:7:15: deployments[1].highRisk: "yes please" is not one of "accept"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}
