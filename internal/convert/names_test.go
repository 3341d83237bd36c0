package convert

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/object"
)

// namesAlike fails t unless IndexedExportNames(ex) answers every question
// about ex as ExportNames{Ex: ex} does: Name of every kind for every ID
// the export holds (and some it does not), IDsNamed of every kind for
// every name it holds, in other cases, and crafted ones.
func namesAlike(t *testing.T, label string, ex *exportfile.Export, extraNames ...string) (questions int) {
	t.Helper()
	scan, idx := ExportNames{Ex: ex}, IndexedExportNames(ex)
	ids := []string{"", "PS1FFFFF", "ps100001"}
	names := append([]string{"", "unknown"}, extraNames...)
	for id, r := range ex.Refs {
		ids = append(ids, id, strings.ToLower(id))
		names = append(names, r.Name, strings.ToUpper(r.Name), strings.ToLower(r.Name))
	}
	for _, s := range ex.Sequences {
		ids = append(ids, s.PackageID)
		names = append(names, s.Name, strings.ToUpper(s.Name), strings.ToLower(s.Name))
	}
	for kind := object.None; kind <= object.Content; kind++ {
		for _, id := range ids {
			questions++
			gn, gok := idx.Name(kind, id)
			wn, wok := scan.Name(kind, id)
			if gn != wn || gok != wok {
				t.Errorf("%s: Name(%s, %q) = %q, %v; going through the export: %q, %v", label, kind, id, gn, gok, wn, wok)
			}
		}
		for _, name := range names {
			questions++
			if got, want := idx.IDsNamed(kind, name), scan.IDsNamed(kind, name); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: IDsNamed(%s, %q) = %q; going through the export: %q", label, kind, name, got, want)
			}
		}
	}
	return questions
}

// The index answers as going through the export does, on every real
// export (each file alone and all at once) and on crafted names that
// strings.EqualFold holds equal in ways ToLower does not (the Kelvin sign
// and k, long s and s, bytes that are not UTF-8), sequences ReferencesInfo
// lists, two sequences of one PackageID, sequences without a name or ID.
func TestIndexedExportNamesAnswersAlike(t *testing.T) {
	crafted := &exportfile.Export{
		Refs: map[string]exportfile.Ref{
			"PS100001": {PackageID: "PS100001", Name: "Kit", Type: 0},
			"PS100002": {PackageID: "PS100002", Name: "\u212Ait", Type: 0},
			"PS100003": {PackageID: "PS100003", Name: "kIT", Type: 3},
			"PS100004": {PackageID: "PS100004", Name: "Sſs", Type: 257},
			"PS100005": {PackageID: "PS100005", Name: "a\xffb", Type: 0},
			"PS100006": {PackageID: "PS100006", Name: "", Type: 0},
			"PS100007": {PackageID: "PS100007", Name: "Listed", Type: 4},
			"PS100008": {PackageID: "PS100008", Name: "Unknown type", Type: 99},
		},
		Sequences: []*exportfile.Sequence{
			{PackageID: "PS100007", Name: "Listed"},
			{PackageID: "PS100010", Name: ""},
			{PackageID: "PS100010", Name: "Second of one ID"},
			{PackageID: "PS100010", Name: "Third of one ID"},
			{PackageID: "PS100011", Name: "KIT"},
			{PackageID: "", Name: "No ID"},
			{PackageID: "PS100012", Name: "a\xfeb"},
			{PackageID: "PS100013", Name: "a\uFFFDb"},
		},
	}
	namesAlike(t, "crafted", crafted, "kit", "\u212AIT", "SSS", "ſſſ", "a\ufffdb", "A\xffB", "no id", "listed", "unknown TYPE")
	dirs := realExportDirs(t)
	questions := 0
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			if strings.HasSuffix(f, ".md") {
				continue
			}
			ex, err := exportfile.ReadFiles([]string{f})
			if err != nil {
				continue // not an export: convert refuses it
			}
			questions += namesAlike(t, filepath.Base(f), ex)
		}
	}
	ex, err := exportfile.ReadFiles(dirs)
	if err != nil {
		t.Fatal(err)
	}
	questions += namesAlike(t, "all at once", ex)
	t.Logf("%d questions answered alike", questions)
}
