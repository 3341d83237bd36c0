package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

var ctx = context.Background()

func open(t *testing.T, opts Options) *Site {
	t.Helper()
	s, err := Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func importSeq(t *testing.T, s *Site, xml string) *provider.Instance {
	t.Helper()
	out, err := s.ExecMethod(ctx, "SMS_TaskSequencePackage", "ImportSequence", map[string]any{"SequenceXML": xml})
	if err != nil {
		t.Fatal(err)
	}
	return out["TaskSequence"].(*provider.Instance)
}

func setSeq(s *Site, pkg, ts *provider.Instance) (string, error) {
	out, err := s.ExecMethod(ctx, "SMS_TaskSequencePackage", "SetSequence", map[string]any{"TaskSequencePackage": pkg, "TaskSequence": ts})
	if err != nil {
		return "", err
	}
	return out["SavedTaskSequencePackagePath"].(string), nil
}

func newPkg(name string) *provider.Instance {
	p := provider.New(object.ClassTaskSequencePackage)
	p.Props["Name"] = name
	return p
}

func TestNewSiteHoldsDefaults(t *testing.T) {
	s := open(t, Options{Code: "ab1"})
	if s.Code() != "AB1" {
		t.Fatalf("code = %s", s.Code())
	}
	pk, _ := s.Query(ctx, provider.Query{Class: object.ClassPackage})
	bi, _ := s.Query(ctx, provider.Query{Class: object.ClassBootImagePackage})
	if len(pk) != 2 || len(bi) != 1 || bi[0].String("Name") != "Boot image (x64)" || bi[0].String("PackageID") != "AB100003" {
		t.Fatalf("defaults: %d packages, boot images %+v", len(pk), bi)
	}
	if _, err := Open(t.TempDir(), Options{Code: "toolong"}); err == nil {
		t.Error("invalid site code accepted")
	}
}

func TestPackageIDsAndPut(t *testing.T) {
	s := open(t, Options{})
	in := provider.New(object.ClassPackage)
	in.Props["Name"] = "Tools"
	path, err := s.Put(ctx, in)
	if err != nil || path != `SMS_Package.PackageID="PS100004"` {
		t.Fatalf("Put = %q, %v", path, err)
	}
	got, err := s.Get(ctx, path)
	if err != nil || got.String("Name") != "Tools" || got.Int("PackageType") != 0 || got.String("SedoObjectVersion") == "" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	v1 := got.String("SedoObjectVersion")
	got.Props["Description"] = "changed"
	if _, err := s.Put(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Get(ctx, path)
	if again.String("Description") != "changed" || again.String("SedoObjectVersion") == v1 {
		t.Error("update did not change description and version")
	}
	// Programs need their package.
	pr := provider.New(object.ClassProgram)
	pr.Props["PackageID"], pr.Props["ProgramName"] = "PS1FFFFF", "Install"
	if _, err := s.Put(ctx, pr); !provider.IsKind(err, provider.KindInvalid) {
		t.Errorf("program of a missing package: %v", err)
	}
	pr.Props["PackageID"] = "PS100004"
	if p, err := s.Put(ctx, pr); err != nil || p != `SMS_Program.PackageID="PS100004",ProgramName="Install"` {
		t.Errorf("program put = %q %v", p, err)
	}
	if _, err := s.Get(ctx, `SMS_Package.PackageID="PS1FFFFF"`); !provider.IsKind(err, provider.KindNotFound) {
		t.Errorf("missing object: %v", err)
	}
}

const seqXML = `<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="a" description=""><action>x</action><defaultVarList><variable name="CommandLine" property="CommandLine">run.cmd</variable><variable name="PackageID" property="PackageID">%s</variable></defaultVarList></step></sequence>`

func TestSetSequenceCreatesAndDerives(t *testing.T) {
	s := open(t, Options{})
	ts := importSeq(t, s, strings.Replace(seqXML, "%s", "PS100001", 1))
	path, err := setSeq(s, newPkg("Deploy"), ts)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, path)
	if got.Int("ReferencesCount") != 1 || got.Int("Type") != 1 || got.Int("PackageType") != 4 {
		t.Errorf("derived fields: refs=%d type=%d", got.Int("ReferencesCount"), got.Int("Type"))
	}
	q, err := model.Parse([]byte(got.String("Sequence")))
	if err != nil {
		t.Fatal(err)
	}
	st := q.Steps[0]
	// The site derives the <action> and the referenceList, and keeps what
	// it was given exactly: no attribute or default property is added.
	if *st.Action != "smsswd.exe /run:PS100001 run.cmd" || len(q.References) != 1 {
		t.Errorf("derived: action=%s refs=%v", *st.Action, q.References)
	}
	if st.SuccessCodes != nil || st.RunIn != nil || len(st.Vars) != 2 {
		t.Errorf("stored step changed: successCodeList=%v runIn=%v vars=%v", st.SuccessCodes, st.RunIn, st.Vars)
	}
	// Lazy properties are not returned by queries.
	list, _ := s.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage})
	if _, ok := list[0].Props["Sequence"]; ok || len(list) != 1 {
		t.Error("query returned the lazy Sequence")
	}
}

