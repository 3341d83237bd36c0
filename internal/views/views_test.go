package views

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
)

// keys returns the keys of a JSON object in the order written.
func keys(t *testing.T, line []byte) []string {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(line)))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", line)
	}
	var out []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Every event of apply --json is one line, carries the version of the
// events, and writes its keys in alphabetical order (as the events did
// before they were typed).
func TestEventsAreVersioned(t *testing.T) {
	o := Outcome{Address: "package.Tools", Kind: object.Package, Name: "Tools", ID: "PS100004", Outcome: Failed, Reason: "denied", Hint: "ask"}
	for _, ev := range []any{
		PlanEvent{Event: EventPlan, FormatVersion: FormatVersion, Plan: &plan.Plan{}},
		StartEvent{Action: plan.Create, Address: "package.Tools", Event: EventStart, FormatVersion: FormatVersion},
		o.Done(),
		NewSummary([]Outcome{o}, map[string]int{"get": 1}, 1, 0),
		AlreadyAppliedEvent{Event: EventAlreadyApplied, FormatVersion: FormatVersion, PlanFile: "change.plan"},
	} {
		b, err := Line(ev)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(b), "\n") != 1 || !strings.HasSuffix(string(b), "\n") {
			t.Errorf("%T is not one line: %q", ev, b)
		}
		k := keys(t, b)
		if !sort.StringsAreSorted(k) {
			t.Errorf("%T keys out of order: %v", ev, k)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m["format_version"] != FormatVersion || m["event"] == "" {
			t.Errorf("%T: %s", ev, b)
		}
	}
}

// The summary counts every object once, and renders the same for people.
func TestSummary(t *testing.T) {
	s := NewSummary([]Outcome{
		{Address: "package.A", Kind: object.Package, Name: "A", ID: "PS100004", Outcome: Created},
		{Address: "sequence.B", Kind: object.Sequence, Name: "B", Outcome: Unchanged},
		{Address: "sequence.C", Kind: object.Sequence, Name: "C", ID: "PS100005", Outcome: Skipped, Reason: "locked", Hint: "wait"},
	}, nil, 0, 2)
	if s.Created != 1 || s.Unchanged != 1 || s.Skipped != 1 || !s.Incomplete() {
		t.Errorf("counts: %+v", s)
	}
	var b strings.Builder
	s.WriteHuman(&b)
	want := "created   package \"A\" (PS100004)\nskipped   sequence \"C\" (PS100005): locked\n" +
		"Apply incomplete: 1 created, 0 updated, 0 deleted, 1 unchanged, 0 failed, 1 skipped. 2 transient errors retried.\n"
	if b.String() != want {
		t.Errorf("human summary:\n%s\nwant\n%s", b.String(), want)
	}
	if h := s.Hints(); len(h) != 1 || h[0] != "wait" {
		t.Errorf("hints: %q", h)
	}
	if got := s.Objects[0].Progress(); got != `package "A": created (PS100004)` {
		t.Errorf("progress line: %s", got)
	}
}

// The validate document lists no diagnostics as [], not null.
func TestValidation(t *testing.T) {
	b, err := Document(NewValidation(nil, true))
	if err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"format_version\": \"1.1\",\n  \"valid\": true,\n  \"diagnostics\": [],\n  \"warnings_by_code\": {}\n}\n"; string(b) != want {
		t.Errorf("got %s", b)
	}
	var ds diag.List
	ds.Warn(diag.Pos{File: "a.yaml", Line: 3, Col: 5}, "TS002", "enable it", "step %q is disabled", "S")
	v := NewValidation(ds, true)
	if d := v.Diagnostics[0]; d.Severity != "warning" || d.Code != "TS002" || d.Line != 3 || d.Column != 5 || d.Hint != "enable it" {
		t.Errorf("diagnostic: %+v", d)
	}
	var human strings.Builder
	v.Diagnostics.WriteHuman(&human)
	if want := "a.yaml:3:5: warning: TS002: step \"S\" is disabled\n\thint: enable it\n"; human.String() != want {
		t.Errorf("human: %q", human.String())
	}
}

// A done event says what to do about a failure, as the summary does.
func TestDoneCarriesTheHint(t *testing.T) {
	o := Outcome{Address: "package.Tools", Kind: object.Package, Name: "Tools", Outcome: Failed, Reason: "denied", Hint: "ask for Modify"}
	b, err := Line(o.Done())
	if err != nil || !strings.Contains(string(b), `"hint":"ask for Modify"`) {
		t.Errorf("done event %s (%v) lacks the hint", b, err)
	}
}

