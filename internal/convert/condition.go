package convert

import (
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/model"
)

// conditionNode converts the children of a <condition> element.
func conditionNode(kids []*model.Elem) *yaml.Node {
	if len(kids) == 0 {
		m := mapping()
		add(m, "all", flow(seq()))
		return m
	}
	if len(kids) == 1 {
		if t, _ := kids[0].Attr("type"); kids[0].Name == "operator" && t == "and" {
			// A lone explicit "and" stays nested under the implicit one.
			m := mapping()
			add(m, "all", seq(condElemNode(kids[0])))
			return m
		}
		return condElemNode(kids[0])
	}
	list := seq()
	for _, k := range kids {
		list.Content = append(list.Content, condElemNode(k))
	}
	m := mapping()
	add(m, "all", list)
	return m
}

// condElemNode converts one condition element: a typed form when it
// reproduces the element exactly, else the generic expression form, else
// the element as raw XML.
func condElemNode(e *model.Elem) *yaml.Node {
	want := e
	for _, cand := range []func(*model.Elem) *yaml.Node{typedCondition, genericExpression} {
		n := cand(e)
		if n == nil {
			continue
		}
		got, err := desired.ConditionElem(config.NodeOf(n))
		if err == nil && reflect.DeepEqual(got, want) {
			return n
		}
	}
	m := mapping()
	add(m, "xml", str(string(model.MarshalElem(e))))
	return m
}

func exprVars(e *model.Elem) (map[string]string, []string) {
	vars := map[string]string{}
	var order []string
	for _, c := range e.Children {
		n, _ := c.Attr("name")
		vars[n] = c.Text
		order = append(order, n)
	}
	return vars, order
}

func typedCondition(e *model.Elem) *yaml.Node {
	m := mapping()
	switch e.Name {
	case "operator":
		t, _ := e.Attr("type")
		key := map[string]string{"and": "all", "or": "any", "not": "none"}[t]
		if key == "" || len(e.Attrs) != 1 || e.Text != "" {
			return nil
		}
		list := seq()
		for _, c := range e.Children {
			list.Content = append(list.Content, condElemNode(c))
		}
		add(m, key, list)
		return m
	case "osConditionGroup":
		list := seq()
		for _, g := range e.Children {
			if g.Name != "osExpressionGroup" || len(g.Children) == 0 || g.Children[0].Name != "platformKey" {
				return nil
			}
			gm := mapping()
			name, _ := g.Attr("name")
			add(gm, "name", str(name))
			for _, p := range [][2]string{{"arch", "arch"}, {"type", "type"}, {"minVer", "minVersion"}, {"maxVer", "maxVersion"}} {
				if v, ok := g.Children[0].Attr(p[0]); ok {
					add(gm, p[1], str(v))
				}
			}
			if len(g.Children) > 1 {
				cs := seq()
				for _, c := range g.Children[1:] {
					cs.Content = append(cs.Content, condElemNode(c))
				}
				add(gm, "conditions", cs)
			}
			list.Content = append(list.Content, gm)
		}
		add(m, "osGroup", list)
		return m
	case "expression":
	default:
		return nil
	}
	t, _ := e.Attr("type")
	vars, _ := exprVars(e)
	body := flow(mapping())
	field := func(yamlKey, name string) {
		if v, ok := vars[name]; ok {
			add(body, yamlKey, str(v))
		}
	}
	switch t {
	case "SMS_TaskSequence_VariableConditionExpression":
		add(body, "name", str(vars["Variable"]))
		op := vars["Operator"]
		switch op {
		case "exists", "notExists":
			add(body, op, boolean(true))
		case "equals", "notEquals", "less", "lessEqual", "greater", "greaterEqual", "like", "notLike":
			add(body, op, str(vars["Value"]))
		default:
			return nil // another spelling: the expression form keeps it
		}
		add(m, "variable", body)
	case "SMS_TaskSequence_WMIConditionExpression":
		add(body, "query", str(vars["Query"]))
		if ns := vars["Namespace"]; ns != `root\cimv2` {
			add(body, "namespace", str(ns))
		}
		if v, ok := e.Attr("ignoreQueryFailure"); ok {
			b := v == "true"
			if !b && v != "false" {
				return nil
			}
			add(body, "ignoreQueryFailure", boolean(b))
		}
		add(m, "wmi", body)
	case "SMS_TaskSequence_FileConditionExpression":
		field("path", "Path")
		field("version", "Version")
		field("versionOperator", "VersionOperator")
		field("dateTime", "DateTime")
		field("dateTimeOperator", "DateTimeOperator")
		add(m, "file", body)
	case "SMS_TaskSequence_FolderConditionExpression":
		field("path", "Path")
		field("dateTime", "DateTime")
		field("dateTimeOperator", "DateTimeOperator")
		add(m, "folder", body)
	case "SMS_TaskSequence_RegistryConditionExpression":
		field("key", "KeyPath")
		field("value", "Value")
		op := vars["Operator"]
		if op == "nonExists" {
			op = "notExists"
		}
		add(body, "operator", str(op))
		field("type", "Type")
		field("data", "Data")
		add(m, "registry", body)
	case "SMS_TaskSequence_SoftwareConditionExpression":
		field("productCode", "ProductCode")
		field("upgradeCode", "UpgradeCode")
		field("productName", "ProductName")
		field("version", "Version")
		if vars["Operator"] == "AnyVersion" {
			add(body, "anyVersion", boolean(true))
		}
		add(m, "software", body)
	case "SMS_TaskSequence_MakeModelConditionExpression":
		field("make", "Make")
		field("model", "Model")
		add(m, "makeModel", body)
	case "SMS_TaskSequence_ComputerConditionExpression":
		field("assetTag", "AssetTag")
		field("macAddress", "MACAddress")
		field("serialNumber", "SerialNumber")
		field("uuid", "UUID")
		add(m, "computer", body)
	default:
		return nil
	}
	return m
}

func genericExpression(e *model.Elem) *yaml.Node {
	if e.Name != "expression" {
		return nil
	}
	body := mapping()
	t, _ := e.Attr("type")
	add(body, "type", str(t))
	if len(e.Children) > 0 {
		vars := mapping()
		for _, c := range e.Children {
			if c.Name != "variable" || len(c.Children) > 0 {
				return nil
			}
			n, _ := c.Attr("name")
			add(vars, n, str(c.Text))
		}
		add(body, "variables", vars)
	}
	if len(e.Attrs) > 1 {
		attrs := mapping()
		for _, a := range e.Attrs[1:] {
			add(attrs, a.Name, str(a.Value))
		}
		add(body, "attributes", attrs)
	}
	m := mapping()
	add(m, "expression", body)
	return m
}
