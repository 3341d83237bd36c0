package engine

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// SiteNames names references from what a site holds.
type SiteNames struct {
	byID map[string]struct {
		kind object.Kind
		name string
	}
	apps map[string]string
}

// Name implements convert.Names.
func (n *SiteNames) Name(kind object.Kind, id string) (string, bool) {
	o, ok := n.byID[strings.ToUpper(id)]
	if !ok || !kind.Accepts(o.kind) {
		return "", false
	}
	return o.name, true
}

// AppName implements convert.Names.
func (n *SiteNames) AppName(model string) (string, bool) {
	name, ok := n.apps[strings.ToLower(model)]
	return name, ok
}

// Exported is what Export read from a site.
type Exported struct {
	Sequences []*exportfile.Sequence
	Names     *SiteNames
}

// Export reads the sequences whose names match any of globs (all when none)
// with one query per class and one lazy read per sequence, and the names of
// everything they may reference. reads bounds the calls in flight (0:
// SequenceReads). Each sequence keeps the XML the site stores
// (Sequence.XML) only when keepXML is true: what converts a sequence
// reads its parsed steps, and the text of a thousand sequences is tens of
// megabytes the collector would otherwise keep scanning until each is
// converted.
func Export(ctx context.Context, site provider.Site, globs []string, reads int, keepXML bool) (*Exported, error) {
	if reads <= 0 {
		reads = SequenceReads
	}
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("--name %q: %w", g, err)
		}
	}
	st, err := ReadState(ctx, site, reads)
	if err != nil {
		return nil, err
	}
	names := &SiteNames{byID: map[string]struct {
		kind object.Kind
		name string
	}{}, apps: map[string]string{}}
	var seqs []*provider.Instance
	for _, kind := range object.All {
		for _, in := range st.Objects(kind.Class()) {
			names.byID[strings.ToUpper(in.String("PackageID"))] = struct {
				kind object.Kind
				name string
			}{kind, in.String("Name")}
			if kind == object.Sequence && matchAny(globs, in.String("Name")) {
				seqs = append(seqs, in)
			}
		}
	}
	for _, a := range st.Applications() {
		names.apps[strings.ToLower(a.String("ModelName"))] = a.String("LocalizedDisplayName")
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i].String("Name") < seqs[j].String("Name") })
	out := &Exported{Names: names, Sequences: make([]*exportfile.Sequence, len(seqs))}
	errs := make([]error, len(seqs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, reads)
	for i, q := range seqs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			id := q.String("PackageID")
			in, err := site.Get(ctx, provider.Path(object.ClassTaskSequencePackage, "PackageID", id))
			if err != nil {
				errs[i] = fmt.Errorf("read sequence %s: %w", id, err)
				return
			}
			parsed, err := model.ParseString(in.String("Sequence"))
			if err != nil {
				errs[i] = fmt.Errorf("sequence %s stored on the site: %w", id, err)
				return
			}
			out.Sequences[i] = &exportfile.Sequence{Source: site.Code() + ":" + id, PackageID: id, Name: in.String("Name"),
				Description: in.String("Description"), Category: in.String("Category"), BootImageID: in.String("BootImageID"),
				Duration: int(in.Int("Duration")), Sequence: parsed}
			if keepXML {
				out.Sequences[i].XML = in.String("Sequence")
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func matchAny(globs []string, name string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if ok, _ := path.Match(strings.ToLower(g), strings.ToLower(name)); ok {
			return true
		}
	}
	return false
}
