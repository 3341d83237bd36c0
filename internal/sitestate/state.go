package sitestate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unique"

	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/provider"
)

// DefaultReads is how many provider calls reading a site makes at once
// by default (the class queries, then the managed sequences): each read is
// a round trip that waits on the site, not on a core.
const DefaultReads = 8

// State is what tsctl read from a site for one plan. It is safe for
// concurrent use once Read returns.
type State struct {
	Site     provider.Site
	byName   map[string]map[string][]*provider.Instance // class → lower(name) → instances
	programs map[string]map[string]*provider.Instance   // PackageID → lower(program) → instance
	apps     map[string][]*provider.Instance            // lower(display name) → applications
	appList  []*provider.Instance                       // every application, by display name and model name
	// seqs holds what planning read of each managed sequence that exists
	// (its lazy References, compact), by PackageID, filled as planning
	// reads them (SetSequence). Guarded by mu.
	seqs    map[string]*SequenceRead
	mu      sync.Mutex
	ids     map[string]bool
	byID    map[string]*provider.Instance // every package-class object by upper-case PackageID
	seqByID map[string]*provider.Instance // task sequence packages by upper-case PackageID
	// refLists holds one copy of each distinct list of references read
	// (ReadOf), keyed by the list's strings.
	refLists sync.Map
}

// Read queries every class once (object.ReadClasses), at most reads
// queries at once (0: DefaultReads). Planning then reads each managed
// sequence that exists (one Get each) just before planning it.
func Read(ctx context.Context, site provider.Site, reads int) (*State, error) {
	if reads <= 0 {
		reads = DefaultReads
	}
	slots := make(chan struct{}, reads)
	st := &State{Site: site, byName: map[string]map[string][]*provider.Instance{}, programs: map[string]map[string]*provider.Instance{},
		apps: map[string][]*provider.Instance{}, seqs: map[string]*SequenceRead{}}
	classes := object.ReadClasses()
	results := make([][]*provider.Instance, len(classes))
	errs := make([]error, len(classes))
	var wg sync.WaitGroup
	for i, c := range classes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i], errs[i] = site.Query(ctx, provider.Query{Class: c})
		}()
	}
	wg.Wait()
	for i, c := range classes {
		if errs[i] != nil {
			return nil, fmt.Errorf("read %s: %w", c, errs[i])
		}
		for _, in := range results[i] {
			switch c {
			case object.ClassProgram:
				id := in.String("PackageID")
				if st.programs[id] == nil {
					st.programs[id] = map[string]*provider.Instance{}
				}
				st.programs[id][strings.ToLower(in.String("ProgramName"))] = in
			case object.ClassApplication:
				k := strings.ToLower(in.String("LocalizedDisplayName"))
				st.apps[k] = append(st.apps[k], in)
			default:
				st.index(c, in)
			}
		}
	}
	for _, list := range st.apps {
		st.appList = append(st.appList, list...)
	}
	sort.Slice(st.appList, func(i, j int) bool {
		a, b := st.appList[i], st.appList[j]
		if a.String("LocalizedDisplayName") != b.String("LocalizedDisplayName") {
			return a.String("LocalizedDisplayName") < b.String("LocalizedDisplayName")
		}
		return a.String("ModelName") < b.String("ModelName")
	})
	st.ids = map[string]bool{}
	st.byID = map[string]*provider.Instance{}
	st.seqByID = map[string]*provider.Instance{}
	for class, byName := range st.byName {
		if k, ok := object.OfClass(class); !ok || !k.IsPackage() {
			continue
		}
		for _, list := range byName {
			for _, in := range list {
				st.ids[strings.ToUpper(in.String("PackageID"))] = true
				st.byID[strings.ToUpper(in.String("PackageID"))] = in
				if class == object.ClassTaskSequencePackage {
					st.seqByID[strings.ToUpper(in.String("PackageID"))] = in
				}
			}
		}
	}
	return st, nil
}

// index files an object of a kind's class by its name.
func (st *State) index(class string, in *provider.Instance) {
	if st.byName[class] == nil {
		st.byName[class] = map[string][]*provider.Instance{}
	}
	k := strings.ToLower(in.String(nameProp(class)))
	st.byName[class][k] = append(st.byName[class][k], in)
}

// nameProp is the property holding the names of a class's objects.
func nameProp(class string) string {
	if k, ok := object.OfClass(class); ok {
		return k.NameProp()
	}
	return "Name"
}

// keyOf is an object's key, for messages: its kind's key properties'
// values.
func keyOf(class string, in *provider.Instance) string {
	var parts []string
	for _, k := range object.KeyOf(class) {
		parts = append(parts, in.String(k))
	}
	return strings.Join(parts, "/")
}

