package local

import (
	"encoding/binary"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// What the embedded site checks and does for the classes besides
// packages and sequences: deployments (SMS_Advertisement), console folders
// and what they hold (SMS_ObjectContainerNode, SMS_ObjectContainerItem),
// and content on distribution points (SMS_DistributionPoint). The rules
// are those of Microsoft's class pages; where a page is silent, the
// console's (noted at each rule), which a real SMS Provider may not
// enforce the same way.

// keyMaker assigns the key of a new object of a class whose key the site
// chooses.
var keyMaker = map[string]func(s *Site, tx *bolt.Tx, in *provider.Instance) error{
	// AdvertisementIDs are the site code, a 2 and four hex digits on the
	// sites whose IDs the public record shows (e.g. PS120001).
	object.ClassAdvertisement: func(s *Site, tx *bolt.Tx, in *provider.Instance) error {
		n, err := nextID(tx, "next:advertisement", 0xFFFF)
		if err != nil {
			return err
		}
		in.Props["AdvertisementID"] = fmt.Sprintf("%s2%04X", s.code, n)
		return nil
	},
	// ContainerNodeIDs and MemberIDs are numbers from 16777217 on, as
	// real sites' are.
	object.ClassContainerNode: func(s *Site, tx *bolt.Tx, in *provider.Instance) error {
		n, err := nextID(tx, "next:folder", 1<<24)
		if err != nil {
			return err
		}
		in.Props["ContainerNodeID"] = int64(1<<24 + n)
		in.Props["FolderGuid"] = newGUID()
		return nil
	},
	object.ClassContainerItem: func(s *Site, tx *bolt.Tx, in *provider.Instance) error {
		n, err := nextID(tx, "next:folderitem", 1<<24)
		if err != nil {
			return err
		}
		in.Props["MemberID"] = int64(1<<24 + n)
		in.Props["MemberGuid"] = newGUID()
		return nil
	},
}

// nextID counts the objects of one kind the site has made: 1, 2, …,
// refusing past limit.
func nextID(tx *bolt.Tx, counter string, limit uint64) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	var n uint64
	if b := meta.Get([]byte(counter)); b != nil {
		n = binary.BigEndian.Uint64(b)
	}
	n++
	if n > limit {
		return 0, &provider.Error{Kind: provider.KindFailed, Op: "Put", Msg: counter[len("next:"):] + " IDs exhausted"}
	}
	var nb [8]byte
	binary.BigEndian.PutUint64(nb[:], n)
	return n, meta.Put([]byte(counter), nb[:])
}

// created is what the site does beyond storing a new object of a class.
var created = map[string]func(s *Site, tx *bolt.Tx, path string, in *provider.Instance) error{
	object.ClassDistributionPoint: func(s *Site, tx *bolt.Tx, path string, in *provider.Instance) error {
		if err := s.save(tx, path, in); err != nil {
			return err
		}
		return s.startDistribution(tx, in.String("PackageID"), in.String("ServerNALPath"))
	},
}

// check holds an object about to be stored to its class's rules; was is
// the object as stored (nil for a new one).
func (s *Site) check(tx *bolt.Tx, op string, in, was *provider.Instance) error {
	invalid := func(format string, args ...any) error {
		return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: fmt.Sprintf(format, args...), Code: 0x80041008}
	}
	if was != nil {
		for _, p := range immutable[in.Class] {
			if in.String(p) != was.String(p) {
				return invalid("%s cannot change once the object exists (%q, now %q): delete it and create another", p, was.String(p), in.String(p))
			}
		}
	}
	switch in.Class {
	case object.ClassProgram:
		if was == nil {
			if _, err := s.get(tx, provider.Path(object.ClassPackage, "PackageID", in.String("PackageID"))); err != nil {
				return invalid("package %s does not exist", in.String("PackageID"))
			}
		}
	case object.ClassAdvertisement:
		return s.checkAdvertisement(tx, in, invalid)
	case object.ClassContainerNode:
		return s.checkFolder(tx, in, was, invalid)
	case object.ClassContainerItem:
		if was != nil {
			return invalid("a folder item is moved with SMS_ObjectContainerItem.MoveMembers")
		}
		return s.checkFolderItem(tx, in, invalid)
	case object.ClassDistributionPoint:
		if in.String("SiteCode") != s.code {
			return invalid("SiteCode %q is not this site (%s)", in.String("SiteCode"), s.code)
		}
		if s.packageClass(tx, in.String("PackageID")) == "" {
			return invalid("package %s does not exist", in.String("PackageID"))
		}
		if s.distributionPoint(tx, in.String("ServerNALPath")) == nil {
			return invalid("%s is not a distribution point of site %s", in.String("ServerNALPath"), s.code)
		}
		in.Props["PackageType"], _ = packageType(s.packageClass(tx, in.String("PackageID")))
	}
	return nil
}

