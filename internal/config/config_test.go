package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/object"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseValid(t *testing.T) {
	cfg, ds := Parse("c.yaml", []byte(`site: ps1
packages:
  - name: Tools
    programs: [{name: Run, commandLine: run.cmd}]
  - name: Win
    type: osImage
sequences:
  - name: S
    maxRunTime: 90
    steps:
      - group: G
        steps:
          - runCommandLine: echo
            timeout: 90s
          - restartComputer: {}
            timeout: 2
          - installPackage: {package: Tools, program: Run}
            successCodes: [0, 3010]
            retryCount: 3
`))
	if len(ds) != 0 {
		t.Fatalf("diagnostics: %v", ds)
	}
	if cfg.Site != "PS1" || len(cfg.Packages) != 2 || cfg.Packages[0].Type != object.Package || cfg.Packages[1].Type != object.OSImage {
		t.Fatalf("packages: %+v", cfg.Packages)
	}
	s := cfg.Sequences[0]
	g := s.Steps()[0]
	if s.MaxRunTime != 90 || g.Kind != "group" || g.Name != "G" || len(g.Steps) != 3 {
		t.Fatalf("sequence: %+v", s)
	}
	if g.Steps[0].Name != "Run Command Line" || g.Steps[0].TimeoutSeconds != 90 || g.Steps[1].TimeoutSeconds != 120 {
		t.Errorf("defaults: %q %d %d", g.Steps[0].Name, g.Steps[0].TimeoutSeconds, g.Steps[1].TimeoutSeconds)
	}
	if ip := g.Steps[2]; *ip.RetryCount != 3 || len(ip.SuccessCodes) != 2 || ip.Pos.Line != 17 {
		t.Errorf("installPackage step: %+v", ip)
	}
}

func TestDiagnosticsArePositioned(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"sequences:\n  - name: x\n    steps: [\n", "c.yaml:4:1: invalid YAML: did not find expected node content"},
		{"a: 1\n---\nb: 2\n", "c.yaml:2:1: more than one YAML document"},
		{"sequences:\n  - name: x\n    steps:\n      - setVariable: {name: A}\n", `c.yaml:4:22: sequences[0].steps[0].setVariable: missing required property "value"`},
		{"sequences:\n  - name: x\n    steps:\n      - runCommandLine: echo\n        colour: 1\n", `c.yaml:5:9: sequences[0].steps[0]: unknown property "colour"`},
		{"sequences:\n  - name: x\n    steps:\n      - runCommandLine: 3\n", `c.yaml:4:25: sequences[0].steps[0].runCommandLine: expected string or object`},
		{"1: x\n", "c.yaml:1:1: keys must be strings"},
		{"packages:\n  - name: a\n    type: osImage\n    programs: [{name: p, commandLine: c}]\n", "only a package of type package has programs"},
		{"sequences:\n  - name: x\n    steps:\n      - installPackage: {package: P, program: Nope}\npackages:\n  - name: P\n    programs: [{name: Run, commandLine: r}]\n", `c.yaml:4:47: package "P" has no program "Nope"`},
		{"sequences:\n  - name: x\n    steps:\n      - applyOperatingSystem: {image: P}\npackages:\n  - name: P\n", `"P" is declared as a package, but this needs a osImage`},
		// an xml step that does not parse is refused offline, as building it would
		{"sequences:\n  - name: x\n    steps:\n      - xml: '<step type=\"a\"><bad'\n", `c.yaml:4:14: step xml: line 1: unexpected end of document in <bad>`},
	} {
		_, ds := Parse("c.yaml", []byte(tc.src))
		if !strings.Contains(ds.Error(), tc.want) {
			t.Errorf("source:\n%s\ngot:  %s\nwant: %s", tc.src, ds.Error(), tc.want)
		}
	}
}

// Steps a site stores though they cannot work (unfinished ones, mostly)
// load without error and get a TS007 warning when enabled.
func TestStepsThatCannotWorkAreLint(t *testing.T) {
	for _, tc := range []struct{ step, want string }{
		{"partitionDisk: {style: MBR, partitions: [{type: EFI, size: 1}]}", "an EFI partition needs style GPT"},
		{"installApplication: {}", "installs no application"},
		{"installApplication: {applications: [A], baseVariable: APPS}", "lists applications and a base variable"},
		{"installPackage: {}", "installs no package"},
		{"installPackage: {package: P}", "names a package without a program"},
		{"applyDriverPackage: {package: \"\"}", "applies no driver package"},
		{"applyDriverPackage: {}", "applies no driver package"},
		{"joinDomain: {domain: corp.example}", "joining a domain needs account and password"},
		{"joinDomain: {}", "joins no domain or workgroup"},
		{"applyOperatingSystem: {}", "applies no operating system"},
		{"runPowerShellScript: {}", "has no script to run"},
		{"runTaskSequence: \"\"", "runs no child sequence"},
	} {
		src := "sequences:\n  - name: x\n    steps:\n      - name: s\n        " + tc.step + "\n"
		cfg, ds := Parse("c.yaml", []byte(src))
		if ds.HasErrors() {
			t.Errorf("%s: a site stores this step, but it is refused: %v", tc.step, ds)
			continue
		}
		lint := Lint(cfg)
		if !strings.Contains(lint.Error(), tc.want) || lint.HasErrors() || lint[0].Code != LintCannotWork {
			t.Errorf("%s: lint = %v, want a %s warning %q", tc.step, lint, LintCannotWork, tc.want)
		}
		disabled := strings.Replace(src, "name: s\n", "name: s\n        enabled: false\n", 1)
		cfg, _ = Parse("c.yaml", []byte(disabled))
		for _, d := range Lint(cfg) {
			if d.Code == LintCannotWork {
				t.Errorf("%s: a disabled step gets %v", tc.step, d)
			}
		}
	}
}

