package config

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// decodeLint reads a lint: {ignore: [{code, reason}]} mapping (its shape
// is checked by the schema).
func decodeLint(file string, n *yaml.Node) []LintIgnore {
	var out []LintIgnore
	mapping(n, func(key string, _, v *yaml.Node) {
		if key != "ignore" {
			return
		}
		for _, item := range deref(v).Content {
			l := LintIgnore{Pos: pos(file, item)}
			mapping(deref(item), func(key string, _, v *yaml.Node) {
				switch key {
				case "code":
					l.Code, l.Pos = v.Value, pos(file, v)
				case "reason":
					l.Reason = v.Value
				}
			})
			out = append(out, l)
		}
	})
	return out
}

// checkLintIgnores refuses an ignored code that is not a lint warning (an
// unknown code, or TS005, which is an error) and an ignore without a
// reason.
func checkLintIgnores(list []LintIgnore, ds *diag.List) {
	for _, l := range list {
		c, ok := LookupLintCode(l.Code)
		switch {
		case !ok:
			hint := "lint codes: " + strings.Join(LintCodeNames(), ", ")
			if s := diag.Similar(l.Code, LintCodeNames()); len(s) > 0 {
				hint = diag.DidYouMean(s)
			}
			ds.AddHint(l.Pos, hint, "lint: ignore: %q is not a lint code", l.Code)
		case c.Error:
			ds.AddHint(l.Pos, "an error cannot be ignored; fix its cause", "lint: ignore: %s (%s) is an error, not a warning", c.Code, c.Summary)
		case strings.TrimSpace(l.Reason) == "":
			ds.AddHint(l.Pos, fmt.Sprintf("say why it does not apply here: {code: %s, reason: \"…\"}", c.Code),
				"lint: ignore: %s needs a reason", c.Code)
		}
	}
}
