package convert

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
)

// validateIsParse converts seqs with All and holds Validate to config.Parse
// (its oracle: what every document was checked with before) on the
// document of all of them and on the document of each alone, under each
// header: the same diagnostics, and Parse's alone when Validate decided
// without it. It returns how many of those documents Validate decided
// itself, and how many Parse refused.
func validateIsParse(t *testing.T, names Names, seqs []*exportfile.Sequence, headers ...string) (decided, refused int) {
	t.Helper()
	c := New(names)
	items, err := c.All(seqs, nil)
	if err != nil {
		t.Fatal(err)
	}
	check := func(header string, items [][]byte, from int) {
		doc, err := Join(header, items)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Validate("doc.yaml", doc, items, from)
		_, want := config.Parse("doc.yaml", doc)
		if len(got) != len(want) || len(want) > 0 && !reflect.DeepEqual(got, want) {
			t.Errorf("header %q, items %d to %d: Validate says %v, config.Parse %v", header, from, from+len(items), got, want)
		}
		if c.checkedDocument(doc, items, from) {
			decided++
			if len(want) > 0 {
				t.Errorf("header %q, items %d to %d: decided on the trees, but config.Parse refuses the document: %v", header, from, from+len(items), want)
			}
		}
		if want.HasErrors() {
			refused++
		}
	}
	for _, h := range headers {
		check(h, items, 0)
		for i := range items {
			check(h, items[i:i+1], i)
		}
	}
	return decided, refused
}

// The headers convert and export write (on stdout and one file a
// sequence), and headers naming sources YAML would not read as one
// comment line.
var validateHeaders = []string{
	"Converted by tsctl convert from in.zip\nfor editors, write the schema beside this file: tsctl schema > tsctl.schema.json\nyaml-language-server: $schema=./tsctl.schema.json",
	"Exported by tsctl export from site PS1: PS100001\nyaml-language-server: $schema=./tsctl.schema.json",
	"",
	"Converted by tsctl convert from a\rb.zip",
	"Converted by tsctl convert from a\u2028b.zip",
	"Converted by tsctl convert from a\x01b.zip",
}

// Validate says of every document convert and export write what
// config.Parse says, and decides the documents of sequences it checked as
// they were written without parsing them: the real exports (each file
// alone and all at once, which names two sequences alike), a generated
// workload, and crafted documents whose sequences are refused together
// only (two of one name, Run Task Sequence cycles).
func TestValidateIsParse(t *testing.T) {
	t.Run("real exports", func(t *testing.T) {
		var files []string
		for _, d := range []string{"corpus", "exports", filepath.Join("exports", "mdt")} {
			found, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", d, "*"))
			for _, f := range found {
				if st, err := os.Stat(f); err == nil && !st.IsDir() && filepath.Ext(f) != ".md" {
					files = append(files, f)
				}
			}
		}
		if len(files) == 0 {
			t.Skip("no real exports: they are read from ../shared/corpus, ../shared/exports and ../shared/exports/mdt")
		}
		decided := 0
		for _, f := range files {
			ex, err := exportfile.ReadFiles([]string{f})
			if err != nil || len(ex.Sequences) == 0 {
				continue
			}
			d, _ := validateIsParse(t, ExportNames{Ex: ex}, ex.Sequences, validateHeaders[0])
			decided += d
		}
		ex, err := exportfile.ReadFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		d, refused := validateIsParse(t, ExportNames{Ex: ex}, ex.Sequences, validateHeaders...)
		t.Logf("%d files: %d documents decided on the trees; all at once: %d decided, %d refused", len(files), decided, d, refused)
		if decided == 0 {
			t.Error("no document of a real export was decided on its trees")
		}
	})
	t.Run("generated workload", func(t *testing.T) {
		ex := workloadExport(t, 60, 50)
		decided, refused := validateIsParse(t, ex.Names, ex.Sequences, validateHeaders...)
		t.Logf("%d documents decided on the trees, %d refused", decided, refused)
		// the three headers of comment lines decide every document; the one
		// with U+0001 is refused (YAML has no way to write it in a
		// comment), the ones with line breaks YAML reads are parsed
		if docs := 1 + len(ex.Sequences); decided != 3*docs || refused != docs {
			t.Errorf("%d documents decided on the trees and %d refused; want %d and %d", decided, refused, 3*docs, docs)
		}
	})
	t.Run("refused together", func(t *testing.T) {
		setVar := `<step type="SMS_TaskSequence_SetVariableAction" name="Set A" description="" runIn="WinPEandFullOS" successCodeList="0" runFromNet="false"><action>tsenv.exe "A=1"</action><defaultVarList><variable name="VariableName" property="VariableName" hidden="true">A</variable><variable name="VariableValue" property="VariableValue" hidden="true">1</variable></defaultVarList></step>`
		runs := func(id string) string {
			return `<subtasksequence type="SMS_TaskSequence_SubTasksequence" name="Run ` + id + `" description="" successCodeList="0" retryCount="0" runFromNet="false"><action>SubTasksequence.exe</action><defaultVarList><variable name="OSDSubTasksequencePackageID" property="TsPackageID">` + id + `</variable><variable name="OSDSubTasksequenceTsName" property="TsName">` + id + `</variable><variable name="OSDSubTasksequenceTsReferenceApplications" property="TsReferenceApplications" /><variable name="OSDSubTasksequenceTsReferencePackages" property="TsReferencePackages"></variable></defaultVarList></subtasksequence>`
		}
		sequence := func(id, name string, steps ...string) *exportfile.Sequence {
			body := ""
			for _, s := range steps {
				body += s
			}
			q, err := model.Parse([]byte(`<sequence version="3.10">` + body + `</sequence>`))
			if err != nil {
				t.Fatal(err)
			}
			return &exportfile.Sequence{PackageID: id, Name: name, Sequence: q}
		}
		for name, seqs := range map[string][]*exportfile.Sequence{
			"two of one name":        {sequence("PS100001", "Deploy", setVar), sequence("PS100002", "deploy", setVar)},
			"a cycle of two":         {sequence("PS100001", "Alpha", runs("PS100002")), sequence("PS100002", "Beta", runs("PS100001"))},
			"a cycle of three":       {sequence("PS100001", "Alpha", runs("PS100002")), sequence("PS100002", "Beta", setVar, runs("PS100003")), sequence("PS100003", "Gamma", runs("PS100001"))},
			"a sequence runs itself": {sequence("PS100001", "Alpha", setVar), sequence("PS100002", "Self", runs("PS100002"))},
			"no cycle":               {sequence("PS100001", "Alpha", runs("PS100002")), sequence("PS100002", "Beta", runs("PS100003")), sequence("PS100003", "Gamma", setVar)},
		} {
			ex := &exportfile.Export{Sequences: seqs, Refs: map[string]exportfile.Ref{}, Apps: map[string]exportfile.AppRef{}}
			decided, refused := validateIsParse(t, ExportNames{Ex: ex}, seqs, validateHeaders[0])
			t.Logf("%s: %d documents decided on the trees, %d refused", name, decided, refused)
			if name != "no cycle" && refused == 0 {
				t.Errorf("%s: config.Parse refuses no document", name)
			}
		}
	})
}
