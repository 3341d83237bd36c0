package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/cores"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
)

// Lint codes are stable: scripts and CI rules may match on them.
const (
	LintHighImpact      = "TS001" // a sequence that partitions disks or applies an OS changes
	LintDisabledStep    = "TS002" // a disabled step or group
	LintDuplicateNames  = "TS003" // two steps of one group share a name
	LintUnnamedStep     = "TS004" // a step relies on the console's default name
	LintTooLarge        = "TS005" // the sequence XML is over the site's 2 MB limit (an error)
	LintDangling        = "TS006" // a child sequence tsctl does not manage references missing objects
	LintCannotWork      = "TS007" // an enabled step that cannot work as written (no package, no account…)
	LintNotForTS        = "TS008" // Install Package runs a program not allowed to install from a task sequence
	LintDisabledChild   = "TS009" // Run Task Sequence runs a child sequence that is disabled
	LintNearPolicyLimit = "TS010" // a sequence, or a parent with its children, near the documented size limits
	LintLargeOSTarget   = "TS011" // an available deployment of an OS deployment sequence to a collection over the site's default size
	LintPastSchedule    = "TS012" // a required deployment's deadline, or its as-soon-as-possible available time, has passed
)

// LintCode describes one lint code.
type LintCode struct {
	Code    string
	Summary string // what it reports, for summaries and help
	Error   bool   // reported as an error: cannot be ignored
}

// LintCodes lists every lint code in order.
var LintCodes = []LintCode{
	{LintHighImpact, "a sequence that partitions disks or applies an OS image is created or changed", false},
	{LintDisabledStep, "a step or group is disabled", false},
	{LintDuplicateNames, "two steps of one group share a name", false},
	{LintUnnamedStep, "a step has no name of its own", false},
	{LintTooLarge, "a sequence is over the 2 MB a site stores", true},
	{LintDangling, "a child sequence tsctl does not manage references objects missing on the site", false},
	{LintCannotWork, "an enabled step cannot work as written", false},
	{LintNotForTS, "an Install Package step runs a program not allowed to install from a task sequence", false},
	{LintDisabledChild, "a Run Task Sequence step runs a disabled child sequence", false},
	{LintNearPolicyLimit, "a sequence, or a parent with the children it runs, is near the documented size limits", false},
	{LintLargeOSTarget, "an available deployment of a sequence that deploys an operating system goes to a collection larger than the site's default size", false},
	{LintPastSchedule, "a required deployment's deadline, or the available time it runs at as soon as possible, has passed", false},
}

// LookupLintCode returns the lint code named code (any case).
func LookupLintCode(code string) (LintCode, bool) {
	for _, c := range LintCodes {
		if strings.EqualFold(c.Code, code) {
			return c, true
		}
	}
	return LintCode{}, false
}

// LintCodeNames lists the codes, for "did you mean" hints.
func LintCodeNames() []string {
	out := make([]string, len(LintCodes))
	for i, c := range LintCodes {
		out[i] = c.Code
	}
	return out
}

// Lint reports risky or sloppy configuration as warnings with stable codes,
// except those the configuration ignores (lint: ignore on the sequence or
// on the step or a group holding it).
func Lint(c *Config) diag.List { return LintAt(c, time.Now()) }

// LintAt is Lint with the time it is now, which the deployments' times
// are judged by.
func LintAt(c *Config, now time.Time) diag.List {
	progs := declaredPrograms(c)
	// Sequences are linted on every core (a sequence's lint reads only it
	// and the declared programs), their warnings kept in the order of the
	// sequences.
	per := make([]diag.List, len(c.Sequences))
	cores.Each(len(c.Sequences), func(i int) {
		s := c.Sequences[i]
		steps := s.Steps() // thawed once for every lint of the sequence
		lintSteps(s, steps, ignoreSet(nil, s.Lint), &per[i])
		lintPrograms(s, steps, progs, &per[i])
	})
	var ds diag.List
	for _, l := range per {
		ds = append(ds, l...)
	}
	for _, d := range c.Deployments {
		lintSchedule(d, now, &ds)
	}
	return ds
}

// latestZone is the time zone furthest behind UTC (UTC-12): a wall-clock
// time that clients read as their local time has passed for every client
// once it has passed there.
const latestZone = -12 * time.Hour

