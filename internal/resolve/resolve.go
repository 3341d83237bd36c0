package resolve

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/object"
	"github.com/tsctl/tsctl/internal/secret"
	"github.com/tsctl/tsctl/internal/sitestate"
)

// Ref names an object a reference points to: its kind and its name in
// lower case.
type Ref struct {
	Kind object.Kind
	Name string
}

func refOf(kind object.Kind, name string) Ref { return Ref{kind, strings.ToLower(name)} }

// Resolver maps names to site IDs for the desired-state builder
// (desired.Resolver): objects the configuration declares first (IDs known
// after apply creates them, SetCreated), then objects already on the site
// (read-only). Safe for concurrent use.
type Resolver struct {
	st        *sitestate.State
	cfg       *config.Config
	declared  map[Ref]bool
	declProgs map[string]bool  // lower(package)+"\x00"+lower(program) declared in the configuration
	values    *secret.Values   // the secrets' values; nil while planning
	secrets   *secret.Redactor // the secret values used, kept out of messages

	mu      sync.Mutex
	created map[Ref]string
}

// New resolves references for cfg on the site st was read from; values
// are the secrets' values (nil while planning: secrets left blank).
func New(st *sitestate.State, cfg *config.Config, values *secret.Values) *Resolver {
	r := &Resolver{st: st, cfg: cfg, declared: map[Ref]bool{}, declProgs: map[string]bool{}, created: map[Ref]string{}, values: values,
		secrets: &secret.Redactor{}}
	for _, p := range cfg.Packages {
		if p.Absent {
			continue
		}
		r.declared[refOf(p.Type, p.Name)] = true
		for _, pr := range p.Programs {
			if p.Type == object.Package {
				r.declProgs[strings.ToLower(p.Name)+"\x00"+strings.ToLower(pr.Name)] = true
			}
		}
	}
	for _, s := range cfg.Sequences {
		if !s.Absent {
			r.declared[refOf(object.Sequence, s.Name)] = true
		}
	}
	return r
}

// SetCreated records the ID of an object apply just created, which later
// references to it resolve to.
func (r *Resolver) SetCreated(kind object.Kind, name, id string) {
	r.mu.Lock()
	r.created[refOf(kind, name)] = id
	r.mu.Unlock()
}

// Secrets is what keeps the secret values this resolver handed out of
// messages.
func (r *Resolver) Secrets() *secret.Redactor { return r.secrets }

// Declared reports whether the configuration declares the object ref
// names (not absent).
func (r *Resolver) Declared(ref Ref) bool { return r.declared[ref] }

func (r *Resolver) ID(kind object.Kind, name string) (string, error) {
	if kind == object.Content {
		_, id, err := r.content(name)
		return id, err
	}
	k := refOf(kind, name)
	r.mu.Lock()
	id, ok := r.created[k]
	r.mu.Unlock()
	if ok {
		return id, nil
	}
	if r.cfg != nil && r.cfg.IsAbsent(kind, name) {
		return "", diag.WithHint(fmt.Errorf("%s %q is declared absent", kind, name), "remove the reference, or drop absent: true")
	}
	class := kind.Class()
	in, err := r.st.Find(class, name)
	if err != nil {
		return "", ambiguousRefHint(err)
	}
	if in != nil {
		return in.String("PackageID"), nil
	}
	if r.declared[k] {
		return desired.Pending, nil
	}
	err = fmt.Errorf("%s %q is neither declared in the configuration nor on site %s", kind, name, r.st.Site.Code())
	if s := diag.Similar(name, append(r.declaredNames(kind), r.st.Names(class)...)); len(s) > 0 {
		return "", diag.WithHint(err, diag.DidYouMean(s))
	}
	if kind == object.BootImage || kind == object.Sequence {
		return "", err
	}
	return "", diag.WithHint(err, fmt.Sprintf("declare it under packages: with type: %s, or create it on the site", kind))
}

