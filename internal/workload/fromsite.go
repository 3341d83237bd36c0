package workload

import (
	"context"
	"sort"

	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// ExportOf reads from site what an export .zip of its first n sequences
// (by name) holds: the sequences, with their XML, and every package they
// may name (WriteExportZip writes them).
func ExportOf(ctx context.Context, site provider.Site, n int) ([]ExportSequence, map[string]ExportRef, error) {
	refs := map[string]ExportRef{}
	for _, kind := range object.All {
		if _, isPackage := kind.PackageType(); !isPackage || kind == object.Sequence {
			continue
		}
		list, err := site.Query(ctx, provider.Query{Class: kind.Class()})
		if err != nil {
			return nil, nil, err
		}
		for _, in := range list {
			refs[in.String("PackageID")] = ExportRef{PackageID: in.String("PackageID"), Name: in.String("Name"), PackageType: int(in.Int("PackageType"))}
		}
	}
	list, err := site.Query(ctx, provider.Query{Class: object.ClassTaskSequencePackage})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].String("Name") < list[j].String("Name") })
	var seqs []ExportSequence
	for _, q := range list[:min(n, len(list))] {
		in, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", q.String("PackageID")))
		if err != nil {
			return nil, nil, err
		}
		seqs = append(seqs, ExportSequence{PackageID: in.String("PackageID"), Name: in.String("Name"), Description: in.String("Description"),
			Category: in.String("Category"), BootImageID: in.String("BootImageID"), XML: in.String("Sequence")})
	}
	return seqs, refs, nil
}
