package desired

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/model"
)

// ConditionChildren converts a condition node into the children of <condition>:
// a top-level `all` is the condition's own implicit AND.
func ConditionChildren(n *config.Node) ([]*model.Elem, error) {
	if all := config.Lookup(n, "all"); all != nil && len(n.Content) == 2 {
		var out []*model.Elem
		for _, c := range all.Content {
			e, err := ConditionElem(c)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	e, err := ConditionElem(n)
	if err != nil {
		return nil, err
	}
	return []*model.Elem{e}, nil
}

func expr(class string, attrs []model.Attr, kv ...string) *model.Elem {
	e := &model.Elem{Name: "expression", Attrs: append([]model.Attr{{Name: "type", Value: "SMS_TaskSequence_" + class}}, attrs...)}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Children = append(e.Children, &model.Elem{Name: "variable", Attrs: []model.Attr{{Name: "name", Value: kv[i]}}, Text: kv[i+1]})
	}
	return e
}

func get(m *config.Node, k string) (string, bool) {
	if f := config.Lookup(m, k); f != nil {
		return f.Value, true
	}
	return "", false
}

// opt appends name/value pairs for the YAML keys present: yamlKey, Name, …
func opt(m *config.Node, kv []string, pairs ...string) []string {
	for i := 0; i+1 < len(pairs); i += 2 {
		if v, ok := get(m, pairs[i]); ok {
			kv = append(kv, pairs[i+1], v)
		}
	}
	return kv
}

// mapPairs returns a mapping's key/value pairs in file order.
func mapPairs(m *config.Node) [][2]string {
	var out [][2]string
	if m == nil {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, [2]string{m.Content[i].Value, m.Content[i+1].Value})
	}
	return out
}

func ConditionElem(n *config.Node) (*model.Elem, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return nil, fmt.Errorf("line %d: a condition has exactly one key", n.Line)
	}
	key, v := n.Content[0].Value, n.Content[1]
	switch key {
	case "variable":
		name, _ := get(v, "name")
		kv := []string{"Variable", name}
		for j := 0; j+1 < len(v.Content); j += 2 {
			switch op := v.Content[j].Value; op {
			case "name":
			case "exists", "notExists":
				kv = append(kv, "Operator", op)
			default:
				kv = append(kv, "Operator", op, "Value", v.Content[j+1].Value)
			}
		}
		return expr("VariableConditionExpression", nil, kv...), nil
	case "wmi":
		ns, ok := get(v, "namespace")
		if !ok {
			ns = `root\cimv2`
		}
		q, _ := get(v, "query")
		var attrs []model.Attr
		if x, ok := get(v, "ignoreQueryFailure"); ok {
			attrs = append(attrs, model.Attr{Name: "ignoreQueryFailure", Value: x})
		}
		return expr("WMIConditionExpression", attrs, "Namespace", ns, "Query", q), nil
	case "file":
		return expr("FileConditionExpression", nil, opt(v, nil, "path", "Path", "version", "Version", "versionOperator", "VersionOperator", "dateTime", "DateTime", "dateTimeOperator", "DateTimeOperator")...), nil
	case "folder":
		return expr("FolderConditionExpression", nil, opt(v, nil, "path", "Path", "dateTime", "DateTime", "dateTimeOperator", "DateTimeOperator")...), nil
	case "registry":
		kv := opt(v, nil, "key", "KeyPath", "value", "Value", "type", "Type", "data", "Data")
		op, _ := get(v, "operator")
		if op == "notExists" {
			op = "nonExists" // the class's own spelling
		}
		return expr("RegistryConditionExpression", nil, append(kv, "Operator", op)...), nil
	case "software":
		op := "ThisVersion"
		if any, _ := get(v, "anyVersion"); any == "true" {
			op = "AnyVersion"
		}
		kv := opt(v, nil, "productCode", "ProductCode", "upgradeCode", "UpgradeCode", "productName", "ProductName", "version", "Version")
		return expr("SoftwareConditionExpression", nil, append(kv, "Operator", op)...), nil
	case "makeModel":
		return expr("MakeModelConditionExpression", nil, opt(v, nil, "make", "Make", "model", "Model")...), nil
	case "computer":
		return expr("ComputerConditionExpression", nil, opt(v, nil, "assetTag", "AssetTag", "macAddress", "MACAddress", "serialNumber", "SerialNumber", "uuid", "UUID")...), nil
	case "all", "any", "none":
		t := map[string]string{"all": "and", "any": "or", "none": "not"}[key]
		out := &model.Elem{Name: "operator", Attrs: []model.Attr{{Name: "type", Value: t}}}
		for _, c := range v.Content {
			e, err := ConditionElem(c)
			if err != nil {
				return nil, err
			}
			out.Children = append(out.Children, e)
		}
		return out, nil
	case "osGroup":
		out := &model.Elem{Name: "osConditionGroup", Attrs: []model.Attr{{Name: "type", Value: "or"}}}
		for _, g := range v.Content {
			name, _ := get(g, "name")
			eg := &model.Elem{Name: "osExpressionGroup", Attrs: []model.Attr{{Name: "type", Value: "and"}, {Name: "name", Value: name}}}
			pk := &model.Elem{Name: "platformKey"}
			for _, p := range [][2]string{{"arch", "arch"}, {"type", "type"}, {"minVersion", "minVer"}, {"maxVersion", "maxVer"}} {
				if x, ok := get(g, p[0]); ok {
					pk.Attrs = append(pk.Attrs, model.Attr{Name: p[1], Value: x})
				}
			}
			eg.Children = append(eg.Children, pk)
			if cs := config.Lookup(g, "conditions"); cs != nil {
				for _, c := range cs.Content {
					e, err := ConditionElem(c)
					if err != nil {
						return nil, err
					}
					eg.Children = append(eg.Children, e)
				}
			}
			out.Children = append(out.Children, eg)
		}
		return out, nil
	case "expression":
		t, _ := get(v, "type")
		if !strings.Contains(t, "_") {
			t = "SMS_TaskSequence_" + t
		}
		e := &model.Elem{Name: "expression", Attrs: []model.Attr{{Name: "type", Value: t}}}
		for _, a := range mapPairs(config.Lookup(v, "attributes")) {
			e.Attrs = append(e.Attrs, model.Attr{Name: a[0], Value: a[1]})
		}
		for _, p := range mapPairs(config.Lookup(v, "variables")) {
			e.Children = append(e.Children, &model.Elem{Name: "variable", Attrs: []model.Attr{{Name: "name", Value: p[0]}}, Text: p[1]})
		}
		return e, nil
	case "xml":
		e, err := model.ParseElem([]byte(v.Value))
		if err != nil {
			return nil, fmt.Errorf("line %d: condition xml: %w", v.Line, err)
		}
		return e, nil
	}
	return nil, fmt.Errorf("line %d: unknown condition %q", n.Line, key)
}

