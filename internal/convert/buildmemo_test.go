package convert

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

// conversion is what converting sequences wrote and found: each
// sequence's item, the verdict of every first check verify made, and (for
// a conversion ahead of turn) each sequence's journal and report.
type conversion struct {
	items    [][]byte
	verdicts []buildVerdict
	journals [][]string
	reports  []Report
	report   Report
}

// convertInTurn converts seqs one after the other with one converter (as
// All does when settling, and tsctl convert on one core), with memo.
func convertInTurn(t *testing.T, names Names, seqs []*exportfile.Sequence, memo *buildMemo) conversion {
	t.Helper()
	var out conversion
	c := New(names)
	c.builds = memo
	c.checked = func(v buildVerdict) { out.verdicts = append(out.verdicts, v) }
	for _, s := range seqs {
		if err := s.Loaded(); err != nil {
			t.Fatal(err)
		}
		item, err := Encode(c.Sequence(s))
		if err != nil {
			t.Fatal(err)
		}
		out.items = append(out.items, item)
	}
	out.report = c.Report
	return out
}

// convertAhead converts each of seqs as All's workers do: from nothing
// shared, keeping a journal, with memo.
func convertAhead(t *testing.T, names Names, seqs []*exportfile.Sequence, memo *buildMemo) conversion {
	t.Helper()
	var out conversion
	w := &Converter{Names: names, sh: newShared(), builds: memo}
	w.checked = func(v buildVerdict) { out.verdicts = append(out.verdicts, v) }
	for _, s := range seqs {
		if err := s.Loaded(); err != nil {
			t.Fatal(err)
		}
		w.sh.reset()
		w.Report = Report{}
		journal := []op{}
		w.journal = &journal
		item, err := Encode(w.Sequence(s))
		if err != nil {
			t.Fatal(err)
		}
		out.items = append(out.items, item)
		out.journals = append(out.journals, journalText(journal))
		out.reports = append(out.reports, w.Report)
	}
	return out
}

// journalText writes a journal as text, a placeholder's node by its
// value. The content a step lists is recorded in map order (each ID once),
// so each run of opAddSeen is sorted.
func journalText(ops []op) []string {
	out := make([]string, len(ops))
	run := 0 // where the run of opAddSeen ending at i starts
	for i, p := range ops {
		if p.kind != opAddSeen {
			run = i + 1
		}
		node := ""
		if p.node != nil {
			node = p.node.Value
		}
		out[i] = fmt.Sprintf("%s key=%v a=%q b=%q got=%q ok=%v l=%+v info=%+v node=%q line=%d where=%q",
			p.kind, p.key, p.a, p.b, p.got, p.ok, p.l, p.info, node, p.line, p.where)
		if p.kind == opAddSeen {
			slices.Sort(out[run : i+1])
		}
	}
	return out
}

// sameConversion fails unless two conversions of seqs wrote and found
// the same.
func sameConversion(t *testing.T, label string, seqs []*exportfile.Sequence, got, want conversion) {
	t.Helper()
	if !reflect.DeepEqual(got.verdicts, want.verdicts) {
		n := min(len(got.verdicts), len(want.verdicts))
		for i := range n {
			if got.verdicts[i] != want.verdicts[i] {
				t.Errorf("%s: first check %d of %d: %s, built: %s", label, i, len(want.verdicts), got.verdicts[i], want.verdicts[i])
				break
			}
		}
		if len(got.verdicts) != len(want.verdicts) {
			t.Errorf("%s: %d first checks, built: %d", label, len(got.verdicts), len(want.verdicts))
		}
	}
	for i := range want.items {
		if !bytes.Equal(got.items[i], want.items[i]) {
			t.Errorf("%s: sequence %q written differently:\n%s\nbuilt:\n%s", label, seqs[i].Name, got.items[i], want.items[i])
		}
	}
	for i := range want.journals {
		if !reflect.DeepEqual(got.journals[i], want.journals[i]) {
			t.Errorf("%s: sequence %q journal\n%s\nbuilt:\n%s", label, seqs[i].Name, strings.Join(got.journals[i], "\n"), strings.Join(want.journals[i], "\n"))
		}
	}
	if !reflect.DeepEqual(got.reports, want.reports) || !reflect.DeepEqual(got.report, want.report) {
		t.Errorf("%s: reports differ:\n%+v\n%+v\nbuilt:\n%+v\n%+v", label, got.report, got.reports, want.report, want.reports)
	}
}

