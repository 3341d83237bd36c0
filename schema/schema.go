package schema

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// JSON is the schema document, as `tsctl schema` prints it.
//
//go:embed tsctl.schema.json
var JSON []byte

// ID is the schema's $id.
const ID = "https://tsctl.dev/schema/tsctl.schema.json"

// schemas holds the compiled schema and its sequence definition, which
// Validate applies to each sequence in parallel.
type schemas struct {
	root, sequence *jsonschema.Schema
}

var compiled = sync.OnceValues(func() (schemas, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(ID, bytes.NewReader(JSON)); err != nil {
		return schemas{}, err
	}
	root, err := c.Compile(ID)
	if err != nil {
		return schemas{}, err
	}
	seq, err := c.Compile(ID + "#/$defs/sequence")
	return schemas{root, seq}, err
})

// parallelFrom is the number of sequences from which Validate checks them
// concurrently.
const parallelFrom = 64

// Validate checks a decoded YAML document (the root mapping node of one
// file) and returns one diagnostic per violation, sorted by position.
func Validate(file string, doc *yaml.Node) diag.List {
	// Large documents: validate the document without its sequences, then
	// each sequence on its own, on every core.
	if seqs := field(doc, "sequences"); seqs != nil && seqs.Kind == yaml.SequenceNode && len(seqs.Content) >= parallelFrom {
		items := seqs.Content
		ds := ValidateTop(file, doc)
		results := make([]diag.List, len(items))
		next := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < runtime.GOMAXPROCS(0); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					results[i] = ValidateSequence(file, items[i], i)
				}
			}()
		}
		for i := range items {
			next <- i
		}
		close(next)
		wg.Wait()
		for _, r := range results {
			ds = append(ds, r...)
		}
		ds.Sort()
		return ds
	}
	ds := validateAt(file, doc, "", docSchema)
	ds.Sort()
	return ds
}

// quickFor returns the quick check of the document (0) or of a sequence
// (1), or nil if it could not be built (the validator then does all).
func quickFor(i int) *quick {
	qs, err := quickSchemas()
	if err != nil {
		return nil
	}
	return qs[i]
}

// ValidateTop checks a document without its sequences, which
// ValidateSequence checks one by one; together they equal Validate.
func ValidateTop(file string, doc *yaml.Node) diag.List {
	shallow := *doc
	shallow.Content = nil
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "sequences" {
			continue
		}
		shallow.Content = append(shallow.Content, doc.Content[i], doc.Content[i+1])
	}
	return validateAt(file, &shallow, "", docSchema)
}

// ValidateSequence checks item, the index-th entry of a document's
// sequences list.
func ValidateSequence(file string, item *yaml.Node, index int) diag.List {
	return validateAt(file, item, "/sequences/"+strconv.Itoa(index), sequenceSchema)
}

// Which schema validateAt applies: the document's or a sequence's.
const (
	docSchema = iota
	sequenceSchema
)

// validateAt validates node against the schema which; prefix is node's
// JSON pointer in its document, for messages. A node the quick check finds
// certainly valid skips the validator, which is compiled on first need.
func validateAt(file string, node *yaml.Node, prefix string, which int) diag.List {
	if q := quickFor(which); q != nil && q.valid(node) {
		return nil
	}
	schemas, err := compiled()
	if err != nil {
		return diag.List{{Msg: "internal error: compile schema: " + err.Error()}}
	}
	sch := schemas.root
	if which == sequenceSchema {
		sch = schemas.sequence
	}
	var ds diag.List
	v, err := ToValue(node)
	if err != nil {
		var ne *NodeError
		if errors.As(err, &ne) {
			ds.AddHint(pos(file, ne.Node), ne.Hint, "%s", ne.Msg)
			return ds
		}
		ds.Add(diag.Pos{File: file}, "%v", err)
		return ds
	}
	err = sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		ds.Add(diag.Pos{File: file}, "%v", err)
		return ds
	}
	for _, leaf := range leaves(ve) {
		ds = append(ds, toDiag(file, node, prefix, leaf)...)
	}
	return ds
}

