package local

import (
	"strings"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// newSequence saves an empty task sequence and returns its PackageID.
func newSequence(t *testing.T, s *Site, name string) string {
	t.Helper()
	p, err := setSeq(s, newPkg(name), importSeq(t, s, `<sequence version="3.10"/>`))
	if err != nil {
		t.Fatal(err)
	}
	_, keys, _ := provider.ParsePath(p)
	return keys["PackageID"]
}

func collectionNamed(t *testing.T, s *Site, name string) *provider.Instance {
	t.Helper()
	list, err := s.Query(ctx, provider.Query{Class: object.ClassCollection, Where: map[string]string{"Name": name}})
	if err != nil || len(list) != 1 {
		t.Fatalf("collection %q: %v, %v", name, list, err)
	}
	return list[0]
}

// A new site holds what deployments and content need: built-in and
// ordinary collections, two distribution points in a group, the site's
// verification settings, and site systems in the collections that hold
// them.
func TestNewSiteHoldsDeploymentTargets(t *testing.T) {
	s := open(t, Options{})
	all := collectionNamed(t, s, "All Systems")
	if all.String("CollectionID") != "SMS00001" || !all.Bool("IsBuiltIn") || all.Int("CollectionType") != CollectionDevice {
		t.Errorf("All Systems: %v", all.Props)
	}
	if u := collectionNamed(t, s, "All Unknown Computers"); u.String("CollectionID") != "SMS000US" {
		t.Errorf("All Unknown Computers: %v", u.Props)
	}
	pilot := collectionNamed(t, s, "Pilot devices")
	members, err := s.Query(ctx, provider.Query{Class: object.ClassCollectionMember, Where: map[string]string{"CollectionID": pilot.String("CollectionID")}})
	if err != nil || int64(len(members)) != pilot.Int("MemberCount") || len(members) != 5 {
		t.Fatalf("members of Pilot devices: %d (MemberCount %d), %v", len(members), pilot.Int("MemberCount"), err)
	}
	servers, _ := s.Query(ctx, provider.Query{Class: object.ClassCollectionMember, Where: map[string]string{"CollectionID": collectionNamed(t, s, "Site servers").String("CollectionID"), "Name": "CM01"}})
	if len(servers) != 1 {
		t.Errorf("the site server is not in collection Site servers: %v", servers)
	}
	roles, _ := s.Query(ctx, provider.Query{Class: object.ClassSystemResource, Where: map[string]string{"ServerName": "CM01.corp.example"}})
	if len(roles) == 0 {
		t.Error("no site system roles on CM01")
	}
	dps, _ := s.Query(ctx, provider.Query{Class: object.ClassDistributionPointInfo})
	groups, _ := s.Query(ctx, provider.Query{Class: object.ClassDistributionPointGroup})
	members, _ = s.Query(ctx, provider.Query{Class: object.ClassDPGroupMembers})
	if len(dps) != 2 || len(groups) != 1 || len(members) != 2 {
		t.Errorf("%d distribution points, %d groups, %d members", len(dps), len(groups), len(members))
	}
	defs, _ := s.Query(ctx, provider.Query{Class: object.ClassSiteDefinition, Where: map[string]string{"SiteCode": "PS1"}})
	if len(defs) != 1 {
		t.Fatalf("site definitions: %v", defs)
	}
	found := false
	for _, p := range defs[0].Objects("Props") {
		if p.String("PropertyName") == "Device Collection Threshold" && p.String("Value1") == "100" && p.String("Value2") == "0" {
			found = true
		}
	}
	if !found {
		t.Errorf("no deployment verification thresholds: %v", defs[0].Props)
	}
}

// A deployment's collection, package, program and name cannot change once
// it exists (SMS_Advertisement remarks); a task sequence is deployed with
// ProgramName "*" to a device collection; its other settings change in
// place.
func TestAdvertisementRules(t *testing.T) {
	s := open(t, Options{})
	id := newSequence(t, s, "Deploy")
	pilot := collectionNamed(t, s, "Pilot devices").String("CollectionID")
	adv := func(props map[string]any) *provider.Instance {
		in := provider.New(object.ClassAdvertisement)
		in.Props["AdvertisementName"] = "Deploy"
		in.Props["CollectionID"] = pilot
		in.Props["PackageID"] = id
		in.Props["ProgramName"] = "*"
		in.Props["OfferType"] = int64(2)
		for k, v := range props {
			in.Props[k] = v
		}
		return in
	}
	for name, props := range map[string]map[string]any{
		"program":         {"ProgramName": "Install"},
		"user collection": {"CollectionID": collectionNamed(t, s, "OSD administrators").String("CollectionID")},
		"no collection":   {"CollectionID": "PS1FFFFF"},
		"lower case":      {"PackageID": strings.ToLower(id)},
		"no name":         {"AdvertisementName": ""},
	} {
		if _, err := s.Put(ctx, adv(props)); !provider.IsKind(err, provider.KindInvalid) {
			t.Errorf("%s: Put = %v, want invalid", name, err)
		}
	}
	path, err := s.Put(ctx, adv(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, keys, _ := provider.ParsePath(path)
	if !strings.HasPrefix(keys["AdvertisementID"], "PS12") {
		t.Errorf("AdvertisementID %q", keys["AdvertisementID"])
	}
	upd := provider.New(object.ClassAdvertisement)
	upd.Props["AdvertisementID"] = keys["AdvertisementID"]
	upd.Props["CollectionID"] = collectionNamed(t, s, "Lab devices").String("CollectionID")
	if _, err := s.Put(ctx, upd); !provider.IsKind(err, provider.KindInvalid) || !strings.Contains(err.Error(), "CollectionID cannot change") {
		t.Errorf("collection changed in place: %v", err)
	}
	upd = provider.New(object.ClassAdvertisement)
	upd.Props["AdvertisementID"] = keys["AdvertisementID"]
	upd.Props["Comment"] = "pilot"
	upd.Props["PresentTimeEnabled"] = true
	if _, err := s.Put(ctx, upd); err != nil {
		t.Fatal(err)
	}
	list, _ := s.Query(ctx, provider.Query{Class: object.ClassAdvertisement})
	if len(list) != 1 || list[0].String("Comment") != "pilot" {
		t.Fatalf("advertisements: %v", list)
	}
	if _, lazy := list[0].Props["PresentTimeEnabled"]; lazy {
		t.Error("a query returned the lazy PresentTimeEnabled")
	}
	got, _ := s.Get(ctx, path)
	if !got.Bool("PresentTimeEnabled") {
		t.Errorf("Get: %v", got.Props)
	}
	// A deployed sequence is not deleted.
	if err := s.Delete(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id)); err == nil || !strings.Contains(err.Error(), "is deployed") {
		t.Errorf("deployed sequence deleted: %v", err)
	}
	if err := s.Delete(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id)); err != nil {
		t.Fatal(err)
	}
}

// Folders hold objects of one type under a parent of that type, no two of
// a parent share a name, and a folder that holds anything is not deleted.
// MoveMembers moves objects between folders, from the root (no folder
// item) and back; a deleted object leaves its folder.
func TestFoldersAndMoves(t *testing.T) {
	s := open(t, Options{})
	id := newSequence(t, s, "Deploy")
	folder := func(name string, typ, parent int64) (string, error) {
		in := provider.New(object.ClassContainerNode)
		in.Props["Name"] = name
		in.Props["ObjectType"] = typ
		in.Props["ParentContainerNodeID"] = parent
		return s.Put(ctx, in)
	}
	osdPath, err := folder("OSD", 20, 0)
	if err != nil {
		t.Fatal(err)
	}
	osd, _ := s.Get(ctx, osdPath)
	prodPath, err := folder("Production", 20, osd.Int("ContainerNodeID"))
	if err != nil {
		t.Fatal(err)
	}
	prod, _ := s.Get(ctx, prodPath)
	if _, err := folder("osd", 20, 0); err == nil {
		t.Error("a second folder named OSD at the root")
	}
	if _, err := folder("Drivers", 23, osd.Int("ContainerNodeID")); err == nil {
		t.Error("a driver package folder under a task sequence folder")
	}
	move := func(from, to int64) error {
		_, err := s.ExecMethod(ctx, object.ClassContainerItem, "MoveMembers", map[string]any{
			"InstanceKeys": []string{id}, "ContainerNodeID": from, "TargetContainerNodeID": to, "ObjectType": int64(20)})
		return err
	}
	if err := move(osd.Int("ContainerNodeID"), prod.Int("ContainerNodeID")); err == nil {
		t.Error("moved from a folder it is not in")
	}
	if err := move(0, prod.Int("ContainerNodeID")); err != nil {
		t.Fatal(err)
	}
	items, _ := s.Query(ctx, provider.Query{Class: object.ClassContainerItem, Where: map[string]string{"InstanceKey": id}})
	if len(items) != 1 || items[0].Int("ContainerNodeID") != prod.Int("ContainerNodeID") {
		t.Fatalf("items: %v", items)
	}
	if err := s.Delete(ctx, prodPath); err == nil {
		t.Error("a folder holding a sequence was deleted")
	}
	if err := s.Delete(ctx, osdPath); err == nil {
		t.Error("a folder holding a folder was deleted")
	}
	if err := move(prod.Int("ContainerNodeID"), 0); err != nil {
		t.Fatal(err)
	}
	if items, _ := s.Query(ctx, provider.Query{Class: object.ClassContainerItem}); len(items) != 0 {
		t.Fatalf("an object at the root has a folder item: %v", items)
	}
	if err := move(0, osd.Int("ContainerNodeID")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id)); err != nil {
		t.Fatal(err)
	}
	if items, _ := s.Query(ctx, provider.Query{Class: object.ClassContainerItem}); len(items) != 0 {
		t.Fatalf("a deleted object is still in a folder: %v", items)
	}
	for _, p := range []string{prodPath, osdPath} {
		if err := s.Delete(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
}

// Content assigned to a group reaches each of its distribution points:
// INSTALL_PENDING until the distribution time has passed, then INSTALLED,
// or INSTALL_FAILED on the distribution point the faults name.
func TestDistributionStatus(t *testing.T) {
	faults, err := ParseFaults("distribution=150ms,distfail=DP02.corp.example")
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, Options{Faults: faults})
	pkgs, _ := s.Query(ctx, provider.Query{Class: object.ClassPackage})
	id := pkgs[0].String("PackageID")
	groups, _ := s.Query(ctx, provider.Query{Class: object.ClassDistributionPointGroup})
	group := provider.Path(object.ClassDistributionPointGroup, "GroupID", groups[0].String("GroupID"))
	if _, err := s.ExecMethod(ctx, group, "AddPackages", map[string]any{"PackageIDs": []string{id}}); err != nil {
		t.Fatal(err)
	}
	states := func() map[string]int64 {
		list, err := s.Query(ctx, provider.Query{Class: object.ClassDistributionStatus, Where: map[string]string{"PackageID": id}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int64{}
		for _, in := range list {
			out[strings.Split(in.String("ServerNALPath"), `\`)[2]] = in.Int("State")
		}
		return out
	}
	if got := states(); len(got) != 2 {
		t.Fatalf("status on %d distribution points: %v", len(got), got)
	}
	for _, st := range states() {
		if st != StateInstallPending {
			t.Fatalf("right after AddPackages: %v", states())
		}
	}
	time.Sleep(200 * time.Millisecond)
	got := states()
	var installed, failed int
	for _, st := range got {
		switch st {
		case StateInstalled:
			installed++
		case StateInstallFailed:
			failed++
		}
	}
	if installed != 1 || failed != 1 {
		t.Errorf("after the distribution time: %v", got)
	}
	gp, _ := s.Query(ctx, provider.Query{Class: object.ClassDPGroupPackages, Where: map[string]string{"PkgID": id}})
	if len(gp) != 1 {
		t.Errorf("group packages: %v", gp)
	}
	// A single distribution point, by its package's method.
	other := pkgs[1].String("PackageID")
	nal := nalPath("DP01.corp.example", "PS1")
	if _, err := s.ExecMethod(ctx, provider.Path(object.ClassPackage, "PackageID", other), "AddDistributionPoints",
		map[string]any{"SiteCode": []string{"PS1"}, "NALPath": []string{nal}}); err != nil {
		t.Fatal(err)
	}
	dps, _ := s.Query(ctx, provider.Query{Class: object.ClassDistributionPoint, Where: map[string]string{"PackageID": other}})
	if len(dps) != 1 || dps[0].String("ServerNALPath") != nal {
		t.Errorf("content of %s: %v", other, dps)
	}
	if _, err := s.ExecMethod(ctx, provider.Path(object.ClassPackage, "PackageID", other), "AddDistributionPoints",
		map[string]any{"SiteCode": []string{"PS1"}, "NALPath": []string{`["Display=\\DP09\"]`}}); !provider.IsKind(err, provider.KindInvalid) {
		t.Errorf("distributed to no distribution point: %v", err)
	}
}
