package model

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/object"
)

// SchemaVersion is the sequence version current sites write.
const SchemaVersion = "3.10"

// Child is what a site knows about a child sequence named by a Run Task
// Sequence step: its name and the references of its own sequence.
type Child struct {
	Name       string
	References []Reference
}

// ChildLookup finds a child task sequence by PackageID.
type ChildLookup func(packageID string) (Child, bool)

// Derive rewrites q into what a site stores after ImportSequence +
// SetSequence, as far as the site derives anything: the sequence version
// when absent, the <action> of catalogued classes (from the class
// CommandLine qualifier), the Run Task Sequence properties a step already
// holds that come from the child (TsName, TsReference*), and the
// referenceList and the derived part of the globalVarList. Everything an
// author wrote — attributes, variables present or absent, their names,
// hidden flags and order, conditions — is kept exactly: a site stores
// unfinished and odd steps as they were given, and so does tsctl.
func Derive(q *Sequence, children ChildLookup) {
	if q.Version == "" {
		q.Version = SchemaVersion
	}
	var globals []Variable
	walkSteps(q.Steps, "", func(_ string, s *Step) bool {
		globals = append(globals, deriveStep(s, children)...)
		return true
	})
	q.References = ComputeReferences(q, children)
	q.GlobalVars = mergeGlobals(q.GlobalVars, globals)
}

func deriveStep(s *Step, children ChildLookup) (globals []Variable) {
	if s.Kind == KindGroup {
		return nil
	}
	c := Lookup(s.Type)
	if c == nil {
		return nil
	}
	if c.Name == cls("SubTasksequence") {
		fillChild(s, children, true)
	}
	for _, v := range s.Vars {
		if p := c.Prop(v.Property); p != nil && p.Global {
			globals = append(globals, Variable{Name: p.Var, Property: p.Name, Value: v.Value})
		}
	}
	s.Action = Str(c.expandWith(s.Var))
	return globals
}

// Normalize rewrites q into the normal form a site stores after
// ImportSequence + SetSequence: default attribute values, MOF defaults for
// unset properties, variable names and hidden flags from the catalogue,
// variables sorted by property, <action> recomputed, derived Run Task
// Sequence properties filled from the child, and referenceList and
// globalVarList recomputed. It changes q in place.
func Normalize(q *Sequence, children ChildLookup) {
	if q.Version == "" {
		q.Version = SchemaVersion
	}
	var globals []Variable
	walkSteps(q.Steps, "", func(_ string, s *Step) bool {
		globals = append(globals, normalizeStep(s, children)...)
		return true
	})
	q.References = ComputeReferences(q, children)
	q.GlobalVars = mergeGlobals(q.GlobalVars, globals)
}

func normalizeStep(s *Step, children ChildLookup) (globals []Variable) {
	if s.Condition != nil {
		NormalizeCondition(s.Condition)
	}
	if s.Kind == KindGroup {
		return nil
	}
	if s.SuccessCodes == nil {
		s.SuccessCodes = Str("0")
	}
	if s.RetryCount == nil {
		s.RetryCount = Str("0")
	}
	if s.RunFromNet == nil {
		s.RunFromNet = Str("false")
	}
	c := Lookup(s.Type)
	if s.Kind == KindSubSequence {
		s.RunIn = nil
	} else if s.RunIn == nil {
		def := WinPEandFullOS
		if c != nil && c.DefaultRunIn != "" {
			def = c.DefaultRunIn
		}
		s.RunIn = Str(def)
	}
	if c == nil {
		sortVars(s.Vars)
		return nil
	}
	for i := range s.Vars {
		v := &s.Vars[i]
		if p := c.Prop(v.Property); p != nil {
			v.Name, v.Hidden = p.Var, p.Hidden
		} else if a, idx, field, ok := c.ArrayOf(v.Property); ok {
			v.Name, v.Hidden = a.Var+strconv.Itoa(idx)+field, false
		}
	}
	for _, p := range c.Props {
		if p.Default != nil {
			if _, ok := s.Var(p.Name); !ok {
				s.Vars = append(s.Vars, Variable{Name: p.Var, Property: p.Name, Hidden: p.Hidden, Value: *p.Default})
			}
		}
	}
	if c.Name == cls("SubTasksequence") {
		fillChild(s, children, false)
	}
	sortVars(s.Vars)
	for _, v := range s.Vars {
		if p := c.Prop(v.Property); p != nil && p.Global {
			globals = append(globals, Variable{Name: p.Var, Property: p.Name, Value: v.Value})
		}
	}
	if c.SuccessCodesProp != "" {
		if v, ok := s.Var(c.SuccessCodesProp); ok {
			s.SuccessCodes = Str(v)
		}
	}
	if c.RetryCountProp != "" {
		if v, ok := s.Var(c.RetryCountProp); ok {
			s.RetryCount = Str(v)
		}
	}
	if c.RunFromNetProp != "" {
		if v, ok := s.Var(c.RunFromNetProp); ok {
			s.RunFromNet = Str(v)
		}
	}
	s.Action = Str(c.expandWith(s.Var))
	return globals
}

