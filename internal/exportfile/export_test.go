package exportfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func fixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func makeZip(t testing.TB, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadInstanceAndReferences(t *testing.T) {
	ex := newExport()
	if err := ex.Read("object.xml", fixture(t, "object.xml")); err != nil {
		t.Fatal(err)
	}
	if err := ex.Read("ReferencesInfo.xml", append([]byte(utf8BOM), fixture(t, "ReferencesInfo.xml")...)); err != nil {
		t.Fatal(err)
	}
	s := ex.Sequences[0]
	if s.PackageID != "LAB00010" || s.Name != "Lab - Deploy" || s.Category != "Lab" || s.BootImageID != "LAB00002" || s.Duration != 120 {
		t.Errorf("package = %+v", s)
	}
	if n, _, _ := s.Sequence.Counts(); n != 2 {
		t.Errorf("steps = %d", n)
	}
	if r := ex.Refs["LAB00005"]; r.Name != "Windows 11 Lab Image" || r.Type != 257 {
		t.Errorf("refs = %+v", ex.Refs)
	}
}

func TestReadFolder(t *testing.T) {
	ex, err := ReadFiles([]string{"testdata"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Sequences) != 1 || ex.Refs["LAB00005"].Name != "Windows 11 Lab Image" {
		t.Errorf("folder read: %d sequences, refs %v", len(ex.Sequences), ex.Refs)
	}
	if _, err := ReadFiles([]string{t.TempDir()}); err == nil || !strings.Contains(err.Error(), "folder holds no .xml or .zip file") {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := ReadFiles([]string{filepath.Join(t.TempDir(), "none")}); err == nil {
		t.Error("missing path accepted")
	}
}

// TestReadFolderSkipsOtherDocuments: in a folder, an XML document of
// another kind (MDT's Unattend.xml beside ts.xml) is skipped and listed;
// named, it is refused; a file that is not well-formed fails either way.
func TestReadFolderSkipsOtherDocuments(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("ts.xml", `<sequence version="3.00"><step name="S" type="SMS_TaskSequence_RunCommandLineAction"><action>cmd /c</action></step></sequence>`)
	unattend := write("Unattend.xml", `<?xml version="1.0" encoding="utf-8"?><unattend xmlns="urn:schemas-microsoft-com:unattend"/>`)
	ex, err := ReadFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Sequences) != 1 || len(ex.Skipped) != 1 || ex.Skipped[0] != unattend+": a <unattend> document, not a task sequence export" {
		t.Errorf("%d sequences, skipped %q", len(ex.Sequences), ex.Skipped)
	}
	if _, err := ReadFiles([]string{unattend}); err == nil || !strings.Contains(err.Error(), "not a task sequence export: found a <unattend> document") {
		t.Errorf("named: %v", err)
	}
	write("broken.xml", `&lt;sequence version="3.10"&gt;`)
	if _, err := ReadFiles([]string{dir}); err == nil || !strings.Contains(err.Error(), "broken.xml") {
		t.Errorf("not well-formed, in a folder: %v", err)
	}
}

// TestReadFolderAsItsZip: a folder is read below its own files as an
// export .zip of it would be: an unzipped console export, an MDT Control
// folder; not deeper than maxFolderDepth, and not the zips or other XML
// files of its subfolders.
func TestReadFolderAsItsZip(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ts := []byte(`<sequence version="3.00"><step name="S" type="SMS_TaskSequence_RunCommandLineAction"><action>cmd /c</action></step></sequence>`)
	write("[Content_Types].xml", []byte(`<Types/>`))
	write("SMS_TaskSequencePackage/LAB00010/object.xml", fixture(t, "object.xml"))
	write("SMS_TaskSequencePackage/LAB00010/ReferencesInfo.xml", fixture(t, "ReferencesInfo.xml"))
	write("SMS_TaskSequencePackage/USERSTATE_MIGRATION_PACKAGE.xml", []byte(`<string>x</string>`))
	write("Control/WIN11/ts.xml", ts)
	write("Control/WIN11/Unattend.xml", []byte(`<unattend/>`))
	write("older/export.zip", []byte("not read"))
	write("notes/other.xml", []byte("not read"))
	write("a/b/c/Control/DEEP/ts.xml", ts)
	ex, err := ReadFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range ex.Sequences {
		got = append(got, s.Name)
	}
	if fmt.Sprint(got) != "[WIN11 Lab - Deploy]" || ex.Refs["LAB00005"].Name == "" {
		t.Errorf("read %q, refs %v", got, ex.Refs)
	}
}

func TestReadNestedZip(t *testing.T) {
	inner := makeZip(t, map[string][]byte{
		"[Content_Types].xml": []byte("<Types/>"),
		"Manifest.xml":        []byte("<LibraryDocument/>"),
		"SMS_TaskSequencePackage/LAB00010/object.xml":         fixture(t, "object.xml"),
		"SMS_TaskSequencePackage/LAB00010/ReferencesInfo.xml": fixture(t, "ReferencesInfo.xml"),
	})
	outer := makeZip(t, map[string][]byte{"Module - Lab.zip": inner, "readme.txt": []byte("x")})
	ex := newExport()
	if err := ex.Read("bundle.zip", outer); err != nil {
		t.Fatal(err)
	}
	if len(ex.Sequences) != 1 || len(ex.Refs) != 2 {
		t.Fatalf("read %d sequences, %d refs", len(ex.Sequences), len(ex.Refs))
	}
	if want := "bundle.zip!Module - Lab.zip!SMS_TaskSequencePackage/LAB00010/object.xml"; ex.Sequences[0].Source != want {
		t.Errorf("source = %s", ex.Sequences[0].Source)
	}
}

// TestReadRezippedExport: an export folder zipped again (a folder of its
// own above SMS_TaskSequencePackage, backslashes, another case) and the
// AppleDouble twins a Mac adds are read as the console's zip.
func TestReadRezippedExport(t *testing.T) {
	inner := makeZip(t, map[string][]byte{"SMS_TaskSequencePackage/LAB00010/object.xml": fixture(t, "object.xml")})
	for name, files := range map[string]map[string][]byte{
		"a folder above": {
			"Lab/SMS_TaskSequencePackage/LAB00010/object.xml":         fixture(t, "object.xml"),
			"Lab/SMS_TaskSequencePackage/LAB00010/ReferencesInfo.xml": fixture(t, "ReferencesInfo.xml"),
			"Lab/SMS_Package/LAB00005/object.xml":                     []byte("<INSTANCE CLASSNAME=\"SMS_Package\"/>"),
		},
		"backslashes": {`Exports\Lab\SMS_TaskSequencePackage\LAB00010\object.xml`: fixture(t, "object.xml")},
		"lower case":  {"sms_tasksequencepackage/LAB00010/OBJECT.XML": fixture(t, "object.xml")},
		"a Mac's twins": {
			"Exports/Lab.zip":                                      inner,
			"__MACOSX/Exports/._Lab.zip":                           []byte("\x00\x05\x16\x07AppleDouble"),
			"Exports/._object.xml":                                 []byte("\x00\x05\x16\x07AppleDouble"),
			"__MACOSX/SMS_TaskSequencePackage/LAB00010/object.xml": []byte("\x00\x05\x16\x07"),
		},
	} {
		ex := newExport()
		if err := ex.Read("rezipped.zip", makeZip(t, files)); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(ex.Sequences) != 1 || ex.Sequences[0].PackageID != "LAB00010" {
			t.Errorf("%s: read %d sequences", name, len(ex.Sequences))
		}
	}
	// What is not an export's is still not read.
	for _, member := range []string{"SMS_Package/LAB00005/object.xml", "notes/object.xml", "MySMS_TaskSequencePackage/X/object.xml", "SMS_TaskSequencePackage/LAB00010/readme.xml"} {
		if wanted(member) {
			t.Errorf("%s read", member)
		}
	}
}

func TestZipRefusals(t *testing.T) {
	slip := makeZip(t, map[string][]byte{"../../evil.zip": []byte("x")})
	if err := newExport().Read("slip.zip", slip); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("zip slip: %v", err)
	}
	abs := makeZip(t, map[string][]byte{"/etc/x.zip": []byte("x")})
	if err := newExport().Read("abs.zip", abs); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("absolute path: %v", err)
	}
	deep := fixture(t, "object.xml")
	for i := 0; i <= MaxZipNesting; i++ {
		deep = makeZip(t, map[string][]byte{"n.zip": deep})
	}
	if err := newExport().Read("deep.zip", deep); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("deep nesting: %v", err)
	}
	big := makeZip(t, map[string][]byte{"SMS_TaskSequencePackage/X/object.xml": bytes.Repeat([]byte(" "), MaxFileBytes+1)})
	if err := newExport().Read("big.zip", big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized member: %v", err)
	}
	if err := newExport().Read("junk.txt", []byte("hello")); err == nil || !strings.Contains(err.Error(), "not a task sequence export") {
		t.Errorf("junk: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(fixture(f, "object.xml"))
	f.Add(fixture(f, "ReferencesInfo.xml"))
	f.Add([]byte(`<sequence version="3.10"><step type="X" name="a" description=""/></sequence>`))
	f.Add(makeZip(f, map[string][]byte{"SMS_TaskSequencePackage/A/object.xml": fixture(f, "object.xml")}))
	f.Add(makeZip(f, map[string][]byte{
		"Lab/SMS_TaskSequencePackage/A/object.xml": fixture(f, "object.xml"),
		"__MACOSX/Lab/._x.zip":                     []byte("x"),
		"Control/ID/ts.xml":                        []byte(`<sequence version="3.00"><step name="S"><action>cmd</action></step></sequence>` + "\x00"),
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex := newExport()
		err := ex.Read("fuzz.zip", data)
		if err != nil {
			// one line naming the file
			if msg := err.Error(); !strings.HasPrefix(msg, "fuzz.zip") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q does not name the file in one line", msg)
			}
		}
		for _, s := range ex.Sequences {
			if s.Sequence == nil {
				t.Fatal("sequence without content")
			}
			if s.NamedAfterFile {
				checkName(t, s.Source, s.Name)
			}
		}
		// Settled, the sequences have names one configuration holds.
		kept, _, err := Settle(ex.Sequences)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range kept {
			if k := strings.ToLower(s.Name); seen[k] {
				t.Fatalf("%q twice after Settle", s.Name)
			} else {
				seen[k] = true
			}
		}
	})
}

// readAll reads what io.ReadAll reads, and fails as it fails, whatever
// size the member is listed at: none, less, exactly, or more than it
// holds, from readers that return a byte at a time or the data with
// io.EOF.
func TestReadAllIsIOReadAll(t *testing.T) {
	for _, n := range []int{0, 1, 100, 10_000} {
		content := bytes.Repeat([]byte("<x/>"), n)[:n]
		for _, listed := range []uint64{0, uint64(max(n-1, 0)), uint64(n), uint64(n + 5), uint64(3 * n)} {
			readers := map[string]func() io.Reader{
				"whole":      func() io.Reader { return bytes.NewReader(content) },
				"a byte":     func() io.Reader { return iotest.OneByteReader(bytes.NewReader(content)) },
				"eof w data": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(content)) },
				"half":       func() io.Reader { return iotest.HalfReader(bytes.NewReader(content)) },
			}
			for name, r := range readers {
				got, err := readAll(r(), listed)
				if err != nil || !bytes.Equal(got, content) {
					t.Errorf("%d bytes listed as %d, %s: %d bytes, %v", n, listed, name, len(got), err)
				}
			}
		}
	}
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom))
	want, wantErr := io.ReadAll(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)))
	if got, err := readAll(r, 3); !bytes.Equal(got, want) || err != wantErr {
		t.Errorf("failing reader: %q, %v; io.ReadAll: %q, %v", got, err, want, wantErr)
	}
}

