package engine

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/convert"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
)

// realSequence is one task sequence found in real exported data.
type realSequence struct {
	source            string
	name, description string
	root              *model.Elem // the <sequence> element
}

// realData returns the files of ../shared/corpus and ../shared/exports
// (not-exports excluded), skipping the test when neither is present.
func realData(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, root := range []string{"../../shared/corpus", "../../shared/exports"} {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() && d.Name() == "not-exports" {
				return filepath.SkipDir
			}
			if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".xml" || ext == ".zip") {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Skip("no real data: these tests run where ../shared/corpus or ../shared/exports exists")
	}
	return files
}

// realSequences reads every sequence of the real data: through the export
// reader where it reads the file, and otherwise as the <sequence>
// documents found in the file's text (and in the members of its zips), so
// that every real sequence counts, whatever the readers support yet.
func realSequences(t *testing.T) []realSequence {
	var out []realSequence
	for _, f := range realData(t) {
		if ex, err := exportfile.ReadFiles([]string{f}); err == nil {
			for _, s := range ex.Sequences {
				root, err := model.ParseElem(model.Marshal(s.Sequence))
				if err != nil {
					t.Fatalf("%s: %v", s.Source, err)
				}
				out = append(out, realSequence{s.Source, s.Name, s.Description, root})
			}
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sequencesIn(t, f, data, 0)...)
	}
	return out
}

// sequencesIn finds the <sequence> documents in data (a zip's members
// included), unescaping text that holds them escaped.
func sequencesIn(t *testing.T, name string, data []byte, depth int) []realSequence {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) && depth < 4 {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out []realSequence
		for _, m := range zr.File {
			if ext := strings.ToLower(filepath.Ext(m.Name)); ext != ".xml" && ext != ".zip" {
				continue
			}
			rc, err := m.Open()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			_, err = b.ReadFrom(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, sequencesIn(t, name+"!"+m.Name, b.Bytes(), depth+1)...)
		}
		return out
	}
	text := string(data)
	if len(data) >= 2 && data[0] == 0xFF && data[1] == 0xFE {
		u := make([]uint16, (len(data)-2)/2)
		for i := range u {
			u[i] = uint16(data[2+2*i]) | uint16(data[3+2*i])<<8
		}
		text = string(utf16.Decode(u))
	}
	if !strings.Contains(text, "<sequence") && strings.Contains(text, "&lt;sequence") {
		text = html.UnescapeString(text)
	}
	var out []realSequence
	for {
		start := strings.Index(text, "<sequence")
		if start < 0 || start+9 >= len(text) || text[start+9] != ' ' && text[start+9] != '>' {
			return out
		}
		end := strings.Index(text[start:], "</sequence>")
		if end < 0 {
			return out
		}
		doc := text[start : start+end+len("</sequence>")]
		text = text[start+end:]
		root, err := model.ParseElem([]byte(doc))
		if err != nil {
			t.Logf("%s: a <sequence> that does not parse: %v", name, err)
			continue
		}
		s := realSequence{source: name, root: root}
		s.name, _ = root.Attr("name")
		s.description, _ = root.Attr("description")
		out = append(out, s)
	}
}

// vars returns a step element's variables by property.
func vars(step *model.Elem) map[string]string {
	out := map[string]string{}
	for _, c := range step.Children {
		if c.Name != "defaultVarList" {
			continue
		}
		for _, v := range c.Children {
			if p, ok := v.Attr("property"); ok {
				out[p] = v.Text
			}
		}
	}
	return out
}

func scalarNode(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

func mappingNode(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		v, ok := kv[i+1].(*yaml.Node)
		if !ok {
			v = scalarNode(kv[i+1].(string))
		}
		m.Content = append(m.Content, scalarNode(kv[i].(string)), v)
	}
	return m
}

// validates reports the errors a one-sequence configuration holding the
// given steps gets, other than missing required properties (the probes
// hold one property at a time).
func validates(seqName, seqDescription string, steps ...*yaml.Node) []string {
	list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: steps}
	seq := mappingNode("name", seqName, "steps", list)
	if seqDescription != "" {
		seq.Content = append(seq.Content, scalarNode("description"), scalarNode(seqDescription))
	}
	doc := mappingNode("sequences", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{seq}})
	b, err := yaml.Marshal(doc)
	if err != nil {
		return []string{err.Error()}
	}
	_, ds := config.Parse("probe.yaml", b)
	var out []string
	for _, d := range ds {
		if d.Severity == 0 && !strings.Contains(d.Msg, "missing required property") {
			out = append(out, d.Error())
		}
	}
	return out
}