// rules builds the Set Dynamic Variables Rules document the console writes.
func (sb *stepBuilder) rules(list *config.Node) string {
	var b strings.Builder
	b.WriteString("<Rules>")
	for _, r := range list.Content {
		b.WriteString("<Rule>")
		if c := config.Lookup(r, "condition"); c != nil {
			kids, err := ConditionChildren(c)
			if err != nil {
				sb.ds.AddErr(sb.pos(c), err)
			}
			model.WriteFull(&b, &model.Elem{Name: "condition", Children: sortedExprVars(kids)})
		}
		b.WriteString("<Variables>")
		vars := config.Lookup(r, "variables")
		if vars != nil {
			for i := 0; i+1 < len(vars.Content); i += 2 {
				name, v := vars.Content[i].Value, vars.Content[i+1]
				secret, value := "false", v.Value
				if v.Kind == yaml.MappingNode {
					var s config.Secret
					if err := v.Decode(&s); err != nil {
						sb.ds.AddErr(sb.pos(v), err)
						continue
					}
					secret, value = "true", sb.secret(&s, "rules")
				}
				model.WriteFull(&b, &model.Elem{Name: "Variable", Attrs: []model.Attr{{Name: "Name", Value: name}, {Name: "IsSecret", Value: secret}}, Text: value})
			}
		}
		b.WriteString("</Variables></Rule>")
	}
	b.WriteString("</Rules>\n")
	return b.String()
}

func sortedExprVars(es []*model.Elem) []*model.Elem {
	for _, e := range es {
		if e.Name == "expression" {
			sort.SliceStable(e.Children, func(i, j int) bool {
				a, _ := e.Children[i].Attr("name")
				b, _ := e.Children[j].Attr("name")
				return a < b
			})
		}
		sortedExprVars(e.Children)
	}
	return es
}
