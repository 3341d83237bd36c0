package local

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// MaxSequenceBytes is the largest Sequence a site stores (ConfigMgr 2010+).
const MaxSequenceBytes = model.MaxStoredBytes

// ExecMethod implements provider.Site for the methods tsctl uses: the
// static SMS_TaskSequencePackage.ImportSequence and SetSequence,
// SMS_ObjectLock.GetLockInformation, SMS_ObjectContainerItem.MoveMembers
// and SMS_Advertisement.RiskyDeploymentStatusMessage; and the instance
// methods SMS_DistributionPointGroup.AddPackages and, on a package of any
// class, AddDistributionPoints and RefreshPkgSource.
func (s *Site) ExecMethod(ctx context.Context, target, method string, in map[string]any) (map[string]any, error) {
	class, keys, err := provider.MethodClass(target)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: target + "." + method, Msg: err.Error(), Code: 0x80041008}
	}
	if class == provider.LeaseClass {
		// The apply lease is tsctl's own: not a provider call, so it is
		// neither counted nor delayed nor failed by injected faults.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return s.leaseMethod(method, in)
	}
	start, err := s.enter(ctx, "method "+method, method)
	if err != nil {
		return nil, err
	}
	defer s.wait(ctx, start)
	op := class + "." + method
	if keys != nil {
		if s.readOnly {
			return nil, errReadOnly(op)
		}
		_, isPkg := packageType(class)
		switch {
		case class == object.ClassDistributionPointGroup && method == "AddPackages":
			return s.addPackages(op, keys, in)
		case isPkg && method == "AddDistributionPoints":
			return s.addDistributionPoints(op, keys, in)
		case isPkg && method == "RefreshPkgSource":
			return s.refreshPkgSource(op, class, keys)
		}
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "method not supported by the local site", Code: 0x80041055}
	}
	switch class + "." + method {
	case "SMS_TaskSequencePackage.ImportSequence":
		return s.importSequence(op, in)
	case "SMS_TaskSequencePackage.SetSequence":
		return s.setSequence(op, in)
	case "SMS_ObjectLock.GetLockInformation":
		return s.getLockInformation(op, in)
	case "SMS_ObjectContainerItem.MoveMembers":
		if s.readOnly {
			return nil, errReadOnly(op)
		}
		return s.moveMembers(op, in)
	case "SMS_Advertisement.RiskyDeploymentStatusMessage":
		if s.readOnly {
			return nil, errReadOnly(op)
		}
		return s.riskyDeployment(op, in)
	}
	return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "method not supported by the local site", Code: 0x80041055}
}