// memoMatchesBuilding converts seqs in turn and ahead of turn, with the
// memo (one for both, so that the second meets answers the first
// remembered under other shared state) and without it, and fails unless
// every verdict, journal, item and report is the same. It returns the
// memo's counts.
func memoMatchesBuilding(t *testing.T, names Names, seqs []*exportfile.Sequence) buildStats {
	t.Helper()
	memo := newBuildMemo(maxBuilds)
	sameConversion(t, "in turn", seqs, convertInTurn(t, names, seqs, memo), convertInTurn(t, names, seqs, newBuildMemo(0)))
	sameConversion(t, "ahead", seqs, convertAhead(t, names, seqs, memo), convertAhead(t, names, seqs, newBuildMemo(0)))
	return memo.stats()
}

// Every step of every real export and of a generated workload is checked
// alike with the memo and without it: the same verdicts, journals, YAML
// and reports, converted in turn and ahead of turn.
func TestBuildMemoMatchesBuildingOnRealExports(t *testing.T) {
	ex, err := exportfile.ReadFiles(realExportDirs(t))
	if err != nil {
		t.Fatal(err)
	}
	st := memoMatchesBuilding(t, ExportNames{Ex: ex}, ex.Sequences)
	t.Logf("%d sequences: %+v", len(ex.Sequences), st)
	if st.hits == 0 {
		t.Error("no first check answered from memory")
	}
}

func TestBuildMemoMatchesBuildingOnAWorkload(t *testing.T) {
	ex := workloadExport(t, 40, 30)
	st := memoMatchesBuilding(t, ex.Names, ex.Sequences)
	t.Logf("%d sequences: %+v", len(ex.Sequences), st)
	if st.hits < st.misses {
		t.Errorf("%+v: the workload repeats its steps across sequences", st)
	}
}

// download is a Download Package Content step for the content id, listed
// under listedName ("": listing no name).
func downloadStep(name, id, listedName string) string {
	return downloadTyped(name, id, listedName, "3", "10")
}

// downloadTyped is a download step listing its content with a package
// type and size.
func downloadTyped(name, id, listedName, pkgType, size string) string {
	return `<step type="SMS_TaskSequence_DownloadPackageContentAction" name="` + name + `" description="" runIn="WinPEandFullOS" successCodeList="0" retryCount="0" runFromNet="false"><action>OsdDownloadContent.exe </action><defaultVarList>` +
		`<variable name="OSDDownloadContinueDownloadOnError" property="ContinueDownloadOnError">true</variable>` +
		`<variable name="OSDDownloadDownloadPackages" property="DownloadPackages">` + id + `</variable>` +
		`<variable name="OSDDownloadDestinationLocationType" property="DestinationLocationType">TSCache</variable>` +
		`<variable name="OSDPackageCount" property="NumPackages">1</variable>` +
		`<variable name="OSDPackage" property="PackageInfo" hidden="true">1</variable>` +
		`<variable name="OSDPackage0Name" property="PackageInfo0Name">` + listedName + `</variable>` +
		`<variable name="OSDPackage0PackageId" property="PackageInfo0PackageId">` + id + `</variable>` +
		`<variable name="OSDPackage0PkgType" property="PackageInfo0PkgType">` + pkgType + `</variable>` +
		`<variable name="OSDPackage0Size" property="PackageInfo0Size">` + size + `</variable></defaultVarList></step>`
}

func sequenceOf(t *testing.T, name string, steps ...string) *exportfile.Sequence {
	t.Helper()
	q, err := model.Parse([]byte(`<sequence version="3.10">` + strings.Join(steps, "") + `</sequence>`))
	if err != nil {
		t.Fatal(err)
	}
	return &exportfile.Sequence{Name: name, Sequence: q}
}

