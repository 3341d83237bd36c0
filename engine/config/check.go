package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine/diag"
)

func diagPos(n *yaml.Node) diag.Pos { return diag.Pos{Line: n.Line, Col: n.Column} }

// At returns the position of key inside the step's body (or the body itself).
func (s *Step) At(key string) diag.Pos {
	n := s.Body
	if key != "" {
		if f := Lookup(s.Body, key); f != nil {
			n = f
		}
	}
	return pos(s.File, n)
}

// DecodeBody decodes the kind-specific body into out and fixes the file of
// any secret positions.
func (s *Step) DecodeBody(out any) error {
	if err := s.Body.Decode(out); err != nil {
		return fmt.Errorf("%s: %w", s.Pos, err)
	}
	return nil
}

// SecretDir is the folder relative secret files are read from.
func (s *Step) SecretDir() string { return filepath.Dir(s.File) }

// check runs the semantic rules over the merged configuration.
func (c *Config) check() diag.List {
	var ds diag.List
	type key struct{ kind, name string }
	seen := map[key]diag.Pos{}
	dup := func(kind, name string, p diag.Pos) {
		k := key{kind, strings.ToLower(name)}
		if prev, ok := seen[k]; ok {
			ds.AddHint(p, "names are unique per kind; rename one of them", "%s %q is declared twice (first at %s)", kind, name, prev)
			return
		}
		seen[k] = p
	}
	pkgs := map[string]*Package{}
	for _, p := range c.Packages {
		dup(string(p.Type), p.Name, p.Pos)
		pkgs[strings.ToLower(p.Name)+"\x00"+string(p.Type)] = p
		if p.Type != TypePackage && len(p.Programs) > 0 {
			ds.Add(p.Pos, "%s %q: only a package of type package has programs", p.Type, p.Name)
		}
		progs := map[string]bool{}
		for _, pr := range p.Programs {
			if progs[strings.ToLower(pr.Name)] {
				ds.Add(p.Pos, "package %q: program %q is declared twice", p.Name, pr.Name)
			}
			progs[strings.ToLower(pr.Name)] = true
		}
	}
	seqs := map[string]*Sequence{}
	absent := map[string]bool{}
	for _, p := range c.Packages {
		if p.Absent {
			absent[string(p.Type)+"\x00"+strings.ToLower(p.Name)] = true
			if len(p.Programs) > 0 || p.SourcePath != "" || p.Description != "" {
				ds.Add(p.Pos, "%s %q is absent: it takes no other properties", p.Type, p.Name)
			}
		}
	}
	for _, s := range c.Sequences {
		dup("sequence", s.Name, s.Pos)
		seqs[strings.ToLower(s.Name)] = s
		switch {
		case s.Absent:
			absent["sequence\x00"+strings.ToLower(s.Name)] = true
			if len(s.Steps) > 0 {
				ds.Add(s.Pos, "sequence %q is absent: it takes no steps", s.Name)
			}
		case !s.HasSteps:
			ds.AddHint(s.Pos, "add steps: [] for an empty sequence, or absent: true to delete it", "sequence %q has no steps", s.Name)
		}
	}
	c.absent = absent
	declared := func(name string, t PackageType) *Package { return pkgs[strings.ToLower(name)+"\x00"+string(t)] }
	wrongType := func(name string, want PackageType, p diag.Pos) {
		for _, t := range []PackageType{TypePackage, TypeOSImage, TypeOSUpgradePackage, TypeDriverPackage} {
			if t != want && declared(name, t) != nil && declared(name, want) == nil {
				ds.AddHint(p, fmt.Sprintf("declare it with `type: %s`", want), "%q is declared as a %s, but this needs a %s", name, t, want)
			}
		}
	}
	for _, s := range c.Sequences {
		Walk(s.Steps, func(st *Step) {
			if st.Kind == "" {
				return
			}
			if st.Name == "" {
				if k := KindOf(st.Kind); k != nil {
					st.Name = k.Title
				} else if st.Kind == "action" {
					st.Name = strings.TrimPrefix(Lookup(st.Body, "type").Value, "SMS_TaskSequence_")
				}
			}
			if st.Kind == "xml" && st.Name != "" {
				ds.Add(st.Pos, "a step given as xml takes its name from the XML")
			}
			c.checkStep(st, &ds, declared, wrongType)
		})
	}
	ds = append(ds, c.checkCycles(seqs)...)
	return ds
}

