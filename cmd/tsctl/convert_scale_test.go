package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/workload"
)

// TestConvertNamesSequencesConvertedBefore: a sequence that runs another
// converted before it still names it (convert lets go of what it read for
// each sequence once converted, and kept, at first, too little to name it).
func TestConvertNamesSequencesConvertedBefore(t *testing.T) {
	child := `<sequence version="3.10"><step type="SMS_TaskSequence_SetVariableAction" name="Set A"><defaultVarList><variable name="VariableName" property="VariableName">A</variable><variable name="VariableValue" property="VariableValue">1</variable></defaultVarList><action>smsts.exe</action></step></sequence>`
	parent := `<sequence version="3.10"><subtasksequence type="SMS_TaskSequence_SubTasksequence" name="Run module" description="" successCodeList="0" retryCount="0" runFromNet="false"><action>SubTasksequence.exe</action><defaultVarList><variable name="OSDSubTasksequencePackageID" property="TsPackageID">PS100001</variable><variable name="OSDSubTasksequenceTsName" property="TsName">PS100001, Module A</variable><variable name="OSDSubTasksequenceTsReferenceApplications" property="TsReferenceApplications" /><variable name="OSDSubTasksequenceTsReferencePackages" property="TsReferencePackages"></variable></defaultVarList></subtasksequence></sequence>`
	zip := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(zip)
	if err != nil {
		t.Fatal(err)
	}
	err = workload.WriteExportZip(f, []workload.ExportSequence{
		{PackageID: "PS100001", Name: "Module A", XML: child},
		{PackageID: "PS100002", Name: "Deploy B", XML: parent},
	}, nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runTsctl("convert", "--quiet", zip)
	if code != 0 {
		t.Fatalf("convert: %d\n%s", code, errs)
	}
	if !strings.Contains(out, "runTaskSequence: Module A") {
		t.Errorf("the parent does not name the child it runs:\n%s", out)
	}
}