func TestSetSequenceRefusals(t *testing.T) {
	s := open(t, Options{})
	ts := importSeq(t, s, strings.Replace(seqXML, "%s", "PS1ABCDE", 1))
	if _, err := setSeq(s, newPkg("Deploy"), ts); err == nil || !strings.Contains(err.Error(), "package PS1ABCDE") {
		t.Errorf("missing reference: %v", err)
	}
	pkg := newPkg("Deploy")
	pkg.Props["BootImageID"] = "PS100001"
	ts = importSeq(t, s, `<sequence version="3.10"/>`)
	if _, err := setSeq(s, pkg, ts); err == nil || !strings.Contains(err.Error(), "not a boot image") {
		t.Errorf("wrong boot image: %v", err)
	}
	if _, err := setSeq(s, newPkg(""), ts); !provider.IsKind(err, provider.KindInvalid) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := setSeq(s, newPkg(strings.Repeat("é", 101)), ts); !provider.IsKind(err, provider.KindInvalid) {
		t.Errorf("name of 101 characters: %v", err)
	}
	big := `<sequence version="3.10"><step type="BDD_X" name="big" description=""><defaultVarList><variable name="V" property="V">` + strings.Repeat("x", MaxSequenceBytes) + `</variable></defaultVarList></step></sequence>`
	if _, err := setSeq(s, newPkg("Big"), importSeq(t, s, big)); !provider.IsKind(err, provider.KindTooLarge) {
		t.Errorf("2 MB limit: %v", err)
	}
	if _, err := s.ExecMethod(ctx, "SMS_TaskSequencePackage", "ImportSequence", map[string]any{"SequenceXML": "<sequence"}); !provider.IsKind(err, provider.KindInvalid) {
		t.Errorf("invalid XML: %v", err)
	}
	objs, _ := s.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage})
	if len(objs) != 0 {
		t.Errorf("refused SetSequence stored %d sequences", len(objs))
	}
	// The limit counts characters, as the configuration's does: 100 of
	// two bytes each are a name.
	if _, err := setSeq(s, newPkg(strings.Repeat("é", 100)), ts); err != nil {
		t.Errorf("name of 100 characters: %v", err)
	}
}

func TestSecretsAreNotStored(t *testing.T) {
	s := open(t, Options{})
	ts := importSeq(t, s, `<sequence version="3.10"><step type="SMS_TaskSequence_JoinDomainWorkgroupAction" name="j" description=""><defaultVarList><variable name="OSDJoinPassword" property="DomainPassword">hunter2</variable></defaultVarList></step></sequence>`)
	path, err := setSeq(s, newPkg("Join"), ts)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, path)
	if strings.Contains(got.String("Sequence"), "hunter2") {
		t.Error("secret stored")
	}
}