// An export .zip read in batches parsed on every core is what reading its
// members in turn (batches of one member) makes, and fails with the
// error reading in turn meets first: a member that does not parse before
// one whose name is unsafe, in a nested zip or not, across batches.
func TestBatchesReadAsInTurn(t *testing.T) {
	object, refs := string(fixture(t, "object.xml")), string(fixture(t, "ReferencesInfo.xml"))
	member := func(i int) (string, string, []byte, []byte) {
		id := fmt.Sprintf("LAB%05d", 100+i)
		folder := "SMS_TaskSequencePackage/" + id + "/"
		obj := strings.ReplaceAll(strings.ReplaceAll(object, "LAB00010", id), "Lab - Deploy", fmt.Sprintf("Deploy %d", i))
		// every member lists LAB00005 under a name of its own: the last wins
		ref := strings.ReplaceAll(refs, "Windows 11 Lab Image", fmt.Sprintf("Image %d", i))
		return folder + "object.xml", folder + "ReferencesInfo.xml", []byte(obj), []byte(ref)
	}
	build := func(n int, edit func(files map[string][]byte)) []byte {
		files := map[string][]byte{}
		for i := range n {
			on, rn, o, r := member(i)
			files[on], files[rn] = o, r
		}
		if edit != nil {
			edit(files)
		}
		return makeZip(t, files)
	}
	broken := func(i int) func(map[string][]byte) {
		return func(files map[string][]byte) {
			on, _, o, _ := member(i)
			files[on] = o[:len(o)/2]
		}
	}
	unsafe := func(files map[string][]byte) {
		files["SMS_TaskSequencePackage/LAB99999/../../../x:y/object.xml"] = []byte("x")
	}
	nested := func(files map[string][]byte) {
		inner := map[string][]byte{}
		for i := 200; i < 203; i++ {
			on, rn, o, r := member(i)
			inner[on], inner[rn] = o, r
		}
		files["SMS_TaskSequencePackage/LAB00135/inner.zip"] = makeZip(t, inner)
	}
	nestedBroken := func(files map[string][]byte) {
		nested(files)
		on, _, o, _ := member(300)
		files["SMS_TaskSequencePackage/LAB00136/inner.zip"] = makeZip(t, map[string][]byte{on: o[:len(o)/3]})
	}
	cases := map[string][]byte{
		"valid":                        build(70, nil),
		"one that does not parse":      build(70, broken(40)),
		"two that do not parse":        build(70, func(f map[string][]byte) { broken(40)(f); broken(3)(f) }),
		"then an unsafe name":          build(70, func(f map[string][]byte) { broken(40)(f); unsafe(f) }),
		"an unsafe name":               build(70, unsafe),
		"a nested zip":                 build(70, nested),
		"a nested zip that fails":      build(70, func(f map[string][]byte) { nestedBroken(f); broken(60)(f) }),
		"a nested zip after a failure": build(70, func(f map[string][]byte) { nestedBroken(f); broken(20)(f) }),
	}
	read := func(data []byte, batch int) (*Export, error) {
		defer func(n int) { batchMembers = n }(batchMembers)
		batchMembers = batch
		ex := newExport()
		return ex, ex.Read("export.zip", data)
	}
	for name, data := range cases {
		want, wantErr := read(data, 1)
		for _, batch := range []int{3, 32, 1000} {
			got, err := read(data, batch)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Errorf("%s, batches of %d: error %v, in turn %v", name, batch, err, wantErr)
				continue
			}
			if wantErr == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("%s, batches of %d: read %d sequences, refs %v; in turn %d, %v", name, batch, len(got.Sequences), got.Refs, len(want.Sequences), want.Refs)
			}
		}
		if wantErr == nil && len(want.Sequences) < 70 {
			t.Errorf("%s: read %d sequences", name, len(want.Sequences))
		}
	}
}

