package engine

// Deployments of task sequences (SMS_Advertisement): each setting a
// configuration writes maps to the property, or the bits of AdvertFlags
// and RemoteClientFlags, that Microsoft's SMS_Advertisement class page
// documents (memdocs configmgr/develop/reference/core/servers/configure/
// sms_advertisement-server-wmi-class.md); docs/configuration.md lists
// them. The name (AdvertisementName, in case only: a deployment is found
// by its name in any case), the collection, the sequence (PackageID) and
// ProgramName cannot change once a deployment exists: a change there
// replaces it.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/internal/sitestate"
	"github.com/tsctl/tsctl/provider"
)

// AdvertFlags bits (SMS_Advertisement page).
const (
	advImmediate      = 1 << 5  // IMMEDIATE: announce (run) as soon as possible
	advMediaPXE       = 1 << 18 // ENABLE_TS_FROM_CD_AND_PXE
	advOverrideMW     = 1 << 20 // OVERRIDE_SERVICE_WINDOWS
	advRebootOutsideW = 1 << 21 // REBOOT_OUTSIDE_OF_SERVICE_WINDOWS
	advWakeOnLAN      = 1 << 22 // WAKE_ON_LAN_ENABLED
	advShowProgress   = 1 << 23 // SHOW_PROGRESS
	advNoDisplay      = 1 << 25 // NO_DISPLAY: users may not run it independently of its assignments
	advWinPEOnly      = 1 << 28 // TARGETTOWINPE
	advHiddenInWinPE  = 1 << 29 // HIDDENINWINPE
)

// RemoteClientFlags bits (SMS_Advertisement page).
const (
	rcRunFromLocal      = 1 << 3  // RUN_FROM_LOCAL_DISPPOINT
	rcDownloadLocal     = 1 << 4  // DOWNLOAD_FROM_LOCAL_DISPPOINT
	rcDontRunNoLocal    = 1 << 5  // DONT_RUN_NO_LOCAL_DISPPOINT
	rcDownloadRemote    = 1 << 6  // DOWNLOAD_FROM_REMOTE_DISPPOINT
	rcRunFromRemote     = 1 << 7  // RUN_FROM_REMOTE_DISPPOINT
	rcOnDemandLocal     = 1 << 8  // DOWNLOAD_ON_DEMAND_FROM_LOCAL_DP
	rcOnDemandRemote    = 1 << 9  // DOWNLOAD_ON_DEMAND_FROM_REMOTE_DP
	rcRerunAlways       = 1 << 11 // RERUN_ALWAYS
	rcRerunNever        = 1 << 12 // RERUN_NEVER
	rcRerunIfFailed     = 1 << 13 // RERUN_IF_FAILED
	rcRerunIfSucceeded  = 1 << 14 // RERUN_IF_SUCCEEDED
	rcDontFallback      = 1 << 17 // DON'T_FALLBACK
	rcContentMask       = rcRunFromLocal | rcDownloadLocal | rcDontRunNoLocal | rcDownloadRemote | rcRunFromRemote | rcOnDemandLocal | rcOnDemandRemote
	remoteClientDefault = 48 // the class's default: DOWNLOAD_FROM_LOCAL_DISPPOINT | DONT_RUN_NO_LOCAL_DISPPOINT
)

// OfferType values.
const (
	offerRequired  = 0
	offerAvailable = 2
)

// contentBits are the RemoteClientFlags of a deployment option, with or
// without remote distribution points.
func contentBits(option config.ContentOption, remote bool) int64 {
	switch option {
	case config.ContentDownloadAllFirst:
		if remote {
			return rcDownloadLocal | rcDownloadRemote
		}
		return rcDownloadLocal | rcDontRunNoLocal
	case config.ContentFromDistributionPoint:
		if remote {
			return rcRunFromLocal | rcRunFromRemote
		}
		return rcRunFromLocal
	}
	if remote {
		return rcOnDemandLocal | rcOnDemandRemote
	}
	return rcOnDemandLocal
}

// readContent reads the deployment option and whether remote
// distribution points are allowed from RemoteClientFlags.
func readContent(f int64) (option config.ContentOption, remote bool) {
	switch {
	case f&(rcOnDemandLocal|rcOnDemandRemote) != 0:
		return config.ContentDownloadOnDemand, f&rcOnDemandRemote != 0
	case f&(rcRunFromLocal|rcRunFromRemote) != 0:
		return config.ContentFromDistributionPoint, f&rcRunFromRemote != 0
	case f&(rcDownloadLocal|rcDownloadRemote) != 0:
		return config.ContentDownloadAllFirst, f&rcDownloadRemote != 0
	}
	return "none", false
}

