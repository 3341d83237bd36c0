package schema

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// resolve walks a JSON pointer ("/$defs/step/properties/x") through the
// schema document.
func resolve(ptr string) map[string]any {
	doc, err := schemaDocument()
	if err != nil {
		return nil
	}
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		switch c := cur.(type) {
		case map[string]any:
			cur = c[unescape(tok)]
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	m, _ := cur.(map[string]any)
	return m
}

// properties lists the properties an object schema names, in its branches
// (anyOf, oneOf) too.
func properties(s map[string]any) []string {
	var out []string
	if ps, ok := s["properties"].(map[string]any); ok {
		for k := range ps {
			out = append(out, k)
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		branches, _ := s[key].([]any)
		for _, b := range branches {
			if bm, ok := b.(map[string]any); ok {
				out = append(out, properties(bm)...)
			}
		}
	}
	sort.Strings(out)
	return out
}

// stepKind reports whether the step property prop is a step kind (its value
// is a mapping of the kind's own properties) rather than a property of the
// step itself such as name or timeout.
func stepKind(prop string) bool {
	s := resolve("/$defs/step/properties/" + prop)
	return s != nil && (len(properties(s)) > 0 || s["maxProperties"] != nil)
}

// unknownPropertyHint says what to do about key, which the object node may
// not hold: schemaLoc is where the schema refused it (the fragment of the
// violation's absolute keyword location, ending in /additionalProperties).
// A step's own property written inside its kind, or a kind's property
// written beside the step's name, gets told where it goes; otherwise the
// closest allowed names are offered.
func unknownPropertyHint(schemaLoc string, node *yaml.Node, key string) string {
	loc := strings.TrimSuffix(schemaLoc, "/additionalProperties")
	const step = "/$defs/step"
	if kind, ok := strings.CutPrefix(loc, step+"/properties/"); ok {
		kind, _, _ = strings.Cut(kind, "/")
		if resolve(step+"/properties/"+key) != nil && !stepKind(key) {
			return fmt.Sprintf("%s is a property of the step, not of %s: write it beside name:", key, kind)
		}
	}
	if loc == step {
		var kinds []string
		for _, k := range properties(resolve(step)) {
			if stepKind(k) && slices.Contains(properties(resolve(step+"/properties/"+k)), key) {
				kinds = append(kinds, k)
			}
		}
		for _, k := range kinds {
			if field(node, k) != nil {
				return fmt.Sprintf("%s belongs inside %s: write %s: { %s: ... }", key, k, k, key)
			}
		}
		if len(kinds) > 0 {
			return fmt.Sprintf("%s belongs inside a step kind (%s), e.g. %s: { %s: ... }", key, strings.Join(kinds, ", "), kinds[0], key)
		}
	}
	if s := diag.Similar(key, properties(resolve(loc))); len(s) > 0 {
		return diag.DidYouMean(s)
	}
	return ""
}
