package desired

import (
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

func TestScriptEncoding(t *testing.T) {
	for _, s := range []string{"", "Write-Output 'hi'\r\n", "ünïcødé ✓ 𝄞"} {
		enc := EncodeScript(s)
		if !strings.HasPrefix(enc, "//") {
			t.Errorf("%q: no byte-order mark: %s", s, enc)
		}
		dec, err := DecodeScript(enc)
		if err != nil || dec != s {
			t.Errorf("round trip of %q = %q, %v", s, dec, err)
		}
	}
	// "s" as the console stores it (seen in a real export).
	if EncodeScript("s") != "//5zAA==" {
		t.Errorf("EncodeScript(s) = %s", EncodeScript("s"))
	}
	if _, err := DecodeScript("AAAA"); err == nil {
		t.Error("text without a byte-order mark accepted")
	}
}

type fakeResolver struct{}

func (fakeResolver) ID(kind object.Kind, name string) (string, error) {
	return map[object.Kind]string{object.OSImage: "PS100010", object.DriverPackage: "PS100011", object.Package: "PS100012", object.Sequence: "PS100013"}[kind], nil
}
func (fakeResolver) Program(pkg, prog string) error { return nil }
func (fakeResolver) Application(name string) (string, string, error) {
	return "ScopeId_1/Application_" + name, name, nil
}
func (fakeResolver) Secret(s config.Secret) (string, error) { return "secret-from-" + s.Env, nil }
func (fakeResolver) CheckID(object.Kind, string) error      { return nil }

func TestBuildSteps(t *testing.T) {
	cfg, ds := config.Parse("t.yaml", []byte(`sequences:
  - name: S
    steps:
      - name: Apply
        applyOperatingSystem: { image: W, index: 3, destination: { disk: 0, partition: 2 } }
      - joinDomain: { domain: corp, account: svc, password: { env: PW } }
      - installApplication: { applications: [A, B] }
      - runPowerShellScript: { script: "s", executionPolicy: Bypass }
      - runTaskSequence: Child
      - restartComputer: { target: WinPE, message: bye }
        condition:
          all:
            - variable: { name: V, notExists: true }
            - registry: { key: 'HKLM\X', operator: notExists }
            - none: [ { file: { path: 'C:\x.txt' } } ]
`))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	q, ds := (&Builder{R: fakeResolver{}}).Sequence(cfg.Sequences[0])
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	model.Normalize(q, nil)
	out := string(model.Marshal(q))
	for _, want := range []string{
		`<action>OSDApplyOS.exe /image:PS100010,%OSDImageIndex% /target:0,2 /runfromnet:False</action>`,
		`<variable name="OSDImageIndex" property="ImageIndex">3</variable>`,
		`<variable name="OSDJoinPassword" property="DomainPassword">secret-from-PW</variable>`,
		`<variable name="ApplicationName" property="ApplicationName" hidden="true">ScopeId_1/Application_A,ScopeId_1/Application_B</variable>`,
		`<variable name="OSDApp1DisplayName" property="AppInfo1DisplayName">B</variable>`,
		`<reference application="ScopeId_1/Application_B" />`,
		`<variable name="OSDRunPowerShellScriptSourceScript" property="SourceScript">//5zAA==</variable>`,
		`<subtasksequence type="SMS_TaskSequence_SubTasksequence" name="Run Task Sequence"`,
		`<variable name="Operator">notExists</variable><variable name="Variable">V</variable>`,
		`<variable name="Operator">nonExists</variable>`,
		`<operator type="not"><expression type="SMS_TaskSequence_FileConditionExpression"><variable name="Path">C:\x.txt</variable>`,
		`retryCount="2"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}

// An integer is stored in decimal however the file writes it, and maxRunTime
// and retryCount are read the same way.
func TestIntegersStoredInDecimal(t *testing.T) {
	cfg, ds := config.Parse("t.yaml", []byte(`sequences:
  - name: S
    maxRunTime: 0x3C
    steps:
      - name: Partition
        retryCount: 0o7
        partitionDisk: { disk: 0x1, style: GPT, partitions: [ { type: Primary, size: 1_000 } ] }
`))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if s := cfg.Sequences[0]; s.MaxRunTime != 60 || *s.Steps()[0].RetryCount != 7 {
		t.Errorf("maxRunTime %d, retryCount %d", s.MaxRunTime, *s.Steps()[0].RetryCount)
	}
	q, ds := (&Builder{R: fakeResolver{}}).Sequence(cfg.Sequences[0])
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	out := string(model.Marshal(q))
	for _, want := range []string{`property="DiskIndex">1<`, `property="Partitions0Size">1000<`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
}