// formatTime shows a deployment time as configurations write it.
func formatTime(t time.Time) string {
	if t.Second() != 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

// siteTime reads a time property of a deployment as configurations write
// it; "" when enabled is false.
func siteTime(in *provider.Instance, prop, enabled string) string {
	if !in.Bool(enabled) {
		return ""
	}
	t, err := provider.ParseDateTime(in.String(prop))
	if err != nil {
		return in.String(prop)
	}
	return formatTime(t)
}

// siteDeadline reads the deadline: the one SMS_ST_NonRecurring of
// AssignedSchedule, when AssignedScheduleEnabled.
func siteDeadline(in *provider.Instance) string {
	sched := in.Objects("AssignedSchedule")
	if !in.Bool("AssignedScheduleEnabled") || len(sched) == 0 {
		return ""
	}
	t, err := provider.ParseDateTime(sched[0].String("StartTime"))
	v := sched[0].String("StartTime")
	if err == nil {
		v = formatTime(t)
	}
	if len(sched) > 1 {
		v += fmt.Sprintf(" and %d more schedules", len(sched)-1)
	}
	return v
}

// siteTimeZone reads how clients read the deployment's times: the IsGMT
// flag of the first time that is set.
func siteTimeZone(in *provider.Instance) string {
	for _, t := range [][2]string{{"PresentTimeEnabled", "PresentTimeIsGMT"}, {"ExpirationTimeEnabled", "ExpirationTimeIsGMT"}, {"AssignedScheduleEnabled", "AssignedScheduleIsGMT"}} {
		if in.Bool(t[0]) {
			if in.Bool(t[1]) {
				return config.TimeZoneUTC.String()
			}
			return config.TimeZoneLocal.String()
		}
	}
	return "local"
}

// writeTimes writes every time of d — available, expires, deadline — and
// how clients read them. The wall clock is written as given, in an
// ISO 8601 / CIM value with a zero offset; the IsGMT flags say whether
// clients read it as UTC or as their local time.
func writeTimes(out *provider.Instance, d *config.Deployment) {
	utc := d.TimeZone == config.TimeZoneUTC
	set := func(value, prop, enabled, gmt string) {
		out.Props[enabled] = value != ""
		out.Props[gmt] = utc
		if value != "" {
			t, _ := config.ParseTime(value)
			out.Props[prop] = t.Format(time.RFC3339)
		}
	}
	set(d.Available, "PresentTime", "PresentTimeEnabled", "PresentTimeIsGMT")
	set(d.Expires, "ExpirationTime", "ExpirationTimeEnabled", "ExpirationTimeIsGMT")
	out.Props["AssignedScheduleEnabled"] = d.Deadline != ""
	out.Props["AssignedScheduleIsGMT"] = utc
	if d.Deadline != "" {
		t, _ := config.ParseTime(d.Deadline)
		tok := provider.New("SMS_ST_NonRecurring")
		tok.Props["StartTime"] = t.Format(time.RFC3339)
		tok.Props["IsGMT"] = utc
		tok.Props["DayDuration"] = int64(0)
		tok.Props["HourDuration"] = int64(0)
		tok.Props["MinuteDuration"] = int64(0)
		out.Props["AssignedSchedule"] = []*provider.Instance{tok}
	} else {
		out.Props["AssignedSchedule"] = []*provider.Instance{}
	}
}

// deploymentSettings are d's settings as a plan compares them, with its
// sequence's PackageID seqID and its collection's CollectionID collID;
// names shows an ID by name.
func deploymentSettings(d *config.Deployment, seqID, collID string, names func(object.Kind, string) string) []wanted {
	timeSetting := func(name string, read func(*provider.Instance) string) setting {
		return setting{name: name, read: read, write: func(out, _ *provider.Instance, _ string) { writeTimes(out, d) }}
	}
	contentSetting := func(name string, read func(*provider.Instance) string) setting {
		return setting{name: name, read: read, write: func(out, site *provider.Instance, _ string) {
			out.Props["RemoteClientFlags"] = flagsOf(out, site, "RemoteClientFlags", remoteClientDefault)&^rcContentMask | contentBits(d.Content, d.RemoteDPs)
		}}
	}
	byName := func(kind object.Kind) func(string) string {
		return func(id string) string {
			if n := names(kind, id); n != "" && n != id {
				return n + " (" + id + ")"
			}
			return id
		}
	}
	out := []wanted{
		// The deployment is found by its name in any case, as the site
		// matches names: a name that differs in case only is a change, and
		// AdvertisementName cannot change in place (the class page's
		// remarks), so it replaces the deployment.
		{setting: stringProp("name", "AdvertisementName"), value: d.Name, forcesReplacement: true},
		{setting: stringProp("sequence", "PackageID"), value: strings.ToUpper(seqID), forcesReplacement: true,
			shown: func(id string) string { return d.Sequence }, shownSite: byName(object.Sequence)},
		{setting: stringProp("collection", "CollectionID"), value: collID, forcesReplacement: true,
			shown: byName(object.Collection), shownSite: byName(object.Collection)},
		{setting: stringProp("program", "ProgramName"), value: "*", forcesReplacement: true},
		{setting: flagChoice("purpose", "OfferType", offerAvailable, 0xFFFFFFFF,
			flagValue{config.PurposeAvailable.String(), offerAvailable}, flagValue{config.PurposeRequired.String(), offerRequired}), value: d.Purpose.String()},
		{setting: flagChoice("availability", "AdvertFlags", 0, advMediaPXE|advWinPEOnly|advHiddenInWinPE,
			flagValue{config.AvailabilityMediaAndPXEHidden.String(), advMediaPXE | advWinPEOnly | advHiddenInWinPE},
			flagValue{config.AvailabilityMediaAndPXE.String(), advMediaPXE | advWinPEOnly},
			flagValue{config.AvailabilityClientsMediaAndPXE.String(), advMediaPXE}, flagValue{config.AvailabilityClients.String(), 0}), value: d.Availability.String()},
		{setting: timeSetting("available", func(in *provider.Instance) string { return siteTime(in, "PresentTime", "PresentTimeEnabled") }), value: d.Available},
		{setting: timeSetting("expires", func(in *provider.Instance) string { return siteTime(in, "ExpirationTime", "ExpirationTimeEnabled") }), value: d.Expires},
		{setting: timeSetting("deadline", siteDeadline), value: d.Deadline},
	}
	if d.Available != "" || d.Expires != "" || d.Deadline != "" {
		out = append(out, wanted{setting: timeSetting("timeZone", siteTimeZone), value: d.TimeZone.String()})
	}
	norm := func(t string) string {
		if t == "" {
			return ""
		}
		v, err := config.ParseTime(t)
		if err != nil {
			return t
		}
		return formatTime(v)
	}
	for i := range out {
		if n := out[i].name; n == "available" || n == "expires" || n == "deadline" {
			out[i].value = norm(out[i].value)
		}
	}
	out = append(out,
		wanted{setting: flagBool("asSoonAsPossible", "AdvertFlags", 0, advImmediate, false), value: strconv.FormatBool(d.AsSoonAsPossible)},
		wanted{setting: flagChoice("rerun", "RemoteClientFlags", remoteClientDefault, rcRerunAlways|rcRerunNever|rcRerunIfFailed|rcRerunIfSucceeded,
			flagValue{config.RerunAlways.String(), rcRerunAlways}, flagValue{config.RerunNever.String(), rcRerunNever},
			flagValue{config.RerunIfFailed.String(), rcRerunIfFailed}, flagValue{config.RerunIfSucceeded.String(), rcRerunIfSucceeded}),
			value: d.Rerun.String()},
		wanted{setting: flagBool("showProgress", "AdvertFlags", 0, advShowProgress, false), value: strconv.FormatBool(d.ShowProgress)},
		wanted{setting: flagBool("softwareCenter", "AdvertFlags", 0, advNoDisplay, true), value: strconv.FormatBool(d.SoftwareCenter)},
		wanted{setting: contentSetting("content", func(in *provider.Instance) string {
			o, _ := readContent(in.Int("RemoteClientFlags"))
			return o.String()
		}), value: d.Content.String()},
		wanted{setting: contentSetting("remoteDistributionPoints", func(in *provider.Instance) string {
			_, r := readContent(in.Int("RemoteClientFlags"))
			return strconv.FormatBool(r)
		}), value: strconv.FormatBool(d.RemoteDPs)},
		wanted{setting: flagBool("fallback", "RemoteClientFlags", remoteClientDefault, rcDontFallback, true), value: strconv.FormatBool(d.Fallback)},
		wanted{setting: flagBool("maintenanceWindows.install", "AdvertFlags", 0, advOverrideMW, false), value: strconv.FormatBool(d.InstallOutsideMW)},
		wanted{setting: flagBool("maintenanceWindows.restart", "AdvertFlags", 0, advRebootOutsideW, false), value: strconv.FormatBool(d.RestartOutsideMW)},
		wanted{setting: flagBool("wakeOnLAN", "AdvertFlags", 0, advWakeOnLAN, false), value: strconv.FormatBool(d.WakeOnLAN)},
		wanted{setting: stringProp("comment", "Comment"), value: d.Comment},
	)
	return out
}

// deployment is what planning knows of one declared deployment.
type deployment struct {
	d        *config.Deployment
	coll     *provider.Instance // the collection, as the site holds it
	site     *provider.Instance // the deployment read with Get; nil when new
	seqAddr  string             // the declared sequence's address; "" for one only on the site
	highRisk bool               // a required deployment of a sequence that deploys an OS
}

// planDeployments plans every declared deployment against the site: each
// found by name is read with Get (its lazy settings), at most reads at once,
// and compared setting by setting; one whose sequence or collection
// changes is replaced. The high-risk guard runs on each. Deployments
// declared absent are returned to delete.
func (p *Planned) planDeployments(ctx context.Context, r *resolve.Resolver, reads int) ([]*plan.Object, []*entry, diag.List, error) {
	st, cfg := p.State, p.Config
	var ds diag.List
	var absent []*entry
	var plans []*deployment
	for _, d := range cfg.Deployments {
		in, err := st.Find(object.ClassAdvertisement, d.Name)
		if err != nil {
			ds.AddErr(d.Pos, sitestate.ManagedNameHint(err))
			continue
		}
		if d.Absent {
			if in != nil {
				absent = append(absent, deleteEntry(object.Deployment, in, "absent"))
			}
			continue
		}
		dp := &deployment{d: d, site: in}
		if _, err := r.ID(object.Sequence, d.Sequence); err != nil {
			ds.AddErr(d.SeqPos, err)
			continue
		}
		for _, s := range cfg.Sequences {
			if strings.EqualFold(s.Name, d.Sequence) && !s.Absent {
				dp.seqAddr = address(object.Sequence, s.Name)
			}
		}
		coll, err := p.collection(d)
		if err != nil {
			ds.AddErr(d.CollPos, err)
			continue
		}
		dp.coll = coll
		plans = append(plans, dp)
	}
	if ds.HasErrors() {
		return nil, nil, ds, nil
	}
	// Read each existing deployment with its lazy settings.
	errs := make([]error, len(plans))
	slots := make(chan struct{}, max(1, reads))
	var wg sync.WaitGroup
	for i, dp := range plans {
		if dp.site == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			id := dp.site.String("AdvertisementID")
			full, err := st.Site.Get(ctx, provider.Path(object.ClassAdvertisement, "AdvertisementID", id))
			if err != nil {
				errs[i] = fmt.Errorf("read deployment %s: %w", id, err)
				return
			}
			dp.site = full
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, nil, err
		}
	}
	var objs []*plan.Object
	for _, dp := range plans {
		e, err := p.planDeployment(ctx, r, dp, &ds)
		if err != nil {
			return nil, nil, nil, err
		}
		if e == nil {
			continue
		}
		p.entries[e.obj.Address] = e
		objs = append(objs, e.obj)
	}
	return objs, absent, ds, nil
}

