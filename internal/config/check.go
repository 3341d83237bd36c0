package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/cores"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

// At returns the position of key inside the step's body (or the body itself).
func (s *Step) At(key string) diag.Pos {
	n := s.Body()
	if key != "" {
		if f := Lookup(n, key); f != nil {
			n = f
		}
	}
	return n.Pos(s.File)
}

// DecodeBody decodes the kind-specific body into out and fixes the file of
// any secret positions.
func (s *Step) DecodeBody(out any) error {
	if err := s.Body().Decode(out); err != nil {
		return fmt.Errorf("%s: %w", s.Pos, err)
	}
	return nil
}

// SecretDir is the folder relative secret files are read from.
func (s *Step) SecretDir() string { return filepath.Dir(s.File) }

// check runs the semantic rules over the merged configuration.
func (c *Config) check() diag.List {
	var ds diag.List
	seen := map[objectKey]diag.Pos{}
	dup := func(kind object.Kind, name string, p diag.Pos) {
		k := objectKey{kind, strings.ToLower(name)}
		if prev, ok := seen[k]; ok {
			ds.AddHint(p, "names are unique per kind; rename one of them", "%s %q is declared twice (first at %s)", kind, name, prev)
			return
		}
		seen[k] = p
	}
	pkgs := map[objectKey]*Package{}
	for _, p := range c.Packages {
		dup(p.Type, p.Name, p.Pos)
		pkgs[objectKey{p.Type, strings.ToLower(p.Name)}] = p
		if p.Type != object.Package && len(p.Programs) > 0 {
			ds.Add(p.Pos, "%s %q: only a package of type package has programs", p.Type, p.Name)
		}
		progs := map[string]bool{}
		for _, pr := range p.Programs {
			if progs[strings.ToLower(pr.Name)] {
				ds.Add(p.Pos, "package %q: program %q is declared twice", p.Name, pr.Name)
			}
			progs[strings.ToLower(pr.Name)] = true
		}
	}
	seqs := map[string]*Sequence{}
	absent := map[objectKey]bool{}
	for _, p := range c.Packages {
		if p.Absent {
			absent[objectKey{p.Type, strings.ToLower(p.Name)}] = true
			if len(p.Programs) > 0 || p.SourcePath != "" || p.Description != "" || p.Folder != "" || p.Distribute != nil {
				ds.Add(p.Pos, "%s %q is absent: it takes no other properties", p.Type, p.Name)
			}
		}
		checkDistribution(fmt.Sprintf("%s %q", p.Type, p.Name), p.Distribute, p.DistributePos, &ds)
	}
	declared := func(name string, t object.Kind) *Package { return pkgs[objectKey{t, strings.ToLower(name)}] }
	wrongType := func(name string, want object.Kind, p diag.Pos, ds *diag.List) {
		for _, t := range []object.Kind{object.Package, object.OSImage, object.OSUpgradePackage, object.DriverPackage} {
			if t != want && declared(name, t) != nil && declared(name, want) == nil {
				ds.AddHint(p, fmt.Sprintf("declare it with `type: %s`", want), "%q is declared as a %s, but this needs a %s", name, t, want)
			}
		}
	}
	// Each sequence's steps are checked on every core (a sequence's checks
	// read only it and the packages); what they report is merged in the
	// order of the sequences, with the checks across sequences.
	type checked struct {
		pre, post diag.List // before and after its name is checked against the others
		runs      []childRun
	}
	per := make([]checked, len(c.Sequences))
	cores.Each(len(c.Sequences), func(i int) {
		c.checkSequence(c.Sequences[i], &per[i].pre, &per[i].post, &per[i].runs, declared, wrongType)
	})
	runs := map[*Sequence][]childRun{}
	for i, s := range c.Sequences {
		ds = append(ds, per[i].pre...)
		dup(object.Sequence, s.Name, s.Pos)
		seqs[strings.ToLower(s.Name)] = s
		if s.Absent {
			absent[objectKey{object.Sequence, strings.ToLower(s.Name)}] = true
		}
		ds = append(ds, per[i].post...)
		if len(per[i].runs) > 0 {
			runs[s] = per[i].runs
		}
	}
	for _, s := range c.Sequences {
		checkDistribution(fmt.Sprintf("sequence %q", s.Name), s.Distribute, s.DistributePos, &ds)
		if s.Absent && (s.Folder != "" || s.Distribute != nil) {
			ds.Add(s.Pos, "sequence %q is absent: it takes no folder or distribution", s.Name)
		}
	}
	c.checkDeployments(seqs, &ds)
	c.absent = absent
	ds = append(ds, c.checkCycles(seqs, runs)...)
	return ds
}

