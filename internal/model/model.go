package model

import "strings"

// StepKind says which XML element a Step is written as.
type StepKind int

const (
	// KindStep is an action: <step type="SMS_TaskSequence_…Action">.
	KindStep StepKind = iota
	// KindGroup is a <group> holding further steps.
	KindGroup
	// KindSubSequence is a Run Task Sequence step: <subtasksequence>.
	KindSubSequence
)

func (k StepKind) String() string {
	switch k {
	case KindStep:
		return "step"
	case KindGroup:
		return "group"
	case KindSubSequence:
		return "subtasksequence"
	}
	return "unknown"
}

// Sequence is a whole <sequence> document.
type Sequence struct {
	Version    string
	Attrs      []Attr      // attributes other than version, in document order
	References []Reference // <referenceList>; derived by the site
	GlobalVars []Variable  // <globalVarList>
	Steps      []*Step
}

// Reference is one <reference> of a referenceList.
type Reference struct {
	Package     string // PackageID, or "" for an application
	Program     string // "*" for a child sequence, else ""
	Application string // application model name
}

// Attr is an XML attribute kept verbatim.
type Attr struct{ Name, Value string }

// Step is a group, an action step or a Run Task Sequence step.
type Step struct {
	Kind            StepKind
	Type            string // step class, e.g. SMS_TaskSequence_RunCommandLineAction; "" for groups
	Name            string
	Description     string
	Disabled        bool
	ContinueOnError bool
	RunIn           *string // runIn attribute (SupportedEnvironment)
	SuccessCodes    *string // successCodeList attribute
	RetryCount      *string // retryCount attribute
	RunFromNet      *string // runFromNet attribute
	Timeout         *string // timeout attribute, seconds
	Extra           []Attr  // unknown attributes, verbatim
	Condition       *Elem   // <condition>, or nil
	Action          *string // <action> command line
	Vars            []Variable
	Steps           []*Step // children of a group
	ExtraElems      []*Elem // unknown child elements, verbatim
	// Layout is the order of the element's children as read, when it is
	// not the usual one (UsualLayout): MDT writes <action> after
	// <defaultVarList>, leaves an empty <defaultVarList> out, and puts a
	// group's <condition> after its steps. Nil for the usual order.
	Layout []string
}

// The children a Layout orders: ElemStep stands for the next of Steps,
// ElemExtra for the next of ExtraElems.
const (
	ElemCondition      = "condition"
	ElemAction         = "action"
	ElemDefaultVarList = "defaultVarList"
	ElemStep           = "step"
	ElemExtra          = "extra"
)

// UsualLayout is the order a writer uses when the element has no Layout:
// the condition first, then a group's steps or a step's <action> and its
// <defaultVarList> (always written), then unknown elements.
func (s *Step) UsualLayout() []string {
	return s.appendUsualLayout(nil)
}

// appendUsualLayout appends the usual layout to out.
func (s *Step) appendUsualLayout(out []string) []string {
	if s.Condition != nil {
		out = append(out, ElemCondition)
	}
	if s.Kind == KindGroup {
		for range s.Steps {
			out = append(out, ElemStep)
		}
	} else {
		if s.Action != nil {
			out = append(out, ElemAction)
		}
		out = append(out, ElemDefaultVarList)
	}
	for range s.ExtraElems {
		out = append(out, ElemExtra)
	}
	return out
}

// EffectiveLayout is Layout, or the usual one when there is none.
func (s *Step) EffectiveLayout() []string {
	if s.Layout != nil {
		return s.Layout
	}
	return s.UsualLayout()
}

// Variable is one <variable> of a defaultVarList or globalVarList.
type Variable struct {
	Name     string
	Property string
	Hidden   bool
	Value    string
}

// Elem is a generic XML element (conditions and anything this package does not
// model), kept losslessly.
type Elem struct {
	Name     string
	Attrs    []Attr
	Text     string
	Children []*Elem
}

