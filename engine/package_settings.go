package engine

// The settings admins set in the console on a task sequence's package and
// on a package's programs, beyond what tsctl always managed: each maps to
// a property, or to bits of ProgramFlags, that Microsoft's
// SMS_TaskSequencePackage and SMS_Program class pages document, or — for
// the task sequence's Software Center texts, high-impact setting,
// estimates and restart flag — to properties real sites store but no class
// page lists (docs/status.md). A setting the configuration leaves out is
// left as the site has it.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// ProgramFlags bits of SMS_Program (its class page).
const (
	progDynamicInstall = 1 << 0  // AUTHORIZED_DYNAMIC_INSTALL
	progRunDependant   = 1 << 7  // RUN_DEPENDANT_ALWAYS, as the SMS_Program page numbers it
	progDisabled       = 1 << 12 // DISABLED
	progUserContext    = 1 << 14 // USERCONTEXT: only when a user is logged on
	progAdminRights    = 1 << 15 // ADMINRIGHTS
	progNoUserLoggedIn = 1 << 17 // NOUSERLOGGEDIN
	progOKToQuit       = 1 << 18 // OKTOQUIT: the program restarts the computer
	progOKToReboot     = 1 << 19 // OKTOREBOOT: Configuration Manager restarts it
	progRunMinimized   = 1 << 22 // RUNMINIMIZED
	progRunMaximized   = 1 << 23 // RUNMAXIMIZED
	progHideWindow     = 1 << 24 // HIDEWINDOW
	progOKToLogoff     = 1 << 25 // OKTOLOGOFF
	progAnyPlatform    = 1 << 27 // ANY_PLATFORM
)

// ProgramFlags bits of SMS_TaskSequencePackage (its class page).
const (
	tsCustomProgress  = 1 << 1  // USE_CUSTOM_PROGRESS_MSG
	tsRunDependant    = 1 << 9  // RUN_DEPENDANT_ALWAYS, as the SMS_TaskSequencePackage page numbers it
	tsDisabled        = 1 << 12 // DISABLED
	tsAnyPlatform     = 1 << 27 // ANY_PLATFORM
	tsDefaultFlags    = 152084496
	progDefaultFlags  = desired.DefaultProgramFlags
	dependentProgram  = "DependentProgram"
	supportedPlatform = "SupportedOperatingSystems"
)

