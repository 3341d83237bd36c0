package convert

import (
	"sort"
	"strings"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/object"
)

// ExportNames names references from an export's ReferencesInfo and from the
// sequences the export itself holds.
type ExportNames struct{ Ex *exportfile.Export }

// Name implements Names.
func (n ExportNames) Name(kind object.Kind, id string) (string, bool) {
	if r, ok := n.Ex.Refs[id]; ok {
		if got, known := object.OfPackageType(r.Type); known && kind.Accepts(got) {
			return r.Name, r.Name != ""
		}
	}
	if kind == object.Sequence {
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
