package object

import (
	"fmt"
	"sort"
)

// Kind is a kind of site object: one tsctl manages (a package, OS image,
// OS upgrade package, driver package, task sequence, deployment or console
// folder) or one it only references (a boot image, an application, a
// collection, a distribution point or a distribution point group). Its
// String is the name configurations, plans and addresses use ("osImage");
// Describe is the name messages use ("OS image"). The zero Kind is None.
type Kind uint8

const (
	None                   Kind = iota // no kind: a property that references nothing
	Package                            // SMS_Package, with its SMS_Program programs
	OSImage                            // SMS_ImagePackage
	OSUpgradePackage                   // SMS_OperatingSystemInstallPackage
	DriverPackage                      // SMS_DriverPackage
	BootImage                          // SMS_BootImagePackage
	Application                        // SMS_ApplicationLatest
	Sequence                           // SMS_TaskSequencePackage
	Deployment                         // SMS_Advertisement of a task sequence
	Collection                         // SMS_Collection
	Folder                             // SMS_ObjectContainerNode: a console folder
	DistributionPointGroup             // SMS_DistributionPointGroup
	DistributionPoint                  // SMS_DistributionPointInfo
	// Content is no kind of object but what a reference to content names:
	// any object a step can download (ContentKinds).
	Content
	numKinds
)

// The SMS Provider classes of the kinds, as constants for switches and
// tests; Kind.Class maps a kind to its class.
const (
	ClassPackage                = "SMS_Package"
	ClassImagePackage           = "SMS_ImagePackage"
	ClassOSInstallPackage       = "SMS_OperatingSystemInstallPackage"
	ClassDriverPackage          = "SMS_DriverPackage"
	ClassBootImagePackage       = "SMS_BootImagePackage"
	ClassApplication            = "SMS_ApplicationLatest"
	ClassTaskSequencePackage    = "SMS_TaskSequencePackage"
	ClassAdvertisement          = "SMS_Advertisement"
	ClassCollection             = "SMS_Collection"
	ClassContainerNode          = "SMS_ObjectContainerNode"
	ClassDistributionPointGroup = "SMS_DistributionPointGroup"
	ClassDistributionPointInfo  = "SMS_DistributionPointInfo"
	// ClassProgram holds the programs of a package: part of a Package,
	// not a kind of its own, keyed by PackageID and ProgramName.
	ClassProgram = "SMS_Program"
)

// Classes that belong to no kind but describe how objects of the kinds
// relate: what folder an object is in, which distribution points hold a
// package's content and in what state, who is in a collection, which
// servers hold site system roles, and the site's own settings.
const (
	// ClassContainerItem puts an object (InstanceKey, ObjectType) in a
	// folder (ContainerNodeID); objects at the root have none.
	ClassContainerItem = "SMS_ObjectContainerItem"
	// ClassDistributionPoint is one package's content on one distribution
	// point (PackageID, ServerNALPath, SiteCode).
	ClassDistributionPoint = "SMS_DistributionPoint"
	// ClassDPGroupMembers are the distribution points of a group.
	ClassDPGroupMembers = "SMS_DPGroupMembers"
	// ClassDPGroupPackages are the packages assigned to a group.
	ClassDPGroupPackages = "SMS_DPGroupPackages"
	// ClassDistributionStatus is the state of a package's content on a
	// distribution point.
	ClassDistributionStatus = "SMS_PackageStatusDistPointsSummarizer"
	// ClassCollectionMember is one resource in a collection.
	ClassCollectionMember = "SMS_FullCollectionMembership"
	// ClassSystemResource is one site system role on a server.
	ClassSystemResource = "SMS_SystemResourceList"
	// ClassSiteDefinition holds a site's settings (Props), among them the
	// deployment verification thresholds.
	ClassSiteDefinition = "SMS_SCI_SiteDefinition"
	// ClassStatusMessage is a status message a site recorded.
	ClassStatusMessage = "SMS_StatusMessage"
)

// Ownership says what tsctl does with the objects of a kind.
type Ownership uint8

const (
	// Referenced objects are read and referenced by name, never written:
	// they are made elsewhere (boot images, applications).
	Referenced Ownership = iota
	// Managed objects are declared in a configuration: tsctl creates,
	// updates, marks as its own (ISVString) and deletes them.
	Managed
)

func (o Ownership) String() string { return [...]string{"referenced", "managed"}[o] }

// info is everything tsctl knows about a kind.
type info struct {
	name        string    // in configurations, plans and addresses
	display     string    // in messages
	class       string    // the SMS Provider class its objects live in
	packageType int       // SMS_PackageBaseclass.PackageType; -1 for none
	owner       Ownership // what tsctl does with its objects
	content     bool      // a step can download it
	key         []string  // the key properties of its class, in path order
	nameProp    string    // the property holding its name
	// folderType is the SMS_ObjectContainerNode.ObjectType of the
	// console folders that hold the kind's objects; 0 when tsctl files
	// none of them in folders.
	folderType int
	// markProp holds tsctl's ownership mark on the objects it creates
	// ("" for kinds it never creates); markLazy says a query leaves it
	// out, so that only a Get reads it.
	markProp string
	markLazy bool
	// onDemand kinds are read by a plan only when the configuration
	// needs them (its deployments and their collections, its folders,
	// its distributions' targets) or it deletes, not with every plan
	// (ReadClasses): a configuration of packages and sequences alone
	// reads what it always has.
	onDemand bool
}