// ambiguousRefHint adds to a reference that names several site objects
// what to write instead.
func ambiguousRefHint(err error) error {
	var amb *sitestate.AmbiguousNameError
	if !errors.As(err, &amb) {
		return err
	}
	return diag.WithHint(err, fmt.Sprintf("say which one by PackageID, e.g. {id: %s}, or rename all but one on the site", amb.IDs[0]))
}

// content resolves a name a download step gives, which may be a package,
// driver package, OS image, OS upgrade package or boot image: exactly one
// object of those kinds, declared or on the site, may bear it.
func (r *Resolver) content(name string) (object.Kind, string, error) {
	type match struct {
		kind object.Kind
		id   string
	}
	var ms []match
	var absent []object.Kind
	for _, k := range object.ContentKinds {
		key := refOf(k, name)
		r.mu.Lock()
		id, ok := r.created[key]
		r.mu.Unlock()
		switch {
		case ok:
			ms = append(ms, match{k, id})
			continue
		case r.cfg != nil && r.cfg.IsAbsent(k, name):
			absent = append(absent, k)
			continue
		}
		in, err := r.st.Find(k.Class(), name)
		if err != nil {
			return object.None, "", ambiguousRefHint(err)
		}
		switch {
		case in != nil:
			ms = append(ms, match{k, in.String("PackageID")})
		case r.declared[key]:
			ms = append(ms, match{k, desired.Pending})
		}
	}
	switch len(ms) {
	case 1:
		return ms[0].kind, ms[0].id, nil
	case 0:
		if len(absent) > 0 {
			return object.None, "", diag.WithHint(fmt.Errorf("%s %q is declared absent", absent[0], name), "remove the reference, or drop absent: true")
		}
		err := fmt.Errorf("no %s named %q is declared in the configuration or on site %s", object.Content.Describe(), name, r.st.Site.Code())
		names := r.declaredNames(object.Content)
		for _, k := range object.ContentKinds {
			names = append(names, r.st.Names(k.Class())...)
		}
		if s := diag.Similar(name, names); len(s) > 0 {
			return object.None, "", diag.WithHint(err, diag.DidYouMean(s))
		}
		return object.None, "", err
	}
	var found []string
	for _, m := range ms {
		if m.id == desired.Pending {
			found = append(found, fmt.Sprintf("a %s the configuration declares", m.kind.Describe()))
		} else {
			found = append(found, fmt.Sprintf("a %s (%s)", m.kind.Describe(), m.id))
		}
	}
	return object.None, "", diag.WithHint(fmt.Errorf("%q names more than one object with content: %s", name, strings.Join(found, " and ")),
		"rename one of them, or give the one to download as {id: PackageID}")
}

// DescribeContent implements desired.ContentDescriber: an object on the
// site is described as the site holds it; one this apply creates (or, in
// a plan, will create) as the configuration declares it.
func (r *Resolver) DescribeContent(name, id string) (desired.ContentInfo, bool) {
	if in := r.st.ByID(id); in != nil {
		k, _ := object.OfClass(in.Class)
		return desired.ContentInfo{Name: in.String("Name"), Kind: k, SizeKB: in.Int("SourceSize")}, k.HasContent()
	}
	if name == "" {
		return desired.ContentInfo{}, false
	}
	kind, _, err := r.content(name)
	if err != nil {
		return desired.ContentInfo{}, false
	}
	for _, p := range r.cfg.Packages {
		if p.Type == kind && strings.EqualFold(p.Name, name) {
			return desired.ContentInfo{Name: p.Name, Kind: kind}, true
		}
	}
	return desired.ContentInfo{}, false
}

// declaredNames lists the names the configuration declares for kind.
func (r *Resolver) declaredNames(kind object.Kind) []string {
	var names []string
	if kind == object.Sequence {
		for _, s := range r.cfg.Sequences {
			if !s.Absent {
				names = append(names, s.Name)
			}
		}
		return names
	}
	for _, p := range r.cfg.Packages {
		if !p.Absent && kind.Accepts(p.Type) {
			names = append(names, p.Name)
		}
	}
	return names
}