// checkSequence checks one sequence and its steps: what pre reports comes
// before the check of its name against the others, post after it; runs
// are its Run Task Sequence steps.
func (c *Config) checkSequence(s *Sequence, pre, post *diag.List, runs *[]childRun, declared func(string, object.Kind) *Package, wrongType func(string, object.Kind, diag.Pos, *diag.List)) {
	steps := s.Steps() // thawed once for every check of the sequence
	for _, a := range s.Attributes {
		if a.Name == "version" {
			pre.AddHint(a.Pos, "leave it out: the site writes the version it stores", "attributes: version is not an attribute to set")
		}
	}
	checkLintIgnores(s.Lint, pre)
	ds := post
	switch {
	case s.Absent:
		if len(steps) > 0 {
			ds.Add(s.Pos, "sequence %q is absent: it takes no steps", s.Name)
		}
	case !s.HasSteps:
		ds.AddHint(s.Pos, "add steps: [] for an empty sequence, or absent: true to delete it", "sequence %q has no steps", s.Name)
	}
	Walk(steps, func(st *Step) {
		checkLintIgnores(st.Lint, ds)
		if st.Kind == "" {
			return
		}
		if st.Kind == "runTaskSequence" {
			*runs = append(*runs, childRun{st.ChildName(), st.At("")})
		}
		if st.Kind == "xml" {
			if st.Name != "" {
				ds.Add(st.Pos, "a step given as xml takes its name from the XML")
			}
			checkXMLStep(st, ds)
		}
		checkElement(st, ds)
		checkInlineSecrets(st, ds)
		c.checkStep(st, ds, declared, wrongType)
	})
	checkDepth(s, steps, ds)
}