// platformsText shows a list of platforms on one line, sorted.
func platformsText(list []config.Platform) string {
	var parts []string
	for _, p := range list {
		s := p.Platform + " " + p.Name
		if p.MinVersion != "" || p.MaxVersion != "" {
			s += " " + p.MinVersion + "-" + p.MaxVersion
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// platformsSetting is where a program or sequence can run: any
// (ANY_PLATFORM set, no SupportedOperatingSystems), or the listed
// platforms (ANY_PLATFORM cleared).
func platformsSetting(prop string, def, bit int64, p *config.Platforms) wanted {
	value := "any"
	if !p.Any {
		value = platformsText(p.List)
	}
	return wanted{value: value, setting: setting{
		name: "platforms",
		read: func(site *provider.Instance) string {
			if site.Int(prop)&bit != 0 {
				return "any"
			}
			var list []config.Platform
			for _, o := range site.Objects(supportedPlatform) {
				list = append(list, config.Platform{Platform: o.String("Platform"), Name: o.String("Name"), MinVersion: o.String("MinVersion"), MaxVersion: o.String("MaxVersion")})
			}
			if len(list) == 0 {
				return "none"
			}
			return platformsText(list)
		},
		write: func(out, site *provider.Instance, _ string) {
			f := flagsOf(out, site, prop, def) &^ bit
			oses := []*provider.Instance{}
			if p.Any {
				f |= bit
			} else {
				for _, x := range p.List {
					o := provider.New("SMS_OS_Details")
					o.Props["Platform"], o.Props["Name"], o.Props["MinVersion"], o.Props["MaxVersion"] = x.Platform, x.Name, x.MinVersion, x.MaxVersion
					oses = append(oses, o)
				}
			}
			out.Props[prop] = f
			out.Props[supportedPlatform] = oses
		},
	}}
}

// runFirstSettings are "run another program first": DependentProgram as
// <PackageID>;;<ProgramName> (the package's ID from id, which apply
// resolves again), and the always bit.
func runFirstSettings(rf *config.RunFirst, id func() string, bit, def int64) []wanted {
	value := id() + ";;" + rf.Program
	return []wanted{
		{value: value, setting: setting{name: "runFirst",
			read:  func(site *provider.Instance) string { return site.String(dependentProgram) },
			write: func(out, _ *provider.Instance, _ string) { out.Props[dependentProgram] = id() + ";;" + rf.Program }},
			shown: func(string) string { return rf.Package + " / " + rf.Program }},
		{value: strconv.FormatBool(rf.Always), setting: flagBool("runFirst.always", "ProgramFlags", def, bit, false)},
	}
}

// packageIDOf is a function returning the PackageID a name resolves to
// (Pending until apply creates it), for settings that name a package.
func packageIDOf(r desired.Resolver, name string) func() string {
	return func() string {
		id, err := r.ID(object.Package, name)
		if err != nil {
			return desired.Pending
		}
		return id
	}
}

// programSettings are the settings a configuration gives a program,
// beyond its command line and comment; r resolves runFirst's package.
func programSettings(pr *config.Program, r desired.Resolver) []wanted {
	var out []wanted
	str := func(p *string) string { return *p }
	if pr.InstallFromTaskSequence != nil {
		out = append(out, wanted{value: strconv.FormatBool(*pr.InstallFromTaskSequence),
			setting: flagBool("installFromTaskSequence", "ProgramFlags", progDefaultFlags, progDynamicInstall, false)})
	}
	if pr.RunAs != nil {
		out = append(out, wanted{value: str(pr.RunAs), setting: flagChoice("runAs", "ProgramFlags", progDefaultFlags, progAdminRights,
			flagValue{"administrator", progAdminRights}, flagValue{"user", 0})})
	}
	if pr.CanRun != nil {
		out = append(out, wanted{value: str(pr.CanRun), setting: flagChoice("canRun", "ProgramFlags", progDefaultFlags, progUserContext|progNoUserLoggedIn,
			flagValue{"onlyWhenUserLoggedOn", progUserContext}, flagValue{"onlyWhenNoUserLoggedOn", progNoUserLoggedIn}, flagValue{"whetherOrNotUserLoggedOn", 0})})
	}
	if pr.Window != nil {
		out = append(out, wanted{value: str(pr.Window), setting: flagChoice("window", "ProgramFlags", progDefaultFlags, progRunMinimized|progRunMaximized|progHideWindow,
			flagValue{"hidden", progHideWindow}, flagValue{"minimized", progRunMinimized}, flagValue{"maximized", progRunMaximized}, flagValue{"normal", 0})})
	}
	if pr.AfterRunning != nil {
		out = append(out, wanted{value: str(pr.AfterRunning), setting: flagChoice("afterRunning", "ProgramFlags", progDefaultFlags, progOKToQuit|progOKToReboot|progOKToLogoff,
			flagValue{"configMgrRestarts", progOKToReboot}, flagValue{"programRestarts", progOKToQuit}, flagValue{"logOff", progOKToLogoff}, flagValue{"noAction", 0})})
	}
	if pr.Disabled != nil {
		out = append(out, wanted{value: strconv.FormatBool(*pr.Disabled), setting: flagBool("disabled", "ProgramFlags", progDefaultFlags, progDisabled, false)})
	}
	if pr.MaxRunTime != nil {
		out = append(out, wanted{value: strconv.FormatInt(*pr.MaxRunTime, 10), setting: intProp("maxRunTime", "Duration")})
	}
	if pr.DiskSpace != nil {
		out = append(out, wanted{value: *pr.DiskSpace, setting: stringProp("diskSpace", "DiskSpaceReq")})
	}
	if pr.WorkingDirectory != nil {
		out = append(out, wanted{value: *pr.WorkingDirectory, setting: stringProp("workingDirectory", "WorkingDirectory")})
	}
	if pr.Platforms != nil {
		out = append(out, platformsSetting("ProgramFlags", progDefaultFlags, progAnyPlatform, pr.Platforms))
	}
	if pr.RunFirst != nil {
		out = append(out, runFirstSettings(pr.RunFirst, packageIDOf(r, pr.RunFirst.Package), progRunDependant, progDefaultFlags)...)
	}
	return out
}

// sequenceSettings are the settings a configuration gives a task
// sequence's package beyond its name, description, category, boot image
// and run time; r resolves runFirst's package.
func sequenceSettings(cs *config.Sequence, r desired.Resolver) []wanted {
	sp := &cs.Package
	var out []wanted
	if sp.SoftwareCenterName != nil {
		out = append(out, wanted{value: *sp.SoftwareCenterName, setting: stringProp("softwareCenter.name", "LocalizedTaskSequenceName")})
	}
	if sp.SoftwareCenterDescription != nil {
		out = append(out, wanted{value: *sp.SoftwareCenterDescription, setting: stringProp("softwareCenter.description", "LocalizedTaskSequenceDescription")})
	}
	if h := sp.HighImpact; h != nil {
		out = append(out, wanted{value: strconv.FormatBool(h.On), setting: boolIntProp("highImpact", "HighImpactTaskSequence")},
			wanted{value: strconv.FormatBool(h.Custom), setting: boolIntProp("highImpact.custom", "CustomHighImpactSet")})
		if h.Custom {
			for _, t := range []struct{ name, prop, value string }{{"highImpact.headline", "CustomHighImpactHeadline", h.Headline},
				{"highImpact.warningTop", "CustomHighImpactWarningTop", h.WarningTop}, {"highImpact.warning", "CustomHighImpactWarning", h.Warning},
				{"highImpact.warningInstall", "CustomHighImpactWarningInstall", h.WarningInstall}} {
				out = append(out, wanted{value: t.value, setting: stringProp(t.name, t.prop)})
			}
		}
	}
	if m := sp.ProgressMessage; m != nil {
		msg := *m
		out = append(out, wanted{value: msg, setting: setting{name: "progressMessage",
			read: func(site *provider.Instance) string {
				if site.Int("ProgramFlags")&tsCustomProgress == 0 {
					return ""
				}
				return site.String("CustomProgressMsg")
			},
			write: func(out, site *provider.Instance, _ string) {
				f := flagsOf(out, site, "ProgramFlags", tsDefaultFlags) &^ tsCustomProgress
				if msg != "" {
					f |= tsCustomProgress
				}
				out.Props["ProgramFlags"] = f
				out.Props["CustomProgressMsg"] = msg
			}}})
	}
	if sp.EstimatedRunTime != nil {
		out = append(out, wanted{value: strconv.FormatInt(*sp.EstimatedRunTime, 10), setting: intProp("estimatedRunTime", "EstimatedRunTimeMinutes")})
	}
	if sp.EstimatedDownloadSize != nil {
		out = append(out, wanted{value: strconv.FormatInt(*sp.EstimatedDownloadSize, 10), setting: intProp("estimatedDownloadSize", "EstimatedDownloadSizeMB")})
	}
	if sp.RestartRequired != nil {
		out = append(out, wanted{value: strconv.FormatBool(*sp.RestartRequired), setting: boolIntProp("restartRequired", "RestartRequired")})
	}
	if sp.Disabled != nil {
		out = append(out, wanted{value: strconv.FormatBool(*sp.Disabled), setting: flagBool("disabled", "ProgramFlags", tsDefaultFlags, tsDisabled, false)})
	}
	if sp.Platforms != nil {
		out = append(out, platformsSetting("ProgramFlags", tsDefaultFlags, tsAnyPlatform, sp.Platforms))
	}
	if sp.RunFirst != nil {
		out = append(out, runFirstSettings(sp.RunFirst, packageIDOf(r, sp.RunFirst.Package), tsRunDependant, tsDefaultFlags)...)
	}
	return out
}

// checkRunFirst reports a runFirst that names no package or program the
// configuration declares or the site holds.
func checkRunFirst(st *State, cfg *config.Config, r desired.Resolver, rf *config.RunFirst) error {
	if rf == nil {
		return nil
	}
	id, err := r.ID(object.Package, rf.Package)
	if err != nil {
		return fmt.Errorf("runFirst: %w", err)
	}
	for _, cp := range cfg.Packages {
		if cp.Type == object.Package && strings.EqualFold(cp.Name, rf.Package) {
			for _, pr := range cp.Programs {
				if strings.EqualFold(pr.Name, rf.Program) {
					return nil
				}
			}
			return fmt.Errorf("runFirst: package %q declares no program %q", rf.Package, rf.Program)
		}
	}
	if id != desired.Pending && st.Program(id, rf.Program) == nil {
		return fmt.Errorf("runFirst: package %q (%s) has no program %q on the site", rf.Package, id, rf.Program)
	}
	return nil
}
