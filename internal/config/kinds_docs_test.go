package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The step reference in docs/ is generated from the kind table, as the
// schema's step kinds are: the table of step kinds in
// docs/configuration.md (between the markers below) and the whole of
// docs/steps.md.
const (
	kindsBegin = "<!-- BEGIN step kinds: generated from the kind table by TestDocsMatchKinds; UPDATE_DOCS=1 go test ./internal/config rewrites it -->"
	kindsEnd   = "<!-- END step kinds -->"
)

// genericKinds are the step kinds that are not typed forms of one class,
// with the class cell and the note of their row.
var genericKinds = map[string][2]string{
	"group":  {"`SMS_TaskSequence_Group`", "with `steps`: the group's steps, in order"},
	"action": {"any class, as the site stores it", "`{type, command, variables}`: MDT `BDD_*` steps, custom actions and any step of a built-in class exactly as stored"},
	"xml":    {"any", "a whole step or group as raw XML, for content no other form holds"},
}

// TestDocsMatchKinds checks that the step kinds table in
// docs/configuration.md and the field reference docs/steps.md are exactly
// what the kind table renders. UPDATE_DOCS=1 rewrites both from the table.
func TestDocsMatchKinds(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	update := os.Getenv("UPDATE_DOCS") != ""

	confPath := filepath.Join(root, "docs", "configuration.md")
	conf, err := os.ReadFile(confPath)
	if err != nil {
		t.Fatal(err)
	}
	table, err := renderKindTable()
	if err != nil {
		t.Fatal(err)
	}
	newConf, err := replaceBetween(conf, kindsBegin, kindsEnd, table)
	if err != nil {
		t.Fatalf("%s: %v", confPath, err)
	}
	checkGenerated(t, confPath, conf, newConf, update)

	stepsPath := filepath.Join(root, "docs", "steps.md")
	steps, err := os.ReadFile(stepsPath)
	if err != nil && !(update && errors.Is(err, os.ErrNotExist)) {
		t.Fatal(err)
	}
	checkGenerated(t, stepsPath, steps, renderStepReference(), update)
}

