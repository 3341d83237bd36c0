package engine

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/plan"
	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/local"
)

// deployed applies conf and returns its one deployment as the site holds
// it (read with Get: its lazy settings too).
func deployed(t *testing.T, site provider.Site, conf string) *provider.Instance {
	t.Helper()
	ctx := context.Background()
	cfg := parseConfig(t, conf)
	p := mustPlan(t, ctx, site, cfg)
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err != nil || res.Failed() {
		t.Fatalf("%v %+v", err, res)
	}
	requireNoChanges(t, ctx, site, cfg)
	list, err := site.Query(ctx, provider.Query{Class: object.ClassAdvertisement})
	if err != nil || len(list) != 1 {
		t.Fatalf("deployments: %v %v", list, err)
	}
	full, err := site.Get(ctx, provider.Path(object.ClassAdvertisement, "AdvertisementID", list[0].String("AdvertisementID")))
	if err != nil {
		t.Fatal(err)
	}
	return full
}

const deploySeq = "sequences:\n  - name: Apps\n    steps:\n      - name: Hello\n        runCommandLine: cmd /c echo hello\n"

// Every deployment setting is written as the bits and properties of
// Microsoft's SMS_Advertisement page (AdvertFlags, RemoteClientFlags,
// OfferType, the times and their IsGMT flags, AssignedSchedule): checked
// against the page's numbers, not against the code's constants.
func TestDeploymentFlags(t *testing.T) {
	site := openTestSite(t)
	in := deployed(t, site, deploySeq+`deployments:
  - sequence: Apps
    collection: Pilot devices
    purpose: required
    availability: clientsMediaAndPXE
    asSoonAsPossible: true
    deadline: 2026-03-16 20:00
    available: 2026-03-02 08:30
    expires: 2026-06-30 18:00:30
    timeZone: utc
    rerun: never
    showProgress: true
    softwareCenter: false
    content: downloadAllFirst
    remoteDistributionPoints: true
    fallback: true
    maintenanceWindows: { install: true, restart: true }
    wakeOnLAN: true
    comment: all of it
`)
	// IMMEDIATE 0x20, ENABLE_TS_FROM_CD_AND_PXE 0x40000,
	// OVERRIDE_SERVICE_WINDOWS 0x100000, REBOOT_OUTSIDE_OF_SERVICE_WINDOWS
	// 0x200000, WAKE_ON_LAN_ENABLED 0x400000, SHOW_PROGRESS 0x800000,
	// NO_DISPLAY 0x2000000.
	if got, want := in.Int("AdvertFlags"), int64(0x20|0x40000|0x100000|0x200000|0x400000|0x800000|0x2000000); got != want {
		t.Errorf("AdvertFlags 0x%X, want 0x%X", got, want)
	}
	// DOWNLOAD_FROM_LOCAL_DISPPOINT 0x10, DOWNLOAD_FROM_REMOTE_DISPPOINT
	// 0x40, RERUN_NEVER 0x1000; fallback allowed: no DON'T_FALLBACK 0x20000.
	if got, want := in.Int("RemoteClientFlags"), int64(0x10|0x40|0x1000); got != want {
		t.Errorf("RemoteClientFlags 0x%X, want 0x%X", got, want)
	}
	for prop, want := range map[string]any{"OfferType": int64(0), "ProgramName": "*", "Comment": "all of it",
		"PresentTimeEnabled": true, "PresentTimeIsGMT": true, "ExpirationTimeEnabled": true, "ExpirationTimeIsGMT": true,
		"AssignedScheduleEnabled": true, "AssignedScheduleIsGMT": true} {
		if got := in.Props[prop]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", prop, got, want)
		}
	}
	for prop, want := range map[string]string{"PresentTime": "2026-03-02T08:30:00Z", "ExpirationTime": "2026-06-30T18:00:30Z"} {
		if got, _ := provider.ParseDateTime(in.String(prop)); got.Format("2006-01-02T15:04:05Z") != want {
			t.Errorf("%s = %q, want %s", prop, in.String(prop), want)
		}
	}
	sched := in.Objects("AssignedSchedule")
	if len(sched) != 1 || sched[0].Class != "SMS_ST_NonRecurring" || !sched[0].Bool("IsGMT") || !strings.HasPrefix(sched[0].String("StartTime"), "2026-03-16T20:00:00") {
		t.Errorf("AssignedSchedule: %+v", sched)
	}
	if !strings.HasPrefix(in.String("ISVString"), OwnerMark) {
		t.Errorf("ISVString %q", in.String("ISVString"))
	}
}

