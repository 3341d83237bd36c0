package config

import (
	"strings"

	"github.com/tsctl/tsctl/internal/object"
)

// FieldType says how a YAML field maps to step properties.
type FieldType int

const (
	TString  FieldType = iota // string ↔ property value
	TBool                     // bool ↔ "true"/"false"
	TInt                      // integer ↔ decimal
	TEnum                     // one of Enum; Map translates YAML ↔ stored values
	TSecret                   // {env}/{file}/{empty} ↔ write-only value
	TRef                      // object name (or {id: …}) ↔ PackageID
	TRefList                  // list of names ↔ comma-separated PackageIDs
	TScript                   // script text ↔ Base64 of UTF-16LE with BOM
	TApps                     // application names ↔ ApplicationName model names (+ AppInfo)
	TObject                   // nested mapping of Sub fields (no property of its own)
	TArray                    // list of mappings: Count property + <Count><i><Sub.Prop>
	TRules                    // Set Dynamic Variables rules ↔ the Rules XML document
)

// Field maps one YAML key of a typed step to a property.
type Field struct {
	YAML     string
	Prop     string
	Type     FieldType
	Ref      object.Kind
	Enum     []string          // allowed YAML values (TEnum)
	Map      map[string]string // YAML value → stored value, when they differ
	Sub      []Field           // TObject / TArray element fields
	Desc     string
	Default  string // stored value used when the YAML omits the field ("" = none)
	Required bool
}

// MaxUint32 is the largest value of a uint32, the MOF type of every integer
// property a typed step form sets: a TInt field takes 0 to MaxUint32.
const MaxUint32 = 1<<32 - 1

// Closed sets of string values. Each holds the values the class reference
// documents and the spellings real exports use for them, which a site
// evidently stores and runs: older consoles and the MDT templates write
// these values in capitals (PRIMARY, RECOVERY, PERCENT, BASIC), and MDT
// writes % for Percent. Any other casing is refused with a hint naming the
// allowed spelling.
var (
	partitionStyles = []string{"GPT", "MBR"}
	partitionTypes  = withCapitals("Primary", "Extended", "Logical", "Hidden", "EFI", "MSR", "Recovery")
	fileSystems     = []string{"NTFS", "FAT32"}
	sizeUnits       = append(withCapitals("MB", "GB", "Percent"), "%")
	diskTypes       = withCapitals("Basic")
	licenseModes    = withCapitals("PerSeat", "PerServer")
)

// withCapitals lists values followed by their all-capitals spellings where
// those differ.
func withCapitals(values ...string) []string {
	out := append([]string(nil), values...)
	for _, v := range values {
		if u := strings.ToUpper(v); u != v {
			out = append(out, u)
		}
	}
	return out
}

// req marks a field required.
func req(f Field) Field { f.Required = true; return f }

// Kind is a typed step form.
type Kind struct {
	Key       string // YAML key, e.g. runCommandLine
	Class     string // step class
	Title     string // console step name, the default step name
	Shorthand string // YAML field a scalar body stands for
	Fields    []Field
	// Derive sets properties computed from others after the fields are applied.
	Derive func(props map[string]string, present map[string]bool)
}

var kindList []*Kind
var kindByKey = map[string]*Kind{}
var kindByClass = map[string]*Kind{}

func addKind(k *Kind) {
	k.Class = "SMS_TaskSequence_" + k.Class
	kindList = append(kindList, k)
	kindByKey[k.Key] = k
	kindByClass[k.Class] = k
}

// Kinds lists the typed step forms in schema order.
func Kinds() []*Kind { return kindList }

// KindOf returns the typed form with YAML key key.
func KindOf(key string) *Kind { return kindByKey[key] }

// KindForClass returns the typed form of a step class, if any.
func KindForClass(class string) *Kind { return kindByClass[class] }

func f(yaml, prop string, t FieldType, desc string) Field {
	return Field{YAML: yaml, Prop: prop, Type: t, Desc: desc}
}
func fref(yaml, prop string, k object.Kind, desc string) Field {
	return Field{YAML: yaml, Prop: prop, Type: TRef, Ref: k, Desc: desc}
}
func fenum(yaml, prop, desc string, values ...string) Field {
	return Field{YAML: yaml, Prop: prop, Type: TEnum, Enum: values, Desc: desc}
}
func fobj(yaml, desc string, sub ...Field) Field {
	return Field{YAML: yaml, Type: TObject, Desc: desc, Sub: sub}
}