// collection finds the device collection a deployment names: by name
// (one only) or by CollectionID.
func (p *Planned) collection(d *config.Deployment) (*provider.Instance, error) {
	st := p.State
	var in *provider.Instance
	if d.CollectionByID {
		for _, c := range st.Objects(object.ClassCollection) {
			if strings.EqualFold(c.String("CollectionID"), d.Collection) {
				in = c
			}
		}
		if in == nil {
			return nil, fmt.Errorf("collection %s is not on site %s", d.Collection, st.Site.Code())
		}
	} else {
		var err error
		in, err = st.Find(object.ClassCollection, d.Collection)
		if err != nil {
			var amb *sitestate.AmbiguousNameError
			if errors.As(err, &amb) {
				return nil, diag.WithHint(fmt.Errorf("%d collections are named %q on the site (%s): which one is meant is not clear",
					len(amb.IDs), d.Collection, strings.Join(amb.IDs, ", ")), fmt.Sprintf("name it by ID: collection: {id: %s}", amb.IDs[0]))
			}
			return nil, err
		}
		if in == nil {
			err := fmt.Errorf("collection %q is not on site %s", d.Collection, st.Site.Code())
			if s := diag.Similar(d.Collection, st.Names(object.ClassCollection)); len(s) > 0 {
				return nil, diag.WithHint(err, diag.DidYouMean(s))
			}
			return nil, diag.WithHint(err, "tsctl deploys to collections that exist; create it in the console (an embedded site made before tsctl deployed anything holds none: add them with tsctl site seed)")
		}
	}
	if in.Int("CollectionType") != 2 {
		return nil, diag.WithHint(fmt.Errorf("collection %q (%s) is a user collection: a task sequence is deployed to devices", in.String("Name"), in.String("CollectionID")),
			"deploy to a device collection")
	}
	return in, nil
}