// A step a sequence converts to the same YAML as a remembered one, from
// the same original, whose build the resolver answers differently: the
// content it downloads (listed without a name) is described by what an
// earlier step of the second sequence listed it under, unlisted in the
// first. The memo must not answer for it: converted ahead (each sequence
// from nothing shared) the second Get builds another step, listing
// "Dell drivers", and stays in the action form; in turn, First's listing
// came first and the verdict is the same, but the answer differs all the
// same.
func TestBuildMemoAsksTheResolverAgain(t *testing.T) {
	seqs := []*exportfile.Sequence{
		sequenceOf(t, "First", downloadTyped("Get", "XYZ00002", "", "0", "0")),
		sequenceOf(t, "Second", downloadStep("Listing", "XYZ00002", "Dell drivers"), downloadTyped("Get", "XYZ00002", "", "0", "0")),
	}
	names := mapNames{ids: map[string]string{}, apps: map[string]string{}}
	memo := newBuildMemo(maxBuilds)
	sameConversion(t, "in turn", seqs, convertInTurn(t, names, seqs, memo), convertInTurn(t, names, seqs, newBuildMemo(0)))
	if memo.stale.Load() != 1 || memo.hits.Load() != 0 {
		t.Errorf("%+v: want the second Get's remembered key found and its answer refused", memo.stats())
	}
	memo = newBuildMemo(maxBuilds)
	sameConversion(t, "ahead", seqs, convertAhead(t, names, seqs, memo), convertAhead(t, names, seqs, newBuildMemo(0)))
	if memo.stale.Load() != 1 || memo.hits.Load() != 0 {
		t.Errorf("ahead: %+v: want the second Get's remembered key found and its answer refused", memo.stats())
	}
}

// The same at the level of one check: a name the memo remembers resolving
// to one ID handed out to another (as state settled in another order
// could) is built again, with the verdict a build gives, and the journal
// holds the reads of that build alone.
func TestBuildMemoRefusesAnotherAnswer(t *testing.T) {
	q := sequenceOf(t, "S", `<step type="SMS_TaskSequence_RunCommandLineAction" name="Tools" description="" runIn="WinPEandFullOS" successCodeList="0 3010" retryCount="0" runFromNet="false"><action>smsswd.exe /run:PS100010 run.cmd</action><defaultVarList>`+
		`<variable name="CommandLine" property="CommandLine" hidden="true">run.cmd</variable>`+
		`<variable name="SMSTSDisableWow64Redirection" property="DisableWow64Redirection">false</variable>`+
		`<variable name="PackageID" property="PackageID" hidden="true">PS100010</variable>`+
		`<variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">false</variable>`+
		`<variable name="SuccessCodes" property="SuccessCodes" hidden="true">0 3010</variable></defaultVarList></step>`)
	orig := q.Sequence.Steps[0]
	names := mapNames{ids: map[string]string{"PS100010": "Tools"}, apps: map[string]string{}}
	var verdicts []buildVerdict
	c := New(names)
	c.checked = func(v buildVerdict) { verdicts = append(verdicts, v) }
	journal := []op{}
	c.journal = &journal
	node := c.typed(orig, kindOf(t, orig), "Tools")
	check := func() (buildVerdict, []string) {
		verdicts = verdicts[:0]
		at := len(journal)
		c.firstCheck(node, orig)
		return verdicts[0], journalText(journal[at:])
	}
	v1, j1 := check()
	v2, j2 := check()
	if v1 != storesOrig || v2 != storesOrig || c.builds.hits.Load() != 1 || !reflect.DeepEqual(j1, j2) {
		t.Fatalf("checked twice: %s, %s (%+v); journals\n%v\n%v", v1, v2, c.builds.stats(), j1, j2)
	}
	c.sh.reverse[refKey{object.Package, "tools"}] = "PS100099"
	v3, j3 := check()
	if v3 != buildsOther || c.builds.stale.Load() != 1 {
		t.Errorf("the name handed out to another ID: %s (%+v), want %s", v3, c.builds.stats(), buildsOther)
	}
	if len(j3) != 1 || !strings.Contains(j3[0], `got="PS100099"`) {
		t.Errorf("journal of the check built again:\n%s", strings.Join(j3, "\n"))
	}
}

