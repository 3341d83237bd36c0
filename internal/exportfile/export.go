package exportfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tsctl/tsctl/internal/cores"
	"github.com/tsctl/tsctl/internal/localfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

// Limits on what a reader accepts.
const (
	MaxFileBytes   = 64 << 20  // one file or zip member, uncompressed
	MaxTotalBytes  = 512 << 20 // everything read from one zip, nested zips included
	MaxZipNesting  = 4
	maxZipMembers  = 10000
	utf8BOM        = "\ufeff"
	packageFolder  = "sms_tasksequencepackage/" // SMS_TaskSequencePackage/, in the lower case wanted compares
	instanceMarker = "<INSTANCE"
)

// Sequence is one exported task sequence package.
type Sequence struct {
	Source      string // file (and zip member) it came from
	PackageID   string
	Name        string
	Description string
	Category    string
	BootImageID string
	Duration    int
	Sequence    *model.Sequence
	XML         string // the Sequence text as read, when it came from a site
	// NamedAfterFile: the name is made up from the file's (a bare
	// <sequence> document, an MDT ts.xml), which Settle may change.
	NamedAfterFile bool
	// text is the sequence's text as read, for Settle to compare
	// sequences read twice (set by every reader that keeps a PackageID).
	text string
	// Load, when not nil, parses the sequence's text, which is then its
	// Sequence (nil until then): a reader that keeps the text rather than
	// the steps of sequences waiting to be converted sets it
	// (engine.Export). Load returns the error parsing met, the same at
	// every call. Use Loaded to have Sequence set.
	Load func() (*model.Sequence, error)
}

// Loaded sets s.Sequence from Load when it is not set yet.
func (s *Sequence) Loaded() error {
	if s.Sequence != nil || s.Load == nil {
		return nil
	}
	q, err := s.Load()
	if err != nil {
		return err
	}
	s.Sequence, s.Load = q, nil
	return nil
}

// Ref describes an object a sequence references (SMS_TaskSequenceReferencesInfo).
type Ref struct {
	PackageID   string
	Name        string
	Description string
	Version     string
	Program     string
	Type        int // ReferencePackageType, as object.OfPackageType reads it
}

// AppRef describes an application a sequence references (SMS_TaskSequenceAppReferencesInfo).
type AppRef struct {
	ModelName string
	PackageID string
	CIID      string
}

// Export is everything read from one or more files.
type Export struct {
	Sequences []*Sequence
	Refs      map[string]Ref    // by PackageID
	Apps      map[string]AppRef // by model name
	// Skipped lists the files found in a folder that are XML documents of
	// another kind (an MDT Unattend.xml beside its ts.xml), not read: a
	// line each saying what was found.
	Skipped []string
	// deferParse: an object.xml's Sequence is kept as text, parsed by its
	// Load (ReadFilesDeferred)
	deferParse bool
}

func newExport() *Export { return &Export{Refs: map[string]Ref{}, Apps: map[string]AppRef{}} }

// ReadFiles reads each file (format detected from its content) into one
// Export. A folder stands for its *.xml and *.zip files, in name order (a
// folder of exported files, or ../shared/corpus), and for what an export
// .zip of it would have read below it (an unzipped console export, an
// MDT Control folder: exportedBelow); an XML document of another kind
// found there is skipped (Export.Skipped), while a file named is read or
// refused.
func ReadFiles(paths []string) (*Export, error) {
	ex := newExport()
	return ex, ex.readFiles(paths)
}

// ReadFilesDeferred is ReadFiles keeping the Sequence text of each
// object.xml (an export's sequences, nearly all of them) unparsed until
// its Load parses it (Sequence.Loaded; convert.All does, as it converts
// the sequence): 500 parsed sequences are 30 MB of pointers that the
// collector scans until each is converted, their text 22 MB it does not.
// A Sequence text that does not parse is an error still, Load's; and
// when reading fails later on, it is the error when it comes first (the
// sequences read are parsed then), as ReadFiles would report it.
func ReadFilesDeferred(paths []string) (*Export, error) {
	ex := newExport()
	ex.deferParse = true
	if err := ex.readFiles(paths); err != nil {
		for _, s := range ex.Sequences {
			if perr := s.Loaded(); perr != nil {
				return nil, perr
			}
		}
		return nil, err
	}
	return ex, nil
}