// planDeployment plans one deployment: created, updated in place,
// replaced, or left alone; nil when the high-risk guard refuses it.
func (p *Planned) planDeployment(ctx context.Context, r *resolve.Resolver, dp *deployment, ds *diag.List) (*entry, error) {
	st, d := p.State, dp.d
	obj := &plan.Object{Address: address(object.Deployment, d.Name), Kind: object.Deployment, Name: d.Name}
	if dp.seqAddr != "" {
		obj.DependsOn = []string{dp.seqAddr}
	}
	e := &entry{obj: obj, site: dp.site}
	seqID, _ := r.ID(object.Sequence, d.Sequence)
	collID := dp.coll.String("CollectionID")
	names := func(kind object.Kind, id string) string {
		switch kind {
		case object.Collection:
			for _, c := range st.Objects(object.ClassCollection) {
				if c.String("CollectionID") == id {
					return c.String("Name")
				}
			}
			return ""
		}
		return st.NameOf(id)
	}
	settings := func(seqID string) []wanted { return deploymentSettings(d, seqID, collID, names) }
	record, err := p.guardHighRisk(ctx, dp, seqID, ds)
	if err != nil || ds.HasErrors() {
		return nil, err
	}
	if dp.site == nil {
		obj.Action = plan.Create
		listed(settings(seqID), "", &obj.Changes)
		e.change = &createDeployment{obj: obj, d: d, settings: settings, record: record}
		p.noteHighRisk(obj, dp, record, "")
		return e, nil
	}
	obj.ID = dp.site.String("AdvertisementID")
	changed := compare(dp.site, settings(seqID), "", &obj.Changes)
	replace := false
	for _, w := range changed {
		replace = replace || w.forcesReplacement
	}
	if replace {
		obj.Action = plan.Replace
		e.change = &replaceDeployment{create: createDeployment{obj: obj, d: d, settings: settings, record: record},
			path: provider.Path(object.ClassAdvertisement, "AdvertisementID", obj.ID)}
		p.noteHighRisk(obj, dp, record, "")
		return e, nil
	}
	// The same deployment becomes high risk when it becomes required or
	// when its sequence (itself or a child) starts deploying an operating
	// system, whether or not any of its own settings change: the
	// acceptance is recorded then, once.
	was := false
	if record {
		var err error
		if was, err = p.wasHighRisk(ctx, dp.site); err != nil {
			return nil, err
		}
	}
	record = record && !was
	if record {
		obj.Changes = append(obj.Changes, plan.Change{Field: "highRisk", Before: "no", After: "accepted", HasBefore: true, HasAfter: true})
	}
	if len(changed) == 0 && !record {
		return e, nil
	}
	why := ""
	if record && dp.site.Int("OfferType") == offerRequired {
		why = fmt.Sprintf("sequence %q now deploys an operating system", d.Sequence)
	}
	obj.Action = plan.Update
	e.change = &updateDeployment{obj: obj, d: d, site: dp.site, settings: settings, record: record, settingsChange: len(changed) > 0}
	p.noteHighRisk(obj, dp, record, why)
	return e, nil
}

// wasHighRisk reports whether a deployment read on the site is high risk
// as the site stands before apply: required, of a sequence that deploys an
// operating system as the site stores it (its Type or stored steps, or a
// child's).
func (p *Planned) wasHighRisk(ctx context.Context, site *provider.Instance) (bool, error) {
	if site.Int("OfferType") != offerRequired {
		return false, nil
	}
	id := site.String("PackageID")
	if cs := p.declaredSequence(p.State.NameOf(id)); cs != nil {
		if e := p.entries[address(object.Sequence, cs.Name)]; e != nil && e.site != nil && strings.EqualFold(e.site.String("PackageID"), id) {
			return p.storedDeploysOS(ctx, e)
		}
	}
	return p.siteDeploysOS(ctx, id, map[string]bool{})
}

// noteHighRisk tells a reviewer that a deployment is high risk and
// accepted (why it becomes so, when its settings do not say it), and
// whether apply records it.
func (p *Planned) noteHighRisk(obj *plan.Object, dp *deployment, record bool, why string) {
	if !dp.highRisk {
		return
	}
	n := fmt.Sprintf("high risk, accepted (highRisk: accept): a required deployment of a sequence that deploys an operating system to %q (%s, %d members)",
		dp.coll.String("Name"), dp.coll.String("CollectionID"), dp.coll.Int("MemberCount"))
	if why != "" {
		n += "; " + why
	}
	if record {
		n += "; apply records the acceptance (SMS_Advertisement.RiskyDeploymentStatusMessage)"
	}
	obj.Notes = append(obj.Notes, n)
}

// Thresholds are a site's deployment verification settings (Site
// properties, Deployment Verification): Default size hides larger
// collections by default when a high-risk deployment is made, Maximum
// size always does; 0 turns either off.
type Thresholds struct {
	DefaultSize, MaximumSize int64
	// Defaulted says the site did not hold them: Microsoft's defaults
	// (100 and 0) are assumed.
	Defaulted bool
}