func field(m *yaml.Node, key string) *yaml.Node {
	for m != nil && m.Kind == yaml.AliasNode {
		m = m.Alias
	}
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			for v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

// leaves returns the violations that explain ve, collapsing anyOf branches
// to the one whose type matched.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	if strings.HasSuffix(ve.KeywordLocation, "/anyOf") {
		var typed, other []*jsonschema.ValidationError
		for _, c := range ve.Causes {
			for _, l := range leaves(c) {
				if strings.HasSuffix(l.KeywordLocation, "/type") && l.InstanceLocation == ve.InstanceLocation {
					typed = append(typed, l)
				} else {
					other = append(other, l)
				}
			}
		}
		if len(other) > 0 {
			return other
		}
		var want []string
		for _, t := range typed {
			if m := typeRE.FindStringSubmatch(t.Message); m != nil {
				want = append(want, m[1])
			}
		}
		if len(want) > 0 {
			return []*jsonschema.ValidationError{{KeywordLocation: ve.KeywordLocation, InstanceLocation: ve.InstanceLocation,
				Message: "expected " + strings.Join(want, " or ")}}
		}
		return typed
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

var (
	typeRE     = regexp.MustCompile(`^expected (\w+), but got`)
	requiredRE = regexp.MustCompile(`^missing propert(?:y|ies): (.*)$`)
	extraRE    = regexp.MustCompile(`^additionalProperties (.*) not allowed$`)
	quotedRE   = regexp.MustCompile(`'([^']*)'`)
)

// toDiag turns one violation into diagnostics. The violation's instance
// location is relative to base, whose own pointer in its document is prefix.
func toDiag(file string, base *yaml.Node, prefix string, ve *jsonschema.ValidationError) diag.List {
	node := lookup(base, ve.InstanceLocation)
	where := strings.TrimPrefix(prefix+ve.InstanceLocation, "/")
	var ds diag.List
	if m := requiredRE.FindStringSubmatch(ve.Message); m != nil {
		for _, q := range quotedRE.FindAllStringSubmatch(m[1], -1) {
			ds.Add(pos(file, node), "%s: missing required property %q", describe(where), q[1])
		}
		return ds
	}
	if m := extraRE.FindStringSubmatch(ve.Message); m != nil {
		_, schemaLoc, _ := strings.Cut(ve.AbsoluteKeywordLocation, "#")
		for _, q := range quotedRE.FindAllStringSubmatch(m[1], -1) {
			k := keyNode(node, q[1])
			ds.AddHint(pos(file, k), unknownPropertyHint(schemaLoc, node, q[1]), "%s: unknown property %q", describe(where), q[1])
		}
		return ds
	}
	if strings.Contains(ve.KeywordLocation, "/propertyNames/") {
		// an attributes: key that is no XML attribute name, or one tsctl
		// writes itself: the key's own position
		i := strings.LastIndex(ve.InstanceLocation, "/")
		name := unescape(ve.InstanceLocation[i+1:])
		k := keyNode(lookup(base, ve.InstanceLocation[:i]), name)
		parent := describe(strings.TrimPrefix(prefix+ve.InstanceLocation[:i], "/"))
		if strings.HasSuffix(ve.KeywordLocation, "/not") {
			ds.AddHint(pos(file, k), "give the class with the expression's type:", "%s: %q is written by tsctl", parent, name)
			return ds
		}
		ds.AddHint(pos(file, k), "an XML attribute name starts with a letter or _ and holds only letters, digits, '.', '_', ':' and '-'",
			"%s: %q is not an XML attribute name", parent, name)
		return ds
	}
	if last := where[strings.LastIndex(where, "/")+1:]; secretFields[last] && strings.HasPrefix(ve.Message, "expected object") {
		ds.AddHint(pos(file, node), "write it as {env: NAME} or {file: PATH}, read when tsctl applies, or as {empty: true} for a blank value",
			"%s: inline secrets are not allowed", describe(where))
		return ds
	}
	_, schemaLoc, _ := strings.Cut(ve.AbsoluteKeywordLocation, "#")
	keyword := schemaLoc[strings.LastIndex(schemaLoc, "/")+1:]
	if msg, hint, ok := explain(keyword, resolve(strings.TrimSuffix(schemaLoc, "/"+keyword)), node); ok {
		ds.AddHint(pos(file, node), hint, "%s: %s", describe(where), msg)
		return ds
	}
	ds.Add(pos(file, node), "%s: %s", describe(where), ve.Message)
	return ds
}

// secretFields are the properties whose values are secrets.
var secretFields = map[string]bool{"password": true, "adminPassword": true, "productKey": true}

// describe turns a JSON pointer into a readable path: sequences[0].steps[2].
func describe(ptr string) string {
	if ptr == "" {
		return "document"
	}
	var b strings.Builder
	for _, tok := range strings.Split(ptr, "/") {
		tok = unescape(tok)
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func unescape(tok string) string {
	if u, err := url.PathUnescape(tok); err == nil {
		tok = u
	}
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
}

// lookup walks a JSON pointer through a YAML node tree.
func lookup(n *yaml.Node, ptr string) *yaml.Node {
	if ptr == "" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = unescape(tok)
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					n, found = n.Content[i+1], true
					break
				}
			}
			if !found {
				return n
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i >= len(n.Content) {
				return n
			}
			n = n.Content[i]
		default:
			return n
		}
	}
	return n
}

func keyNode(m *yaml.Node, key string) *yaml.Node {
	if m != nil && m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i]
			}
		}
	}
	return m
}

func pos(file string, n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// NodeError is a YAML node that cannot be represented as JSON.
type NodeError struct {
	Node *yaml.Node
	Msg  string
	Hint string
}

func (e *NodeError) Error() string { return fmt.Sprintf("line %d: %s", e.Node.Line, e.Msg) }

// ToValue converts a YAML node into the JSON value model the validator
// expects: map[string]any, []any, string, bool, int64/float64, nil.
// Timestamps and other non-JSON scalars stay strings; non-string keys are errors.
func ToValue(n *yaml.Node) (any, error) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return ToValue(n.Content[0])
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || (k.Tag != "!!str" && k.Tag != "!!merge") {
				return nil, &NodeError{Node: k, Msg: "keys must be strings"}
			}
			if k.Tag == "!!merge" {
				return nil, &NodeError{Node: k, Msg: "merge keys (<<) are not supported"}
			}
			if _, dup := m[k.Value]; dup {
				// The validator would see only one of the two values.
				for j := 0; j < i; j += 2 {
					if first := n.Content[j]; first.Value == k.Value {
						return nil, &NodeError{Node: k, Msg: fmt.Sprintf("key %q repeated (first at %d:%d)", k.Value, first.Line, first.Column),
							Hint: "a mapping holds each key once: keep one of them"}
					}
				}
			}
			v, err := ToValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := ToValue(c)
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return a, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, &NodeError{Node: n, Msg: err.Error()}
			}
			return b, nil
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return nil, &NodeError{Node: n, Msg: "integer out of range"}
			}
			return i, nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, &NodeError{Node: n, Msg: "not a finite number"}
			}
			return f, nil
		}
		return n.Value, nil
	}
	return nil, &NodeError{Node: n, Msg: "unsupported YAML node"}
}