func TestLocks(t *testing.T) {
	s := open(t, Options{User: `CORP\me`})
	path, err := setSeq(s, newPkg("Deploy"), importSeq(t, s, `<sequence version="3.10"/>`))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := s.ExecMethod(ctx, "SMS_ObjectLock", "GetLockInformation", map[string]any{"ObjectRelPath": path})
	if out["LockState"].(int64) != 0 {
		t.Error("new object is locked")
	}
	if err := s.Lock(path, `CORP\jane`, "PC7"); err != nil {
		t.Fatal(err)
	}
	li, err := provider.GetLockInformation(ctx, s, path)
	if err != nil || !li.Held() || li.User != `CORP\jane` || li.Machine != "PC7" {
		t.Fatalf("lock info = %+v %v", li, err)
	}
	pkg, _ := s.Get(ctx, path)
	_, err = setSeq(s, pkg, importSeq(t, s, `<sequence version="3.10"/>`))
	var holder string
	if pe, ok := err.(*provider.Error); ok && pe.Kind == provider.KindLocked {
		holder = pe.Holder.User
	}
	if holder != `CORP\jane` {
		t.Errorf("save of a locked object: %v", err)
	}
	if _, err := s.Put(ctx, pkg); !provider.IsKind(err, provider.KindLocked) {
		t.Errorf("put of a locked object: %v", err)
	}
	if err := s.Delete(ctx, path); !provider.IsKind(err, provider.KindLocked) {
		t.Errorf("delete of a locked object: %v", err)
	}
	// A lock held by ourselves does not block.
	_ = s.Lock(path, `corp\ME`, "PC1")
	if _, err := s.Put(ctx, pkg); err != nil {
		t.Errorf("own lock blocked a save: %v", err)
	}
}

func TestFaults(t *testing.T) {
	f, err := ParseFaults("latency=2ms, call=2, transient")
	if err != nil || f.Latency != 2*time.Millisecond || f.FailCall != 2 || !f.Transient {
		t.Fatalf("ParseFaults = %+v %v", f, err)
	}
	for _, bad := range []string{"latency=x", "call=0", "method=", "boom", "times=1", "method=Get,times=0"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
	s := open(t, Options{Faults: f})
	start := time.Now()
	if _, err := s.Query(ctx, provider.Query{Class: object.ClassPackage}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Query(ctx, provider.Query{Class: object.ClassPackage}); !provider.IsKind(err, provider.KindTransient) {
		t.Errorf("second call: %v", err)
	}
	if time.Since(start) < 4*time.Millisecond {
		t.Error("latency not injected")
	}
	if got := s.Stats()["query SMS_Package"]; got != 2 {
		t.Errorf("stats = %v", s.Stats())
	}
	s2 := open(t, Options{Faults: Faults{FailMethod: "SetSequence"}})
	if _, err := setSeq(s2, newPkg("x"), importSeq(t, s2, `<sequence version="3.10"/>`)); !provider.IsKind(err, provider.KindFailed) {
		t.Errorf("method fault: %v", err)
	}
	s2.Close()

	// times=N fails only the first N calls of the method, counted across
	// every site opened with the same faults (as site serve opens one per request).
	once, err := ParseFaults("method=Get,times=1")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var got []bool
	for range 3 {
		s3, err := Open(dir, Options{Faults: once})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s3.Get(ctx, provider.Path(object.ClassPackage, "PackageID", "PS100001"))
		got = append(got, err != nil && strings.Contains(err.Error(), "injected fault"))
		s3.Close()
	}
	if fmt.Sprint(got) != "[true false false]" {
		t.Errorf("times=1 over three sites: injected %v", got)
	}

	// call=N is the Nth call of the process, whichever site opened with
	// the same faults makes it (as a command's prefetch and its own open).
	third, err := ParseFaults("call=3")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for range 3 {
		s4, err := Open(dir, Options{Faults: third})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			_, err = s4.Query(ctx, provider.Query{Class: object.ClassPackage})
			got = append(got, err != nil && strings.Contains(err.Error(), "injected fault"))
		}
		s4.Close()
	}
	if fmt.Sprint(got) != "[false false true false false false]" {
		t.Errorf("call=3 over three sites of two calls: injected %v", got)
	}
}

func TestRevisionRisesWithEveryCommit(t *testing.T) {
	s := open(t, Options{})
	before, err := s.Revision()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Query(ctx, provider.Query{Class: object.ClassPackage}); err != nil {
		t.Fatal(err)
	}
	if again, err := s.Revision(); err != nil || again != before {
		t.Errorf("a read changed the revision: %d → %d (%v)", before, again, err)
	}
	in := provider.New(object.ClassPackage)
	in.Props["Name"] = "Written"
	if _, err := s.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	if after, err := s.Revision(); err != nil || after <= before {
		t.Errorf("a write left the revision at %d (was %d): %v", after, before, err)
	}
	if s.Stats()["query SMS_Package"] != 1 {
		t.Errorf("Revision counted as a call: %v", s.Stats())
	}
}

func TestDurableAndExclusive(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := provider.New(object.ClassPackage)
	in.Props["Name"] = "Kept"
	if _, err := s.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	// A second opener waits for the first, then gives up with a clear error.
	if _, err := Open(dir, Options{Timeout: 50 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "another tsctl process") {
		t.Errorf("second open: %v", err)
	}
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, _ := s.Query(ctx, provider.Query{Class: object.ClassPackage, Where: map[string]string{"Name": "Kept"}})
	if len(list) != 1 {
		t.Errorf("object lost across reopen")
	}
}

func TestConcurrentSetSequence(t *testing.T) {
	s := open(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := s.ExecMethod(ctx, "SMS_TaskSequencePackage", "ImportSequence", map[string]any{"SequenceXML": `<sequence version="3.10"/>`})
			if err == nil {
				_, err = setSeq(s, newPkg("seq"+string(rune('A'+i))), out["TaskSequence"].(*provider.Instance))
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, _ := s.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage})
	ids := map[string]bool{}
	for _, in := range list {
		ids[in.String("PackageID")] = true
	}
	if len(ids) != 20 {
		t.Errorf("%d distinct IDs for 20 sequences", len(ids))
	}
}

func TestCodecRoundTrip(t *testing.T) {
	in := provider.New("X")
	in.Props["s"], in.Props["i"], in.Props["t"], in.Props["f"], in.Props["n"] = "a\x00<b>", int64(-7), true, false, nil
	in.Props["l"], in.Props["e"] = []string{"x", ""}, []string{}
	sub := provider.New("Y")
	sub.Props["k"] = "v"
	in.Props["o"], in.Props["os"] = sub, []*provider.Instance{sub, provider.New("Z")}
	b, err := encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n%#v\n%#v", in, out)
	}
	for i := range b {
		if _, err := decode(b[:i]); err == nil && i > 0 {
			t.Errorf("truncated record of %d bytes decoded", i)
		}
	}
}

func FuzzDecode(f *testing.F) {
	in := provider.New("SMS_Package")
	in.Props["Name"], in.Props["N"] = "x", int64(3)
	b, _ := encode(in)
	f.Add(b)
	in.Props["Sub"] = &provider.Instance{Class: "C", Props: map[string]any{"Name": "inner"}}
	b, _ = encode(in)
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := decode(data)
		if err != nil {
			return
		}
		again, err := encode(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decode(again); err != nil {
			t.Fatal(err)
		}
		// Skipping a string property gives the rest unchanged.
		skipped, err := decodeSkipping(data, map[string]bool{"Name": true})
		if err != nil {
			t.Fatalf("decodes whole but not skipping: %v", err)
		}
		if s, ok := out.Props["Name"].(string); ok {
			if _, kept := skipped.Props["Name"]; kept {
				t.Fatalf("string Name %q not skipped", s)
			}
			delete(out.Props, "Name")
		}
		if !reflect.DeepEqual(out.Props, skipped.Props) {
			t.Fatalf("skipping changed the rest:\n%v\n%v", out.Props, skipped.Props)
		}
	})
}

