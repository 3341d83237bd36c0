package convert

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

// aheadMatchesInTurn converts seqs (copies of them) once in turn with
// Sequence and Encode, and once with all converting ahead on workers, and
// fails unless both write the same bytes and the same report and count
// every sequence. It returns how many sequences all converted again in
// turn.
func aheadMatchesInTurn(t *testing.T, names Names, seqs []*exportfile.Sequence, workers int) int {
	t.Helper()
	copies := func() []*exportfile.Sequence {
		out := make([]*exportfile.Sequence, len(seqs))
		for i, s := range seqs {
			c := *s
			out[i] = &c
		}
		return out
	}
	one := New(names)
	var want [][]byte
	for _, s := range copies() {
		item, err := Encode(one.Sequence(s))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, item)
	}
	ahead := New(names)
	n := 0
	got, err := ahead.all(copies(), workers, func() { n++ })
	if err != nil {
		t.Fatal(err)
	}
	if n != len(seqs) || len(got) != len(want) {
		t.Fatalf("%d sequences counted and %d written, want %d", n, len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("%d workers: sequence %d (%s) written differently:\n%s\nwant:\n%s", workers, i, seqs[i].Name, got[i], want[i])
		}
	}
	if !reflect.DeepEqual(ahead.Report, one.Report) {
		t.Errorf("%d workers: report\n%+v\nwant\n%+v", workers, ahead.Report, one.Report)
	}
	return ahead.reconverted
}

// Every real export, converted ahead on 1, 2 and 8 workers, is what it is
// converted in turn, and (what makes converting ahead pay) none has to be
// converted again.
func TestAllAheadMatchesInTurnOnRealExports(t *testing.T) {
	dirs := realExportDirs(t)
	ex, err := exportfile.ReadFiles(dirs)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 8} {
		if again := aheadMatchesInTurn(t, ExportNames{Ex: ex}, ex.Sequences, workers); again != 0 {
			t.Errorf("%d workers: %d of %d sequences converted again", workers, again, len(ex.Sequences))
		}
	}
}

// mapNames names objects by ID and applications by model name, with no
// way to tell that a name is ambiguous (as a site's names: engine.SiteNames).
type mapNames struct {
	ids  map[string]string
	apps map[string]string
}

func (n mapNames) Name(_ object.Kind, id string) (string, bool) { v, ok := n.ids[id]; return v, ok }
func (n mapNames) AppName(m string) (string, bool)              { v, ok := n.apps[m]; return v, ok }