// childRun is a Run Task Sequence step: the child it names ("" for one
// given by {id}) and where.
type childRun struct {
	child string
	at    diag.Pos
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkEnvName refuses a secret's environment variable name that a shell
// cannot export or a CI system cannot hold: letters, digits and _, not
// starting with a digit. The common mistake is writing how a shell reads
// the variable ($NAME, ${NAME}, %NAME%) instead of its name.
func checkEnvName(sec Secret, ds *diag.List) {
	name := sec.Env
	if envNameRE.MatchString(name) {
		return
	}
	bare := strings.TrimSpace(name)
	switch {
	case strings.HasPrefix(bare, "${") && strings.HasSuffix(bare, "}"):
		bare = bare[2 : len(bare)-1]
	case strings.HasPrefix(bare, "$"):
		bare = bare[1:]
	case strings.HasPrefix(bare, "%") && strings.HasSuffix(bare, "%") && len(bare) > 1:
		bare = bare[1 : len(bare)-1]
	case strings.HasPrefix(bare, "env:"):
		bare = strings.TrimSpace(bare[4:])
	}
	hint := "a name is letters, digits and _, not starting with a digit, e.g. {env: JOIN_PASSWORD}"
	if bare != name && envNameRE.MatchString(bare) {
		hint = fmt.Sprintf("write the variable's name alone: {env: %s}", bare)
	} else if fixed := envNameFix.Replace(bare); envNameRE.MatchString(fixed) {
		hint = fmt.Sprintf("rename the variable, e.g. {env: %s}: %s", fixed, hint)
	}
	ds.AddHint(sec.Pos, hint, "secret: %q is not a valid environment variable name", name)
}

var envNameFix = strings.NewReplacer("-", "_", ".", "_", " ", "_")

func (c *Config) checkStep(st *Step, ds *diag.List, declared func(string, object.Kind) *Package, wrongType func(string, object.Kind, diag.Pos, *diag.List)) {
	bad := func(key, format string, args ...any) { ds.Add(st.At(key), format, args...) }
	body := st.Body()
	for _, sec := range stepSecrets(st, body) {
		if sec.Env != "" {
			checkEnvName(sec, ds)
		}
	}
	get := func(n *Node, key string) (string, bool) {
		if v := Lookup(n, key); v != nil {
			return v.Value, true
		}
		return "", false
	}
	has := func(key string) bool { _, ok := get(body, key); return ok }
	str := func(key string) string { v, _ := get(body, key); return v }
	// name returns a reference given by name ("" when absent or given by {id}).
	name := func(n *Node, key string) string {
		if v := Lookup(n, key); v != nil && v.Kind == yaml.ScalarNode {
			return v.Value
		}
		return ""
	}
	switch st.Kind {
	case "runCommandLine":
		if p := name(body, "package"); p != "" {
			wrongType(p, object.Package, st.At("package"), ds)
		}
	case "runPowerShellScript":
		if has("script") && has("scriptBase64") {
			bad("script", "runPowerShellScript: give script or scriptBase64, not both (both set SourceScript)")
		}
	case "installPackage":
		pkgName := name(body, "package")
		if pkgName != "" {
			wrongType(pkgName, object.Package, st.At("package"), ds)
			if p := declared(pkgName, object.Package); p != nil && has("program") {
				prog := str("program")
				found := false
				var names []string
				for _, pr := range p.Programs {
					names = append(names, pr.Name)
					if strings.EqualFold(pr.Name, prog) {
						found = true
					}
				}
				if !found {
					ds.AddHint(st.At("program"), "programs of "+p.Name+": "+orNone(names), "package %q has no program %q", pkgName, prog)
				}
			}
		}
	case "applyOperatingSystem":
		if n := name(body, "image"); n != "" {
			wrongType(n, object.OSImage, st.At("image"), ds)
		}
		if n := name(body, "osUpgradePackage"); n != "" {
			wrongType(n, object.OSUpgradePackage, st.At("osUpgradePackage"), ds)
		}
		if a := Lookup(body, "answerFile"); a != nil {
			if n := name(a, "package"); n != "" {
				wrongType(n, object.Package, st.At("answerFile"), ds)
			}
		}
	case "applyDriverPackage":
		if n := name(body, "package"); n != "" {
			wrongType(n, object.DriverPackage, st.At("package"), ds)
		}
	}
}

// checkElement checks what a step says about its XML element directly:
// attributes: and layout:.
func checkElement(st *Step, ds *diag.List) {
	for _, a := range st.Attributes {
		switch a.Name {
		case "type", "name", "description":
			ds.AddHint(a.Pos, "use the step's own "+a.Name+" (or the action form's type)", "attributes: %s is not an attribute to set here", a.Name)
		case "disable":
			if !st.Enabled && (a.Absent || !strings.EqualFold(a.Value, "true")) {
				ds.AddHint(a.Pos, "keep one of them", "attributes: disable contradicts enabled: false")
			}
			if st.Enabled && !a.Absent && strings.EqualFold(a.Value, "true") {
				ds.AddHint(a.Pos, "write enabled: false beside it", "attributes: disable disables the step, which enabled: does not say")
			}
		case "continueOnError":
			if st.ContinueOnError && (a.Absent || !strings.EqualFold(a.Value, "true")) {
				ds.AddHint(a.Pos, "keep one of them", "attributes: continueOnError contradicts continueOnError: true")
			}
			if !st.ContinueOnError && !a.Absent && strings.EqualFold(a.Value, "true") {
				ds.AddHint(a.Pos, "write continueOnError: true beside it", "attributes: continueOnError sets continue on error, which continueOnError: does not say")
			}
		default:
			// an attribute an option beside it writes: the same value or
			// none, or the file says two things and the site stores one
			if option, v, ok := st.optionAttribute(a.Name); ok && (a.Absent || a.Value != v) {
				ds.AddHint(a.Pos, "keep one of them", "attributes: %s contradicts %s: %s", a.Name, option, v)
			}
		}
	}
	if len(st.Properties) > 0 && (st.Kind == "group" || st.Kind == "action" || st.Kind == "xml") {
		ds.AddHint(st.Properties[0].Pos, "the action form lists its variables itself", "properties: goes with a typed step kind, not %s", st.Kind)
	}
	if st.Layout == nil {
		return
	}
	if st.Kind == "group" {
		ds.Add(st.Pos, "a group has no layout: its condition comes first, then its steps")
		return
	}
	seen := map[string]bool{}
	for _, el := range st.Layout {
		if seen[el] {
			ds.Add(st.Pos, "layout names %s twice", el)
		}
		seen[el] = true
	}
}

const secretSources = "{env: NAME} or {file: PATH}, read when tsctl applies, or {empty: true} for a blank value"

// checkInlineSecrets refuses the value of a secret written in the file
// itself, wherever a step can carry one besides its typed fields (which
// the schema checks): under properties:, among the action form's
// variables, and inside an xml step. A secret is only ever given by its
// source, so that it never sits in YAML and a blank one is declared.
func checkInlineSecrets(st *Step, ds *diag.List) {
	switch st.Kind {
	case "group", "":
	case "action":
		body := st.Body()
		t := Lookup(body, "type")
		if t == nil {
			return
		}
		cls := model.Lookup(t.Value)
		vars := Lookup(body, "variables")
		if cls == nil || vars == nil {
			return
		}
		check := func(prop string, val *Node) {
			if val == nil || val.Kind != yaml.ScalarNode {
				return // a secret's source
			}
			switch p := cls.Prop(prop); {
			case p == nil:
			case p.Secret:
				ds.AddHint(val.Pos(st.File), "write the value as "+secretSources,
					"action variable %s is a secret: inline secrets are not allowed", prop)
			case cls.HoldsSecret(prop, val.Value):
				ds.AddHint(val.Pos(st.File), "write the step as setDynamicVariables, each secret rule value as {env: NAME} or {file: PATH}",
					"action variable %s holds a secret rule value (IsSecret=\"true\"): inline secrets are not allowed", prop)
			}
		}
		switch vars.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(vars.Content); i += 2 {
				check(vars.Content[i].Value, vars.Content[i+1])
			}
		case yaml.SequenceNode:
			for _, item := range vars.Content {
				if p := Lookup(item, "property"); p != nil {
					check(p.Value, Lookup(item, "value"))
				}
			}
		}
	case "xml":
		x, err := model.ParseStep([]byte(st.Body().Value))
		if err != nil {
			ds.Add(st.At(""), "step xml: %v", err)
			return
		}
		var walk func(s *model.Step)
		walk = func(s *model.Step) {
			if cls := model.Lookup(s.Type); cls != nil {
				for _, v := range s.Vars {
					if cls.HoldsSecret(v.Property, v.Value) {
						ds.AddHint(st.Body().Pos(st.File), "remove the value from the XML and write the step in a form that takes its source: "+secretSources,
							"xml step %q: %s holds a secret: inline secrets are not allowed", s.Name, v.Property)
					}
				}
			}
			for _, c := range s.Steps {
				walk(c)
			}
		}
		walk(x)
	default:
		k := KindOf(st.Kind)
		if k == nil {
			return
		}
		cls := model.Lookup(k.Class)
		if cls == nil {
			return
		}
		for _, a := range st.Properties {
			if a.Absent {
				continue
			}
			switch p := cls.Prop(a.Name); {
			case p == nil:
			case p.Secret:
				ds.AddHint(a.Pos, "give it with the step's own field, as "+secretSources,
					"properties: %s is a secret: inline secrets are not allowed", a.Name)
			case cls.HoldsSecret(a.Name, a.Value):
				ds.AddHint(a.Pos, "give the rules with the step's own field, each secret value as {env: NAME} or {file: PATH}",
					"properties: %s holds a secret rule value (IsSecret=\"true\"): inline secrets are not allowed", a.Name)
			}
		}
	}
}