// checkAdvertisement holds a deployment to what the SMS_Advertisement page
// requires — AdvertisementName, CollectionID, PackageID (in upper case)
// and ProgramName set, the package and collection existing — and to what
// the console's deployment wizard allows for a task sequence: ProgramName
// "*", and a device collection only.
func (s *Site) checkAdvertisement(tx *bolt.Tx, in *provider.Instance, invalid func(string, ...any) error) error {
	for _, p := range []string{"AdvertisementName", "CollectionID", "PackageID", "ProgramName"} {
		if in.String(p) == "" {
			return invalid("%s is required", p)
		}
	}
	id := in.String("PackageID")
	if id != strings.ToUpper(id) {
		return invalid("PackageID %q must be in upper case", id)
	}
	class := s.packageClass(tx, id)
	if class == "" {
		return invalid("package %s does not exist", id)
	}
	coll, err := s.get(tx, provider.Path(object.ClassCollection, "CollectionID", in.String("CollectionID")))
	if err != nil {
		return invalid("collection %s does not exist", in.String("CollectionID"))
	}
	if class == object.ClassTaskSequencePackage {
		if in.String("ProgramName") != "*" {
			return invalid("a task sequence is deployed with ProgramName \"*\", not %q", in.String("ProgramName"))
		}
		if coll.Int("CollectionType") != CollectionDevice {
			return invalid("collection %s (%s) is not a device collection: a task sequence is deployed to devices", coll.String("CollectionID"), coll.String("Name"))
		}
	}
	return nil
}

// Folder object types (SMS_ObjectContainerNode.ObjectType) the SDK page
// lists.
var folderTypes = map[int64]bool{2: true, 3: true, 7: true, 8: true, 9: true, 11: true, 14: true, 17: true, 18: true, 19: true,
	20: true, 21: true, 23: true, 25: true, 1011: true, 2011: true, 5000: true, 5001: true}

// checkFolder holds a folder to its page's rules (a name, a known object
// type, a parent folder of the same type) and to the console's: no two
// folders of one parent share a name.
func (s *Site) checkFolder(tx *bolt.Tx, in, was *provider.Instance, invalid func(string, ...any) error) error {
	name := in.String("Name")
	if name == "" {
		return invalid("Name is required")
	}
	typ := in.Int("ObjectType")
	if !folderTypes[typ] {
		return invalid("ObjectType %d is not a folder type", typ)
	}
	parent := in.Int("ParentContainerNodeID")
	if parent != 0 {
		p, err := s.get(tx, provider.Path(object.ClassContainerNode, "ContainerNodeID", fmt.Sprint(parent)))
		if err != nil {
			return invalid("parent folder %d does not exist", parent)
		}
		if p.Int("ObjectType") != typ {
			return invalid("parent folder %d holds objects of type %d, not %d", parent, p.Int("ObjectType"), typ)
		}
	}
	in.Props["ParentContainerNodeID"] = parent
	in.Props["ObjectType"] = typ
	if _, ok := in.Props["SearchFolder"]; !ok {
		in.Props["SearchFolder"] = false
	}
	if _, ok := in.Props["FolderFlags"]; !ok {
		in.Props["FolderFlags"] = int64(0)
	}
	self := ""
	if was != nil {
		self = was.String("ContainerNodeID")
	}
	// Names are unique among a parent's folders, and among its search
	// folders: the console lists saved searches apart, so a search folder
	// may share a regular folder's name.
	for _, f := range s.list(tx, object.ClassContainerNode) {
		if f.String("ContainerNodeID") != self && f.Int("ObjectType") == typ && f.Int("ParentContainerNodeID") == parent && strings.EqualFold(f.String("Name"), name) &&
			f.Bool("SearchFolder") == in.Bool("SearchFolder") {
			return invalid("folder %d already holds a %s named %q", parent, map[bool]string{false: "folder", true: "search folder"}[in.Bool("SearchFolder")], f.String("Name"))
		}
	}
	return nil
}

// checkFolderItem holds a new folder item to what MoveMembers holds a
// move to: its folder exists and holds objects of its type, and the object
// exists and is in no folder of that type yet.
func (s *Site) checkFolderItem(tx *bolt.Tx, in *provider.Instance, invalid func(string, ...any) error) error {
	node := in.Int("ContainerNodeID")
	f, err := s.get(tx, provider.Path(object.ClassContainerNode, "ContainerNodeID", fmt.Sprint(node)))
	if err != nil {
		return invalid("folder %d does not exist", node)
	}
	typ := f.Int("ObjectType")
	if t, ok := in.Props["ObjectType"]; ok && t != nil && in.Int("ObjectType") != typ {
		return invalid("folder %d holds objects of type %d, not %d", node, typ, in.Int("ObjectType"))
	}
	in.Props["ObjectType"] = typ
	if err := s.folderMember(tx, in.String("InstanceKey"), typ); err != nil {
		return invalid("%v", err)
	}
	if it := s.folderItem(tx, in.String("InstanceKey"), typ); it != nil {
		return invalid("%s is already in folder %d: move it with MoveMembers", in.String("InstanceKey"), it.Int("ContainerNodeID"))
	}
	return nil
}