func kindOf(t *testing.T, s *model.Step) *config.Kind {
	t.Helper()
	k := config.KindForClass(s.Type)
	if k == nil {
		t.Fatalf("no typed form for %s", s.Type)
	}
	return k
}

// The key of an original step tells apart any two steps that differ in
// any field, however deep (reflect.DeepEqual): each field of model.Step
// and of what it holds is filled in and changed in turn, so a field added
// to model.Step (or to Variable, Attr, Elem) and not to stepKey fails
// here.
func TestStepKeySeesEveryField(t *testing.T) {
	base := filled(t, reflect.TypeOf(model.Step{}), 0).Addr().Interface().(*model.Step)
	want := string(stepKey(nil, base))
	changes := 0
	for _, m := range mutations(t, reflect.ValueOf(base).Elem(), "Step") {
		x := deepCopy(reflect.ValueOf(base)).Interface().(*model.Step)
		m.apply(reflect.ValueOf(x).Elem())
		if reflect.DeepEqual(x, base) {
			continue
		}
		changes++
		if string(stepKey(nil, x)) == want {
			t.Errorf("%s: changed, same key", m.name)
		}
	}
	if changes < 40 {
		t.Errorf("only %d changes tried", changes)
	}
	// and equal steps have one key
	if string(stepKey(nil, deepCopy(reflect.ValueOf(base)).Interface().(*model.Step))) != want {
		t.Error("a copy has another key")
	}
}

// mutation changes one leaf of a value (found by the same path in any
// copy of it).
type mutation struct {
	name  string
	apply func(root reflect.Value)
}

// mutations lists the changes of v's leaves: a string extended or
// emptied, a bool flipped, an int moved on, a pointer set to nil or to a
// filled value, a slice set to nil, to empty, shortened or extended; at
// is where v is in a copy. A kind it does not know fails the test: a new
// field of it is to be keyed and changed here.
func mutations(t *testing.T, v reflect.Value, name string) []mutation {
	return mutationsAt(t, v, name, func(r reflect.Value) reflect.Value { return r })
}

func mutationsAt(t *testing.T, v reflect.Value, name string, at func(reflect.Value) reflect.Value) []mutation {
	t.Helper()
	set := func(label string, f func(x reflect.Value)) mutation {
		return mutation{name + ": " + label, func(r reflect.Value) { f(at(r)) }}
	}
	var out []mutation
	switch v.Kind() {
	case reflect.String:
		out = append(out, set("extended", func(x reflect.Value) { x.SetString(x.String() + "x") }),
			set("emptied", func(x reflect.Value) { x.SetString("") }))
	case reflect.Bool:
		out = append(out, set("flipped", func(x reflect.Value) { x.SetBool(!x.Bool()) }))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out = append(out, set("moved on", func(x reflect.Value) { x.SetInt(x.Int() + 1) }))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		out = append(out, set("moved on", func(x reflect.Value) { x.SetUint(x.Uint() + 1) }))
	case reflect.Pointer:
		out = append(out, set("nil", func(x reflect.Value) { x.Set(reflect.Zero(x.Type())) }))
		if v.IsNil() {
			out = append(out, set("filled", func(x reflect.Value) { x.Set(filled(t, x.Type().Elem(), 1).Addr()) }))
		} else {
			out = append(out, mutationsAt(t, v.Elem(), name, func(r reflect.Value) reflect.Value { return at(r).Elem() })...)
		}
	case reflect.Slice:
		out = append(out,
			set("nil", func(x reflect.Value) { x.Set(reflect.Zero(x.Type())) }),
			set("empty", func(x reflect.Value) { x.Set(reflect.MakeSlice(x.Type(), 0, 0)) }),
			set("one more", func(x reflect.Value) { x.Set(reflect.Append(x, filled(t, x.Type().Elem(), 1))) }))
		if v.Len() > 0 {
			out = append(out, set("one less", func(x reflect.Value) { x.Set(x.Slice(0, x.Len()-1)) }))
		}
		for i := range v.Len() {
			out = append(out, mutationsAt(t, v.Index(i), fmt.Sprintf("%s[%d]", name, i), func(r reflect.Value) reflect.Value { return at(r).Index(i) })...)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			out = append(out, mutationsAt(t, v.Field(i), name+"."+v.Type().Field(i).Name, func(r reflect.Value) reflect.Value { return at(r).Field(i) })...)
		}
	default:
		t.Fatalf("%s: a %s field: key it in stepKey and change it in mutations", name, v.Kind())
	}
	return out
}

