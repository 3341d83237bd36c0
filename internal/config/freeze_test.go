package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
)

// richSteps uses every part of a step the frozen form keeps.
const richSteps = `sequences:
  - name: Rich
    description: every part of a step
    lint: { ignore: [{ code: TS002, reason: kept for later }] }
    steps:
      - group: Outer
        description: a group
        condition: { all: [{ variable: { name: A, equals: "1" } }, { file: { path: 'C:\x.txt' } }] }
        lint: { ignore: [{ code: TS003, reason: same names on purpose }] }
        steps:
          - name: Run
            description: runs it
            enabled: false
            continueOnError: true
            runIn: WinPE
            timeout: 90s
            successCodes: [0, 3010, -1]
            retryCount: 2
            runCommandLine: { commandLine: cmd /c exit 0, workingDirectory: 'C:\' }
            attributes: { runFromNet: "false", extra: null }
            properties: { SuccessCodes: null }
            layout: [defaultVarList, action]
          - group: Inner
            steps:
              - runCommandLine: cmd /c one
              - name: Set
                setVariable: { name: X, value: "" }
      - xml: '<step type="SMS_TaskSequence_RunCommandLineAction" name="Xml" description=""><action>smsswd.exe /run: cmd</action><defaultVarList><variable name="CommandLine" property="CommandLine">cmd</variable></defaultVarList></step>'
      - action: { type: SMS_TaskSequence_RebootAction, variables: { SMSRebootMessage: bye } }
      - runTaskSequence: Child
  - name: Child
    steps: []
`

// redecode decodes the steps of every sequence item of data again,
// without freezing them.
func redecode(t testing.TB, file string, data []byte) [][]*Step {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out [][]*Step
	mapping(doc.Content[0], func(key string, _, v *yaml.Node) {
		if key != "sequences" {
			return
		}
		for _, item := range v.Content {
			var steps []*Step
			mapping(deref(item), func(key string, _, v *yaml.Node) {
				if key == "steps" {
					var ds diag.List
					steps = decodeSteps(file, v, &ds)
				}
			})
			out = append(out, steps)
		}
	})
	return out
}

// requireThawed checks that every sequence of cfg thaws to the steps its
// file decodes to.
func requireThawed(t testing.TB, cfg *Config, file string, data []byte) {
	t.Helper()
	want := redecode(t, file, data)
	if len(want) != len(cfg.Sequences) {
		t.Fatalf("%d sequences, %d items", len(cfg.Sequences), len(want))
	}
	for i, s := range cfg.Sequences {
		if s.frozen == nil {
			t.Fatalf("sequence %q is not frozen", s.Name)
		}
		got := s.Steps()
		if !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("sequence %q thaws to other steps than it decodes to", s.Name)
		}
		for _, st := range got {
			if st.Pos.File != file || st.File != file {
				t.Fatalf("step %q thawed in file %q", st.Name, st.Pos.File)
			}
		}
	}
}