// Crafted sequences that share what convert hands out across sequences:
// a name two IDs claim in different sequences, secret placeholders from
// one step path in every sequence, content a later sequence names from
// what an earlier one listed, an application display name two models
// claim. Converted ahead they are what they are in turn, on any number of
// workers; the four that read what an earlier one left are converted again.
func TestAllAheadMatchesInTurnAcrossSequences(t *testing.T) {
	runAs := func(name string) string {
		return `<step type="SMS_TaskSequence_RunCommandLineAction" name="` + name + `" description="" runIn="WinPEandFullOS" successCodeList="0 3010" retryCount="0" runFromNet="false"><action>smsswd.exe /run: x.cmd</action><defaultVarList>` +
			`<variable name="CommandLine" property="CommandLine" hidden="true">x.cmd</variable>` +
			`<variable name="SMSTSDisableWow64Redirection" property="DisableWow64Redirection">false</variable>` +
			`<variable name="SuccessCodes" property="SuccessCodes" hidden="true">0 3010</variable>` +
			`<variable name="SMSTSRunCommandLineUserName" property="UserName">CORP\svc</variable><variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">true</variable>` +
			`<variable name="SMSTSRunCommandLineUserPassword" property="UserPassword"></variable></defaultVarList></step>`
	}
	runPkg := func(name, id string) string {
		return `<step type="SMS_TaskSequence_RunCommandLineAction" name="` + name + `" description="" runIn="WinPEandFullOS" successCodeList="0 3010" retryCount="0" runFromNet="false"><action>smsswd.exe /run:` + id + ` run.cmd</action><defaultVarList>` +
			`<variable name="CommandLine" property="CommandLine" hidden="true">run.cmd</variable>` +
			`<variable name="SMSTSDisableWow64Redirection" property="DisableWow64Redirection">false</variable>` +
			`<variable name="PackageID" property="PackageID" hidden="true">` + id + `</variable>` +
			`<variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">false</variable>` +
			`<variable name="SuccessCodes" property="SuccessCodes" hidden="true">0 3010</variable></defaultVarList></step>`
	}
	// a download step listing id under listedName ("": listing no name)
	download := func(name, id, listedName string) string {
		return `<step type="SMS_TaskSequence_DownloadPackageContentAction" name="` + name + `" description="" runIn="WinPEandFullOS" successCodeList="0" retryCount="0" runFromNet="false"><action>OsdDownloadContent.exe </action><defaultVarList>` +
			`<variable name="OSDDownloadContinueDownloadOnError" property="ContinueDownloadOnError">true</variable>` +
			`<variable name="OSDDownloadDownloadPackages" property="DownloadPackages">` + id + `</variable>` +
			`<variable name="OSDDownloadDestinationLocationType" property="DestinationLocationType">TSCache</variable>` +
			`<variable name="OSDPackageCount" property="NumPackages">1</variable>` +
			`<variable name="OSDPackage" property="PackageInfo" hidden="true">1</variable>` +
			`<variable name="OSDPackage0Name" property="PackageInfo0Name">` + listedName + `</variable>` +
			`<variable name="OSDPackage0PackageId" property="PackageInfo0PackageId">` + id + `</variable>` +
			`<variable name="OSDPackage0PkgType" property="PackageInfo0PkgType">3</variable>` +
			`<variable name="OSDPackage0Size" property="PackageInfo0Size">10</variable></defaultVarList></step>`
	}
	apps := func(name string, models ...string) string {
		s := `<step type="SMS_TaskSequence_InstallApplicationAction" name="` + name + `" description="" runIn="FullOS" successCodeList="0" retryCount="0" runFromNet="false"><action>smsappinstall.exe /app:` + strings.Join(models, ",") + ` /basevar: /continueOnError:false</action><defaultVarList>` +
			`<variable name="OSDAppClearCache" property="ClearCache">false</variable>` +
			`<variable name="ContinueOnInstallError" property="ContinueOnInstallError" hidden="true">false</variable>` +
			`<variable name="ApplicationName" property="ApplicationName" hidden="true">` + strings.Join(models, ",") + `</variable>` +
			fmt.Sprintf(`<variable name="OSDApp" property="AppInfo" hidden="true">%d</variable>`, len(models))
		for i, m := range models {
			s += fmt.Sprintf(`<variable name="OSDApp%dName" property="AppInfo%dName">%s</variable>`, i, i, m) +
				fmt.Sprintf(`<variable name="OSDApp%dDisplayName" property="AppInfo%dDisplayName">Contoso Agent</variable>`, i, i)
		}
		return s + fmt.Sprintf(`<variable name="OSDAppCount" property="NumApps">%d</variable></defaultVarList></step>`, len(models))
	}
	group := func(name string, steps ...string) string {
		return `<group name="` + name + `" description="">` + strings.Join(steps, "") + `</group>`
	}
	var seqs []*exportfile.Sequence
	add := func(name string, steps ...string) {
		q, err := model.Parse([]byte(`<sequence version="3.10">` + strings.Join(steps, "") + `</sequence>`))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, &exportfile.Sequence{Name: name, PackageID: fmt.Sprintf("PS2%05d", len(seqs)), Sequence: q})
	}
	names := mapNames{ids: map[string]string{"PS100010": "Tools", "PS100011": "tools", "PS100012": "Other tools", "XYZ00001": "Drivers",
		"PS100020": "WinPE", "PS100021": "winpe"},
		apps: map[string]string{}}
	add("First", runAs("Join"), runAs("Join"), runPkg("Tools", "PS100010"), download("Get", "XYZ00002", "Dell drivers"), apps("Apps", "ScopeId_1/Application_A"))
	add("Second", group("G", runAs("Join"), runPkg("Tools", "PS100010")), runAs("Join"))
	// PS100011 claims "tools", which First gave PS100010: by ID, converted again
	add("Third", runPkg("Other", "PS100011"), runAs("Join"), runPkg("More", "PS100012"))
	// XYZ00002 listed without a name: named from what First listed
	add("Fourth", download("Get", "XYZ00002", ""), runAs("Join"), download("Drivers", "XYZ00001", ""))
	// a second model under First's display name
	add("Fifth", apps("Apps", "ScopeId_1/Application_B"), runAs("Join"))
	// two boot images named alike: the second stays by ID
	add("Boot 1", runAs("Join"))
	seqs[len(seqs)-1].BootImageID = "PS100020"
	add("Boot 2", runAs("Join"))
	seqs[len(seqs)-1].BootImageID = "PS100021"
	for i := range 12 {
		add(fmt.Sprintf("More %d", i), runAs("Join"), runPkg("Tools", "PS100010"), runPkg("Other", "PS100012"), download("Get", "XYZ00003", "HP drivers"))
	}
	for _, workers := range []int{1, 2, 3, 8} {
		again := aheadMatchesInTurn(t, names, seqs, workers)
		t.Logf("%d workers: %d of %d sequences converted again", workers, again, len(seqs))
		if again != 4 {
			t.Errorf("%d workers: %d of %d sequences converted again, want 4 (Third, Fourth, Fifth, Boot 2)", workers, again, len(seqs))
		}
	}
	// the placeholders of one step path go on in order across sequences
	c := New(names)
	if _, err := c.all(seqs, 4, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(c.Report.Secrets); n != 21 || c.Report.Secrets[n-1] != "More 11: Join: JOIN_PASSWORD_20" {
		t.Errorf("secrets: %v", c.Report.Secrets)
	}
}

