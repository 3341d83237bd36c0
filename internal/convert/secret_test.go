package convert

import (
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
)

// A Run As password is blank on the site when its step runs as no account
// (the console keeps the empty value): it converts to {empty: true}, which
// loads and needs no variable. With an account, or RunAsUser set, the
// export blanked it and it stays an {env: …} placeholder to fill in.
func TestBlankRunAsPasswordConvertsToEmpty(t *testing.T) {
	step := func(name, extra string) string {
		return `<step type="SMS_TaskSequence_RunCommandLineAction" name="` + name + `" description="" runIn="WinPEandFullOS" successCodeList="0 3010" retryCount="0" runFromNet="false"><action>smsswd.exe /run: x.cmd</action><defaultVarList>` +
			`<variable name="CommandLine" property="CommandLine" hidden="true">x.cmd</variable>` +
			`<variable name="SMSTSDisableWow64Redirection" property="DisableWow64Redirection">false</variable>` +
			`<variable name="SuccessCodes" property="SuccessCodes" hidden="true">0 3010</variable>` + extra +
			`<variable name="SMSTSRunCommandLineUserPassword" property="UserPassword"></variable></defaultVarList></step>`
	}
	xml := `<sequence version="3.10">` +
		// as the console writes it: RunAsUser is always there
		step("System", `<variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">false</variable>`) +
		step("Unticked", `<variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">false</variable>`) +
		step("Account", `<variable name="SMSTSRunCommandLineUserName" property="UserName">CORP\svc</variable><variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">true</variable>`) +
		step("Ticked", `<variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">true</variable>`) +
		`</sequence>`
	_, out := convertXML(t, xml)
	y := string(out)
	if n := strings.Count(y, "password: {empty: true}"); n != 2 {
		t.Errorf("%d passwords converted to {empty: true}, want 2 (System, Unticked):\n%s", n, y)
	}
	if n := strings.Count(y, "password: {env: "); n != 2 {
		t.Errorf("%d passwords converted to {env: …}, want 2 (Account, Ticked):\n%s", n, y)
	}
	cfg, ds := config.Parse("converted.yaml", []byte("sequences:\n"+indent(y)))
	if ds.HasErrors() {
		t.Fatalf("%v\n%s", ds, y)
	}
	var empty int
	for _, s := range cfg.Sequences[0].Secrets() {
		if s.Empty {
			empty++
		}
	}
	if empty != 2 {
		t.Errorf("%d secrets load as empty, want 2", empty)
	}
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = "  - " + l
		} else {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