func TestPauseFault(t *testing.T) {
	f, err := ParseFaults("pause=Get")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, err := Open(dir, Options{Faults: f})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() {
		_, err := s.Get(ctx, provider.Path(object.ClassPackage, "PackageID", "PS1FFFFF"))
		done <- err
	}()
	paused := filepath.Join(dir, PausedFile)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(paused); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the call did not pause")
		}
	}
	select {
	case <-done:
		t.Fatal("the paused call returned before resume")
	case <-time.After(50 * time.Millisecond):
	}
	if err := os.WriteFile(filepath.Join(dir, ResumeFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !provider.IsKind(err, provider.KindNotFound) {
		t.Errorf("resumed call: %v", err)
	}
	if _, err := os.Stat(paused); err == nil {
		t.Error("paused file left behind")
	}
	// Only the first call pauses.
	if _, err := s.Get(ctx, provider.Path(object.ClassPackage, "PackageID", "PS1FFFFF")); !provider.IsKind(err, provider.KindNotFound) {
		t.Errorf("second call: %v", err)
	}
}

// TestLatencyCoversTheWork: with injected latency a call answers that long
// after it began, its own work included, as a real provider's response
// time does — not the latency after the work. The work here is a paused
// call, resumed after 300 ms, on a site answering in 200 ms: it answers
// when resumed (before, it took 200 ms more).
func TestLatencyCoversTheWork(t *testing.T) {
	faults, err := ParseFaults("latency=200ms,pause=Get")
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, Options{Faults: faults})
	path := provider.Path(object.ClassBootImagePackage, "PackageID", "PS100003")
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(filepath.Join(s.dir, PausedFile)); err == nil {
				time.Sleep(300 * time.Millisecond)
				os.WriteFile(filepath.Join(s.dir, ResumeFile), nil, 0o644)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	start := time.Now()
	if _, err := s.Get(ctx, path); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d >= 480*time.Millisecond {
		t.Errorf("a call whose work took 300 ms answered after %v on a site answering in 200 ms", d)
	}
	// a quick call answers after the latency
	start = time.Now()
	if _, err := s.Get(ctx, path); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("answered after %v, before the latency", d)
	}
}

