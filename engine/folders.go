package engine

// Console folders: a package or sequence that says folder: OSD/Production
// is filed in that folder of the folders for its kind
// (SMS_ObjectContainerNode of its ObjectType), which are created as needed;
// moving it is SMS_ObjectContainerItem.MoveMembers from the folder it is in
// (ContainerNodeID 0: the root, where an object has no folder item). A
// folder tsctl creates carries its ownership mark in SearchString, which
// the console reads for search folders only, and --prune deletes it once
// nothing is left in it.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// folderKey names a folder by its parent, its object type and its name
// in lower case.
type folderKey struct {
	parent int64
	typ    int
	name   string
}

// folderTree is a site's console folders of the types tsctl files objects
// in, and what is in them.
type folderTree struct {
	byID map[int64]*provider.Instance
	// children are the folders under a parent by type and lower-case
	// name: a site may hold several (a search folder and a regular one,
	// or names differing in case), in ContainerNodeID order.
	children map[folderKey][]*provider.Instance
	// in is the folder an object is in, by type and upper-case key (no
	// entry: the root).
	in map[string]int64
	// items are the keys of the objects in each folder, for the folder
	// types read (read); a folder of another type may hold anything.
	items map[int64][]string
	read  map[int]bool
}

func itemKey(typ int, key string) string { return strconv.Itoa(typ) + "\x00" + strings.ToUpper(key) }

// readFolders reads the folder items of each type the configuration files
// objects in — of every type tsctl files objects in when all (to prune) —
// one query each, at most reads at once, and indexes them with the
// folders the State read.
func (p *Planned) readFolders(ctx context.Context, reads int, all bool) error {
	t := &folderTree{byID: map[int64]*provider.Instance{}, children: map[folderKey][]*provider.Instance{}, in: map[string]int64{}, items: map[int64][]string{},
		read: map[int]bool{}}
	for _, f := range p.State.Objects(object.ClassContainerNode) {
		id := f.Int("ContainerNodeID")
		t.byID[id] = f
		k := folderKey{f.Int("ParentContainerNodeID"), int(f.Int("ObjectType")), strings.ToLower(f.String("Name"))}
		t.children[k] = append(t.children[k], f)
	}
	for _, list := range t.children {
		sort.Slice(list, func(i, j int) bool { return list[i].Int("ContainerNodeID") < list[j].Int("ContainerNodeID") })
	}
	used := map[object.Kind]bool{}
	for _, cp := range p.Config.Packages {
		if cp.Folder != "" && !cp.Absent {
			used[cp.Type] = true
		}
	}
	for _, cs := range p.Config.Sequences {
		if cs.Folder != "" && !cs.Absent {
			used[object.Sequence] = true
		}
	}
	var types []int
	for _, k := range object.All {
		if typ, ok := k.FolderType(); ok && k.Managed() && (all || used[k]) {
			types = append(types, typ)
		}
	}
	results := make([][]*provider.Instance, len(types))
	errs := make([]error, len(types))
	slots := make(chan struct{}, max(1, reads))
	var wg sync.WaitGroup
	for i, typ := range types {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i], errs[i] = p.State.Site.Query(ctx, provider.Query{Class: object.ClassContainerItem,
				Select: []string{"MemberID", "ContainerNodeID", "InstanceKey", "ObjectType"}, Where: map[string]string{"ObjectType": strconv.Itoa(typ)}})
		}()
	}
	wg.Wait()
	for i, typ := range types {
		if errs[i] != nil {
			return fmt.Errorf("read %s of type %d: %w", object.ClassContainerItem, typ, errs[i])
		}
		t.read[typ] = true
		for _, it := range results[i] {
			node := it.Int("ContainerNodeID")
			t.in[itemKey(typ, it.String("InstanceKey"))] = node
			t.items[node] = append(t.items[node], strings.ToUpper(it.String("InstanceKey")))
		}
	}
	p.folders = t
	return nil
}

