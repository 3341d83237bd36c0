package config

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/diag"
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

// ActionVariable is one variable of a generic step. The value of a secret
// property is never written in the file: Secret gives its source instead.
type ActionVariable struct {
	Name     string
	Property string
	Value    string
	Secret   *Secret // {env}, {file} or {empty: true} given as the value
	Hidden   bool
}

type Action struct {
	Type      string
	Command   *string
	Variables []ActionVariable
	ByProp    bool // variables were given as a map of property → value
}

// UnmarshalYAML accepts variables as a map (in file order) or a list; a
// value is a string, or a secret's source.
func (a *Action) UnmarshalYAML(n *yaml.Node) error {
	value := func(v *ActionVariable, val *yaml.Node) error {
		if val.Kind == yaml.MappingNode {
			v.Secret = new(Secret)
			return val.Decode(v.Secret)
		}
		v.Value = val.Value
		return nil
	}
	var err error
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
					av := ActionVariable{Name: k, Property: k}
					err = errors.Join(err, value(&av, val))
					a.Variables = append(a.Variables, av)
				})
				return
			}
			for _, item := range deref(v).Content {
				var av ActionVariable
				mapping(item, func(k string, _, val *yaml.Node) {
					switch k {
					case "name":
						av.Name = val.Value
					case "property":
						av.Property = val.Value
					case "value":
						err = errors.Join(err, value(&av, val))
					case "hidden":
						av.Hidden = val.Value == "true"
					}
				})
				a.Variables = append(a.Variables, av)
			}
		}
	})
	return err
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