var table = [numKinds]info{
	None:             {name: "", display: "", packageType: -1},
	Package:          {name: "package", display: "package", class: ClassPackage, packageType: 0, owner: Managed, content: true, key: packageKey, nameProp: "Name", folderType: 2, markProp: "ISVString"},
	OSImage:          {name: "osImage", display: "OS image", class: ClassImagePackage, packageType: 257, owner: Managed, content: true, key: packageKey, nameProp: "Name", folderType: 18, markProp: "ISVString"},
	OSUpgradePackage: {name: "osUpgradePackage", display: "OS upgrade package", class: ClassOSInstallPackage, packageType: 259, owner: Managed, content: true, key: packageKey, nameProp: "Name", folderType: 14, markProp: "ISVString"},
	DriverPackage:    {name: "driverPackage", display: "driver package", class: ClassDriverPackage, packageType: 3, owner: Managed, content: true, key: packageKey, nameProp: "Name", folderType: 23, markProp: "ISVString"},
	BootImage:        {name: "bootImage", display: "boot image", class: ClassBootImagePackage, packageType: 258, owner: Referenced, content: true, key: packageKey, nameProp: "Name", folderType: 19},
	Application:      {name: "application", display: "application", class: ClassApplication, packageType: -1, owner: Referenced, key: []string{"CI_ID"}, nameProp: "LocalizedDisplayName"},
	Sequence:         {name: "sequence", display: "sequence", class: ClassTaskSequencePackage, packageType: 4, owner: Managed, key: packageKey, nameProp: "Name", folderType: 20, markProp: "ISVString"},
	Deployment: {name: "deployment", display: "deployment", class: ClassAdvertisement, packageType: -1, owner: Managed,
		key: []string{"AdvertisementID"}, nameProp: "AdvertisementName", markProp: "ISVString", onDemand: true},
	Collection: {name: "collection", display: "collection", class: ClassCollection, packageType: -1, owner: Referenced,
		key: []string{"CollectionID"}, nameProp: "Name", onDemand: true},
	// A folder's mark is its SearchString, which the console reads only
	// for search folders (SearchFolder true); tsctl's folders are not.
	Folder: {name: "folder", display: "folder", class: ClassContainerNode, packageType: -1, owner: Managed,
		key: []string{"ContainerNodeID"}, nameProp: "Name", markProp: "SearchString", markLazy: true, onDemand: true},
	DistributionPointGroup: {name: "distributionPointGroup", display: "distribution point group", class: ClassDistributionPointGroup,
		packageType: -1, owner: Referenced, key: []string{"GroupID"}, nameProp: "Name", onDemand: true},
	DistributionPoint: {name: "distributionPoint", display: "distribution point", class: ClassDistributionPointInfo,
		packageType: -1, owner: Referenced, key: []string{"NALPath"}, nameProp: "ServerName", onDemand: true},
	Content: {name: "content", display: "package, driver package, OS image, OS upgrade package or boot image",
		packageType: -1},
}

var packageKey = []string{"PackageID"}

// All lists every kind of object: first those a plan always reads, in
// the order it reads their classes, then those it reads on demand.
var All = []Kind{Sequence, Package, OSImage, OSUpgradePackage, DriverPackage, BootImage, Application, Deployment, Folder,
	Collection, DistributionPointGroup, DistributionPoint}

// Packages lists the kinds a configuration declares under packages:, by
// their type:, in the order messages list them.
var Packages = []Kind{Package, OSImage, OSUpgradePackage, DriverPackage}

// ContentKinds are the kinds a Content reference may name, in the order
// their classes are searched.
var ContentKinds = []Kind{Package, DriverPackage, OSImage, OSUpgradePackage, BootImage}

// String is the kind's name in configurations, plans and addresses.
func (k Kind) String() string {
	if k >= numKinds {
		return fmt.Sprintf("Kind(%d)", uint8(k))
	}
	return table[k].name
}

// Describe names the kind for messages: "driver package".
func (k Kind) Describe() string {
	if k >= numKinds {
		return k.String()
	}
	return table[k].display
}

// Class is the SMS Provider class the kind's objects live in ("" for None
// and Content).
func (k Kind) Class() string {
	if k >= numKinds {
		return ""
	}
	return table[k].class
}

// PackageType is the SMS_PackageBaseclass.PackageType of the kind's
// objects (as ReferencesInfo and PackageInfo carry it); ok is false for a
// kind that is no package class.
func (k Kind) PackageType() (t int, ok bool) {
	if k >= numKinds || table[k].packageType < 0 {
		return 0, false
	}
	return table[k].packageType, true
}

// Ownership says whether tsctl manages the kind's objects or only
// references them.
func (k Kind) Ownership() Ownership {
	if k >= numKinds {
		return Referenced
	}
	return table[k].owner
}

