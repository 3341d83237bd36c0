package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/model"
)

// Conditions in a configuration are written in typed forms — one per
// condition expression class (file, registry, …), all/any/none for the
// operators, osGroup — or generically (expression, xml). This file holds
// both directions between those forms and the condition terms of
// internal/model: ConditionTerms builds terms from YAML (desired writes
// them into the sequence), and ConditionForm.Values reads a term's typed
// form back (convert writes it as YAML, then checks that it builds the
// same term).

// ConditionForm is the typed form of one condition expression class.
type ConditionForm struct {
	Key   string // the YAML key: "file"
	Class string // the class without its frame: "File" (model.ConditionClass)
	// Fields are the form's keys, in the order conversion writes them.
	Fields []ConditionField
	// Vars are the expression's variables in the order the site writes
	// them; each is some field's Var.
	Vars []string
}

// ConditionField is one key of a typed condition form.
type ConditionField struct {
	YAML string // key in the form
	Var  string // the variable it writes (or attribute, with Attr)
	Attr bool   // an attribute of <expression>, not a variable
	Bool bool   // a YAML boolean
	// Values maps YAML values to stored ones where they differ.
	Values map[string]string
	// Always: the variable is written whether or not the key is given
	// (Default when it is not).
	Always  bool
	Default string
	// Shown: conversion writes the key even when it holds Default.
	Shown bool
}

// The variable form is special: its comparison is a key of its own.
const variableForm = "variable"

// VariableOperators are the comparisons of the variable form, each a key
// holding the value compared with; exists and notExists take true.
var VariableOperators = []string{"equals", "notEquals", "less", "lessEqual", "greater", "greaterEqual", "like", "notLike"}

var conditionForms = []*ConditionForm{
	{Key: variableForm, Class: "Variable", Vars: []string{"Variable", "Operator", "Value"}},
	{Key: "wmi", Class: "WMI", Fields: []ConditionField{
		{YAML: "query", Var: "Query", Always: true, Shown: true},
		{YAML: "namespace", Var: "Namespace", Always: true, Default: `root\cimv2`},
		{YAML: "ignoreQueryFailure", Var: "ignoreQueryFailure", Attr: true, Bool: true},
	}, Vars: []string{"Namespace", "Query"}},
	{Key: "file", Class: "File", Fields: []ConditionField{
		{YAML: "path", Var: "Path"}, {YAML: "version", Var: "Version"}, {YAML: "versionOperator", Var: "VersionOperator"},
		{YAML: "dateTime", Var: "DateTime"}, {YAML: "dateTimeOperator", Var: "DateTimeOperator"},
	}, Vars: []string{"Path", "Version", "VersionOperator", "DateTime", "DateTimeOperator"}},
	{Key: "folder", Class: "Folder", Fields: []ConditionField{
		{YAML: "path", Var: "Path"}, {YAML: "dateTime", Var: "DateTime"}, {YAML: "dateTimeOperator", Var: "DateTimeOperator"},
	}, Vars: []string{"Path", "DateTime", "DateTimeOperator"}},
	{Key: "registry", Class: "Registry", Fields: []ConditionField{
		{YAML: "key", Var: "KeyPath"}, {YAML: "value", Var: "Value"},
		// the class spells notExists nonExists
		{YAML: "operator", Var: "Operator", Values: map[string]string{"notExists": "nonExists"}, Always: true, Shown: true},
		{YAML: "type", Var: "Type"}, {YAML: "data", Var: "Data"},
	}, Vars: []string{"KeyPath", "Value", "Type", "Data", "Operator"}},
	{Key: "software", Class: "Software", Fields: []ConditionField{
		{YAML: "productCode", Var: "ProductCode"}, {YAML: "upgradeCode", Var: "UpgradeCode"},
		{YAML: "productName", Var: "ProductName"}, {YAML: "version", Var: "Version"},
		{YAML: "anyVersion", Var: "Operator", Bool: true, Values: map[string]string{"true": "AnyVersion", "false": "ThisVersion"},
			Always: true, Default: "ThisVersion"},
	}, Vars: []string{"ProductCode", "UpgradeCode", "ProductName", "Version", "Operator"}},
	{Key: "makeModel", Class: "MakeModel", Fields: []ConditionField{{YAML: "make", Var: "Make"}, {YAML: "model", Var: "Model"}},
		Vars: []string{"Make", "Model"}},
	{Key: "computer", Class: "Computer", Fields: []ConditionField{
		{YAML: "assetTag", Var: "AssetTag"}, {YAML: "macAddress", Var: "MACAddress"},
		{YAML: "serialNumber", Var: "SerialNumber"}, {YAML: "uuid", Var: "UUID"},
	}, Vars: []string{"AssetTag", "MACAddress", "SerialNumber", "UUID"}},
}