// moveMembers implements SMS_ObjectContainerItem.MoveMembers: each object
// named by InstanceKeys, in folder ContainerNodeID (0: the root, where an
// object has no folder item), goes to TargetContainerNodeID (0: the root).
// "An item cannot be moved to a folder of a different type."
func (s *Site) moveMembers(op string, in map[string]any) (map[string]any, error) {
	invalid := func(format string, args ...any) error {
		return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: fmt.Sprintf(format, args...), Code: 0x80041008}
	}
	keys, _ := in["InstanceKeys"].([]string)
	from, _ := in["ContainerNodeID"].(int64)
	to, _ := in["TargetContainerNodeID"].(int64)
	typ, _ := in["ObjectType"].(int64)
	if len(keys) == 0 {
		return nil, invalid("InstanceKeys is required")
	}
	err := s.writes.update(func(tx *bolt.Tx) error {
		for _, id := range []int64{from, to} {
			if id == 0 {
				continue
			}
			f, err := s.get(tx, provider.Path(object.ClassContainerNode, "ContainerNodeID", fmt.Sprint(id)))
			if err != nil {
				return invalid("folder %d does not exist", id)
			}
			if f.Int("ObjectType") != typ {
				return invalid("folder %d holds objects of type %d, not %d", id, f.Int("ObjectType"), typ)
			}
		}
		for _, key := range keys {
			if err := s.folderMember(tx, key, typ); err != nil {
				return invalid("%v", err)
			}
			it := s.folderItem(tx, key, typ)
			now := int64(0)
			if it != nil {
				now = it.Int("ContainerNodeID")
			}
			if now != from {
				return invalid("%s is in folder %d, not %d", key, now, from)
			}
			switch {
			case to == from:
			case to == 0:
				p, _ := pathOf(it)
				if err := tx.Bucket(bucketObjects).Delete([]byte(p)); err != nil {
					return err
				}
			case it != nil:
				it.Props["ContainerNodeID"] = to
				p, _ := pathOf(it)
				if err := s.save(tx, p, it); err != nil {
					return err
				}
			default:
				it = provider.New(object.ClassContainerItem)
				it.Props["ContainerNodeID"] = to
				it.Props["InstanceKey"] = key
				it.Props["ObjectType"] = typ
				if k, ok := object.OfFolderType(int(typ)); ok {
					it.Props["ObjectTypeName"] = k.Class()
				}
				if err := keyMaker[object.ClassContainerItem](s, tx, it); err != nil {
					return err
				}
				it.Props["SourceSite"] = s.code
				p, _ := pathOf(it)
				if err := s.saveNew(tx, p, it); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ReturnValue": int64(0)}, nil
}

func (s *Site) importSequence(op string, in map[string]any) (map[string]any, error) {
	x, _ := in["SequenceXML"].(string)
	if x == "" {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "SequenceXML is empty", Code: 0x80041008}
	}
	if len(x) > 4*MaxSequenceBytes {
		return nil, &provider.Error{Kind: provider.KindTooLarge, Op: op, Msg: fmt.Sprintf("sequence XML is %d bytes", len(x))}
	}
	q, err := model.Parse([]byte(x))
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "invalid sequence XML: " + err.Error(), Code: 0x80041008}
	}
	ts := provider.New("SMS_TaskSequence")
	ts.Props["SchemaVersion"] = q.Version
	ts.Handle = q
	return map[string]any{"ReturnValue": int64(0), "TaskSequence": ts}, nil
}

// writablePackageProps are the SMS_TaskSequencePackage properties SetSequence takes from its package argument.
var writablePackageProps = []string{"Name", "Description", "Category", "BootImageID", "Duration", "ProgramFlags", "DependentProgram", "CustomProgressMsg", "TsEnabled", "Reserved", "ISVString",
	"SupportedOperatingSystems", "HighImpactTaskSequence", "CustomHighImpactSet", "CustomHighImpactHeadline", "CustomHighImpactWarning",
	"CustomHighImpactWarningInstall", "CustomHighImpactWarningTop", "EstimatedDownloadSizeMB", "EstimatedRunTimeMinutes",
	"LocalizedTaskSequenceName", "LocalizedTaskSequenceDescription", "RestartRequired"}