// Managed reports whether a configuration declares objects of the kind,
// which tsctl creates, updates, marks as its own and deletes.
func (k Kind) Managed() bool { return k.Ownership() == Managed }

// IsPackage reports whether the kind's objects are packages of some
// type (SMS_PackageBaseclass: a PackageID, a PackageType, content).
func (k Kind) IsPackage() bool { _, ok := k.PackageType(); return ok }

// FolderType is the SMS_ObjectContainerNode.ObjectType of the console
// folders that hold the kind's objects; ok is false for a kind tsctl
// files in no folder.
func (k Kind) FolderType() (t int, ok bool) {
	if k >= numKinds || table[k].folderType == 0 {
		return 0, false
	}
	return table[k].folderType, true
}

// OfFolderType returns the kind whose objects folders of ObjectType t
// hold.
func OfFolderType(t int) (Kind, bool) {
	for _, k := range All {
		if table[k].folderType == t && t != 0 {
			return k, true
		}
	}
	return None, false
}

// MarkProp is the property that carries tsctl's ownership mark on the
// objects of the kind it creates ("" for a kind it does not create);
// lazy says a query leaves it out, so that only a Get reads it.
func (k Kind) MarkProp() (prop string, lazy bool) {
	if k >= numKinds {
		return "", false
	}
	return table[k].markProp, table[k].markLazy
}

// OnDemand reports whether a plan reads the kind's objects only when the
// configuration needs them, rather than with every plan (ReadClasses).
func (k Kind) OnDemand() bool { return k < numKinds && table[k].onDemand }

// HasContent reports whether a step can download the kind's objects.
func (k Kind) HasContent() bool { return k < numKinds && table[k].content }

// Key lists the key properties of the kind's class, in path order.
func (k Kind) Key() []string {
	if k >= numKinds {
		return nil
	}
	return table[k].key
}

// NameProp is the property that holds the name of the kind's objects.
func (k Kind) NameProp() string {
	if k >= numKinds {
		return ""
	}
	return table[k].nameProp
}

// Accepts reports whether an object of kind got answers a reference of
// kind k: the same kind, or any kind with content for Content.
func (k Kind) Accepts(got Kind) bool {
	return k == got || (k == Content && got.HasContent())
}

// MarshalText renders the kind as its name.
func (k Kind) MarshalText() ([]byte, error) {
	if k == None || k >= numKinds {
		return nil, fmt.Errorf("no object kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText parses a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	got, ok := Parse(string(b))
	if !ok {
		return fmt.Errorf("unknown object kind %q", b)
	}
	*k = got
	return nil
}

// Parse returns the kind named name ("osImage").
func Parse(name string) (Kind, bool) {
	for k := None + 1; k < numKinds; k++ {
		if table[k].name == name {
			return k, true
		}
	}
	return None, false
}

// OfClass returns the kind whose objects live in class.
func OfClass(class string) (Kind, bool) {
	for _, k := range All {
		if table[k].class == class {
			return k, true
		}
	}
	return None, false
}

// OfPackageType returns the kind of a PackageType value.
func OfPackageType(t int) (Kind, bool) {
	for _, k := range All {
		if table[k].packageType == t {
			return k, true
		}
	}
	return None, false
}

// ReadClasses lists the classes every plan reads, one query each, in
// order: every kind's but those read on demand, with the packages'
// programs after the package classes.
func ReadClasses() []string {
	var out []string
	for _, k := range All {
		if k.OnDemand() {
			continue
		}
		if k == Application {
			out = append(out, ClassProgram)
		}
		out = append(out, k.Class())
	}
	return out
}

// keys are the key properties of the classes that belong to no kind, in
// path order, as Microsoft's class pages and a real site's $metadata
// declare them.
var keys = map[string][]string{
	ClassProgram:            {"PackageID", "ProgramName"},
	ClassContainerItem:      {"MemberID"},
	ClassDistributionPoint:  {"PackageID", "ServerNALPath", "SiteCode"},
	ClassDPGroupMembers:     {"DPNALPath", "GroupID"},
	ClassDPGroupPackages:    {"GroupID", "PkgID"},
	ClassDistributionStatus: {"PackageID", "ServerNALPath", "SiteCode"},
	ClassCollectionMember:   {"CollectionID", "ResourceID"},
	ClassSystemResource:     {"NALPath", "ResourceType", "RoleName", "SiteCode"},
	ClassSiteDefinition:     {"FileType", "ItemName", "ItemType", "SiteCode"},
	ClassStatusMessage:      {"RecordID"},
}

// KeyOf lists the key properties of a class, in path order: a kind's
// key, or that of a class that belongs to no kind (KeyClasses);
// PackageID for any other class.
func KeyOf(class string) []string {
	if k, ok := keys[class]; ok {
		return k
	}
	if k, ok := OfClass(class); ok {
		return k.Key()
	}
	return packageKey
}

// KeyClasses lists the classes that belong to no kind but whose objects
// tsctl reads or writes (programs, folder items, content on distribution
// points…), sorted.
func KeyClasses() []string {
	out := make([]string, 0, len(keys))
	for c := range keys {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
