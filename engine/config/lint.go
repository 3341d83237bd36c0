package config

import (
	"strings"

	"github.com/tsctl/tsctl/engine/diag"
)

// Lint codes are stable: scripts and CI rules may match on them.
const (
	LintHighImpact     = "TS001" // a sequence that partitions disks or applies an OS changes
	LintDisabledStep   = "TS002" // a disabled step or group
	LintDuplicateNames = "TS003" // two steps of one group share a name
	LintUnnamedStep    = "TS004" // a step relies on the console's default name
	LintTooLarge       = "TS005" // the sequence XML is over the site's 2 MB limit (an error)
	LintDangling       = "TS006" // a child sequence tsctl does not manage references missing objects
)

// Lint reports risky or sloppy configuration as warnings with stable codes.
func Lint(c *Config) diag.List {
	var ds diag.List
	for _, s := range c.Sequences {
		lintSteps(s, s.Steps, &ds)
	}
	return ds
}

func lintSteps(s *Sequence, steps []*Step, ds *diag.List) {
	seen := map[string]bool{}
	for _, st := range steps {
		if !st.Enabled {
			ds.Warn(st.Pos, LintDisabledStep, "delete steps that are no longer needed; disabled steps are kept on the site",
				"sequence %q: step %q is disabled", s.Name, st.Name)
		}
		if st.Kind != "group" && st.Kind != "xml" && !st.Named {
			ds.Warn(st.Pos, LintUnnamedStep, "name steps after what they do; logs and plans show the name",
				"sequence %q: step has no name and is called %q", s.Name, st.Name)
		}
		key := strings.ToLower(st.Name)
		if seen[key] {
			ds.Warn(st.Pos, LintDuplicateNames, "give steps of one group distinct names so plans and logs can tell them apart",
				"sequence %q: two steps in one group are named %q", s.Name, st.Name)
		}
		seen[key] = true
		lintSteps(s, st.Steps, ds)
	}
}
