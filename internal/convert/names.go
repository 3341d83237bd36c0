package convert

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/object"
)

// ExportNames names references from an export's ReferencesInfo and from the
// sequences the export itself holds. Made by IndexedExportNames, it
// answers from an index; as a literal (ExportNames{Ex: ex}), by going
// through the export's references and sequences at every question.
type ExportNames struct {
	Ex  *exportfile.Export
	idx *namesIndex
}

// IndexedExportNames returns the ExportNames of ex, answering from an index
// of ex's references and sequences made now: the same answers as going
// through them (TestIndexedExportNamesAnswersAlike), as long as ex's Refs
// and its sequences' names and PackageIDs are not changed afterwards. A
// conversion asks a name or two of every reference of every step, which
// went through every reference and every sequence of the export each time.
func IndexedExportNames(ex *exportfile.Export) ExportNames {
	idx := &namesIndex{sequences: map[string]string{}, named: map[string][]namedObject{}}
	for id, r := range ex.Refs {
		idx.named[foldKey(r.Name)] = append(idx.named[foldKey(r.Name)], namedObject{id: id, name: r.Name, ref: true, packageType: r.Type})
	}
	for _, s := range ex.Sequences {
		if _, ok := idx.sequences[s.PackageID]; !ok && s.Name != "" {
			idx.sequences[s.PackageID] = s.Name
		}
		if _, listed := ex.Refs[s.PackageID]; !listed && s.PackageID != "" {
			idx.named[foldKey(s.Name)] = append(idx.named[foldKey(s.Name)], namedObject{id: s.PackageID, name: s.Name})
		}
	}
	return ExportNames{Ex: ex, idx: idx}
}

// namesIndex is what ExportNames reads of an export, indexed.
type namesIndex struct {
	// the name of the first sequence of a PackageID with a name, by PackageID
	sequences map[string]string
	// references, and sequences ReferencesInfo does not list, by foldKey
	// of their name
	named map[string][]namedObject
}

// namedObject is a reference of ReferencesInfo (ref: its package type) or
// a sequence of the export.
type namedObject struct {
	id, name    string
	ref         bool
	packageType int
}

// foldKey is a key of s that two strings strings.EqualFold holds equal
// share: each rune (U+FFFD for a byte that is not UTF-8, as EqualFold
// reads it) as the least of the runes unicode.SimpleFold goes round.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
		i += size
	}
	return b.String()
}

// Name implements Names.
func (n ExportNames) Name(kind object.Kind, id string) (string, bool) {
	if r, ok := n.Ex.Refs[id]; ok {
		if got, known := object.OfPackageType(r.Type); known && kind.Accepts(got) {
			return r.Name, r.Name != ""
		}
	}
	if kind == object.Sequence {
		if n.idx != nil {
			name, ok := n.idx.sequences[id]
			return name, ok
		}
		for _, s := range n.Ex.Sequences {
			if s.PackageID == id && s.Name != "" {
				return s.Name, true
			}
		}
	}
	return "", false
}

// AppName implements Names: exports carry model names only.
func (n ExportNames) AppName(string) (string, bool) { return "", false }

// IDsNamed lists the PackageIDs of the export's objects of a kind (by
// ReferencesInfo, and the sequences it holds) named name, sorted: more than
// one means a reference by that name would be ambiguous.
func (n ExportNames) IDsNamed(kind object.Kind, name string) []string {
	var ids []string
	if n.idx != nil {
		for _, o := range n.idx.named[foldKey(name)] {
			if !strings.EqualFold(o.name, name) {
				continue
			}
			if o.ref {
				if got, known := object.OfPackageType(o.packageType); known && kind.Accepts(got) {
					ids = append(ids, o.id)
				}
			} else if kind == object.Sequence {
				ids = append(ids, o.id)
			}
		}
		sort.Strings(ids)
		return ids
	}
	for id, r := range n.Ex.Refs {
		if got, known := object.OfPackageType(r.Type); known && kind.Accepts(got) && strings.EqualFold(r.Name, name) {
			ids = append(ids, id)
		}
	}
	if kind == object.Sequence {
		for _, s := range n.Ex.Sequences {
			if _, listed := n.Ex.Refs[s.PackageID]; !listed && s.PackageID != "" && strings.EqualFold(s.Name, name) {
				ids = append(ids, s.PackageID)
			}
		}
	}
	sort.Strings(ids)
	return ids
}
