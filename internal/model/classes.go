package model

import (
	"sort"
	"strings"

	"github.com/tsctl/tsctl/internal/object"
)

// Prop describes one property of a step class as the SMS Provider's MOF
// declares it (object-model.md §4).
type Prop struct {
	Name    string  // WMI property name
	Var     string  // task sequence variable it is stored as
	Hidden  bool    // written with hidden="true"
	Default *string // MOF default; nil = null unless set
	Secret  bool    // Secret or QuasiSecret: write-only, never read back
	// Ref is the kind of object the property refers to (its reference
	// qualifier): Content for the PackageID of any package class (a
	// package, OS image, upgrade package, driver package, client
	// package…), Sequence for a child task sequence's PackageID,
	// Application for application model names; None for no reference.
	Ref object.Kind
	// RefList marks a reference property holding a comma-separated list.
	RefList bool
	Global  bool // [Global]: also written to <globalVarList>
	Arg     int  // CommandLineArg index, 0 = none
	Derived bool // computed by the site from other objects; never authored
	// SecretsInside marks a document property whose parts may be secret
	// (Set Dynamic Variables rules with IsSecret="true").
	SecretsInside bool
}

// Array describes an embedded-object array flattened into variables:
// <Var>=count (hidden) then <Var><i><Field> / <Name><i><Field>.
type Array struct {
	Name    string // WMI property, e.g. Partitions
	Var     string // variable prefix, e.g. OSDPartitions
	Fields  []string
	Derived bool // filled from the referenced objects, not authored
}

// Class describes one built-in step class.
type Class struct {
	Name         string // WMI class, e.g. SMS_TaskSequence_RunCommandLineAction
	Element      string // "step" or "subtasksequence"
	DefaultRunIn string // SupportedEnvironment default; "" for subtasksequence
	CommandLine  string // CommandLine class qualifier (the <action> template)
	OSDeployment bool   // makes the package Type 2 (OS deployment)
	// HighImpact marks a step that partitions, converts or overwrites a
	// disk or the operating system: a sequence that runs one by mistake
	// loses a machine's data (lint TS001).
	HighImpact bool
	Props      []Prop
	Arrays     []Array
	// Attribute mirrors: properties also written as step attributes.
	SuccessCodesProp string
	RetryCountProp   string
	RunFromNetProp   string

	byName map[string]*Prop
}

// Prop returns the property named name.
func (c *Class) Prop(name string) *Prop {
	return c.byName[name]
}

// ArrayOf returns the flattened array whose elements a property such as
// "Partitions0Size" belongs to, with the element index and field.
func (c *Class) ArrayOf(property string) (a *Array, index int, field string, ok bool) {
	for i := range c.Arrays {
		ar := &c.Arrays[i]
		rest, found := strings.CutPrefix(property, ar.Name)
		if !found || rest == "" {
			continue
		}
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 0 || j == len(rest) {
			continue
		}
		n := 0
		for _, ch := range rest[:j] {
			n = n*10 + int(ch-'0')
		}
		return ar, n, rest[j:], true
	}
	return nil, 0, "", false
}

var classes = map[string]*Class{}

// Lookup returns the catalogue entry for a step class, or nil for classes
// tsctl does not model (MDT BDD_* steps, custom actions).
func Lookup(class string) *Class { return classes[class] }