// replay accepts a journal only when every read answers as it did, and
// then commits its writes; otherwise it leaves the state as it was.
func TestReplayChecksEveryRead(t *testing.T) {
	pkg := refKey{object.Package, "tools"}
	state := func() *shared {
		s := newShared()
		s.reverse[pkg] = "PS1"
		s.apps["contoso"] = "ScopeId_1/Application_A"
		s.seen["XYZ1"] = listed{name: "Drivers", kind: object.DriverPackage}
		s.usedEnv["JOIN_PASSWORD"] = true
		return s
	}
	for _, tc := range []struct {
		name string
		op   op
		same bool
	}{
		{"name claimed by the same ID", op{kind: opClaimName, key: pkg, a: "PS1"}, true},
		{"name claimed by another ID", op{kind: opClaimName, key: pkg, a: "PS2"}, false},
		{"free name", op{kind: opClaimName, key: refKey{object.Package, "other"}, a: "PS2"}, true},
		{"name resolved as it was", op{kind: opResolveName, key: pkg, got: "PS1", ok: true}, true},
		{"name resolved to another ID", op{kind: opResolveName, key: pkg, got: "PS2", ok: true}, false},
		{"name unknown then", op{kind: opResolveName, key: pkg}, false},
		{"application name claimed by its model", op{kind: opClaimApp, a: "contoso", b: "ScopeId_1/Application_A", ok: true}, true},
		{"application name claimed by another model", op{kind: opClaimApp, a: "contoso", b: "ScopeId_1/Application_B", ok: true}, false},
		{"application resolved as it was", op{kind: opResolveApp, a: "contoso", got: "ScopeId_1/Application_A", ok: true}, true},
		{"application unknown then", op{kind: opResolveApp, a: "contoso"}, false},
		{"content described as listed", op{kind: opDescribe, a: "x", b: "xyz1", info: desired.ContentInfo{Name: "Drivers", Kind: object.DriverPackage}}, true},
		{"content described by name then", op{kind: opDescribe, a: "x", b: "XYZ1", info: desired.ContentInfo{Name: "x"}}, false},
	} {
		st := state()
		if got := replay(st, []op{tc.op, {kind: opAddSeen, a: "NEW", l: listed{name: "n"}}}, nil); got != tc.same {
			t.Errorf("%s: replay %v, want %v", tc.name, got, tc.same)
		}
		_, added := st.seen["NEW"]
		if added != tc.same {
			t.Errorf("%s: writes committed %v, want %v", tc.name, added, tc.same)
		}
	}
	// a placeholder taken by then is renamed, in its node and report line
	st := state()
	node := str("JOIN_PASSWORD")
	secrets := []string{"S: Join: JOIN_PASSWORD"}
	if !replay(st, []op{{kind: opSecret, a: "JOIN_PASSWORD", b: "JOIN_PASSWORD", node: node, line: 0, where: "S: Join: "}}, secrets) {
		t.Fatal("replay refused a placeholder")
	}
	if node.Value != "JOIN_PASSWORD_2" || secrets[0] != "S: Join: JOIN_PASSWORD_2" || !st.usedEnv["JOIN_PASSWORD_2"] {
		t.Errorf("placeholder %s, report %v, used %v", node.Value, secrets, st.usedEnv)
	}
}

// TestDescribeSeenDoesNotDependOnMapOrder: an ID handed out under names
// of two kinds of content is described the same way every time (Go
// iterates a map in a new order each time): by the name the step lists
// when one of them is it, else by the first name in order.
func TestDescribeSeenDoesNotDependOnMapOrder(t *testing.T) {
	s := newShared()
	s.reverse[refKey{object.DriverPackage, "drivers hp"}] = "PS100010"
	s.reverse[refKey{object.Package, "apps hp"}] = "PS100010"
	s.reverse[refKey{object.OSImage, "windows 11"}] = "PS100020"
	for range 200 {
		if got := describeSeen(s, "Drivers HP", "ps100010"); got.Kind != object.DriverPackage {
			t.Fatalf("listed as Drivers HP: %v", got)
		}
		if got := describeSeen(s, "Apps HP", "PS100010"); got.Kind != object.Package {
			t.Fatalf("listed as Apps HP: %v", got)
		}
		if got := describeSeen(s, "something else", "PS100010"); got.Kind != object.Package || got.Name != "something else" {
			t.Fatalf("listed under another name: %v (want the first name in order, apps hp: a package)", got)
		}
		if got := describeSeen(s, "W11", "PS100020"); got.Kind != object.OSImage {
			t.Fatalf("one name: %v", got)
		}
	}
}

// realExportDirs returns the folders of real exports beside the
// repository (../shared/corpus, exports, exports/mdt) that exist, and skips
// t when there are none.
func realExportDirs(t testing.TB) []string {
	t.Helper()
	dirs := realExportDirsOrNone()
	if len(dirs) == 0 {
		t.Skip("no real exports: they are read from ../shared/corpus, ../shared/exports and ../shared/exports/mdt")
	}
	return dirs
}

// realExportDirsOrNone is realExportDirs, none when there are none.
func realExportDirsOrNone() []string {
	var dirs []string
	for _, d := range []string{"corpus", "exports", filepath.Join("exports", "mdt")} {
		dir := filepath.Join("..", "..", "..", "shared", d)
		if _, err := os.Stat(dir); err == nil {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}
