package engine

// Content on distribution points: a package or sequence that says
// distribute: {groups: […], points: […]} wants its content there — a
// package's own, a sequence's references (packages of every kind, not
// child sequences or applications) and its boot image. The plan lists
// what is missing where; apply assigns it (AddPackages of each group,
// AddDistributionPoints of each package for single distribution points).
// Content that is there is never sent again: redistributing after a change
// of a package's source is tsctl apply --redistribute NAME
// (RefreshPkgSource). WaitDistribution waits until every declared content
// is installed on every distribution point it should be on
// (SMS_PackageStatusDistPointsSummarizer).

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/provider"
)

// contentItem is one piece of content: an object with content, by kind
// and name, with its PackageID (Pending until apply creates it).
type contentItem struct {
	kind object.Kind
	name string
	id   string
}

// contentTarget is one content on one distribution point, for waiting.
type contentTarget struct {
	item   contentItem
	nal    string // the distribution point's NAL path
	server string // its server name
	via    string // the group it is on through, "" for a single distribution point
}

// contentSite is what a plan read of the site's distribution points.
type contentSite struct {
	groups  map[string]*provider.Instance // lower name → group
	points  map[string]*provider.Instance // lower server name → distribution point
	byNAL   map[string]*provider.Instance // upper NAL path → distribution point
	members map[string][]string           // GroupID → NAL paths
	// inGroup and onPoint say which PackageIDs (upper case) a group
	// holds, and a distribution point.
	inGroup map[string]map[string]bool
	onPoint map[string]map[string]bool
}

// usesDistribution reports whether a configuration declares content on
// distribution points.
func usesDistribution(cfg *config.Config) bool {
	for _, p := range cfg.Packages {
		if p.Distribute != nil && !p.Absent {
			return true
		}
	}
	for _, s := range cfg.Sequences {
		if s.Distribute != nil && !s.Absent {
			return true
		}
	}
	return false
}