func (r *Resolver) Program(pkg, prog string) error {
	if r.declProgs[strings.ToLower(pkg)+"\x00"+strings.ToLower(prog)] {
		return nil
	}
	in, err := r.st.Find(object.ClassPackage, pkg)
	if err != nil || in == nil {
		return nil // reported by ID, or declared without this program (reported by validation)
	}
	if r.st.Program(in.String("PackageID"), prog) != nil {
		return nil
	}
	var names []string
	for _, p := range r.st.Programs(in.String("PackageID")) {
		names = append(names, p.String("ProgramName"))
	}
	return diag.WithHint(fmt.Errorf("package %q (%s) has no program %q on the site", pkg, in.String("PackageID"), prog), "programs: "+orNone(names))
}

// AppDisplayName returns the display name of the application with a model
// name, when the site holds exactly one.
func (r *Resolver) AppDisplayName(model string) (string, bool) {
	found := ""
	n := 0
	for _, a := range r.st.Applications() {
		if strings.EqualFold(a.String("ModelName"), model) {
			found, n = a.String("LocalizedDisplayName"), n+1
		}
	}
	return found, n == 1
}

func (r *Resolver) Application(name string) (string, string, error) {
	list, _ := r.st.Application(name)
	switch len(list) {
	case 1:
		return list[0].String("ModelName"), list[0].String("LocalizedDisplayName"), nil
	case 0:
		err := fmt.Errorf("application %q not found on site %s", name, r.st.Site.Code())
		var names []string
		for _, a := range r.st.Applications() {
			names = append(names, a.String("LocalizedDisplayName"))
		}
		if s := diag.Similar(name, names); len(s) > 0 {
			return "", "", diag.WithHint(err, diag.DidYouMean(s))
		}
		return "", "", diag.WithHint(err, "tsctl references applications but does not create them")
	}
	return "", "", fmt.Errorf("%d applications are named %q on the site", len(list), name)
}

// Secret returns a secret's value as read before the site was opened;
// while planning (no secrets) it returns "".
func (r *Resolver) Secret(s config.Secret) (string, error) {
	if r.values == nil {
		return "", nil
	}
	v, err := r.values.Value(s)
	r.secrets.Add(v)
	return v, err
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// CheckID checks that an object referenced by PackageID exists on the
// site, its ID written as the site writes it: the site matches the IDs of
// a sequence's references exactly, so an ID in another case would pass
// the plan and fail SetSequence.
func (r *Resolver) CheckID(kind object.Kind, id string) error {
	if in := r.st.ByID(id); in != nil {
		if have := in.String("PackageID"); have != id {
			return diag.WithHint(fmt.Errorf("PackageID %s is written %s on site %s", id, have, r.st.Site.Code()),
				fmt.Sprintf("write it as the site does: {id: %s}", have))
		}
		return nil
	}
	return diag.WithHint(fmt.Errorf("no object with PackageID %s on site %s", id, r.st.Site.Code()),
		fmt.Sprintf("reference the %s by name, or create it on the site first", kind))
}

// Tracker is a Resolver that records which declared objects the builds it
// serves reference: what a sequence depends on.
type Tracker struct {
	*Resolver
	used map[Ref]bool
}

// Track returns a Tracker on r.
func (r *Resolver) Track() *Tracker { return &Tracker{Resolver: r, used: map[Ref]bool{}} }

// ID implements desired.Resolver, recording a declared object it resolves.
func (t *Tracker) ID(kind object.Kind, name string) (string, error) {
	if kind == object.Content {
		found, id, err := t.content(name)
		if k := refOf(found, name); err == nil && t.declared[k] {
			t.used[k] = true
		}
		return id, err
	}
	k := refOf(kind, name)
	if t.declared[k] {
		t.used[k] = true
	}
	return t.Resolver.ID(kind, name)
}

// Used lists the declared objects resolved through t, by kind and name.
func (t *Tracker) Used() []Ref {
	out := make([]Ref, 0, len(t.used))
	for k := range t.used {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out
}
