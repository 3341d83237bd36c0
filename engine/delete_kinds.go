package engine

// Deleting deployments and folders, and what deleting a package or
// sequence owes them:
//
//   - A package or sequence that a deployment on the site deploys is not
//     deleted: planning refuses it, naming the deployments, unless the
//     plan deletes (or replaces with one of another sequence) each of
//     them first; right before the delete call the site's deployments of it
//     are listed again.
//   - A folder tsctl created (SearchString holds its mark) is deleted by
//     --prune once nothing is left in it after the apply: no object (those
//     moved out or deleted by the plan do not count) and no folder but
//     those the plan deletes too. It is deleted after them, deepest first,
//     and only if it is still empty right before the delete call.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// checkDeployed refuses to delete a package or sequence that a deployment
// on the site deploys and that stays after the apply, and makes each such
// deletion wait for the deletion or replacement of its deployments.
func (p *Planned) checkDeployed(packages, deletes []*entry, ds *diag.List) {
	st := p.State
	deleted := map[string]*entry{}
	for _, d := range deletes {
		if d.obj.Kind == object.Deployment {
			deleted[strings.ToUpper(d.obj.ID)] = d
		}
	}
	for _, e := range p.entries {
		if e.obj.Kind == object.Deployment && e.obj.Action == plan.Replace {
			deleted[strings.ToUpper(e.obj.ID)] = e
		}
	}
	for _, pkg := range packages {
		var stay []string
		for _, adv := range st.Objects(object.ClassAdvertisement) {
			if !strings.EqualFold(adv.String("PackageID"), pkg.obj.ID) {
				continue
			}
			id := adv.String("AdvertisementID")
			if gone := deleted[strings.ToUpper(id)]; gone != nil && (gone.obj.Action == plan.Delete || !p.deploysStill(gone, pkg.obj.ID)) {
				pkg.obj.DependsOn = append(pkg.obj.DependsOn, gone.obj.Address)
				continue
			}
			stay = append(stay, fmt.Sprintf("%q (%s)", adv.String("AdvertisementName"), id))
		}
		if len(stay) > 0 {
			sort.Strings(stay)
			ds.AddHint(p.absentAt(pkg.obj), "delete the deployments first (absent: true, or --prune for those tsctl made), or keep the "+pkg.obj.Kind.Describe(),
				"cannot delete %s %q (%s): deployed by %s %s", pkg.obj.Kind.Describe(), pkg.obj.Name, pkg.obj.ID,
				plural(len(stay), "deployment", "deployments"), strings.Join(stay, ", "))
		}
		sort.Strings(pkg.obj.DependsOn)
	}
}

// deploysStill reports whether a deployment the plan replaces deploys the
// package with PackageID id after the apply.
func (p *Planned) deploysStill(e *entry, id string) bool {
	for _, c := range e.obj.Changes {
		if c.Field == "sequence" {
			return false // it moves to another sequence
		}
	}
	return true
}

// DeployedError is why a package or sequence was not deleted: deployments
// on the site deploy it at the moment of deletion.
type DeployedError struct {
	What        string // e.g. `sequence "Deploy" (PS100009)`
	Deployments string // as `"Name" (ID)`, comma-separated
}

func (e *DeployedError) Error() string {
	return "not deleted: still deployed by " + e.Deployments
}

// ErrorHint implements diag's hint interface.
func (e *DeployedError) ErrorHint() string {
	return "delete the deployments of " + e.What + " first, then run tsctl apply again"
}