// readContent reads the distribution points and groups the configuration
// names (their members, and what each holds: one query per group and per
// distribution point), once the State read the groups and points.
func (p *Planned) readContent(ctx context.Context, reads int, ds *diag.List) error {
	st, cfg := p.State, p.Config
	cs := &contentSite{groups: map[string]*provider.Instance{}, points: map[string]*provider.Instance{}, byNAL: map[string]*provider.Instance{},
		members: map[string][]string{}, inGroup: map[string]map[string]bool{}, onPoint: map[string]map[string]bool{}}
	for _, g := range st.Objects(object.ClassDistributionPointGroup) {
		cs.groups[strings.ToLower(g.String("Name"))] = g
	}
	for _, dp := range st.Objects(object.ClassDistributionPointInfo) {
		cs.points[strings.ToLower(dp.String("ServerName"))] = dp
		cs.byNAL[strings.ToUpper(dp.String("NALPath"))] = dp
	}
	p.contentSite = cs
	groups, points := map[string]bool{}, map[string]bool{}
	check := func(d *config.Distribution, at diag.Pos) {
		if d == nil {
			return
		}
		for _, g := range d.Groups {
			if cs.groups[strings.ToLower(g)] == nil {
				err := fmt.Errorf("distribution point group %q is not on site %s", g, st.Site.Code())
				if s := diag.Similar(g, st.Names(object.ClassDistributionPointGroup)); len(s) > 0 {
					ds.AddHint(at, diag.DidYouMean(s), "%v", err)
				} else {
					ds.AddErr(at, err)
				}
				continue
			}
			groups[cs.groups[strings.ToLower(g)].String("GroupID")] = true
		}
		for _, n := range d.Points {
			dp := cs.points[strings.ToLower(n)]
			if dp == nil {
				err := fmt.Errorf("distribution point %q is not on site %s", n, st.Site.Code())
				if s := diag.Similar(n, st.Names(object.ClassDistributionPointInfo)); len(s) > 0 {
					ds.AddHint(at, diag.DidYouMean(s), "%v", err)
				} else {
					ds.AddHint(at, "name a distribution point by its server name, e.g. DP01.corp.example", "%v", err)
				}
				continue
			}
			points[dp.String("NALPath")] = true
		}
	}
	for _, cp := range cfg.Packages {
		if !cp.Absent {
			check(cp.Distribute, cp.DistributePos)
		}
	}
	for _, s := range cfg.Sequences {
		if !s.Absent {
			check(s.Distribute, s.DistributePos)
		}
	}
	if ds.HasErrors() {
		return nil
	}
	type read struct {
		q    provider.Query
		into func([]*provider.Instance)
	}
	var todo []read
	todo = append(todo, read{provider.Query{Class: object.ClassDPGroupMembers}, func(list []*provider.Instance) {
		for _, m := range list {
			cs.members[m.String("GroupID")] = append(cs.members[m.String("GroupID")], m.String("DPNALPath"))
		}
	}})
	for _, id := range sortedSet(groups) {
		todo = append(todo, read{provider.Query{Class: object.ClassDPGroupPackages, Where: map[string]string{"GroupID": id}}, func(list []*provider.Instance) {
			set := map[string]bool{}
			for _, gp := range list {
				set[strings.ToUpper(gp.String("PkgID"))] = true
			}
			cs.inGroup[id] = set
		}})
	}
	for _, nal := range sortedSet(points) {
		todo = append(todo, read{provider.Query{Class: object.ClassDistributionPoint, Select: []string{"PackageID", "ServerNALPath", "SiteCode"},
			Where: map[string]string{"ServerNALPath": nal}}, func(list []*provider.Instance) {
			set := map[string]bool{}
			for _, dp := range list {
				set[strings.ToUpper(dp.String("PackageID"))] = true
			}
			cs.onPoint[strings.ToUpper(nal)] = set
		}})
	}
	results := make([][]*provider.Instance, len(todo))
	errs := make([]error, len(todo))
	slots := make(chan struct{}, max(1, reads))
	var wg sync.WaitGroup
	for i, r := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i], errs[i] = st.Site.Query(ctx, r.q)
		}()
	}
	wg.Wait()
	for i, r := range todo {
		if errs[i] != nil {
			return fmt.Errorf("read %s: %w", r.q.Class, errs[i])
		}
		r.into(results[i])
	}
	return nil
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// contentOf lists the content of a declared object: a package's own, a
// sequence's references with content and its boot image.
func (p *Planned) contentOf(e *entry, r *resolve.Resolver, used []resolve.Ref) []contentItem {
	if e.seq == nil {
		id := desired.Pending
		if e.site != nil {
			id = e.site.String("PackageID")
		}
		return []contentItem{{e.obj.Kind, e.obj.Name, id}}
	}
	var out []contentItem
	seen := map[string]bool{}
	add := func(it contentItem) {
		k := it.kind.String() + "\x00" + strings.ToLower(it.name)
		if !seen[k] {
			seen[k] = true
			out = append(out, it)
		}
	}
	for _, ref := range e.wantRefs {
		if ref.Package == "" || ref.Package == desired.Pending {
			continue
		}
		in := p.State.ByID(ref.Package)
		if in == nil {
			continue
		}
		k, _ := object.OfClass(in.Class)
		if k.HasContent() {
			add(contentItem{k, in.String("Name"), in.String("PackageID")})
		}
	}
	for _, ref := range used {
		if ref.Kind.HasContent() {
			for _, cp := range p.Config.Packages {
				if cp.Type == ref.Kind && strings.EqualFold(cp.Name, ref.Name) {
					id, _ := r.ID(cp.Type, cp.Name)
					add(contentItem{cp.Type, cp.Name, id})
				}
			}
		}
	}
	if boot := e.seq.BootImage; boot != "" {
		if id, err := bootImageID(r, e.seq); err == nil && id != "" {
			if in := p.State.ByID(id); in != nil {
				add(contentItem{object.BootImage, in.String("Name"), id})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// planContent plans, for each declared object that names distribution
// points, the content missing there: listed on the object's plan entry
// (each content and target once in a plan, on the first object that
// wants it) and distributed after the object's own change. It also
// records every content and distribution point, for waiting.
func (p *Planned) planContent(r *resolve.Resolver, used map[string][]resolve.Ref) {
	cs, cfg := p.contentSite, p.Config
	claimed := map[string]bool{}
	waited := map[string]bool{}
	type declared struct {
		addr string
		d    *config.Distribution
	}
	var objs []declared
	for _, cp := range cfg.Packages {
		if !cp.Absent && cp.Distribute != nil {
			objs = append(objs, declared{address(cp.Type, cp.Name), cp.Distribute})
		}
	}
	for _, s := range cfg.Sequences {
		if !s.Absent && s.Distribute != nil {
			objs = append(objs, declared{address(object.Sequence, s.Name), s.Distribute})
		}
	}
	for _, o := range objs {
		e := p.entries[o.addr]
		if e == nil {
			continue
		}
		items := p.contentOf(e, r, used[o.addr])
		dist := &distribute{groups: map[string][]contentItem{}, points: map[string][]contentItem{}}
		for _, g := range o.d.Groups {
			grp := cs.groups[strings.ToLower(g)]
			gid := grp.String("GroupID")
			for _, it := range items {
				for _, nal := range cs.members[gid] {
					p.wait(waited, it, nal, grp.String("Name"))
				}
				key := "g\x00" + gid + "\x00" + it.kind.String() + "\x00" + strings.ToLower(it.name)
				if claimed[key] || (it.id != desired.Pending && cs.inGroup[gid][strings.ToUpper(it.id)]) {
					continue
				}
				claimed[key] = true
				dist.groups[gid] = append(dist.groups[gid], it)
				e.obj.Content = append(e.obj.Content, plan.Content{Kind: it.kind, Name: it.name, ID: pendingless(it.id),
					TargetKind: object.DistributionPointGroup, Target: grp.String("Name")})
			}
		}
		for _, n := range o.d.Points {
			dp := cs.points[strings.ToLower(n)]
			nal := dp.String("NALPath")
			for _, it := range items {
				p.wait(waited, it, nal, "")
				key := "p\x00" + strings.ToUpper(nal) + "\x00" + it.kind.String() + "\x00" + strings.ToLower(it.name)
				if claimed[key] || (it.id != desired.Pending && cs.onPoint[strings.ToUpper(nal)][strings.ToUpper(it.id)]) {
					continue
				}
				claimed[key] = true
				dist.points[nal] = append(dist.points[nal], it)
				e.obj.Content = append(e.obj.Content, plan.Content{Kind: it.kind, Name: it.name, ID: pendingless(it.id),
					TargetKind: object.DistributionPoint, Target: dp.String("ServerName")})
			}
		}
		if len(dist.groups)+len(dist.points) > 0 {
			dist.site = p.State.Site.Code()
			e.then = append(e.then, dist)
		}
	}
}

// wait records content on a distribution point for waiting, once.
func (p *Planned) wait(seen map[string]bool, it contentItem, nal, group string) {
	k := it.kind.String() + "\x00" + strings.ToLower(it.name) + "\x00" + strings.ToUpper(nal)
	if seen[k] {
		return
	}
	seen[k] = true
	p.content = append(p.content, contentTarget{item: it, nal: nal, server: p.serverOf(nal), via: group})
}

// serverOf names the distribution point at a NAL path: its ServerName
// when the plan read the distribution points, else the server the path
// ends with (["Display=\\DP01\"]MSWNET:["SMS_SITE=PS1"]\\DP01\).
func (p *Planned) serverOf(nal string) string {
	if p.contentSite != nil {
		if dp := p.contentSite.byNAL[strings.ToUpper(nal)]; dp != nil {
			return dp.String("ServerName")
		}
	}
	if i := strings.LastIndex(nal, "]\\\\"); i >= 0 {
		if server := strings.Trim(nal[i+3:], "\\"); server != "" {
			return server
		}
	}
	return nal
}

// pendingless is an ID as a plan shows it: none until apply creates it.
func pendingless(id string) string {
	if id == desired.Pending {
		return ""
	}
	return id
}

// distribute assigns content to distribution point groups (AddPackages
// of each group, every PackageID at once) and to single distribution
// points (AddDistributionPoints of each package, every distribution
// point at once).
type distribute struct {
	site   string                   // the site code
	groups map[string][]contentItem // GroupID → content
	points map[string][]contentItem // NAL path → content
}

// calls: AddPackages of each group, then AddDistributionPoints of each
// package sent to single distribution points.
func (d *distribute) calls() []int {
	var steps []int
	for range d.groups {
		steps = append(steps, 1)
	}
	pkgs := map[string]bool{}
	for _, items := range d.points {
		for _, it := range items {
			pkgs[it.kind.String()+"\x00"+it.id+"\x00"+it.name] = true
		}
	}
	for range pkgs {
		steps = append(steps, 1)
	}
	return steps
}

func (d *distribute) run(ctx context.Context, a *applier, _ string) error {
	idOf := func(it contentItem) (string, error) {
		if it.id != desired.Pending {
			return it.id, nil
		}
		id, err := a.r.ID(it.kind, it.name)
		if err != nil || id == desired.Pending {
			return "", fmt.Errorf("distribute %s %q: it was not created", it.kind, it.name)
		}
		return id, nil
	}
	for _, gid := range sortedKeysOf(d.groups) {
		var ids []string
		for _, it := range d.groups[gid] {
			id, err := idOf(it)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if _, err := a.site.ExecMethod(ctx, provider.Path(object.ClassDistributionPointGroup, "GroupID", gid), "AddPackages", map[string]any{"PackageIDs": ids}); err != nil {
			return fmt.Errorf("distribute %s to distribution point group %s: %w", strings.Join(ids, ", "), gid, err)
		}
	}
	byPkg := map[string][]string{}
	kinds := map[string]object.Kind{}
	for _, nal := range sortedKeysOf(d.points) {
		for _, it := range d.points[nal] {
			id, err := idOf(it)
			if err != nil {
				return err
			}
			byPkg[id] = append(byPkg[id], nal)
			kinds[id] = it.kind
		}
	}
	for _, id := range sortedKeysOf(byPkg) {
		nals := byPkg[id]
		codes := make([]string, len(nals))
		for i := range codes {
			codes[i] = d.site
		}
		path := provider.Path(kinds[id].Class(), "PackageID", id)
		if _, err := a.site.ExecMethod(ctx, path, "AddDistributionPoints", map[string]any{"SiteCode": codes, "NALPath": nals}); err != nil {
			return fmt.Errorf("distribute %s to %d distribution %s: %w", id, len(nals), plural(len(nals), "point", "points"), err)
		}
	}
	return nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// redistribute sends a package's content to every distribution point
// that holds it again (RefreshPkgSource): what --redistribute plans.
type redistribute struct{ kind object.Kind }

func (c *redistribute) calls() []int { return []int{1} }

func (c *redistribute) run(ctx context.Context, a *applier, id string) error {
	if _, err := a.site.ExecMethod(ctx, provider.Path(c.kind.Class(), "PackageID", id), "RefreshPkgSource", map[string]any{}); err != nil {
		return fmt.Errorf("redistribute %s %s: %w", c.kind.Describe(), id, err)
	}
	return nil
}

// Distribution states (SMS_PackageStatusDistPointsSummarizer.State).
const (
	stateInstalled       = 0
	stateInstallPending  = 1
	stateInstallRetrying = 2
	stateInstallFailed   = 3
	stateRemovalPending  = 4
	stateRemovalRetrying = 5
	stateRemovalFailed   = 6
)

// distributionEnds says whether waiting for content in distribution state
// st is over: installed, or failed — the install failed, or the content
// is being removed from the distribution point (REMOVAL_PENDING,
// REMOVAL_RETRYING, REMOVAL_FAILED: someone removed it there; waiting
// would last until the timeout). Pending, retrying, updating and
// monitoring are waited for.
func distributionEnds(st int64) (done, failed bool) {
	switch st {
	case stateInstalled:
		return true, false
	case stateInstallFailed, stateRemovalPending, stateRemovalRetrying, stateRemovalFailed:
		return false, true
	}
	return false, false
}

// stateName names a distribution state as the class page does.
func stateName(s int64) string {
	names := []string{"INSTALLED", "INSTALL_PENDING", "INSTALL_RETRYING", "INSTALL_FAILED", "REMOVAL_PENDING", "REMOVAL_RETRYING",
		"REMOVAL_FAILED", "CONTENT_UPDATING", "CONTENT_MONITORING"}
	if s >= 0 && int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("state %d", s)
}

// DistributionStatus is one content on one distribution point, as waiting
// last read it.
type DistributionStatus struct {
	Kind   object.Kind
	Name   string // the content's
	ID     string // its PackageID
	Server string // the distribution point's
	Group  string // the group it is there through; "" for a single distribution point
	State  string // INSTALLED, INSTALL_PENDING, INSTALL_FAILED… ; "NOT_TARGETED" before the site lists it
	Done   bool   // installed
	Failed bool   // INSTALL_FAILED: waiting for it stops
}

// WaitOptions tune WaitDistribution.
type WaitOptions struct {
	Timeout time.Duration // give up after this long (0: 2 hours)
	// Interval is the first pause between reads; it doubles up to
	// MaxInterval (0: 200ms and 15s).
	Interval, MaxInterval time.Duration
	OnProgress            func([]DistributionStatus) // after each read
}

// WaitError says content did not reach its distribution points: some
// failed, or the wait ended first.
type WaitError struct {
	Failed, Pending []DistributionStatus
	TimedOut        bool
}

func (e *WaitError) Error() string {
	switch {
	case len(e.Failed) > 0 && len(e.Pending) > 0:
		return fmt.Sprintf("content failed on %d and was not installed on %d distribution points", len(e.Failed), len(e.Pending))
	case len(e.Failed) > 0:
		return fmt.Sprintf("content failed on %d distribution %s", len(e.Failed), plural(len(e.Failed), "point", "points"))
	}
	return fmt.Sprintf("content was not installed on %d distribution %s in time", len(e.Pending), plural(len(e.Pending), "point", "points"))
}

// ErrorHint implements diag's hint interface.
func (e *WaitError) ErrorHint() string {
	if len(e.Failed) > 0 {
		return "check the distribution point (distmgr.log on the site server, PkgXferMgr.log); once fixed, tsctl apply --redistribute NAME sends the content again"
	}
	return "distribution goes on: run tsctl apply --wait-distribution again to keep waiting, with a longer --distribution-timeout"
}

// WaitDistribution waits until every content the configuration declares
// is installed on every distribution point it should be on: after an
// apply (with the IDs it created), or without one. It reads the
// distribution status of each content (one query per content per round),
// pausing a little longer each round, and stops at the first round where
// nothing is pending, or at the timeout. Content that failed on a
// distribution point (INSTALL_FAILED) is not waited for further; a
// *WaitError lists what failed and what is still pending.
func (p *Planned) WaitDistribution(ctx context.Context, opts WaitOptions) ([]DistributionStatus, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Hour
	}
	if opts.Interval <= 0 {
		opts.Interval = 200 * time.Millisecond
	}
	if opts.MaxInterval <= 0 {
		opts.MaxInterval = 15 * time.Second
	}
	r := p.resolver
	if r == nil {
		r = resolve.New(p.State, p.Config, nil)
	}
	status := make([]DistributionStatus, len(p.content))
	for i, t := range p.content {
		id := t.item.id
		if id == desired.Pending {
			id, _ = r.ID(t.item.kind, t.item.name)
		}
		status[i] = DistributionStatus{Kind: t.item.kind, Name: t.item.name, ID: id, Server: t.server, Group: t.via, State: "NOT_TARGETED"}
	}
	deadline := time.Now().Add(opts.Timeout)
	pause := opts.Interval
	for {
		ids := map[string]bool{}
		for _, s := range status {
			if !s.Done && !s.Failed && s.ID != "" && s.ID != desired.Pending {
				ids[s.ID] = true
			}
		}
		states := map[string]int64{}
		for _, id := range sortedSet(ids) {
			list, err := p.State.Site.Query(ctx, provider.Query{Class: object.ClassDistributionStatus,
				Select: []string{"PackageID", "ServerNALPath", "SiteCode", "State"}, Where: map[string]string{"PackageID": id}})
			if err != nil {
				return status, fmt.Errorf("read the distribution status of %s: %w", id, err)
			}
			for _, in := range list {
				states[strings.ToUpper(id)+"\x00"+strings.ToUpper(in.String("ServerNALPath"))] = in.Int("State")
			}
		}
		pending := 0
		for i := range status {
			s := &status[i]
			if s.Done || s.Failed {
				continue
			}
			if st, ok := states[strings.ToUpper(s.ID)+"\x00"+strings.ToUpper(p.content[i].nal)]; ok {
				s.State = stateName(st)
				s.Done, s.Failed = distributionEnds(st)
			}
			if !s.Done && !s.Failed {
				pending++
			}
		}
		if opts.OnProgress != nil {
			opts.OnProgress(status)
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return status, ctx.Err()
		case <-time.After(min(pause, time.Until(deadline)+time.Millisecond)):
		}
		pause = min(pause*2, opts.MaxInterval)
	}
	werr := &WaitError{}
	for _, s := range status {
		switch {
		case s.Failed:
			werr.Failed = append(werr.Failed, s)
		case !s.Done:
			werr.Pending = append(werr.Pending, s)
			werr.TimedOut = true
		}
	}
	if len(werr.Failed)+len(werr.Pending) > 0 {
		return status, werr
	}
	return status, nil
}

// WaitsForContent reports whether the configuration declares content on
// distribution points to wait for.
func (p *Planned) WaitsForContent() bool { return len(p.content) > 0 }
