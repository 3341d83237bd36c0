package wmi

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tsctl/tsctl/provider"
)

// fakeWMI is a WMI repository behind the Conn seam: classes declare typed
// properties, instances hold values as WMI scripting passes them (uint32
// as int32, uint64 as strings, DATETIME as CIM strings, embedded objects
// as objects), and every call is logged.
type fakeWMI struct {
	classes map[string][]Property // declared properties (no values)
	stored  map[string]*fakeObject
	methods map[string]func(in *fakeObject) (*fakeObject, error)
	calls   []string
	live    int // objects handed out and not yet released
}

type fakeObject struct {
	w        *fakeWMI
	class    string
	props    []Property
	isClass  bool
	released bool
}

func (w *fakeWMI) log(f string, a ...any) { w.calls = append(w.calls, fmt.Sprintf(f, a...)) }

func (w *fakeWMI) obj(class string, isClass bool) *fakeObject {
	o := &fakeObject{w: w, class: class, isClass: isClass}
	for _, p := range w.classes[class] {
		o.props = append(o.props, Property{Name: p.Name, Type: p.Type, Array: p.Array})
	}
	w.live++
	return o
}

// instance builds a stored object of class with raw property values.
func (w *fakeWMI) instance(class string, values map[string]any) *fakeObject {
	o := w.obj(class, false)
	w.live--
	for i := range o.props {
		o.props[i].Value = values[o.props[i].Name]
	}
	return o
}

// handOut copies o for a caller, who releases it. Embedded objects are
// shared: they are handed out (and counted) only when Properties reads them.
func (o *fakeObject) handOut() *fakeObject {
	c := &fakeObject{w: o.w, class: o.class, isClass: o.isClass}
	c.props = append(c.props, o.props...)
	o.w.live++
	return c
}

func (w *fakeWMI) Query(wql string) ([]Object, error) {
	w.log("query %s", wql)
	var out []Object
	for _, o := range w.stored {
		if strings.Contains(wql, " FROM "+o.class) {
			out = append(out, o.handOut())
		}
	}
	return out, nil
}

func (w *fakeWMI) Get(path string) (Object, error) {
	w.log("get %s", path)
	if _, ok := w.classes[path]; ok {
		return w.obj(path, true), nil
	}
	if o, ok := w.stored[path]; ok {
		return o.handOut(), nil
	}
	return nil, &provider.Error{Kind: provider.KindNotFound, Op: "Get " + path, Code: provider.WbemNotFound, Msg: "Not found"}
}

func (w *fakeWMI) Delete(path string) error { w.log("delete %s", path); return nil }

func (w *fakeWMI) MethodParameters(class, method string) (Object, error) {
	w.log("params %s.%s", class, method)
	return w.obj(class+"."+method, false), nil
}

func (w *fakeWMI) ExecMethod(class, method string, in Object) (Object, error) {
	w.log("exec %s.%s", class, method)
	return w.methods[class+"."+method](in.(*fakeObject))
}

func (w *fakeWMI) LastError() *ExtendedStatus { return nil }
func (w *fakeWMI) Close() error               { w.log("close"); return nil }

func (o *fakeObject) Class() string { return o.class }

// Properties returns values as go-ole reads them: arrays as []any,
// embedded objects as Objects with references of their own.
func (o *fakeObject) Properties() ([]Property, error) {
	if o.released {
		return nil, fmt.Errorf("%s used after release", o.class)
	}
	out := make([]Property, len(o.props))
	for i, p := range o.props {
		switch v := p.Value.(type) {
		case *fakeObject:
			p.Value = v.handOut()
		case []*fakeObject:
			objs := make([]Object, len(v))
			for j, e := range v {
				objs[j] = e.handOut()
			}
			p.Value = objs
		case []string:
			a := make([]any, len(v))
			for j, e := range v {
				a[j] = e
			}
			p.Value = a
		case []byte:
			a := make([]any, len(v))
			for j, e := range v {
				a[j] = e
			}
			p.Value = a
		}
		out[i] = p
	}
	return out, nil
}

