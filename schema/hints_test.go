package schema

import (
	"testing"

	"gopkg.in/yaml.v3"
)

func TestUnknownPropertyHints(t *testing.T) {
	cases := []struct{ doc, msg, hint string }{
		{"sequences:\n  - name: A\n    descripton: x\n    steps: []\n",
			`sequences[0]: unknown property "descripton"`, `did you mean "description"?`},
		{"sequences:\n  - name: A\n    steps:\n      - name: S\n        runCommandLine: { commandLine: x, retryCount: 2 }\n",
			`sequences[0].steps[0].runCommandLine: unknown property "retryCount"`, "retryCount is a property of the step, not of runCommandLine: write it beside name:"},
		{"sequences:\n  - name: A\n    steps:\n      - name: S\n        value: b\n        setVariable: { name: A }\n",
			`sequences[0].steps[0]: unknown property "value"`, "value belongs inside setVariable: write setVariable: { value: ... }"},
		{"sequences:\n  - name: A\n    steps:\n      - name: S\n        image: Windows\n",
			`sequences[0].steps[0]: unknown property "image"`, "image belongs inside a step kind (applyDataImage, applyOperatingSystem), e.g. applyDataImage: { image: ... }"},
		{"packages:\n  - name: P\n    programs: [{ name: Run, comandLine: x }]\n",
			`packages[0].programs[0]: unknown property "comandLine"`, `did you mean "commandLine"?`},
		{"sequences:\n  - name: A\n    zzz: 1\n    steps: []\n",
			`sequences[0]: unknown property "zzz"`, ""},
	}
	for _, tc := range cases {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tc.doc), &n); err != nil {
			t.Fatal(err)
		}
		ds := Validate("t.yaml", n.Content[0])
		found := false
		for _, d := range ds {
			if d.Msg == tc.msg {
				found = true
				if d.Hint != tc.hint {
					t.Errorf("%s:\n hint %q\n want %q", tc.msg, d.Hint, tc.hint)
				}
			}
		}
		if !found {
			t.Errorf("no diagnostic %q in %v", tc.msg, ds)
		}
	}
}
