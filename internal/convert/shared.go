package convert

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/object"
)

// shared is what converting a sequence reads and writes that the sequences
// converted after it see: the names handed out, the secret placeholders
// used, and the content listed by earlier steps. Every read and write of it
// goes through the functions below (claimName, placeholderName, …), which
// take a sharedView: the converter's own state, or while settling a
// sequence converted ahead of its turn (see All), that state with the
// sequence's writes laid over it.
type shared struct {
	reverse map[refKey]string // names handed out → IDs, for verification
	apps    map[string]string // application names handed out → model names
	usedEnv map[string]bool   // secret placeholders already used
	envNext map[string]int    // by placeholder base: the suffix its next search starts from
	seen    map[string]listed // what every step converted so far lists for download, by PackageID
}

func newShared() *shared {
	return &shared{reverse: map[refKey]string{}, apps: map[string]string{}, usedEnv: map[string]bool{},
		envNext: map[string]int{}, seen: map[string]listed{}}
}

// reset empties s for the next sequence, keeping its maps.
func (s *shared) reset() {
	clear(s.reverse)
	clear(s.apps)
	clear(s.usedEnv)
	clear(s.envNext)
	clear(s.seen)
}

// sharedView reads and writes shared state.
type sharedView interface {
	reverseID(k refKey) (string, bool)
	setReverse(k refKey, id string)
	eachReverse(f func(k refKey, id string))
	app(name string) (string, bool)
	setApp(name, model string)
	envUsed(name string) bool
	setEnvUsed(name string)
	envStart(base string) int
	setEnvStart(base string, i int)
	seenContent(id string) (listed, bool)
	setSeen(id string, l listed)
}

func (s *shared) reverseID(k refKey) (string, bool) { id, ok := s.reverse[k]; return id, ok }
func (s *shared) setReverse(k refKey, id string)    { s.reverse[k] = id }
func (s *shared) eachReverse(f func(refKey, string)) {
	for k, id := range s.reverse {
		f(k, id)
	}
}
func (s *shared) app(name string) (string, bool)       { m, ok := s.apps[name]; return m, ok }
func (s *shared) setApp(name, model string)            { s.apps[name] = model }
func (s *shared) envUsed(name string) bool             { return s.usedEnv[name] }
func (s *shared) setEnvUsed(name string)               { s.usedEnv[name] = true }
func (s *shared) envStart(base string) int             { return s.envNext[base] }
func (s *shared) setEnvStart(base string, i int)       { s.envNext[base] = i }
func (s *shared) seenContent(id string) (listed, bool) { l, ok := s.seen[id]; return l, ok }
func (s *shared) setSeen(id string, l listed)          { s.seen[id] = l }

// overlay is shared state with writes laid over it that reach it only
// when committed.
type overlay struct {
	base    *shared
	pending *shared
}

func (o overlay) reverseID(k refKey) (string, bool) {
	if id, ok := o.pending.reverse[k]; ok {
		return id, true
	}
	return o.base.reverseID(k)
}
func (o overlay) setReverse(k refKey, id string) { o.pending.reverse[k] = id }
func (o overlay) eachReverse(f func(refKey, string)) {
	for k, id := range o.base.reverse {
		if _, over := o.pending.reverse[k]; !over {
			f(k, id)
		}
	}
	o.pending.eachReverse(f)
}
func (o overlay) app(name string) (string, bool) {
	if m, ok := o.pending.apps[name]; ok {
		return m, true
	}
	return o.base.app(name)
}
func (o overlay) setApp(name, model string) { o.pending.apps[name] = model }
func (o overlay) envUsed(name string) bool {
	return o.pending.usedEnv[name] || o.base.usedEnv[name]
}
func (o overlay) setEnvUsed(name string) { o.pending.usedEnv[name] = true }
func (o overlay) envStart(base string) int {
	if i, ok := o.pending.envNext[base]; ok {
		return i
	}
	return o.base.envStart(base)
}
func (o overlay) setEnvStart(base string, i int) { o.pending.envNext[base] = i }
func (o overlay) seenContent(id string) (listed, bool) {
	if l, ok := o.pending.seen[id]; ok {
		return l, true
	}
	return o.base.seenContent(id)
}
func (o overlay) setSeen(id string, l listed) { o.pending.seen[id] = l }

// commit writes the pending writes into the base state.
func (o overlay) commit() {
	for k, id := range o.pending.reverse {
		o.base.reverse[k] = id
	}
	for n, m := range o.pending.apps {
		o.base.apps[n] = m
	}
	for n := range o.pending.usedEnv {
		o.base.usedEnv[n] = true
	}
	for b, i := range o.pending.envNext {
		o.base.envNext[b] = i
	}
	for id, l := range o.pending.seen {
		o.base.seen[id] = l
	}
}

// claimName hands out name k for the object with ID id: "" when k is free
// or already names id (k names id from now on), else the ID k names.
func claimName(v sharedView, k refKey, id string) (taken string) {
	if prev, dup := v.reverseID(k); dup && prev != id {
		return prev
	}
	v.setReverse(k, id)
	return ""
}

// claimApp hands out the application name (lower case) for the model:
// false when it already names another model.
func claimApp(v sharedView, name, model string) bool {
	if prev, dup := v.app(name); dup && prev != model {
		return false
	}
	v.setApp(name, model)
	return true
}