// Complete fills in what the console writes for a step it creates and the
// author left unset: with withVars, every property's MOF default; and the
// runIn (the class's SupportedEnvironment default), successCodeList,
// retryCount and runFromNet attributes, from the properties they mirror
// when the class has them. Groups and MDT steps without a class are left
// as they are.
func Complete(s *Step, withVars bool) {
	if s.Kind == KindGroup || s.Type == "" {
		return
	}
	c := Lookup(s.Type)
	if withVars && c != nil {
		for _, p := range c.Props {
			if p.Derived && c.Name == cls("SubTasksequence") {
				// the console lists what it derives from the child, even before
				// the site fills it in
				if _, ok := s.Var(p.Name); !ok {
					s.Vars = append(s.Vars, Variable{Name: p.Var, Property: p.Name, Hidden: p.Hidden})
				}
				continue
			}
			if p.Default != nil {
				if _, ok := s.Var(p.Name); !ok {
					s.Vars = append(s.Vars, Variable{Name: p.Var, Property: p.Name, Hidden: p.Hidden, Value: *p.Default})
				}
			}
		}
	}
	mirror := func(attr **string, prop, def string) {
		if *attr != nil {
			return
		}
		if c != nil && prop != "" {
			if v, ok := s.Var(prop); ok {
				*attr = Str(v)
				return
			}
		}
		*attr = Str(def)
	}
	var codes, retry, fromNet string
	if c != nil {
		codes, retry, fromNet = c.SuccessCodesProp, c.RetryCountProp, c.RunFromNetProp
	}
	mirror(&s.SuccessCodes, codes, "0")
	mirror(&s.RetryCount, retry, "0")
	mirror(&s.RunFromNet, fromNet, "false")
	if s.Kind == KindStep && s.RunIn == nil {
		def := WinPEandFullOS
		if c != nil && c.DefaultRunIn != "" {
			def = c.DefaultRunIn
		}
		s.RunIn = Str(def)
	}
}

// fillChild sets the derived TsName / TsReference* properties of a Run Task
// Sequence step from the child sequence, as SetSequence does; with
// onlyPresent, only those the step already holds.
func fillChild(s *Step, children ChildLookup, onlyPresent bool) {
	id, _ := s.Var("TsPackageID")
	if id == "" || children == nil {
		return
	}
	ch, ok := children(id)
	if !ok {
		return
	}
	var pkgs, apps []string
	for _, r := range ch.References {
		if r.Application != "" {
			apps = append(apps, r.Application)
		} else {
			pkgs = append(pkgs, r.Package)
		}
	}
	c := Lookup(s.Type)
	for _, kv := range [][2]string{{"TsName", id + ", " + ch.Name}, {"TsReferenceApplications", strings.Join(apps, ",")}, {"TsReferencePackages", strings.Join(pkgs, ",")}} {
		p := c.Prop(kv[0])
		if onlyPresent {
			if i := s.varIndex(p.Name); i >= 0 {
				s.Vars[i].Value = kv[1]
			}
			continue
		}
		s.SetVar(Variable{Name: p.Var, Property: p.Name, Value: kv[1]})
	}
}