// checkGenerated compares a docs file with what it should hold, and
// rewrites it when update is set.
func checkGenerated(t *testing.T, path string, have, want []byte, update bool) {
	t.Helper()
	if bytes.Equal(have, want) {
		return
	}
	if !update {
		t.Errorf("%s differs from the kind table (run UPDATE_DOCS=1 go test ./internal/config)\n%s", path, firstDifference(have, want))
		return
	}
	if err := os.WriteFile(path, want, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote %s", path)
}

// firstDifference describes the first line where have and want differ.
func firstDifference(have, want []byte) string {
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(h) || i < len(w); i++ {
		var hl, wl string
		if i < len(h) {
			hl = h[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if hl != wl || i >= len(h) || i >= len(w) {
			return fmt.Sprintf("line %d:\n  file:      %q\n  generated: %q", i+1, hl, wl)
		}
	}
	return ""
}

// repoRoot is the folder holding go.mod, found upwards from the test's
// folder, so that the test finds docs/ wherever its package lives.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// replaceBetween returns doc with the text between the begin and end
// marker lines replaced by body.
func replaceBetween(doc []byte, begin, end string, body []byte) ([]byte, error) {
	s := string(doc)
	i := strings.Index(s, begin+"\n")
	if i < 0 {
		return nil, fmt.Errorf("no line %q", begin)
	}
	i += len(begin) + 1
	j := strings.Index(s[i:], end)
	if j < 0 {
		return nil, fmt.Errorf("no line %q after %q", end, begin)
	}
	return []byte(s[:i] + string(body) + s[i+j:]), nil
}

// renderKindTable renders the table of step kinds: the generic kinds
// around every typed form, in schema order.
func renderKindTable() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("| kind | default step name | step class | notes |\n|---|---|---|---|\n")
	typed := map[string]bool{}
	for _, k := range Kinds() {
		typed[k.Key] = true
	}
	for _, key := range KindKeys() {
		if typed[key] {
			k := KindOf(key)
			short := ""
			if k.Shorthand != "" {
				short = "a bare value stands for `" + k.Shorthand + "`"
			}
			fmt.Fprintf(&b, "| [`%s`](steps.md#%s) | %s | `%s` | %s |\n", k.Key, strings.ToLower(k.Key), k.Title, k.Class, short)
			continue
		}
		g, ok := genericKinds[key]
		if !ok {
			return nil, fmt.Errorf("step kind %q is neither a typed form nor described in genericKinds", key)
		}
		fmt.Fprintf(&b, "| `%s` | | %s | %s |\n", key, g[0], g[1])
	}
	return b.Bytes(), nil
}

// renderStepReference renders docs/steps.md: every typed form's fields.
func renderStepReference() []byte {
	var b bytes.Buffer
	b.WriteString(`<!-- Generated from the kind table by TestDocsMatchKinds; UPDATE_DOCS=1 go test ./internal/config rewrites it. Do not edit. -->
# Step reference

Every typed step form, in the order of the schema, with its fields. A step is a mapping with
exactly one kind key (the headings below) holding these fields, beside the options every step
takes (see [Steps](configuration.md#steps)). Each description names the step property
(` + "`SMS_TaskSequence_…`" + ` class property) the field sets. A field inside a mapping or list is written with
its path: ` + "`runAs.user`" + ` is ` + "`runAs: { user: … }`" + `, ` + "`partitions[].size`" + ` is the ` + "`size`" + ` of each item of
` + "`partitions`" + `. References are by name (see [References by name](configuration.md#references-by-name));
secrets are ` + "`{env: NAME}`" + `, ` + "`{file: PATH}`" + ` or ` + "`{empty: true}`" + ` (see [Secrets](configuration.md#secrets)).

`)
	for _, k := range Kinds() {
		fmt.Fprintf(&b, "## %s\n\n**%s** (`%s`).", k.Key, k.Title, k.Class)
		if k.Shorthand != "" {
			fmt.Fprintf(&b, " A bare value stands for `%s`: `%s: …` is `%s: { %s: … }`.", k.Shorthand, k.Key, k.Key, k.Shorthand)
		}
		b.WriteString("\n\n")
		if len(k.Fields) == 0 {
			fmt.Fprintf(&b, "No fields: write `%s: {}`, or nothing after the colon.\n\n", k.Key)
			continue
		}
		b.WriteString("| field | value | description |\n|---|---|---|\n")
		writeFieldRows(&b, "", k.Fields)
		b.WriteString("\n")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func writeFieldRows(b *bytes.Buffer, prefix string, fields []Field) {
	for _, f := range fields {
		name := "`" + prefix + f.YAML + "`"
		if f.Required {
			name += " (required)"
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", name, cell(fieldValue(f)), cell(f.Desc))
		switch f.Type {
		case TObject:
			writeFieldRows(b, prefix+f.YAML+".", f.Sub)
		case TArray:
			writeFieldRows(b, prefix+f.YAML+"[].", f.Sub)
		}
	}
}

// fieldValue says what a field takes, and its default when it has one.
func fieldValue(f Field) string {
	var v string
	switch f.Type {
	case TString:
		v = "text"
	case TBool:
		v = "`true` or `false`"
	case TInt:
		v = "integer, 0 to 4294967295"
	case TEnum:
		v = "one of " + strings.Join(quoteAll(f.Enum), ", ")
	case TSecret:
		v = "secret"
	case TRef:
		v = "name of " + withArticle(f.Ref.Describe())
	case TRefList:
		v = "list of names, each of " + withArticle(f.Ref.Describe())
	case TScript:
		v = "script text"
	case TApps:
		v = "list of application names"
	case TObject:
		v = "mapping"
	case TArray:
		v = "list of mappings"
	case TRules:
		v = "list of `{condition, variables}`"
	}
	if f.Default != "" {
		def := f.Default
		for yaml, stored := range f.Map {
			if stored == def {
				def = yaml
			}
		}
		v += "; default `" + def + "`"
	}
	return v
}

// withArticle puts "a" or "an" before a kind's description.
func withArticle(s string) string {
	if s != "" && strings.ContainsRune("AEIOUaeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

func quoteAll(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if v == "" {
			out[i] = "`\"\"`"
		} else {
			out[i] = "`" + v + "`"
		}
	}
	return out
}

// cell escapes text for a markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}
