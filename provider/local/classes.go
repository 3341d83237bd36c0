package local

import (
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// packageType is the PackageType the objects of a class carry; ok is
// false for a class that holds no kind of package (programs,
// applications, deployments…).
func packageType(class string) (t int64, ok bool) {
	k, ok := object.OfClass(class)
	if !ok {
		return 0, false
	}
	n, ok := k.PackageType()
	return int64(n), ok
}

// keysOf lists a class's key properties in path order.
func keysOf(class string) []string { return object.KeyOf(class) }

// lazy lists the lazy properties per class: omitted by Query, returned by
// Get, as Microsoft's class pages qualify them.
var lazy = map[string][]string{
	object.ClassTaskSequencePackage: {"Sequence", "References", "BootImageID", "Category", "Type", "TaskSequenceFlags", "CustomProgressMsg", "DependentProgram", "SupportedOperatingSystems", "Reserved"},
	object.ClassProgram:             {"SupportedOperatingSystems"},
	object.ClassAdvertisement: {"AssignedSchedule", "AssignedScheduleEnabled", "AssignedScheduleIsGMT", "ExpirationTimeEnabled",
		"ExpirationTimeIsGMT", "PresentTimeEnabled", "PresentTimeIsGMT", "ISVData", "ISVDataSize"},
	object.ClassContainerNode: {"SearchString"},
	object.ClassCollection:    {"CollectionRules"},
}

// readOnly lists properties a Put may not change (kept as stored).
var readOnly = map[string][]string{
	object.ClassTaskSequencePackage: {"Sequence", "References", "ReferencesCount", "Type", "TaskSequenceFlags", "SedoObjectVersion", "SourceSite", "PackageType", "LastRefreshTime"},
	object.ClassAdvertisement:       {"AssignmentID", "SourceSite", "TimeFlags", "ActionInProgress"},
	object.ClassContainerNode:       {"FolderGuid", "IsEmpty", "SourceSite"},
	object.ClassContainerItem:       {"MemberGuid", "SourceSite"},
}

// immutable lists properties that are set when an object is created and
// refused afterwards: "Your application cannot update these properties
// after a class instance is created. To change these values, the
// application must delete the instance and create a new instance"
// (SMS_Advertisement; SMS_Program's PackageID likewise).
var immutable = map[string][]string{
	object.ClassAdvertisement: {"AdvertisementName", "CollectionID", "PackageID", "ProgramName"},
	object.ClassContainerNode: {"ObjectType"},
}

// storedClasses are the classes whose objects the site stores, besides
// every kind's: a Put or Delete may name them.
var storedClasses = map[string]bool{
	object.ClassProgram:            true,
	object.ClassContainerItem:      true,
	object.ClassDistributionPoint:  true,
	object.ClassDPGroupMembers:     true,
	object.ClassDPGroupPackages:    true,
	object.ClassDistributionStatus: true,
	object.ClassSystemResource:     true,
	object.ClassSiteDefinition:     true,
	classStatusMessage:             true,
}

// written are the classes a Put may write: what tsctl writes, and what an
// administrator changes through the SMS Provider (every kind's objects
// but those the site itself maintains: collections, distribution points
// and their groups are made by the site's own tools, which this site does
// not model).
func written(class string) bool {
	switch class {
	case object.ClassProgram, object.ClassContainerItem, object.ClassDistributionPoint:
		return true
	case object.ClassCollection, object.ClassDistributionPointInfo, object.ClassDistributionPointGroup:
		return false
	}
	_, ok := object.OfClass(class)
	return ok
}

// known reports whether the site stores objects of class: every kind's,
// and those of the classes in storedClasses.
func known(class string) bool {
	_, ok := object.OfClass(class)
	return ok || storedClasses[class] || class == object.ClassCollectionMember
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
