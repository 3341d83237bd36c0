package workload

import (
	"bytes"
	"testing"

	"github.com/tsctl/tsctl/internal/exportfile"
)

// TestExportZipReads: what WriteExportZip writes is read back by the
// export reader: each sequence with its fields, and the references its XML
// names, by name and type.
func TestExportZipReads(t *testing.T) {
	xml := `<sequence version="3.10"><step type="SMS_TaskSequence_InstallSoftwareAction" name="Install &amp; go"><action>smsswd.exe /pkg:PS100001 /install</action><defaultVarList><variable name="PackageID" property="PackageID">PS100001</variable><variable name="ProgramName" property="ProgramName">Install</variable></defaultVarList></step></sequence>`
	var b bytes.Buffer
	err := WriteExportZip(&b, []ExportSequence{{PackageID: "PS100010", Name: "Deploy <1>", Description: "d", Category: "c", BootImageID: "PS100002", XML: xml}},
		map[string]ExportRef{"PS100001": {PackageID: "PS100001", Name: "App & 1", PackageType: 0}, "PS100002": {PackageID: "PS100002", Name: "Boot", PackageType: 258}, "PS100003": {PackageID: "PS100003", Name: "Unused"}})
	if err != nil {
		t.Fatal(err)
	}
	ex := &exportfile.Export{Refs: map[string]exportfile.Ref{}, Apps: map[string]exportfile.AppRef{}}
	if err := ex.Read("bench.zip", b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if len(ex.Sequences) != 1 {
		t.Fatalf("read %d sequences", len(ex.Sequences))
	}
	s := ex.Sequences[0]
	if s.PackageID != "PS100010" || s.Name != "Deploy <1>" || s.BootImageID != "PS100002" || len(s.Sequence.Steps) != 1 || s.Sequence.Steps[0].Name != "Install & go" {
		t.Errorf("sequence read back: %+v", s)
	}
	if len(ex.Refs) != 2 || ex.Refs["PS100001"].Name != "App & 1" || ex.Refs["PS100002"].Type != 258 {
		t.Errorf("references read back: %+v", ex.Refs)
	}
}