func (ex *Export) readFiles(paths []string) error {
	files, err := expand(paths)
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := localfile.Read(f.path, MaxFileBytes)
		if err != nil {
			return err
		}
		if err := ex.Read(f.path, data); err != nil {
			var other *OtherDocumentError
			if f.inFolder && errors.As(err, &other) && other.Name == f.path {
				ex.Skipped = append(ex.Skipped, fmt.Sprintf("%s: a <%s> document, not a task sequence export", other.Name, other.Root))
				continue
			}
			return err
		}
	}
	return nil
}

// OtherDocumentError says that a file is a well-formed XML document of
// another kind than an export's (an MDT Unattend.xml, an OPC
// [Content_Types].xml).
type OtherDocumentError struct {
	Name, Root string // the file, its root element
}

func (e *OtherDocumentError) Error() string {
	return fmt.Sprintf("%s: not a task sequence export: found a <%s> document (expected <sequence>, an object.xml <INSTANCE>, ReferencesInfo.xml, <SmsTaskSequencePackage> or an export .zip)", e.Name, e.Root)
}

// input is a file to read, named or found in a named folder.
type input struct {
	path     string
	inFolder bool
}

// expand replaces folders by the export files they hold.
func expand(paths []string) ([]input, error) {
	var out []input
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such file or folder", p)
			}
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, input{path: p})
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, e := range ents {
			if ext := strings.ToLower(filepath.Ext(e.Name())); !e.IsDir() && (ext == ".xml" || ext == ".zip") {
				out = append(out, input{path: filepath.Join(p, e.Name()), inFolder: true})
			}
		}
		for _, e := range ents {
			if e.IsDir() {
				found, err := exportedBelow(p, e.Name())
				if err != nil {
					return nil, err
				}
				out = append(out, found...)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: folder holds no .xml or .zip file", p)
		}
	}
	return out, nil
}

// maxFolderDepth is how deep below a folder named exportedBelow looks.
const maxFolderDepth = 4

// exportedBelow lists the files under the subfolder sub of dir that an
// export .zip of dir would have tsctl read (wanted): an unzipped console
// export's SMS_TaskSequencePackage/<ID>/object.xml and ReferencesInfo.xml,
// an MDT deployment share's Control/<ID>/ts.xml; at most maxFolderDepth
// folders down, in name order, zips not included (a folder of exports
// may keep others in its subfolders).
func exportedBelow(dir, sub string) ([]input, error) {
	var out []input
	err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.Count(rel, "/") >= maxFolderDepth-1 {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && !strings.HasSuffix(strings.ToLower(rel), ".zip") && wanted(rel) {
			out = append(out, input{path: p, inFolder: true})
		}
		return nil
	})
	return out, err
}

// Read adds one file's content, named name in messages.
func (ex *Export) Read(name string, data []byte) error {
	budget := int64(MaxTotalBytes)
	return ex.read(name, data, 0, &budget)
}

func (ex *Export) read(name string, data []byte, depth int, budget *int64) error {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return ex.readZip(name, data, depth, budget)
	}
	doc, err := sniff(data)
	if err != nil {
		return fmt.Errorf("%s: not a task sequence export: %v", name, err)
	}
	switch doc.root {
	case "sequence":
		q, err := model.Parse(doc.data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		ex.Sequences = append(ex.Sequences, &Sequence{Source: name, Name: bareName(name), NamedAfterFile: true, Sequence: q})
		return nil
	case "INSTANCE":
		return ex.readInstance(name, doc.data)
	case "ArrayOfString":
		return ex.readInfo(name, doc.data)
	case "SmsTaskSequencePackage":
		return ex.readWrapper(name, doc.data)
	case "LibraryDocument":
		return nil // the manifest adds nothing tsctl needs
	}
	return &OtherDocumentError{Name: name, Root: doc.root}
}

