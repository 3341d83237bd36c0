package schema

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// A quick check before the validator: most configurations are valid, and
// the JSON Schema validator's cost is mostly its generality (every value
// converted into maps and slices first, a location string built for each).
// quick interprets the keywords tsctl's schema uses directly on the YAML
// nodes and answers only "certainly valid" or "not sure". Not sure — a
// violation, or anything it does not model exactly (aliases, floats, tags,
// duplicate keys, a keyword it does not know) — sends the node to the real
// validator, which stays the one judge of what is wrong and how it is
// reported. FuzzQuickCheck checks that quick never passes what the
// validator rejects.
type quick struct {
	types              typeSet // 0: any
	props              map[string]*quick
	additional         *quick
	noAdditional       bool
	required           []string
	minProps, maxProps int // -1: none
	items              *quick
	minItems           int
	minLen, maxLen     int // -1: none
	minimum, maximum   *int64
	enum               []any // strings, int64s and bools
	hasConst           bool
	constant           any
	pattern            func(string) bool // a pattern's MatchString
	anyOf              []*quick
	ref                *quick
	names              *quick // propertyNames: each key, as a string
	notConst           any    // not: {const: …}, the one form of not quick models
	hasNotConst        bool
	unknown            bool // a keyword quick does not model: always "not sure"
}

type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBool
	tInt
	tNumber
	tString
	tArray
	tObject
)

var typeNames = map[string]typeSet{"null": tNull, "boolean": tBool, "integer": tInt, "number": tNumber | tInt,
	"string": tString, "array": tArray, "object": tObject}

// ignored keywords annotate and do not constrain.
var ignored = map[string]bool{"description": true, "examples": true, "default": true, "title": true,
	"$id": true, "$schema": true, "$defs": true, "$comment": true}

// schemaDocument is the schema as plain JSON values (numbers kept as
// json.Number), decoded once for the quick check and the hints.
var schemaDocument = sync.OnceValues(func() (map[string]any, error) {
	var doc map[string]any
	d := json.NewDecoder(strings.NewReader(string(JSON)))
	d.UseNumber()
	return doc, d.Decode(&doc)
})

// quickSchemas are the quick forms of the document schema and of its
// sequence definition.
var quickSchemas = sync.OnceValues(func() (*[2]*quick, error) {
	doc, err := schemaDocument()
	if err != nil {
		return nil, err
	}
	defs, _ := doc["$defs"].(map[string]any)
	c := &quickCompiler{defs: defs, done: map[string]*quick{}}
	root, err := c.compile(doc)
	if err != nil {
		return nil, err
	}
	seq, err := c.def("sequence")
	if err != nil {
		return nil, err
	}
	return &[2]*quick{root, seq}, nil
})

type quickCompiler struct {
	defs map[string]any
	done map[string]*quick
}

func (c *quickCompiler) def(name string) (*quick, error) {
	if q, ok := c.done[name]; ok {
		return q, nil
	}
	raw, ok := c.defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no $defs/%s", name)
	}
	q := &quick{}
	c.done[name] = q // before compiling: definitions may refer to themselves
	full, err := c.compile(raw)
	if err != nil {
		return nil, err
	}
	*q = *full
	return q, nil
}

func (c *quickCompiler) compile(s map[string]any) (*quick, error) {
	q := &quick{minProps: -1, maxProps: -1, minLen: -1, maxLen: -1}
	for k, v := range s {
		switch k {
		case "type":
			switch t := v.(type) {
			case string:
				q.types |= typeNames[t]
			case []any:
				for _, e := range t {
					name, _ := e.(string)
					q.types |= typeNames[name]
				}
			}
			if q.types == 0 {
				q.unknown = true
			}
		case "properties":
			q.props = map[string]*quick{}
			for name, sub := range v.(map[string]any) {
				p, err := c.compile(sub.(map[string]any))
				if err != nil {
					return nil, err
				}
				q.props[name] = p
			}
		case "additionalProperties":
			switch a := v.(type) {
			case bool:
				q.noAdditional = !a
			case map[string]any:
				p, err := c.compile(a)
				if err != nil {
					return nil, err
				}
				q.additional = p
			}
		case "required":
			for _, r := range v.([]any) {
				q.required = append(q.required, r.(string))
			}
		case "minProperties", "maxProperties", "minItems", "minLength", "maxLength":
			n, err := strconv.Atoi(fmt.Sprint(v))
			if err != nil {
				return nil, fmt.Errorf("%s: %v", k, v)
			}
			switch k {
			case "minProperties":
				q.minProps = n
			case "maxProperties":
				q.maxProps = n
			case "minItems":
				q.minItems = n
			case "minLength":
				q.minLen = n
			case "maxLength":
				q.maxLen = n
			}
		case "minimum", "maximum":
			n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
			if err != nil {
				q.unknown = true // a fractional bound: leave it to the validator
				continue
			}
			if k == "minimum" {
				q.minimum = &n
			} else {
				q.maximum = &n
			}
		case "items":
			p, err := c.compile(v.(map[string]any))
			if err != nil {
				return nil, err
			}
			q.items = p
		case "enum", "const":
			vals := []any{v}
			if k == "enum" {
				vals = v.([]any)
			}
			var out []any
			for _, e := range vals {
				switch e := e.(type) {
				case string, bool:
					out = append(out, e)
				case json.Number:
					n, err := e.Int64()
					if err != nil {
						q.unknown = true
					}
					out = append(out, n)
				default:
					q.unknown = true
				}
			}
			if k == "enum" {
				q.enum = out
			} else if len(out) == 1 {
				q.hasConst, q.constant = true, out[0]
			}
		case "pattern":
			re, err := regexp.Compile(v.(string))
			if err != nil {
				return nil, err
			}
			q.pattern = re.MatchString
			if v == namePattern {
				q.pattern = noControlCharacter
			}
		case "anyOf":
			for _, sub := range v.([]any) {
				p, err := c.compile(sub.(map[string]any))
				if err != nil {
					return nil, err
				}
				q.anyOf = append(q.anyOf, p)
			}
		case "propertyNames":
			p, err := c.compile(v.(map[string]any))
			if err != nil {
				return nil, err
			}
			q.names = p
		case "not":
			sub, _ := v.(map[string]any)
			if c, ok := sub["const"].(string); ok && len(sub) == 1 {
				q.hasNotConst, q.notConst = true, c
				continue
			}
			q.unknown = true
		case "$ref":
			name, ok := strings.CutPrefix(v.(string), "#/$defs/")
			if !ok {
				q.unknown = true
				continue
			}
			p, err := c.def(name)
			if err != nil {
				return nil, err
			}
			q.ref = p
		default:
			if !ignored[k] {
				q.unknown = true
			}
		}
	}
	return q, nil
}

