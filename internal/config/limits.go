package config

import (
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
)

// What a site refuses in a sequence, checked before anything is sent.
//
// Nesting: a sequence is stored as one XML document, and tsctl's reader
// (model.MaxDepth) refuses elements nested deeper than 256, as do the
// Windows XML parsers (MSXML 6 MaxElementDepth and XmlLite
// XmlReaderProperty_MaxElementDepth both default to 256). The class
// reference sets no limit of its own on groups ("arbitrary nesting"), so
// the XML's limit is the one a configuration meets: the sequence element,
// one level per group, the step, and below it its condition's operators
// and expressions or its variables.
//
// Names and descriptions of steps and groups: SMS_TaskSequence_Step
// qualifies Name AllowedLen("1-100") and Description AllowedLen("0-255");
// the schema checks those written in the configuration, checkXMLStep
// those of a step given as xml.

// MaxDepth is the deepest element nesting a sequence document may have.
const MaxDepth = model.MaxDepth

// Step name and description lengths (SMS_TaskSequence_Step).
const (
	MaxStepName        = 100
	MaxStepDescription = 255
)

// checkDepth reports the first step of s (whose steps are steps), in
// document order, whose XML would be nested deeper than MaxDepth.
func checkDepth(s *Sequence, steps []*Step, ds *diag.List) {
	var walk func(steps []*Step, depth int) bool
	walk = func(steps []*Step, depth int) bool {
		for _, st := range steps {
			if d, at := stepDepth(st, depth, false); d > MaxDepth {
				ds.AddHint(at, "flatten groups, or move part of the steps into a sequence of their own run with runTaskSequence",
					"sequence %q: nested too deep: the sequence XML would nest %d elements here, and a site reads at most %d", s.Name, d, MaxDepth)
				return true
			}
			if st.Kind == "group" && walk(st.Steps, depth+1) {
				return true
			}
		}
		return false
	}
	walk(steps, 2) // <sequence> is 1
}

// SequenceDepth is the element depth of the XML document the steps of s
// build: what checkDepth holds to MaxDepth.
func SequenceDepth(s *Sequence) int {
	max := 1
	var walk func(steps []*Step, depth int)
	walk = func(steps []*Step, depth int) {
		for _, st := range steps {
			if d, _ := stepDepth(st, depth, true); d > max {
				max = d
			}
			if st.Kind == "group" {
				walk(st.Steps, depth+1)
			}
		}
	}
	walk(s.Steps(), 2)
	return max
}

// stepDepth is the depth of the deepest element a step at depth builds,
// its children apart (a group's steps are walked by the caller), and where
// in the file that element comes from. Unless exact, a condition too
// small to reach MaxDepth is not decoded: each level of its elements takes
// a node, and each node several bytes of its encoding, so its depth is
// less than its encoded length.
func stepDepth(st *Step, depth int, exact bool) (int, diag.Pos) {
	max, at := depth, st.Pos
	if st.Kind == "xml" {
		if root, err := model.ParseElem([]byte(st.Body().Value)); err == nil {
			max = depth + elemDepth(root) - 1
		}
		return max, st.Pos
	}
	if st.Kind != "group" {
		max = depth + 2 // <defaultVarList><variable>
	}
	if st.HasCondition() && (exact || depth+1+len(st.cond) > MaxDepth) {
		c := st.Condition()
		if d := depth + 1 + conditionDepth(c, true); d > max {
			max, at = d, c.Pos(st.File)
		}
	}
	return max, at
}

// conditionDepth is the depth of the elements a condition node builds
// (see ConditionTerm); top is the step's condition itself, whose
// `all` is the <condition> element's own.
func conditionDepth(n *Node, top bool) int {
	if n == nil || n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return 1
	}
	key, v := n.Content[0].Value, n.Content[1]
	children := func(list *Node) int {
		max := 0
		if list != nil {
			for _, c := range list.Content {
				if d := conditionDepth(c, false); d > max {
					max = d
				}
			}
		}
		return max
	}
	switch key {
	case "all":
		if top {
			return children(v)
		}
		return 1 + children(v)
	case "any", "none":
		return 1 + children(v)
	case "osGroup":
		max := 1 // <platformKey>
		if v != nil {
			for _, g := range v.Content {
				if d := children(Lookup(g, "conditions")); d > max {
					max = d
				}
			}
		}
		return 2 + max
	case "xml":
		if root, err := model.ParseElem([]byte(v.Value)); err == nil {
			return elemDepth(root)
		}
		return 1
	case "expression":
		if vars := Lookup(v, "variables"); vars != nil && len(vars.Content) > 0 {
			return 2
		}
		return 1
	case "makeModel", "computer":
		if v != nil && len(v.Content) > 0 {
			return 2
		}
		return 1
	}
	return 2 // an expression with its variables
}

// elemDepth is the depth of an element tree, the element itself counting 1.
func elemDepth(e *model.Elem) int {
	max := 0
	for _, c := range e.Children {
		if d := elemDepth(c); d > max {
			max = d
		}
	}
	return 1 + max
}

// checkXMLStep checks a step given as xml as the schema checks the others:
// its XML parses as one step, and its name and description fit the class.
func checkXMLStep(st *Step, ds *diag.List) {
	at := st.At("")
	x, err := model.ParseStep([]byte(st.Body().Value))
	if err != nil {
		ds.Add(at, "step xml: %v", err)
		return
	}
	if n := utf8.RuneCountInString(x.Name); n < 1 || n > MaxStepName {
		ds.Add(at, "step xml: name is %d characters; a step's name has 1 to %d", n, MaxStepName)
	}
	if n := utf8.RuneCountInString(x.Description); n > MaxStepDescription {
		ds.Add(at, "step xml: description is %d characters; a step's description has at most %d", n, MaxStepDescription)
	}
	for _, c := range x.Name {
		if c < 0x20 || c >= 0x7f && c <= 0x9f {
			ds.Add(at, "step xml: name contains the control character %s", runeName(c))
			break
		}
	}
}