var runAs = fobj("runAs", "Run the step as another account instead of the local System account.",
	f("user", "UserName", TString, "Account, DOMAIN\\user (UserName)."),
	f("password", "UserPassword", TSecret, "Password of the account (UserPassword, Secret)."))

func runAsDerive(props map[string]string, present map[string]bool) {
	if props["UserName"] != "" && !present["RunAsUser"] {
		props["RunAsUser"] = "true"
	}
}

func destination(prefix string) Field {
	return fobj("destination", "Where to apply; omitted = next available formatted partition.",
		f("disk", prefix+"DestinationDisk", TInt, "Disk number (DestinationDisk)."),
		f("partition", prefix+"DestinationPartition", TInt, "Partition number (DestinationPartition)."),
		f("drive", prefix+"DestinationLogicalDrive", TString, "Logical drive letter, e.g. C: (DestinationLogicalDrive)."),
		f("variable", prefix+"DestinationVariable", TString, "Variable holding \"disk,partition\" or a drive letter (DestinationVariable)."))
}

func init() {
	addKind(&Kind{Key: "runCommandLine", Class: "RunCommandLineAction", Title: "Run Command Line", Shorthand: "commandLine", Fields: []Field{
		req(f("commandLine", "CommandLine", TString, "Command line to run (CommandLine).")),
		fref("package", "PackageID", object.Package, "Package whose content the command runs from (PackageID)."),
		f("workingDirectory", "WorkingDirectory", TString, "Start in this folder (WorkingDirectory)."),
		f("disable64BitRedirection", "DisableWow64Redirection", TBool, "Run 64-bit executables natively (DisableWow64Redirection)."),
		f("outputVariable", "OutputVariableName", TString, "Variable that receives the command output (OutputVariableName)."),
		runAs,
		f("runAsUser", "RunAsUser", TBool, "Run as the account in runAs (RunAsUser); implied by runAs."),
	}, Derive: runAsDerive})
	addKind(&Kind{Key: "runPowerShellScript", Class: "RunPowerShellScriptAction", Title: "Run PowerShell Script", Fields: []Field{
		f("script", "SourceScript", TScript, "Inline script text (SourceScript; stored as Base64 of UTF-16LE with BOM, lines ending CRLF)."),
		f("scriptBase64", "SourceScript", TString, "The stored SourceScript value itself, for scripts that are not UTF-16LE text with CRLF line ends."),
		fref("package", "PackageID", object.Package, "Package holding the script (PackageID)."),
		f("scriptName", "ScriptName", TString, "Script file in the package (ScriptName)."),
		f("parameters", "Parameters", TString, "Script parameters (Parameters)."),
		fenum("executionPolicy", "ExecutionPolicy", "PowerShell execution policy (ExecutionPolicy).", "AllSigned", "Bypass", "Restricted", "RemoteSigned", "Unrestricted", "Undefined"),
		f("outputVariable", "OutputVariableName", TString, "Variable that receives the script output (OutputVariableName)."),
		f("workingDirectory", "WorkingDirectory", TString, "Start in this folder (WorkingDirectory)."),
		runAs,
		f("runAsUser", "RunAsUser", TBool, "Run as the account in runAs (RunAsUser); implied by runAs."),
	}, Derive: runAsDerive})
	addKind(&Kind{Key: "setVariable", Class: "SetVariableAction", Title: "Set Task Sequence Variable", Fields: []Field{
		req(f("name", "VariableName", TString, "Variable name (VariableName).")),
		req(f("value", "VariableValue", TString, "Value (VariableValue).")),
		f("masked", "DoNotShowVariableValue", TBool, "Do not display the value in the console or logs (DoNotShowVariableValue)."),
		f("hiddenValue", "HiddenVariableValue", TSecret, "The value as newer sites keep it when masked: write-only (HiddenVariableValue)."),
	}})
	addKind(&Kind{Key: "setDynamicVariables", Class: "SetDynamicVariablesAction", Title: "Set Dynamic Variables", Fields: []Field{
		req(f("rules", "Rules", TRules, "Rules evaluated in order; each sets its variables when its condition holds (Rules).")),
	}})
	addKind(&Kind{Key: "installApplication", Class: "InstallApplicationAction", Title: "Install Application", Fields: []Field{
		f("applications", "ApplicationName", TApps, "Applications by display name (ApplicationName, AppInfo)."),
		f("baseVariable", "BaseVariableName", TString, "Base variable of a dynamic application list (BaseVariableName)."),
		f("continueOnInstallError", "ContinueOnInstallError", TBool, "Continue with the next application when one fails (ContinueOnInstallError)."),
		f("clearCache", "ClearCache", TBool, "Clear application content from the cache after installing (ClearCache)."),
	}, Derive: func(p map[string]string, present map[string]bool) {
		if !present["ApplicationName"] {
			p["ApplicationName"] = "" // the console writes it even for a base variable
		}
	}})
	addKind(&Kind{Key: "installPackage", Class: "InstallSoftwareAction", Title: "Install Package", Fields: []Field{
		fref("package", "PackageID", object.Package, "Package (PackageID)."),
		f("program", "ProgramName", TString, "Program of the package (ProgramName)."),
		f("baseVariable", "BaseVariableName", TString, "Base variable of a dynamic package list (BaseVariableName)."),
		f("continueOnInstallError", "ContinueOnInstallError", TBool, "Continue when a package fails (ContinueOnInstallError)."),
	}})
	addKind(&Kind{Key: "installSoftwareUpdates", Class: "InstallUpdateAction", Title: "Install Software Updates", Fields: []Field{
		fenum("target", "Target", "Updates to install (Target).", "Mandatory", "All"),
		f("useCache", "UseCache", TBool, "Evaluate updates from cached scan results (UseCache)."),
	}})
	addKind(&Kind{Key: "restartComputer", Class: "RebootAction", Title: "Restart Computer", Fields: []Field{
		{YAML: "target", Prop: "Target", Type: TEnum, Enum: []string{"installedOS", "WinPE", ""}, Map: map[string]string{"installedOS": "HD"}, Default: "HD",
			Desc: "Restart into the installed OS or the boot image (Target HD / WinPE); \"\" is the empty Target the MDT templates store."},
		f("message", "Message", TString, "Notification shown to the user (Message)."),
		f("messageTimeout", "MessageTimeout", TInt, "Seconds the notification is shown (MessageTimeout)."),
	}})
	addKind(&Kind{Key: "applyOperatingSystem", Class: "ApplyOperatingSystemAction", Title: "Apply Operating System Image", Fields: []Field{
		fref("image", "ImagePackageID", object.OSImage, "OS image (ImagePackageID)."),
		f("index", "ImageIndex", TInt, "Image index in the WIM (ImageIndex)."),
		fref("osUpgradePackage", "InstallPackageID", object.OSUpgradePackage, "OS upgrade package to run setup from (InstallPackageID)."),
		f("edition", "InstallEditionIndex", TInt, "Edition index for setup (InstallEditionIndex)."),
		fobj("answerFile", "Unattended answer file in a package (ConfigFilePackage, ConfigFileName).",
			req(fref("package", "ConfigFilePackage", object.Package, "Package holding the answer file (ConfigFilePackage).")),
			req(f("file", "ConfigFileName", TString, "File name in the package (ConfigFileName)."))),
		destination(""),
		f("runFromNetwork", "RunFromNet", TBool, "Access content directly from the distribution point (RunFromNet)."),
	}, Derive: func(p map[string]string, present map[string]bool) {
		if present["ImagePackageID"] && !present["ImageIndex"] {
			p["ImageIndex"] = "1"
		}
		if present["InstallPackageID"] && !present["InstallEditionIndex"] {
			p["InstallEditionIndex"] = "1"
		}
	}})
	addKind(&Kind{Key: "applyDataImage", Class: "ApplyDataImageAction", Title: "Apply Data Image", Fields: []Field{
		fref("image", "ImagePackageID", object.OSImage, "Image (ImagePackageID)."),
		f("index", "ImageIndex", TInt, "Image index in the WIM (ImageIndex)."),
		destination(""),
		f("wipePartition", "WipeDestinationPartition", TBool, "Delete all content on the partition first (WipeDestinationPartition)."),
	}})
	addKind(&Kind{Key: "partitionDisk", Class: "PartitionDiskAction", Title: "Format and Partition Disk", Fields: []Field{
		f("disk", "DiskIndex", TInt, "Disk number (DiskIndex)."),
		f("diskVariable", "DiskIndexVariable", TString, "Variable holding the disk number (DiskIndexVariable)."),
		fenum("style", "PartitionStyle", "Partition style (PartitionStyle).", partitionStyles...),
		fenum("diskType", "DiskType", "Disk type (DiskType; deprecated).", diskTypes...),
		f("gptBootDisk", "GPTBootDisk", TBool, "Mark as GPT boot disk (GPTBootDisk)."),
		f("biosCompatibilityMode", "DiskpartBiosCompatibilityMode", TBool, "Use diskpart BIOS compatibility mode (DiskpartBiosCompatibilityMode)."),
		{YAML: "partitions", Prop: "Partitions", Type: TArray, Desc: "Partitions in order (Partitions).", Sub: []Field{
			f("name", "VolumeName", TString, "Volume label (VolumeName)."),
			req(fenum("type", "Type", "Partition type (Type).", partitionTypes...)),
			req(f("size", "Size", TInt, "Size in sizeUnits (Size).")),
			{YAML: "sizeUnits", Prop: "SizeUnits", Type: TEnum, Enum: sizeUnits, Default: "MB", Desc: "Unit of size: MB, GB or Percent of the free space (SizeUnits)."},
			fenum("fileSystem", "FileSystem", "File system to format with (FileSystem); omit to leave unformatted.", fileSystems...),
			{YAML: "quickFormat", Prop: "QuickFormat", Type: TBool, Default: "true", Desc: "Quick format (QuickFormat)."},
			{YAML: "bootable", Prop: "Bootable", Type: TBool, Default: "false", Desc: "Make the partition bootable (Bootable)."},
			{YAML: "assignDriveLetter", Prop: "AssignVolumeLetter", Type: TBool, Default: "true", Desc: "Assign a drive letter (AssignVolumeLetter)."},
			f("driveLetterVariable", "VolumeLetterVariable", TString, "Variable that receives the drive letter (VolumeLetterVariable)."),
		}},
	}, Derive: func(p map[string]string, present map[string]bool) {
		if !present["DiskIndex"] {
			p["DiskIndex"] = "0"
		}
	}})
	addKind(&Kind{Key: "convertDisk", Class: "ConvertDiskAction", Title: "Convert Disk to Dynamic", Fields: []Field{
		f("disk", "DiskIndex", TInt, "Disk number (DiskIndex)."),
	}})
	addKind(&Kind{Key: "applyDriverPackage", Class: "ApplyDriverPackageAction", Title: "Apply Driver Package", Fields: []Field{
		fref("package", "DriverPackageID", object.DriverPackage, "Driver package (DriverPackageID)."),
		f("recurse", "Recurse", TBool, "Install all drivers in the package recursively with DISM (Recurse)."),
		f("unsignedDrivers", "UnsignedDriver", TBool, "Allow unsigned drivers (UnsignedDriver)."),
		f("bootCriticalId", "BootCriticalID", TString, "Mass-storage driver to install before setup on older OSes (BootCriticalID)."),
		f("bootCriticalDriverId", "BootCriticalDriverID", TString, "Mass-storage driver ID (BootCriticalDriverID)."),
		f("bootCriticalContentId", "BootCriticalContentUniqueID", TString, "Mass-storage driver content ID (BootCriticalContentUniqueID)."),
		f("bootCriticalHardwareComponent", "BootCriticalHardwareComponent", TString, "Mass-storage hardware component (BootCriticalHardwareComponent)."),
		f("bootCriticalInfFile", "BootCriticalINFFile", TString, "Mass-storage driver INF file (BootCriticalINFFile)."),
	}})
	addKind(&Kind{Key: "autoApplyDrivers", Class: "AutoApplyAction", Title: "Auto Apply Drivers", Fields: []Field{
		f("bestMatch", "BestMatch", TBool, "Install only the best matched driver per device (BestMatch)."),
		f("categories", "CategoryList", TString, "Driver category unique IDs, comma-separated (CategoryList)."),
		f("unsignedDrivers", "UnsignedDriver", TBool, "Allow unsigned drivers (UnsignedDriver)."),
	}})
	addKind(&Kind{Key: "joinDomain", Class: "JoinDomainWorkgroupAction", Title: "Join Domain or Workgroup", Fields: []Field{
		f("domain", "DomainName", TString, "Domain to join (DomainName)."),
		f("ou", "DomainOUName", TString, "LDAP path of the organizational unit (DomainOUName)."),
		f("account", "DomainUsername", TString, "Account with rights to join (DomainUsername)."),
		f("password", "DomainPassword", TSecret, "Password of the account (DomainPassword, Secret)."),
		f("workgroup", "WorkgroupName", TString, "Workgroup to join (WorkgroupName)."),
		f("skipReboot", "SkipReboot", TBool, "Do not restart after joining (SkipReboot)."),
	}, Derive: func(p map[string]string, present map[string]bool) {
		if present["WorkgroupName"] {
			p["Type"] = "1"
		} else {
			p["Type"] = "0"
		}
	}})
	addKind(&Kind{Key: "applyNetworkSettings", Class: "ApplyNetworkSettingsAction", Title: "Apply Network Settings", Fields: []Field{
		f("domain", "DomainName", TString, "Domain to join (DomainName)."),
		f("ou", "DomainOUName", TString, "Organizational unit (DomainOUName)."),
		f("account", "DomainUsername", TString, "Account with rights to join (DomainUsername)."),
		f("password", "DomainPassword", TSecret, "Password of the account (DomainPassword, Secret)."),
		f("workgroup", "WorkgroupName", TString, "Workgroup to join (WorkgroupName)."),
		f("dnsDomain", "DNSDomain", TString, "DNS domain (DNSDomain)."),
		f("dnsSuffixSearchOrder", "DNSSuffixSearchOrder", TString, "DNS suffix search order (DNSSuffixSearchOrder)."),
		f("tcpIpFiltering", "EnableTCPIPFiltering", TBool, "Enable TCP/IP filtering (EnableTCPIPFiltering)."),
		{YAML: "adapters", Prop: "Adapters", Type: TArray, Desc: "Network adapter settings by adapter (Adapters, NumAdapters).", Sub: adapterFields()},
		f("adapterCount", "NumAdapters", TInt, "Number of adapters (NumAdapters) when no adapters are listed; otherwise taken from adapters."),
	}, Derive: func(p map[string]string, present map[string]bool) {
		if present["WorkgroupName"] || !present["DomainName"] {
			p["NetworkJoinType"] = "1"
		} else {
			p["NetworkJoinType"] = "0"
		}
		if v, ok := p["Adapters"]; ok {
			p["NumAdapters"] = v
		}
	}})
	addKind(&Kind{Key: "applyWindowsSettings", Class: "ApplyWindowsSettingsAction", Title: "Apply Windows Settings", Fields: []Field{
		req(f("registeredUser", "RegisteredUserName", TString, "Registered user name (RegisteredUserName).")),
		req(f("registeredOrganization", "RegisteredOrgName", TString, "Registered organization (RegisteredOrgName).")),
		req(f("timeZone", "TimeZone", TString, "Time zone, English name (TimeZone).")),
		f("computerName", "ComputerName", TString, "Computer name (ComputerName)."),
		f("randomAdminPassword", "RandomAdminPassword", TBool, "Randomly generate the local administrator password (RandomAdminPassword); false when adminPassword is given."),
		f("adminPassword", "AdminPassword", TSecret, "Local administrator password (AdminPassword, Secret)."),
		f("productKey", "ProductKey", TSecret, "Product key (ProductKey, QuasiSecret)."),
		fenum("serverLicenseMode", "ServerLicenseMode", "Server licensing (ServerLicenseMode).", licenseModes...),
		f("serverLicenseConnectionLimit", "ServerLicenseConnectionLimit", TInt, "Connections for PerServer licensing (ServerLicenseConnectionLimit)."),
		f("inputLocale", "InputLocale", TString, "Input locale (InputLocale)."),
		f("systemLocale", "SystemLocale", TString, "System locale (SystemLocale)."),
		f("userLocale", "UserLocale", TString, "User locale (UserLocale)."),
		f("uiLanguage", "UILanguage", TString, "UI language (UILanguage)."),
		f("uiLanguageFallback", "UILanguageFallback", TString, "UI language fallback (UILanguageFallback)."),
	}, Derive: func(p map[string]string, present map[string]bool) {
		if present["AdminPassword"] && !present["RandomAdminPassword"] {
			p["RandomAdminPassword"] = "false"
		}
	}})
	addKind(&Kind{Key: "setupWindowsAndConfigMgr", Class: "SetupWindowsAndSMSAction", Title: "Setup Windows and Configuration Manager", Fields: []Field{
		{YAML: "clientPackage", Prop: "ClientPackageID", Type: TRef, Ref: object.Package, Default: "Configuration Manager Client Package",
			Desc: "Client package (ClientPackageID); default Configuration Manager Client Package."},
		fref("preProductionClientPackage", "ClientPreProductionPackageID", object.Package, "Pre-production client package (ClientPreProductionPackageID)."),
		f("installProperties", "ClientInstallProperties", TString, "Client installation properties (ClientInstallProperties)."),
	}})
	addKind(&Kind{Key: "runTaskSequence", Class: "SubTasksequence", Title: "Run Task Sequence", Shorthand: "sequence", Fields: []Field{
		fref("sequence", "TsPackageID", object.Sequence, "The child task sequence (TsPackageID)."),
	}})
	addKind(&Kind{Key: "connectNetworkFolder", Class: "ConnectNetworkFolderAction", Title: "Connect to Network Folder", Fields: []Field{
		req(f("path", "Path", TString, "UNC path (Path).")),
		f("driveLetter", "DriveLetter", TString, "Drive letter, e.g. Z: (DriveLetter)."),
		f("account", "Username", TString, "Account (Username)."),
		f("password", "Password", TSecret, "Password (Password, Secret)."),
	}})
	addKind(&Kind{Key: "checkReadiness", Class: "PrestartCheckAction", Title: "Check Readiness", Fields: prestartFields()})
	addKind(&Kind{Key: "downloadPackageContent", Class: "DownloadPackageContentAction", Title: "Download Package Content", Fields: []Field{
		{YAML: "packages", Prop: "DownloadPackages", Type: TRefList, Ref: object.Content, Desc: "Packages, driver packages, OS images, OS upgrade packages or boot images to download, by name (DownloadPackages)."},
		fenum("location", "DestinationLocationType", "Where to put the content (DestinationLocationType).", "TSCache", "CCMCache", "Custom"),
		f("path", "DestinationCustomPath", TString, "Folder for location Custom (DestinationCustomPath)."),
		f("variable", "DestinationVariable", TString, "Variable that receives the content location (DestinationVariable)."),
		f("continueOnError", "ContinueDownloadOnError", TBool, "Continue when a package fails to download (ContinueDownloadOnError)."),
	}})
	addKind(&Kind{Key: "enableBitLocker", Class: "EnableBitLockerAction", Title: "Enable BitLocker", Fields: []Field{
		f("drive", "TargetDrive", TString, "Drive to encrypt; omitted = the OS drive (TargetDrive)."),
		fenum("mode", "Mode", "Key protector (Mode).", "TPM", "Key", "TPMAndKey", "TPMAndPIN"),
		f("pin", "PIN", TSecret, "PIN for TPMAndPIN (PIN, Secret)."),
		f("startupKeyDrive", "StartupKeyDrive", TString, "Drive for the startup key (StartupKeyDrive)."),
		// ConfigMgr: newer sites escrow the key to the site (real exports hold it; the SDK page lists only None and AD)
		fenum("recoveryPassword", "CreateRecoveryPassword", "Where the recovery password goes (CreateRecoveryPassword): None, AD, or ConfigMgr (the site's database, newer sites).", "None", "AD", "ConfigMgr"),
		f("waitForEncryption", "WaitForEncryption", TBool, "Wait until encryption finishes (WaitForEncryption)."),
		f("encryptionMethod", "EncryptMethod", TInt, "Encryption method, 0 = default (EncryptMethod)."),
		f("skipWhenNoValidTPM", "SkipWhenNoValidTPM", TBool, "Skip when there is no usable TPM (SkipWhenNoValidTPM)."),
		f("fullDisk", "EncryptFullDisk", TBool, "Encrypt the full disk, not only used space (EncryptFullDisk)."),
	}})
	addKind(&Kind{Key: "disableBitLocker", Class: "DisableBitLockerAction", Title: "Disable BitLocker", Fields: []Field{
		f("drive", "TargetDrive", TString, "Drive; omitted = the OS drive (TargetDrive)."),
		f("rebootCount", "RebootCount", TInt, "Restarts to keep BitLocker suspended (RebootCount)."),
	}})
	addKind(&Kind{Key: "preProvisionBitLocker", Class: "OfflineEnableBitLockerAction", Title: "Pre-provision BitLocker", Fields: []Field{
		destination(""),
		f("fullDisk", "EncryptFullDisk", TBool, "Encrypt the full disk (EncryptFullDisk)."),
		f("encryptionMethod", "EncryptMethod", TInt, "Encryption method (EncryptMethod)."),
		f("skipWhenTPMInvalid", "SkipWhenTPMInvalid", TBool, "Skip when the TPM is not usable (SkipWhenTPMInvalid)."),
	}})
	addKind(&Kind{Key: "requestStateStore", Class: "RequestStateStoreAction", Title: "Request State Store", Fields: []Field{
		req(fenum("type", "RequestType", "Capture or restore user state (RequestType).", "capture", "restore")),
		f("fallbackToNetworkAccessAccount", "FallbackToNAA", TBool, "Use the network access account when the computer account fails (FallbackToNAA)."),
		f("retries", "SMPRetryCount", TInt, "Retries to find a state migration point (SMPRetryCount)."),
		f("retryDelay", "SMPRetryTime", TInt, "Seconds between retries (SMPRetryTime)."),
	}})
	addKind(&Kind{Key: "releaseStateStore", Class: "ReleaseStateStoreAction", Title: "Release State Store"})
	addKind(&Kind{Key: "captureUserState", Class: "CaptureUserStateAction", Title: "Capture User State", Fields: []Field{
		fref("usmtPackage", "UsmtPackageID", object.Package, "User State Migration Tool package (UsmtPackageID)."),
		fenum("mode", "Mode", "Which files to capture (Mode).", "Simple", "Advanced"),
		f("configFiles", "ConfigFiles", TString, "Custom configuration files (ConfigFiles)."),
		fenum("fileAccess", "FileAccess", "How locked files are read (FileAccess).", "Normal", "VSS"),
		f("continueOnLockedFiles", "ContinueOnLockedFiles", TBool, "Continue when a file cannot be captured (ContinueOnLockedFiles)."),
		f("skipEncryptedFiles", "SkipEncryptedFiles", TBool, "Skip EFS-encrypted files (SkipEncryptedFiles)."),
		f("verboseLogging", "EnableVerboseLogging", TBool, "Verbose logging (EnableVerboseLogging)."),
		f("offline", "OfflineUserState", TBool, "Capture in Windows PE (OfflineUserState)."),
		f("hardLinks", "UseHardlinks", TBool, "Capture locally with hard links (UseHardlinks)."),
	}})
	addKind(&Kind{Key: "restoreUserState", Class: "RestoreUserStateAction", Title: "Restore User State", Fields: []Field{
		fref("usmtPackage", "UsmtRestorePackageID", object.Package, "User State Migration Tool package (UsmtRestorePackageID)."),
		fenum("mode", "Mode", "Which files to restore (Mode).", "Simple", "Advanced"),
		f("configFiles", "ConfigFiles", TString, "Custom configuration files (ConfigFiles)."),
		f("continueOnErrors", "ContinueOnRestore", TBool, "Continue when a file cannot be restored (ContinueOnRestore)."),
		f("localAccounts", "LocalAccounts", TBool, "Restore local accounts (LocalAccounts)."),
		f("localAccountPassword", "LocalAccountPassword", TSecret, "Password for restored local accounts (LocalAccountPassword, Secret)."),
		f("verboseLogging", "EnableVerboseLogging", TBool, "Verbose logging (EnableVerboseLogging)."),
	}})
	addKind(&Kind{Key: "captureNetworkSettings", Class: "CaptureNetworkSettingsAction", Title: "Capture Network Settings", Fields: []Field{
		f("adapterSettings", "MigrateAdapterSettings", TBool, "Capture adapter settings (MigrateAdapterSettings)."),
		f("domainAndWorkgroup", "MigrateNetworkMembership", TBool, "Capture domain or workgroup membership (MigrateNetworkMembership)."),
	}})
	addKind(&Kind{Key: "captureWindowsSettings", Class: "CaptureWindowsSettingsAction", Title: "Capture Windows Settings", Fields: []Field{
		f("computerName", "MigrateComputerName", TBool, "Capture the computer name (MigrateComputerName)."),
		f("registrationInfo", "MigrateRegistrationInfo", TBool, "Capture user and organization names (MigrateRegistrationInfo)."),
		f("timeZone", "MigrateTimeZone", TBool, "Capture the time zone (MigrateTimeZone)."),
	}})
	addKind(&Kind{Key: "prepareConfigMgrClient", Class: "PrepareSMSClientAction", Title: "Prepare ConfigMgr Client for Capture"})
	addKind(&Kind{Key: "prepareWindowsForCapture", Class: "PrepareOSAction", Title: "Prepare Windows for Capture", Fields: []Field{
		f("keepActivation", "KeepActivation", TBool, "Do not reset activation (KeepActivation)."),
		f("buildStorageDriverList", "BuildStorageDriverList", TBool, "Build the mass-storage driver list; deprecated (BuildStorageDriverList)."),
		f("shutdown", "ShutdownPreparedOs", TBool, "Shut down after Sysprep (ShutdownPreparedOs)."),
	}})
	addKind(&Kind{Key: "captureOperatingSystemImage", Class: "CaptureSystemImageAction", Title: "Capture Operating System Image", Fields: []Field{
		req(f("destination", "CaptureDestination", TString, "UNC path of the WIM to write (CaptureDestination).")),
		f("account", "CaptureUsername", TString, "Account with write access (CaptureUsername)."),
		f("password", "CapturePassword", TSecret, "Password of the account (CapturePassword, Secret)."),
		f("createdBy", "ImageCreator", TString, "Image creator (ImageCreator)."),
		f("description", "ImageDescription", TString, "Image description (ImageDescription)."),
		f("version", "ImageVersion", TString, "Image version (ImageVersion)."),
	}})
	addKind(&Kind{Key: "installDeploymentTools", Class: "InstallDeployToolsAction", Title: "Install Deployment Tools", Fields: []Field{
		fref("sysprepPackage", "SysprepPackageID", object.Package, "Sysprep package (SysprepPackageID)."),
	}})
	addKind(&Kind{Key: "upgradeOperatingSystem", Class: "UpgradeOperatingSystemAction", Title: "Upgrade Operating System", Fields: []Field{
		fref("osUpgradePackage", "InstallPackageID", object.OSUpgradePackage, "OS upgrade package (InstallPackageID)."),
		f("installPath", "InstallPath", TString, "Source path instead of a package (InstallPath)."),
		f("edition", "InstallEditionIndex", TInt, "Edition index (InstallEditionIndex)."),
		fref("driverPackage", "DriverPackageID", object.DriverPackage, "Driver package staged for setup (DriverPackageID)."),
		f("stagedContent", "StagedContent", TString, "Staged drivers location (StagedContent)."),
		fenum("dynamicUpdate", "DynamicUpdateSettings", "Dynamic update behaviour (DynamicUpdateSettings).", "Disable", "OveridePolicy", "OverridePolicy", "Enable"),
		f("preserveSettings", "PreserveSettings", TString, "Upgrade mode, e.g. Upgrade (PreserveSettings)."),
		f("scanOnly", "ScanOnly", TBool, "Only run the compatibility scan (ScanOnly)."),
		f("ignoreMessages", "IgnoreMessages", TBool, "Ignore dismissible compatibility messages (IgnoreMessages)."),
		f("setupTimeout", "SetupTimeout", TInt, "Setup time-out in minutes (SetupTimeout)."),
		f("productKey", "OsProductKey", TSecret, "Product key (OsProductKey, QuasiSecret)."),
		f("featureUpdateAssignmentId", "FeatureUpdateAssignmentId", TString, "Feature update assignment (FeatureUpdateAssignmentId)."),
		f("featureUpdateName", "FeatureUpdateName", TString, "Feature update name (FeatureUpdateName)."),
	}})
}