// Limit is the largest collection a high-risk deployment may target: the
// smaller non-zero size; 0 for none.
func (t Thresholds) Limit() int64 {
	switch {
	case t.DefaultSize > 0 && t.MaximumSize > 0:
		return min(t.DefaultSize, t.MaximumSize)
	case t.DefaultSize > 0:
		return t.DefaultSize
	}
	return t.MaximumSize
}

// thresholds reads the site's deployment verification settings from its
// site definition (SMS_SCI_SiteDefinition of this site, embedded property
// "Device Collection Threshold": Value1 the default size, Value2 the
// maximum size), once.
func (p *Planned) thresholds(ctx context.Context) (Thresholds, error) {
	p.thresholdsOnce.Do(func() {
		list, err := p.State.Site.Query(ctx, provider.Query{Class: object.ClassSiteDefinition, Where: map[string]string{"SiteCode": p.State.Site.Code()}})
		if err != nil {
			p.thresholdsErr = fmt.Errorf("read the site's deployment verification settings (%s): %w", object.ClassSiteDefinition, err)
			return
		}
		if len(list) == 0 {
			p.thresholdsErr = fmt.Errorf("read the site's deployment verification settings: site %s has no %s", p.State.Site.Code(), object.ClassSiteDefinition)
			return
		}
		t := Thresholds{DefaultSize: 100, Defaulted: true}
		for _, prop := range list[0].Objects("Props") {
			if prop.String("PropertyName") == "Device Collection Threshold" {
				t.DefaultSize, _ = strconv.ParseInt(prop.String("Value1"), 10, 64)
				t.MaximumSize, _ = strconv.ParseInt(prop.String("Value2"), 10, 64)
				t.Defaulted = false
			}
		}
		p.siteThresholds = t
	})
	return p.siteThresholds, p.thresholdsErr
}

// guardHighRisk holds a deployment to the console's deployment
// verification. A required deployment of a sequence that deploys an
// operating system is high risk: refused unless the deployment says
// highRisk: accept, and refused even then to a built-in collection, to a
// collection that includes one by its include rules (at any depth), to a
// collection the site is evaluating (CurrentStatus other than Ready), to a
// collection holding a site system server, or to a collection larger than
// the site's verification size. An available one to a collection over the
// default size is linted (TS011). It reports whether apply records the
// acceptance.
//
// Membership is judged as the site last evaluated it: MemberCount and
// SMS_FullCollectionMembership, which a collection the site has not
// evaluated yet understates; one it says it is evaluating is refused.
// Only include rules are read from the rules themselves; query, direct
// and exclude rules, and the limiting collection, are not evaluated.
func (p *Planned) guardHighRisk(ctx context.Context, dp *deployment, seqID string, ds *diag.List) (bool, error) {
	d, coll := dp.d, dp.coll
	os, err := p.deploysOS(ctx, d.Sequence, seqID)
	if err != nil || !os {
		return false, err
	}
	collName := fmt.Sprintf("%q (%s)", coll.String("Name"), coll.String("CollectionID"))
	members := coll.Int("MemberCount")
	if !d.Required() {
		t, err := p.thresholds(ctx)
		if err == nil && t.DefaultSize > 0 && members > t.DefaultSize && !d.Ignores(config.LintLargeOSTarget) {
			ds.Warn(d.CollPos, config.LintLargeOSTarget, "deploy to a smaller collection first (a pilot)",
				"deployment %q makes sequence %q, which deploys an operating system, available to collection %s of %d members, more than the site's default size %d",
				d.Name, d.Sequence, collName, members, t.DefaultSize)
		}
		return false, nil
	}
	dp.highRisk = true
	if !d.HighRiskAccepted {
		ds.AddHint(d.Pos, "check the collection, then say so with highRisk: accept (refused even then to built-in collections, collections with site systems and collections over the site's verification size)",
			"deployment %q is high risk: a required deployment of sequence %q, which deploys an operating system, to collection %s", d.Name, d.Sequence, collName)
		return false, nil
	}
	at := d.HighRiskPos
	if builtInRefused(coll) {
		ds.AddHint(at, "deploy to a collection of the computers to reinstall",
			"deployment %q: a high-risk deployment to the built-in collection %s is refused", d.Name, collName)
		return false, nil
	}
	if st := coll.Int("CurrentStatus"); st > collectionReady {
		ds.AddHint(at, "plan again once the site has evaluated the collection (the console shows it Ready)",
			"deployment %q: collection %s is %s (CurrentStatus %d): the site has not finished evaluating its members, so they cannot be verified: a high-risk deployment to it is refused",
			d.Name, collName, collectionStatus(st), st)
		return false, nil
	}
	via, err := p.includedBuiltIn(ctx, coll.String("CollectionID"), map[string]bool{})
	if err != nil {
		return false, err
	}
	if n := len(via); n > 0 {
		chain := strings.Join(append(via[:n-1:n-1], "the built-in collection "+via[n-1]), ", which includes ")
		ds.AddHint(at, "deploy to a collection of the computers to reinstall, without include rules for built-in collections",
			"deployment %q: collection %s includes %s: a high-risk deployment to it is refused", d.Name, collName, chain)
		return false, nil
	}
	t, err := p.thresholds(ctx)
	if err != nil {
		ds.AddHint(at, "tsctl makes no high-risk deployment it cannot verify; check that the account can read the site's definition",
			"deployment %q: %v", d.Name, err)
		return false, nil
	}
	if lim := t.Limit(); lim > 0 && members > lim {
		what := "default size"
		if lim == t.MaximumSize && (t.DefaultSize == 0 || t.MaximumSize < t.DefaultSize) {
			what = "maximum size"
		}
		ds.AddHint(at, "deploy to a smaller collection, or raise the site's deployment verification sizes (Site properties, Deployment Verification) if this is meant",
			"deployment %q: collection %s has %d members, more than the site's deployment verification %s %d: a high-risk deployment to it is refused", d.Name, collName, members, what, lim)
		return false, nil
	}
	servers, err := p.siteServersIn(ctx, coll.String("CollectionID"))
	if err != nil {
		return false, err
	}
	if len(servers) > 0 {
		ds.AddHint(at, "remove the site systems from the collection, or deploy to another one",
			"deployment %q: collection %s holds site system servers (%s): a high-risk deployment to it is refused", d.Name, collName, strings.Join(servers, ", "))
		return false, nil
	}
	return true, nil
}