func (s *Site) setSequence(op string, in map[string]any) (map[string]any, error) {
	if s.readOnly {
		return nil, errReadOnly(op)
	}
	pkg, _ := in["TaskSequencePackage"].(*provider.Instance)
	ts, _ := in["TaskSequence"].(*provider.Instance)
	if pkg == nil || ts == nil {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "TaskSequencePackage and TaskSequence are required", Code: 0x80041008}
	}
	q, ok := ts.Handle.(*model.Sequence)
	if !ok || ts.Class != "SMS_TaskSequence" {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "TaskSequence is not an SMS_TaskSequence from this site", Code: 0x80041008}
	}
	var path string
	var cur *provider.Instance
	// The work — normalising, checking references, writing the XML — runs
	// in a read transaction, concurrently with other saves; the write
	// transaction that follows only re-checks and stores. The sequence
	// is the caller's, and may be shared (the façade passes the one it
	// parsed for ImportSequence to every SetSequence that brings it
	// back): it is changed only as a clone.
	q = q.Clone()
	err := s.db.View(func(tx *bolt.Tx) error {
		if id := pkg.String("PackageID"); id != "" {
			path = provider.Path(object.ClassTaskSequencePackage, "PackageID", id)
			var err error
			if cur, err = s.get(tx, path); err != nil {
				return err
			}
			if err := s.checkLock(tx, op, path); err != nil {
				return err
			}
		} else {
			cur = provider.New(object.ClassTaskSequencePackage)
		}
		for _, k := range writablePackageProps {
			if v, ok := pkg.Props[k]; ok {
				cur.Props[k] = v
			}
		}
		if name := cur.String("Name"); name == "" || utf8.RuneCountInString(name) > 100 {
			return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "Name must be 1 to 100 characters", Code: 0x80041008}
		}
		if b := cur.String("BootImageID"); b != "" {
			if _, err := s.get(tx, provider.Path(object.ClassBootImagePackage, "PackageID", b)); err != nil {
				return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "BootImageID " + b + " is not a boot image on this site", Code: 0x80041008}
			}
		}
		model.Derive(q, func(id string) (model.Child, bool) { return s.child(tx, id) })
		if missing := s.missingRefs(tx, q.References); len(missing) > 0 {
			return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "the sequence references objects that do not exist on the site: " + strings.Join(missing, ", "), Code: 0x80041008}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	model.BlankSecrets(q) // the local site never runs a sequence: it keeps no secret
	xml := model.MarshalString(q)
	if len(xml) > MaxSequenceBytes {
		return nil, &provider.Error{Kind: provider.KindTooLarge, Op: op, Msg: fmt.Sprintf("the sequence is %d bytes; a site stores at most %d (split it with Run Task Sequence steps)", len(xml), MaxSequenceBytes)}
	}
	cur.Props["Sequence"] = xml
	refs := make([]*provider.Instance, 0, len(q.References))
	for _, r := range q.References {
		ri := provider.New("SMS_TaskSequence_Reference")
		if r.Application != "" {
			ri.Props["Package"], ri.Props["Program"], ri.Props["Type"] = r.Application, "", int64(1)
		} else {
			ri.Props["Package"], ri.Props["Program"], ri.Props["Type"] = r.Package, r.Program, int64(0)
		}
		refs = append(refs, ri)
	}
	cur.Props["References"] = refs
	cur.Props["ReferencesCount"] = int64(len(refs))
	typ := int64(1)
	if model.IsOSDeployment(q) {
		typ = 2
	}
	cur.Props["Type"] = typ
	cur.Props["TaskSequenceFlags"] = int64(0)
	version := cur.String("SedoObjectVersion")
	existing := path
	err = s.writes.update(func(tx *bolt.Tx) error {
		if missing := s.missingRefs(tx, q.References); len(missing) > 0 {
			return &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "the sequence references objects that do not exist on the site: " + strings.Join(missing, ", "), Code: 0x80041008}
		}
		if existing == "" {
			p, err := s.create(tx, cur)
			path = p
			return err
		}
		// Refuse a save that raced with another: the object must still be
		// the version read above and unlocked.
		now0, err := s.get(tx, path)
		if err != nil {
			return err
		}
		if now0.String("SedoObjectVersion") != version {
			return &provider.Error{Kind: provider.KindTransient, Op: op, Msg: "the object changed while it was being saved; try again"}
		}
		if err := s.checkLock(tx, op, path); err != nil {
			return err
		}
		cur.Props["SedoObjectVersion"] = newGUID()
		cur.Props["LastRefreshTime"] = now()
		return s.save(tx, path, cur)
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ReturnValue": int64(0), "SavedTaskSequencePackagePath": path}, nil
}

// child returns what SetSequence needs to know about a child sequence.
// It reads the child's name and references, not its sequence XML.
func (s *Site) child(tx *bolt.Tx, id string) (model.Child, bool) {
	path := []byte(provider.Path(object.ClassTaskSequencePackage, "PackageID", id))
	v := tx.Bucket(bucketObjects).Get(path)
	if v == nil {
		return model.Child{}, false
	}
	base, err := decode(v)
	if err != nil {
		return model.Child{}, false
	}
	c := model.Child{Name: base.String("Name")}
	if lv := tx.Bucket(bucketLazy).Get(path); lv != nil {
		lz, err := decodeSkipping(lv, skipSequence)
		if err != nil {
			return model.Child{}, false
		}
		c.References = provider.SequenceReferences(lz)
	}
	return c, true
}

var skipSequence = map[string]bool{"Sequence": true}

