// Package desired turns configuration into the objects a site should hold:
// package instances and, for each sequence, the task sequence in the form
// ImportSequence accepts, with every reference by name resolved to an ID.
package desired

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/engine/config"
	"github.com/tsctl/tsctl/engine/diag"
	"github.com/tsctl/tsctl/provider/tsxml"
)

// RefKind names the kind of site object a reference points to.
type RefKind string

const (
	RefPackage          RefKind = "package"
	RefOSImage          RefKind = "osImage"
	RefOSUpgradePackage RefKind = "osUpgradePackage"
	RefDriverPackage    RefKind = "driverPackage"
	RefBootImage        RefKind = "bootImage"
	RefApplication      RefKind = "application"
	RefSequence         RefKind = "sequence"
)

// Pending is the value of an ID not known until apply creates the object.
const Pending = "(known after apply)"

// Resolver maps names to site identifiers.
type Resolver interface {
	// ID returns the PackageID of the object of kind named name, or Pending.
	ID(kind RefKind, name string) (string, error)
	// Program checks that the package named pkg has program prog.
	Program(pkg, prog string) error
	// Application returns an application's model name and display name.
	Application(name string) (model, display string, err error)
	// Secret returns a secret's value; nil Resolver-side support means
	// planning, where secrets are not read.
	Secret(s config.Secret) (string, error)
}

// Builder builds sequences for one resolver.
type Builder struct {
	R Resolver
}

// Sequence builds the task sequence XML model of s.
func (b *Builder) Sequence(s *config.Sequence) (*tsxml.Sequence, diag.List) {
	var ds diag.List
	q := &tsxml.Sequence{Version: tsxml.SchemaVersion}
	q.Steps = b.steps(s.Steps, &ds)
	return q, ds
}

func (b *Builder) steps(in []*config.Step, ds *diag.List) []*tsxml.Step {
	var out []*tsxml.Step
	for _, st := range in {
		if x := b.step(st, ds); x != nil {
			out = append(out, x)
		}
	}
	return out
}

type stepBuilder struct {
	b   *Builder
	st  *config.Step
	x   *tsxml.Step
	cls *tsxml.Class
	ds  *diag.List
}

// set stores a property value using the catalogue's variable name.
func (sb *stepBuilder) set(prop, value string) {
	v := tsxml.Variable{Name: prop, Property: prop, Value: value}
	if sb.cls != nil {
		if p := sb.cls.Prop(prop); p != nil {
			v.Name, v.Hidden = p.Var, p.Hidden
		}
	}
	sb.x.SetVar(v)
}

func (sb *stepBuilder) setBool(prop string, v bool) { sb.set(prop, strconv.FormatBool(v)) }

func (sb *stepBuilder) ref(kind RefKind, name, key string) string {
	id, err := sb.b.R.ID(kind, name)
	if err != nil {
		sb.ds.AddErr(sb.st.At(key), err)
		return ""
	}
	return id
}

func (sb *stepBuilder) secret(s *config.Secret, key string) string {
	if s == nil {
		return ""
	}
	s.Dir = sb.st.SecretDir()
	s.Pos.File = sb.st.File
	v, err := sb.b.R.Secret(*s)
	if err != nil {
		at := sb.st.At(key)
		if s.Pos.Line > 0 {
			at = s.Pos
		}
		sb.ds.AddErr(at, err)
	}
	return v
}

func (b *Builder) step(st *config.Step, ds *diag.List) *tsxml.Step {
	x := &tsxml.Step{Name: st.Name, Description: st.Description, Disabled: !st.Enabled, ContinueOnError: st.ContinueOnError}
	if st.Condition != nil {
		x.Condition = &tsxml.Elem{Name: "condition", Children: conditionChildren(st.Condition)}
	}
	if st.Kind == "group" {
		x.Kind = tsxml.KindGroup
		x.Steps = b.steps(st.Steps, ds)
		return x
	}
	if st.RunIn != "" {
		x.RunIn = tsxml.Str(st.RunIn)
	}
	if st.TimeoutSeconds > 0 {
		x.Timeout = tsxml.Str(strconv.Itoa(st.TimeoutSeconds))
	}
	sb := &stepBuilder{b: b, st: st, x: x, ds: ds}
	class := classOf[st.Kind]
	if st.Kind == "action" {
		var a config.Action
		if err := st.DecodeBody(&a); err != nil {
			ds.Add(st.Pos, "%v", err)
			return nil
		}
		class = a.Type
	}
	x.Type = class
	sb.cls = tsxml.Lookup(class)
	if sb.cls != nil && sb.cls.Element == "subtasksequence" {
		x.Kind = tsxml.KindSubSequence
		x.RunIn = nil
	}
	if err := sb.body(); err != nil {
		ds.Add(st.Pos, "%v", err)
		return nil
	}
	codes := ""
	if len(st.SuccessCodes) > 0 {
		parts := make([]string, len(st.SuccessCodes))
		for i, c := range st.SuccessCodes {
			parts[i] = strconv.Itoa(c)
		}
		codes = strings.Join(parts, " ")
	}
	if codes != "" {
		if sb.cls != nil && sb.cls.SuccessCodesProp != "" {
			sb.set(sb.cls.SuccessCodesProp, codes)
		} else {
			x.SuccessCodes = tsxml.Str(codes)
		}
	}
	if st.RetryCount != nil {
		n := strconv.Itoa(*st.RetryCount)
		if sb.cls != nil && sb.cls.Prop("RetryCount") != nil {
			sb.set("RetryCount", n)
		} else {
			x.RetryCount = tsxml.Str(n)
		}
	}
	return x
}

