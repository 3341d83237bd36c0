package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
)

// usesFolders reports whether a configuration files any object in a
// console folder.
func usesFolders(cfg *config.Config) bool {
	for _, p := range cfg.Packages {
		if p.Folder != "" && !p.Absent {
			return true
		}
	}
	for _, s := range cfg.Sequences {
		if s.Folder != "" && !s.Absent {
			return true
		}
	}
	return false
}

// readOnDemand reads what the configuration needs beyond what every plan
// reads (object.Kind.OnDemand): deployments and collections when it
// declares deployments, or deletes (a deployed sequence is not deleted,
// and --prune deletes deployments too); console folders and what they hold
// when it files objects in folders or prunes; distribution points, their
// groups and what they hold when it distributes content. A configuration
// of packages and sequences alone reads nothing more.
func (p *Planned) readOnDemand(ctx context.Context, opts PlanOptions, ds *diag.List) error {
	cfg := p.Config
	var kinds []object.Kind
	deletes := opts.Prune || declaresAbsent(cfg)
	if len(cfg.Deployments) > 0 || deletes {
		kinds = append(kinds, object.Deployment)
	}
	if len(cfg.Deployments) > 0 {
		kinds = append(kinds, object.Collection)
	}
	folders := usesFolders(cfg) || opts.Prune
	if folders {
		kinds = append(kinds, object.Folder)
	}
	content := usesDistribution(cfg)
	if content {
		kinds = append(kinds, object.DistributionPointGroup, object.DistributionPoint)
	}
	if len(kinds) == 0 {
		return nil
	}
	if err := p.State.ReadKinds(ctx, kinds, opts.reads()); err != nil {
		return err
	}
	if folders {
		if err := p.readFolders(ctx, opts.reads(), opts.Prune); err != nil {
			return err
		}
	}
	if content {
		return p.readContent(ctx, opts.reads(), ds)
	}
	return nil
}

// planRedistribution plans --redistribute: each named package (of any
// kind with content, declared or on the site) sends its content again to
// the distribution points that hold it. One that no distribution point
// holds and that the plan does not distribute has nothing to send again:
// an error, not a refresh that reaches nobody (one query per name).
func (p *Planned) planRedistribution(ctx context.Context, names []string, ds *diag.List) error {
	for _, name := range names {
		var found []*entry
		for _, k := range object.ContentKinds {
			if e := p.entries[address(k, name)]; e != nil {
				found = append(found, e)
				continue
			}
			in, err := p.State.Find(k.Class(), name)
			if err != nil {
				ds.AddErr(diag.Pos{}, fmt.Errorf("--redistribute %q: %w", name, err))
				continue
			}
			if in != nil {
				e := &entry{obj: &plan.Object{Address: address(k, in.String("Name")), Kind: k, Name: in.String("Name"), ID: in.String("PackageID"),
					Version: in.String("SedoObjectVersion")}, site: in}
				p.entries[e.obj.Address] = e
				p.extra = append(p.extra, e.obj)
				found = append(found, e)
			}
		}
		switch {
		case len(found) == 0:
			ds.AddHint(diag.Pos{}, "name a package, driver package, OS image, OS upgrade package or boot image",
				"--redistribute %q: no object with content of that name, declared or on site %s", name, p.State.Site.Code())
			continue
		case len(found) > 1:
			var kinds []string
			for _, e := range found {
				kinds = append(kinds, e.obj.Kind.Describe())
			}
			ds.Add(diag.Pos{}, "--redistribute %q: names more than one object (%s)", name, strings.Join(kinds, ", "))
			continue
		}
		e := found[0]
		if e.site == nil {
			ds.AddHint(diag.Pos{}, "a new package is distributed with distribute:, not redistributed", "--redistribute %q: %s %q is not on the site yet", name, e.obj.Kind.Describe(), name)
			continue
		}
		// The distribution points that hold it: where the content is sent
		// again, and what --wait-distribution waits for.
		id := e.site.String("PackageID")
		held, err := p.State.Site.Query(ctx, provider.Query{Class: object.ClassDistributionPoint, Select: []string{"PackageID", "ServerNALPath"}, Where: map[string]string{"PackageID": id}})
		if err != nil {
			return fmt.Errorf("--redistribute %q: read the distribution points of %s: %w", name, id, err)
		}
		var nals []string
		for _, in := range held {
			if strings.EqualFold(in.String("PackageID"), id) {
				nals = append(nals, in.String("ServerNALPath"))
			}
		}
		if len(nals) == 0 && !p.distributes(e.obj.Kind, e.obj.Name) {
			ds.AddHint(diag.Pos{}, "distribute it first (distribute: on the package or on a sequence that uses it)",
				"--redistribute %q: %s %q (%s) is on no distribution point: there is nothing to send again", name, e.obj.Kind.Describe(), e.obj.Name, id)
			continue
		}
		p.waitRedistributed(contentItem{kind: e.obj.Kind, name: e.obj.Name, id: id}, nals)
		// The source version the content is at: RefreshPkgSource raises it,
		// so a saved plan applied again finds it sent (planfile.AlreadyApplied).
		before := "on its distribution points"
		if v := e.site.Int("SourceVersion"); v > 0 {
			before = fmt.Sprintf("on its distribution points, source version %d", v)
		}
		e.obj.Changes = append(e.obj.Changes, plan.Change{Field: plan.FieldContent, Before: before, After: "sent again (RefreshPkgSource)", HasBefore: true, HasAfter: true})
		e.then = append(e.then, &redistribute{kind: e.obj.Kind})
	}
	return nil
}

// waitRedistributed records content sent again for waiting, on each
// distribution point that holds it (NAL paths nals) that waiting does not
// cover already through what the configuration distributes.
func (p *Planned) waitRedistributed(it contentItem, nals []string) {
	seen := map[string]bool{}
	key := func(kind object.Kind, name, nal string) string {
		return kind.String() + "\x00" + strings.ToLower(name) + "\x00" + strings.ToUpper(nal)
	}
	for _, t := range p.content {
		seen[key(t.item.kind, t.item.name, t.nal)] = true
	}
	sort.Strings(nals)
	for _, nal := range nals {
		if k := key(it.kind, it.name, nal); !seen[k] {
			seen[k] = true
			p.content = append(p.content, contentTarget{item: it, nal: nal, server: p.serverOf(nal)})
		}
	}
}

// distributes reports whether the plan distributes the content of kind
// named name somewhere.
func (p *Planned) distributes(kind object.Kind, name string) bool {
	for _, e := range p.entries {
		for _, f := range e.then {
			d, ok := f.(*distribute)
			if !ok {
				continue
			}
			for _, list := range []map[string][]contentItem{d.groups, d.points} {
				for _, items := range list {
					for _, it := range items {
						if it.kind == kind && strings.EqualFold(it.name, name) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}
