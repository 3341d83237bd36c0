package model

import (
	"strconv"
	"strings"
)

// A step's <condition> holds terms the site ANDs. ReadTerms reads them
// into what they mean — operators, expressions of a condition class, OS
// groups — and Term.Elem writes each back as the element it was read from:
// a term that would not come back exactly (an attribute no console
// writes, an expression holding more than variables) is read as a Raw
// term, kept as written. The configuration's condition forms
// (internal/config), conversion (internal/convert) and the plan's diff
// (ConditionString) all work on these terms.

// Term is one element of a condition: *Operator, *Expression, *OSGroup or
// *Raw.
type Term interface {
	// Elem writes the term as the element a site stores.
	Elem() *Elem
	isTerm()
}

// Operator combines terms: <operator type="and|or|not">.
type Operator struct {
	Type  string // "and", "or" or "not"
	Terms []Term
}

// Expression is one test of a condition expression class:
// <expression type="SMS_TaskSequence_…ConditionExpression"> with its
// <variable name="…"> values.
type Expression struct {
	Class string // the full class, the type attribute
	Attrs []Attr // attributes besides type (ignoreQueryFailure), in order
	Vars  []ExprVar
}

// ExprVar is one <variable name="Name">Value</variable> of an expression.
type ExprVar struct{ Name, Value string }

// OSGroup is the console's "operating system version" condition:
// <osConditionGroup type="or"> of groups, each
// <osExpressionGroup type="and" name="…"> with a <platformKey> and further
// terms.
type OSGroup struct {
	Groups []OSExpressionGroup
}

// OSExpressionGroup is one operating system of an OSGroup.
type OSExpressionGroup struct {
	Name     string
	Platform []Attr // the platformKey's attributes (arch, type, minVer, maxVer), in order
	Terms    []Term
}

// Raw is any other condition element, kept as written.
type Raw struct{ E *Elem }

func (*Operator) isTerm()   {}
func (*Expression) isTerm() {}
func (*OSGroup) isTerm()    {}
func (*Raw) isTerm()        {}

// ConditionClassPrefix and ConditionClassSuffix frame the name of a
// condition expression class: SMS_TaskSequence_FileConditionExpression.
const (
	ConditionClassPrefix = "SMS_TaskSequence_"
	ConditionClassSuffix = "ConditionExpression"
)

// ConditionClass is the class of the condition expression named short
// ("File" → SMS_TaskSequence_FileConditionExpression).
func ConditionClass(short string) string {
	return ConditionClassPrefix + short + ConditionClassSuffix
}

// Short is the expression's class without its frame ("File"), or its
// class as written when it has no such frame.
func (e *Expression) Short() string {
	return strings.TrimSuffix(strings.TrimPrefix(e.Class, ConditionClassPrefix), ConditionClassSuffix)
}

// Var returns the value of the expression's variable named name.
func (e *Expression) Var(name string) (string, bool) {
	for _, v := range e.Vars {
		if v.Name == name {
			return v.Value, true
		}
	}
	return "", false
}

// Attr returns the value of the expression's attribute named name.
func (e *Expression) Attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Elem implements Term.
func (o *Operator) Elem() *Elem {
	e := &Elem{Name: "operator", Attrs: []Attr{{Name: "type", Value: o.Type}}}
	if len(o.Terms) > 0 {
		e.Children = make([]*Elem, 0, len(o.Terms))
	}
	for _, t := range o.Terms {
		e.Children = append(e.Children, t.Elem())
	}
	return e
}

// Elem implements Term.
func (x *Expression) Elem() *Elem {
	e := &Elem{Name: "expression", Attrs: append(make([]Attr, 0, 1+len(x.Attrs)), Attr{Name: "type", Value: x.Class})}
	e.Attrs = append(e.Attrs, x.Attrs...)
	if len(x.Vars) > 0 {
		e.Children = make([]*Elem, 0, len(x.Vars))
	}
	for _, v := range x.Vars {
		e.Children = append(e.Children, &Elem{Name: "variable", Attrs: []Attr{{Name: "name", Value: v.Name}}, Text: v.Value})
	}
	return e
}

// Elem implements Term.
func (g *OSGroup) Elem() *Elem {
	e := &Elem{Name: "osConditionGroup", Attrs: []Attr{{Name: "type", Value: "or"}}}
	for _, os := range g.Groups {
		eg := &Elem{Name: "osExpressionGroup", Attrs: []Attr{{Name: "type", Value: "and"}, {Name: "name", Value: os.Name}}}
		eg.Children = append(eg.Children, &Elem{Name: "platformKey", Attrs: os.Platform})
		for _, t := range os.Terms {
			eg.Children = append(eg.Children, t.Elem())
		}
		e.Children = append(e.Children, eg)
	}
	return e
}

// Elem implements Term.
func (r *Raw) Elem() *Elem { return r.E }

// ReadTerms reads the children of a <condition> (nil for none).
func ReadTerms(c *Elem) []Term {
	if c == nil {
		return nil
	}
	out := make([]Term, len(c.Children))
	for i, e := range c.Children {
		out[i] = ReadTerm(e)
	}
	return out
}

