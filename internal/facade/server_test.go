package facade

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
	"github.com/tsctl/tsctl/provider/local"
)

// facade serves a new local site behind the AdminService routes.
func facade(t *testing.T) (*httptest.Server, *adminservice.Client) {
	t.Helper()
	dir := t.TempDir()
	s, err := local.Open(dir, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := httptest.NewTLSServer(Handler(func(context.Context) (provider.Site, error) { return s, nil }))
	t.Cleanup(srv.Close)
	c, err := adminservice.Open(context.Background(), srv.URL+"/AdminService", adminservice.Options{Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func call(t *testing.T, srv *httptest.Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	d := json.NewDecoder(resp.Body)
	d.UseNumber()
	_ = d.Decode(&out)
	return resp.StatusCode, out
}

// The façade answers as the real service does: class and method names in
// any case, 404 for classes without an entity set, the site code from
// SMS_Identification, Edm.Int64 as JSON numbers, methods with 201 and their
// out-parameters at the top level, Steps typed with @odata.type.
func TestFacadeWireFormat(t *testing.T) {
	srv, c := facade(t)
	if c.Code() != "PS1" {
		t.Errorf("site code %q", c.Code())
	}
	for path, want := range map[string]int{
		"/AdminService/wmi/sms_package":                                       200,
		"/AdminService/wmi/SMS_IDENTIFICATION":                                200,
		"/AdminService/wmi/SMS_ObjectLock":                                    404, // abstract: no entity set
		"/AdminService/wmi/SMS_PackageBaseclass":                              404,
		"/AdminService/wmi/SMS_Site":                                          404, // not served by the façade
		"/AdminService/wmi/SMS_Nonsense":                                      404,
		"/AdminService/wmi/SMS_Package('PS1FFFFF')":                           404,
		"/AdminService/wmi/SMS_Program(PackageID='PS100001',ProgramName='x')": 404,
	} {
		if got, out := call(t, srv, "GET", path, nil); got != want {
			t.Errorf("GET %s: %d %v, want %d", path, got, out, want)
		}
	}
	_, boot := call(t, srv, "GET", "/AdminService/wmi/sms_bootimagepackage", nil)
	first := boot["value"].([]any)[0].(map[string]any)
	if _, ok := first["PackageType"].(json.Number); !ok {
		t.Errorf("PackageType is %T, want a JSON number (Edm.Int64)", first["PackageType"])
	}

	seq := `<sequence version="3.10"><group name="Prepare"><step type="SMS_TaskSequence_RunCommandLineAction" name="Hello" runIn="WinPEandFullOS" timeout="60"><action>smsswd.exe /run: cmd /c echo hi</action><defaultVarList><variable name="CommandLine" property="CommandLine">cmd /c echo hi</variable></defaultVarList></step></group></sequence>`
	status, out := call(t, srv, "POST", "/AdminService/wmi/sms_tasksequencepackage.IMPORTSEQUENCE", map[string]any{"SequenceXML": seq})
	if status != 201 || out["ReturnValue"] != json.Number("0") {
		t.Fatalf("ImportSequence: %d %v", status, out)
	}
	ts := out["TaskSequence"].(map[string]any)
	steps := ts["Steps"].([]any)
	group := steps[0].(map[string]any)
	inner := group["Steps"].([]any)[0].(map[string]any)
	if ts["@odata.type"] != "#AdminService.SMS_TaskSequence" || group["@odata.type"] != "#AdminService.SMS_TaskSequence_Group" ||
		inner["@odata.type"] != "#AdminService.SMS_TaskSequence_RunCommandLineAction" || inner["CommandLine"] != "cmd /c echo hi" ||
		inner["Timeout"] != json.Number("60") || inner["Enabled"] != true {
		t.Errorf("TaskSequence: %v", ts)
	}

	// SetSequence takes the object back as the site returned it...
	pkg := map[string]any{"@odata.type": "#AdminService.SMS_TaskSequencePackage", "Name": "Demo"}
	status, out = call(t, srv, "POST", "/AdminService/wmi/SMS_TaskSequencePackage.SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts})
	if status != 201 || !strings.HasPrefix(fmt.Sprint(out["SavedTaskSequencePackagePath"]), `SMS_TaskSequencePackage.PackageID="PS1`) {
		t.Fatalf("SetSequence: %d %v", status, out)
	}
	// ...and refuses one whose Steps were changed or dropped.
	inner["CommandLine"] = "cmd /c echo changed"
	if status, out = call(t, srv, "POST", "/AdminService/wmi/SMS_TaskSequencePackage.SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts}); status != 400 {
		t.Errorf("changed Steps: %d %v", status, out)
	}
	delete(ts, "Steps")
	if status, out = call(t, srv, "POST", "/AdminService/wmi/SMS_TaskSequencePackage.SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts}); status != 400 {
		t.Errorf("dropped Steps: %d %v", status, out)
	}

	// GetLockInformation answers at the top level too.
	status, out = call(t, srv, "POST", "/AdminService/wmi/SMS_ObjectLock.GetLockInformation", map[string]any{"ObjectRelPath": `SMS_Package.PackageID="PS100001"`})
	if status != 201 || out["LockState"] != json.Number("0") {
		t.Errorf("GetLockInformation: %d %v", status, out)
	}
	if status, _ := call(t, srv, "POST", "/AdminService/wmi/SMS_ObjectLock.StealLock", map[string]any{}); status != 404 {
		t.Errorf("an unknown method: %d", status)
	}

	// Updates go to the keyed URL with only what changed; an update of an
	// object that does not exist is 404, which creates a new program.
	ctx := context.Background()
	path, err := c.Put(ctx, &provider.Instance{Class: "SMS_Package", Props: map[string]any{"Name": "Tools", "Description": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	_, keys, _ := provider.ParsePath(path)
	if _, err := c.Put(ctx, &provider.Instance{Class: "SMS_Package", Props: map[string]any{"PackageID": keys["PackageID"], "Description": "b"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, path)
	if err != nil || got.String("Name") != "Tools" || got.String("Description") != "b" {
		t.Errorf("after a partial update: %v %v", got, err)
	}
	prog := &provider.Instance{Class: "SMS_Program", Props: map[string]any{"PackageID": keys["PackageID"], "ProgramName": "Install", "CommandLine": "a.cmd"}}
	if _, err := c.Put(ctx, prog); err != nil {
		t.Fatal(err)
	}
	prog.Props = map[string]any{"PackageID": keys["PackageID"], "ProgramName": "Install", "Comment": "quiet"}
	if _, err := c.Put(ctx, prog); err != nil {
		t.Fatal(err)
	}
	got, err = c.Get(ctx, provider.Path("SMS_Program", "PackageID", keys["PackageID"], "ProgramName", "Install"))
	if err != nil || got.String("CommandLine") != "a.cmd" || got.String("Comment") != "quiet" {
		t.Errorf("program after a partial update: %v %v", got, err)
	}
}

// Deployments, folders and content travel over the routes a real site
// offers: objects whose key the site assigns are created by POST and come
// back keyed (a string AdvertisementID, a numeric ContainerNodeID), lazy
// properties come with a keyed read only, instance methods are bound
// actions (POST …/SMS_DistributionPointGroup('{…}')/AdminService.AddPackages)
// and static ones are not (SMS_ObjectContainerItem.MoveMembers).
func TestFacadeDeployObjects(t *testing.T) {
	srv, c := facade(t)
	ctx := context.Background()
	colls, err := c.Query(ctx, provider.Query{Class: "SMS_Collection", Where: map[string]string{"Name": "Pilot devices"}})
	if err != nil || len(colls) != 1 || colls[0].Int("MemberCount") != 5 {
		t.Fatalf("collections: %v, %v", colls, err)
	}
	pkgs, err := c.Query(ctx, provider.Query{Class: "SMS_Package"})
	if err != nil || len(pkgs) == 0 {
		t.Fatal(pkgs, err)
	}
	id := pkgs[0].String("PackageID")
	adv := provider.New("SMS_Advertisement")
	adv.Props["AdvertisementName"] = "Client"
	adv.Props["CollectionID"] = colls[0].String("CollectionID")
	adv.Props["PackageID"] = id
	adv.Props["ProgramName"] = "Install"
	adv.Props["PresentTimeEnabled"] = true
	adv.Props["PresentTime"] = "20260301080000.000000+000"
	adv.Props["AssignedSchedule"] = []*provider.Instance{{Class: "SMS_ST_NonRecurring", Props: map[string]any{"StartTime": "2026-03-15T20:00:00Z", "IsGMT": false}}}
	path, err := c.Put(ctx, adv)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(path, `SMS_Advertisement.AdvertisementID="PS12`) {
		t.Fatalf("created at %s", path)
	}
	got, err := c.Get(ctx, path)
	if err != nil || !got.Bool("PresentTimeEnabled") || got.String("PresentTime") != "2026-03-01T08:00:00Z" || len(got.Objects("AssignedSchedule")) != 1 {
		t.Fatalf("read back: %v, %v", got, err)
	}
	node := provider.New("SMS_ObjectContainerNode")
	node.Props["Name"] = "OSD"
	node.Props["ObjectType"] = int64(2)
	node.Props["ParentContainerNodeID"] = int64(0)
	fpath, err := c.Put(ctx, node)
	if err != nil || fpath != `SMS_ObjectContainerNode.ContainerNodeID="16777217"` {
		t.Fatalf("folder: %s, %v", fpath, err)
	}
	if _, err := c.ExecMethod(ctx, "SMS_ObjectContainerItem", "MoveMembers", map[string]any{"InstanceKeys": []string{id},
		"ContainerNodeID": int64(0), "TargetContainerNodeID": int64(16777217), "ObjectType": int64(2)}); err != nil {
		t.Fatal(err)
	}
	items, _ := c.Query(ctx, provider.Query{Class: "SMS_ObjectContainerItem"})
	if len(items) != 1 || items[0].String("InstanceKey") != id || items[0].Int("ContainerNodeID") != 16777217 {
		t.Fatalf("folder items: %v", items)
	}
	groups, _ := c.Query(ctx, provider.Query{Class: "SMS_DistributionPointGroup"})
	if len(groups) != 1 {
		t.Fatal(groups)
	}
	if _, err := c.ExecMethod(ctx, provider.Path("SMS_DistributionPointGroup", "GroupID", groups[0].String("GroupID")), "AddPackages",
		map[string]any{"PackageIDs": []string{id}}); err != nil {
		t.Fatal(err)
	}
	status, _ := c.Query(ctx, provider.Query{Class: "SMS_PackageStatusDistPointsSummarizer", Where: map[string]string{"PackageID": id}})
	if len(status) != 2 {
		t.Fatalf("status: %v", status)
	}
	if code, _ := call(t, srv, "POST", "/AdminService/wmi/SMS_DistributionPointGroup('x')/AdminService.RemovePackages", map[string]any{}); code != 404 {
		t.Errorf("an action tsctl does not route: %d", code)
	}
	if err := c.Delete(ctx, path); err != nil {
		t.Fatal(err)
	}
}

// TestSequenceHandedBack: an SMS_TaskSequence ImportSequence answered
// with comes back to SetSequence as the sequence the façade parsed then
// (no second parse), its Steps still checked; one the façade no longer
// keeps (another server's, or evicted) is parsed and checked as before.
func TestSequenceHandedBack(t *testing.T) {
	dir := t.TempDir()
	site, err := local.Open(dir, local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	h := Handler(func(context.Context) (provider.Site, error) { return site, nil })
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	importSeq := func(name string) map[string]any {
		seq := `<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="` + name + `" runIn="WinPEandFullOS"><action>smsswd.exe /run: cmd /c echo "hi" &amp; exit</action><defaultVarList><variable name="CommandLine" property="CommandLine">cmd /c echo "hi" &amp; exit</variable></defaultVarList></step></sequence>`
		status, out := call(t, srv, "POST", "/AdminService/wmi/SMS_TaskSequencePackage.ImportSequence", map[string]any{"SequenceXML": seq})
		if status != 201 {
			t.Fatalf("ImportSequence: %d %v", status, out)
		}
		return out["TaskSequence"].(map[string]any)
	}
	s := h.(*server)
	ts := importSeq("Hello")
	kept, ok := s.handedOut.get(ts[sequenceXML].(string))
	if !ok {
		t.Fatal("the SMS_TaskSequence handed out is not kept")
	}
	q, err := s.sequenceBack(ts[sequenceXML].(string), ts["Steps"])
	if err != nil || q != kept.seq {
		t.Errorf("handed back: %p, %v; want the sequence kept (%p)", q, err, kept.seq)
	}
	changed := func(ts map[string]any) any {
		var steps []any
		b, _ := json.Marshal(ts["Steps"])
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		_ = d.Decode(&steps)
		steps[0].(map[string]any)["Name"] = "Changed"
		return steps
	}
	if _, err := s.sequenceBack(ts[sequenceXML].(string), changed(ts)); err != errStepsChanged {
		t.Errorf("kept, Steps changed: %v", err)
	}

	// Another server over the same site keeps nothing: it parses.
	other := Handler(func(context.Context) (provider.Site, error) { return site, nil }).(*server)
	q, err = other.sequenceBack(ts[sequenceXML].(string), ts["Steps"])
	if err != nil || q == kept.seq || q.Steps[0].Name != "Hello" {
		t.Errorf("not kept: %v, %v", q, err)
	}
	if _, err := other.sequenceBack(ts[sequenceXML].(string), changed(ts)); err != errStepsChanged {
		t.Errorf("not kept, Steps changed: %v", err)
	}
	pkg := map[string]any{"@odata.type": "#AdminService.SMS_TaskSequencePackage", "Name": "Demo"}
	otherSrv := httptest.NewTLSServer(other)
	t.Cleanup(otherSrv.Close)
	if status, out := call(t, otherSrv, "POST", "/AdminService/wmi/SMS_TaskSequencePackage.SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts}); status != 201 {
		t.Errorf("SetSequence on another server: %d %v", status, out)
	}

	// The oldest are let go beyond maxHandedOut.
	for i := 0; i < maxHandedOut; i++ {
		importSeq(fmt.Sprintf("Step %d", i))
	}
	if _, ok := s.handedOut.get(ts[sequenceXML].(string)); ok {
		t.Errorf("%d sequences handed out after it, the first is still kept", maxHandedOut)
	}
	if status, out := call(t, srv, "POST", "/AdminService/wmi/SMS_TaskSequencePackage.SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts}); status != 201 {
		t.Errorf("SetSequence of an evicted one: %d %v", status, out)
	}
}

// plainSite hides local.Site's GetSince: the façade reads every object.
type plainSite struct{ provider.Site }

// TestKeptAnswers: a keyed GET answers with the same bytes whether the
// façade reads the object or answers from what it kept, keeps an answer
// while the store is unchanged, and reads again once anything was
// written.
func TestKeptAnswers(t *testing.T) {
	site, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	kept := Handler(func(context.Context) (provider.Site, error) { return site, nil })
	plain := Handler(func(context.Context) (provider.Site, error) { return plainSite{site}, nil })
	ctx := context.Background()
	pkg := provider.New("SMS_Package")
	pkg.Props["Name"], pkg.Props["Description"] = "Tools", `a "quoted" <description> & more`
	path, err := site.Put(ctx, pkg)
	if err != nil {
		t.Fatal(err)
	}
	_, keys, _ := provider.ParsePath(path)
	url := "/AdminService/wmi/SMS_Package('" + keys["PackageID"] + "')"
	get := func(h http.Handler) string {
		t.Helper()
		req := httptest.NewRequest("GET", "https://site.example"+url, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
			t.Fatalf("GET %s: %d %s", url, w.Code, w.Body)
		}
		return w.Body.String()
	}
	want := get(plain)
	if got := get(kept); got != want {
		t.Fatalf("read:\n%s\nwant:\n%s", got, want)
	}
	s := kept.(*server)
	a := s.answers.get(path)
	if a.rev == 0 {
		t.Fatal("the answer is not kept")
	}
	if got := get(kept); got != want || s.answers.get(path).rev != a.rev {
		t.Errorf("kept:\n%s\nwant:\n%s", got, want)
	}
	if n := site.Stats()["get"]; n != 3 {
		t.Errorf("gets the site counted: %d, want 3 (an answer kept is still a call)", n)
	}

	// A write anywhere, then to the object itself.
	other := provider.New("SMS_Package")
	other.Props["Name"] = "Other"
	if _, err := site.Put(ctx, other); err != nil {
		t.Fatal(err)
	}
	if got := get(kept); got != want || s.answers.get(path).rev == a.rev {
		t.Errorf("after another write: %s (revision %d, was %d)", got, s.answers.get(path).rev, a.rev)
	}
	change := provider.New("SMS_Package")
	change.Props["PackageID"], change.Props["Description"] = keys["PackageID"], "changed"
	if _, err := site.Put(ctx, change); err != nil {
		t.Fatal(err)
	}
	if got := get(kept); got != get(plain) || !strings.Contains(got, `"Description":"changed"`) {
		t.Errorf("after a change: %s", got)
	}
}

// callRaw posts body as it is and returns the status and the reply's bytes.
func callRaw(t *testing.T, srv *httptest.Server, path string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := srv.Client().Post(srv.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestSequencePassedBackWhole: an SMS_TaskSequence passed back to
// SetSequence byte for byte as ImportSequence's answer encoded it is
// taken as the entry kept for it, without being decoded; one differing in
// any byte (its Steps changed, or only spaces) is decoded and checked as
// before, and so is one no longer kept.
func TestSequencePassedBackWhole(t *testing.T) {
	site, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { site.Close() })
	h := Handler(func(context.Context) (provider.Site, error) { return site, nil })
	s := h.(*server)
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	importSeq := func(name string) []byte {
		t.Helper()
		seq := `<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="` + name + `" runIn="WinPEandFullOS"><action>smsswd.exe /run: cmd /c echo "hi" &amp; exit</action><defaultVarList><variable name="CommandLine" property="CommandLine">cmd /c echo "hi" &amp; exit</variable></defaultVarList></step></sequence>`
		body, _ := json.Marshal(map[string]any{"SequenceXML": seq})
		status, reply := callRaw(t, srv, "/AdminService/wmi/SMS_TaskSequencePackage.ImportSequence", body)
		if status != 201 {
			t.Fatalf("ImportSequence: %d %s", status, reply)
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(reply, &out); err != nil {
			t.Fatal(err)
		}
		return out["TaskSequence"]
	}
	setSeq := func(name string, ts []byte) (int, []byte) {
		body := append([]byte(`{"TaskSequencePackage":{"@odata.type":"#AdminService.SMS_TaskSequencePackage","Name":"`+name+`"},"TaskSequence":`), ts...)
		return callRaw(t, srv, "/AdminService/wmi/SMS_TaskSequencePackage.SetSequence", append(body, '}'))
	}
	taken := func(ts []byte) bool {
		t.Helper()
		body, err := decodeObject(append(append([]byte(`{"TaskSequence":`), ts...), '}'), s.handedOut.take)
		if err != nil {
			t.Fatal(err)
		}
		_, ok := body["TaskSequence"].(*handedEntry)
		return ok
	}
	stored := func(name string) string {
		t.Helper()
		list, err := site.Query(context.Background(), provider.Query{Class: "SMS_TaskSequencePackage", Where: map[string]string{"Name": name}})
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: %v %v", name, list, err)
		}
		in, err := site.Get(context.Background(), provider.Path("SMS_TaskSequencePackage", "PackageID", list[0].String("PackageID")))
		if err != nil {
			t.Fatal(err)
		}
		return in.String("Sequence")
	}

	ts := importSeq("Hello")
	if !taken(ts) {
		t.Fatal("the SMS_TaskSequence handed out is not taken when it comes back as it was sent")
	}
	takenSoFar := func() int {
		s.handedOut.mu.Lock()
		defer s.handedOut.mu.Unlock()
		return s.handedOut.taken
	}
	before := takenSoFar()
	if status, reply := setSeq("Whole", ts); status != 201 || takenSoFar() != before+1 {
		t.Fatalf("SetSequence of the object as it was sent: %d %s, taken %d times (want 1)", status, reply, takenSoFar()-before)
	}
	if x := stored("Whole"); !strings.Contains(x, `name="Hello"`) {
		t.Errorf("stored %s", x)
	}

	renamed := bytes.Replace(ts, []byte(`"Name":"Hello"`), []byte(`"Name":"Other"`), 1)
	if bytes.Equal(renamed, ts) {
		t.Fatalf("no step named Hello in %s", ts)
	}
	if taken(renamed) {
		t.Error("an object whose Steps changed is taken")
	}
	if status, reply := setSeq("Renamed", renamed); status != 400 || !strings.Contains(string(reply), errStepsChanged.Error()) {
		t.Errorf("SetSequence with changed Steps: %d %s", status, reply)
	}

	spaced := append([]byte("{ "), ts[1:]...)
	if taken(spaced) {
		t.Error("an object differing in its spaces is taken")
	}
	if status, reply := setSeq("Spaced", spaced); status != 201 {
		t.Errorf("SetSequence of the object with spaces: %d %s", status, reply)
	}

	for i := 0; i < maxHandedOut; i++ {
		importSeq(fmt.Sprintf("Step %d", i))
	}
	if taken(ts) {
		t.Errorf("%d sequences handed out after it, the first is still taken", maxHandedOut)
	}
	if status, reply := setSeq("Evicted", ts); status != 201 {
		t.Errorf("SetSequence of an evicted one: %d %s", status, reply)
	}
	if x := stored("Evicted"); !strings.Contains(x, `name="Hello"`) {
		t.Errorf("stored %s", x)
	}
}