var classOf = map[string]string{
	"runCommandLine":           "SMS_TaskSequence_RunCommandLineAction",
	"runPowerShellScript":      "SMS_TaskSequence_RunPowerShellScriptAction",
	"setVariable":              "SMS_TaskSequence_SetVariableAction",
	"installApplication":       "SMS_TaskSequence_InstallApplicationAction",
	"installPackage":           "SMS_TaskSequence_InstallSoftwareAction",
	"restartComputer":          "SMS_TaskSequence_RebootAction",
	"applyOperatingSystem":     "SMS_TaskSequence_ApplyOperatingSystemAction",
	"partitionDisk":            "SMS_TaskSequence_PartitionDiskAction",
	"applyDriverPackage":       "SMS_TaskSequence_ApplyDriverPackageAction",
	"joinDomain":               "SMS_TaskSequence_JoinDomainWorkgroupAction",
	"runTaskSequence":          "SMS_TaskSequence_SubTasksequence",
	"setupWindowsAndConfigMgr": "SMS_TaskSequence_SetupWindowsAndSMSAction",
	"applyWindowsSettings":     "SMS_TaskSequence_ApplyWindowsSettingsAction",
}

// ClassOf returns the step class of a typed step kind.
func ClassOf(kind string) string { return classOf[kind] }