// TaskSequenceFlags bit 0 says a reference is missing, as the store is
// when the sequence is read: the index of what may be referenced is shared
// by reads of one committed state and rebuilt when the store changes.
func TestDanglingFlagFollowsTheStore(t *testing.T) {
	s := open(t, Options{})
	pkg := provider.New("SMS_Package")
	pkg.Props["Name"] = "Tools"
	pkgPath, err := s.Put(ctx, pkg)
	if err != nil {
		t.Fatal(err)
	}
	created, _ := s.Get(ctx, pkgPath)
	id := created.String("PackageID")
	seqPath, err := setSeq(s, newPkg("Deploy"), importSeq(t, s, strings.Replace(seqXML, "%s", id, 1)))
	if err != nil {
		t.Fatal(err)
	}
	flag := func() int64 {
		t.Helper()
		in, err := s.Get(ctx, seqPath)
		if err != nil {
			t.Fatal(err)
		}
		return in.Int("TaskSequenceFlags") & 1
	}
	if f := flag(); f != 0 {
		t.Fatalf("every reference exists: flag %d", f)
	}
	if f := flag(); f != 0 { // the same state, read again
		t.Fatalf("read again: flag %d", f)
	}
	if err := s.Delete(ctx, pkgPath); err != nil {
		t.Fatal(err)
	}
	if f := flag(); f != 1 {
		t.Fatalf("after deleting %s: flag %d, want 1", id, f)
	}
}

// TestGetSince: an answer read at the store's current revision still
// holds (nothing read again); any committed write, to any object, raises
// the revision; a distribution status, which advances with time, is
// never said to hold; the call is counted and its faults injected as
// Get's.
func TestGetSince(t *testing.T) {
	s := open(t, Options{})
	ts := importSeq(t, s, strings.Replace(seqXML, "%s", "PS100001", 1))
	path, err := setSeq(s, newPkg("Deploy"), ts)
	if err != nil {
		t.Fatal(err)
	}
	in, rev, err := s.GetSince(ctx, path, 0)
	if err != nil || in == nil || rev == 0 || in.String("Sequence") == "" {
		t.Fatalf("first read: %v, %d, %v", in, rev, err)
	}
	if again, now, err := s.GetSince(ctx, path, rev); err != nil || again != nil || now != rev {
		t.Errorf("unchanged store: %v, %d (want nil, %d), %v", again, now, rev, err)
	}
	other := provider.New(object.ClassPackage)
	other.Props["Name"] = "Other"
	if _, err := s.Put(ctx, other); err != nil {
		t.Fatal(err)
	}
	again, now, err := s.GetSince(ctx, path, rev)
	if err != nil || again == nil || now <= rev || again.String("Sequence") != in.String("Sequence") {
		t.Errorf("after a write to another object: %v, %d (want a read past %d), %v", again, now, rev, err)
	}
	if got := s.Stats()["get"]; got != 3 {
		t.Errorf("gets counted: %d, want 3", got)
	}

	f, _ := ParseFaults("method=Get, times=1")
	faulty := open(t, Options{Faults: f})
	if _, _, err := faulty.GetSince(ctx, path, 0); err == nil || !strings.Contains(err.Error(), "injected fault") {
		t.Errorf("GetSince: the fault on Get was not injected: %v", err)
	}
}