// ReadKinds reads the objects of kinds a plan reads on demand (see
// object.Kind.OnDemand), one query each, at most reads at once, and files
// them as Read files every other kind's; a kind read already is not read
// again. It is called before planning starts, never concurrently with
// other reads of the State.
func (st *State) ReadKinds(ctx context.Context, kinds []object.Kind, reads int) error {
	if reads <= 0 {
		reads = DefaultReads
	}
	var todo []string
	for _, k := range kinds {
		c := k.Class()
		if _, done := st.byName[c]; done || slices.Contains(todo, c) {
			continue
		}
		todo = append(todo, c)
	}
	results := make([][]*provider.Instance, len(todo))
	errs := make([]error, len(todo))
	slots := make(chan struct{}, reads)
	var wg sync.WaitGroup
	for i, c := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i], errs[i] = st.Site.Query(ctx, provider.Query{Class: c})
		}()
	}
	wg.Wait()
	for i, c := range todo {
		if errs[i] != nil {
			return fmt.Errorf("read %s: %w", c, errs[i])
		}
		st.byName[c] = map[string][]*provider.Instance{}
		for _, in := range results[i] {
			st.index(c, in)
		}
	}
	return nil
}

// Find returns the object of class named name: nil when there is none, an
// error when several share the name.
func (st *State) Find(class, name string) (*provider.Instance, error) {
	list := st.byName[class][strings.ToLower(name)]
	switch len(list) {
	case 0:
		return nil, nil
	case 1:
		return list[0], nil
	}
	var ids []string
	for _, in := range list {
		ids = append(ids, keyOf(class, in))
	}
	sort.Strings(ids)
	return nil, &AmbiguousNameError{Class: class, Name: name, IDs: ids}
}

// AmbiguousNameError says that several objects of a class share a name on
// the site (sites allow it), so a name cannot say which one is meant.
type AmbiguousNameError struct {
	Class, Name string
	IDs         []string // their keys (PackageIDs, CollectionIDs…), sorted
}

// ManagedNameHint adds to an ambiguous name of an object the
// configuration declares what to do: tsctl keeps one object per name.
func ManagedNameHint(err error) error {
	var amb *AmbiguousNameError
	if !errors.As(err, &amb) {
		return err
	}
	return diag.WithHint(err, "tsctl keeps one object per name: rename or delete all but one of them on the site")
}

func (e *AmbiguousNameError) Error() string {
	return fmt.Sprintf("%d objects of class %s are named %q on the site (%s)", len(e.IDs), e.Class, e.Name, strings.Join(e.IDs, ", "))
}

// Names lists the names of a class's objects, for hints.
func (st *State) Names(class string) []string {
	var out []string
	for _, list := range st.byName[class] {
		for _, in := range list {
			out = append(out, in.String(nameProp(class)))
		}
	}
	sort.Strings(out)
	return out
}

// Program returns the program of the package with PackageID id.
func (st *State) Program(id, name string) *provider.Instance {
	return st.programs[id][strings.ToLower(name)]
}

// Programs returns the programs of a package.
func (st *State) Programs(id string) map[string]*provider.Instance { return st.programs[id] }

// Application returns the latest application with the display name.
func (st *State) Application(name string) ([]*provider.Instance, bool) {
	l, ok := st.apps[strings.ToLower(name)]
	return l, ok
}

// Child reports what the site knows about a child sequence, for
// normalising (model.Normalize, model.Derive).
func (st *State) Child(id string) (model.Child, bool) {
	in := st.seqByID[strings.ToUpper(id)]
	if in == nil {
		return model.Child{}, false
	}
	c := model.Child{Name: in.String("Name")}
	if read := st.Sequence(in.String("PackageID")); read != nil {
		c.References = read.Refs // its lazy References, when the child is managed too
	} else {
		c.References = provider.SequenceReferences(in)
	}
	return c, true
}

// Parse returns the sequence a task sequence package stores.
func (st *State) Parse(in *provider.Instance) (*model.Sequence, error) {
	q, err := model.Parse([]byte(in.String("Sequence")))
	if err != nil {
		return nil, fmt.Errorf("sequence %s stored on the site: %w", in.String("PackageID"), err)
	}
	return q, nil
}

// HasID reports whether a package-class object with PackageID id exists.
func (st *State) HasID(id string) bool {
	return st.ids[strings.ToUpper(id)]
}

// SetSequence records what planning read of a managed sequence with Get.
func (st *State) SetSequence(id string, r *SequenceRead) {
	st.mu.Lock()
	st.seqs[id] = r
	st.mu.Unlock()
}

// Sequence returns what planning read of the managed sequence with
// PackageID id; nil when it was not read.
func (st *State) Sequence(id string) *SequenceRead {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.seqs[id]
}

// Objects lists the objects of a kind's class (not programs, not
// applications), by name and then key.
func (st *State) Objects(class string) []*provider.Instance {
	var out []*provider.Instance
	for _, list := range st.byName[class] {
		out = append(out, list...)
	}
	name := nameProp(class)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.String(name) != b.String(name) {
			return a.String(name) < b.String(name)
		}
		return keyOf(class, a) < keyOf(class, b)
	})
	return out
}