// lintSchedule warns (TS012) when a required deployment's deadline, or the
// available time of one that runs as soon as possible, has passed: clients
// run it as soon as they get its policy, not at the time written. A time
// in UTC has passed once it is before now; a local time (each client's
// own clock) once it has passed in every time zone.
func lintSchedule(d *Deployment, now time.Time, ds *diag.List) {
	if d.Absent || !d.Required() || d.Ignores(LintPastSchedule) {
		return
	}
	passed := func(value string) bool {
		t, err := ParseTime(value)
		if err != nil {
			return false // an error of its own
		}
		if d.TimeZone == TimeZoneUTC {
			return t.Before(now)
		}
		return t.Before(now.UTC().Add(latestZone))
	}
	zone := "clients' local time, passed in every time zone"
	if d.TimeZone == TimeZoneUTC {
		zone = "UTC"
	}
	const hint = "set a time to come, or remove it to run the deployment as soon as clients get it, if that is what is meant"
	if d.Deadline != "" && passed(d.Deadline) {
		ds.Warn(d.DeadlinePos, LintPastSchedule, hint,
			"required deployment %q: deadline %s (%s) has passed: clients run it as soon as they get its policy", d.Name, d.Deadline, zone)
	}
	if d.AsSoonAsPossible && d.Available != "" && passed(d.Available) {
		ds.Warn(d.AvailablePos, LintPastSchedule, hint,
			"required deployment %q runs as soon as possible after available %s (%s), which has passed: clients run it as soon as they get its policy", d.Name, d.Available, zone)
	}
}

func lintSteps(s *Sequence, steps []*Step, ignored map[string]bool, ds *diag.List) {
	seen := map[string]bool{}
	for _, st := range steps {
		ign := ignoreSet(ignored, st.Lint)
		warn := func(pos diag.Pos, code, hint, format string, args ...any) {
			if !ign[code] {
				ds.Warn(pos, code, hint, format, args...)
			}
		}
		if !st.Enabled {
			warn(st.Pos, LintDisabledStep, "delete steps that are no longer needed; disabled steps are kept on the site",
				"sequence %q: step %q is disabled", s.Name, st.Name)
		}
		if st.Kind != "group" && st.Kind != "xml" && !st.Named {
			warn(st.Pos, LintUnnamedStep, "name steps after what they do; logs and plans show the name",
				"sequence %q: step has no name and is called %q", s.Name, st.Name)
		}
		key := strings.ToLower(st.Name)
		if seen[key] {
			warn(st.Pos, LintDuplicateNames, "give steps of one group distinct names so plans and logs can tell them apart",
				"sequence %q: two steps in one group are named %q", s.Name, st.Name)
		}
		seen[key] = true
		if st.Enabled && !ign[LintCannotWork] {
			lintWorks(s, st, ds)
		}
		lintSteps(s, st.Steps, ign, ds)
	}
}

// ignoreSet adds the codes of list to inherited (nil when both are empty).
func ignoreSet(inherited map[string]bool, list []LintIgnore) map[string]bool {
	if len(list) == 0 {
		return inherited
	}
	out := make(map[string]bool, len(inherited)+len(list))
	for k := range inherited {
		out[k] = true
	}
	for _, l := range list {
		out[strings.ToUpper(l.Code)] = true
	}
	return out
}

// Ignores reports whether the configuration ignores lint code for the
// sequence, or (st not nil) for that step: on the step itself, on a group
// holding it, or on the sequence.
func (s *Sequence) Ignores(code string, st *Step) bool {
	if ignoreSet(nil, s.Lint)[code] {
		return true
	}
	if st == nil || s.frozen != nil && !s.frozen.stepLint {
		return false
	}
	// st may come from another thaw of the sequence than this one: a step
	// is the one written at its position.
	var path []*Step
	var find func(steps []*Step) bool
	find = func(steps []*Step) bool {
		for _, x := range steps {
			path = append(path, x)
			if x == st || x.Pos == st.Pos || find(x.Steps) {
				return true
			}
			path = path[:len(path)-1]
		}
		return false
	}
	find(s.Steps())
	for _, x := range path {
		for _, l := range x.Lint {
			if strings.EqualFold(l.Code, code) {
				return true
			}
		}
	}
	return false
}