// Operators maps the operator forms to the operator types they write.
var Operators = map[string]string{"all": "and", "any": "or", "none": "not"}

// OperatorForm is the form of an operator type ("and" → "all"); "" for
// an operator with no form.
func OperatorForm(typ string) string {
	for k, v := range Operators {
		if v == typ {
			return k
		}
	}
	return ""
}

// ConditionFormOf returns the typed form of an expression's class, nil
// when it has none.
func ConditionFormOf(x *model.Expression) *ConditionForm {
	for _, f := range conditionForms {
		if x.Class == model.ConditionClass(f.Class) {
			return f
		}
	}
	return nil
}

func conditionFormByKey(key string) *ConditionForm {
	for _, f := range conditionForms {
		if f.Key == key {
			return f
		}
	}
	return nil
}

// OSPlatformKeys map the osGroup form's keys to the platformKey's
// attributes, in the order both are written.
var OSPlatformKeys = [][2]string{{"arch", "arch"}, {"type", "type"}, {"minVersion", "minVer"}, {"maxVersion", "maxVer"}}

// ConditionTerms builds the terms of a <condition> from a step's
// condition: a top-level all is the condition's own implicit AND.
func ConditionTerms(n *Node) ([]model.Term, error) {
	if all := Lookup(n, "all"); all != nil && len(n.Content) == 2 {
		var out []model.Term
		for _, c := range all.Content {
			t, err := ConditionTerm(c)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, nil
	}
	t, err := ConditionTerm(n)
	if err != nil {
		return nil, err
	}
	return []model.Term{t}, nil
}

func get(m *Node, k string) (string, bool) {
	if f := Lookup(m, k); f != nil {
		return f.Value, true
	}
	return "", false
}

// pairs returns a mapping's key/value pairs in file order.
func pairs(m *Node) [][2]string {
	var out [][2]string
	if m == nil {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, [2]string{m.Content[i].Value, m.Content[i+1].Value})
	}
	return out
}

// ConditionTerm builds one condition term.
func ConditionTerm(n *Node) (model.Term, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return nil, fmt.Errorf("line %d: a condition has exactly one key", n.Line)
	}
	key, v := n.Content[0].Value, n.Content[1]
	if f := conditionFormByKey(key); f != nil {
		return f.build(v), nil
	}
	switch key {
	case "all", "any", "none":
		out := &model.Operator{Type: Operators[key]}
		for _, c := range v.Content {
			t, err := ConditionTerm(c)
			if err != nil {
				return nil, err
			}
			out.Terms = append(out.Terms, t)
		}
		return out, nil
	case "osGroup":
		out := &model.OSGroup{}
		for _, g := range v.Content {
			name, _ := get(g, "name")
			os := model.OSExpressionGroup{Name: name}
			for _, p := range OSPlatformKeys {
				if x, ok := get(g, p[0]); ok {
					os.Platform = append(os.Platform, model.Attr{Name: p[1], Value: x})
				}
			}
			if cs := Lookup(g, "conditions"); cs != nil {
				for _, c := range cs.Content {
					t, err := ConditionTerm(c)
					if err != nil {
						return nil, err
					}
					os.Terms = append(os.Terms, t)
				}
			}
			out.Groups = append(out.Groups, os)
		}
		return out, nil
	case "expression":
		t, _ := get(v, "type")
		if !strings.Contains(t, "_") {
			t = model.ConditionClassPrefix + t
		}
		x := &model.Expression{Class: t}
		for _, a := range pairs(Lookup(v, "attributes")) {
			x.Attrs = append(x.Attrs, model.Attr{Name: a[0], Value: a[1]})
		}
		for _, p := range pairs(Lookup(v, "variables")) {
			x.Vars = append(x.Vars, model.ExprVar{Name: p[0], Value: p[1]})
		}
		return x, nil
	case "xml":
		e, err := model.ParseElem([]byte(v.Value))
		if err != nil {
			return nil, fmt.Errorf("line %d: condition xml: %w", v.Line, err)
		}
		return &model.Raw{E: e}, nil
	}
	return nil, fmt.Errorf("line %d: unknown condition %q", n.Line, key)
}

