package config

import (
	"strings"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
)

// Config is a merged configuration.
type Config struct {
	Site    string
	SitePos diag.Pos
	// Owner scopes the ownership mark of the objects this configuration
	// creates, so that --prune deletes only its own ("" for none).
	Owner     string
	OwnerPos  diag.Pos
	Packages  []*Package
	Sequences []*Sequence
	Files     []string // files read, in order
	absent    map[objectKey]bool
}

// objectKey names an object of a kind, its name in lower case (names are
// unique per kind, whatever their case).
type objectKey struct {
	kind object.Kind
	name string
}

// IsAbsent reports whether the object of kind named name is declared absent.
func (c *Config) IsAbsent(kind object.Kind, name string) bool {
	return c.absent[objectKey{kind, strings.ToLower(name)}]
}

// Package is a package, OS image, OS upgrade package or driver package.
type Package struct {
	Pos          diag.Pos
	Name         string      `yaml:"name"`
	Type         object.Kind `yaml:"type"`
	Description  string      `yaml:"description"`
	SourcePath   string      `yaml:"sourcePath"`
	Version      string      `yaml:"version"`
	Manufacturer string      `yaml:"manufacturer"`
	Language     string      `yaml:"language"`
	Programs     []Program   `yaml:"programs"`
	Absent       bool        `yaml:"absent"`
}

// Program is an SMS_Program of a package.
type Program struct {
	Name        string `yaml:"name"`
	CommandLine string `yaml:"commandLine"`
	Comment     string `yaml:"comment"`
	// InstallFromTaskSequence, when given, is the program's "Allow this
	// program to be installed from the Install Package task sequence
	// without being deployed" setting (ProgramFlags bit 0,
	// AUTHORIZED_DYNAMIC_INSTALL); nil leaves the site's value alone.
	InstallFromTaskSequence *bool `yaml:"installFromTaskSequence"`
}

// Sequence is a task sequence.
type Sequence struct {
	Pos           diag.Pos
	Name          string
	Description   string
	Category      string
	BootImage     string // name, or PackageID when BootImageByID
	BootImageByID bool
	BootPos       diag.Pos
	MaxRunTime    int
	Absent        bool
	HasSteps      bool
	// steps are the decoded steps until the sequence is frozen (see
	// freeze.go); then frozen holds them, and Steps thaws them.
	steps  []*Step
	frozen *frozenSteps
	// GlobalVars are <globalVarList> variables no step property produces
	// (a custom step class's [Global] properties), kept as exported.
	GlobalVars []GlobalVar
	// Attributes are attributes of the <sequence> element besides version,
	// as exported (MDT writes name and description there).
	Attributes []Attribute
	// Lint lists the lint codes ignored for the whole sequence.
	Lint []LintIgnore
}

// LintIgnore is one entry of lint: ignore: a lint code the configuration
// does not want reported there, and why.
type LintIgnore struct {
	Code   string
	Reason string
	Pos    diag.Pos
}

// GlobalVar is one <globalVarList> variable.
type GlobalVar struct {
	Name, Property, Value string
}

// Step is a step or group as written in the file; its kind-specific body is
// decoded when the sequence is built for a site. Only the body and the
// condition are kept as YAML values, encoded (see Body): the rest of a
// file's tree is dropped once it is loaded.
type Step struct {
	Pos             diag.Pos
	File            string
	Named           bool   // the file gives the step a name
	Kind            string // group, runCommandLine, …, action
	body, bodyPos   []byte // value of the kind key, encoded (content and positions from the step's line)
	Name            string
	Description     string
	Enabled         bool
	ContinueOnError bool
	RunIn           string
	TimeoutSeconds  int // 0 = none
	SuccessCodes    []int
	RetryCount      *int
	cond, condPos   []byte      // encoded, as body
	Attributes      []Attribute // XML attributes as written, overriding the options above
	Layout          []string    // order of the step's condition, action and defaultVarList; nil for the usual one
	Properties      []Attribute // step properties as stored, over what a typed form writes (null: left out)
	Steps           []*Step
	Lint            []LintIgnore // lint codes ignored for this step (and, for a group, its steps)
}

// Attribute is one entry of a step's attributes: an XML attribute of the
// step element exactly as the site stores it, or (Absent, from a YAML null)
// one the step element does not have at all.
type Attribute struct {
	Name   string
	Value  string
	Absent bool
	Pos    diag.Pos
}

// Body returns the value of the step's kind key (nil for none). It is
// decoded from the step's compact encoding on each call: callers keep the
// result for as long as they need it, and nothing else holds it.
func (s *Step) Body() *Node { return decodeNode(s.body, s.bodyPos, s.Pos.Line) }

// Condition returns the step's condition (nil for none), decoded on each
// call like Body.
func (s *Step) Condition() *Node { return decodeNode(s.cond, s.condPos, s.Pos.Line) }

// HasCondition reports whether the step has a condition.
func (s *Step) HasCondition() bool { return len(s.cond) > 0 }

// Secret is a secret value's source; the value itself is read only at
// apply. Exactly one of Env, File and Empty is set: Empty declares a value
// that is blank on the site (a blank variable or file is refused, so that
// a secret missing by mistake is never written as blank).
type Secret struct {
	Env   string `yaml:"env"`
	File  string `yaml:"file"`
	Empty bool   `yaml:"empty"`
	Pos   diag.Pos
	Dir   string // folder of the configuration file, for relative paths
}

// String describes the source without the value.
func (s Secret) String() string {
	switch {
	case s.Empty:
		return "empty"
	case s.Env != "":
		return "env:" + s.Env
	}
	return "file:" + s.File
}

// KindKeys lists every step kind key: group, the typed forms, and the
// generic forms action and xml.
func KindKeys() []string {
	keys := []string{"group"}
	for _, k := range kindList {
		keys = append(keys, k.Key)
	}
	return append(keys, "action", "xml")
}

func isKind(key string) bool {
	return key == "group" || key == "action" || key == "xml" || kindByKey[key] != nil
}

// Walk visits every step of a list depth-first.
func Walk(steps []*Step, fn func(*Step)) {
	for _, s := range steps {
		fn(s)
		Walk(s.Steps, fn)
	}
}