// Classes lists the catalogue sorted by class name.
func Classes() []*Class {
	out := make([]*Class, 0, len(classes))
	for _, c := range classes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func register(c *Class) {
	if c.Element == "" {
		c.Element = "step"
	}
	c.byName = map[string]*Prop{}
	for i := range c.Props {
		p := &c.Props[i]
		if p.Var == "" {
			p.Var = p.Name
		}
		c.byName[p.Name] = p
	}
	classes[c.Name] = c
}

// property helpers keep the table below readable.
type popt func(*Prop)

func pr(name, variable string, opts ...popt) Prop {
	p := Prop{Name: name, Var: variable}
	for _, o := range opts {
		o(&p)
	}
	return p
}

var (
	hidden  popt = func(p *Prop) { p.Hidden = true }
	secret  popt = func(p *Prop) { p.Secret = true }
	global  popt = func(p *Prop) { p.Global = true }
	derived popt = func(p *Prop) { p.Derived = true }
)

func def(v string) popt      { return func(p *Prop) { p.Default = Str(v) } }
func arg(n int) popt         { return func(p *Prop) { p.Arg = n } }
func ref(k object.Kind) popt { return func(p *Prop) { p.Ref = k } }
func refList(k object.Kind) popt {
	return func(p *Prop) { p.Ref, p.RefList = k, true }
}
func cls(name string) string { return "SMS_TaskSequence_" + name }

const (
	WinPE          = "WinPE"
	FullOS         = "FullOS"
	WinPEandFullOS = "WinPEandFullOS"
)

func init() {
	register(&Class{
		Name: cls("RunCommandLineAction"), DefaultRunIn: WinPEandFullOS,
		CommandLine:      "smsswd.exe /run:%1 %2",
		SuccessCodesProp: "SuccessCodes",
		Props: []Prop{
			pr("CommandLine", "CommandLine", hidden, arg(2)),
			pr("DisableWow64Redirection", "SMSTSDisableWow64Redirection", def("false")),
			pr("OutputVariableName", "SMSTSRunCommandLineOutputVariableName"),
			pr("PackageID", "PackageID", hidden, arg(1), ref(object.Content)),
			pr("RunAsUser", "_SMSTSRunCommandLineAsUser", def("false")),
			pr("SuccessCodes", "SuccessCodes", hidden, def("0 3010")),
			pr("UserName", "SMSTSRunCommandLineUserName"),
			pr("UserPassword", "SMSTSRunCommandLineUserPassword", secret),
			pr("WorkingDirectory", "WorkingDirectory"),
		},
	})
	register(&Class{
		Name: cls("RunPowerShellScriptAction"), DefaultRunIn: WinPEandFullOS,
		CommandLine:      "OSDRunPowerShellScript.exe",
		SuccessCodesProp: "SuccessCodes",
		Props: []Prop{
			pr("ExecutionPolicy", "OSDRunPowerShellScriptExecutionPolicy", def("AllSigned")),
			pr("OutputVariableName", "OSDRunPowerShellScriptOutputVariableName"),
			// PackageID and ScriptName as every real export stores them (the
			// SDK page does not give their variable names)
			pr("PackageID", "OSDRunPowerShellScriptPackageID", ref(object.Content)),
			pr("Parameters", "OSDRunPowerShellScriptParameters", def("")),
			pr("RunAsUser", "_SMSTSRunPowerShellAsUser", def("false")),
			pr("ScriptName", "OSDRunPowerShellScriptScriptName"),
			pr("SourceScript", "OSDRunPowerShellScriptSourceScript"),
			pr("SuccessCodes", "OSDRunPowerShellScriptSuccessCodes", hidden, def("0 3010")),
			pr("UserName", "SMSTSRunPowerShellUserName"),
			pr("UserPassword", "SMSTSRunPowerShellUserPassword", secret),
			pr("WorkingDirectory", "SMSTSRunPowerShellWorkingDirectory"),
		},
	})
	register(&Class{
		Name: cls("SetVariableAction"), DefaultRunIn: WinPEandFullOS,
		CommandLine: `tsenv.exe "%1=%2" /hiddenflag:%3`,
		Props: []Prop{
			pr("DoNotShowVariableValue", "DoNotShowVariableValue", hidden, def("false"), arg(3)),
			// newer sites keep a masked value here, write-only (seen in real exports)
			pr("HiddenVariableValue", "SetVariableActionHiddenVariableValue", secret),
			pr("VariableName", "VariableName", hidden, arg(1)),
			pr("VariableValue", "VariableValue", hidden, arg(2)),
		},
	})
	register(&Class{
		Name: cls("InstallApplicationAction"), DefaultRunIn: FullOS,
		CommandLine:    "smsappinstall.exe /app:%1 /basevar:%2 /continueOnError:%3",
		RetryCountProp: "RetryCount",
		Props: []Prop{
			pr("ApplicationName", "ApplicationName", hidden, arg(1), refList(object.Application)),
			pr("AppInfo", "OSDApp", hidden, derived),
			pr("BaseVariableName", "BaseVariableName", hidden, arg(2)),
			pr("ClearCache", "OSDAppClearCache", def("false")),
			pr("ContinueOnInstallError", "ContinueOnInstallError", hidden, def("false"), arg(3)),
			pr("NumApps", "OSDAppCount", derived),
			pr("RetryCount", "RetryCount", hidden, def("2")),
		},
		Arrays: []Array{{Name: "AppInfo", Var: "OSDApp", Fields: []string{"Description", "DisplayName", "Name"}, Derived: true}},
	})
	register(&Class{
		Name: cls("InstallSoftwareAction"), DefaultRunIn: FullOS,
		CommandLine: "smsswd.exe /pkg:%1 /install /basevar:%3 /continueOnError:%4",
		Props: []Prop{
			pr("BaseVariableName", "BaseVariableName", hidden, arg(3)),
			pr("ContinueOnInstallError", "ContinueOnInstallError", hidden, arg(4)),
			pr("PackageID", "PackageID", hidden, arg(1), ref(object.Content)),
			pr("ProgramName", "_SMSSWDProgramName", arg(2)),
			pr("RetryCount", "OSDPackageDownloadRetries"),
		},
	})
	register(&Class{
		Name: cls("RebootAction"), DefaultRunIn: WinPEandFullOS,
		CommandLine: "smsboot.exe /target:%1",
		Props: []Prop{
			pr("Message", "SMSRebootMessage"),
			pr("MessageTimeout", "SMSRebootTimeout", def("60")),
			pr("Target", "SMSRebootTarget", hidden, arg(1), def("HD")),
		},
	})
	register(&Class{
		Name: cls("ApplyOperatingSystemAction"), DefaultRunIn: WinPE, HighImpact: true, OSDeployment: true,
		CommandLine:    `OSDApplyOS.exe<?1: /image:%1,%%OSDImageIndex%%><?3: /install:%3,%%OSDInstallEditionIndex%%><?4: "/config:%4,%%OSDConfigFileName%%"><?6: /target:%6,%7><?8: /target:%8><?9: /target:%%%9%%><?10: /runfromnet:%10>`,
		RunFromNetProp: "RunFromNet",
		Props: []Prop{
			pr("ConfigFileName", "OSDConfigFileName"),
			pr("ConfigFilePackage", "ConfigFilePackage", hidden, arg(4), ref(object.Content)),
			pr("DestinationDisk", "DestinationDisk", hidden, arg(6)),
			pr("DestinationLogicalDrive", "DestinationLogicalDrive", hidden, arg(8)),
			pr("DestinationPartition", "DestinationPartition", hidden, arg(7)),
			pr("DestinationVariable", "DestinationVariable", hidden, arg(9)),
			pr("ImageIndex", "OSDImageIndex"),
			pr("ImagePackageID", "ImagePackageID", hidden, arg(1), ref(object.Content)),
			pr("InstallEditionIndex", "OSDInstallEditionIndex"),
			pr("InstallPackageID", "InstallPackageID", hidden, arg(3), ref(object.Content)),
			pr("RunFromNet", "RunFromNet", hidden, def("false"), arg(10)),
		},
	})
	register(&Class{
		Name: cls("PartitionDiskAction"), DefaultRunIn: WinPE, HighImpact: true, OSDeployment: true,
		CommandLine: "osddiskpart.exe",
		Props: []Prop{
			pr("DiskIndex", "OSDDiskIndex"),
			pr("DiskIndexVariable", "OSDDiskIndexVariable"),
			pr("DiskType", "OSDDiskType", def("Basic")),
			pr("DiskpartBiosCompatibilityMode", "OSDDiskpartBiosCompatibilityMode", def("false")),
			pr("GPTBootDisk", "OSDGPTBootDisk", def("false")),
			pr("PartitionStyle", "OSDPartitionStyle"),
			pr("Partitions", "OSDPartitions", hidden),
		},
		Arrays: []Array{{Name: "Partitions", Var: "OSDPartitions", Fields: []string{
			"AssignVolumeLetter", "Bootable", "FileSystem", "QuickFormat", "Size", "SizeUnits", "Type", "VolumeLetterVariable", "VolumeName"}}},
	})
	register(&Class{
		Name: cls("ApplyDriverPackageAction"), DefaultRunIn: WinPE, OSDeployment: true,
		CommandLine: "osddriverclient.exe /install:%1 <?2: /bootcritical:%2> /unsigned:%%OSDAllowUnsignedDriver%% /recurse:%%OSDRecurse%%",
		Props: []Prop{
			pr("BootCriticalContentUniqueID", "OSDApplyDriverBootCriticalContentUniqueID"),
			pr("BootCriticalDriverID", "OSDApplyDriverBootCriticalDriverID"),
			pr("BootCriticalHardwareComponent", "OSDApplyDriverBootCriticalHardwareComponent"),
			pr("BootCriticalID", "OSDApplyDriverBootCriticalID", arg(2)),
			pr("BootCriticalINFFile", "OSDApplyDriverBootCriticalINFFile"),
			pr("DriverPackageID", "OSDApplyDriverDriverPackageID", hidden, arg(1), ref(object.Content)),
			pr("Recurse", "OSDRecurse", def("false")),
			pr("UnsignedDriver", "OSDAllowUnsignedDriver", def("false")),
		},
	})
	register(&Class{
		Name: cls("JoinDomainWorkgroupAction"), DefaultRunIn: FullOS,
		CommandLine: "osdjoin.exe /type:%%OSDJoinType%%",
		Props: []Prop{
			pr("DomainName", "OSDJoinDomainName"),
			pr("DomainOUName", "OSDJoinDomainOUName"),
			pr("DomainPassword", "OSDJoinPassword", secret),
			pr("DomainUsername", "OSDJoinAccount"),
			pr("SkipReboot", "OSDJoinSkipReboot", def("false")),
			pr("Type", "OSDJoinType"),
			pr("WorkgroupName", "OSDJoinWorkgroupName"),
		},
	})
	register(&Class{
		Name: cls("SubTasksequence"), Element: "subtasksequence",
		CommandLine: "SubTasksequence.exe",
		Props: []Prop{
			pr("TsName", "OSDSubTasksequenceTsName", derived),
			pr("TsPackageID", "OSDSubTasksequencePackageID", ref(object.Sequence)),
			pr("TsReferenceApplications", "OSDSubTasksequenceTsReferenceApplications", derived),
			pr("TsReferencePackages", "OSDSubTasksequenceTsReferencePackages", derived),
		},
	})
	register(&Class{
		Name: cls("SetupWindowsAndSMSAction"), DefaultRunIn: WinPEandFullOS, OSDeployment: true,
		CommandLine: "OSDSetupWindows.exe",
		Props: []Prop{
			pr("ClientInstallProperties", "SMSClientInstallProperties"),
			pr("ClientPackageID", "_SMSClientPackageID", ref(object.Content)),
			pr("ClientPreProductionPackageID", "_SMSClientPreProductionPackageID", ref(object.Content)),
		},
	})
	register(&Class{
		Name: cls("ApplyWindowsSettingsAction"), DefaultRunIn: WinPE, OSDeployment: true,
		CommandLine: "osdwinsettings.exe /config",
		Props: []Prop{
			pr("AdminPassword", "OSDLocalAdminPassword", secret),
			pr("ComputerName", "OSDComputerName", def("%_SMSTSMachineName%")),
			pr("InputLocale", "OSDWindowsSettingsInputLocale"),
			pr("ProductKey", "OSDProductKey", secret),
			pr("RandomAdminPassword", "OSDRandomAdminPassword", def("true")),
			pr("RegisteredOrgName", "OSDRegisteredOrgName"),
			pr("RegisteredUserName", "OSDRegisteredUserName"),
			pr("ServerLicenseConnectionLimit", "OSDServerLicenseConnectionLimit"),
			pr("ServerLicenseMode", "OSDServerLicenseMode"),
			pr("SystemLocale", "OSDWindowsSettingsSystemLocale"),
			pr("TimeZone", "OSDTimeZone"),
			pr("UILanguage", "OSDWindowsSettingsUILanguage"),
			pr("UILanguageFallback", "OSDWindowsSettingsUILanguageFallback"),
			pr("UserLocale", "OSDWindowsSettingsUserLocale"),
		},
	})
}
