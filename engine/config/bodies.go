package config

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine/diag"
)

// The kind-specific step bodies, decoded from Step.Body. Field names follow
// the schema; pointers distinguish "not set" from a zero value.

type RunAs struct {
	User     string  `yaml:"user"`
	Password *Secret `yaml:"password"`
}

type RunCommandLine struct {
	CommandLine             string `yaml:"commandLine"`
	Package                 string `yaml:"package"`
	WorkingDirectory        string `yaml:"workingDirectory"`
	Disable64BitRedirection bool   `yaml:"disable64BitRedirection"`
	OutputVariable          string `yaml:"outputVariable"`
	RunAs                   *RunAs `yaml:"runAs"`
}

// UnmarshalYAML accepts the string shorthand (the command line).
func (r *RunCommandLine) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.CommandLine = n.Value
		return nil
	}
	type plain RunCommandLine
	return n.Decode((*plain)(r))
}

type RunPowerShellScript struct {
	Script           *string `yaml:"script"`
	Package          string  `yaml:"package"`
	ScriptName       string  `yaml:"scriptName"`
	Parameters       string  `yaml:"parameters"`
	ExecutionPolicy  string  `yaml:"executionPolicy"`
	OutputVariable   string  `yaml:"outputVariable"`
	WorkingDirectory string  `yaml:"workingDirectory"`
	RunAs            *RunAs  `yaml:"runAs"`
}

type SetVariable struct {
	Name   string `yaml:"name"`
	Value  string `yaml:"value"`
	Masked bool   `yaml:"masked"`
}

type InstallApplication struct {
	Applications           []string `yaml:"applications"`
	BaseVariable           string   `yaml:"baseVariable"`
	ContinueOnInstallError bool     `yaml:"continueOnInstallError"`
	ClearCache             bool     `yaml:"clearCache"`
}

type InstallPackage struct {
	Package                string `yaml:"package"`
	Program                string `yaml:"program"`
	BaseVariable           string `yaml:"baseVariable"`
	ContinueOnInstallError *bool  `yaml:"continueOnInstallError"`
}

type RestartComputer struct {
	Target         string  `yaml:"target"`
	Message        *string `yaml:"message"`
	MessageTimeout *int    `yaml:"messageTimeout"`
}

type AnswerFile struct {
	Package string `yaml:"package"`
	File    string `yaml:"file"`
}

type Destination struct {
	Disk      *int   `yaml:"disk"`
	Partition *int   `yaml:"partition"`
	Drive     string `yaml:"drive"`
	Variable  string `yaml:"variable"`
}

type ApplyOperatingSystem struct {
	Image            string       `yaml:"image"`
	Index            *int         `yaml:"index"`
	OSUpgradePackage string       `yaml:"osUpgradePackage"`
	Edition          *int         `yaml:"edition"`
	AnswerFile       *AnswerFile  `yaml:"answerFile"`
	Destination      *Destination `yaml:"destination"`
	RunFromNetwork   bool         `yaml:"runFromNetwork"`
}

type Partition struct {
	Name                string `yaml:"name"`
	Type                string `yaml:"type"`
	Size                int    `yaml:"size"`
	SizeUnits           string `yaml:"sizeUnits"`
	FileSystem          string `yaml:"fileSystem"`
	QuickFormat         *bool  `yaml:"quickFormat"`
	Bootable            bool   `yaml:"bootable"`
	AssignDriveLetter   *bool  `yaml:"assignDriveLetter"`
	DriveLetterVariable string `yaml:"driveLetterVariable"`
}

type PartitionDisk struct {
	Disk                  int         `yaml:"disk"`
	DiskVariable          string      `yaml:"diskVariable"`
	Style                 string      `yaml:"style"`
	GPTBootDisk           bool        `yaml:"gptBootDisk"`
	BiosCompatibilityMode bool        `yaml:"biosCompatibilityMode"`
	Partitions            []Partition `yaml:"partitions"`
}

type ApplyDriverPackage struct {
	Package         string `yaml:"package"`
	Recurse         bool   `yaml:"recurse"`
	UnsignedDrivers bool   `yaml:"unsignedDrivers"`
}

type JoinDomain struct {
	Domain     string  `yaml:"domain"`
	OU         string  `yaml:"ou"`
	Account    string  `yaml:"account"`
	Password   *Secret `yaml:"password"`
	Workgroup  string  `yaml:"workgroup"`
	SkipReboot bool    `yaml:"skipReboot"`
}

type SetupWindowsAndConfigMgr struct {
	ClientPackage     string `yaml:"clientPackage"`
	InstallProperties string `yaml:"installProperties"`
}

type ApplyWindowsSettings struct {
	RegisteredUser         string  `yaml:"registeredUser"`
	RegisteredOrganization string  `yaml:"registeredOrganization"`
	TimeZone               string  `yaml:"timeZone"`
	ComputerName           string  `yaml:"computerName"`
	AdminPassword          *Secret `yaml:"adminPassword"`
	ProductKey             *Secret `yaml:"productKey"`
}

// ActionVariable is one variable of a generic step.
type ActionVariable struct {
	Name     string `yaml:"name"`
	Property string `yaml:"property"`
	Value    string `yaml:"value"`
	Hidden   bool   `yaml:"hidden"`
}

type Action struct {
	Type      string
	Command   *string
	Variables []ActionVariable
	ByProp    bool // variables were given as a map of property → value
}

// UnmarshalYAML accepts variables as a map (in file order) or a list.
func (a *Action) UnmarshalYAML(n *yaml.Node) error {
	mapping(n, func(key string, _, v *yaml.Node) {
		switch key {
		case "type":
			a.Type = v.Value
		case "command":
			s := v.Value
			a.Command = &s
		case "variables":
			if v.Kind == yaml.MappingNode {
				a.ByProp = true
				mapping(v, func(k string, _, val *yaml.Node) {
					a.Variables = append(a.Variables, ActionVariable{Name: k, Property: k, Value: val.Value})
				})
			} else {
				_ = v.Decode(&a.Variables)
			}
		}
	})
	return nil
}

// UnmarshalYAML records where the secret was declared. Anything but a
// mapping is refused without quoting it: it may be the secret itself.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a secret is written as {env: NAME} or {file: PATH}, never inline", n.Line)
	}
	type plain Secret
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.Pos = diag.Pos{Line: n.Line, Col: n.Column}
	return nil
}
