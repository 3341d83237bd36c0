package object

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every kind reads back from its name, its class and (for package
// classes) its PackageType, and its name is what plans and configurations
// have always written.
func TestKindsRoundTrip(t *testing.T) {
	want := map[Kind]string{Package: "package", OSImage: "osImage", OSUpgradePackage: "osUpgradePackage",
		DriverPackage: "driverPackage", BootImage: "bootImage", Application: "application", Sequence: "sequence",
		Deployment: "deployment", Collection: "collection", Folder: "folder", DistributionPointGroup: "distributionPointGroup",
		DistributionPoint: "distributionPoint"}
	for _, k := range All {
		if k.String() != want[k] {
			t.Errorf("kind %d is named %q, want %q", k, k, want[k])
		}
		if got, ok := Parse(k.String()); !ok || got != k {
			t.Errorf("Parse(%q) = %v, %v", k, got, ok)
		}
		if got, ok := OfClass(k.Class()); !ok || got != k {
			t.Errorf("OfClass(%q) = %v, %v", k.Class(), got, ok)
		}
		if n, ok := k.PackageType(); ok {
			if got, ok := OfPackageType(n); !ok || got != k {
				t.Errorf("OfPackageType(%d) = %v, %v, want %v", n, got, ok, k)
			}
		}
		b, err := json.Marshal(struct{ K Kind }{k})
		if err != nil || string(b) != `{"K":"`+want[k]+`"}` {
			t.Errorf("JSON of %v: %s, %v", k, b, err)
		}
		var back struct{ K Kind }
		if err := json.Unmarshal(b, &back); err != nil || back.K != k {
			t.Errorf("JSON %s read back as %v, %v", b, back.K, err)
		}
	}
	if len(want) != len(All) {
		t.Errorf("All lists %d kinds, want %d", len(All), len(want))
	}
	if _, err := json.Marshal(struct{ K Kind }{None}); err == nil {
		t.Error("the zero kind marshals")
	}
	if _, ok := Parse("content"); !ok {
		t.Error("content references do not parse")
	}
	if _, ok := Parse("advertisement"); ok {
		t.Error("an unknown kind parses")
	}
}

// PackageType numbers are Microsoft's (SMS_PackageBaseclass.PackageType).
func TestPackageTypes(t *testing.T) {
	for k, n := range map[Kind]int{Package: 0, DriverPackage: 3, Sequence: 4, OSImage: 257, BootImage: 258, OSUpgradePackage: 259} {
		if got, ok := k.PackageType(); !ok || got != n {
			t.Errorf("%v: PackageType %d, %v, want %d", k, got, ok, n)
		}
	}
	if _, ok := Application.PackageType(); ok {
		t.Error("applications have a PackageType")
	}
}

// What a content reference accepts, and who owns what.
func TestContentAndOwnership(t *testing.T) {
	for _, k := range All {
		if Content.Accepts(k) != (k.IsPackage() && k != Sequence) {
			t.Errorf("Content.Accepts(%v) = %v", k, Content.Accepts(k))
		}
		if !k.Accepts(k) {
			t.Errorf("%v does not accept itself", k)
		}
		managed := k != BootImage && k != Application && k != Collection && k != DistributionPointGroup && k != DistributionPoint
		if k.Managed() != managed {
			t.Errorf("%v managed = %v", k, k.Managed())
		}
	}
	if Package.Accepts(OSImage) {
		t.Error("a package reference accepts an OS image")
	}
	for _, k := range Packages {
		if !k.Managed() || !k.HasContent() {
			t.Errorf("declarable package kind %v is not managed content", k)
		}
	}
}

// The classes a plan reads: one per kind, programs before applications.
func TestReadClasses(t *testing.T) {
	want := []string{ClassTaskSequencePackage, ClassPackage, ClassImagePackage, ClassOSInstallPackage, ClassDriverPackage,
		ClassBootImagePackage, ClassProgram, ClassApplication}
	got := ReadClasses()
	if len(got) != len(want) {
		t.Fatalf("ReadClasses() = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ReadClasses()[%d] = %s, want %s", i, got[i], want[i])
		}
	}
	if k := KeyOf(ClassProgram); len(k) != 2 || k[1] != "ProgramName" {
		t.Errorf("KeyOf(SMS_Program) = %v", k)
	}
	if k := KeyOf(ClassApplication); len(k) != 1 || k[0] != "CI_ID" {
		t.Errorf("KeyOf(SMS_ApplicationLatest) = %v", k)
	}
}

// The folder object types are those of the SMS_ObjectContainerNode page;
// every kind tsctl creates carries its mark in a property of its class.
func TestFoldersAndMarks(t *testing.T) {
	want := map[Kind]int{Package: 2, OSUpgradePackage: 14, OSImage: 18, BootImage: 19, Sequence: 20, DriverPackage: 23}
	for _, k := range All {
		got, ok := k.FolderType()
		if w, has := want[k]; has != ok || got != w {
			t.Errorf("%v: folder type %d, %v; want %d, %v", k, got, ok, w, has)
		}
		if ok {
			if back, _ := OfFolderType(got); back != k {
				t.Errorf("OfFolderType(%d) = %v, want %v", got, back, k)
			}
		}
		prop, lazy := k.MarkProp()
		if k.Managed() != (prop != "") {
			t.Errorf("%v: managed %v but mark property %q", k, k.Managed(), prop)
		}
		if lazy != (k == Folder) {
			t.Errorf("%v: mark lazy %v", k, lazy)
		}
	}
	if _, ok := OfFolderType(0); ok {
		t.Error("folder type 0 names a kind")
	}
	for class, key := range map[string]string{ClassAdvertisement: "AdvertisementID", ClassContainerNode: "ContainerNodeID",
		ClassContainerItem: "MemberID", ClassCollection: "CollectionID", ClassDistributionPointGroup: "GroupID",
		ClassDistributionPointInfo: "NALPath", ClassDistributionPoint: "PackageID,ServerNALPath,SiteCode",
		ClassDistributionStatus: "PackageID,ServerNALPath,SiteCode", ClassDPGroupMembers: "DPNALPath,GroupID"} {
		if got := strings.Join(KeyOf(class), ","); got != key {
			t.Errorf("KeyOf(%s) = %s, want %s", class, got, key)
		}
	}
}