// The other deployment options and availabilities, by their bits; an
// available deployment at its defaults writes OfferType 2, SHOW_PROGRESS,
// DOWNLOAD_ON_DEMAND_FROM_LOCAL_DP, RERUN_IF_FAILED and DON'T_FALLBACK.
func TestDeploymentOptionBits(t *testing.T) {
	for _, tc := range []struct {
		settings      string
		advert, rclnt int64
	}{
		{"", 0x800000, 0x100 | 0x2000 | 0x20000},
		{"availability: mediaAndPXE\n    content: fromDistributionPoint\n    rerun: always\n", 0x40000 | 0x10000000 | 0x800000, 0x8 | 0x800 | 0x20000},
		{"availability: mediaAndPXEHidden\n    content: fromDistributionPoint\n    remoteDistributionPoints: true\n    rerun: ifSucceeded\n    showProgress: false\n",
			0x40000 | 0x10000000 | 0x20000000, 0x8 | 0x80 | 0x4000 | 0x20000},
		{"content: downloadOnDemand\n    remoteDistributionPoints: true\n", 0x800000, 0x100 | 0x200 | 0x2000 | 0x20000},
		{"content: downloadAllFirst\n", 0x800000, 0x10 | 0x20 | 0x2000 | 0x20000},
	} {
		site := openTestSite(t)
		in := deployed(t, site, deploySeq+"deployments:\n  - sequence: Apps\n    collection: Pilot devices\n    "+tc.settings)
		if in.Int("OfferType") != 2 || in.Int("AdvertFlags") != tc.advert || in.Int("RemoteClientFlags") != tc.rclnt {
			t.Errorf("%q: OfferType %d, AdvertFlags 0x%X (want 0x%X), RemoteClientFlags 0x%X (want 0x%X)", tc.settings,
				in.Int("OfferType"), in.Int("AdvertFlags"), tc.advert, in.Int("RemoteClientFlags"), tc.rclnt)
		}
	}
}

// A setting changed in place rewrites its own bits only: bits tsctl does
// not model (set by the console: OPTIONALPREDOWNLOAD, ONSLOWNET) stay, and
// differ in no plan.
func TestDeploymentKeepsOtherBits(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	in := deployed(t, site, deploySeq+"deployments:\n  - sequence: Apps\n    collection: Pilot devices\n")
	console := provider.New(object.ClassAdvertisement)
	console.Props["AdvertisementID"] = in.String("AdvertisementID")
	console.Props["AdvertFlags"] = in.Int("AdvertFlags") | 0x1000 | 0x4000000
	console.Props["RemoteClientFlags"] = in.Int("RemoteClientFlags") | 0x8000 // PERSIST_ON_WRITE_FILTER_DEVICES
	if _, err := site.Put(ctx, console); err != nil {
		t.Fatal(err)
	}
	requireNoChanges(t, ctx, site, parseConfig(t, deploySeq+"deployments:\n  - sequence: Apps\n    collection: Pilot devices\n"))
	after := deployed(t, site, deploySeq+"deployments:\n  - sequence: Apps\n    collection: Pilot devices\n    showProgress: false\n    rerun: never\n")
	if got, want := after.Int("AdvertFlags"), int64(0x1000|0x4000000); got != want {
		t.Errorf("AdvertFlags 0x%X, want 0x%X", got, want)
	}
	if got, want := after.Int("RemoteClientFlags"), int64(0x100|0x1000|0x20000|0x8000); got != want {
		t.Errorf("RemoteClientFlags 0x%X, want 0x%X", got, want)
	}
}