// lintWorks reports an enabled step that cannot work as written: a site
// stores such a step (an unfinished one, say), and so does tsctl, but the
// step fails or does something else when it runs.
func lintWorks(s *Sequence, st *Step, ds *diag.List) {
	body := st.Body()
	if k := KindOf(st.Kind); k != nil && k.Shorthand != "" && body != nil && body.Kind == yaml.ScalarNode {
		// runCommandLine: cmd /c … stands for {commandLine: cmd /c …}.
		body = &Node{Kind: yaml.MappingNode, Line: body.Line, Column: body.Column,
			Content: []*Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: k.Shorthand, Line: body.Line, Column: body.Column}, body}}
	}
	has := func(n *Node, key string) bool { return Lookup(n, key) != nil }
	// set reports a reference or value that is given and not empty.
	set := func(n *Node, key string) bool {
		v := Lookup(n, key)
		return v != nil && !(v.Kind == yaml.ScalarNode && v.Value == "")
	}
	warn := func(key, hint, format string, args ...any) {
		ds.Warn(st.At(key), LintCannotWork, hint, "sequence %q: step %q: "+format, append([]any{s.Name, st.Name}, args...)...)
	}
	switch st.Kind {
	case "runCommandLine":
		if body != nil && body.Kind == yaml.ScalarNode && body.Value != "" {
			break // the shorthand: the body is the command line
		}
		if !set(body, "commandLine") {
			warn("", "give commandLine", "runs no command line")
		}
	case "runPowerShellScript":
		inline := has(body, "script") || has(body, "scriptBase64")
		pkg := set(body, "package") || set(body, "scriptName")
		switch {
		case inline && pkg:
			warn("script", "give either script, or package with scriptName", "has both an inline script and a package script; the inline script runs")
		case !inline && !pkg:
			warn("", "give script, or package with scriptName", "has no script to run")
		case pkg && (!set(body, "package") || !set(body, "scriptName")):
			warn("", "package and scriptName go together", "names a script package without a script name, or a script name without a package")
		}
	case "installApplication":
		apps, base := set(body, "applications"), set(body, "baseVariable")
		switch {
		case apps && base:
			warn("", "give either applications or baseVariable", "lists applications and a base variable")
		case !apps && !base:
			warn("", "give applications, or baseVariable for a dynamic list", "installs no application")
		}
	case "installPackage":
		pkg, base := set(body, "package"), set(body, "baseVariable")
		switch {
		case pkg && base:
			warn("", "give either package with program, or baseVariable", "names a package and a base variable")
		case !pkg && !base:
			warn("", "give package with program, or baseVariable for a dynamic list", "installs no package")
		case pkg && !set(body, "program"):
			warn("package", "name the program to run", "names a package without a program")
		}
	case "applyOperatingSystem":
		image, upgrade := set(body, "image"), set(body, "osUpgradePackage")
		switch {
		case image && upgrade:
			warn("", "give either image (with index) or osUpgradePackage (with edition)", "names both an OS image and an OS upgrade package")
		case !image && !upgrade:
			warn("", "give image (with index) or osUpgradePackage (with edition)", "applies no operating system")
		case image && has(body, "edition"):
			warn("edition", "use index for an image", "edition goes with osUpgradePackage")
		case upgrade && has(body, "index"):
			warn("index", "use edition for an OS upgrade package", "index goes with image")
		}
		if d := Lookup(body, "destination"); d != nil {
			disk, part := has(d, "disk"), has(d, "partition")
			n := 0
			if disk || part {
				n++
				if disk != part {
					warn("destination", "give disk and partition together", "destination disk and partition go together")
				}
			}
			if has(d, "drive") {
				n++
			}
			if has(d, "variable") {
				n++
			}
			if n > 1 {
				warn("destination", "keep one of them", "destination is one of disk+partition, drive or variable")
			}
		}
	case "applyDriverPackage":
		if !set(body, "package") {
			warn("", "name the driver package to apply", "applies no driver package")
		}
	case "joinDomain":
		domain, workgroup := set(body, "domain"), set(body, "workgroup")
		switch {
		case domain && workgroup:
			warn("workgroup", "give either domain or workgroup", "names both a domain and a workgroup")
		case !domain && !workgroup:
			warn("", "give domain (with account and password) or workgroup", "joins no domain or workgroup")
		case domain && (!set(body, "account") || !has(body, "password")):
			warn("domain", "password: {env: JOIN_PASSWORD}", "joining a domain needs account and password")
		case workgroup && (set(body, "account") || has(body, "password") || set(body, "ou")):
			warn("workgroup", "remove account, password and ou", "account, password and ou apply to a domain join only")
		}
	case "partitionDisk":
		style, _ := scalar(body, "style")
		if parts := Lookup(body, "partitions"); parts != nil {
			for i, p := range parts.Content {
				units, _ := scalar(p, "sizeUnits")
				size, _ := scalar(p, "size")
				typ, _ := scalar(p, "type")
				if n, err := strconv.Atoi(size); err == nil && (strings.EqualFold(units, "Percent") || units == "%") && n > 100 {
					warn("partitions", "use at most 100 percent", "partition %d is %d percent of the disk", i+1, n)
				}
				if (strings.EqualFold(typ, "EFI") || strings.EqualFold(typ, "MSR")) && !strings.EqualFold(style, "GPT") {
					warn("partitions", "set style: GPT", "an %s partition needs style GPT", typ)
				}
			}
		}
	case "runTaskSequence":
		ref := body
		if ref != nil && ref.Kind == yaml.MappingNode && Lookup(ref, "sequence") != nil {
			ref = Lookup(ref, "sequence")
		}
		if id := Lookup(ref, "id"); id != nil {
			ref = id
		}
		if ref == nil || ref.Kind != yaml.ScalarNode || ref.Value == "" {
			warn("", "name the child sequence", "runs no child sequence")
		}
	}
}