func sortVars(vs []Variable) {
	for i := 1; i < len(vs); i++ {
		if vs[i-1].Property > vs[i].Property {
			sort.SliceStable(vs, func(i, j int) bool { return vs[i].Property < vs[j].Property })
			return
		}
	}
}

// NormalizeCondition sorts the variables of every expression by name, as
// sites store them.
func NormalizeCondition(e *Elem) {
	if e.Name == "expression" {
		sort.SliceStable(e.Children, func(i, j int) bool {
			a, _ := e.Children[i].Attr("name")
			b, _ := e.Children[j].Attr("name")
			return a < b
		})
		return
	}
	for _, c := range e.Children {
		NormalizeCondition(c)
	}
}

// DerivedGlobal reports whether a <globalVarList> variable of property is
// one a step property produces (Normalize recomputes those).
func DerivedGlobal(property string) bool {
	for _, c := range classes {
		for _, p := range c.Props {
			if p.Global && p.Name == property {
				return true
			}
		}
	}
	return false
}

func mergeGlobals(existing, computed []Variable) []Variable {
	var out []Variable
	seen := map[string]bool{}
	for _, v := range existing {
		if !DerivedGlobal(v.Property) {
			out = append(out, v)
			seen[v.Name] = true
		}
	}
	for _, v := range computed {
		if !seen[v.Name] {
			out = append(out, v)
			seen[v.Name] = true
		}
	}
	return out
}

// ComputeReferences derives the referenceList from the enabled steps'
// reference properties, in document order without duplicates; a child
// sequence is listed with program="*" followed by its own references.
func ComputeReferences(q *Sequence, children ChildLookup) []Reference {
	return references(q, children, false)
}

// NamedReferences lists what the steps of q name — packages, package
// lists and child sequences — disabled steps and groups included, in
// document order without duplicates (a child without its own references).
// A site leaves disabled steps out of a sequence's referenceList and
// References, yet they still name the object: a deletion must not leave
// them pointing at nothing.
func NamedReferences(q *Sequence) []Reference {
	return references(q, nil, true)
}