func adapterFields() []Field {
	var out []Field
	for _, p := range []string{"MACAddress", "Name", "Index", "EnableDHCP", "IPAddressList", "SubnetMask", "Gateways", "GatewayCostMetric",
		"DNSServerList", "DNSDomain", "EnableDNSRegistration", "EnableFullDNSRegistration", "EnableWINS", "WINSServerList", "EnableLMHostsLookup",
		"TcpipNetbiosOptions", "EnableIPProtocolFiltering", "IPProtocolFilterList", "EnableTCPFiltering", "TCPFilterPortList", "EnableUDPFiltering", "UDPFilterPortList"} {
		out = append(out, f(lowerCamel(p), p, TString, "Adapter "+p+" (SMS_TaskSequence_NetworkAdapterSettings."+p+")."))
	}
	return out
}

func prestartFields() []Field {
	var out []Field
	for _, p := range []string{"CheckMemory", "Memory", "CheckProcessorSpeed", "ProcessorSpeed", "CheckFreeDiskSpace", "FreeDiskSpace",
		"CheckOSType", "OSType", "CheckOSArchitecture", "OSArchitecture", "CheckMinOSVersion", "MinOSVersion", "CheckMaxOSVersion", "MaxOSVersion",
		"CheckCMClientMinVersion", "CMClientMinVersion", "CheckOSLanguageID", "OSLanguageID", "CheckPowerState", "CheckNetworkConnected",
		"CheckNetworkWired", "CheckDeviceUEFI", "CheckTpmActivated", "CheckTpmEnabled"} {
		t := TString
		if strings.HasPrefix(p, "Check") {
			t = TBool
		}
		out = append(out, f(lowerCamel(p), p, t, "Check Readiness "+p+" ("+p+")."))
	}
	return out
}

// lowerCamel turns a WMI property name into a YAML key: MACAddress → macAddress.
func lowerCamel(s string) string {
	r := []rune(s)
	i := 0
	for i < len(r) && r[i] >= 'A' && r[i] <= 'Z' {
		i++
	}
	switch {
	case i == 0:
		return s
	case i == 1 || i == len(r):
		i = max(i, 1)
	default:
		i-- // keep the capital that starts the next word
	}
	return strings.ToLower(string(r[:i])) + string(r[i:])
}
