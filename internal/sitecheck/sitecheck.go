package sitecheck

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// Status is the outcome of one probe.
type Status int

const (
	OK   Status = iota // works as tsctl needs
	Warn               // works, or cannot be told, in a way tsctl copes with
	Fail               // tsctl cannot work this way
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	}
	return "FAIL"
}

// Result is one probe's outcome.
type Result struct {
	Status Status
	Probe  string // what was tried, e.g. "query SMS_Package"
	Detail string // what was found
}

// Classes are the classes tsctl queries whole: those every plan reads,
// in plan order, then those a plan reads when the configuration needs
// them (deployments' collections and the site's verification settings,
// distribution points and their groups, folder items). Classes tsctl
// only queries by key (content on a distribution point and its status,
// a collection's members) are not probed: unfiltered, a site lists every
// package on every distribution point.
var Classes = func() []string {
	out := object.ReadClasses()
	for _, k := range object.All {
		if k.OnDemand() {
			out = append(out, k.Class())
		}
	}
	return append(out, object.ClassContainerItem, object.ClassDPGroupMembers, object.ClassSiteDefinition, object.ClassSystemResource)
}()

// Right is a permission tsctl needs on a secured object type.
type Right struct {
	ObjectType string   // SMS_RbacSecuredObject.ObjectTypeName
	Operations []string // OperationName of the SMS_Operation each needs
	Why        string
}

// Rights are those README's "Permissions (RBAC)" lists.
var Rights = []Right{
	{"SMS_TaskSequencePackage", []string{"Read", "Modify", "Create"}, "task sequences tsctl manages"},
	{"SMS_Package", []string{"Read", "Modify", "Create"}, "packages tsctl manages"},
	{"SMS_BootImagePackage", []string{"Read"}, "boot images referenced"},
	{"SMS_ImagePackage", []string{"Read"}, "OS images referenced"},
	{"SMS_OperatingSystemInstallPackage", []string{"Read"}, "OS upgrade packages referenced"},
	{"SMS_DriverPackage", []string{"Read"}, "driver packages referenced"},
	{"SMS_Application", []string{"Read"}, "applications referenced"},
	{"SMS_Advertisement", []string{"Read", "Modify", "Create"}, "deployments tsctl manages"},
	{"SMS_Collection", []string{"Read"}, "collections deployed to"},
}

// PruneRights are needed only for --prune.
var PruneRights = []Right{
	{"SMS_TaskSequencePackage", []string{"Delete"}, "--prune"},
	{"SMS_Package", []string{"Delete"}, "--prune"},
	{"SMS_Advertisement", []string{"Delete"}, "--prune"},
}

// Run probes site, which must already be connected (the site code read:
// site.Code()). It makes only reads: queries, one Get, one
// GetLockInformation, and reads of SMS_RbacSecuredObject.
func Run(ctx context.Context, site provider.Site) []Result {
	res := []Result{{OK, "site code", site.Code() + " (" + provider.ClassIdentification + ".ThisSiteCode)"}}
	var seq *provider.Instance
	for _, class := range Classes {
		list, err := site.Query(ctx, provider.Query{Class: class})
		if err != nil {
			res = append(res, Result{Fail, "query " + class, errText(err)})
			continue
		}
		res = append(res, Result{OK, "query " + class, fmt.Sprintf("%d %s", len(list), plural(len(list), "object", "objects"))})
		if class == object.ClassTaskSequencePackage && len(list) > 0 {
			seq = list[0]
		}
	}
	res = append(res, lazyRead(ctx, site, seq))
	res = append(res, lockProbe(ctx, site, seq))
	return append(res, rights(ctx, site)...)
}

func lazyRead(ctx context.Context, site provider.Site, seq *provider.Instance) Result {
	probe := "lazy read of a task sequence (Get)"
	if seq == nil || seq.String("PackageID") == "" {
		return Result{Warn, probe, "not tried: the site lists no task sequence"}
	}
	path := provider.Path(object.ClassTaskSequencePackage, "PackageID", seq.String("PackageID"))
	in, err := site.Get(ctx, path)
	if err != nil {
		return Result{Fail, probe, path + ": " + errText(err)}
	}
	xml := in.String("Sequence")
	if xml == "" {
		return Result{Fail, probe, path + ": the lazy Sequence is missing, so plans would see every sequence as empty"}
	}
	n := 0
	switch refs := in.Props["References"].(type) {
	case []*provider.Instance:
		n = len(provider.SequenceReferences(in))
	case []string: // an empty JSON array carries no type
		if len(refs) > 0 {
			return Result{Warn, probe, fmt.Sprintf("%s: Sequence read (%d bytes) but References arrived as text, not objects", path, len(xml))}
		}
	case nil:
		return Result{Warn, probe, fmt.Sprintf("%s: Sequence read (%d bytes) but References is absent: prune's \"still referenced\" check would see nothing", path, len(xml))}
	default:
		return Result{Warn, probe, fmt.Sprintf("%s: Sequence read (%d bytes) but References arrived as %T, not objects", path, len(xml), refs)}
	}
	return Result{OK, probe, fmt.Sprintf("%s: Sequence (%d bytes) and %d %s", path, len(xml), n, plural(n, "reference", "references"))}
}

