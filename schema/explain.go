package schema

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// namePattern is the pattern of every name property: no control
// characters.
const namePattern = `^[^\x00-\x1f\x7f-\x9f]*$`

// explain words a violation of keyword, in schema object s, by the YAML
// value node, better than the validator's message: the allowed values of
// an enum or the value of a const (and a wrong casing as such), an integer's range and type, a
// name's control character. ok is false when it has nothing better.
func explain(keyword string, s map[string]any, node *yaml.Node) (msg, hint string, ok bool) {
	if s == nil || node == nil || node.Kind != yaml.ScalarNode {
		return "", "", false
	}
	switch keyword {
	case "enum", "const":
		values := asList(s["enum"])
		if keyword == "const" {
			values = []any{s["const"]} // a one-value enum: highRisk: accept
		}
		var allowed []string
		for _, e := range values {
			str, isStr := e.(string)
			if !isStr {
				return "", "", false
			}
			allowed = append(allowed, str)
		}
		if node.ShortTag() != "!!str" {
			return fmt.Sprintf("%s is not one of %s", node.Value, quoteAll(allowed, ", ")), "", true
		}
		var cased []string
		for _, a := range allowed {
			if strings.EqualFold(a, node.Value) {
				cased = append(cased, a)
			}
		}
		if len(cased) > 0 {
			return fmt.Sprintf("%q is not allowed: use %s: values are case-sensitive", node.Value, quoteAll(cased, " or ")), "", true
		}
		if similar := diag.Similar(node.Value, allowed); len(similar) > 0 {
			hint = diag.DidYouMean(similar)
		}
		return fmt.Sprintf("%q is not one of %s", node.Value, quoteAll(allowed, ", ")), hint, true
	case "minimum", "maximum":
		lo, hasLo := bound(s["minimum"])
		hi, hasHi := bound(s["maximum"])
		var r string
		switch {
		case hasLo && hasHi:
			r = fmt.Sprintf("from %s to %s", lo, hi)
		case hasLo:
			r = "at least " + lo
		case hasHi:
			r = "at most " + hi
		}
		if what := ranges[lo+" "+hi]; what != "" {
			r += ", " + what
		}
		return fmt.Sprintf("%s is out of range (allowed: %s)", node.Value, r), "", true
	case "minLength", "maxLength":
		n := utf8.RuneCountInString(node.Value)
		lo, hasLo := bound(s["minLength"])
		hi, hasHi := bound(s["maxLength"])
		switch {
		case hasLo && hasHi:
			return fmt.Sprintf("is %d characters long; it has %s to %s", n, lo, hi), "", true
		case hasHi:
			return fmt.Sprintf("is %d characters long; it has at most %s", n, hi), "", true
		case hasLo:
			return fmt.Sprintf("is %d characters long; it has at least %s", n, lo), "", true
		}
	case "pattern":
		p, _ := s["pattern"].(string)
		if w, ok := patterns[p]; ok {
			return fmt.Sprintf("%q is not %s", node.Value, w[0]), w[1], true
		}
		if p != namePattern {
			return "", "", false
		}
		for _, c := range node.Value {
			if c < 0x20 || c >= 0x7f && c <= 0x9f {
				return fmt.Sprintf("contains the control character U+%04X", c), "names are shown in the console and logs: remove it", true
			}
		}
	}
	return "", "", false
}

// patterns word the schema's patterns (other than names'): what a value
// is not, and how to write one.
var patterns = map[string][2]string{
	`^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$`: {"a date and time",
		"write a date and a time of day: 2026-03-02 08:00 (timeZone: says whether clients read it as UTC or their local time)"},
	`^(/|[^/\x00-\x1f\x7f-\x9f]+(/[^/\x00-\x1f\x7f-\x9f]+)*)$`: {"a folder path",
		"name folders from the root, separated by / and none empty: OSD/Production (/ for the root)"},
	`^$|^[0-9]+ (KB|MB|GB)$`: {"a disk space", "write a size and its unit: 500 MB"},
}

// ranges names the integer ranges of the schema by what they hold.
var ranges = map[string]string{
	"0 4294967295":           "the property is a uint32",
	"1 71582788":             "minutes that fit a uint32 number of seconds",
	"-2147483648 4294967295": "a 32-bit exit code, signed or unsigned",
}

func asList(v any) []any { l, _ := v.([]any); return l }

// bound is a schema's minimum or maximum as written.
func bound(v any) (string, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return "", false
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return strconv.FormatInt(i, 10), true
	}
	return string(n), true
}

func quoteAll(values []string, sep string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, sep)
}