// build writes the expression a typed form v states.
func (f *ConditionForm) build(v *Node) *model.Expression {
	x := &model.Expression{Class: model.ConditionClass(f.Class), Vars: make([]model.ExprVar, 0, len(f.Vars))}
	if f.Key == variableForm {
		name, _ := get(v, "name")
		x.Vars = append(x.Vars, model.ExprVar{Name: "Variable", Value: name})
		for j := 0; j+1 < len(v.Content); j += 2 {
			switch op := v.Content[j].Value; op {
			case "name":
			case "exists", "notExists":
				x.Vars = append(x.Vars, model.ExprVar{Name: "Operator", Value: op})
			default:
				x.Vars = append(x.Vars, model.ExprVar{Name: "Operator", Value: op}, model.ExprVar{Name: "Value", Value: v.Content[j+1].Value})
			}
		}
		return x
	}
	value := func(fl ConditionField) (string, bool) {
		s, ok := get(v, fl.YAML)
		switch {
		case !ok && fl.Always:
			return fl.Default, true
		case !ok:
			return "", false
		}
		if m, mapped := fl.Values[s]; mapped {
			return m, true
		}
		if fl.Bool && fl.Always {
			return fl.Default, true // a boolean's other spellings state the default
		}
		return s, true
	}
	for _, fl := range f.Fields {
		if fl.Attr {
			if s, ok := value(fl); ok {
				x.Attrs = append(x.Attrs, model.Attr{Name: fl.Var, Value: s})
			}
		}
	}
	for _, name := range f.Vars {
		for _, fl := range f.Fields {
			if fl.Var != name || fl.Attr {
				continue
			}
			if s, ok := value(fl); ok {
				x.Vars = append(x.Vars, model.ExprVar{Name: name, Value: s})
			}
		}
	}
	return x
}

// FormValue is one key of a typed condition form as conversion writes it.
type FormValue struct {
	Key   string
	Value string
	Bool  bool // Value is "true" or "false", written as a YAML boolean
}

// Values reads expression x back into the form's keys, in order; ok is
// false when the form cannot state what x holds. A caller writes the keys
// and checks that they build x again (what the form leaves out, such as
// variables in another order, only that check finds).
func (f *ConditionForm) Values(x *model.Expression) (out []FormValue, ok bool) {
	if f.Key == variableForm {
		name, _ := x.Var("Variable")
		out = append(out, FormValue{Key: "name", Value: name})
		op, _ := x.Var("Operator")
		switch {
		case op == "exists" || op == "notExists":
			out = append(out, FormValue{Key: op, Value: "true", Bool: true})
		case isVariableOperator(op):
			val, _ := x.Var("Value")
			out = append(out, FormValue{Key: op, Value: val})
		default:
			return nil, false // another spelling: the expression form keeps it
		}
		return out, true
	}
	for _, fl := range f.Fields {
		var s string
		var present bool
		if fl.Attr {
			s, present = x.Attr(fl.Var)
		} else {
			s, present = x.Var(fl.Var)
		}
		if fl.Always && !fl.Shown && s == fl.Default {
			continue
		}
		if !present && !fl.Shown {
			continue
		}
		for k, stored := range fl.Values {
			if stored == s && (!fl.Bool || k == "true") {
				s = k
				break
			}
		}
		if fl.Bool {
			if s != "true" && s != "false" {
				return nil, false
			}
			if fl.Always && s == "false" {
				continue // the default, stated by leaving the key out
			}
		}
		out = append(out, FormValue{Key: fl.YAML, Value: s, Bool: fl.Bool})
	}
	return out, true
}

func isVariableOperator(op string) bool {
	for _, o := range VariableOperators {
		if o == op {
			return true
		}
	}
	return false
}
