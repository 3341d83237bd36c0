package facade

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
