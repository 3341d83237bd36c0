package convert

import (
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

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

// Placeholders are the first of BASE, BASE_2, BASE_3, … not used yet,
// also when another path's base is one of those names, and the search
// resumes where it ended without skipping a free name.
func TestSecretPlaceholdersNumbered(t *testing.T) {
	c := New(nil)
	env := func(path string) string {
		n := c.secret(path, "password")
		return n.Content[1].Value
	}
	got := []string{
		env("Join"),          // JOIN_PASSWORD
		env("Join"),          // JOIN_PASSWORD_2
		env("Join password"), // JOIN_PASSWORD_PASSWORD
		env("join"),          // JOIN_PASSWORD_3
	}
	c.sh.usedEnv["JOIN_PASSWORD_5"] = true
	got = append(got, env("Join"), env("Join"), env("Join")) // _4, then _5 is taken: _6, _7
	want := []string{"JOIN_PASSWORD", "JOIN_PASSWORD_2", "JOIN_PASSWORD_PASSWORD", "JOIN_PASSWORD_3", "JOIN_PASSWORD_4", "JOIN_PASSWORD_6", "JOIN_PASSWORD_7"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("placeholders %v, want %v", got, want)
	}
	// a base that is another base's numbered name
	c = New(nil)
	a, b, d := env("X"), c.secret("X", "password 2").Content[1].Value, env("X")
	if a != "X_PASSWORD" || b != "X_PASSWORD_2" || d != "X_PASSWORD_3" {
		t.Errorf("placeholders %s %s %s, want X_PASSWORD X_PASSWORD_2 X_PASSWORD_3", a, b, d)
	}
}

// envBase is what the regular expression it replaced made of a path.
func TestEnvBaseMatchesRegexp(t *testing.T) {
	re := regexp.MustCompile(`[^A-Z0-9]+`)
	want := func(path, field string) string {
		base := strings.Trim(re.ReplaceAllString(strings.ToUpper(path+"_"+field), "_"), "_")
		if base == "" || (base[0] >= '0' && base[0] <= '9') {
			base = "SECRET_" + base
		}
		return base
	}
	for _, p := range []string{"", "_", "Phase 0/Join domain 8", "9 lives", "Ünïcode/ß step", "a\xffb", "--x--", "ſ long s", "tab\there", "日本/語"} {
		if got, w := envBase(p, "password"), want(p, "password"); got != w {
			t.Errorf("envBase(%q) = %q, want %q", p, got, w)
		}
	}
}

// Steps that differ only in the placeholder of their secret are validated
// once: the second sequence's Join step, JOIN_PASSWORD_2 where the first
// has JOIN_PASSWORD, is answered from the memo, and its YAML keeps its
// own placeholder.
func TestPlaceholdersValidatedOnce(t *testing.T) {
	step := `<step type="SMS_TaskSequence_RunCommandLineAction" name="Join" description="" runIn="WinPEandFullOS" successCodeList="0 3010" retryCount="0" runFromNet="false"><action>smsswd.exe /run: x.cmd</action><defaultVarList>` +
		`<variable name="CommandLine" property="CommandLine" hidden="true">x.cmd</variable>` +
		`<variable name="SMSTSDisableWow64Redirection" property="DisableWow64Redirection">false</variable>` +
		`<variable name="SuccessCodes" property="SuccessCodes" hidden="true">0 3010</variable>` +
		`<variable name="SMSTSRunCommandLineUserName" property="UserName">CORP\svc</variable><variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">true</variable>` +
		`<variable name="SMSTSRunCommandLineUserPassword" property="UserPassword"></variable></defaultVarList></step>`
	ex, _ := convertXML(t, `<sequence version="3.10">`+step+`</sequence>`)
	c := New(ExportNames{Ex: ex})
	first, err := yaml.Marshal(c.Sequence(ex.Sequences[0]))
	if err != nil {
		t.Fatal(err)
	}
	checked := c.memo().len()
	second, err := yaml.Marshal(c.Sequence(ex.Sequences[0]))
	if err != nil {
		t.Fatal(err)
	}
	if c.memo().len() != checked {
		t.Errorf("%d steps validated for the second sequence, want 0", c.memo().len()-checked)
	}
	if !strings.Contains(string(first), "{env: JOIN_PASSWORD}") || !strings.Contains(string(second), "{env: JOIN_PASSWORD_2}") {
		t.Errorf("placeholders not kept:\n%s\n%s", first, second)
	}
	if len(c.Report.Generic) != 0 {
		t.Errorf("steps kept in the generic form: %v", c.Report.Generic)
	}
}