// filled returns an addressable value of type typ with every field set
// (strings to text naming them, bools true, pointers and slices to filled
// values), steps and elements nested to depth 2 (slices deeper are nil).
func filled(t *testing.T, typ reflect.Type, depth int) reflect.Value {
	t.Helper()
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s%d", typ.Name(), depth))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(depth + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(depth + 1))
	case reflect.Pointer:
		v.Set(filled(t, typ.Elem(), depth+1).Addr())
	case reflect.Slice:
		if depth < 3 {
			v.Set(reflect.Append(reflect.MakeSlice(typ, 0, 2), filled(t, typ.Elem(), depth+1), filled(t, typ.Elem(), depth+2)))
		}
	case reflect.Struct:
		for i := range typ.NumField() {
			v.Field(i).Set(filled(t, typ.Field(i).Type, depth))
		}
	default:
		t.Fatalf("a %s field: key it in stepKey and fill it in filled", typ.Kind())
	}
	return v
}

// deepCopy copies v, following pointers and slices.
func deepCopy(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out.Set(deepCopy(v.Elem()).Addr())
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(deepCopy(v.Index(i)))
			}
			out.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			out.Field(i).Set(deepCopy(v.Field(i)))
		}
	default:
		out.Set(v)
	}
	return out
}

// Steps changed in one field each, converted after the original filled
// the memo, are checked as they are without it: the property the key
// stands for, over the steps and groups (a group's own element, which
// verifyGroup checks through the memo) of the real exports and of a
// workload.
func TestBuildMemoOnChangedSteps(t *testing.T) {
	var sets [][]*exportfile.Sequence
	var names []Names
	if _, err := os.Stat(filepath.Join("..", "..", "..", "shared", "exports")); err == nil {
		ex, err := exportfile.ReadFiles(realExportDirs(t))
		if err != nil {
			t.Fatal(err)
		}
		sets, names = append(sets, ex.Sequences), append(names, ExportNames{Ex: ex})
	} else {
		t.Log("no real exports (../shared/exports): changing the workload's steps only")
	}
	wl := workloadExport(t, 6, 30)
	sets, names = append(sets, wl.Sequences), append(names, wl.Names)
	for i, seqs := range sets {
		tried := map[string]bool{}
		steps, groups, changed := 0, 0, 0
		for _, s := range seqs {
			if err := s.Loaded(); err != nil {
				t.Fatal(err)
			}
			s.Sequence.Walk(func(_ string, st *model.Step) bool {
				key := string(stepKey(nil, st))
				if tried[key] || st.Kind == model.KindGroup && groups >= 20 || st.Kind != model.KindGroup && steps >= 40 {
					return true
				}
				tried[key] = true
				if st.Kind == model.KindGroup {
					groups++
				} else {
					steps++
				}
				changed += changedStepsMatch(t, names[i], st)
				return true
			})
		}
		t.Logf("set %d: %d steps, %d groups, %d changes", i, steps, groups, changed)
	}
}