// Set accepts exactly the VARIANT-ready values go-ole can marshal for the
// declared type, as WMI scripting would.
func (o *fakeObject) Set(name string, value any) error {
	for i, p := range o.props {
		if p.Name != name {
			continue
		}
		ok := false
		switch value.(type) {
		case nil:
			ok = true
		case int32:
			ok = !p.Array && (p.Type == CIMUint16 || p.Type == CIMSint32 || p.Type == CIMUint32)
		case int16:
			ok = !p.Array && (p.Type == CIMSint8 || p.Type == CIMSint16)
		case uint8:
			ok = !p.Array && p.Type == CIMUint8
		case string:
			ok = !p.Array && (p.Type == CIMString || p.Type == CIMSint64 || p.Type == CIMUint64 || p.Type == CIMDatetime || p.Type == CIMReference)
		case bool:
			ok = !p.Array && p.Type == CIMBoolean
		case []byte:
			ok = p.Array && p.Type == CIMUint8
		case []string:
			ok = p.Array && p.Type != CIMUint8 && p.Type != CIMObject
		case *fakeObject:
			ok = p.Type == CIMObject && !p.Array
		case []Object:
			ok = p.Type == CIMObject && p.Array
		}
		if !ok {
			return fmt.Errorf("type mismatch: %T for %s %s (array %v)", value, p.Type, name, p.Array)
		}
		if e, isObj := value.(*fakeObject); isObj {
			cp := *e // the property holds its own copy
			cp.released = false
			value = &cp
		}
		if es, isObjs := value.([]Object); isObjs {
			cps := make([]Object, len(es))
			for j, e := range es {
				cp := *e.(*fakeObject)
				cp.released = false
				cps[j] = &cp
			}
			value = cps
		}
		o.props[i].Value = value
		o.w.log("set %s.%s=%v", o.class, name, describe(value))
		return nil
	}
	return fmt.Errorf("no property %s on %s", name, o.class)
}

