package exportfile

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tsctl/tsctl/internal/diag"
)

// validName is the schema's rule for a sequence name.
var validName = regexp.MustCompile(`^[^\x00-\x1f\x7f-\x9f]*$`)

func checkName(t *testing.T, source, name string) {
	t.Helper()
	if n := utf8.RuneCountInString(name); n < 1 || n > MaxNameLength || !utf8.ValidString(name) || !validName.MatchString(name) {
		t.Errorf("%q named %q: not a name a configuration holds", source, name)
	}
}

func TestBareName(t *testing.T) {
	long := strings.Repeat("é", 150)
	for _, c := range []struct{ source, want string }{
		{"Deploy.xml", "Deploy"},
		{`C:\exports\Deploy Windows 11.xml`, "Deploy Windows 11"},
		{"share.zip!Control/WIN11/ts.xml", "WIN11"},
		{"share.zip!ts.xml", "ts"},
		{"a/.xml", ".xml"},
		{"a/b.c.xml", "b.c"},
		{"tab\there.xml", "tab_here"},
		{"bad\xffbyte.xml", "bad\uFFFDbyte"},
		{long + ".xml", strings.Repeat("é", 100)},
	} {
		got := bareName(c.source)
		if got != c.want {
			t.Errorf("bareName(%q) = %q, want %q", c.source, got, c.want)
		}
		checkName(t, c.source, got)
	}
}

// FuzzBareName: whatever a file is called, the name made up from it is one
// a configuration holds.
func FuzzBareName(f *testing.F) {
	for _, s := range []string{"Deploy.xml", "x.zip!Control/ID/ts.xml", ".xml", "", "/", "ts.xml", strings.Repeat("ü", 120) + ".xml"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, source string) {
		checkName(t, source, bareName(source))
	})
}

func bare(source string) *Sequence {
	return &Sequence{Source: source, Name: bareName(source), NamedAfterFile: true}
}

func fromSite(source, id, name, text string) *Sequence {
	return &Sequence{Source: source, PackageID: id, Name: name, text: text}
}

func names(seqs []*Sequence) []string {
	var out []string
	for _, s := range seqs {
		out = append(out, s.Name)
	}
	return out
}

func TestSettleNamesMadeUp(t *testing.T) {
	long := strings.Repeat("x", 100)
	seqs := []*Sequence{
		bare("a/Deploy.xml"),
		bare("b/Deploy.xml"),
		fromSite("s.zip", "PS100001", "deploy (2)", "<sequence/>"), // taken first, without case
		bare("c/DEPLOY.xml"),
		bare("d/" + long + ".xml"),
		bare("e/" + long + ".xml"),
	}
	kept, notes, err := Settle(seqs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Deploy", "Deploy (3)", "deploy (2)", "DEPLOY (4)", long, long[:96] + " (2)"}
	if got := names(kept); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("names %q, want %q", got, want)
	}
	for _, s := range kept {
		checkName(t, s.Source, s.Name)
	}
	if len(notes) != 3 || notes[0] != `b/Deploy.xml: sequence named "Deploy (3)": "Deploy" is the name of the sequence from a/Deploy.xml` {
		t.Errorf("notes %q", notes)
	}
}

func TestSettleReadTwice(t *testing.T) {
	a := fromSite("a.zip!SMS_TaskSequencePackage/PS100001/object.xml", "PS100001", "Deploy", "<sequence/>")
	again := fromSite("object.xml", "ps100001", "Deploy", "<sequence/>")
	other := fromSite("b.zip", "PS100002", "Other", "<sequence/>")
	kept, notes, err := Settle([]*Sequence{a, other, again})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 2 || kept[0] != a || kept[1] != other {
		t.Errorf("kept %q", names(kept))
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "converted once") {
		t.Errorf("notes %q", notes)
	}
	if a.text != "" || again.text != "" {
		t.Error("the texts compared are kept")
	}

	// Any property or step that differs makes it another version.
	for _, change := range []func(*Sequence){
		func(s *Sequence) { s.text = "<sequence version=\"3.10\"/>" },
		func(s *Sequence) { s.Name = "Deploy 2" },
		func(s *Sequence) { s.Description = "d" },
		func(s *Sequence) { s.Category = "c" },
		func(s *Sequence) { s.BootImageID = "PS100003" },
		func(s *Sequence) { s.Duration = 5 },
	} {
		a := fromSite("a.zip", "PS100001", "Deploy", "<sequence/>")
		b := fromSite("b.zip", "PS100001", "Deploy", "<sequence/>")
		change(b)
		_, _, err := Settle([]*Sequence{a, b})
		if err == nil || !strings.Contains(err.Error(), "sequence PS100001 is read twice with different content") || diag.HintOf(err) == "" {
			t.Errorf("two versions: %v", err)
		}
	}
}

func TestSettleSharedNameRefused(t *testing.T) {
	a := fromSite("a.zip", "PS100001", "Deploy", "<sequence/>")
	b := fromSite("b.zip", "PS100002", "DEPLOY", "<sequence/>")
	_, _, err := Settle([]*Sequence{a, bare("Deploy.xml"), b})
	if err == nil || err.Error() != `2 sequences have one name, compared without case as a site compares names: "Deploy", PS100001 from a.zip, and "DEPLOY", PS100002 from b.zip` {
		t.Fatalf("err %v", err)
	}
	if h := diag.HintOf(err); !strings.Contains(h, "tsctl keeps one object per name") {
		t.Errorf("hint %q", h)
	}
	// From a site, the source names the ID.
	a.Source, b.Source, b.Name = "PS1:PS100001", "PS1:PS100002", "Deploy"
	if _, _, err := Settle([]*Sequence{a, b}); err == nil || err.Error() != `2 sequences are named "Deploy": PS1:PS100001 and PS1:PS100002` {
		t.Errorf("err %v", err)
	}
}

// TestSettleWrapperWithoutName: a template wrapper with no name is named
// after its file.
func TestSettleWrapperWithoutName(t *testing.T) {
	ex := newExport()
	doc := `<SmsTaskSequencePackage><PackageID>ABC00001</PackageID><Name></Name><SequenceData><sequence version="3.00"><step name="S" type="SMS_TaskSequence_RunCommandLineAction"><action>cmd /c</action></step></sequence></SequenceData></SmsTaskSequencePackage>`
	if err := ex.Read("templates/Client.xml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	if s := ex.Sequences[0]; s.Name != "Client" || !s.NamedAfterFile {
		t.Errorf("named %q, after its file %v", s.Name, s.NamedAfterFile)
	}
}