// scalar is a YAML scalar in the JSON value model of ToValue, or ok false
// where quick does not model the conversion exactly.
func scalar(n *yaml.Node) (v any, t typeSet, ok bool) {
	switch n.ShortTag() {
	case "!!str":
		return n.Value, tString, true
	case "!!null":
		return nil, tNull, true
	case "!!bool":
		switch n.Value {
		case "true", "True", "TRUE":
			return true, tBool, true
		case "false", "False", "FALSE":
			return false, tBool, true
		}
	case "!!int":
		// Plain decimals only: YAML's other integer forms (0x, 0o, leading
		// zeros, underscores) are left to the validator.
		digits := strings.TrimPrefix(n.Value, "-")
		if digits == "" || len(digits) > 1 && digits[0] == '0' || strings.Trim(digits, "0123456789") != "" {
			return nil, 0, false
		}
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return i, tInt, true
		}
	}
	return nil, 0, false
}

// valid reports whether n is certainly valid against q.
func (q *quick) valid(n *yaml.Node) bool {
	if q.unknown || n.Anchor != "" {
		return false
	}
	if q.ref != nil && !q.ref.valid(n) {
		return false
	}
	if len(q.anyOf) > 0 {
		matched := false
		for _, b := range q.anyOf {
			if b.valid(n) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		return q.object(n)
	case yaml.SequenceNode:
		if q.types != 0 && q.types&tArray == 0 || q.enum != nil || q.hasConst || len(n.Content) < q.minItems {
			return false
		}
		if q.items != nil {
			for _, c := range n.Content {
				if !q.items.valid(c) {
					return false
				}
			}
		}
		return true
	case yaml.ScalarNode:
		v, t, ok := scalar(n)
		if !ok || q.types != 0 && q.types&t == 0 {
			return false
		}
		if q.enum != nil && !contains(q.enum, v) || q.hasConst && q.constant != v || q.hasNotConst && q.notConst == v {
			return false
		}
		switch v := v.(type) {
		case string:
			if q.minLen >= 0 || q.maxLen >= 0 {
				l := utf8.RuneCountInString(v)
				if q.minLen >= 0 && l < q.minLen || q.maxLen >= 0 && l > q.maxLen {
					return false
				}
			}
			if q.pattern != nil && !q.pattern(v) {
				return false
			}
		case int64:
			if q.minimum != nil && v < *q.minimum || q.maximum != nil && v > *q.maximum {
				return false
			}
		}
		return true
	}
	return false // aliases, documents
}

func (q *quick) object(n *yaml.Node) bool {
	if q.types != 0 && q.types&tObject == 0 || q.enum != nil || q.hasConst {
		return false
	}
	count := len(n.Content) / 2
	if q.minProps >= 0 && count < q.minProps || q.maxProps >= 0 && count > q.maxProps {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" || k.Anchor != "" {
			return false
		}
		for j := 0; j < i; j += 2 {
			if n.Content[j].Value == k.Value {
				return false // a duplicate key: the last one wins in ToValue
			}
		}
		if q.names != nil && !q.names.valid(k) {
			return false
		}
		v := n.Content[i+1]
		if p, ok := q.props[k.Value]; ok {
			if !p.valid(v) {
				return false
			}
			continue
		}
		if q.noAdditional || q.additional != nil && !q.additional.valid(v) {
			return false
		}
	}
	for _, r := range q.required {
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == r {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func contains(set []any, v any) bool {
	for _, e := range set {
		if e == v {
			return true
		}
	}
	return false
}

// noControlCharacter is namePattern's MatchString (the pattern of every
// name), without the regexp: whether s holds no rune from U+0000 to U+001F
// or from U+007F to U+009F, a byte that is not UTF-8 read as U+FFFD as
// regexp reads it (TestNamePatternIsItsRegexp, FuzzNamePattern).
func noControlCharacter(s string) bool {
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b <= 0x1f || b == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if 0x80 <= r && r <= 0x9f {
			return false
		}
		i += size
	}
	return true
}