// folderMember checks that an object of folder type typ has the key key.
func (s *Site) folderMember(tx *bolt.Tx, key string, typ int64) error {
	k, ok := object.OfFolderType(int(typ))
	if !ok {
		return fmt.Errorf("this site files no objects of type %d in folders", typ)
	}
	if _, err := s.get(tx, provider.Path(k.Class(), k.Key()[0], key)); err != nil {
		return fmt.Errorf("no %s %s on the site", k.Describe(), key)
	}
	return nil
}

// folderItem returns the folder item that files the object with key
// (upper case for package IDs) in a folder of type typ; nil when it is at
// the root.
func (s *Site) folderItem(tx *bolt.Tx, key string, typ int64) *provider.Instance {
	for _, it := range s.list(tx, object.ClassContainerItem) {
		if it.Int("ObjectType") == typ && strings.EqualFold(it.String("InstanceKey"), key) {
			return it
		}
	}
	return nil
}

// list returns every stored object of class.
func (s *Site) list(tx *bolt.Tx, class string) []*provider.Instance {
	var out []*provider.Instance
	c := tx.Bucket(bucketObjects).Cursor()
	prefix := []byte(class + ".")
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		if in, err := decode(v); err == nil {
			out = append(out, in)
		}
	}
	return out
}

// packageClass returns the class of the package with PackageID id; ""
// when the site holds none.
func (s *Site) packageClass(tx *bolt.Tx, id string) string {
	for _, k := range object.All {
		if k.IsPackage() && tx.Bucket(bucketObjects).Get([]byte(provider.Path(k.Class(), "PackageID", id))) != nil {
			return k.Class()
		}
	}
	return ""
}

// checkDelete refuses to delete what the site itself would keep: a
// package that is deployed, a folder that holds anything.
func (s *Site) checkDelete(tx *bolt.Tx, op, class string, keys map[string]string) error {
	refused := func(format string, args ...any) error {
		return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: fmt.Sprintf(format, args...), Code: 0x80041008}
	}
	switch {
	case class == object.ClassContainerNode:
		id := keys["ContainerNodeID"]
		for _, f := range s.list(tx, object.ClassContainerNode) {
			if f.String("ParentContainerNodeID") == id {
				return refused("folder %s is not empty: it holds folder %q", id, f.String("Name"))
			}
		}
		for _, it := range s.list(tx, object.ClassContainerItem) {
			if it.String("ContainerNodeID") == id {
				return refused("folder %s is not empty: it holds %s", id, it.String("InstanceKey"))
			}
		}
	case func() bool { _, ok := packageType(class); return ok }():
		// The console refuses to delete a deployed package; this site
		// does the same (whether the SMS Provider does is unverified).
		var ids []string
		for _, a := range s.list(tx, object.ClassAdvertisement) {
			if strings.EqualFold(a.String("PackageID"), keys["PackageID"]) {
				ids = append(ids, a.String("AdvertisementID"))
			}
		}
		if len(ids) > 0 {
			return refused("package %s is deployed (%s): delete its deployments first", keys["PackageID"], strings.Join(ids, ", "))
		}
	}
	return nil
}

// deleted removes what goes with a deleted object: a package's programs,
// its place in a folder and its content on distribution points.
func (s *Site) deleted(tx *bolt.Tx, class string, keys map[string]string) error {
	if _, isPkg := packageType(class); !isPkg {
		return nil
	}
	id := keys["PackageID"]
	var drop [][]byte
	for _, c := range []string{object.ClassProgram, object.ClassDistributionPoint, object.ClassDistributionStatus} {
		cur := tx.Bucket(bucketObjects).Cursor()
		prefix := []byte(provider.Path(c, "PackageID", id) + ",")
		for k, _ := cur.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = cur.Next() {
			drop = append(drop, append([]byte(nil), k...))
		}
	}
	for _, in := range s.list(tx, object.ClassDPGroupPackages) {
		if strings.EqualFold(in.String("PkgID"), id) {
			p, _ := pathOf(in)
			drop = append(drop, []byte(p))
		}
	}
	if k, ok := object.OfClass(class); ok {
		if t, ok := k.FolderType(); ok {
			if it := s.folderItem(tx, id, int64(t)); it != nil {
				p, _ := pathOf(it)
				drop = append(drop, []byte(p))
			}
		}
	}
	for _, k := range drop {
		if err := tx.Bucket(bucketObjects).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(bucketLazy).Delete(k); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Delete(outcomeKey(string(k))); err != nil {
			return err
		}
	}
	return nil
}