func lockProbe(ctx context.Context, site provider.Site, seq *provider.Instance) Result {
	probe := "SMS_ObjectLock.GetLockInformation"
	path := provider.Path(object.ClassPackage, "PackageID", site.Code()+"00001")
	if seq != nil && seq.String("PackageID") != "" {
		path = provider.Path(object.ClassTaskSequencePackage, "PackageID", seq.String("PackageID"))
	}
	li, err := provider.GetLockInformation(ctx, site, path)
	switch {
	case err != nil && provider.IsUnsupported(err):
		return Result{Warn, probe, "not offered (" + errText(err) + "): apply then relies on the site refusing the save of a locked object"}
	case err != nil:
		return Result{Fail, probe, path + ": " + errText(err)}
	case li.Held():
		return Result{OK, probe, path + ": " + li.String()}
	}
	return Result{OK, probe, path + ": " + li.State.String()}
}

// rights reads the operations granted to the account on each object type
// tsctl needs (SMS_RbacSecuredObject.GrantedOperations, named by the
// lazy Operations list).
func rights(ctx context.Context, site provider.Site) []Result {
	probe := "rights (SMS_RbacSecuredObject)"
	list, err := site.Query(ctx, provider.Query{Class: "SMS_RbacSecuredObject", Select: []string{"ObjectTypeID", "ObjectTypeName", "GrantedOperations"}})
	if err != nil {
		return []Result{{Warn, probe, "cannot tell (" + errText(err) + "); the rights tsctl needs are listed under Permissions (RBAC) in its README"}}
	}
	if len(list) == 0 {
		return []Result{{Warn, probe, "cannot tell: the site lists no secured object types (the embedded local site has no roles); the rights tsctl needs are listed under Permissions (RBAC) in its README"}}
	}
	byName := map[string]*provider.Instance{}
	for _, in := range list {
		byName[strings.ToLower(in.String("ObjectTypeName"))] = in
	}
	var res []Result
	check := func(rs []Right, missing Status) {
		for _, r := range rs {
			p := "rights on " + r.ObjectType
			row := byName[strings.ToLower(r.ObjectType)]
			if row == nil {
				res = append(res, Result{Warn, p, "cannot tell: SMS_RbacSecuredObject lists no object type named " + r.ObjectType})
				continue
			}
			ops, err := operations(ctx, site, row)
			if err != nil {
				res = append(res, Result{Warn, p, "cannot tell: " + errText(err)})
				continue
			}
			granted := row.Int("GrantedOperations")
			var have, lack, unknown []string
			for _, op := range r.Operations {
				bit, known := ops[strings.ToLower(op)]
				switch {
				case !known:
					unknown = append(unknown, op)
				case granted&bit != 0:
					have = append(have, op)
				default:
					lack = append(lack, op)
				}
			}
			switch {
			case len(lack) > 0:
				res = append(res, Result{missing, p, fmt.Sprintf("missing %s (needed for %s)", strings.Join(lack, ", "), r.Why)})
			case len(unknown) > 0:
				res = append(res, Result{Warn, p, "cannot tell: no operation named " + strings.Join(unknown, ", ")})
			default:
				res = append(res, Result{OK, p, strings.Join(have, ", ")})
			}
		}
	}
	check(Rights, Fail)
	check(PruneRights, Warn)
	return res
}

// operations reads an object type's operations (the lazy Operations of its
// SMS_RbacSecuredObject): lower-case OperationName → BitFlag.
func operations(ctx context.Context, site provider.Site, row *provider.Instance) (map[string]int64, error) {
	ops := row.Objects("Operations")
	if ops == nil {
		in, err := site.Get(ctx, provider.Path("SMS_RbacSecuredObject", "ObjectTypeID", row.String("ObjectTypeID")))
		if err != nil {
			return nil, err
		}
		ops = in.Objects("Operations")
	}
	out := map[string]int64{}
	for _, o := range ops {
		out[strings.ToLower(o.String("OperationName"))] = o.Int("BitFlag")
	}
	if len(out) == 0 {
		return nil, errors.New("its Operations list is empty")
	}
	return out, nil
}

// Summary counts the results by status.
func Summary(res []Result) (ok, warn, fail int) {
	for _, r := range res {
		switch r.Status {
		case OK:
			ok++
		case Warn:
			warn++
		default:
			fail++
		}
	}
	return
}

// Failed lists the probes that failed, sorted.
func Failed(res []Result) []string {
	var out []string
	for _, r := range res {
		if r.Status == Fail {
			out = append(out, r.Probe)
		}
	}
	sort.Strings(out)
	return out
}

func errText(err error) string {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return err.Error()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