// The folded changes of a markdown plan name a folder with the objects it
// holds, as the table and the human plan do: two folders called OSD, one
// of packages and one of sequences, are told apart.
func TestMarkdownFolderHeadings(t *testing.T) {
	folder := func(kind object.Kind) *plan.Object {
		return &plan.Object{Address: "folder." + kind.String() + ":OSD", Kind: object.Folder, Name: "OSD", Action: plan.Create,
			Changes: []plan.Change{{Field: "Name", After: "OSD", HasAfter: true}}}
	}
	p := &plan.Plan{Site: "PS1", Changes: true, Summary: plan.Summary{Create: 2},
		Objects: []*plan.Object{folder(object.Package), folder(object.Sequence)}}
	var b strings.Builder
	WritePlanMarkdown(&b, p)
	for _, want := range []string{
		"<details><summary>new folder <code>OSD</code> of packages</summary>",
		"<details><summary>new folder <code>OSD</code> of sequences</summary>",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}

// An error repeated word for word at many places (one secret variable
// unset, used by a thousand steps) is printed three times, its hint once,
// then counted; different errors are all printed in full.
func TestRepeatedErrorsAreCounted(t *testing.T) {
	var ds diag.List
	for i := 1; i <= 6; i++ {
		ds.AddHint(diag.Pos{File: "a.yaml", Line: i, Col: 3}, "export X", "secret: environment variable X is not set")
	}
	ds.Add(diag.Pos{File: "a.yaml", Line: 9, Col: 1}, "unknown key %q", "x")
	ds.Add(diag.Pos{File: "a.yaml", Line: 10, Col: 1}, "unknown key %q", "y")
	var human strings.Builder
	DiagnosticsOf(ds).WriteHuman(&human)
	want := `a.yaml:1:3: secret: environment variable X is not set
	hint: export X
a.yaml:2:3: secret: environment variable X is not set
a.yaml:3:3: secret: environment variable X is not set
tsctl: error: and 3 more like it at other places: secret: environment variable X is not set
a.yaml:9:1: unknown key "x"
a.yaml:10:1: unknown key "y"
`
	if human.String() != want {
		t.Errorf("got\n%s\nwant\n%s", human.String(), want)
	}
}

// TestPlanTextDoesNotDependOnCores: the objects of a plan are rendered
// a window at a time on every core; the text is the objects' text in
// the plan's order whatever the number of cores, at and across the
// window's edges, and with no-ops and deletions (written elsewhere)
// among them.
func TestPlanTextDoesNotDependOnCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	p := &plan.Plan{Site: "PS1", Changes: true}
	for i := range 2*renderWindow + 7 {
		o := &plan.Object{Kind: object.Sequence, Name: fmt.Sprintf("Sequence %03d", i), Action: plan.Create, StepCount: i % 5}
		switch i % 9 {
		case 3:
			o.Action = plan.NoOp
		case 5:
			o.Action, o.ID = plan.Update, fmt.Sprintf("PS1%05d", i)
			o.Changes = []plan.Change{{Field: "Description", Before: "old", After: fmt.Sprint(i), HasBefore: true, HasAfter: true}}
		}
		for j := range i % 5 {
			o.Tree = append(o.Tree, plan.StepChange{Path: fmt.Sprintf("Step %d", j), Action: plan.Create, Type: "SMS_TaskSequence_RunCommandLineAction",
				Changes: []plan.Change{{Field: "CommandLine", After: fmt.Sprintf("cmd /c exit %d", i*j), HasAfter: true}}})
		}
		p.Objects = append(p.Objects, o)
	}
	p.Finish()
	// what writing the objects one by one, in order, gives
	var want strings.Builder
	for _, o := range p.Objects {
		if o.Action != plan.NoOp && o.Action != plan.Delete {
			writeObject(&want, o, Style{})
			want.WriteString("\n")
		}
	}
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		var got strings.Builder
		WritePlan(&got, p, Style{})
		text := got.String()
		i := strings.Index(text, "+ sequence ")
		if i < 0 || !strings.HasPrefix(text[i:], want.String()) {
			t.Fatalf("GOMAXPROCS=%d: the objects' text is not theirs in order:\n%s", procs, text)
		}
	}
}

// TestQuoteCutsBetweenCharacters: a long value is shortened to 120 bytes
// at most, never inside a character (a plan line must stay UTF-8).
func TestQuoteCutsBetweenCharacters(t *testing.T) {
	for pad := range 4 {
		v := strings.Repeat("a", pad) + strings.Repeat("é€", 60)
		q := quote(v)
		if !utf8.ValidString(q) || len(q) > 120 || !strings.HasSuffix(q, "…\"") {
			t.Errorf("quote(%d a's + …) = %q (%d bytes, valid %v)", pad, q, len(q), utf8.ValidString(q))
		}
	}
	if q := quote("short"); q != `"short"` {
		t.Errorf("quote(short) = %s", q)
	}
}
