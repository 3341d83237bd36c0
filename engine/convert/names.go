package convert

import (
	"github.com/tsctl/tsctl/engine/config"
	"github.com/tsctl/tsctl/provider/export"
)

// ExportNames names references from an export's ReferencesInfo and from the
// sequences the export itself holds.
type ExportNames struct{ Ex *export.Export }

// Name implements Names.
func (n ExportNames) Name(kind config.RefKind, id string) (string, bool) {
	if r, ok := n.Ex.Refs[id]; ok {
		if got, known := config.KindOfPackageType(r.Type); known && kind.Accepts(got) {
			return r.Name, r.Name != ""
		}
	}
	if kind == config.RefSequence {
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
