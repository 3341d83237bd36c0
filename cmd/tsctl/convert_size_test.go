package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// convert and export never write a document larger than tsctl reads of a
// configuration file: on stdout they refuse, pointing at --out.
func TestConvertRefusesADocumentTooLargeToRead(t *testing.T) {
	dir := t.TempDir()
	step := `<step type="SMS_TaskSequence_SetVariableAction" name="Set %d" description="" runIn="WinPEandFullOS" successCodeList="0" retryCount="0" runFromNet="false"><action>tsenv.exe "A=1"</action><defaultVarList><variable name="DoNotShowVariableValue" property="DoNotShowVariableValue" hidden="true">false</variable><variable name="VariableName" property="VariableName" hidden="true">A</variable><variable name="VariableValue" property="VariableValue" hidden="true">1</variable></defaultVarList></step>`
	var files []string
	for i := range 2 {
		var b strings.Builder
		b.WriteString(`<sequence version="3.10">`)
		for j := range 5 {
			b.WriteString(strings.Replace(step, "%d", string(rune('a'+j)), 1))
		}
		b.WriteString(`</sequence>`)
		f := filepath.Join(dir, string(rune('a'+i))+".xml")
		if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	code, out, _ := runTsctl(append([]string{"convert", "--quiet"}, files...)...)
	if code != exitOK {
		t.Fatalf("convert: exit %d", code)
	}
	old := maxWrittenBytes
	defer func() { maxWrittenBytes = old }()
	maxWrittenBytes = int64(len(out)) // at the limit: written
	if code, got, _ := runTsctl(append([]string{"convert", "--quiet"}, files...)...); code != exitOK || got != out {
		t.Errorf("a document at the limit: exit %d", code)
	}
	maxWrittenBytes = int64(len(out)) - 1 // one byte over
	code, got, errs := runTsctl(append([]string{"convert", "--quiet"}, files...)...)
	if code != exitError || got != "" {
		t.Errorf("a document one byte over the limit: exit %d, %d bytes written", code, len(got))
	}
	if !strings.Contains(errs, "more than the") || !strings.Contains(errs, "a configuration file may hold: tsctl would refuse to read it; nothing was written") || !strings.Contains(errs, "hint: write one file per sequence with --out DIR") {
		t.Errorf("stderr:\n%s", errs)
	}
	// One file per sequence: each under the limit.
	outDir := filepath.Join(dir, "out")
	if code, _, errs := runTsctl(append([]string{"convert", "--quiet", "--out", outDir}, files...)...); code != exitOK {
		t.Errorf("convert --out: exit %d\n%s", code, errs)
	}
}
