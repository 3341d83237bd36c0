package object

import "fmt"

// Kind is a kind of site object: one tsctl manages (a package, OS image,
// OS upgrade package, driver package or task sequence) or one it only
// references (a boot image, an application). Its String is the name
// configurations, plans and addresses use ("osImage"); Describe is the name
// messages use ("OS image"). The zero Kind is None.
type Kind uint8

const (
	None             Kind = iota // no kind: a property that references nothing
	Package                      // SMS_Package, with its SMS_Program programs
	OSImage                      // SMS_ImagePackage
	OSUpgradePackage             // SMS_OperatingSystemInstallPackage
	DriverPackage                // SMS_DriverPackage
	BootImage                    // SMS_BootImagePackage
	Application                  // SMS_ApplicationLatest
	Sequence                     // SMS_TaskSequencePackage
	// Content is no kind of object but what a reference to content names:
	// any object a step can download (ContentKinds).
	Content
	numKinds
)

// The SMS Provider classes of the kinds, as constants for switches and
// tests; Kind.Class maps a kind to its class.
const (
	ClassPackage             = "SMS_Package"
	ClassImagePackage        = "SMS_ImagePackage"
	ClassOSInstallPackage    = "SMS_OperatingSystemInstallPackage"
	ClassDriverPackage       = "SMS_DriverPackage"
	ClassBootImagePackage    = "SMS_BootImagePackage"
	ClassApplication         = "SMS_ApplicationLatest"
	ClassTaskSequencePackage = "SMS_TaskSequencePackage"
	// ClassProgram holds the programs of a package: part of a Package,
	// not a kind of its own, keyed by PackageID and ProgramName.
	ClassProgram = "SMS_Program"
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
}

var table = [numKinds]info{
	None:             {name: "", display: "", packageType: -1},
	Package:          {"package", "package", ClassPackage, 0, Managed, true, packageKey, "Name"},
	OSImage:          {"osImage", "OS image", ClassImagePackage, 257, Managed, true, packageKey, "Name"},
	OSUpgradePackage: {"osUpgradePackage", "OS upgrade package", ClassOSInstallPackage, 259, Managed, true, packageKey, "Name"},
	DriverPackage:    {"driverPackage", "driver package", ClassDriverPackage, 3, Managed, true, packageKey, "Name"},
	BootImage:        {"bootImage", "boot image", ClassBootImagePackage, 258, Referenced, true, packageKey, "Name"},
	Application:      {"application", "application", ClassApplication, -1, Referenced, false, []string{"CI_ID"}, "LocalizedDisplayName"},
	Sequence:         {"sequence", "sequence", ClassTaskSequencePackage, 4, Managed, false, packageKey, "Name"},
	Content: {name: "content", display: "package, driver package, OS image, OS upgrade package or boot image",
		packageType: -1},
}

var packageKey = []string{"PackageID"}

// All lists every kind of object, in the order a plan reads their classes.
var All = []Kind{Sequence, Package, OSImage, OSUpgradePackage, DriverPackage, BootImage, Application}

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

// ReadClasses lists the classes a plan reads, one query each, in order:
// every kind's, with the packages' programs after the package classes.
func ReadClasses() []string {
	var out []string
	for _, k := range All {
		if k == Application {
			out = append(out, ClassProgram)
		}
		out = append(out, k.Class())
	}
	return out
}

// KeyOf lists the key properties of a class, in path order: a kind's
// key, or the program's (PackageID, ProgramName); PackageID for any other
// class.
func KeyOf(class string) []string {
	if class == ClassProgram {
		return []string{"PackageID", "ProgramName"}
	}
	if k, ok := OfClass(class); ok {
		return k.Key()
	}
	return packageKey
}