func (sb *stepBuilder) body() error {
	st := sb.st
	switch st.Kind {
	case "runCommandLine":
		var b config.RunCommandLine
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		sb.set("CommandLine", b.CommandLine)
		if b.Package != "" {
			sb.set("PackageID", sb.ref(RefPackage, b.Package, "package"))
		}
		if b.WorkingDirectory != "" {
			sb.set("WorkingDirectory", b.WorkingDirectory)
		}
		sb.setBool("DisableWow64Redirection", b.Disable64BitRedirection)
		if b.OutputVariable != "" {
			sb.set("OutputVariableName", b.OutputVariable)
		}
		sb.runAs(b.RunAs)
	case "runPowerShellScript":
		var b config.RunPowerShellScript
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		if b.Script != nil {
			sb.set("SourceScript", EncodeScript(*b.Script))
		} else {
			sb.set("PackageID", sb.ref(RefPackage, b.Package, "package"))
			sb.set("ScriptName", b.ScriptName)
		}
		sb.set("Parameters", b.Parameters)
		if b.ExecutionPolicy == "" {
			b.ExecutionPolicy = "AllSigned"
		}
		sb.set("ExecutionPolicy", b.ExecutionPolicy)
		if b.OutputVariable != "" {
			sb.set("OutputVariableName", b.OutputVariable)
		}
		if b.WorkingDirectory != "" {
			sb.set("WorkingDirectory", b.WorkingDirectory)
		}
		sb.runAs(b.RunAs)
	case "setVariable":
		var b config.SetVariable
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		sb.set("VariableName", b.Name)
		sb.set("VariableValue", b.Value)
		sb.setBool("DoNotShowVariableValue", b.Masked)
	case "installApplication":
		var b config.InstallApplication
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		if b.BaseVariable != "" {
			sb.set("BaseVariableName", b.BaseVariable)
		} else {
			var models []string
			for i, name := range b.Applications {
				model, display, err := sb.b.R.Application(name)
				if err != nil {
					sb.ds.AddErr(st.At("applications"), err)
					continue
				}
				models = append(models, model)
				sb.set(fmt.Sprintf("AppInfo%dName", i), model)
				sb.set(fmt.Sprintf("AppInfo%dDisplayName", i), display)
			}
			sb.set("ApplicationName", strings.Join(models, ","))
			sb.set("AppInfo", strconv.Itoa(len(b.Applications)))
			sb.set("NumApps", strconv.Itoa(len(b.Applications)))
		}
		sb.setBool("ContinueOnInstallError", b.ContinueOnInstallError)
		sb.setBool("ClearCache", b.ClearCache)
	case "installPackage":
		var b config.InstallPackage
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		if b.BaseVariable != "" {
			sb.set("BaseVariableName", b.BaseVariable)
		} else {
			sb.set("PackageID", sb.ref(RefPackage, b.Package, "package"))
			if err := sb.b.R.Program(b.Package, b.Program); err != nil {
				sb.ds.AddErr(st.At("program"), err)
			}
			sb.set("ProgramName", b.Program)
		}
		if b.ContinueOnInstallError != nil {
			sb.setBool("ContinueOnInstallError", *b.ContinueOnInstallError)
		}
	case "restartComputer":
		var b config.RestartComputer
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		target := "HD"
		if b.Target == "WinPE" {
			target = "WinPE"
		}
		sb.set("Target", target)
		if b.Message != nil {
			sb.set("Message", *b.Message)
		}
		if b.MessageTimeout != nil {
			sb.set("MessageTimeout", strconv.Itoa(*b.MessageTimeout))
		}
	case "applyOperatingSystem":
		var b config.ApplyOperatingSystem
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		if b.Image != "" {
			sb.set("ImagePackageID", sb.ref(RefOSImage, b.Image, "image"))
			idx := 1
			if b.Index != nil {
				idx = *b.Index
			}
			sb.set("ImageIndex", strconv.Itoa(idx))
		} else {
			sb.set("InstallPackageID", sb.ref(RefOSUpgradePackage, b.OSUpgradePackage, "osUpgradePackage"))
			ed := 1
			if b.Edition != nil {
				ed = *b.Edition
			}
			sb.set("InstallEditionIndex", strconv.Itoa(ed))
		}
		if a := b.AnswerFile; a != nil {
			sb.set("ConfigFilePackage", sb.ref(RefPackage, a.Package, "answerFile"))
			sb.set("ConfigFileName", a.File)
		}
		if d := b.Destination; d != nil {
			switch {
			case d.Disk != nil:
				sb.set("DestinationDisk", strconv.Itoa(*d.Disk))
				if d.Partition != nil {
					sb.set("DestinationPartition", strconv.Itoa(*d.Partition))
				}
			case d.Drive != "":
				sb.set("DestinationLogicalDrive", strings.ToUpper(d.Drive))
			case d.Variable != "":
				sb.set("DestinationVariable", d.Variable)
			}
		}
		sb.setBool("RunFromNet", b.RunFromNetwork)
	case "partitionDisk":
		var b config.PartitionDisk
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		sb.set("DiskIndex", strconv.Itoa(b.Disk))
		if b.DiskVariable != "" {
			sb.set("DiskIndexVariable", b.DiskVariable)
		}
		sb.set("PartitionStyle", b.Style)
		sb.setBool("GPTBootDisk", b.GPTBootDisk)
		sb.setBool("DiskpartBiosCompatibilityMode", b.BiosCompatibilityMode)
		sb.set("Partitions", strconv.Itoa(len(b.Partitions)))
		for i, p := range b.Partitions {
			f := func(field, v string) { sb.set("Partitions"+strconv.Itoa(i)+field, v) }
			assign, quick := true, true
			if p.AssignDriveLetter != nil {
				assign = *p.AssignDriveLetter
			}
			if p.QuickFormat != nil {
				quick = *p.QuickFormat
			}
			units := p.SizeUnits
			if units == "" {
				units = "MB"
			}
			f("AssignVolumeLetter", strconv.FormatBool(assign))
			f("Bootable", strconv.FormatBool(p.Bootable))
			if p.FileSystem != "" {
				f("FileSystem", p.FileSystem)
			}
			f("QuickFormat", strconv.FormatBool(quick))
			f("Size", strconv.Itoa(p.Size))
			f("SizeUnits", units)
			f("Type", p.Type)
			if p.DriveLetterVariable != "" {
				f("VolumeLetterVariable", p.DriveLetterVariable)
			}
			if p.Name != "" {
				f("VolumeName", p.Name)
			}
		}
	case "applyDriverPackage":
		var b config.ApplyDriverPackage
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		sb.set("DriverPackageID", sb.ref(RefDriverPackage, b.Package, "package"))
		sb.setBool("Recurse", b.Recurse)
		sb.setBool("UnsignedDriver", b.UnsignedDrivers)
	case "joinDomain":
		var b config.JoinDomain
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		if b.Workgroup != "" {
			sb.set("Type", "1")
			sb.set("WorkgroupName", b.Workgroup)
		} else {
			sb.set("Type", "0")
			sb.set("DomainName", b.Domain)
			if b.OU != "" {
				sb.set("DomainOUName", b.OU)
			}
			sb.set("DomainUsername", b.Account)
			sb.set("DomainPassword", sb.secret(b.Password, "password"))
		}
		sb.setBool("SkipReboot", b.SkipReboot)
	case "runTaskSequence":
		sb.set("TsPackageID", sb.ref(RefSequence, st.Body.Value, ""))
	case "setupWindowsAndConfigMgr":
		var b config.SetupWindowsAndConfigMgr
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		if b.ClientPackage == "" {
			b.ClientPackage = "Configuration Manager Client Package"
		}
		sb.set("ClientPackageID", sb.ref(RefPackage, b.ClientPackage, "clientPackage"))
		if b.InstallProperties != "" {
			sb.set("ClientInstallProperties", b.InstallProperties)
		}
	case "applyWindowsSettings":
		var b config.ApplyWindowsSettings
		if err := st.DecodeBody(&b); err != nil {
			return err
		}
		sb.set("RegisteredUserName", b.RegisteredUser)
		sb.set("RegisteredOrgName", b.RegisteredOrganization)
		sb.set("TimeZone", b.TimeZone)
		if b.ComputerName != "" {
			sb.set("ComputerName", b.ComputerName)
		}
		if b.AdminPassword != nil {
			sb.setBool("RandomAdminPassword", false)
			sb.set("AdminPassword", sb.secret(b.AdminPassword, "adminPassword"))
		} else {
			sb.setBool("RandomAdminPassword", true)
		}
		if b.ProductKey != nil {
			sb.set("ProductKey", sb.secret(b.ProductKey, "productKey"))
		}
	case "action":
		var a config.Action
		if err := st.DecodeBody(&a); err != nil {
			return err
		}
		if a.Command != nil {
			sb.x.Action = tsxml.Str(*a.Command)
		}
		for _, v := range a.Variables {
			if a.ByProp {
				sb.set(v.Property, v.Value)
			} else {
				sb.x.Vars = append(sb.x.Vars, tsxml.Variable{Name: v.Name, Property: v.Property, Hidden: v.Hidden, Value: v.Value})
			}
		}
	default:
		return fmt.Errorf("unknown step kind %q", st.Kind)
	}
	return nil
}