func describe(v any) string {
	switch x := v.(type) {
	case *fakeObject:
		return "object " + x.class
	case []byte:
		return fmt.Sprintf("bytes %x", x)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

func (o *fakeObject) SpawnInstance() (Object, error) {
	if !o.isClass {
		return nil, fmt.Errorf("SpawnInstance_ on an instance")
	}
	o.w.log("spawn %s", o.class)
	return o.w.obj(o.class, false), nil
}

func (o *fakeObject) Put() (string, error) {
	o.w.log("put %s", o.class)
	cp := &fakeObject{w: o.w, class: o.class}
	cp.props = append(cp.props, o.props...)
	path := keyPath(&provider.Instance{Class: o.class, Props: map[string]any{"PackageID": o.raw("PackageID"), "ProgramName": o.raw("ProgramName")}})
	if path == "" {
		for i, p := range cp.props {
			if p.Name == "PackageID" {
				cp.props[i].Value = "PS100099"
			}
		}
		path = provider.Path(o.class, "PackageID", "PS100099")
	}
	o.w.stored[path] = cp
	return path, nil
}

func (o *fakeObject) raw(name string) any {
	for _, p := range o.props {
		if p.Name == name {
			return p.Value
		}
	}
	return nil
}

func (o *fakeObject) Release() {
	if o.released {
		panic(o.class + " released twice")
	}
	o.released = true
	o.w.live--
}

func newFakeWMI() *fakeWMI {
	w := &fakeWMI{stored: map[string]*fakeObject{}, methods: map[string]func(*fakeObject) (*fakeObject, error){}}
	w.classes = map[string][]Property{
		"SMS_Program": {
			{Name: "PackageID", Type: CIMString}, {Name: "ProgramName", Type: CIMString}, {Name: "CommandLine", Type: CIMString},
			{Name: "Comment", Type: CIMString}, {Name: "Duration", Type: CIMUint32}, {Name: "ProgramFlags", Type: CIMUint32},
			{Name: "ISVData", Type: CIMUint8, Array: true},
		},
		"SMS_Package": {
			{Name: "PackageID", Type: CIMString}, {Name: "Name", Type: CIMString}, {Name: "PkgFlags", Type: CIMUint32},
			{Name: "SourceDate", Type: CIMDatetime}, {Name: "SourceVersion", Type: CIMUint32}, {Name: "ExtendedDataSize", Type: CIMUint64},
			{Name: "ISVData", Type: CIMUint8, Array: true}, {Name: "Priority", Type: CIMSint8}, {Name: "IgnoreAddressSchedule", Type: CIMBoolean},
			{Name: "SecuredScopeNames", Type: CIMString, Array: true},
		},
		"SMS_TaskSequencePackage": {
			{Name: "PackageID", Type: CIMString}, {Name: "Name", Type: CIMString}, {Name: "Duration", Type: CIMUint32},
			{Name: "Sequence", Type: CIMString}, {Name: "References", Type: CIMObject, Array: true},
			{Name: "ReferencesCount", Type: CIMUint32}, {Name: "LastRefreshTime", Type: CIMDatetime},
		},
		"SMS_TaskSequence_Reference":             {{Name: "Package", Type: CIMString}, {Name: "Program", Type: CIMString}, {Name: "Type", Type: CIMUint32}},
		"SMS_TaskSequence":                       {{Name: "SchemaVersion", Type: CIMString}},
		"SMS_TaskSequencePackage.ImportSequence": {{Name: "SequenceXML", Type: CIMString}},
		"SMS_TaskSequencePackage.SetSequence":    {{Name: "TaskSequencePackage", Type: CIMObject}, {Name: "TaskSequence", Type: CIMObject}},
		"SMS_ObjectLock.GetLockInformation":      {{Name: "ObjectRelPath", Type: CIMString}},
		"out": {
			{Name: "ReturnValue", Type: CIMUint32}, {Name: "TaskSequence", Type: CIMObject}, {Name: "SavedTaskSequencePackagePath", Type: CIMString},
			{Name: "LockState", Type: CIMUint32}, {Name: "AssignedUser", Type: CIMString}, {Name: "AssignedMachine", Type: CIMString},
			{Name: "AssignedTimeUTC", Type: CIMDatetime},
		},
	}
	return w
}

func newFakeSite(t *testing.T, w *fakeWMI) *Site {
	t.Helper()
	wk, err := StartWorker(func() error { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewSite(wk, w, "PS1")
}

func wantCalls(t *testing.T, w *fakeWMI, want ...string) {
	t.Helper()
	if got := strings.Join(w.calls, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	w.calls = nil
}

// A new SMS_Program has its keys set; it must be spawned from the class
// and put, not looked up and refused as not found.
func TestPutNewProgramIsSpawned(t *testing.T) {
	w := newFakeWMI()
	s := newFakeSite(t, w)
	ctx := context.Background()
	in := provider.New("SMS_Program")
	in.Props["PackageID"], in.Props["ProgramName"], in.Props["CommandLine"], in.Props["Duration"] = "PS100001", "Install", "setup.exe /q", int64(120)
	path, err := s.Put(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := `SMS_Program.PackageID="PS100001",ProgramName="Install"`
	if path != want {
		t.Errorf("path %s, want %s", path, want)
	}
	wantCalls(t, w,
		"get "+want, "get SMS_Program", "spawn SMS_Program",
		"set SMS_Program.CommandLine=string(setup.exe /q)", "set SMS_Program.Duration=int32(120)",
		"set SMS_Program.PackageID=string(PS100001)", "set SMS_Program.ProgramName=string(Install)", "put SMS_Program")

	// Saving it again updates the stored object: no spawn, only what is given.
	upd := provider.New("SMS_Program")
	upd.Props["PackageID"], upd.Props["ProgramName"], upd.Props["Comment"] = "PS100001", "Install", "silent"
	if _, err := s.Put(ctx, upd); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, w, "get "+want, "set SMS_Program.Comment=string(silent)", "set SMS_Program.PackageID=string(PS100001)",
		"set SMS_Program.ProgramName=string(Install)", "put SMS_Program")
	if got := w.stored[want].raw("CommandLine"); got != "setup.exe /q" {
		t.Errorf("update lost CommandLine: %v", got)
	}

	// A package without a PackageID is spawned; the site assigns the key.
	pkg := provider.New("SMS_Package")
	pkg.Props["Name"] = "Tools"
	if path, err := s.Put(ctx, pkg); err != nil || path != `SMS_Package.PackageID="PS100099"` {
		t.Fatal(path, err)
	}
	wantCalls(t, w, "get SMS_Package", "spawn SMS_Package", "set SMS_Package.Name=string(Tools)", "put SMS_Package")

	// A property the class does not declare is refused before Put_.
	bad := provider.New("SMS_Package")
	bad.Props["Nmae"] = "x"
	if _, err := s.Put(ctx, bad); !provider.IsKind(err, provider.KindInvalid) || !strings.Contains(err.Error(), "no property Nmae") {
		t.Errorf("unknown property: %v", err)
	}
	s.Close()
	if w.live != 0 {
		t.Errorf("%d objects not released", w.live)
	}
}

// Values are written as WMI scripting expects them and read back as the
// same values.
func TestTypesRoundTrip(t *testing.T) {
	w := newFakeWMI()
	s := newFakeSite(t, w)
	ctx := context.Background()
	src := time.Date(2024, 8, 30, 20, 55, 6, 0, time.UTC)
	in := provider.New("SMS_Package")
	in.Props["PackageID"] = "PS100007"
	in.Props["Name"] = "Tools"
	in.Props["PkgFlags"] = int64(0x80000000 | 1<<24) // a uint32 past 2^31-1
	in.Props["SourceVersion"] = "3"                  // numbers may come as text
	in.Props["ExtendedDataSize"] = int64(1) << 40    // uint64: a string on the wire
	in.Props["ISVData"] = []byte{0, 1, 0xFE}
	in.Props["SourceDate"] = src.Format(time.RFC3339)
	in.Props["Priority"] = int64(-2)
	in.Props["IgnoreAddressSchedule"] = true
	in.Props["SecuredScopeNames"] = []string{"Default", "OSD"}
	if _, err := s.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	stored := w.stored[`SMS_Package.PackageID="PS100007"`]
	for name, want := range map[string]any{
		"PkgFlags": int32(-2130706432), "SourceVersion": int32(3), "ExtendedDataSize": "1099511627776",
		"ISVData": []byte{0, 1, 0xFE}, "SourceDate": "20240830205506.000000+000", "Priority": int16(-2),
	} {
		if got := stored.raw(name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s written as %#v, want %#v", name, got, want)
		}
	}
	got, err := s.Get(ctx, `SMS_Package.PackageID="PS100007"`)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"PkgFlags": int64(0x81000000), "SourceVersion": int64(3), "ExtendedDataSize": int64(1) << 40,
		"ISVData": []byte{0, 1, 0xFE}, "SourceDate": "2024-08-30T20:55:06Z", "Priority": int64(-2),
		"IgnoreAddressSchedule": true, "SecuredScopeNames": []string{"Default", "OSD"},
	} {
		if !reflect.DeepEqual(got.Props[name], want) {
			t.Errorf("%s read as %#v, want %#v", name, got.Props[name], want)
		}
	}
	// Out of range and mistyped values are refused with the property named.
	for prop, v := range map[string]any{"PkgFlags": int64(1) << 32, "Priority": int64(200), "IgnoreAddressSchedule": "maybe", "ISVData": []int64{256}} {
		bad := provider.New("SMS_Package")
		bad.Props["PackageID"], bad.Props[prop] = "PS100007", v
		if _, err := s.Put(ctx, bad); !provider.IsKind(err, provider.KindInvalid) || !strings.Contains(err.Error(), prop) {
			t.Errorf("%s = %v: %v", prop, v, err)
		}
	}
	s.Close()
}

// The lazy References of a task sequence package, an array of embedded
// SMS_TaskSequence_Reference objects, are read.
func TestReferencesAreRead(t *testing.T) {
	w := newFakeWMI()
	ref := func(pkg, prog string, typ int32) *fakeObject {
		return w.instance("SMS_TaskSequence_Reference", map[string]any{"Package": pkg, "Program": prog, "Type": typ})
	}
	path := `SMS_TaskSequencePackage.PackageID="PS100123"`
	w.stored[path] = w.instance("SMS_TaskSequencePackage", map[string]any{
		"PackageID": "PS100123", "Name": "Deploy", "Duration": int32(180), "Sequence": "<sequence/>",
		"References":      []*fakeObject{ref("PS100001", "Install", 0), ref("ScopeId_1/Application_2", "", 1), ref("PS100002", "*", 0)},
		"ReferencesCount": int32(3), "LastRefreshTime": "20250102030405.123456-060",
	})
	s := newFakeSite(t, w)
	got, err := s.Get(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	refs := provider.SequenceReferences(got)
	want := fmt.Sprint([]any{
		map[string]string{"Package": "PS100001", "Program": "Install"},
		map[string]string{"Application": "ScopeId_1/Application_2"},
		map[string]string{"Package": "PS100002", "Program": "*"},
	})
	var have []any
	for _, r := range refs {
		if r.Application != "" {
			have = append(have, map[string]string{"Application": r.Application})
		} else {
			have = append(have, map[string]string{"Package": r.Package, "Program": r.Program})
		}
	}
	if fmt.Sprint(have) != want {
		t.Errorf("references %v, want %v", have, want)
	}
	if got.Int("Duration") != 180 || got.String("LastRefreshTime") != "2025-01-02T04:04:05.123456Z" {
		t.Errorf("Duration %v, LastRefreshTime %v", got.Props["Duration"], got.Props["LastRefreshTime"])
	}
	s.Close()
	if w.live != 0 {
		t.Errorf("%d objects not released", w.live)
	}
}

// ImportSequence's SMS_TaskSequence goes into SetSequence as the live
// object; the package argument is the stored package with the given
// properties; lock times in CIM DATETIME are read.
func TestMethods(t *testing.T) {
	w := newFakeWMI()
	w.stored[`SMS_TaskSequencePackage.PackageID="PS100123"`] = w.instance("SMS_TaskSequencePackage", map[string]any{"PackageID": "PS100123", "Name": "Old"})
	var imported *fakeObject
	w.methods["SMS_TaskSequencePackage.ImportSequence"] = func(in *fakeObject) (*fakeObject, error) {
		if in.raw("SequenceXML") != "<sequence/>" {
			return nil, fmt.Errorf("SequenceXML %v", in.raw("SequenceXML"))
		}
		imported = w.instance("SMS_TaskSequence", map[string]any{"SchemaVersion": "3.10"})
		return w.instance("out", map[string]any{"ReturnValue": int32(0), "TaskSequence": imported}).handOut(), nil
	}
	w.methods["SMS_TaskSequencePackage.SetSequence"] = func(in *fakeObject) (*fakeObject, error) {
		ts, _ := in.raw("TaskSequence").(*fakeObject)
		pkg, _ := in.raw("TaskSequencePackage").(*fakeObject)
		if ts == nil || ts.raw("SchemaVersion") != "3.10" || pkg == nil || pkg.raw("Name") != "New" || pkg.raw("Duration") != int32(60) {
			return nil, fmt.Errorf("SetSequence got %v / %v", ts, pkg)
		}
		return w.instance("out", map[string]any{"ReturnValue": int32(0), "SavedTaskSequencePackagePath": `SMS_TaskSequencePackage.PackageID="PS100123"`}).handOut(), nil
	}
	w.methods["SMS_ObjectLock.GetLockInformation"] = func(in *fakeObject) (*fakeObject, error) {
		return w.instance("out", map[string]any{"ReturnValue": int32(0), "LockState": int32(1), "AssignedUser": `CORP\ann`,
			"AssignedMachine": "ADMIN7", "AssignedTimeUTC": "20250301101500.000000+000"}).handOut(), nil
	}
	s := newFakeSite(t, w)
	ctx := context.Background()
	out, err := s.ExecMethod(ctx, "SMS_TaskSequencePackage", "ImportSequence", map[string]any{"SequenceXML": "<sequence/>"})
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := out["TaskSequence"].(*provider.Instance)
	if ts == nil || ts.Class != "SMS_TaskSequence" || ts.String("SchemaVersion") != "3.10" || ts.Handle == nil {
		t.Fatalf("TaskSequence %+v", ts)
	}
	pkg := provider.New("SMS_TaskSequencePackage")
	pkg.Props["PackageID"], pkg.Props["Name"], pkg.Props["Duration"] = "PS100123", "New", int64(60)
	out, err = s.ExecMethod(ctx, "SMS_TaskSequencePackage", "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts})
	if err != nil {
		t.Fatal(err)
	}
	if out["SavedTaskSequencePackagePath"] != `SMS_TaskSequencePackage.PackageID="PS100123"` || out["ReturnValue"] != int64(0) {
		t.Errorf("out %v", out)
	}
	li, err := provider.GetLockInformation(ctx, s, `SMS_TaskSequencePackage.PackageID="PS100123"`)
	if err != nil {
		t.Fatal(err)
	}
	if !li.Held() || li.String() != `locked by CORP\ann on ADMIN7 since 2025-03-01 10:15 UTC` {
		t.Errorf("lock %+v: %s", li, li)
	}
	wantCalls(t, w,
		"params SMS_TaskSequencePackage.ImportSequence", "set SMS_TaskSequencePackage.ImportSequence.SequenceXML=string(<sequence/>)", "exec SMS_TaskSequencePackage.ImportSequence",
		"params SMS_TaskSequencePackage.SetSequence", "set SMS_TaskSequencePackage.SetSequence.TaskSequence=object SMS_TaskSequence",
		`get SMS_TaskSequencePackage.PackageID="PS100123"`, "set SMS_TaskSequencePackage.Duration=int32(60)", "set SMS_TaskSequencePackage.Name=string(New)",
		"set SMS_TaskSequencePackage.PackageID=string(PS100123)", "set SMS_TaskSequencePackage.SetSequence.TaskSequencePackage=object SMS_TaskSequencePackage",
		"exec SMS_TaskSequencePackage.SetSequence",
		"params SMS_ObjectLock.GetLockInformation", `set SMS_ObjectLock.GetLockInformation.ObjectRelPath=string(SMS_TaskSequencePackage.PackageID="PS100123")`,
		"exec SMS_ObjectLock.GetLockInformation")
	s.Close()
	if w.live != 0 {
		t.Errorf("%d objects not released", w.live)
	}
}

func TestServerName(t *testing.T) {
	for in, want := range map[string]string{"": ".", "cm01": "cm01", "cm01.contoso.com": "cm01.contoso.com", "10.0.0.5": "10.0.0.5", "fd00::5": "fd00::5"} {
		if got := ServerName(in); got != want {
			t.Errorf("ServerName(%q) = %q, want %q", in, got, want)
		}
	}
	// wmi://cm01/PS1 connects to cm01 — not "cm01." as a join with an empty domain gives.
	tg, err := ParseURL("wmi://cm01/PS1")
	if err != nil || ServerName(tg.Server) != "cm01" {
		t.Errorf("wmi://cm01/PS1 connects to %q (%v)", ServerName(tg.Server), err)
	}
}

func TestVariantConversions(t *testing.T) {
	good := []struct {
		t     CIMType
		array bool
		in    any
		want  any
	}{
		{CIMUint32, false, int64(4294967295), int32(-1)},
		{CIMUint32, false, "17", int32(17)},
		{CIMUint16, false, int64(65535), int32(65535)},
		{CIMSint32, false, int64(-5), int32(-5)},
		{CIMUint8, false, int64(255), uint8(255)},
		{CIMSint8, false, int64(-128), int16(-128)},
		{CIMUint64, false, int64(1) << 62, "4611686018427387904"},
		{CIMSint64, false, "-9", "-9"},
		{CIMBoolean, false, "true", true},
		{CIMString, false, int64(7), "7"},
		{CIMDatetime, false, "2024-01-02T03:04:05.5Z", "20240102030405.500000+000"},
		{CIMDatetime, false, "20240102030405.000000-300", "20240102030405.000000-300"},
		{CIMUint8, true, []int64{1, 2}, []byte{1, 2}},
		{CIMString, true, []string{"a"}, []string{"a"}},
		{CIMUint64, true, []int64{5}, []string{"5"}},
		{CIMString, false, nil, nil},
	}
	for _, tc := range good {
		got, err := ToVariant(tc.t, tc.array, tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ToVariant(%s, %v, %#v) = %#v, %v; want %#v", tc.t, tc.array, tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		t     CIMType
		array bool
		in    any
	}{
		{CIMUint32, false, int64(-1)}, {CIMSint32, false, int64(1) << 31}, {CIMUint8, false, "x"}, {CIMUint64, false, int64(-1)},
		{CIMDatetime, false, "yesterday"}, {CIMSint32, true, []int64{1}}, {CIMObject, false, "x"}, {CIMBoolean, false, int64(1)},
	} {
		if got, err := ToVariant(tc.t, tc.array, tc.in); err == nil {
			t.Errorf("ToVariant(%s, %v, %#v) = %#v, want an error", tc.t, tc.array, tc.in, got)
		}
	}
	reads := []struct {
		p    Property
		want any
	}{
		{Property{Type: CIMUint32, Value: int32(-1)}, int64(4294967295)},
		{Property{Type: CIMUint32, Array: true, Value: []any{int32(-2), int32(3)}}, []int64{4294967294, 3}},
		{Property{Type: CIMUint64, Value: "18446744073709551615"}, "18446744073709551615"},
		{Property{Type: CIMSint64, Value: "-42"}, int64(-42)},
		{Property{Type: CIMDatetime, Value: "20240102030405.000000+060"}, "2024-01-02T02:04:05Z"},
		{Property{Type: CIMDatetime, Value: "00000001000000.000000:000"}, "00000001000000.000000:000"},
		{Property{Type: CIMUint8, Array: true, Value: []any{uint8(9)}}, []byte{9}},
		{Property{Type: CIMString, Array: true, Value: []any{}}, []string{}},
		{Property{Type: CIMBoolean, Value: true}, true},
	}
	for _, tc := range reads {
		got, err := FromVariant(tc.p, nil)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("FromVariant(%+v) = %#v, %v; want %#v", tc.p, got, err, tc.want)
		}
	}
}

func TestCIMDateTime(t *testing.T) {
	for in, want := range map[string]string{
		"20240830205506.000000+000": "2024-08-30T20:55:06Z",
		"20240830205506.250000-300": "2024-08-31T01:55:06.25Z",
		"2024-08-30T20:55:06Z":      "2024-08-30T20:55:06Z",
		"2024-08-30T22:55:06+02:00": "2024-08-30T20:55:06Z",
	} {
		got, err := provider.ParseDateTime(in)
		if err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2024083020550", "20240230205506.000000+000", "2024****205506.000000+000", "00000001000000.000000:000", "20241330205506.000000+000"} {
		if _, err := provider.ParseDateTime(in); err == nil {
			t.Errorf("ParseDateTime(%q) accepted", in)
		}
	}
	ts := time.Date(2025, 3, 1, 10, 15, 0, 123456000, time.UTC)
	if s := provider.FormatCIMDateTime(ts); s != "20250301101500.123456+000" {
		t.Errorf("FormatCIMDateTime = %s", s)
	}
}

func TestSiteCalls(t *testing.T) {
	w := newFakeWMI()
	w.stored[`SMS_Package.PackageID="PS100001"`] = w.instance("SMS_Package", map[string]any{"PackageID": "PS100001", "Name": "x"})
	s := newFakeSite(t, w)
	ctx := context.Background()
	q := provider.Query{Class: "SMS_Package", Select: []string{"PackageID"}, Where: map[string]string{"Name": `O'Brien\x`}}
	if l, err := s.Query(ctx, q); err != nil || len(l) != 1 || l[0].String("Name") != "x" {
		t.Fatal(l, err)
	}
	if _, err := s.Get(ctx, "not a path"); !provider.IsKind(err, provider.KindInvalid) {
		t.Errorf("bad path: %v", err)
	}
	if _, err := s.Get(ctx, `SMS_Package.PackageID="PS100404"`); !provider.IsKind(err, provider.KindNotFound) {
		t.Errorf("missing: %v", err)
	}
	if err := s.Delete(ctx, `SMS_Package.PackageID="PS100001"`); err != nil {
		t.Fatal(err)
	}
	w.methods["SMS_TaskSequencePackage.ImportSequence"] = func(*fakeObject) (*fakeObject, error) {
		return w.instance("out", map[string]any{"ReturnValue": int32(5)}).handOut(), nil
	}
	if _, err := s.ExecMethod(ctx, "SMS_TaskSequencePackage", "ImportSequence", map[string]any{"SequenceXML": "x"}); err == nil || !strings.Contains(err.Error(), "ReturnValue 5") {
		t.Errorf("ReturnValue 5: %v", err)
	}
	s.Close()
	wantCalls(t, w, "query "+q.WQL(), `get SMS_Package.PackageID="PS100404"`, `delete SMS_Package.PackageID="PS100001"`,
		"params SMS_TaskSequencePackage.ImportSequence", "set SMS_TaskSequencePackage.ImportSequence.SequenceXML=string(x)",
		"exec SMS_TaskSequencePackage.ImportSequence", "close")
	if !strings.Contains(q.WQL(), `'O\'Brien\\x'`) {
		t.Errorf("WQL does not escape: %s", q.WQL())
	}
	if w.live != 0 {
		t.Errorf("%d objects not released", w.live)
	}
}
