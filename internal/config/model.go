package config

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
)

// Config is a merged configuration.
type Config struct {
	Site    string
	SitePos diag.Pos
	// Owner scopes the ownership mark of the objects this configuration
	// creates, so that --prune deletes only its own ("" for none).
	Owner       string
	OwnerPos    diag.Pos
	Packages    []*Package
	Sequences   []*Sequence
	Deployments []*Deployment
	Files       []string // files read, in order
	absent      map[objectKey]bool
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
	// AbsentPos locates absent: when the package says it.
	AbsentPos diag.Pos `yaml:"-"`
	// Folder is the console folder ("" leaves the package where it is).
	Folder     string        `yaml:"folder"`
	Distribute *Distribution `yaml:"distribute"`
	// FolderPos and DistributePos locate those keys.
	FolderPos, DistributePos diag.Pos
}

// Program is an SMS_Program of a package. Every setting but the name and
// command line is a pointer: nil leaves the site's value alone.
type Program struct {
	Name        string `yaml:"name"`
	CommandLine string `yaml:"commandLine"`
	Comment     string `yaml:"comment"`
	// InstallFromTaskSequence, when given, is the program's "Allow this
	// program to be installed from the Install Package task sequence
	// without being deployed" setting (ProgramFlags bit 0,
	// AUTHORIZED_DYNAMIC_INSTALL); nil leaves the site's value alone.
	InstallFromTaskSequence *bool      `yaml:"installFromTaskSequence"`
	RunAs                   *string    `yaml:"runAs"`        // administrator | user
	CanRun                  *string    `yaml:"canRun"`       // onlyWhenUserLoggedOn | whetherOrNotUserLoggedOn | onlyWhenNoUserLoggedOn
	Window                  *string    `yaml:"window"`       // normal | minimized | maximized | hidden
	AfterRunning            *string    `yaml:"afterRunning"` // noAction | configMgrRestarts | programRestarts | logOff
	Disabled                *bool      `yaml:"disabled"`
	MaxRunTime              *int64     `yaml:"maxRunTime"` // minutes
	DiskSpace               *string    `yaml:"diskSpace"`
	WorkingDirectory        *string    `yaml:"workingDirectory"`
	Platforms               *Platforms `yaml:"platforms"`
	RunFirst                *RunFirst  `yaml:"runFirst"`
}

// Distribution names the distribution points that hold an object's
// content: groups and single distribution points, by name.
type Distribution struct {
	Groups []string `yaml:"groups"`
	Points []string `yaml:"points"`
}

// Platforms is where a program or task sequence can run: any platform,
// or only those listed (SMS_OS_Details).
type Platforms struct {
	Any  bool
	List []Platform
}

// Platform is one SMS_OS_Details.
type Platform struct {
	Platform   string `yaml:"platform"`
	Name       string `yaml:"name"`
	MinVersion string `yaml:"minVersion"`
	MaxVersion string `yaml:"maxVersion"`
}

// UnmarshalYAML reads any, or a list of platforms.
func (p *Platforms) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "any" {
		p.Any = true
		return nil
	}
	return n.Decode(&p.List)
}

// RunFirst is another program that runs first (DependentProgram).
type RunFirst struct {
	Package string `yaml:"package"`
	Program string `yaml:"program"`
	Always  bool   `yaml:"always"`
}

// HighImpact is a task sequence's high-impact setting: On, with custom
// notification texts when Custom.
type HighImpact struct {
	On, Custom                                    bool
	Headline, WarningTop, Warning, WarningInstall string
}

// SequencePackage holds the properties of a task sequence's package that
// an admin sets in the console; nil leaves the site's value alone.
type SequencePackage struct {
	SoftwareCenterName        *string
	SoftwareCenterDescription *string
	HighImpact                *HighImpact
	ProgressMessage           *string
	EstimatedRunTime          *int64 // minutes
	EstimatedDownloadSize     *int64 // MB
	RestartRequired           *bool
	Disabled                  *bool
	Platforms                 *Platforms
	RunFirst                  *RunFirst
	RunFirstPos               diag.Pos
}

// Deployment is a deployment of a task sequence to a device collection
// (SMS_Advertisement).
type Deployment struct {
	Pos      diag.Pos
	Name     string // AdvertisementName; the sequence's name when not given
	Sequence string
	SeqPos   diag.Pos
	// Collection names the collection, or gives its ID when CollectionByID.
	Collection     string
	CollectionByID bool
	CollPos        diag.Pos
	Absent         bool
	AbsentPos      diag.Pos // absent:, when given

	Purpose                  Purpose
	Availability             Availability
	Available, Expires       string // "2006-01-02 15:04[:05]" as written, "" for none
	Deadline                 string
	AvailablePos, ExpiresPos diag.Pos
	DeadlinePos              diag.Pos
	AsSoonAsPossible         bool
	TimeZone                 TimeZone
	Rerun                    Rerun
	ShowProgress             bool
	SoftwareCenter           bool
	Content                  ContentOption
	RemoteDPs                bool
	Fallback                 bool
	InstallOutsideMW         bool
	RestartOutsideMW         bool
	WakeOnLAN                bool
	Comment                  string
	HighRiskAccepted         bool
	HighRiskPos              diag.Pos
	// Keys are the keys the file gives, for checks of what does not fit
	// the purpose (a deadline on an available deployment).
	Keys map[string]diag.Pos
	Lint []LintIgnore
}

// Required reports whether the deployment is required (OfferType 0).
func (d *Deployment) Required() bool { return d.Purpose == PurposeRequired }

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
	AbsentPos     diag.Pos // absent:, when given
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
	// Folder is the console folder ("" leaves the sequence where it is);
	// Distribute the distribution points of its content.
	Folder        string
	FolderPos     diag.Pos
	Distribute    *Distribution
	DistributePos diag.Pos
	// Package holds the package properties set in the console.
	Package SequencePackage
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