// ReadFilesDeferred reads what ReadFiles reads, once every sequence is
// loaded, and fails with ReadFiles's error: at once when reading fails
// (a sequence read before it that does not parse coming first), or when
// the first sequence that does not parse is loaded. The real exports when
// present, and zips whose members do not parse.
func TestReadFilesDeferredIsReadFiles(t *testing.T) {
	object := string(fixture(t, "object.xml"))
	member := func(i int, edit func(string) string) (string, []byte) {
		id := fmt.Sprintf("LAB%05d", 100+i)
		obj := strings.ReplaceAll(strings.ReplaceAll(object, "LAB00010", id), "Lab - Deploy", fmt.Sprintf("Deploy %d", i))
		if edit != nil {
			obj = edit(obj)
		}
		return "SMS_TaskSequencePackage/" + id + "/object.xml", []byte(obj)
	}
	badSequence := func(s string) string { return strings.Replace(s, "&lt;/sequence&gt;", "", 1) }
	badInstance := func(s string) string { return s[:len(s)/2] }
	dir := t.TempDir()
	zipOf := func(name string, edits map[int]func(string) string) string {
		files := map[string][]byte{}
		for i := range 40 {
			n, b := member(i, edits[i])
			files[n] = b
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, makeZip(t, files), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := map[string][]string{
		"valid":                             {zipOf("valid.zip", nil)},
		"a sequence that does not parse":    {zipOf("a.zip", map[int]func(string) string{35: badSequence})},
		"then an instance that does not":    {zipOf("b.zip", map[int]func(string) string{3: badSequence, 30: badInstance})},
		"an instance, then a sequence":      {zipOf("c.zip", map[int]func(string) string{30: badSequence, 3: badInstance})},
		"then a file that is not there":     {zipOf("d.zip", map[int]func(string) string{7: badSequence}), filepath.Join(dir, "none.zip")},
		"then a file that is not an export": {zipOf("e.zip", map[int]func(string) string{7: badSequence}), filepath.Join("testdata", "..", "export.go")},
		"two files, the second's sequence":  {zipOf("f.zip", nil), zipOf("g.zip", map[int]func(string) string{1: badSequence})},
	}
	var real []string
	for _, d := range []string{"corpus", "exports", filepath.Join("exports", "mdt")} {
		if _, err := os.Stat(filepath.Join("..", "..", "..", "shared", d)); err == nil {
			real = append(real, filepath.Join("..", "..", "..", "shared", d))
		}
	}
	if len(real) > 0 {
		cases["the real exports"] = real
	}
	for name, paths := range cases {
		want, wantErr := ReadFiles(paths)
		got, err := ReadFilesDeferred(paths)
		if err == nil {
			for _, s := range got.Sequences {
				if err = s.Loaded(); err != nil {
					break
				}
			}
		}
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: %v; ReadFiles: %v", name, err, wantErr)
			continue
		}
		if wantErr == nil {
			got.deferParse = false
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: read %d sequences, ReadFiles %d, not the same", name, len(got.Sequences), len(want.Sequences))
			}
		}
		if (wantErr == nil) != (name == "valid" || name == "the real exports") {
			t.Errorf("%s: ReadFiles: %v", name, wantErr)
		}
	}
}