func (sb *stepBuilder) runAs(r *config.RunAs) {
	if r == nil {
		sb.setBool("RunAsUser", false)
		return
	}
	sb.setBool("RunAsUser", true)
	sb.set("UserName", r.User)
	sb.set("UserPassword", sb.secret(r.Password, "runAs"))
}

// EncodeScript stores an inline PowerShell script the way the console
// does: Base64 of UTF-16LE text with a byte-order mark.
func EncodeScript(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2+2*len(u))
	b[0], b[1] = 0xFF, 0xFE
	for i, c := range u {
		b[2+2*i], b[3+2*i] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeScript reverses EncodeScript.
func DecodeScript(enc string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", err
	}
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xFE || len(b)%2 != 0 {
		return "", fmt.Errorf("not UTF-16LE text with a byte-order mark")
	}
	u := make([]uint16, (len(b)-2)/2)
	for i := range u {
		u[i] = uint16(b[2+2*i]) | uint16(b[3+2*i])<<8
	}
	return string(utf16.Decode(u)), nil
}

// conditionChildren converts a condition node into the children of <condition>:
// a top-level `all` is the condition's own implicit AND.
func conditionChildren(n *yaml.Node) []*tsxml.Elem {
	if all := config.Field(n, "all"); all != nil {
		var out []*tsxml.Elem
		for _, c := range all.Content {
			out = append(out, conditionElem(c))
		}
		return out
	}
	return []*tsxml.Elem{conditionElem(n)}
}

func expr(class string, kv ...string) *tsxml.Elem {
	e := &tsxml.Elem{Name: "expression", Attrs: []tsxml.Attr{{Name: "type", Value: "SMS_TaskSequence_" + class}}}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Children = append(e.Children, &tsxml.Elem{Name: "variable", Attrs: []tsxml.Attr{{Name: "name", Value: kv[i]}}, Text: kv[i+1]})
	}
	return e
}