// changedStepsMatch converts st, then each change of it (mutations) with
// the memo st left, and fails unless each is converted as without a memo;
// it returns how many changes it tried.
func changedStepsMatch(t *testing.T, names Names, st *model.Step) int {
	t.Helper()
	one := func(s *model.Step) *exportfile.Sequence {
		return &exportfile.Sequence{Name: "Changed", Sequence: &model.Sequence{Version: "3.10", Steps: []*model.Step{s}}}
	}
	memo := newBuildMemo(maxBuilds)
	convertInTurn(t, names, []*exportfile.Sequence{one(st)}, memo)
	n := 0
	for _, m := range mutations(t, reflect.ValueOf(st).Elem(), "Step") {
		if strings.Contains(m.name, ".Steps") || strings.HasSuffix(m.name, "]: nil") {
			continue // a group's steps (verify checks steps one by one), or no element at all
		}
		x := deepCopy(reflect.ValueOf(st)).Interface().(*model.Step)
		m.apply(reflect.ValueOf(x).Elem())
		// as an export holds it: what the codec writes and reads back
		q, err := model.Parse(model.Marshal(&model.Sequence{Version: "3.10", Steps: []*model.Step{x}}))
		if err != nil || len(q.Steps) != 1 {
			continue
		}
		seqs := []*exportfile.Sequence{one(q.Steps[0])}
		got, want := convertInTurn(t, names, seqs, memo), convertInTurn(t, names, seqs, newBuildMemo(0))
		if !reflect.DeepEqual(got.verdicts, want.verdicts) || !bytes.Equal(got.items[0], want.items[0]) {
			t.Errorf("%s changed (%s): verdicts %v, built %v:\n%s\nbuilt:\n%s", st.Name, m.name, got.verdicts, want.verdicts, got.items[0], want.items[0])
			return n
		}
		n++
	}
	return n
}

// FuzzBuildMemo converts any sequence XML the codec reads together with a
// copy of it whose every step and group is changed in one field (the pick-th of its
// mutations, as the codec reads it back), in turn and ahead of turn:
// with the memo, every verdict, journal and item is what it is without.
func FuzzBuildMemo(f *testing.F) {
	for i, p := range fuzzSeeds() {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, uint16(i*7))
		}
	}
	f.Add([]byte(`<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="R"><action>x</action><defaultVarList><variable name="CommandLine" property="CommandLine">a</variable><variable name="PackageID" property="PackageID">PS100001</variable></defaultVarList></step><step type="SMS_TaskSequence_RunCommandLineAction" name="R"><action>x</action><defaultVarList><variable name="CommandLine" property="CommandLine">a</variable><variable name="PackageID" property="PackageID">PS100002</variable></defaultVarList></step></sequence>`), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, pick uint16) {
		q, err := model.Parse(data)
		if err != nil {
			return
		}
		changed := q.Clone()
		changed.Walk(func(_ string, st *model.Step) bool {
			var ms []mutation
			for _, m := range mutations(t, reflect.ValueOf(st).Elem(), "Step") {
				if !strings.Contains(m.name, ".Steps") && !strings.HasSuffix(m.name, "]: nil") {
					ms = append(ms, m)
				}
			}
			if len(ms) > 0 {
				ms[int(pick)%len(ms)].apply(reflect.ValueOf(st).Elem())
			}
			return true
		})
		back, err := model.Parse(model.Marshal(changed))
		if err != nil {
			return // changed into what the codec does not read
		}
		seqs := []*exportfile.Sequence{{Name: "A", Sequence: q}, {Name: "B", Sequence: back}, {Name: "A again", Sequence: q}, {Name: "B again", Sequence: back}}
		memoMatchesBuilding(t, ExportNames{Ex: &exportfile.Export{Sequences: seqs}}, seqs)
	})
}

