package diff

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/plan"
)

// Tree lists every group and step of a sequence created (a is
// plan.Create; steps as the site will store them, cfg the configuration's
// steps they were built from) or deleted (plan.Delete; steps as the site
// stores them, cfg nil), depth-first and in the shape of step changes: the
// path, the step class, and each setting as a change with only an after
// (created) or a before (deleted) value. References are named: by the name
// the configuration gives, else by the site's name for the PackageID
// (siteName), as "Name (PS100004)" or "Name (known after apply)".
func Tree(steps []*model.Step, cfg []*config.Step, a plan.Action, siteName func(id string) string) []plan.StepChange {
	var out []plan.StepChange
	var walk func(steps []*model.Step, cfg []*config.Step, prefix string)
	walk = func(steps []*model.Step, cfg []*config.Step, prefix string) {
		if len(cfg) != len(steps) {
			cfg = nil // not built one to one: name references by the site alone
		}
		ps := paths(prefix, steps)
		for i, s := range steps {
			var cs *config.Step
			if cfg != nil {
				cs = cfg[i]
			}
			out = append(out, plan.StepChange{Path: ps[i], Action: a, Type: stepType(s), Changes: stepSettings(s, cs, a, siteName)})
			var kids []*config.Step
			if cs != nil {
				kids = cs.Steps
			}
			walk(s.Steps, kids, ps[i])
		}
	}
	walk(steps, cfg, "")
	return out
}

// stepSettings lists what a step holds: its options (only those not at
// their default: a description, disabled, continue on error, runIn,
// success codes, retries, time-out, condition, extra attributes) and its
// properties by name, secrets marked sensitive.
func stepSettings(s *model.Step, cs *config.Step, a plan.Action, siteName func(string) string) []plan.Change {
	var out []plan.Change
	add := func(field, v string, sensitive bool) {
		c := plan.Change{Field: field, Sensitive: sensitive}
		if a == plan.Delete {
			c.Before, c.HasBefore = v, true
		} else {
			c.After, c.HasAfter = v, true
		}
		out = append(out, c)
	}
	if s.Description != "" {
		add("description", s.Description, false)
	}
	if s.Disabled {
		add("enabled", "false", false)
	}
	if s.ContinueOnError {
		add("continueOnError", "true", false)
	}
	cls := model.Lookup(s.Type)
	// The options a site fills in for every step are shown only when they
	// say something: runIn other than the class's default; success codes,
	// retries and run-from-network other than their defaults and not
	// already shown as the property they mirror.
	defRunIn, codesProp, retryProp, netProp := model.WinPEandFullOS, "", "", ""
	if cls != nil {
		if cls.DefaultRunIn != "" {
			defRunIn = cls.DefaultRunIn
		}
		codesProp, retryProp, netProp = cls.SuccessCodesProp, cls.RetryCountProp, cls.RunFromNetProp
	}
	for _, o := range []struct {
		name, def, mirrors string
		v                  *string
	}{{"runIn", defRunIn, "", s.RunIn}, {"successCodeList", "0", codesProp, s.SuccessCodes}, {"retryCount", "0", retryProp, s.RetryCount},
		{"runFromNet", "false", netProp, s.RunFromNet}, {"timeout", "", "", s.Timeout}} {
		if o.v != nil && *o.v != o.def && o.mirrors == "" && !(s.Kind == model.KindGroup && o.name == "runIn") {
			add(o.name, *o.v, false)
		}
	}
	if c := model.ConditionString(s.Condition); c != "" {
		add("condition", c, false)
	}
	if len(s.Extra) > 0 {
		add("attributes", attrString(s.Extra), false)
	}
	named := configRefNames(cs)
	scripts := scriptProps(s.Type)
	vars := s.Vars
	byProperty := func(a, b model.Variable) int { return strings.Compare(a.Property, b.Property) }
	if !slices.IsSortedFunc(vars, byProperty) {
		vars = slices.Clone(vars)
		slices.SortStableFunc(vars, byProperty)
	}
	out = slices.Grow(out, len(vars))
	for _, v := range vars {
		sensitive := false
		if cls != nil {
			p := cls.Prop(v.Property)
			if p != nil && p.Default != nil && *p.Default == v.Value && named[v.Property] == nil {
				continue // the class's default: nothing to review
			}
			sensitive = cls.Sensitive(v.Property, v.Value)
		}
		value := v.Value
		switch {
		case sensitive:
		case scripts[v.Property]:
			if text, err := desired.DecodeScript(value); err == nil {
				value = text
			}
		default:
			value = NameRefs(value, named[v.Property], siteName)
		}
		add(v.Property, value, sensitive)
	}
	return out
}

// scriptProps are the properties of a step class that hold an inline
// script as the console stores it (Base64 of UTF-16LE), shown as text.
func scriptProps(class string) map[string]bool {
	k := config.KindForClass(class)
	if k == nil {
		return nil
	}
	var out map[string]bool
	for _, fl := range k.Fields {
		if fl.Type == config.TScript {
			if out == nil {
				out = map[string]bool{}
			}
			out[fl.Prop] = true
		}
	}
	return out
}

// configRefNames maps the properties of a configuration step that hold
// references to the names written for them, in order (an entry given by
// {id: …} is ""). Nil for a step without a typed kind.
func configRefNames(cs *config.Step) map[string][]string {
	if cs == nil {
		return nil
	}
	k := config.KindOf(cs.Kind)
	if k == nil || !hasRefFields(k) {
		return nil
	}
	body := cs.Body()
	if body == nil {
		return nil
	}
	out := map[string][]string{}
	for _, fl := range k.Fields {
		var v *config.Node
		if body.Kind == yaml.ScalarNode {
			if fl.YAML == k.Shorthand {
				v = body
			}
		} else {
			v = config.Lookup(body, fl.YAML)
		}
		if v == nil {
			continue
		}
		switch fl.Type {
		case config.TRef:
			if v.Kind == yaml.ScalarNode {
				out[fl.Prop] = []string{v.Value}
			}
		case config.TRefList, config.TApps:
			names := make([]string, len(v.Content))
			for i, c := range v.Content {
				if c.Kind == yaml.ScalarNode {
					names[i] = c.Value
				}
			}
			out[fl.Prop] = names
		}
	}
	return out
}

// hasRefFields reports whether a step kind has fields that hold
// references (so a step of it names what it refers to): the body of a
// step of any other kind need not be decoded.
func hasRefFields(k *config.Kind) bool {
	for _, fl := range k.Fields {
		switch fl.Type {
		case config.TRef, config.TRefList, config.TApps:
			return true
		}
	}
	return false
}

// NameRefs writes a reference value (a PackageID, a comma-separated list
// of them, or application model names) with the names of what it refers
// to: the names the configuration gives (in order), else the site's.
// Values that name nothing are returned as they are.
func NameRefs(value string, names []string, siteName func(string) string) string {
	if value == "" {
		return value
	}
	ids := strings.Split(value, ",")
	if len(names) != len(ids) {
		names = nil
	}
	changed := false
	for i, id := range ids {
		n := ""
		if names != nil {
			n = names[i]
		}
		if n == "" && siteName != nil {
			n = siteName(id)
		}
		if n != "" && !strings.EqualFold(n, id) {
			if strings.HasPrefix(id, "(") { // desired.Pending: "(known after apply)"
				ids[i] = n + " " + id
			} else {
				ids[i] = n + " (" + id + ")"
			}
			changed = true
		}
	}
	if !changed {
		return value
	}
	return strings.Join(ids, ", ")
}