// UnknownComputers is the CollectionID of the built-in All Unknown
// Computers collection.
const UnknownComputers = "SMS000US"

// builtInRefused reports whether coll is a built-in collection a
// high-risk deployment may not target: every built-in one but All Unknown
// Computers, which Microsoft's deployment verification leaves open (the
// collection of bare-metal PXE and media deployments: "high-risk
// deployments are always limited to custom collections, collections that
// you create, and the built-in Unknown Computers collection").
func builtInRefused(coll *provider.Instance) bool {
	id := coll.String("CollectionID")
	return builtInIDRefused(id) || (coll.Bool("IsBuiltIn") && !strings.EqualFold(id, UnknownComputers))
}

// builtInIDRefused is builtInRefused for a collection known only by its
// CollectionID: built-in collections' IDs start with SMS.
func builtInIDRefused(id string) bool {
	id = strings.ToUpper(id)
	return id != UnknownComputers && strings.HasPrefix(id, "SMS")
}

// collectionReady is SMS_Collection.CurrentStatus Ready: its membership is
// evaluated; 0 (None) says nothing, and every other value that the site
// is working on it.
const collectionReady = 1

// collectionStatus names an SMS_Collection.CurrentStatus as the class page
// does.
func collectionStatus(st int64) string {
	names := []string{"None", "Ready", "Refreshing", "Saving", "Evaluating", "Awaiting refresh", "Deleting", "Appending member", "Querying"}
	if st >= 0 && int(st) < len(names) {
		return strings.ToLower(names[st])
	}
	return fmt.Sprintf("in status %d", st)
}

// includedBuiltIn reports whether the collection with CollectionID id
// includes a built-in collection (All Systems…) by its include rules
// (SMS_CollectionRuleIncludeCollection in its lazy CollectionRules, read
// with one Get per collection), directly or through the collections it
// includes: the collections named on the way, the built-in one last; none
// when it does not. Its members then become the built-in collection's once
// the site evaluates it, whatever MemberCount says now.
func (p *Planned) includedBuiltIn(ctx context.Context, id string, seen map[string]bool) ([]string, error) {
	key := strings.ToUpper(id)
	if seen[key] {
		return nil, nil
	}
	seen[key] = true
	full, err := p.State.Site.Get(ctx, provider.Path(object.ClassCollection, "CollectionID", id))
	if err != nil {
		return nil, fmt.Errorf("read the membership rules of collection %s: %w", id, err)
	}
	for _, rule := range full.Objects("CollectionRules") {
		inc := rule.String("IncludeCollectionID")
		if inc == "" {
			continue // not an include rule
		}
		name := fmt.Sprintf("%q (%s)", inc, inc)
		builtIn := builtInIDRefused(inc)
		for _, c := range p.State.Objects(object.ClassCollection) {
			if strings.EqualFold(c.String("CollectionID"), inc) {
				name = fmt.Sprintf("%q (%s)", c.String("Name"), c.String("CollectionID"))
				builtIn = builtInRefused(c)
			}
		}
		if builtIn {
			return []string{name}, nil
		}
		via, err := p.includedBuiltIn(ctx, inc, seen)
		if err != nil || len(via) > 0 {
			return append([]string{name}, via...), err
		}
	}
	return nil, nil
}