// The shorthand runCommandLine: CMD runs CMD: no "runs no command line".
func TestCommandLineShorthandIsNotLint(t *testing.T) {
	cfg, ds := Parse("c.yaml", []byte("sequences:\n  - name: x\n    steps:\n      - name: s\n        runCommandLine: echo hi\n"))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	for _, d := range Lint(cfg) {
		if d.Code == LintCannotWork {
			t.Errorf("the shorthand gets %v", d)
		}
	}
}

func TestAliasBomb(t *testing.T) {
	src := `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
`
	_, ds := Parse("bomb.yaml", []byte(src))
	if !strings.Contains(ds.Error(), "bomb.yaml:1:1: aliases expand the document to more than 5000000 nodes from 78 written") {
		t.Errorf("alias bomb: %v", ds)
	}
	// Under the node limit, but far more than aliases may add: refused
	// at once instead of checked node by node for seconds.
	_, ds = Parse("bomb.yaml", []byte(strings.Join(strings.Split(src, "\n")[:5], "\n")))
	if !strings.Contains(ds.Error(), "aliases expand the document to 135801 nodes from 61 written") {
		t.Errorf("small alias bomb: %v", ds)
	}
	// A shared block of steps used by many sequences is fine.
	shared := "common: &steps\n"
	for i := 0; i < 50; i++ {
		shared += fmt.Sprintf("  - { name: S%d, setVariable: { name: V%d, value: x } }\n", i, i)
	}
	shared += "sequences:\n"
	for i := 0; i < 100; i++ {
		shared += fmt.Sprintf("  - { name: Q%d, steps: *steps }\n", i)
	}
	if _, ds := Parse("shared.yaml", []byte(shared)); strings.Contains(ds.Error(), "alias") {
		t.Errorf("shared steps: %v", ds)
	}
}

func TestLoadFilesAndFolders(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "conf/a.yaml", "sequences:\n  - name: A\n    steps: []\n")
	write(t, dir, "conf/b.yml", "sequences:\n  - name: B\n    steps: []\n")
	write(t, dir, "conf/readme.txt", "ignored")
	one := write(t, dir, "one.yaml", "sequences:\n  - name: C\n    steps: []\n")
	cfg, ds := Load([]string{filepath.Join(dir, "conf"), one})
	if len(ds) != 0 || len(cfg.Sequences) != 3 || len(cfg.Files) != 3 {
		t.Fatalf("load: %v %+v", ds, cfg)
	}
	write(t, dir, "empty/x.txt", "")
	if _, ds := Load([]string{filepath.Join(dir, "empty")}); !strings.Contains(ds.Error(), "no *.yaml") {
		t.Errorf("empty folder: %v", ds)
	}
	dup := write(t, dir, "dup.yaml", "sequences:\n  - name: a\n    steps: []\n")
	if _, ds := Load([]string{filepath.Join(dir, "conf"), dup}); !strings.Contains(ds.Error(), `sequence "a" is declared twice (first at `) {
		t.Errorf("duplicate: %v", ds)
	}
	site1 := write(t, dir, "s1.yaml", "site: AAA\n")
	site2 := write(t, dir, "s2.yaml", "site: BBB\n")
	if _, ds := Load([]string{site1, site2}); !strings.Contains(ds.Error(), `site "BBB" conflicts with site "AAA"`) {
		t.Errorf("site conflict: %v", ds)
	}
	big := filepath.Join(dir, "big.yaml")
	f, _ := os.Create(big)
	f.Truncate(MaxFileBytes + 1)
	f.Close()
	if _, ds := Load([]string{big}); !strings.Contains(ds.Error(), "larger than") {
		t.Errorf("huge file: %v", ds)
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"../../examples/windows11/windows11.yaml", "../../examples/windows11/packages.yaml", "../../examples/windows11/module-prepare.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("sequences:\n  - name: x\n    steps:\n      - group: g\n        steps: [{runTaskSequence: x}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, ds := Parse("f.yaml", data)
		for _, d := range ds {
			if d.Pos.File != "f.yaml" {
				t.Fatalf("diagnostic without the file: %v", d)
			}
		}
		if !ds.HasErrors() && cfg == nil {
			t.Fatal("no config and no error")
		}
	})
}
