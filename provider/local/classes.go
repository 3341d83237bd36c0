package local

import "github.com/tsctl/tsctl/provider"

// Class names the local site stores.
const (
	ClassTaskSequencePackage = "SMS_TaskSequencePackage"
	ClassPackage             = "SMS_Package"
	ClassProgram             = "SMS_Program"
	ClassImagePackage        = "SMS_ImagePackage"
	ClassOSInstallPackage    = "SMS_OperatingSystemInstallPackage"
	ClassDriverPackage       = "SMS_DriverPackage"
	ClassBootImagePackage    = "SMS_BootImagePackage"
	ClassApplication         = "SMS_ApplicationLatest"
)

// PackageClasses are the classes keyed by a site-assigned PackageID.
var PackageClasses = []string{ClassPackage, ClassImagePackage, ClassOSInstallPackage, ClassDriverPackage, ClassBootImagePackage, ClassTaskSequencePackage}

// packageType is the PackageType each package class carries.
var packageType = map[string]int64{
	ClassPackage: 0, ClassDriverPackage: 3, ClassTaskSequencePackage: 4,
	ClassImagePackage: 257, ClassBootImagePackage: 258, ClassOSInstallPackage: 259,
}

// keyProps lists each class's key properties in path order.
var keyProps = map[string][]string{
	ClassProgram:     {"PackageID", "ProgramName"},
	ClassApplication: {"CI_ID"},
}

func keysOf(class string) []string {
	if k, ok := keyProps[class]; ok {
		return k
	}
	return []string{"PackageID"}
}

// lazy lists the lazy properties per class: omitted by Query, returned by Get.
var lazy = map[string][]string{
	ClassTaskSequencePackage: {"Sequence", "References", "BootImageID", "Category", "Type", "TaskSequenceFlags", "CustomProgressMsg", "DependentProgram", "SupportedOperatingSystems", "Reserved"},
}

// readOnly lists properties a Put may not change.
var readOnly = map[string][]string{
	ClassTaskSequencePackage: {"Sequence", "References", "ReferencesCount", "Type", "TaskSequenceFlags", "SedoObjectVersion", "SourceSite", "PackageType", "LastRefreshTime"},
}

func known(class string) bool {
	if _, ok := packageType[class]; ok {
		return true
	}
	return class == ClassProgram || class == ClassApplication
}

func pathOf(in *provider.Instance) (string, bool) {
	var kv []string
	for _, k := range keysOf(in.Class) {
		v := in.String(k)
		if v == "" {
			return "", false
		}
		kv = append(kv, k, v)
	}
	return provider.Path(in.Class, kv...), true
}