func (c *Config) checkStep(st *Step, ds *diag.List, declared func(string, PackageType) *Package, wrongType func(string, PackageType, diag.Pos)) {
	bad := func(key, format string, args ...any) { ds.Add(st.At(key), format, args...) }
	switch st.Kind {
	case "runCommandLine":
		var b RunCommandLine
		if st.DecodeBody(&b) == nil && b.Package != "" {
			wrongType(b.Package, TypePackage, st.At("package"))
		}
	case "runPowerShellScript":
		var b RunPowerShellScript
		if st.DecodeBody(&b) != nil {
			return
		}
		inline, pkg := b.Script != nil, b.Package != "" || b.ScriptName != ""
		switch {
		case inline && pkg:
			bad("script", "runPowerShellScript: give either script or package with scriptName, not both")
		case !inline && !pkg:
			bad("", "runPowerShellScript: give script, or package with scriptName")
		case pkg && (b.Package == "" || b.ScriptName == ""):
			bad("", "runPowerShellScript: package and scriptName go together")
		}
	case "installApplication":
		var b InstallApplication
		if st.DecodeBody(&b) == nil && (len(b.Applications) > 0) == (b.BaseVariable != "") {
			bad("", "installApplication: give either applications or baseVariable")
		}
	case "installPackage":
		var b InstallPackage
		if st.DecodeBody(&b) != nil {
			return
		}
		if (b.Package != "") == (b.BaseVariable != "") {
			bad("", "installPackage: give either package with program, or baseVariable")
			return
		}
		if b.Package != "" && b.Program == "" {
			bad("package", "installPackage: package %q needs a program", b.Package)
			return
		}
		if b.Package != "" {
			wrongType(b.Package, TypePackage, st.At("package"))
			if p := declared(b.Package, TypePackage); p != nil {
				found := false
				var names []string
				for _, pr := range p.Programs {
					names = append(names, pr.Name)
					if strings.EqualFold(pr.Name, b.Program) {
						found = true
					}
				}
				if !found {
					ds.AddHint(st.At("program"), "programs of "+p.Name+": "+orNone(names), "package %q has no program %q", b.Package, b.Program)
				}
			}
		}
	case "applyOperatingSystem":
		var b ApplyOperatingSystem
		if st.DecodeBody(&b) != nil {
			return
		}
		if (b.Image != "") == (b.OSUpgradePackage != "") {
			bad("", "applyOperatingSystem: give either image (with index) or osUpgradePackage (with edition)")
		}
		if b.Image != "" {
			wrongType(b.Image, TypeOSImage, st.At("image"))
			if b.Edition != nil {
				bad("edition", "applyOperatingSystem: edition goes with osUpgradePackage; use index for an image")
			}
		}
		if b.OSUpgradePackage != "" {
			wrongType(b.OSUpgradePackage, TypeOSUpgradePackage, st.At("osUpgradePackage"))
			if b.Index != nil {
				bad("index", "applyOperatingSystem: index goes with image; use edition for an OS upgrade package")
			}
		}
		if d := b.Destination; d != nil {
			n := 0
			if d.Disk != nil || d.Partition != nil {
				n++
				if d.Disk == nil || d.Partition == nil {
					bad("destination", "applyOperatingSystem: destination disk and partition go together")
				}
			}
			if d.Drive != "" {
				n++
			}
			if d.Variable != "" {
				n++
			}
			if n > 1 {
				bad("destination", "applyOperatingSystem: destination is one of disk+partition, drive or variable")
			}
		}
		if b.AnswerFile != nil {
			wrongType(b.AnswerFile.Package, TypePackage, st.At("answerFile"))
		}
	case "applyDriverPackage":
		var b ApplyDriverPackage
		if st.DecodeBody(&b) == nil {
			wrongType(b.Package, TypeDriverPackage, st.At("package"))
		}
	case "joinDomain":
		var b JoinDomain
		if st.DecodeBody(&b) != nil {
			return
		}
		switch {
		case b.Domain != "" && b.Workgroup != "":
			bad("workgroup", "joinDomain: give either domain or workgroup")
		case b.Domain == "" && b.Workgroup == "":
			bad("", "joinDomain: give domain (with account and password) or workgroup")
		case b.Domain != "" && (b.Account == "" || b.Password == nil):
			ds.AddHint(st.At("domain"), "password: {env: JOIN_PASSWORD}", "joinDomain: joining a domain needs account and password")
		case b.Workgroup != "" && (b.Account != "" || b.Password != nil || b.OU != ""):
			bad("workgroup", "joinDomain: account, password and ou apply to a domain join only")
		}
	case "partitionDisk":
		var b PartitionDisk
		if st.DecodeBody(&b) != nil {
			return
		}
		for i, p := range b.Partitions {
			if strings.EqualFold(p.SizeUnits, "Percent") && p.Size > 100 {
				ds.Add(st.At("partitions"), "partitionDisk: partition %d is %d percent", i+1, p.Size)
			}
			if (p.Type == "EFI" || p.Type == "MSR") && b.Style != "GPT" {
				ds.Add(st.At("partitions"), "partitionDisk: an %s partition needs style GPT", p.Type)
			}
		}
	case "runTaskSequence":
		if strings.EqualFold(st.Body.Value, "") {
			bad("", "runTaskSequence: name the child sequence")
		}
	}
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// checkCycles reports Run Task Sequence cycles among declared sequences.
func (c *Config) checkCycles(seqs map[string]*Sequence) diag.List {
	var ds diag.List
	const (
		white = iota
		grey
		black
	)
	color := map[*Sequence]int{}
	var stack []*Sequence
	reported := map[string]bool{}
	var visit func(s *Sequence)
	visit = func(s *Sequence) {
		color[s] = grey
		stack = append(stack, s)
		Walk(s.Steps, func(st *Step) {
			if st.Kind != "runTaskSequence" {
				return
			}
			child := seqs[strings.ToLower(st.Body.Value)]
			if child == nil {
				return
			}
			switch color[child] {
			case grey:
				var names []string
				start := 0
				for i, x := range stack {
					if x == child {
						start = i
					}
				}
				for _, x := range stack[start:] {
					names = append(names, x.Name)
				}
				names = append(names, child.Name)
				cyc := strings.Join(names, " → ")
				if !reported[cyc] {
					reported[cyc] = true
					ds.AddHint(st.At(""), "a Run Task Sequence step cannot call a sequence that calls it back", "Run Task Sequence cycle: %s", cyc)
				}
			case white:
				visit(child)
			}
		})
		stack = stack[:len(stack)-1]
		color[s] = black
	}
	for _, s := range c.Sequences {
		if color[s] == white {
			visit(s)
		}
	}
	return ds
}

// Dependencies returns the names of the sequences a sequence runs with Run
// Task Sequence steps, in step order without duplicates.
func (s *Sequence) Dependencies() []string {
	var out []string
	seen := map[string]bool{}
	Walk(s.Steps, func(st *Step) {
		if st.Kind == "runTaskSequence" && !seen[strings.ToLower(st.Body.Value)] {
			seen[strings.ToLower(st.Body.Value)] = true
			out = append(out, st.Body.Value)
		}
	})
	return out
}