// checkUndeployed refuses (*DeployedError) to delete o while a deployment
// on the site deploys it.
func checkUndeployed(ctx context.Context, site provider.Site, o *plan.Object) error {
	list, err := site.Query(ctx, provider.Query{Class: object.ClassAdvertisement, Select: []string{"AdvertisementID", "AdvertisementName", "PackageID"},
		Where: map[string]string{"PackageID": o.ID}})
	if err != nil {
		return fmt.Errorf("check what deploys %s before deleting it: %w", what(o), err)
	}
	var names []string
	for _, a := range list {
		if strings.EqualFold(a.String("PackageID"), o.ID) {
			names = append(names, fmt.Sprintf("deployment %q (%s)", a.String("AdvertisementName"), a.String("AdvertisementID")))
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return &DeployedError{What: fmt.Sprintf("%s %q (%s)", o.Kind, o.Name, o.ID), Deployments: strings.Join(names, ", ")}
	}
	return nil
}

// NotEmptyError is why a folder was not deleted: something is in it at
// the moment of deletion.
type NotEmptyError struct {
	What string
	Held []string
}

func (e *NotEmptyError) Error() string {
	return "not deleted: the folder holds " + strings.Join(e.Held, ", ")
}

// ErrorHint implements diag's hint interface.
func (e *NotEmptyError) ErrorHint() string {
	return "move what is in " + e.What + " elsewhere, then run tsctl apply --prune again"
}

// checkEmpty refuses (*NotEmptyError) to delete a folder that holds an
// object or a folder.
func checkEmpty(ctx context.Context, site provider.Site, o *plan.Object) error {
	items, err := site.Query(ctx, provider.Query{Class: object.ClassContainerItem, Select: []string{"MemberID", "InstanceKey"}, Where: map[string]string{"ContainerNodeID": o.ID}})
	if err != nil {
		return fmt.Errorf("check that %s is empty: %w", what(o), err)
	}
	subs, err := site.Query(ctx, provider.Query{Class: object.ClassContainerNode, Select: []string{"ContainerNodeID", "Name"}, Where: map[string]string{"ParentContainerNodeID": o.ID}})
	if err != nil {
		return fmt.Errorf("check that %s is empty: %w", what(o), err)
	}
	var held []string
	for _, it := range items {
		held = append(held, it.String("InstanceKey"))
	}
	for _, f := range subs {
		held = append(held, fmt.Sprintf("folder %q", f.String("Name")))
	}
	if len(held) > 0 {
		sort.Strings(held)
		return &NotEmptyError{What: what(o), Held: held}
	}
	return nil
}

// pruneFolders finds the folders --prune deletes: folders of the kinds
// tsctl files, on no folder path the configuration names, that hold
// nothing once the apply is done (deletes are the plan's other
// deletions) — and whose SearchString carries this configuration's mark,
// read with one Get of each such folder. Deepest folders come first.
func (p *Planned) pruneFolders(ctx context.Context, deletes []*entry, opts PlanOptions) ([]*entry, error) {
	t := p.folders
	if t == nil {
		return nil, nil
	}
	cfg := p.Config
	kept := map[string]bool{} // type + lower path of every folder on a declared path
	keep := func(kind object.Kind, path string) {
		typ, ok := kind.FolderType()
		parts := splitFolder(path)
		for i := range parts {
			if ok {
				kept[strconv.Itoa(typ)+"\x00"+strings.ToLower(strings.Join(parts[:i+1], "/"))] = true
			}
		}
	}
	for _, cp := range cfg.Packages {
		if !cp.Absent && cp.Folder != "" {
			keep(cp.Type, cp.Folder)
		}
	}
	for _, cs := range cfg.Sequences {
		if !cs.Absent && cs.Folder != "" {
			keep(object.Sequence, cs.Folder)
		}
	}
	// What leaves each folder with the apply: objects moved out, objects
	// deleted.
	leaving := map[int64]map[string]bool{}
	leave := func(node int64, key string) {
		if leaving[node] == nil {
			leaving[node] = map[string]bool{}
		}
		leaving[node][strings.ToUpper(key)] = true
	}
	movers := map[int64][]string{} // folder → addresses of the objects moving out
	for _, e := range p.entries {
		for _, f := range e.then {
			if m, ok := f.(*moveToFolder); ok && m.from != 0 && e.obj.ID != "" {
				leave(m.from, e.obj.ID)
				movers[m.from] = append(movers[m.from], e.obj.Address)
			}
		}
	}
	deleters := map[int64][]string{}
	for _, d := range deletes {
		if typ, ok := d.obj.Kind.FolderType(); ok {
			if node := t.in[itemKey(typ, d.obj.ID)]; node != 0 {
				leave(node, d.obj.ID)
				deleters[node] = append(deleters[node], d.obj.Address)
			}
		}
	}
	kids := map[int64][]int64{}
	for id, f := range t.byID {
		kids[f.Int("ParentContainerNodeID")] = append(kids[f.Int("ParentContainerNodeID")], id)
	}
	// A folder may go when it is of a kind tsctl manages, not kept, empty
	// after the apply, and every folder in it may go too.
	memo := map[int64]bool{}
	var mayGo func(id int64) bool
	mayGo = func(id int64) bool {
		if v, ok := memo[id]; ok {
			return v
		}
		memo[id] = false
		f := t.byID[id]
		k, ok := object.OfFolderType(int(f.Int("ObjectType")))
		if !ok || !k.Managed() || !t.read[int(f.Int("ObjectType"))] || f.Bool("SearchFolder") || kept[f.String("ObjectType")+"\x00"+strings.ToLower(t.pathOf(id))] {
			return false
		}
		for _, key := range t.items[id] {
			if !leaving[id][key] {
				return false
			}
		}
		for _, c := range kids[id] {
			if !mayGo(c) {
				return false
			}
		}
		memo[id] = true
		return true
	}
	var ids []int64
	for id := range t.byID {
		if mayGo(id) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	// Each candidate's mark is lazy: one Get each.
	mine := map[int64]bool{}
	for _, id := range ids {
		full, err := p.State.Site.Get(ctx, provider.Path(object.ClassContainerNode, "ContainerNodeID", strconv.FormatInt(id, 10)))
		if provider.IsKind(err, provider.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read folder %d: %w", id, err)
		}
		mine[id] = full.String("SearchString") == ownerMark(cfg)
	}
	var out []*entry
	entries := map[int64]*entry{}
	var add func(id int64) bool
	add = func(id int64) bool {
		if e, done := entries[id]; done {
			return e != nil
		}
		entries[id] = nil
		if !mine[id] {
			return false
		}
		for _, c := range kids[id] {
			if !add(c) {
				return false
			}
		}
		f := t.byID[id]
		k, _ := object.OfFolderType(int(f.Int("ObjectType")))
		path := t.pathOf(id)
		key := strconv.FormatInt(id, 10)
		o := &plan.Object{Address: folderAddress(k, path), Kind: object.Folder, Name: path, ID: key, Action: plan.Delete,
			Reason: "delete_because_not_in_configuration"}
		o.Changes = []plan.Change{{Field: "ObjectType", Before: folderTypeName(k), HasBefore: true}}
		o.DependsOn = append(append(o.DependsOn, movers[id]...), deleters[id]...)
		for _, c := range kids[id] {
			o.DependsOn = append(o.DependsOn, entries[c].obj.Address)
		}
		sort.Strings(o.DependsOn)
		e := &entry{obj: o, site: f, change: &deleteObject{obj: o, path: provider.Path(object.ClassContainerNode, "ContainerNodeID", key)}}
		entries[id] = e
		out = append(out, e)
		return true
	}
	for _, id := range ids {
		add(id)
	}
	return out, nil
}
