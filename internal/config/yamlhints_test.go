package config

import (
	"strings"
	"testing"
)

// The hints for YAML habits from elsewhere, on the diagnostics Parse gives.
func TestYAMLHints(t *testing.T) {
	cases := []struct {
		name, yaml, hint string
	}{
		{"tab indentation", "sequences:\n\t- name: x\n", "line 2 is indented with a tab (column 1): indent with spaces"},
		{"tab after spaces", "sequences:\n  - name: x\n    steps:\n  \t  - name: y\n", "line 4 is indented with a tab (column 3)"},
		{"no for a boolean", seq("enabled: no"), "write false: YAML 1.2, which tsctl reads, takes no as text"},
		{"Yes for a boolean", seq("continueOnError: Yes"), "write true:"},
		{"off for a boolean", seq("continueOnError: off # later"), "write false:"},
		{"version 2.1", "packages:\n  - name: P\n    version: 2.1\n", `quote it: "2.1"; unquoted, YAML reads 2.1 as a number (and 2.10 as 2.1)`},
		{"number in a flow mapping", seq("runCommandLine: { commandLine: x, package: 7 }"), `quote it: "7"`},
		{"boolean for text", "packages:\n  - name: P\n    description: true\n", `quote it: "true"; unquoted, YAML reads true as a boolean`},
	}
	for _, tc := range cases {
		_, ds := Parse("c.yaml", []byte(tc.yaml))
		found := false
		var got []string
		for _, d := range ds {
			got = append(got, d.Error()+" | "+d.Hint)
			found = found || strings.Contains(d.Hint, tc.hint)
		}
		if !found {
			t.Errorf("%s: no hint %q in:\n%s", tc.name, tc.hint, strings.Join(got, "\n"))
		}
	}
	// Quoted values and text are left alone.
	for _, v := range []string{`"2.1"`, "v2.1", "'7'"} {
		if h := plainType(valueAt([]byte("    version: "+v), 14)); h != "" {
			t.Errorf("%s: read as %s, want text", v, h)
		}
	}
}

// seq is a configuration with one step holding line (and a command line
// unless line is the step's kind).
func seq(line string) string {
	s := "sequences:\n  - name: S\n    steps:\n      - name: A\n        " + line + "\n"
	if !strings.HasPrefix(line, "runCommandLine") {
		s += "        runCommandLine: x\n"
	}
	return s
}