// missingRefs lists what refs name that tx's store does not hold: from the
// index of tx's committed state when reads of that state built it
// (indexReferable), else from the store.
func (s *Site) missingRefs(tx *bolt.Tx, refs []model.Reference) []string {
	pkgExists, appExists := s.packageExists, s.appExists
	if idx := s.refIndex.Load(); idx != nil && !tx.Writable() && idx.txid == tx.ID() {
		pkgExists = func(_ *bolt.Tx, id string) bool { return idx.packages[id] }
		appExists = func(_ *bolt.Tx, model string) bool { return idx.apps[strings.ToLower(model)] }
	}
	var missing []string
	for _, r := range refs {
		if r.Application != "" {
			if !appExists(tx, r.Application) {
				missing = append(missing, "application "+r.Application)
			}
			continue
		}
		if !pkgExists(tx, r.Package) {
			missing = append(missing, "package "+r.Package)
		}
	}
	sort.Strings(missing)
	return missing
}

func (s *Site) packageExists(tx *bolt.Tx, id string) bool {
	for _, k := range object.All {
		if _, ok := k.PackageType(); !ok {
			continue
		}
		if tx.Bucket(bucketObjects).Get([]byte(provider.Path(k.Class(), "PackageID", id))) != nil {
			return true
		}
	}
	return false
}

func (s *Site) appExists(tx *bolt.Tx, model string) bool {
	c := tx.Bucket(bucketObjects).Cursor()
	prefix := []byte(object.ClassApplication + ".")
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		in, err := decode(v)
		if err == nil && strings.EqualFold(in.String("ModelName"), model) {
			return true
		}
	}
	return false
}

// danglingFlag recomputes TaskSequenceFlags bit 0 (a referenced object is missing).
func (s *Site) danglingFlag(tx *bolt.Tx, in *provider.Instance) int64 {
	s.indexReferable(tx) // built once for every read of this state
	if len(s.missingRefs(tx, provider.SequenceReferences(in))) > 0 {
		return 1
	}
	return 0
}

// packageClasses are the classes a sequence's package references may name.
var packageClasses = func() []string {
	var out []string
	for _, k := range object.All {
		if _, ok := k.PackageType(); ok {
			out = append(out, k.Class())
		}
	}
	return out
}()

// referableIndex is what a sequence may reference in one committed state of
// the store (bbolt's transaction ID): the IDs of its packages of every
// class and the model names of its applications, lower-cased. A no-op plan's thousand
// reads share one, instead of up to one B-tree search per package class
// and a scan of every application for each reference of each sequence.
type referableIndex struct {
	txid     int
	packages map[string]bool
	apps     map[string]bool
}

// indexReferable builds the index of what a read-only transaction's
// committed state holds, unless the reads of that state already did; a
// write's state is its own and is asked of the store (missingRefs).
func (s *Site) indexReferable(tx *bolt.Tx) {
	if tx.Writable() {
		return
	}
	if idx := s.refIndex.Load(); idx != nil && idx.txid == tx.ID() {
		return
	}
	idx := &referableIndex{txid: tx.ID(), packages: map[string]bool{}, apps: map[string]bool{}}
	c := tx.Bucket(bucketObjects).Cursor()
	for _, class := range packageClasses {
		prefix := []byte(class + ".")
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if _, keys, err := provider.ParsePath(string(k)); err == nil {
				idx.packages[keys["PackageID"]] = true
			}
		}
	}
	prefix := []byte(object.ClassApplication + ".")
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if in, err := decode(v); err == nil {
			idx.apps[strings.ToLower(in.String("ModelName"))] = true
		}
	}
	s.refIndex.Store(idx)
}

func (s *Site) getLockInformation(op string, in map[string]any) (map[string]any, error) {
	path, _ := in["ObjectRelPath"].(string)
	if path == "" {
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: op, Msg: "ObjectRelPath is required", Code: 0x80041008}
	}
	out := map[string]any{"ReturnValue": int64(0), "LockState": int64(provider.LockUnassigned),
		"AssignedUser": "", "AssignedMachine": "", "AssignedSiteCode": "", "AssignedTimeUTC": "", "AssignedObjectLockContext": ""}
	err := s.db.View(func(tx *bolt.Tx) error {
		if l, ok := s.lockOf(tx, path); ok {
			out["LockState"] = int64(provider.LockAssigned)
			out["AssignedUser"] = l.User
			out["AssignedMachine"] = l.Machine
			out["AssignedSiteCode"] = s.code
			out["AssignedTimeUTC"] = l.Time.UTC().Format("2006-01-02T15:04:05Z")
		}
		return nil
	})
	return out, err
}