// Str returns a pointer to s, for the optional attributes of Step.
func Str(s string) *string { return &s }

// Attr returns the value of the attribute named name.
func (e *Elem) Attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Var returns the value of the variable named name in the step's defaultVarList.
func (s *Step) Var(property string) (string, bool) {
	for _, v := range s.Vars {
		if v.Property == property {
			return v.Value, true
		}
	}
	return "", false
}

// SettleFlags reads the disable and continueOnError attributes held in
// Extra into Disabled and ContinueOnError: the value "true" is the flag
// alone, as the console writes it; any other value (MDT writes "false")
// stays in Extra verbatim, and sets the flag when it is "true" in any case.
func (s *Step) SettleFlags() {
	kept := s.Extra[:0]
	for _, a := range s.Extra {
		var flag *bool
		switch a.Name {
		case "disable":
			flag = &s.Disabled
		case "continueOnError":
			flag = &s.ContinueOnError
		default:
			kept = append(kept, a)
			continue
		}
		*flag = strings.EqualFold(a.Value, "true")
		if a.Value != "true" {
			kept = append(kept, a)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	s.Extra = kept
}

// Attrs returns the step element's attributes other than type, name and
// description, as they are written, by name.
func (s *Step) Attrs() map[string]string {
	out := map[string]string{}
	if s.Disabled && !s.HasExtra("disable") {
		out["disable"] = "true"
	}
	if s.ContinueOnError && !s.HasExtra("continueOnError") {
		out["continueOnError"] = "true"
	}
	for _, o := range [...]struct {
		n string
		v *string
	}{{"runIn", s.RunIn}, {"successCodeList", s.SuccessCodes}, {"retryCount", s.RetryCount}, {"runFromNet", s.RunFromNet}, {"timeout", s.Timeout}} {
		if o.v != nil {
			out[o.n] = *o.v
		}
	}
	for _, a := range s.Extra {
		out[a.Name] = a.Value
	}
	return out
}

// HasExtra reports whether the step holds the attribute name verbatim.
func (s *Step) HasExtra(name string) bool {
	for _, a := range s.Extra {
		if a.Name == name {
			return true
		}
	}
	return false
}

// varIndex returns the index of the variable for property, or -1.
func (s *Step) varIndex(property string) int {
	for i := range s.Vars {
		if s.Vars[i].Property == property {
			return i
		}
	}
	return -1
}

// SetVar sets (or adds) the variable for property.
func (s *Step) SetVar(v Variable) {
	for i := range s.Vars {
		if s.Vars[i].Property == v.Property {
			s.Vars[i] = v
			return
		}
	}
	s.Vars = append(s.Vars, v)
}

// Walk calls fn for every step in document order with its path, e.g.
// "Install/Apply Windows". It stops early when fn returns false.
func (q *Sequence) Walk(fn func(path string, s *Step) bool) {
	walkSteps(q.Steps, "", fn)
}

func walkSteps(steps []*Step, prefix string, fn func(string, *Step) bool) bool {
	for _, s := range steps {
		p := s.Name
		if prefix != "" {
			p = prefix + "/" + s.Name
		}
		if !fn(p, s) {
			return false
		}
		if !walkSteps(s.Steps, p, fn) {
			return false
		}
	}
	return true
}

// Counts reports how many action steps, groups and condition expressions a sequence holds.
func (q *Sequence) Counts() (steps, groups, conditions int) {
	q.Walk(func(_ string, s *Step) bool {
		if s.Kind == KindGroup {
			groups++
		} else {
			steps++
		}
		if s.Condition != nil {
			conditions += countExpr(s.Condition)
		}
		return true
	})
	return
}

func countExpr(e *Elem) int {
	n := 0
	if e.Name == "expression" {
		n++
	}
	for _, c := range e.Children {
		n += countExpr(c)
	}
	return n
}

// ShortType is the step class without the SMS_TaskSequence_ prefix.
func ShortType(t string) string { return strings.TrimPrefix(t, "SMS_TaskSequence_") }