// child returns the folder of type typ named name (in any case) under
// parent, whatever order the site listed its folders in: a regular folder
// when there is one (the one spelled as name, else the oldest), else a
// search folder, which holds no objects (search true); nil when there is
// none.
func (t *folderTree) child(parent int64, typ int, name string) (node *provider.Instance, search bool) {
	var found, searchFolder *provider.Instance
	for _, f := range t.children[folderKey{parent, typ, strings.ToLower(name)}] {
		switch {
		case f.Bool("SearchFolder"):
			if searchFolder == nil {
				searchFolder = f
			}
		case found == nil || f.String("Name") == name && found.String("Name") != name:
			found = f
		}
	}
	if found != nil {
		return found, false
	}
	return searchFolder, searchFolder != nil
}

// pathOf is a folder's path from the root, "/" for the root itself.
func (t *folderTree) pathOf(id int64) string {
	var parts []string
	for n := 0; id != 0 && n < 256; n++ {
		f := t.byID[id]
		if f == nil {
			break
		}
		parts = append([]string{f.String("Name")}, parts...)
		id = f.Int("ParentContainerNodeID")
	}
	if len(parts) == 0 {
		return "/"
	}
	return strings.Join(parts, "/")
}

// splitFolder splits a folder path into its folders; none for the root.
func splitFolder(path string) []string {
	if path == "/" {
		return nil
	}
	return strings.Split(path, "/")
}

// folderAddress is the plan address of the folder at path for objects of
// kind.
func folderAddress(kind object.Kind, path string) string {
	return "folder." + kind.String() + ":" + path
}

// folderTypeName names the objects a folder type holds, for plans.
func folderTypeName(kind object.Kind) string {
	typ, _ := kind.FolderType()
	return fmt.Sprintf("%ss (ObjectType %d)", kind.Describe(), typ)
}

// planFolders files each declared package and sequence that names a
// folder: the folders missing on its path are planned for creation
// (returned, parents first), and a move joins the object's entry when it
// is elsewhere. A folder on the path that is a search folder is an error.
func (p *Planned) planFolders(ds *diag.List) []*plan.Object {
	cfg := p.Config
	var out []*plan.Object
	created := map[string]*plan.Object{} // by lower-case address
	type filed struct {
		kind   object.Kind
		name   string
		folder string
		at     diag.Pos
	}
	var objs []filed
	for _, cp := range cfg.Packages {
		if !cp.Absent && cp.Folder != "" {
			objs = append(objs, filed{cp.Type, cp.Name, cp.Folder, cp.FolderPos})
		}
	}
	for _, cs := range cfg.Sequences {
		if !cs.Absent && cs.Folder != "" {
			objs = append(objs, filed{object.Sequence, cs.Name, cs.Folder, cs.FolderPos})
		}
	}
	for _, f := range objs {
		e := p.entries[address(f.kind, f.name)]
		if e == nil {
			continue // not planned: reported already
		}
		typ, _ := f.kind.FolderType()
		parts := splitFolder(f.folder)
		var target int64
		var targetAddr string
		bad := false
		for i, name := range parts {
			path := strings.Join(parts[:i+1], "/")
			if targetAddr == "" {
				node, search := p.folders.child(target, typ, name)
				if node != nil {
					if search {
						ds.AddHint(f.at, "name a folder that is not a search folder: a search folder lists objects, it holds none",
							"folder: %q is a search folder (%s %d) of the %s", path, object.ClassContainerNode, node.Int("ContainerNodeID"), folderTypeName(f.kind))
						bad = true
						break
					}
					target = node.Int("ContainerNodeID")
					continue
				}
			}
			// One folder however the objects filed in it spell its path:
			// the first spelling names it.
			key := strings.ToLower(folderAddress(f.kind, path))
			if created[key] == nil {
				addr := folderAddress(f.kind, path)
				o := &plan.Object{Address: addr, Kind: object.Folder, Name: path, Action: plan.Create}
				o.Changes = append(o.Changes, plan.Change{Field: "Name", After: name, HasAfter: true},
					plan.Change{Field: "ObjectType", After: folderTypeName(f.kind), HasAfter: true})
				parent := "/"
				if i > 0 {
					parent = strings.Join(parts[:i], "/")
				}
				o.Changes = append(o.Changes, plan.Change{Field: "parent", After: parent, HasAfter: true})
				c := &createFolder{obj: o, name: name, typ: typ, parent: target, parentAddr: targetAddr}
				if targetAddr != "" {
					o.DependsOn = []string{targetAddr}
				}
				p.entries[addr] = &entry{obj: o, change: c}
				created[key] = o
				out = append(out, o)
			}
			targetAddr = created[key].Address
		}
		if bad {
			continue
		}
		from := int64(0)
		if e.site != nil {
			from = p.folders.in[itemKey(typ, e.obj.ID)]
		}
		if targetAddr == "" && e.site != nil && from == target {
			continue
		}
		before := "/"
		if e.site == nil {
			before = ""
		} else {
			before = p.folders.pathOf(from)
		}
		e.obj.Changes = append(e.obj.Changes, plan.Change{Field: "folder", Before: before, After: f.folder, HasBefore: e.site != nil, HasAfter: true})
		e.then = append(e.then, &moveToFolder{typ: typ, from: from, to: target, toAddr: targetAddr})
		if targetAddr != "" {
			e.obj.DependsOn = append(e.obj.DependsOn, targetAddr)
			sort.Strings(e.obj.DependsOn)
		}
	}
	return out
}

