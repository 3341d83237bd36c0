package config

import (
	"strings"
	"testing"
)

// TestSyntaxErrorPositions: a YAML syntax error is reported at the line
// and column of the problem (or of the construct left open), never at 1:1
// or the line of an enclosing construct when the problem is further down.
func TestSyntaxErrorPositions(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"unclosed flow sequence", "sequences:\n  - name: A\n    steps: [\n      {runCommandLine: a},\n  - name: B\n",
			"5:3: invalid YAML: did not find expected node content"},
		{"unclosed quote", "sequences:\n  - name: A\n    steps:\n      - name: y\n        runCommandLine: \"abc\n      - name: z\n",
			"5:25: invalid YAML: found unexpected end of the file while scanning a quoted scalar that starts here"},
		{"key indented too little", "sequences:\n  - name: A\n    steps: []\n   description: x\n",
			"4:4: invalid YAML: did not find expected '-' indicator (while parsing a block collection that starts at 2:3)"},
		{"item where a key belongs", "sequences:\n  - name: A\n    steps:\n      - runCommandLine: a\n    - b\n",
			"5:5: invalid YAML: did not find expected key (while parsing a block mapping that starts at 2:5)"},
		{"value with a colon", "sequences:\n  - name: A\n    steps:\n      - runCommandLine: echo a: b\n",
			"4:31: invalid YAML: mapping values are not allowed in this context"},
		{"tab indentation", "sequences:\n  - name: A\n\tsteps: []\n",
			"3:1: invalid YAML: found a tab character that violates indentation (while scanning a plain scalar that starts at 2:11)"},
		{"reserved character", "sequences:\n  - name: A\n    description: @home\n",
			"3:18: invalid YAML: found character that cannot start any token"},
		{"unknown alias", "sequences:\n  - name: A\n    description: *nope\n",
			"3:18: invalid YAML: unknown anchor 'nope' referenced"},
		{"unknown escape", "sequences:\n  - name: A\n    description: \"a\\qb\"\n",
			"3:20: invalid YAML: found unknown escape character (while scanning a quoted scalar that starts at 3:18)"},
		{"control character", "sequences:\n  - name: A\n    description: x\x01y\n",
			"3:19: invalid YAML: control character U+0001 is not allowed"},
		{"not UTF-8", "sequences:\n  - name: A\n  - name: B\xff\n",
			"3:12: invalid YAML: byte 0xFF is not UTF-8 text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ds := Parse("f.yaml", []byte(c.yaml))
			if len(ds) != 1 || ds[0].Error() != "f.yaml:"+c.want {
				t.Errorf("got %v\nwant f.yaml:%s", ds, c.want)
			}
			if strings.Contains(ds.Error(), "f.yaml:1:1:") {
				t.Errorf("reported at 1:1: %v", ds)
			}
		})
	}
}
