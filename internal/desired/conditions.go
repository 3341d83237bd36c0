package desired

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/model"
)

// rules builds the Set Dynamic Variables Rules document the console writes.
func (sb *stepBuilder) rules(list *config.Node) string {
	var b strings.Builder
	b.WriteString("<Rules>")
	for _, r := range list.Content {
		b.WriteString("<Rule>")
		if c := config.Lookup(r, "condition"); c != nil {
			terms, err := config.ConditionTerms(c)
			if err != nil {
				sb.ds.AddErr(sb.pos(c), err)
			}
			model.WriteFull(&b, &model.Elem{Name: "condition", Children: sortedExprVars(model.TermElems(terms))})
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