func conditionElem(n *yaml.Node) *tsxml.Elem {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	var out *tsxml.Elem
	get := func(m *yaml.Node, k string) (string, bool) {
		if f := config.Field(m, k); f != nil {
			return f.Value, true
		}
		return "", false
	}
	opt := func(m *yaml.Node, kv []string, pairs ...string) []string {
		for i := 0; i+1 < len(pairs); i += 2 {
			if v, ok := get(m, pairs[i]); ok {
				kv = append(kv, pairs[i+1], v)
			}
		}
		return kv
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		switch key {
		case "variable":
			name, _ := get(v, "name")
			kv := []string{"Variable", name}
			for j := 0; j+1 < len(v.Content); j += 2 {
				op := v.Content[j].Value
				switch op {
				case "name":
				case "exists", "notExists":
					kv = append(kv, "Operator", op)
				default:
					kv = append(kv, "Operator", op, "Value", v.Content[j+1].Value)
				}
			}
			out = expr("VariableConditionExpression", kv...)
		case "wmi":
			ns, ok := get(v, "namespace")
			if !ok {
				ns = `root\cimv2`
			}
			q, _ := get(v, "query")
			out = expr("WMIConditionExpression", "Namespace", ns, "Query", q)
		case "file":
			out = expr("FileConditionExpression", opt(v, nil, "path", "Path", "version", "Version", "versionOperator", "VersionOperator", "dateTime", "DateTime", "dateTimeOperator", "DateTimeOperator")...)
		case "folder":
			out = expr("FolderConditionExpression", opt(v, nil, "path", "Path", "dateTime", "DateTime", "dateTimeOperator", "DateTimeOperator")...)
		case "registry":
			kv := opt(v, nil, "key", "KeyPath", "value", "Value", "type", "Type", "data", "Data")
			op, _ := get(v, "operator")
			if op == "notExists" {
				op = "nonExists" // the class's own spelling
			}
			out = expr("RegistryConditionExpression", append(kv, "Operator", op)...)
		case "software":
			op := "ThisVersion"
			if any, _ := get(v, "anyVersion"); any == "true" {
				op = "AnyVersion"
			}
			kv := opt(v, nil, "productCode", "ProductCode", "upgradeCode", "UpgradeCode", "productName", "ProductName", "version", "Version")
			out = expr("SoftwareConditionExpression", append(kv, "Operator", op)...)
		case "all", "any", "none":
			t := map[string]string{"all": "and", "any": "or", "none": "not"}[key]
			out = &tsxml.Elem{Name: "operator", Attrs: []tsxml.Attr{{Name: "type", Value: t}}}
			for _, c := range v.Content {
				out.Children = append(out.Children, conditionElem(c))
			}
		}
	}
	return out
}

// Package is a package-class object the configuration declares.
type Package struct {
	Config   *config.Package
	Class    string
	Props    map[string]string // writable properties tsctl manages
	Programs []Program
}

// Program is an SMS_Program of a package.
type Program struct {
	Name  string
	Props map[string]string
}

// Classes maps package types to SMS Provider classes.
var Classes = map[config.PackageType]string{
	config.TypePackage:          "SMS_Package",
	config.TypeOSImage:          "SMS_ImagePackage",
	config.TypeOSUpgradePackage: "SMS_OperatingSystemInstallPackage",
	config.TypeDriverPackage:    "SMS_DriverPackage",
}

// PackageOf builds the desired properties of a declared package.
func PackageOf(p *config.Package) *Package {
	d := &Package{Config: p, Class: Classes[p.Type], Props: map[string]string{
		"Name": p.Name, "Description": p.Description, "PkgSourcePath": p.SourcePath, "Version": p.Version,
	}}
	if p.Type == config.TypePackage {
		d.Props["Manufacturer"] = p.Manufacturer
		d.Props["Language"] = p.Language
	}
	for _, pr := range p.Programs {
		d.Programs = append(d.Programs, Program{Name: pr.Name, Props: map[string]string{"CommandLine": pr.CommandLine, "Comment": pr.Comment}})
	}
	return d
}

// SequenceProps are the SMS_TaskSequencePackage properties tsctl manages,
// with the boot image already resolved to its PackageID.
func SequenceProps(s *config.Sequence, bootImageID string) map[string]string {
	return map[string]string{
		"Name": s.Name, "Description": s.Description, "Category": s.Category,
		"BootImageID": bootImageID, "Duration": strconv.Itoa(s.MaxRunTime),
	}
}