// optionAttribute returns the step attribute value that an option given in
// the file writes, and the option's key: runIn, successCodes (successCodeList),
// retryCount and timeout (in seconds).
func (st *Step) optionAttribute(attr string) (option, value string, ok bool) {
	switch {
	case attr == "runIn" && st.RunIn != "":
		return "runIn", st.RunIn, true
	case attr == "successCodeList" && len(st.SuccessCodes) > 0:
		codes := make([]string, len(st.SuccessCodes))
		for i, c := range st.SuccessCodes {
			codes[i] = strconv.Itoa(c)
		}
		return "successCodes", strings.Join(codes, " "), true
	case attr == "retryCount" && st.RetryCount != nil:
		return "retryCount", strconv.Itoa(*st.RetryCount), true
	case attr == "timeout" && st.TimeoutSeconds > 0:
		return "timeout", strconv.Itoa(st.TimeoutSeconds), true
	}
	return "", "", false
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// checkCycles reports Run Task Sequence cycles among declared sequences,
// given the Run Task Sequence steps of each.
func (c *Config) checkCycles(seqs map[string]*Sequence, runs map[*Sequence][]childRun) diag.List {
	var ds diag.List
	const (
		white = iota
		grey
		black
	)
	color := map[*Sequence]int{}
	var stack []*Sequence
	reported := map[string]bool{}
	var visit func(s *Sequence)
	visit = func(s *Sequence) {
		color[s] = grey
		stack = append(stack, s)
		for _, r := range runs[s] {
			child := seqs[strings.ToLower(r.child)]
			if child == nil {
				continue
			}
			switch color[child] {
			case grey:
				var names []string
				start := 0
				for i, x := range stack {
					if x == child {
						start = i
					}
				}
				for _, x := range stack[start:] {
					names = append(names, x.Name)
				}
				names = append(names, child.Name)
				cyc := strings.Join(names, " → ")
				if !reported[cyc] {
					reported[cyc] = true
					ds.AddHint(r.at, "a Run Task Sequence step cannot call a sequence that calls it back", "Run Task Sequence cycle: %s", cyc)
				}
			case white:
				visit(child)
			}
		}
		stack = stack[:len(stack)-1]
		color[s] = black
	}
	for _, s := range c.Sequences {
		if color[s] == white {
			visit(s)
		}
	}
	return ds
}

// Dependencies returns the names of the sequences a sequence runs with Run
// Task Sequence steps, in step order without duplicates.
func (s *Sequence) Dependencies() []string {
	if s.frozen != nil {
		return s.frozen.deps
	}
	return dependencies(s.steps)
}

// ChildName is the child sequence a Run Task Sequence step names ("" when
// it is given by {id}).
func (s *Step) ChildName() string {
	if s.Kind != "runTaskSequence" {
		return ""
	}
	b := s.Body()
	if b == nil {
		return ""
	}
	if b.Kind == yaml.ScalarNode {
		return b.Value
	}
	if v := Lookup(b, "sequence"); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// Secrets lists the secrets a sequence's steps set, wherever they are
// written ({env: NAME}, {file: PATH} or {empty: true} mappings), with their
// positions.
//
// A frozen sequence lists them once and keeps the list: apply asks for a
// sequence's secrets several times (reading them, checking the plan's
// writes have them, redacting them), and each listing decodes every
// step's body. Callers must not change the list.
func (s *Sequence) Secrets() []Secret {
	if s.frozen != nil {
		if l := s.frozen.secrets.Load(); l != nil {
			return *l
		}
	}
	var out []Secret
	Walk(s.Steps(), func(st *Step) {
		if st.Kind != "group" {
			out = append(out, stepSecrets(st, st.Body())...)
		}
	})
	if s.frozen != nil {
		out = slices.Clip(out)
		s.frozen.secrets.Store(&out)
	}
	return out
}

// stepSecrets lists the secrets in a step's body.
func stepSecrets(st *Step, body *Node) []Secret {
	var out []Secret
	var walk func(n *Node)
	walk = func(n *Node) {
		if n == nil {
			return
		}
		if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
			sec := Secret{Pos: n.Pos(st.File), Dir: st.SecretDir()}
			switch v := n.Content[1].Value; n.Content[0].Value {
			case "env":
				sec.Env = v
			case "file":
				sec.File = v
			case "empty":
				sec.Empty = true
			}
			if sec.Env != "" || sec.File != "" || sec.Empty {
				out = append(out, sec)
				return
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	if st.Kind != "group" {
		walk(body)
	}
	return out
}