func scalar(n *Node, key string) (string, bool) {
	if v := Lookup(n, key); v != nil {
		return v.Value, true
	}
	return "", false
}

// ProgramFlagDynamicInstall is SMS_Program.ProgramFlags bit 0,
// AUTHORIZED_DYNAMIC_INSTALL: "Allow this program to be installed from the
// Install Package task sequence without being deployed" (Microsoft's
// SMS_Program server WMI class reference).
const ProgramFlagDynamicInstall = 0x00000001

// InstallPackageRef is the package and program an enabled Install
// Package step names: the package's name, or its PackageID when byID (a
// step that installs by base variable has none).
func (st *Step) InstallPackageRef() (pkg string, byID bool, program string, ok bool) {
	if st.Kind != "installPackage" || !st.Enabled {
		return "", false, "", false
	}
	body := st.Body()
	p, r := Lookup(body, "package"), Lookup(body, "program")
	if p == nil || r == nil || r.Kind != yaml.ScalarNode || r.Value == "" {
		return "", false, "", false
	}
	if p.Kind == yaml.ScalarNode && p.Value != "" {
		return p.Value, false, r.Value, true
	}
	if id := Lookup(p, "id"); id != nil && id.Kind == yaml.ScalarNode && id.Value != "" {
		return id.Value, true, r.Value, true
	}
	return "", false, "", false
}

// lintPrograms warns about Install Package steps of s (whose steps are
// steps) whose program, declared in the configuration (progs), does not
// allow installation from a task sequence without being deployed: the
// step fails when it runs. Programs of packages on the site are checked
// when planning.
func lintPrograms(s *Sequence, steps []*Step, progs map[string]*Program, ds *diag.List) {
	if len(progs) == 0 {
		return
	}
	Walk(steps, func(st *Step) {
		pkg, byID, prog, ok := st.InstallPackageRef()
		if !ok || byID {
			return
		}
		pr := progs[strings.ToLower(pkg)+"\x00"+strings.ToLower(prog)]
		if pr == nil || (pr.InstallFromTaskSequence != nil && *pr.InstallFromTaskSequence) || s.Ignores(LintNotForTS, st) {
			return
		}
		ds.Warn(st.At("program"), LintNotForTS, fmt.Sprintf("set installFromTaskSequence: true on program %q of package %q", pr.Name, pkg),
			"sequence %q: step %q: program %q of package %q does not allow installation from a task sequence without being deployed; the step fails when it runs",
			s.Name, st.Name, pr.Name, pkg)
	})
}

// declaredPrograms indexes the programs the configuration declares, by
// lower-case package and program name.
func declaredPrograms(c *Config) map[string]*Program {
	progs := map[string]*Program{}
	for _, p := range c.Packages {
		if p.Type != object.Package || p.Absent {
			continue
		}
		for i := range p.Programs {
			progs[strings.ToLower(p.Name)+"\x00"+strings.ToLower(p.Programs[i].Name)] = &p.Programs[i]
		}
	}
	return progs
}