// A program's settings and a task sequence's are written as the bits of
// ProgramFlags their class pages document, keeping every other bit.
func TestPackageSettingBits(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	conf := `packages:
  - name: Tools
    programs:
      - name: Install
        commandLine: install.cmd
        installFromTaskSequence: true
        runAs: administrator
        canRun: onlyWhenNoUserLoggedOn
        window: minimized
        afterRunning: logOff
        disabled: true
        platforms: any
sequences:
  - name: Apps
    progressMessage: Working
    disabled: true
    platforms: [{ platform: x64, name: Win NT }]
    runFirst: { package: Tools, program: Install, always: true }
    steps: []
`
	cfg := parseConfig(t, conf)
	p := mustPlan(t, ctx, site, cfg)
	if res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	requireNoChanges(t, ctx, site, cfg)
	progs, _ := site.Query(ctx, provider.Query{Class: object.ClassProgram, Where: map[string]string{"ProgramName": "Install"}})
	// Microsoft's defaults EVERYUSER 0x10000, USEUNCPATH 0x100000, UNATTENDED
	// 0x2000 kept; USERCONTEXT 0x4000 cleared (only when no user is logged
	// on: NOUSERLOGGEDIN 0x20000); AUTHORIZED_DYNAMIC_INSTALL 0x1,
	// ADMINRIGHTS 0x8000, RUNMINIMIZED 0x400000, OKTOLOGOFF 0x2000000,
	// DISABLED 0x1000, ANY_PLATFORM 0x8000000.
	want := int64(0x10000 | 0x100000 | 0x2000 | 0x20000 | 0x1 | 0x8000 | 0x400000 | 0x2000000 | 0x1000 | 0x8000000)
	if len(progs) != 1 || progs[0].Int("ProgramFlags") != want {
		t.Fatalf("program flags 0x%X, want 0x%X", progs[0].Int("ProgramFlags"), want)
	}
	seqs, _ := site.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage})
	ts, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", seqs[0].String("PackageID")))
	if err != nil {
		t.Fatal(err)
	}
	// The page's default 152084496 (0x0910A010), ANY_PLATFORM 0x8000000
	// cleared; USE_CUSTOM_PROGRESS_MSG 0x2, DISABLED 0x1000 and
	// RUN_DEPENDANT_ALWAYS 0x200 set.
	if got, want := ts.Int("ProgramFlags"), int64(152084496&^0x8000000|0x2|0x1000|0x200); got != want {
		t.Errorf("task sequence flags 0x%X, want 0x%X", got, want)
	}
	if ts.String("CustomProgressMsg") != "Working" || ts.String("DependentProgram") != progs[0].String("PackageID")+";;Install" ||
		len(ts.Objects("SupportedOperatingSystems")) != 1 {
		t.Errorf("task sequence package: %v", ts.Props)
	}
}