// TestDeclaredEncodings: a declaration of an encoding that writes ASCII as
// ASCII is read when the file is ASCII; other text in it is refused with
// what to do.
func TestDeclaredEncodings(t *testing.T) {
	seq := `<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="S"><action>cmd</action></step></sequence>`
	for _, enc := range []string{"us-ascii", "ASCII", "windows-1252", "iso-8859-1"} {
		ex := newExport()
		if err := ex.Read("a.xml", []byte(`<?xml version="1.0" encoding="`+enc+`"?>`+seq)); err != nil || len(ex.Sequences) != 1 {
			t.Errorf("%s, ASCII text: %v", enc, err)
		}
	}
	for _, doc := range []string{
		`<?xml version="1.0" encoding="shift_jis"?>` + seq,
		`<?xml version="1.0" encoding="windows-1252"?>` + strings.Replace(seq, `name="S"`, `name="Ã©"`, 1),
	} {
		if err := newExport().Read("a.xml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "save it as UTF-8") {
			t.Errorf("%.60s: %v", doc, err)
		}
	}
}

// TestTrailingNULs: NUL bytes ending a file are not part of its document,
// whatever reads it; a NUL inside it is still an error.
func TestTrailingNULs(t *testing.T) {
	seq := `<sequence version="3.10"><step type="SMS_TaskSequence_RunCommandLineAction" name="S"><action>cmd</action></step></sequence>`
	for _, doc := range []string{seq + "\x00\x00", seq + "\r\n\x00", seq + "\x00\r\n"} {
		ex := newExport()
		if err := ex.Read("a.xml", []byte(doc)); err != nil || len(ex.Sequences) != 1 {
			t.Errorf("%q: %v", doc[len(seq):], err)
		}
	}
	if err := newExport().Read("a.xml", []byte(strings.Replace(seq, "cmd", "c\x00md", 1))); err == nil {
		t.Error("a NUL inside the document read")
	}
}