// ByID returns the package-class object (a package of any kind or a
// sequence) with PackageID id, in any case; nil when the site holds none.
func (st *State) ByID(id string) *provider.Instance { return st.byID[strings.ToUpper(id)] }

// SequenceByID returns the task sequence package with PackageID id, in
// any case, as the site matches PackageIDs.
func (st *State) SequenceByID(id string) *provider.Instance { return st.seqByID[strings.ToUpper(id)] }

// Applications lists the latest revision of every application, by display
// name and then model name.
func (st *State) Applications() []*provider.Instance { return st.appList }

// NameOf returns the name of the site object whose PackageID is id (or
// the display name of the application whose model name it is); "" when
// the site holds none.
func (s *State) NameOf(id string) string {
	if in := s.byID[strings.ToUpper(id)]; in != nil {
		return in.String("Name")
	}
	if strings.HasPrefix(id, "ScopeId_") {
		for _, a := range s.Applications() {
			if strings.EqualFold(a.String("ModelName"), id) {
				return a.String("LocalizedDisplayName")
			}
		}
	}
	return ""
}

// SequenceRead is what a plan keeps of a task sequence package read with
// Get once it has been compared: its identity and version, and its lazy
// References in their compact form. The rest of the instance — dozens of
// properties, each reference an instance of its own, the stored XML — is
// what most of a large plan's memory went to, and nothing after the
// comparison reads it.
type SequenceRead struct {
	ID, Name, Version string
	// Type is the package's Type: 2 for a sequence that deploys an
	// operating system, 1 for any other (the console's choice at creation).
	Type int64
	// RefCount is the sequence's ReferencesCount (HasRefCount false when
	// the site gave none): a site that returns fewer References than that
	// cannot be trusted to say what the sequence uses.
	RefCount    int64
	HasRefCount bool
	Refs        []model.Reference // its References: packages with their program, applications
}

// ReadOf keeps what a plan needs of a task sequence package read with Get.
// The References' strings are interned: thousands of sequences name the
// same packages and programs.
func ReadOf(in *provider.Instance) *SequenceRead {
	return readOf(in, internStrings(provider.SequenceReferences(in)))
}

// ReadOf is the package function for the state's plan, which also keeps
// one copy of each distinct list of references: sequences made from one
// template use the same packages, and a plan of thousands of sequences
// keeps each list once (the generated workload of 1,000 sequences has 120
// distinct lists).
func (st *State) ReadOf(in *provider.Instance) *SequenceRead {
	return readOf(in, st.internRefs(provider.SequenceReferences(in)))
}

func readOf(in *provider.Instance, refs []model.Reference) *SequenceRead {
	r := &SequenceRead{ID: in.String("PackageID"), Name: in.String("Name"), Version: in.String("SedoObjectVersion"), Type: in.Int("Type"), Refs: refs}
	switch in.Props["ReferencesCount"].(type) {
	case int64, string:
		r.RefCount, r.HasRefCount = in.Int("ReferencesCount"), true
	}
	return r
}

// internRefs returns the state's one copy of refs (nil when empty), its
// strings interned. The lists are the state's: a process that plans again
// and again (the engine is a library) lets them go with each plan.
func (st *State) internRefs(refs []model.Reference) []model.Reference {
	if len(refs) == 0 {
		return nil
	}
	var k strings.Builder
	for _, x := range refs {
		k.WriteString(x.Package)
		k.WriteByte(0)
		k.WriteString(x.Program)
		k.WriteByte(0)
		k.WriteString(x.Application)
		k.WriteByte(1)
	}
	key := k.String()
	if kept, ok := st.refLists.Load(key); ok {
		return kept.([]model.Reference)
	}
	kept, _ := st.refLists.LoadOrStore(key, internStrings(refs))
	return kept.([]model.Reference)
}

// internStrings returns refs with their strings interned, in a list of
// its own length (nil when empty).
func internStrings(refs []model.Reference) []model.Reference {
	if len(refs) == 0 {
		return nil
	}
	list := make([]model.Reference, len(refs))
	for i, x := range refs {
		list[i] = model.Reference{Package: intern(x.Package), Program: intern(x.Program), Application: intern(x.Application)}
	}
	return list
}

func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// Listing is the instance a plan keeps in place of a sequence read with
// Get that it leaves unchanged: the key, name, version and
// ReferencesCount, as a listing of the class carries them.
func (r *SequenceRead) Listing() *provider.Instance {
	in := provider.New(object.ClassTaskSequencePackage)
	in.Props["PackageID"] = r.ID
	in.Props["Name"] = r.Name
	in.Props["SedoObjectVersion"] = r.Version
	if r.HasRefCount {
		in.Props["ReferencesCount"] = r.RefCount
	}
	return in
}
