package model

import "github.com/tsctl/tsctl/internal/object"

// The rest of the built-in step classes (object-model.md §4). Variable names
// come from real exports where the corpus holds the property, otherwise from
// the class's VariableName / VariablePrefix qualifiers.
func init() {
	register(&Class{
		Name: cls("ApplyDataImageAction"), DefaultRunIn: WinPE, HighImpact: true, OSDeployment: true,
		CommandLine: "OSDApplyOS.exe /data:%1,%%OSDDataImageIndex%% <?6:/target:%6,%7><?8:/target:%8><?9:/target:%%%9%%>",
		Props: []Prop{
			pr("DestinationDisk", "DestinationDisk", hidden, arg(6)),
			pr("DestinationLogicalDrive", "DestinationLogicalDrive", hidden, arg(8)),
			pr("DestinationPartition", "DestinationPartition", hidden, arg(7)),
			pr("DestinationVariable", "DestinationVariable", hidden, arg(9)),
			pr("ImageIndex", "OSDDataImageIndex"),
			pr("ImagePackageID", "ImagePackageID", hidden, arg(1), ref(object.Content)),
			pr("WipeDestinationPartition", "OSDWipeDestinationPartition", def("true")),
		},
	})
	register(&Class{
		Name: cls("ApplyNetworkSettingsAction"), DefaultRunIn: WinPEandFullOS, OSDeployment: true,
		CommandLine: "osdnetsettings.exe configure",
		Props: []Prop{
			pr("Adapters", "OSDAdapter", hidden),
			pr("DNSDomain", "OSDDNSDomain", global),
			pr("DNSSuffixSearchOrder", "OSDDNSSuffixSearchOrder", global),
			pr("DomainName", "OSDDomainName"),
			pr("DomainOUName", "OSDDomainOUName"),
			pr("DomainPassword", "OSDJoinPassword", secret),
			pr("DomainUsername", "OSDJoinAccount"),
			pr("EnableTCPIPFiltering", "OSDEnableTCPIPFiltering", hidden, global, def("false")),
			pr("NetworkJoinType", "OSDNetworkJoinType"),
			pr("NumAdapters", "OSDAdapterCount", hidden, global),
			pr("WorkgroupName", "OSDWorkgroupName"),
		},
		Arrays: []Array{{Name: "Adapters", Var: "OSDAdapter", Fields: []string{
			"DNSDomain", "DNSServerList", "EnableDHCP", "EnableDNSRegistration", "EnableFullDNSRegistration", "EnableIPProtocolFiltering",
			"EnableLMHostsLookup", "EnableTCPFiltering", "EnableUDPFiltering", "EnableWINS", "GatewayCostMetric", "Gateways", "IPAddressList",
			"IPProtocolFilterList", "Index", "MACAddress", "Name", "SubnetMask", "TCPFilterPortList", "TcpipNetbiosOptions", "UDPFilterPortList", "WINSServerList"}}},
	})
	register(&Class{
		Name: cls("AutoApplyAction"), DefaultRunIn: WinPE, OSDeployment: true,
		CommandLine: "osddriverclient.exe /auto /bestmatch:%%OSDAutoApplyDriverBestMatch%% /unsigned:%%OSDAllowUnsignedDriver%%",
		Props: []Prop{
			pr("BestMatch", "OSDAutoApplyDriverBestMatch", def("true")),
			pr("CategoryList", "OSDAutoApplyDriverCategoryList"),
			pr("UnsignedDriver", "OSDAllowUnsignedDriver", def("false")),
		},
	})
	register(&Class{
		Name: cls("CaptureNetworkSettingsAction"), DefaultRunIn: FullOS,
		CommandLine: "osdnetsettings.exe capture netmembership:%%OSDMigrateNetworkMembership%% adapters:%%OSDMigrateAdapterSettings%%",
		Props: []Prop{
			pr("MigrateAdapterSettings", "OSDMigrateAdapterSettings"),
			pr("MigrateNetworkMembership", "OSDMigrateNetworkMembership"),
		},
	})
	register(&Class{
		Name: cls("CaptureSystemImageAction"), DefaultRunIn: WinPE, OSDeployment: true,
		CommandLine: "osdcapturesystemimage.exe",
		Props: []Prop{
			pr("CaptureDestination", "OSDCaptureDestination"),
			pr("CapturePassword", "OSDCaptureAccountPassword", secret),
			pr("CaptureUsername", "OSDCaptureAccount"),
			pr("ImageCreator", "OSDImageCreator"),
			pr("ImageDescription", "OSDImageDescription"),
			pr("ImageVersion", "OSDImageVersion"),
		},
	})
	register(&Class{
		Name: cls("CaptureUserStateAction"), DefaultRunIn: FullOS,
		CommandLine: "osdmigrateuserstate.exe /collect /continueOnError:%%OSDMigrateContinueOnLockedFiles%% /skipefs:%%OSDMigrateSkipEncryptedFiles%%",
		Props: []Prop{
			pr("ConfigFiles", "OSDMigrateConfigFiles"),
			pr("ContinueOnLockedFiles", "OSDMigrateContinueOnLockedFiles"),
			pr("EnableVerboseLogging", "OSDMigrateEnableVerboseLogging"),
			pr("FileAccess", "OSDMigrateFileAccess"),
			pr("Mode", "OSDMigrateMode"),
			pr("OfflineUserState", "_OSDMigrateOfflineUserState"),
			pr("SkipEncryptedFiles", "OSDMigrateSkipEncryptedFiles"),
			pr("UseHardlinks", "_OSDMigrateUseHardlinks"),
			pr("UsmtPackageID", "_OSDMigrateUsmtPackageID", ref(object.Content)),
		},
	})
	register(&Class{
		Name: cls("CaptureWindowsSettingsAction"), DefaultRunIn: FullOS,
		CommandLine: "osdwinsettings.exe /capture /name:%%OSDMigrateComputerName%% /reginfo:%%OSDMigrateRegistrationInfo%% /timezone:%%OSDMigrateTimeZone%%",
		Props: []Prop{
			pr("MigrateComputerName", "OSDMigrateComputerName", def("true")),
			pr("MigrateRegistrationInfo", "OSDMigrateRegistrationInfo", def("true")),
			pr("MigrateTimeZone", "OSDMigrateTimeZone", def("true")),
		},
	})
	register(&Class{
		Name: cls("ConnectNetworkFolderAction"), DefaultRunIn: WinPEandFullOS,
		CommandLine: "smsnetuse.exe %%SMSConnectNetworkFolderPath%%",
		Props: []Prop{
			pr("DriveLetter", "SMSConnectNetworkFolderDriveLetter"),
			pr("Password", "SMSConnectNetworkFolderPassword", secret),
			pr("Path", "SMSConnectNetworkFolderPath"),
			pr("Username", "SMSConnectNetworkFolderAccount"),
		},
	})
	register(&Class{
		Name: cls("ConvertDiskAction"), DefaultRunIn: WinPEandFullOS, HighImpact: true,
		CommandLine: "osddiskpart.exe convert %%OSDConvertDiskIndex%%",
		Props:       []Prop{pr("DiskIndex", "OSDConvertDiskIndex")},
	})
	register(&Class{
		Name: cls("DisableBitLockerAction"), DefaultRunIn: FullOS,
		CommandLine: "OSDBitLocker.exe /disable <?1:/drive:%1>",
		Props: []Prop{
			pr("RebootCount", "OSDBitLockerRebootCount", def("1")),
			pr("TargetDrive", "OSDBitLockerTargetDrive", arg(1)),
		},
	})
	register(&Class{
		Name: cls("DownloadPackageContentAction"), DefaultRunIn: WinPEandFullOS,
		CommandLine: "OsdDownloadContent.exe ",
		Props: []Prop{
			pr("ContinueDownloadOnError", "OSDDownloadContinueDownloadOnError", def("true")),
			pr("DestinationCustomPath", "OSDDownloadDestinationPath"),
			pr("DestinationLocationType", "OSDDownloadDestinationLocationType"),
			pr("DestinationVariable", "OSDDownloadDestinationVariable"),
			pr("DownloadPackages", "OSDDownloadDownloadPackages", refList(object.Content)),
			pr("NumPackages", "OSDPackageCount", derived),
			pr("PackageInfo", "OSDPackage", hidden, derived),
		},
		Arrays: []Array{{Name: "PackageInfo", Var: "OSDPackage", Fields: []string{"Name", "PackageId", "PkgType", "Size"}, Derived: true}},
	})
	register(&Class{
		Name: cls("EnableBitLockerAction"), DefaultRunIn: FullOS,
		CommandLine: "OSDBitLocker.exe /enable <?1:/drive:%1> /wait:%2 /mode:%3<?4: /key:%4> /pwd:%5 /full:%6<?7: /crypt:%7><?8: /ignoretpm:%8>",
		Props: []Prop{
			pr("CreateRecoveryPassword", "OSDBitLockerCreateRecoveryPassword", hidden, arg(5)),
			pr("EncryptFullDisk", "OSDBitLockerEncryptFullDisk", hidden, arg(6)),
			pr("EncryptMethod", "OSDBitLockerEncryptMethod", hidden, arg(7)),
			pr("Mode", "OSDBitLockerMode", hidden, arg(3)),
			pr("PIN", "OSDBitLockerPIN", secret),
			pr("SkipWhenNoValidTPM", "OSDBitLockerSkipWhenNoValidTPM", hidden, arg(8)),
			pr("StartupKeyDrive", "OSDBitLockerStartupKeyDrive", arg(4)),
			pr("TargetDrive", "OSDBitLockerTargetDrive", arg(1)),
			pr("WaitForEncryption", "OSDBitLockerWaitForEncryption", hidden, arg(2)),
		},
	})
	register(&Class{
		Name: cls("InstallDeployToolsAction"), DefaultRunIn: FullOS,
		CommandLine: "osdprepareos.exe /install:%1",
		Props:       []Prop{pr("SysprepPackageID", "SysprepPackageID", hidden, arg(1), ref(object.Content))},
	})
	register(&Class{
		Name: cls("InstallUpdateAction"), DefaultRunIn: FullOS,
		CommandLine:    "TSInstallSWUpdate.exe /target:%%SMSInstallUpdateTarget%%",
		RetryCountProp: "RetryCount",
		Props: []Prop{
			pr("RetryCount", "RetryCount", hidden, def("2")),
			pr("Target", "SMSInstallUpdateTarget"),
			pr("UseCache", "SMSTSSoftwareUpdateScanUseCache", def("true")),
		},
	})
	register(&Class{
		Name: cls("OfflineEnableBitLockerAction"), DefaultRunIn: WinPE,
		CommandLine: "OSDOfflineBitlocker.exe /enable <?1:/target:%1,%2><?3:/target:%3><?4:/target:%%%4%%> /ignoretpm:%5 /full:%6",
		Props: []Prop{
			pr("DestinationDisk", "OSDBitLockerDestinationDisk", arg(1)),
			pr("DestinationLogicalDrive", "OSDBitLockerDestinationLogicalDrive", arg(3)),
			pr("DestinationPartition", "OSDBitLockerDestinationPartition", arg(2)),
			pr("DestinationVariable", "OSDBitLockerDestinationVariable", hidden, arg(4)), // hidden: as real exports store it
			pr("EncryptFullDisk", "OSDBitLockerEncryptFullDisk", hidden, arg(6)),
			pr("EncryptMethod", "OSDBitLockerEncryptMethod", hidden),
			pr("SkipWhenTPMInvalid", "OSDBitLockerSkipWhenTPMInvalid", hidden, arg(5)),
		},
	})
	register(&Class{
		Name: cls("PrepareOSAction"), DefaultRunIn: FullOS,
		CommandLine: "osdprepareos.exe /activate:%%OSDKeepActivation%% /bmsd:%%OSDBuildStorageDriverList%% /shutdown:%%OSDShutdownPreparedOs%%",
		Props: []Prop{
			pr("BuildStorageDriverList", "OSDBuildStorageDriverList", def("false")),
			pr("KeepActivation", "OSDKeepActivation", def("false")),
			pr("ShutdownPreparedOs", "OSDShutdownPreparedOs"),
		},
	})
	register(&Class{Name: cls("PrepareSMSClientAction"), DefaultRunIn: FullOS, CommandLine: "osdpreparesmsclient.exe"})
	prestart := []Prop{
		pr("CMClientMinVersion", "OSDCMClientMinVersion"),
		pr("CheckCMClientMinVersion", "OSDCheckCMClientMinVersion"),
		pr("CheckDeviceUEFI", "OSDCheckDeviceUEFI"),
		pr("CheckFreeDiskSpace", "OSDCheckFreeDiskSpace", def("true")),
		pr("CheckMaxOSVersion", "OSDCheckMaxOsVersion"),
		pr("CheckMemory", "OSDCheckMemory", def("true")),
		pr("CheckMinOSVersion", "OSDCheckMinOSVersion"),
		pr("CheckNetworkConnected", "OSDCheckNetworkConnected"),
		pr("CheckNetworkWired", "OSDCheckNetworkWired"),
		pr("CheckOSArchitecture", "OSDCheckOSArchitecture"),
		pr("CheckOSLanguageID", "OSDCheckOSLanguageID"),
		pr("CheckOSType", "OSDCheckOSType", def("true")),
		pr("CheckPowerState", "OSDCheckPowerState"),
		pr("CheckProcessorSpeed", "OSDCheckProcessorSpeed", def("true")),
		pr("CheckTpmActivated", "OSDCheckDeviceTpmActivated"),
		pr("CheckTpmEnabled", "OSDCheckDeviceTpmEnabled"),
		pr("FreeDiskSpace", "OSDFreeDiskSpace", def("25000")),
		pr("MaxOSVersion", "OSDMaxOSVersion"),
		pr("Memory", "OSDMemory", def("512")),
		pr("MinOSVersion", "OSDMinOSVersion"),
		pr("OSArchitecture", "OSDOSArchitecture"),
		pr("OSLanguageID", "OSDOSLanguageID"),
		pr("OSType", "OSDOSType", def("CLIENT")),
		pr("ProcessorSpeed", "OSDProcessorSpeed", def("800")),
	}
	register(&Class{Name: cls("PrestartCheckAction"), DefaultRunIn: FullOS, CommandLine: "OSDPrestartCheck.exe ", Props: prestart})
	register(&Class{Name: cls("ReleaseStateStoreAction"), DefaultRunIn: FullOS, CommandLine: "osdsmpclient.exe /release"})
	register(&Class{
		Name: cls("RequestStateStoreAction"), DefaultRunIn: FullOS,
		CommandLine: "osdsmpclient.exe /%1",
		Props: []Prop{
			pr("FallbackToNAA", "OSDStateFallbackToNAA", def("false")),
			pr("RequestType", "OSDStateRequestType", hidden, arg(1)),
			pr("SMPRetryCount", "OSDStateSMPRetryCount", hidden, global, def("3")),
			pr("SMPRetryTime", "OSDStateSMPRetryTime", hidden, global, def("10")),
		},
	})
	register(&Class{
		Name: cls("RestoreUserStateAction"), DefaultRunIn: FullOS,
		CommandLine: "osdmigrateuserstate.exe /apply /continueOnError:%%OSDMigrateContinueOnRestore%%",
		Props: []Prop{
			pr("ConfigFiles", "OSDMigrateConfigFiles"),
			pr("ContinueOnRestore", "OSDMigrateContinueOnRestore"),
			pr("EnableVerboseLogging", "OSDMigrateEnableVerboseLogging"),
			pr("LocalAccountPassword", "OSDMigrateLocalAccountPassword", secret),
			pr("LocalAccounts", "OSDMigrateLocalAccounts"),
			pr("Mode", "OSDMigrateMode"),
			pr("UsmtRestorePackageID", "_OSDMigrateUsmtRestorePackageID", ref(object.Content)),
		},
	})
	register(&Class{
		Name: cls("SetDynamicVariablesAction"), DefaultRunIn: WinPEandFullOS,
		CommandLine: "OSDSetDynamicVariables.exe",
		Props:       []Prop{pr("Rules", "OSDSetDynamicVariablesRules", func(p *Prop) { p.SecretsInside = true })},
	})
	register(&Class{
		Name: cls("UpgradeOperatingSystemAction"), DefaultRunIn: FullOS, HighImpact: true, OSDeployment: true,
		CommandLine: "OSDUpgradeOS.exe ",
		Props: []Prop{
			pr("DriverPackageID", "OSDUpgradeDriverPackageID", ref(object.Content)),
			pr("DynamicUpdateSettings", "OSDUpgradeDynamicUpdateSettings"),
			pr("FeatureUpdateAssignmentId", "OSDFeatureUpdateAssignmentID"),
			pr("FeatureUpdateName", "OSDUpgradeFeatureUpdateName"),
			pr("IgnoreMessages", "OSDUpgradeIgnoreMessages"),
			pr("InstallEditionIndex", "OSDUpgradeInstallEditionIndex"),
			pr("InstallPackageID", "OSDUpgradeInstallPackageID", ref(object.Content)),
			pr("InstallPath", "OSDUpgradeInstallPath"),
			pr("OsProductKey", "OSDUpgradeOsProductKey", secret),
			pr("PreserveSettings", "OSDUpgradePreserveSettings"),
			pr("ScanOnly", "OSDUpgradeScanOnly"),
			pr("SetupTimeout", "OSDUpgradeSetupTimeout"),
			pr("StagedContent", "OSDUpgradeStagedContent"),
		},
	})
}
