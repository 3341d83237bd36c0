package convert

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
)

// Sites allow two objects of one class to share a name. An export that
// references both keeps each reference by ID, with a comment naming the
// IDs and a warning: a name would say neither.
func TestSharedNamesStayByID(t *testing.T) {
	step := func(name, id string) string {
		return `<step type="SMS_TaskSequence_RunCommandLineAction" name="` + name + `" description="" runIn="WinPEandFullOS" successCodeList="0 3010" retryCount="0" runFromNet="false"><action>smsswd.exe /run:` + id + ` run.cmd</action><defaultVarList>` +
			`<variable name="CommandLine" property="CommandLine" hidden="true">run.cmd</variable>` +
			`<variable name="SMSTSDisableWow64Redirection" property="DisableWow64Redirection">false</variable>` +
			`<variable name="PackageID" property="PackageID" hidden="true">` + id + `</variable>` +
			`<variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">false</variable>` +
			`<variable name="SuccessCodes" property="SuccessCodes" hidden="true">0 3010</variable></defaultVarList></step>`
	}
	q, err := model.Parse([]byte(`<sequence version="3.10">` + step("Old tools", "PS100010") + step("New tools", "PS100011") + step("Other", "PS100012") + `</sequence>`))
	if err != nil {
		t.Fatal(err)
	}
	ex := &exportfile.Export{Sequences: []*exportfile.Sequence{{Name: "S", Sequence: q}}, Refs: map[string]exportfile.Ref{
		"PS100010": {PackageID: "PS100010", Name: "Tools"}, "PS100011": {PackageID: "PS100011", Name: "tools"},
		"PS100012": {PackageID: "PS100012", Name: "Other tools"}}}
	c := New(ExportNames{Ex: ex})
	doc, err := Document("", []*yaml.Node{c.Sequence(ex.Sequences[0])})
	if err != nil {
		t.Fatal(err)
	}
	out := string(doc)
	for _, want := range []string{`package: {id: PS100010} # PS100010, PS100011 are all named "Tools"`,
		`package: {id: PS100011} # PS100010, PS100011 are all named "tools"`, "package: Other tools\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("converted YAML lacks %q:\n%s", want, out)
		}
	}
	if len(c.Report.IDs) != 2 {
		t.Errorf("warnings: %v", c.Report.IDs)
	}
	if _, ds := config.Parse("c.yaml", doc); ds.HasErrors() {
		t.Fatal(ds)
	}
}