// siteServersIn lists the members of a collection that are site system
// servers (SMS_SystemResourceList), matched by NetBIOS name: a member's
// Name against the first label of a server's name.
func (p *Planned) siteServersIn(ctx context.Context, collID string) ([]string, error) {
	site := p.State.Site
	roles, err := site.Query(ctx, provider.Query{Class: object.ClassSystemResource, Select: []string{"ServerName", "ServerRemoteName", "RoleName"}})
	if err != nil {
		return nil, fmt.Errorf("read the site's system roles: %w", err)
	}
	servers := map[string]string{}
	for _, r := range roles {
		for _, n := range []string{r.String("ServerName"), r.String("ServerRemoteName")} {
			if n != "" {
				short, _, _ := strings.Cut(n, ".")
				servers[strings.ToUpper(short)] = n
			}
		}
	}
	members, err := site.Query(ctx, provider.Query{Class: object.ClassCollectionMember, Select: []string{"CollectionID", "ResourceID", "Name"},
		Where: map[string]string{"CollectionID": collID}})
	if err != nil {
		return nil, fmt.Errorf("read the members of collection %s: %w", collID, err)
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range members {
		short, _, _ := strings.Cut(m.String("Name"), ".")
		if s, ok := servers[strings.ToUpper(short)]; ok && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out, nil
}

// deploysOS reports whether a sequence deploys an operating system: it,
// or a child sequence it runs, holds a step of a class that makes a
// sequence an OS deployment (the site's Type 2). A declared sequence is
// judged as the configuration says, however the deployment spells its
// name; one only on the site by its Type. Names and PackageIDs match
// whatever their case, as the site matches them.
func (p *Planned) deploysOS(ctx context.Context, name, id string) (bool, error) {
	return p.deploysOSFrom(ctx, name, id, map[string]bool{})
}

// deploysOSFrom is deploysOS with the sequences judged already (by lower
// declared name or upper PackageID), so that a cycle ends.
func (p *Planned) deploysOSFrom(ctx context.Context, name, id string, seen map[string]bool) (bool, error) {
	if cs := p.declaredSequence(name); cs != nil {
		if seen["name\x00"+strings.ToLower(cs.Name)] {
			return false, nil
		}
		seen["name\x00"+strings.ToLower(cs.Name)] = true
		e := p.entries[address(object.Sequence, cs.Name)]
		if e == nil || e.seq == nil {
			return false, fmt.Errorf("judge whether sequence %q deploys an operating system: it was not planned", cs.Name)
		}
		if e.osDeployment {
			return true, nil
		}
		for _, r := range e.wantRefs {
			if child := p.State.SequenceByID(r.Package); child != nil {
				if os, err := p.deploysOSFrom(ctx, child.String("Name"), child.String("PackageID"), seen); err != nil || os {
					return os, err
				}
			}
		}
		for _, child := range e.seq.Dependencies() {
			if p.declaredSequence(child) != nil {
				if os, err := p.deploysOSFrom(ctx, child, "", seen); err != nil || os {
					return os, err
				}
			}
		}
		return false, nil
	}
	key := strings.ToUpper(id)
	if key == "" || key == strings.ToUpper(desired.Pending) || seen["id\x00"+key] {
		return false, nil
	}
	seen["id\x00"+key] = true
	in, err := p.siteSequence(ctx, id)
	if err != nil {
		return false, err
	}
	if in.Type == 2 {
		return true, nil
	}
	for _, r := range in.Refs {
		if child := p.State.SequenceByID(r.Package); child != nil {
			if os, err := p.deploysOSFrom(ctx, child.String("Name"), child.String("PackageID"), seen); err != nil || os {
				return os, err
			}
		}
	}
	return false, nil
}

// siteSequence returns what planning keeps of the site's sequence with
// PackageID id: the read planning made of it, else one Get, made once per
// plan however many deployments' checks ask (siteReads).
func (p *Planned) siteSequence(ctx context.Context, id string) (*sitestate.SequenceRead, error) {
	if in := p.State.Sequence(id); in != nil {
		return in, nil
	}
	key := strings.ToUpper(id)
	if in, ok := p.siteReads.Load(key); ok {
		return in.(*sitestate.SequenceRead), nil
	}
	full, err := p.State.Site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id))
	if err != nil {
		return nil, fmt.Errorf("read sequence %s: %w", id, err)
	}
	in, _ := p.siteReads.LoadOrStore(key, p.State.ReadOf(full))
	return in.(*sitestate.SequenceRead), nil
}