// Each deployment change makes its calls: a create one Put (and, when it
// is high risk and accepted, RiskyDeploymentStatusMessage), an update one
// Put of the changed settings, a replacement a Delete then a Put.
func TestDeploymentChangeCalls(t *testing.T) {
	ctx := context.Background()
	site := &recorder{Site: openTestSite(t)}
	const os = "sequences:\n  - name: Reimage\n    steps:\n      - name: Format\n        partitionDisk: { disk: 0, style: GPT, partitions: [{ name: W, type: Primary, size: 100, sizeUnits: Percent, fileSystem: NTFS }] }\n"
	if res, err := mustPlan(t, ctx, site, parseConfig(t, os)).Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	for _, tc := range []struct {
		name  string
		dep   string
		want  Change
		calls []string
	}{
		{"create", "    collection: Pilot devices\n", &createDeployment{}, []string{"Put SMS_Advertisement"}},
		{"update", "    collection: Pilot devices\n    comment: two\n", &updateDeployment{}, []string{"Put SMS_Advertisement"}},
		{"replace", "    collection: Lab devices\n    comment: two\n", &replaceDeployment{}, []string{"Delete SMS_Advertisement", "Put SMS_Advertisement"}},
		{"required, accepted", "    collection: Lab devices\n    comment: two\n    purpose: required\n    asSoonAsPossible: true\n    highRisk: accept\n",
			&updateDeployment{}, []string{"Put SMS_Advertisement", "RiskyDeploymentStatusMessage"}},
	} {
		p := mustPlan(t, ctx, site, parseConfig(t, os+"deployments:\n  - sequence: Reimage\n"+tc.dep))
		changes := p.changes()
		if len(changes) != 1 {
			t.Fatalf("%s: %d changes", tc.name, len(changes))
		}
		for _, c := range changes {
			if reflect.TypeOf(c) != reflect.TypeOf(tc.want) {
				t.Errorf("%s: planned as %T, want %T", tc.name, c, tc.want)
			}
			if n := sum(c.calls(false)); n != len(tc.calls) {
				t.Errorf("%s: Bound counts %d calls, the change makes %d", tc.name, n, len(tc.calls))
			}
		}
		site.take()
		if res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"}); err != nil || res.Failed() {
			t.Fatalf("%s: %v %+v", tc.name, err, res)
		}
		if got := site.take(); !reflect.DeepEqual(got, tc.calls) {
			t.Errorf("%s: calls %q, want %q", tc.name, got, tc.calls)
		}
	}
}

// Folders and content: a new folder is one Put, a move one MoveMembers, a
// distribution one AddPackages per group and one AddDistributionPoints
// per package, after the object's own change.
func TestFolderAndContentCalls(t *testing.T) {
	ctx := context.Background()
	site := &recorder{Site: openTestSite(t)}
	conf := "packages:\n  - name: Tools\n    folder: OSD\n    distribute: { groups: [All distribution points], points: [DP01.corp.example] }\n"
	p := mustPlan(t, ctx, site, parseConfig(t, conf))
	n := 0
	for _, c := range p.changes() {
		n += sum(c.calls(false))
	}
	site.take()
	if res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	want := []string{"Put SMS_ObjectContainerNode", "Put SMS_Package", "MoveMembers", "AddPackages", "AddDistributionPoints"}
	if got := site.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	if n != len(want) {
		t.Errorf("Bound counts %d calls, the changes make %d", n, len(want))
	}
	requireNoChanges(t, ctx, site, parseConfig(t, conf))
	// Moved back to the root: one MoveMembers, nothing else.
	p = mustPlan(t, ctx, site, parseConfig(t, "packages:\n  - name: Tools\n    folder: /\n"))
	if o := p.Plan.Objects[0]; o.Action != plan.Update || len(o.Changes) != 1 || o.Changes[0].Field != "folder" {
		t.Fatalf("plan: %+v", o)
	}
	site.take()
	if res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	if got := site.take(); !reflect.DeepEqual(got, []string{"MoveMembers"}) {
		t.Errorf("calls %q", got)
	}
}