// createFolder creates a console folder: a Put of a new
// SMS_ObjectContainerNode under its parent (a folder of the site, or one
// this apply creates first), marked as tsctl's in SearchString.
type createFolder struct {
	obj        *plan.Object
	name       string
	typ        int
	parent     int64  // the parent's ContainerNodeID, when it exists
	parentAddr string // else the parent's address in the plan
}

func (c *createFolder) Object() *plan.Object { return c.obj }

func (c *createFolder) calls(bool) []int { return []int{1} }

func (c *createFolder) apply(ctx context.Context, a *applier) (string, error) {
	parent := c.parent
	if c.parentAddr != "" {
		id, ok := a.folderID(c.parentAddr)
		if !ok {
			return "", fmt.Errorf("create %s: its parent folder was not created", what(c.obj))
		}
		parent = id
	}
	in := provider.New(object.ClassContainerNode)
	in.Props["Name"] = c.name
	in.Props["ObjectType"] = int64(c.typ)
	in.Props["ParentContainerNodeID"] = parent
	in.Props["SearchFolder"] = false
	in.Props["SearchString"] = a.mark
	path, err := a.site.Put(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", what(c.obj), err)
	}
	_, keys, err := provider.ParsePath(path)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", what(c.obj), err)
	}
	id, err := strconv.ParseInt(keys["ContainerNodeID"], 10, 64)
	if err != nil {
		return "", fmt.Errorf("create %s: the site answered %s", what(c.obj), path)
	}
	a.setFolderID(c.obj.Address, id)
	return keys["ContainerNodeID"], nil
}

// moveToFolder moves an object into its folder (MoveMembers).
type moveToFolder struct {
	typ      int
	from, to int64
	toAddr   string // a folder this apply creates, when set
}

func (m *moveToFolder) calls() []int { return []int{1} }

func (m *moveToFolder) run(ctx context.Context, a *applier, id string) error {
	to := m.to
	if m.toAddr != "" {
		created, ok := a.folderID(m.toAddr)
		if !ok {
			return fmt.Errorf("move %s to its folder: the folder was not created", id)
		}
		to = created
	}
	_, err := a.site.ExecMethod(ctx, object.ClassContainerItem, "MoveMembers", map[string]any{
		"InstanceKeys": []string{id}, "ContainerNodeID": m.from, "TargetContainerNodeID": to, "ObjectType": int64(m.typ)})
	if err != nil {
		return fmt.Errorf("move %s to folder %d: %w", id, to, err)
	}
	return nil
}
