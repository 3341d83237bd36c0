package sitecheck

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/provider"
)

// fakeSite answers queries from a table and records every call; it fails
// the test on any write.
type fakeSite struct {
	t       *testing.T
	objects map[string][]*provider.Instance
	gets    map[string]*provider.Instance
	errs    map[string]error // by "query Class", "get", "method Name"
	calls   []string
}

func (f *fakeSite) Code() string { return "PS1" }
func (f *fakeSite) Query(_ context.Context, q provider.Query) ([]*provider.Instance, error) {
	f.calls = append(f.calls, "query "+q.Class)
	if err := f.errs["query "+q.Class]; err != nil {
		return nil, err
	}
	return f.objects[q.Class], nil
}
func (f *fakeSite) Get(_ context.Context, path string) (*provider.Instance, error) {
	f.calls = append(f.calls, "get "+path)
	if err := f.errs["get"]; err != nil {
		return nil, err
	}
	if in, ok := f.gets[path]; ok {
		return in, nil
	}
	return nil, &provider.Error{Kind: provider.KindNotFound, Op: "Get " + path, Msg: "object not found"}
}
func (f *fakeSite) Put(context.Context, *provider.Instance) (string, error) {
	f.t.Fatal("site check wrote")
	return "", nil
}
func (f *fakeSite) Delete(context.Context, string) error { f.t.Fatal("site check deleted"); return nil }
func (f *fakeSite) ExecMethod(_ context.Context, class, method string, in map[string]any) (map[string]any, error) {
	f.calls = append(f.calls, "method "+method)
	if method != "GetLockInformation" {
		f.t.Fatalf("site check called %s.%s", class, method)
	}
	if err := f.errs["method "+method]; err != nil {
		return nil, err
	}
	return map[string]any{"ReturnValue": int64(0), "LockState": int64(1), "AssignedUser": `CORP\ann`, "AssignedMachine": "PC7"}, nil
}
func (f *fakeSite) Close() error { return nil }

func inst(class string, kv ...any) *provider.Instance {
	in := provider.New(class)
	for i := 0; i+1 < len(kv); i += 2 {
		in.Props[kv[i].(string)] = kv[i+1]
	}
	return in
}

func ops(names ...string) []*provider.Instance {
	var out []*provider.Instance
	for i, n := range names {
		out = append(out, inst("SMS_Operation", "OperationName", n, "BitFlag", int64(1)<<i))
	}
	return out
}

func render(res []Result) string {
	var b strings.Builder
	for _, r := range res {
		fmt.Fprintf(&b, "%s %s: %s\n", r.Status, r.Probe, r.Detail)
	}
	return b.String()
}

func TestRun(t *testing.T) {
	ref := inst("SMS_TaskSequence_Reference", "Package", "PS100001", "Program", "Install", "Type", int64(0))
	seqPath := `SMS_TaskSequencePackage.PackageID="PS100004"`
	f := &fakeSite{t: t,
		objects: map[string][]*provider.Instance{
			"SMS_TaskSequencePackage": {inst("SMS_TaskSequencePackage", "PackageID", "PS100004", "Name", "Deploy")},
			"SMS_Package":             {inst("SMS_Package", "PackageID", "PS100001"), inst("SMS_Package", "PackageID", "PS100002")},
			"SMS_RbacSecuredObject": {
				// Read|Modify|Create|Delete are bits 0..3; granted Read, Modify, Create.
				inst("SMS_RbacSecuredObject", "ObjectTypeID", int64(20), "ObjectTypeName", "SMS_TaskSequencePackage", "GrantedOperations", int64(7)),
				inst("SMS_RbacSecuredObject", "ObjectTypeID", int64(2), "ObjectTypeName", "SMS_Package", "GrantedOperations", int64(1), "Operations", ops("Read", "Modify", "Create", "Delete")),
				inst("SMS_RbacSecuredObject", "ObjectTypeID", int64(18), "ObjectTypeName", "SMS_BootImagePackage", "GrantedOperations", int64(1)),
			},
		},
		gets: map[string]*provider.Instance{
			seqPath: inst("SMS_TaskSequencePackage", "PackageID", "PS100004", "Sequence", "<sequence/>", "References", []*provider.Instance{ref}),
			`SMS_RbacSecuredObject.ObjectTypeID="20"`: inst("SMS_RbacSecuredObject", "Operations", ops("Read", "Modify", "Create", "Delete")),
			`SMS_RbacSecuredObject.ObjectTypeID="18"`: inst("SMS_RbacSecuredObject", "Operations", ops("Read")),
		},
		errs: map[string]error{
			"query SMS_ApplicationLatest": &provider.Error{Kind: provider.KindDenied, Op: "query SMS_ApplicationLatest", Msg: "HTTP 403: access denied"},
		},
	}
	got := render(Run(context.Background(), f))
	for _, want := range []string{
		"ok site code: PS1 (SMS_Identification.ThisSiteCode)\n",
		"ok query SMS_TaskSequencePackage: 1 object\n",
		"ok query SMS_Package: 2 objects\n",
		"FAIL query SMS_ApplicationLatest: query SMS_ApplicationLatest: HTTP 403: access denied\n",
		"ok lazy read of a task sequence (Get): " + seqPath + ": Sequence (11 bytes) and 1 reference\n",
		"ok SMS_ObjectLock.GetLockInformation: " + seqPath + `: locked by CORP\ann on PC7` + "\n",
		"ok rights on SMS_TaskSequencePackage: Read, Modify, Create\n",
		"FAIL rights on SMS_Package: missing Modify, Create (needed for packages tsctl manages)\n",
		"ok rights on SMS_BootImagePackage: Read\n",
		"warn rights on SMS_ImagePackage: cannot tell: SMS_RbacSecuredObject lists no object type named SMS_ImagePackage\n",
		"warn rights on SMS_TaskSequencePackage: missing Delete (needed for --prune)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if ok, warn, fail := Summary(Run(context.Background(), f)); fail != 2 || ok == 0 || warn == 0 {
		t.Errorf("summary %d ok, %d warn, %d fail", ok, warn, fail)
	}

	// A site without GetLockInformation, RBAC classes or task sequences.
	f = &fakeSite{t: t, objects: map[string][]*provider.Instance{}, errs: map[string]error{
		"method GetLockInformation":   &provider.Error{Kind: provider.KindNotFound, Op: "SMS_ObjectLock.GetLockInformation", Msg: "HTTP 404"},
		"query SMS_RbacSecuredObject": &provider.Error{Kind: provider.KindNotFound, Op: "query SMS_RbacSecuredObject", Msg: "HTTP 404"},
	}}
	got = render(Run(context.Background(), f))
	for _, want := range []string{
		"warn lazy read of a task sequence (Get): not tried: the site lists no task sequence\n",
		"warn SMS_ObjectLock.GetLockInformation: not offered (SMS_ObjectLock.GetLockInformation: HTTP 404): apply then relies on the site refusing the save of a locked object\n",
		"warn rights (SMS_RbacSecuredObject): cannot tell (query SMS_RbacSecuredObject: HTTP 404)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if _, _, fail := Summary(Run(context.Background(), f)); fail != 0 {
		t.Errorf("%d failures:\n%s", fail, got)
	}
}