func references(q *Sequence, children ChildLookup, disabledToo bool) []Reference {
	var out []Reference
	seen := map[Reference]bool{}
	add := func(r Reference) {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	var visit func(steps []*Step)
	visit = func(steps []*Step) {
		for _, s := range steps {
			if s.Disabled && !disabledToo {
				continue
			}
			if s.Kind == KindGroup {
				visit(s.Steps)
				continue
			}
			c := Lookup(s.Type)
			if c == nil {
				continue
			}
			for _, v := range s.Vars {
				p := c.Prop(v.Property)
				if p == nil || v.Value == "" {
					continue
				}
				switch {
				case p.Ref == object.Content && !p.RefList:
					add(Reference{Package: v.Value})
				case p.Ref == object.Content:
					for _, id := range splitList(v.Value) {
						add(Reference{Package: id})
					}
				case p.Ref == object.Application:
					for _, app := range splitList(v.Value) {
						add(Reference{Application: app})
					}
				case p.Ref == object.Sequence:
					add(Reference{Package: v.Value, Program: "*"})
					if children != nil {
						if ch, ok := children(v.Value); ok {
							for _, r := range ch.References {
								add(r)
							}
						}
					}
				}
			}
		}
	}
	visit(q.Steps)
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// IsOSDeployment reports whether the sequence holds an enabled step of an
// OS-deployment class, which makes SetSequence set Type 2.
func IsOSDeployment(q *Sequence) bool {
	found := false
	q.Walk(func(_ string, s *Step) bool {
		if c := Lookup(s.Type); c != nil && c.OSDeployment {
			found = true
		}
		return !found
	})
	return found
}

// IsHighImpact reports whether the sequence holds a step of a high-impact
// class (Class.HighImpact) that is not itself disabled.
func IsHighImpact(q *Sequence) bool {
	found := false
	q.Walk(func(_ string, s *Step) bool {
		if c := Lookup(s.Type); c != nil && c.HighImpact && !s.Disabled {
			found = true
		}
		return !found
	})
	return found
}

// BlankRuleSecrets returns a Set Dynamic Variables Rules document with the
// values of its secret variables (IsSecret="true") removed, keeping the
// console's formatting. A document that does not parse is returned as is.
func BlankRuleSecrets(doc string) string {
	root, err := ParseElem([]byte(doc))
	if err != nil || root.Name != "Rules" {
		return doc
	}
	changed := false
	var walk func(e *Elem)
	walk = func(e *Elem) {
		if e.Name == "Variable" {
			if v, _ := e.Attr("IsSecret"); v == "true" && e.Text != "" {
				e.Text, changed = "", true
			}
		}
		for _, c := range e.Children {
			walk(c)
		}
	}
	walk(root)
	if !changed {
		return doc
	}
	var b strings.Builder
	WriteFull(&b, root)
	if strings.HasSuffix(doc, "\n") {
		b.WriteByte('\n')
	}
	return b.String()
}

// blankSecret returns v with secret content removed, per property.
func (p *Prop) blankSecret(v string) string {
	switch {
	case p.Secret:
		return ""
	case p.SecretsInside:
		return BlankRuleSecrets(v)
	}
	return v
}

// HoldsSecret reports whether value, stored as property prop of a step
// of class c, carries a secret: a non-empty value of a secret property, or
// a document with a secret part (a Set Dynamic Variables rule variable
// with IsSecret="true") that holds a value.
func (c *Class) HoldsSecret(prop, value string) bool {
	p := c.Prop(prop)
	return p != nil && p.blankSecret(value) != value
}

// MayHoldSecret reports whether the property's values may hold a secret:
// it is secret, or a document whose parts may be.
func (p *Prop) MayHoldSecret() bool { return p.Secret || p.SecretsInside }

// Sensitive reports whether value, stored as property prop of a step of
// class c, is never shown: a secret property's value, or a document that
// declares a secret part (a Set Dynamic Variables rule variable with
// IsSecret="true"), whether or not the part holds a value yet. A document
// that does not parse is sensitive when it mentions IsSecret at all.
func (c *Class) Sensitive(prop, value string) bool {
	p := c.Prop(prop)
	switch {
	case p == nil:
		return false
	case p.Secret:
		return true
	case !p.SecretsInside:
		return false
	}
	root, err := ParseElem([]byte(value))
	if err != nil {
		return strings.Contains(value, "IsSecret")
	}
	found := false
	var walk func(e *Elem)
	walk = func(e *Elem) {
		if v, _ := e.Attr("IsSecret"); e.Name == "Variable" && v == "true" {
			found = true
		}
		for _, ch := range e.Children {
			walk(ch)
		}
	}
	walk(root)
	return found
}

// BlankSecrets removes secret values from every step of q, as a site does
// when it exports a sequence.
func BlankSecrets(q *Sequence) {
	q.Walk(func(_ string, st *Step) bool {
		c := Lookup(st.Type)
		if c == nil {
			return true
		}
		for i := range st.Vars {
			if p := c.Prop(st.Vars[i].Property); p != nil {
				st.Vars[i].Value = p.blankSecret(st.Vars[i].Value)
			}
		}
		return true
	})
}

// MaxStoredBytes is the largest Sequence a site stores (ConfigMgr 2010 and
// later refuse bigger ones).
const MaxStoredBytes = 2 << 20