// ReadTerm reads one condition element; what would not be written back
// exactly is Raw.
func ReadTerm(e *Elem) Term {
	switch e.Name {
	case "operator":
		if len(e.Attrs) == 1 && e.Attrs[0].Name == "type" && e.Text == "" {
			o := &Operator{Type: e.Attrs[0].Value}
			for _, c := range e.Children {
				o.Terms = append(o.Terms, ReadTerm(c))
			}
			return o
		}
	case "expression":
		if x, ok := readExpression(e); ok {
			return x
		}
	case "osConditionGroup":
		if g, ok := readOSGroup(e); ok {
			return g
		}
	}
	return &Raw{E: e}
}

func readExpression(e *Elem) (*Expression, bool) {
	if len(e.Attrs) == 0 || e.Attrs[0].Name != "type" || e.Text != "" {
		return nil, false
	}
	x := &Expression{Class: e.Attrs[0].Value}
	if len(e.Attrs) > 1 {
		x.Attrs = e.Attrs[1:]
	}
	for _, c := range e.Children {
		if c.Name != "variable" || len(c.Attrs) != 1 || c.Attrs[0].Name != "name" || len(c.Children) > 0 {
			return nil, false
		}
		x.Vars = append(x.Vars, ExprVar{Name: c.Attrs[0].Value, Value: c.Text})
	}
	return x, true
}

func readOSGroup(e *Elem) (*OSGroup, bool) {
	if len(e.Attrs) != 1 || e.Attrs[0] != (Attr{Name: "type", Value: "or"}) || e.Text != "" {
		return nil, false
	}
	g := &OSGroup{}
	for _, c := range e.Children {
		if c.Name != "osExpressionGroup" || len(c.Attrs) != 2 || c.Attrs[0] != (Attr{Name: "type", Value: "and"}) || c.Attrs[1].Name != "name" ||
			c.Text != "" || len(c.Children) == 0 {
			return nil, false
		}
		pk := c.Children[0]
		if pk.Name != "platformKey" || pk.Text != "" || len(pk.Children) > 0 {
			return nil, false
		}
		os := OSExpressionGroup{Name: c.Attrs[1].Value, Platform: pk.Attrs}
		for _, t := range c.Children[1:] {
			os.Terms = append(os.Terms, ReadTerm(t))
		}
		g.Groups = append(g.Groups, os)
	}
	return g, true
}

// TermElems writes terms as the children of a <condition>.
func TermElems(ts []Term) []*Elem {
	if len(ts) == 0 {
		return nil
	}
	out := make([]*Elem, len(ts))
	for i, t := range ts {
		out[i] = t.Elem()
	}
	return out
}

// ConditionString renders a <condition> compactly on one line, as plans
// show it, e.g. `_SMSTSBootUEFI equals "true" and any(wmi(…), …)`; "" for
// none.
func ConditionString(c *Elem) string {
	if c == nil {
		return ""
	}
	var parts []string
	for _, t := range ReadTerms(c) {
		parts = append(parts, termString(t))
	}
	return strings.Join(parts, " and ")
}

var operatorNames = map[string]string{"and": "all", "or": "any", "not": "none"}

func termString(t Term) string {
	switch t := t.(type) {
	case *Operator:
		name := operatorNames[t.Type]
		if name == "" {
			name = t.Type
		}
		return name + "(" + termsString(t.Terms) + ")"
	case *Expression:
		return expressionString(t)
	case *Raw:
		switch t.E.Name {
		case "expression":
			return expressionString(looseExpression(t.E))
		case "operator":
			typ, _ := t.E.Attr("type")
			terms := make([]Term, len(t.E.Children))
			for i, c := range t.E.Children {
				terms[i] = ReadTerm(c)
			}
			return termString(&Operator{Type: typ, Terms: terms})
		}
	}
	e := t.Elem()
	s := e.Name
	for _, a := range e.Attrs {
		s += " " + a.Name + "=" + strconv.Quote(a.Value)
	}
	var parts []string
	for _, c := range e.Children {
		parts = append(parts, termString(ReadTerm(c)))
	}
	if len(parts) > 0 {
		s += "(" + strings.Join(parts, ", ") + ")"
	}
	return s
}

func termsString(ts []Term) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = termString(t)
	}
	return strings.Join(parts, ", ")
}

// looseExpression reads an expression that holds more than variables by
// its type and the name and text of each child, for showing it.
func looseExpression(e *Elem) *Expression {
	x := &Expression{}
	for _, a := range e.Attrs {
		if a.Name == "type" && x.Class == "" {
			x.Class = a.Value
			continue
		}
		x.Attrs = append(x.Attrs, a)
	}
	for _, c := range e.Children {
		n, _ := c.Attr("name")
		x.Vars = append(x.Vars, ExprVar{Name: n, Value: c.Text})
	}
	return x
}

func expressionString(x *Expression) string {
	if x.Short() == "Variable" {
		v, _ := x.Var("Variable")
		op, _ := x.Var("Operator")
		s := v + " " + op
		if val, ok := x.Var("Value"); ok && val != "" {
			s += " " + strconv.Quote(val)
		}
		return s
	}
	var args []string
	for _, v := range x.Vars {
		args = append(args, v.Name+"="+strconv.Quote(v.Value))
	}
	for _, a := range x.Attrs {
		args = append(args, a.Name+"="+strconv.Quote(a.Value))
	}
	return strings.ToLower(x.Short()) + "(" + strings.Join(args, ", ") + ")"
}
