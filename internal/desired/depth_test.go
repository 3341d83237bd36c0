package desired

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/model"
)

// xmlDepth measures the element depth of a document without any limit.
func xmlDepth(t *testing.T, doc []byte) int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth, max := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return max
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			max = maxInt(max, depth)
		case xml.EndElement:
			depth--
		}
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// nested writes a sequence whose last step sits under groups groups, with
// a condition cond levels of operators deep (kind: any, none or all),
// ending in leaf.
func nested(groups, cond int, kind, leaf string) string {
	var b strings.Builder
	b.WriteString("sequences:\n  - name: Deep\n    steps:\n")
	ind := "      "
	for i := 0; i < groups; i++ {
		fmt.Fprintf(&b, "%s- group: G%d\n%s  steps:\n", ind, i, ind)
		ind += "    "
	}
	fmt.Fprintf(&b, "%s- runCommandLine: x\n%s  condition: ", ind, ind)
	for i := 0; i < cond; i++ {
		fmt.Fprintf(&b, "{%s: [", kind)
	}
	b.WriteString(leaf)
	b.WriteString(strings.Repeat("]}", cond))
	b.WriteString("\n")
	return b.String()
}

// TestDepthMatchesBuilder: the nesting depth the loader checks is the depth
// of the XML the builder makes (or one more, for a step without
// variables), so that validate refuses exactly what a site's XML reader
// would, and the deepest document validate lets through reads back.
func TestDepthMatchesBuilder(t *testing.T) {
	var docs []string
	for _, p := range []string{"../../examples/windows11/windows11.yaml", "../../testdata/config/all-kinds.yaml"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	leaves := []string{
		"{variable: {name: A, exists: true}}",
		"{osGroup: [{name: W, arch: x64, conditions: [{any: [{file: {path: x}}]}]}]}",
		"{expression: {type: SMS_TaskSequence_VariableConditionExpression, variables: {Variable: A, Operator: exists}}}",
		`{xml: "<expression type=\"SMS_TaskSequence_VariableConditionExpression\"><variable name=\"Variable\">A</variable><variable name=\"Operator\">exists</variable></expression>"}`,
	}
	for _, g := range []int{0, 1, 5, 120, 250, 252, 253, 254, 255} {
		for _, c := range []int{0, 1, 3} {
			for _, kind := range []string{"all", "any", "none"} {
				for _, leaf := range leaves {
					docs = append(docs, nested(g, c, kind, leaf))
				}
			}
		}
	}
	docs = append(docs, nested(2, 250, "any", leaves[0]), nested(2, 251, "none", leaves[0]), nested(2, 252, "all", leaves[0]))
	refused, accepted := 0, 0
	for _, doc := range docs {
		cfg, ds := config.Parse("d.yaml", []byte(doc))
		for _, s := range cfg.Sequences {
			estimate := config.SequenceDepth(s)
			tooDeep := strings.Contains(ds.Error(), "nested too deep")
			if tooDeep != (estimate > config.MaxDepth) {
				t.Fatalf("estimate %d, refused %v: %v\n%.300s", estimate, tooDeep, ds, doc)
			}
			if ds.HasErrors() && !tooDeep {
				t.Fatalf("%v\n%.300s", ds, doc)
			}
			q, bds := (&Builder{R: fakeResolver{}}).Sequence(s)
			if bds.HasErrors() {
				t.Fatal(bds)
			}
			out := model.Marshal(q)
			built := xmlDepth(t, out)
			if estimate < built || estimate > built+1 {
				t.Fatalf("estimate %d, built %d\n%s", estimate, built, doc[max(0, len(doc)-300):])
			}
			_, perr := model.Parse(out)
			if tooDeep {
				refused++
				continue
			}
			accepted++
			if perr != nil {
				t.Fatalf("validate accepts a sequence (depth %d) the site's reader refuses: %v", built, perr)
			}
		}
	}
	if refused == 0 || accepted == 0 {
		t.Fatalf("refused %d, accepted %d: the cases do not straddle the limit", refused, accepted)
	}
}