// TestFreezeRoundTrip: a frozen sequence thaws to exactly the steps it was
// decoded to — every option, attribute, property, layout, lint entry,
// body, condition and position — in the examples and in a file using
// every part of a step.
func TestFreezeRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*/*.yaml")
	inputs := map[string][]byte{"rich.yaml": []byte(richSteps)}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[f] = b
	}
	for file, data := range inputs {
		cfg, ds := Parse(file, data)
		if ds.HasErrors() {
			t.Fatalf("%s: %v", file, ds)
		}
		requireThawed(t, cfg, file, data)
	}
	cfg, _ := Parse("rich.yaml", []byte(richSteps))
	if got := cfg.Sequences[0].Dependencies(); !reflect.DeepEqual(got, []string{"Child"}) {
		t.Errorf("dependencies %v", got)
	}
	// a step's lint entry is found from a step of another thaw
	steps := cfg.Sequences[0].Steps()
	run := steps[0].Steps[0]
	if !cfg.Sequences[0].Ignores(LintDuplicateNames, run) || cfg.Sequences[0].Ignores(LintCannotWork, run) {
		t.Error("Ignores does not find the group's lint entry for a step of another thaw")
	}
}

// TestWriteContent: a sequence's content is the same wherever it is
// written (other lines, other indentation, another file, flow or block
// style) and differs when anything it says differs.
func TestWriteContent(t *testing.T) {
	content := func(file, data string) []byte {
		t.Helper()
		cfg, ds := Parse(file, []byte(data))
		if ds.HasErrors() {
			t.Fatal(ds)
		}
		var b bytes.Buffer
		cfg.Sequences[0].WriteContent(&b)
		return b.Bytes()
	}
	base := content("a.yaml", richSteps)
	moved := "# a comment\n\n" + strings.ReplaceAll(richSteps, "\n      - ", "\n\n      - ")
	if !bytes.Equal(base, content("elsewhere/b.yaml", moved)) {
		t.Error("content changed with the lines and the file")
	}
	for _, edit := range [][2]string{
		{"cmd /c exit 0", "cmd /c exit 1"},
		{"continueOnError: true", "continueOnError: false"},
		{"timeout: 90s", "timeout: 91s"},
		{"3010", "3011"},
		{"retryCount: 2", "retryCount: 3"},
		{`runFromNet: "false"`, `runFromNet: "true"`},
		{"extra: null", "extra: x"},
		{"[defaultVarList, action]", "[action, defaultVarList]"},
		{"kept for later", "kept for ever"},
		{"equals: \"1\"", "equals: \"2\""},
		{"group: Inner", "group: Inner2"},
		{"name: Run\n", "name: Run2\n"},
		{"description: runs it", "description: runs that"},
		{"runIn: WinPE", "runIn: FullOS"},
		{"SMSRebootMessage: bye", "SMSRebootMessage: bye!"},
		{"description: every part of a step", "description: every part"},
		{"runTaskSequence: Child", "runTaskSequence: Other"},
	} {
		if !strings.Contains(richSteps, edit[0]) {
			t.Fatalf("%q not in the test file", edit[0])
		}
		if bytes.Equal(base, content("a.yaml", strings.Replace(richSteps, edit[0], edit[1], 1))) {
			t.Errorf("content unchanged by %q → %q", edit[0], edit[1])
		}
	}
}

// FuzzFreeze: whatever a configuration holds, its sequences thaw to the
// steps they were decoded to.
func FuzzFreeze(f *testing.F) {
	f.Add([]byte(richSteps))
	if b, err := os.ReadFile("../../examples/windows11/windows11.yaml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, ds := Parse("f.yaml", data)
		if ds.HasErrors() || len(cfg.Sequences) == 0 || len(data) >= splitFrom {
			return
		}
		requireThawed(t, cfg, "f.yaml", data)
	})
}

// TestSecretsListedOnce: a frozen sequence's secrets are listed from its
// steps once and kept; every call (at once, from many goroutines) gives
// the list the steps say, in order, with positions.
func TestSecretsListedOnce(t *testing.T) {
	src := `sequences:
  - name: Deploy
    steps:
      - joinDomain: {domain: corp.example, account: CORP\join, password: {env: JOIN_PW}}
      - group: Apps
        steps:
          - runCommandLine: {commandLine: setup.exe, runAs: {user: CORP\svc, password: {file: pw.txt}}}
          - runCommandLine: {commandLine: other.exe, runAs: {user: CORP\none, password: {empty: true}}}
`
	cfg, ds := Parse("s.yaml", []byte(src))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	s := cfg.Sequences[0]
	if s.frozen == nil {
		t.Fatal("the sequence is not frozen")
	}
	// the list walked from the steps, as Secrets lists it without a memo
	var want []Secret
	Walk(s.Steps(), func(st *Step) {
		if st.Kind != "group" {
			want = append(want, stepSecrets(st, st.Body())...)
		}
	})
	if len(want) != 3 || want[0].Env != "JOIN_PW" || want[1].File == "" || !want[2].Empty || want[0].Pos.Line != 4 {
		t.Fatalf("walked %+v", want)
	}
	var wg sync.WaitGroup
	got := make([][]Secret, 8)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = s.Secrets() }()
	}
	wg.Wait()
	for i, g := range got {
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("call %d: %+v, want %+v", i, g, want)
		}
	}
	if s.frozen.secrets.Load() == nil {
		t.Fatal("the list is not kept")
	}
}