// Waiting for distribution reads the status until every content is
// installed, and reports a distribution point where it failed.
func TestWaitDistribution(t *testing.T) {
	ctx := context.Background()
	faults, err := local.ParseFaults("distribution=100ms,distfail=DP02.corp.example")
	if err != nil {
		t.Fatal(err)
	}
	site, err := local.Open(t.TempDir(), local.Options{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	p := mustPlan(t, ctx, site, parseConfig(t, "packages:\n  - name: Tools\n    distribute: { groups: [All distribution points] }\n"))
	if res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"}); err != nil || res.Failed() {
		t.Fatal(err, res)
	}
	rounds := 0
	status, err := p.WaitDistribution(ctx, WaitOptions{Interval: 20 * 1e6, OnProgress: func([]DistributionStatus) { rounds++ }})
	werr, ok := err.(*WaitError)
	if !ok || len(werr.Failed) != 1 || werr.Failed[0].Server != "DP02.corp.example" || len(werr.Pending) != 0 || werr.TimedOut {
		t.Fatalf("wait: %v", err)
	}
	if len(status) != 2 || rounds < 2 {
		t.Errorf("%d statuses after %d rounds: %+v", len(status), rounds, status)
	}
	for _, s := range status {
		if s.Server == "DP01.corp.example" && (!s.Done || s.State != "INSTALLED" || s.ID == "") {
			t.Errorf("DP01: %+v", s)
		}
	}
}

func sum(steps []int) int {
	n := 0
	for _, k := range steps {
		n += k
	}
	return n
}

// A deletion refused at the moment of deletion — a deployment of the
// sequence appeared after the plan, or something was filed in the folder —
// is skipped with the reason and the users named, as one refused because a
// sequence still runs the object is: the site is left as it is, not failed.
func TestLateRefusedDeletionsAreSkipped(t *testing.T) {
	ctx := context.Background()
	site := openTestSite(t)
	const seq = "sequences:\n  - name: Apps\n    folder: OSD/Apps\n    steps: []\n"
	mustApply(t, ctx, site, parseConfig(t, seq), PlanOptions{}, 1)
	p, ds, err := MakePlan(ctx, site, parseConfig(t, "sequences:\n  - name: Apps\n    absent: true\n  - name: Other\n    steps: []\n"), PlanOptions{Target: "test", Prune: true})
	if err != nil || ds.HasErrors() {
		t.Fatal(err, ds)
	}
	var seqID string
	for _, o := range p.Plan.Objects {
		if o.Kind == object.Sequence && o.Name == "Apps" {
			seqID = o.ID
		}
	}
	// After the plan: a deployment of the sequence, made in the console.
	ad := provider.New(object.ClassAdvertisement)
	ad.Props["AdvertisementName"] = "Apps - console"
	ad.Props["PackageID"] = seqID
	ad.Props["ProgramName"] = "*"
	ad.Props["CollectionID"] = "PS100011"
	if _, err := site.Put(ctx, ad); err != nil {
		t.Fatal(err)
	}
	res, err := p.Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range res.Objects {
		if o.Name == "Apps" && o.Kind == object.Sequence {
			found = true
			if o.Outcome != Skipped || !strings.Contains(o.Reason, `still deployed by deployment "Apps - console"`) || o.Hint == "" {
				t.Errorf("deleting a sequence deployed since the plan: %v %q %q", o.Outcome, o.Reason, o.Hint)
			}
		}
		if o.Kind == object.Folder && (o.Outcome != Skipped || !strings.Contains(o.Reason, "not deleted: it still holds ")) {
			t.Errorf("a folder still holding the sequence or a folder: %v %q", o.Outcome, o.Reason)
		}
	}
	if !found {
		t.Fatalf("no outcome for the sequence: %+v", res.Objects)
	}
}

// Waiting ends on content installed, on an install that failed and on
// content being removed from the distribution point (it will not be
// installed by waiting); it goes on through pending, retrying, updating
// and monitoring (SMS_PackageStatusDistPointsSummarizer.State).
func TestDistributionEnds(t *testing.T) {
	for st, want := range map[int64][2]bool{0: {true, false}, 1: {false, false}, 2: {false, false}, 3: {false, true},
		4: {false, true}, 5: {false, true}, 6: {false, true}, 7: {false, false}, 8: {false, false}, 42: {false, false}} {
		if done, failed := distributionEnds(st); done != want[0] || failed != want[1] {
			t.Errorf("state %d (%s): done %v failed %v, want %v", st, stateName(st), done, failed, want)
		}
	}
}