func (ex *Export) readInstance(name string, data []byte) error {
	in, err := parseInstance(name, data)
	if err != nil {
		return err
	}
	if in.Class != object.ClassTaskSequencePackage {
		return fmt.Errorf("%s: instance of %s, expected SMS_TaskSequencePackage", name, in.Class)
	}
	text := in.prop("Sequence")
	if text == "" {
		return fmt.Errorf("%s: the package has no Sequence", name)
	}
	parse := func() (*model.Sequence, error) {
		q, err := model.ParseString(text)
		if err != nil {
			return nil, fmt.Errorf("%s: Sequence: %w", name, err)
		}
		return q, nil
	}
	d, _ := strconv.Atoi(in.prop("Duration"))
	s := &Sequence{
		Source: name, PackageID: in.prop("PackageID"), Name: in.prop("Name"), Description: in.prop("Description"),
		Category: in.prop("Category"), BootImageID: in.prop("BootImageID"), Duration: d, text: text,
	}
	if ex.deferParse {
		s.Load = parse
	} else if s.Sequence, err = parse(); err != nil {
		return err
	}
	ex.Sequences = append(ex.Sequences, s)
	return nil
}

func (ex *Export) readInfo(name string, data []byte) error {
	items, err := parseInfo(data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for i, item := range items {
		// the item's bytes where they are (neither reader writes to what
		// it reads, and both copy what they keep)
		data := unsafe.Slice(unsafe.StringData(item), len(item))
		in, ok := scanInstance(data)
		if !ok {
			if in, err = parseInstanceStd(fmt.Sprintf("%s: item %d", name, i+1), data); err != nil {
				return err
			}
		}
		switch in.Class {
		case "SMS_TaskSequenceReferencesInfo":
			t, _ := strconv.Atoi(in.prop("ReferencePackageType"))
			id := in.prop("ReferencePackageID")
			ex.Refs[id] = Ref{PackageID: id, Name: in.prop("ReferenceName"), Description: in.prop("ReferenceDescription"),
				Version: in.prop("ReferenceVersion"), Program: in.prop("ReferenceProgramName"), Type: t}
		case "SMS_TaskSequenceAppReferencesInfo":
			m := in.prop("RefAppModelName")
			ex.Apps[m] = AppRef{ModelName: m, PackageID: in.prop("RefAppPackageID"), CIID: in.prop("RefAppCI_ID")}
		default:
			return fmt.Errorf("%s: unexpected %s instance", name, in.Class)
		}
	}
	return nil
}

// ErrUnsafePath marks a zip member whose name would escape its folder.
var ErrUnsafePath = errors.New("unsafe path in zip")

func (ex *Export) readZip(name string, data []byte, depth int, budget *int64) error {
	if depth >= MaxZipNesting {
		return fmt.Errorf("%s: zips nested more than %d deep", name, MaxZipNesting)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(zr.File) > maxZipMembers {
		return fmt.Errorf("%s: more than %d members", name, maxZipMembers)
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.SliceStable(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	// Members are read in order, and parsed a batch at a time on every
	// core (see memberBatch): any error is reported once the members
	// before it are parsed, so it is the one reading in turn meets first.
	var batch memberBatch
	defer batch.drop()
	fail := func(err error) error {
		if berr := batch.flush(ex); berr != nil {
			return berr
		}
		return err
	}
	for _, f := range files {
		member := f.Name
		clean := path.Clean(strings.ReplaceAll(member, `\`, "/"))
		if strings.HasPrefix(clean, "/") || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(clean, ":") {
			return fail(fmt.Errorf("%s: member %q: %w", name, member, ErrUnsafePath))
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if !wanted(clean) {
			continue
		}
		if f.UncompressedSize64 > MaxFileBytes {
			return fail(fmt.Errorf("%s: member %q is larger than %d MiB", name, member, MaxFileBytes>>20))
		}
		rc, err := f.Open()
		if err != nil {
			return fail(fmt.Errorf("%s: member %q: %w", name, member, err))
		}
		b, err := readAll(io.LimitReader(rc, MaxFileBytes+1), f.UncompressedSize64)
		rc.Close()
		if err != nil {
			return fail(fmt.Errorf("%s: member %q: %w", name, member, err))
		}
		if len(b) > MaxFileBytes {
			return fail(fmt.Errorf("%s: member %q is larger than %d MiB", name, member, MaxFileBytes>>20))
		}
		if *budget -= int64(len(b)); *budget < 0 {
			return fail(fmt.Errorf("%s: expands to more than %d MiB", name, MaxTotalBytes>>20))
		}
		if bytes.HasPrefix(b, []byte("PK\x03\x04")) {
			// a nested zip is read in its turn, after the members before it
			if err := batch.flush(ex); err != nil {
				return err
			}
			if err := ex.read(name+"!"+clean, b, depth+1, budget); err != nil {
				return err
			}
			continue
		}
		if batch.add(name+"!"+clean, b) {
			if err := batch.flush(ex); err != nil {
				return err
			}
		}
	}
	return batch.flush(ex)
}

// wanted reports whether tsctl reads the zip member at path clean: a
// nested zip; an object.xml, ReferencesInfo.xml or AppReferencesInfo.xml
// under a SMS_TaskSequencePackage folder, at the root or below a folder
// of its own (an export folder zipped again by Explorer or
// Compress-Archive), in any case; an MDT deployment share's
// Control/<ID>/ts.xml. The AppleDouble twins a Mac adds (__MACOSX/,
// "._NAME") are not read.
func wanted(clean string) bool {
	low := strings.ToLower(clean)
	base := path.Base(low)
	if strings.HasPrefix(low, "__macosx/") || strings.HasPrefix(base, "._") {
		return false
	}
	if strings.HasSuffix(low, ".zip") || base == "ts.xml" {
		return true
	}
	return (strings.HasPrefix(low, packageFolder) || strings.Contains(low, "/"+packageFolder)) &&
		(base == "object.xml" || base == "referencesinfo.xml" || base == "appreferencesinfo.xml")
}

// memberBatch is zip members read and not yet parsed. Parsing a member
// (an object.xml: its instance, then its Sequence) takes most of the time
// reading an export does, so a batch of them is parsed on every core,
// each into an Export of its own, and those are added to the export in
// the order of the members: what a member adds (a sequence appended,
// references set by ID, a later one replacing an earlier) does not depend
// on another's, so the export is what reading them in turn makes.
type memberBatch struct {
	names []string
	data  [][]byte
	bytes int
}

// Batches are parsed at this many members or bytes, whichever comes
// first: enough to keep the cores busy, few enough that the members read
// and not yet parsed stay a few megabytes. (Variables for the test that
// holds batches of any size to reading in turn, a batch of one.)
var (
	batchMembers = 32
	batchBytes   = 8 << 20
)

// add adds a member, and reports whether the batch is full.
func (b *memberBatch) add(name string, data []byte) bool {
	b.names, b.data = append(b.names, name), append(b.data, data)
	b.bytes += len(data)
	return len(b.names) >= batchMembers || b.bytes >= batchBytes
}

// flush parses the batch's members and adds them to ex in order, up to
// the first that fails, whose error it returns; the batch is emptied.
func (b *memberBatch) flush(ex *Export) error {
	defer b.drop()
	parts := make([]*Export, len(b.names))
	errs := make([]error, len(b.names))
	cores.Each(len(b.names), func(i int) {
		part := newExport()
		part.deferParse = ex.deferParse
		errs[i] = part.read(b.names[i], b.data[i], 0, nil) // not a zip: neither depth nor budget is read
		parts[i] = part
	})
	for i, part := range parts {
		if errs[i] != nil {
			return errs[i]
		}
		ex.Sequences = append(ex.Sequences, part.Sequences...)
		for id, r := range part.Refs {
			ex.Refs[id] = r
		}
		for m, a := range part.Apps {
			ex.Apps[m] = a
		}
	}
	return nil
}

// drop empties the batch.
func (b *memberBatch) drop() { *b = memberBatch{} }

// readAll reads r to its end as io.ReadAll does, into a buffer of the
// size a zip member is listed at (at most MaxFileBytes), which it outgrows
// only when r holds more: io.ReadAll starts small and doubles, allocating
// about twice what it reads (an export of 500 sequences is 34 MB of XML).
func readAll(r io.Reader, size uint64) ([]byte, error) {
	b := make([]byte, 0, min(size, MaxFileBytes)+1) // +1: io.EOF is read without growing
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}
