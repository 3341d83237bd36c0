package convert

import (
	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/model"
)

// conditionNode converts the terms of a <condition>.
func conditionNode(terms []model.Term) *yaml.Node {
	if len(terms) == 0 {
		m := mapping()
		add(m, "all", flow(seq()))
		return m
	}
	if len(terms) == 1 {
		if e := terms[0].Elem(); e.Name == "operator" {
			if typ, _ := e.Attr("type"); typ == "and" {
				// A lone explicit "and" stays nested under the implicit one.
				m := mapping()
				add(m, "all", seq(termNode(terms[0])))
				return m
			}
		}
		return termNode(terms[0])
	}
	list := seq()
	for _, t := range terms {
		list.Content = append(list.Content, termNode(t))
	}
	m := mapping()
	add(m, "all", list)
	return m
}

// termNode converts one condition term: a typed form when it builds the
// term's element exactly, else the generic expression form, else the
// element as raw XML.
func termNode(t model.Term) *yaml.Node {
	want := t.Elem()
	for _, cand := range []func(model.Term) *yaml.Node{typedCondition, genericExpression} {
		n := cand(t)
		if n == nil {
			continue
		}
		got, err := config.ConditionTerm(config.NodeOf(n))
		if err == nil && model.EqualElem(got.Elem(), want) {
			return n
		}
	}
	m := mapping()
	add(m, "xml", str(string(model.MarshalElem(want))))
	return m
}

func typedCondition(t model.Term) *yaml.Node {
	m := mapping()
	switch t := t.(type) {
	case *model.Operator:
		key := config.OperatorForm(t.Type)
		if key == "" {
			return nil
		}
		list := seq()
		for _, c := range t.Terms {
			list.Content = append(list.Content, termNode(c))
		}
		add(m, key, list)
		return m
	case *model.OSGroup:
		list := seq()
		for _, g := range t.Groups {
			gm := mapping()
			add(gm, "name", str(g.Name))
			pk := model.Elem{Attrs: g.Platform}
			for _, p := range config.OSPlatformKeys {
				if v, ok := pk.Attr(p[1]); ok {
					add(gm, p[0], str(v))
				}
			}
			if len(g.Terms) > 0 {
				cs := seq()
				for _, c := range g.Terms {
					cs.Content = append(cs.Content, termNode(c))
				}
				add(gm, "conditions", cs)
			}
			list.Content = append(list.Content, gm)
		}
		add(m, "osGroup", list)
		return m
	case *model.Expression:
		form := config.ConditionFormOf(t)
		if form == nil {
			return nil
		}
		values, ok := form.Values(t)
		if !ok {
			return nil
		}
		body := flow(mapping())
		for _, v := range values {
			if v.Bool {
				add(body, v.Key, boolean(v.Value == "true"))
			} else {
				add(body, v.Key, str(v.Value))
			}
		}
		add(m, form.Key, body)
		return m
	}
	return nil
}

func genericExpression(t model.Term) *yaml.Node {
	x, ok := t.(*model.Expression)
	if !ok {
		return nil
	}
	body := mapping()
	add(body, "type", str(x.Class))
	if len(x.Vars) > 0 {
		vars := mapping()
		for _, v := range x.Vars {
			add(vars, v.Name, str(v.Value))
		}
		add(body, "variables", vars)
	}
	if len(x.Attrs) > 0 {
		attrs := mapping()
		for _, a := range x.Attrs {
			add(attrs, a.Name, str(a.Value))
		}
		add(body, "attributes", attrs)
	}
	m := mapping()
	add(m, "expression", body)
	return m
}