// A build reads a secret's env name only to pass it to Secret, which
// answers the same for any: the memo keys placeholders as SECRET_1, … in
// order. A step holding secrets builds the same step under any names
// secret writes, and steps alike but for their placeholders share a key.
func TestBuildDoesNotReadEnvNames(t *testing.T) {
	q := sequenceOf(t, "S", `<step type="SMS_TaskSequence_RunCommandLineAction" name="Join" description="" runIn="WinPEandFullOS" successCodeList="0 3010" retryCount="0" runFromNet="false"><action>smsswd.exe /run: x.cmd</action><defaultVarList>`+
		`<variable name="CommandLine" property="CommandLine" hidden="true">x.cmd</variable>`+
		`<variable name="SMSTSDisableWow64Redirection" property="DisableWow64Redirection">false</variable>`+
		`<variable name="SuccessCodes" property="SuccessCodes" hidden="true">0 3010</variable>`+
		`<variable name="SMSTSRunCommandLineUserName" property="UserName">CORP\svc</variable><variable name="_SMSTSRunCommandLineAsUser" property="RunAsUser">true</variable>`+
		`<variable name="SMSTSRunCommandLineUserPassword" property="UserPassword"></variable></defaultVarList></step>`)
	orig := q.Sequence.Steps[0]
	c := New(mapNames{ids: map[string]string{}, apps: map[string]string{}})
	var nodes []*yaml.Node
	for range 3 {
		nodes = append(nodes, c.typed(orig, kindOf(t, orig), "Join"))
	}
	var envs []string
	var want *model.Step
	for i, n := range nodes {
		got := c.build(n)
		if got == nil {
			t.Fatal("the step does not build")
		}
		if i == 0 {
			want = got
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("built under another placeholder:\n%+v\nwant\n%+v", got, want)
		}
		key, _, _ := c.buildKey(nil, n, orig)
		if want, _, _ := c.buildKey(nil, nodes[0], orig); !bytes.Equal(key, want) {
			t.Errorf("placeholders %d and 0: two keys", i)
		}
		b, _ := yaml.Marshal(n)
		envs = append(envs, string(b))
	}
	if envs[0] == envs[1] || !strings.Contains(envs[1], "JOIN_PASSWORD_2") {
		t.Fatalf("want a placeholder of its own each time:\n%s", strings.Join(envs, "\n"))
	}
}

// The memo also remembers what tsctl validate says of a step that builds
// its original (refusal, a function of the node's key, which is the first
// part of the memo's key): verify answers the second check of a shape
// from the first's answer, without asking refusal's memo. No converted
// step that builds its original is refused by validate (the checks
// decoding makes refuse it first), so the answer is planted in refusal's
// memo under the node's key.
func TestBuildMemoRemembersRefusals(t *testing.T) {
	q := sequenceOf(t, "S", `<step type="SMS_TaskSequence_SetVariableAction" name="Set" description="" runIn="WinPEandFullOS" successCodeList="0" runFromNet="false"><action>tsenv.exe "A=1"</action><defaultVarList><variable name="VariableName" property="VariableName" hidden="true">A</variable><variable name="VariableValue" property="VariableValue" hidden="true">1</variable></defaultVarList></step>`)
	orig := q.Sequence.Steps[0]
	c := New(mapNames{ids: map[string]string{}, apps: map[string]string{}})
	node := c.typed(orig, kindOf(t, orig), "Set")
	if !c.verify(node, orig, true) {
		t.Fatal("the step does not verify")
	}
	// checked again with another answer planted: the memo does not hold one yet
	c.builds, c.refusals = newBuildMemo(maxBuilds), nil
	const planted = "refused for the test"
	_, v, k := c.firstCheck(node, orig)
	if v != storesOrig || k.whyKnown {
		t.Fatalf("first check: %s, answer known %v", v, k.whyKnown)
	}
	c.memo().put(k.node, planted)
	if why := c.refusalOf(node, k); why != planted {
		t.Fatalf("refusalOf = %q, want the answer planted under the node's key", why)
	}
	c.refusals = nil // answered from the first check's memo alone from now on
	_, v, k = c.firstCheck(node, orig)
	if v != storesOrig || !k.whyKnown || k.why != planted {
		t.Fatalf("second check: %s, answer %q (known %v), want %q", v, k.why, k.whyKnown, planted)
	}
	if c.verify(node, orig, true) {
		t.Error("verify accepts a step whose remembered answer refuses it")
	}
	if n := c.memo().len(); n != 0 {
		t.Errorf("refusal's memo asked: %d answers", n)
	}
	if st := c.builds.stats(); st.hits != 2 || st.misses != 1 {
		t.Errorf("counts %+v, want 2 hits and 1 miss", st)
	}
}