// TestRealValuesValidate: every value real exports hold for a property the
// schema restricts — closed sets, integer ranges, names, descriptions,
// nesting — validates in the typed form that holds it. Real data wins over
// the class reference: a value refused here is a bug in the schema.
func TestRealValuesValidate(t *testing.T) {
	seqs := realSequences(t)
	seen := map[string]map[string]int{} // kind.field → value → count
	note := func(key, v string) {
		if seen[key] == nil {
			seen[key] = map[string]int{}
		}
		seen[key][v]++
	}
	checked, notNumbers, maxDepth := 0, 0, 0
	fail := func(s realSequence, what string, errs []string) {
		t.Errorf("%s: %s refused:\n  %s", s.source, what, strings.Join(errs, "\n  "))
	}
	for _, s := range seqs {
		if errs := validates(nonEmpty(s.name), s.description); len(errs) > 0 {
			fail(s, fmt.Sprintf("sequence name %q / description %q", s.name, s.description), errs)
		}
		if d := elemDepth(s.root); d > maxDepth {
			maxDepth = d
		}
		var walk func(e *model.Elem)
		walk = func(e *model.Elem) {
			for _, c := range e.Children {
				switch c.Name {
				case "group":
					name, _ := c.Attr("name")
					desc, _ := c.Attr("description")
					g := mappingNode("group", name, "description", desc, "steps", &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"})
					if errs := validates("probe", "", g); len(errs) > 0 {
						fail(s, fmt.Sprintf("group %q", name), errs)
					}
					checked++
					walk(c)
				case "step", "subtasksequence":
					name, _ := c.Attr("name")
					desc, _ := c.Attr("description")
					st := mappingNode("name", name, "description", desc, "runCommandLine", "x")
					if errs := validates("probe", "", st); len(errs) > 0 {
						fail(s, fmt.Sprintf("step %q", name), errs)
					}
					checked++
					typ, _ := c.Attr("type")
					k := config.KindForClass(typ)
					if k == nil {
						continue
					}
					v := vars(c)
					probe := func(body *yaml.Node, label string) {
						if errs := validates("probe", "", mappingNode("name", "probe", k.Key, body)); len(errs) > 0 {
							fail(s, label, errs)
						}
						checked++
					}
					for _, f := range k.Fields {
						probeField(f, "", v, k.Key, func(field config.Field, key string, node *yaml.Node, stored string) {
							note(k.Key+"."+key, stored)
							if node == nil {
								notNumbers++
								return
							}
							probe(node, fmt.Sprintf("step %q: %s: %s = %q", name, typ, key, stored))
						})
					}
				}
			}
		}
		walk(s.root)
	}
	if maxDepth > config.MaxDepth {
		t.Errorf("a real sequence nests %d elements; MaxDepth is %d", maxDepth, config.MaxDepth)
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var table strings.Builder
	for _, k := range keys {
		var vs []string
		for v, n := range seen[k] {
			vs = append(vs, fmt.Sprintf("%q×%d", v, n))
		}
		sort.Strings(vs)
		fmt.Fprintf(&table, "  %s: %s\n", k, strings.Join(vs, " "))
	}
	t.Logf("%d real sequences, %d probes, deepest XML %d elements; integer properties holding something else (kept in the action form): %d; closed-set and integer values seen:\n%s",
		len(seqs), checked, maxDepth, notNumbers, table.String())
	if len(seqs) < 50 {
		t.Errorf("only %d real sequences found", len(seqs))
	}
}

func nonEmpty(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}

func elemDepth(e *model.Elem) int {
	max := 0
	for _, c := range e.Children {
		if d := elemDepth(c); d > max {
			max = d
		}
	}
	return 1 + max
}

// probeField calls fn with a body node holding only the stored value of
// each closed-set or integer field of a typed form (the elements of array
// fields one by one), or a nil node when an integer property holds
// something else, which only the action form keeps.
func probeField(f config.Field, prefix string, v map[string]string, kind string, fn func(config.Field, string, *yaml.Node, string)) {
	switch f.Type {
	case config.TObject:
		for _, sub := range f.Sub {
			probeField(sub, prefix, v, kind, func(field config.Field, key string, node *yaml.Node, stored string) {
				if node != nil {
					node = mappingNode(f.YAML, node)
				}
				fn(field, f.YAML+"."+key, node, stored)
			})
		}
	case config.TArray:
		n, err := strconv.Atoi(v[prefix+f.Prop])
		if err != nil {
			return
		}
		for i := 0; i < n; i++ {
			ep := prefix + f.Prop + strconv.Itoa(i)
			for _, sub := range f.Sub {
				probeField(sub, ep, v, kind, func(field config.Field, key string, node *yaml.Node, stored string) {
					if node != nil {
						node = mappingNode(f.YAML, &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{node}})
					}
					fn(field, f.YAML+"[]."+key, node, stored)
				})
			}
		}
	case config.TEnum, config.TInt:
		stored, ok := v[prefix+f.Prop]
		if !ok {
			return
		}
		var node *yaml.Node
		if f.Type == config.TEnum {
			y := stored
			for from, to := range f.Map {
				if to == stored {
					y = from
				}
			}
			node = scalarNode(y)
		} else if n, err := strconv.ParseInt(stored, 10, 64); err == nil && strconv.FormatInt(n, 10) == stored {
			node = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: stored}
		}
		if node != nil {
			node = mappingNode(f.YAML, node)
		}
		fn(f, f.YAML, node, stored)
	}
}

// TestRealExportsConvertValid: each real export the readers read converts
// to a configuration that validates, as a whole: its names, values and
// nesting included.
func TestRealExportsConvertValid(t *testing.T) {
	read := 0
	for _, f := range realData(t) {
		ex, err := exportfile.ReadFiles([]string{f})
		if err != nil || len(ex.Sequences) == 0 {
			continue
		}
		read++
		cv := convert.New(convert.ExportNames{Ex: ex})
		var nodes []*yaml.Node
		for _, s := range ex.Sequences {
			nodes = append(nodes, cv.Sequence(s))
		}
		doc, err := convert.Document("", nodes)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, ds := config.Parse(filepath.Base(f)+".yaml", doc); ds.HasErrors() {
			t.Errorf("%s converts to a configuration validate refuses:\n%v", f, ds)
		}
	}
	t.Logf("%d real exports converted and validated", read)
}
