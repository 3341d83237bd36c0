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
// SequenceReads).
//
// With keepXML, each sequence keeps the XML the site stores
// (Sequence.XML) and is parsed as it is read. Without, each keeps its XML
// unparsed until Sequence.Load parses it, which convert.All does as it
// converts the sequence: a thousand parsed sequences are 60 MB of
// pointers the collector scans until each is converted, their text 45 MB
// it does not. Either way a sequence whose XML does not parse is an
// error: Load's, or Export's when a later sequence could not be read (the
// sequences before it are parsed then, so the error is always the first
// in order, as parsing each as it is read would find).
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
			s := &exportfile.Sequence{Source: site.Code() + ":" + id, PackageID: id, Name: in.String("Name"),
				Description: in.String("Description"), Category: in.String("Category"), BootImageID: in.String("BootImageID"),
				Duration: int(in.Int("Duration"))}
			text := in.String("Sequence")
			parse := func() (*model.Sequence, error) {
				parsed, err := model.ParseString(text)
				if err != nil {
					return nil, fmt.Errorf("sequence %s stored on the site: %w", id, err)
				}
				return parsed, nil
			}
			if keepXML {
				s.XML = text
				if s.Sequence, errs[i] = parse(); errs[i] != nil {
					return
				}
			} else {
				s.Load = parse
			}
			out.Sequences[i] = s
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			continue
		}
		// a sequence before i that does not parse is the first error
		for _, s := range out.Sequences[:i] {
			if s.Load != nil {
				if _, perr := s.Load(); perr != nil {
					return nil, perr
				}
			}
		}
		return nil, err
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