// declaredSequence returns the sequence the configuration declares (not
// absent) under name, in any case; nil when it declares none.
func (p *Planned) declaredSequence(name string) *config.Sequence {
	for _, s := range p.Config.Sequences {
		if !s.Absent && strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// guardChangedSequences holds the deployments a plan does not make to the
// high-risk guard too: a sequence that this apply makes deploy an
// operating system (its steps, or a child's, gain such a step, or it runs
// a child that does) turns every required deployment of it high risk,
// unverified, and so does every sequence that runs it on the site (a
// parent only the site holds, by its Run Task Sequence references, at any
// depth). While a deployment the configuration does not declare deploys
// such a sequence as required, the change is refused, naming it; a
// declared deployment is guarded by planDeployment. Only sequences on the
// site that change, or whose declared children change, are judged; when
// one starts deploying an operating system, the site's deployments are
// listed once, and the parents of the required ones read (one Get each).
func (p *Planned) guardChangedSequences(ctx context.Context, ds *diag.List) error {
	changed := map[string]bool{} // lower names of declared sequences whose steps this apply writes
	for _, cs := range p.Config.Sequences {
		if e := p.entries[address(object.Sequence, cs.Name)]; e != nil && e.writesSteps() {
			changed[strings.ToLower(cs.Name)] = true
		}
	}
	if len(changed) == 0 {
		return nil
	}
	declared := map[string]bool{}
	for _, d := range p.Config.Deployments {
		if !d.Absent {
			declared[strings.ToLower(d.Name)] = true
		}
	}
	starts := map[string]*config.Sequence{} // upper PackageID → the declared sequence that starts deploying an OS
	for _, cs := range p.Config.Sequences {
		e := p.entries[address(object.Sequence, cs.Name)]
		if e == nil || e.site == nil || !p.runsAny(cs, changed, map[string]bool{}) {
			continue
		}
		id := e.site.String("PackageID")
		will, err := p.deploysOS(ctx, cs.Name, id)
		if err != nil {
			return err
		}
		if !will {
			continue
		}
		now, err := p.storedDeploysOS(ctx, e)
		if err != nil {
			return err
		}
		if !now {
			starts[strings.ToUpper(id)] = cs
		}
	}
	if len(starts) == 0 {
		return nil
	}
	advs, err := p.State.Site.Query(ctx, provider.Query{Class: object.ClassAdvertisement,
		Select: []string{"AdvertisementID", "AdvertisementName", "PackageID", "CollectionID", "OfferType"}})
	if err != nil {
		return fmt.Errorf("read the site's deployments: %w", err)
	}
	sort.Slice(advs, func(i, j int) bool { return advs[i].String("AdvertisementID") < advs[j].String("AdvertisementID") })
	parents := &siteParents{p: p, starts: starts}
	type refusal struct {
		cs        *config.Sequence
		via       string // the parent deployed, "" when it is cs itself
		adv, coll string
		advID     string
	}
	var refusals []refusal
	for _, a := range advs {
		if a.Int("OfferType") != offerRequired || declared[strings.ToLower(a.String("AdvertisementName"))] {
			continue
		}
		id := strings.ToUpper(a.String("PackageID"))
		r := refusal{adv: a.String("AdvertisementName"), advID: a.String("AdvertisementID"), coll: a.String("CollectionID")}
		if cs := starts[id]; cs != nil {
			r.cs = cs
		} else {
			if p.declaredSequence(p.State.NameOf(id)) != nil || p.State.SequenceByID(id) == nil {
				continue // judged by the configuration (a starter if it runs one), or no sequence
			}
			cs, err := parents.runs(ctx, id, map[string]bool{})
			if err != nil || cs == nil {
				if err != nil {
					return err
				}
				continue
			}
			if os, err := p.siteDeploysOS(ctx, id, map[string]bool{}); err != nil || os {
				if err != nil {
					return err
				}
				continue // high risk already
			}
			r.cs, r.via = cs, fmt.Sprintf("%q (%s)", p.State.SequenceByID(id).String("Name"), p.State.SequenceByID(id).String("PackageID"))
		}
		refusals = append(refusals, r)
	}
	names := map[string]string{}
	for _, r := range refusals {
		coll, ok := names[strings.ToUpper(r.coll)]
		if !ok {
			coll = r.coll
			colls, err := p.State.Site.Query(ctx, provider.Query{Class: object.ClassCollection, Select: []string{"CollectionID", "Name"}, Where: map[string]string{"CollectionID": r.coll}})
			if err != nil {
				return fmt.Errorf("read collection %s: %w", r.coll, err)
			}
			for _, c := range colls {
				if strings.EqualFold(c.String("CollectionID"), r.coll) {
					coll = fmt.Sprintf("%q (%s)", c.String("Name"), c.String("CollectionID"))
				}
			}
			names[strings.ToUpper(r.coll)] = coll
		}
		const hint = "declare the deployment in the configuration with highRisk: accept, or make it available, or delete it first"
		if r.via == "" {
			ds.AddHint(r.cs.Pos, hint,
				"sequence %q would deploy an operating system after this change, and deployment %q (%s) deploys it as required to collection %s: it would become a high-risk deployment that nobody verified",
				r.cs.Name, r.adv, r.advID, coll)
			continue
		}
		ds.AddHint(r.cs.Pos, hint,
			"sequence %q would deploy an operating system after this change, and sequence %s, which runs it, is deployed as required by deployment %q (%s) to collection %s: it would become a high-risk deployment that nobody verified",
			r.cs.Name, r.via, r.adv, r.advID, coll)
	}
	return nil
}

// siteParents finds, for a sequence only the site holds, a declared
// sequence that starts deploying an operating system and that it runs by
// its Run Task Sequence references on the site, through other sequences
// only the site holds.
type siteParents struct {
	p      *Planned
	starts map[string]*config.Sequence // upper PackageID
}

// runs returns the starting sequence that the site's sequence id runs, at
// any depth; nil when it runs none.
func (x *siteParents) runs(ctx context.Context, id string, seen map[string]bool) (*config.Sequence, error) {
	key := strings.ToUpper(id)
	if seen[key] {
		return nil, nil
	}
	seen[key] = true
	read, err := x.p.siteSequence(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, r := range read.Refs {
		child := x.p.State.SequenceByID(r.Package)
		if child == nil {
			continue
		}
		cid := strings.ToUpper(child.String("PackageID"))
		if cs := x.starts[cid]; cs != nil {
			return cs, nil
		}
		if x.p.declaredSequence(child.String("Name")) != nil {
			continue // declared: a starter if it runs one
		}
		if cs, err := x.runs(ctx, cid, seen); err != nil || cs != nil {
			return cs, err
		}
	}
	return nil, nil
}

// storedDeploysOS reports whether a declared sequence deploys an operating
// system as the site stores it now: its stored steps (when planning kept
// them) or its Type, or a child it references on the site.
func (p *Planned) storedDeploysOS(ctx context.Context, e *entry) (bool, error) {
	if e.read == nil {
		return false, nil
	}
	if e.read.Type == 2 {
		return true, nil
	}
	if e.site.String("Sequence") != "" {
		if q, err := p.State.Parse(e.site); err == nil && model.IsOSDeployment(q) {
			return true, nil // steps a site's Type does not account for
		}
	}
	seen := map[string]bool{"id\x00" + strings.ToUpper(e.read.ID): true}
	for _, r := range e.read.Refs {
		if child := p.State.SequenceByID(r.Package); child != nil {
			if os, err := p.siteDeploysOS(ctx, child.String("PackageID"), seen); err != nil || os {
				return os, err
			}
		}
	}
	return false, nil
}

// siteDeploysOS reports whether the sequence with PackageID id deploys an
// operating system as the site stores it: its Type, or a child's.
func (p *Planned) siteDeploysOS(ctx context.Context, id string, seen map[string]bool) (bool, error) {
	key := "id\x00" + strings.ToUpper(id)
	if seen[key] {
		return false, nil
	}
	seen[key] = true
	in, err := p.siteSequence(ctx, id)
	if err != nil {
		return false, err
	}
	if in.Type == 2 {
		return true, nil
	}
	for _, r := range in.Refs {
		if child := p.State.SequenceByID(r.Package); child != nil {
			if os, err := p.siteDeploysOS(ctx, child.String("PackageID"), seen); err != nil || os {
				return os, err
			}
		}
	}
	return false, nil
}

// runsAny reports whether a declared sequence is one of names (lower case)
// or runs one of them, directly or through its children (declared, or on
// the site by PackageID).
func (p *Planned) runsAny(cs *config.Sequence, names map[string]bool, seen map[string]bool) bool {
	key := strings.ToLower(cs.Name)
	if names[key] {
		return true
	}
	if seen[key] {
		return false
	}
	seen[key] = true
	var children []string
	children = append(children, cs.Dependencies()...)
	if e := p.entries[address(object.Sequence, cs.Name)]; e != nil {
		for _, r := range e.wantRefs {
			if child := p.State.SequenceByID(r.Package); child != nil {
				children = append(children, child.String("Name"))
			}
		}
	}
	for _, c := range children {
		if child := p.declaredSequence(c); child != nil && p.runsAny(child, names, seen) {
			return true
		}
	}
	return false
}