// placeholderName chooses the secret placeholder for base: the first of
// base, base_2, base_3, … not yet used. Placeholders are never released,
// so the search for base resumes where it last ended: sequences exported
// from one site repeat their step paths, and a search from 2 each time
// costs as many tries as there are sequences.
func placeholderName(v sharedView, base string) string {
	name, i := base, v.envStart(base)
	if i > 2 {
		name = base + "_" + strconv.Itoa(i)
	} else {
		i = 2
	}
	for v.envUsed(name) {
		name = base + "_" + strconv.Itoa(i)
		i++
	}
	v.setEnvStart(base, i)
	v.setEnvUsed(name)
	return name
}

// addSeen records what a step lists for download under id, unless an
// earlier step listed id.
func addSeen(v sharedView, id string, l listed) {
	if _, ok := v.seenContent(id); !ok {
		v.setSeen(id, l)
	}
}

// describeSeen describes content by ID as no list of the step being
// converted does: by what an earlier step listed it under, or else by name
// and the kind of object the name handed out for it names.
func describeSeen(v sharedView, name, id string) desired.ContentInfo {
	if l, ok := v.seenContent(strings.ToUpper(id)); ok && l.name != "" {
		return desired.ContentInfo{Name: l.name, Kind: l.kind}
	}
	// The kind of content a name handed out for id says. An ID handed
	// out under two names of different kinds (rare: the same PackageID
	// named by two kinds of step) is answered the same way every time,
	// whatever order the names are kept in: the kind of the name the step
	// lists, else of the first name in order.
	info := desired.ContentInfo{Name: name}
	var best refKey
	found := false
	v.eachReverse(func(k refKey, rid string) {
		if !strings.EqualFold(rid, id) || !object.Content.Accepts(k.kind) {
			return
		}
		if !found || describedBefore(k, best, name) {
			best, found = k, true
		}
	})
	if found {
		info.Kind = best.kind
	}
	return info
}

// describedBefore reports whether describeSeen prefers a to b for a step
// listing name: the key of that name first, then keys in order of name
// and kind.
func describedBefore(a, b refKey, name string) bool {
	am, bm := strings.EqualFold(a.name, name), strings.EqualFold(b.name, name)
	if am != bm {
		return am
	}
	if a.name != b.name {
		return a.name < b.name
	}
	return a.kind < b.kind
}

// An op is one read or write of shared state a conversion made, with
// what it read: settling replays a sequence's ops against the state the
// sequences before it left, and accepts its conversion only when every
// read answers the same.
type op struct {
	kind  opKind
	key   refKey              // opClaimName, opResolveName
	a, b  string              // opClaimName: id; opDescribe: name, id; opAddSeen: id; opClaimApp, opResolveApp: name, model; opSecret: base, name
	got   string              // what a read answered
	ok    bool                // same
	l     listed              // opAddSeen
	info  desired.ContentInfo // opDescribe
	node  *yaml.Node          // opSecret: the placeholder's node
	line  int                 // opSecret: its line in Report.Secrets
	where string              // opSecret: the line's text before the name
}

type opKind uint8

const (
	opClaimName opKind = iota
	opResolveName
	opDescribe
	opAddSeen
	opClaimApp
	opResolveApp
	opSecret
)

// String names the operation, for tests and messages.
func (k opKind) String() string {
	switch k {
	case opClaimName:
		return "claim name"
	case opResolveName:
		return "resolve name"
	case opDescribe:
		return "describe content"
	case opAddSeen:
		return "list content"
	case opClaimApp:
		return "claim application name"
	case opResolveApp:
		return "resolve application name"
	case opSecret:
		return "choose secret placeholder"
	}
	return "unknown op"
}

// replay replays ops against state, and reports whether every read
// answers as it did when they were recorded. On true it has written the
// ops' writes into state and renamed each secret placeholder state gives
// another name (in its node and in secrets, the conversion's
// Report.Secrets); on false it has changed nothing.
func replay(state *shared, ops []op, secrets []string) bool {
	o := overlay{base: state, pending: newShared()}
	type rename struct {
		op   *op
		name string
	}
	var renames []rename
	for i := range ops {
		p := &ops[i]
		switch p.kind {
		case opClaimName:
			if claimName(o, p.key, p.a) != p.got {
				return false
			}
		case opResolveName:
			if id, ok := o.reverseID(p.key); id != p.got || ok != p.ok {
				return false
			}
		case opDescribe:
			if describeSeen(o, p.a, p.b) != p.info {
				return false
			}
		case opAddSeen:
			addSeen(o, p.a, p.l)
		case opClaimApp:
			if claimApp(o, p.a, p.b) != p.ok {
				return false
			}
		case opResolveApp:
			if m, ok := o.app(p.a); m != p.got || ok != p.ok {
				return false
			}
		case opSecret:
			if name := placeholderName(o, p.a); name != p.b {
				renames = append(renames, rename{p, name})
			}
		}
	}
	// A placeholder's name says nothing else about the conversion
	// (refusal checks every placeholder under a canonical name), so a
	// conversion that chose others is the same with these.
	for _, r := range renames {
		r.op.node.Value = r.name
		// the line of a placeholder a discarded form chose may be
		// another's by now: each is renamed only from its own text
		if r.op.line < len(secrets) && secrets[r.op.line] == r.op.where+r.op.b {
			secrets[r.op.line] = r.op.where + r.name
		}
	}
	o.commit()
	return true
}
