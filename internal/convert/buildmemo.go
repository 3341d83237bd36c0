package convert

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/object"
)

// Building a converted step back and comparing it with the original (the
// first check verify makes) costs as much as converting it. Sequences
// exported from one site repeat most of their steps, so verify remembers
// that check's answer by what it is a function of, and answers a step of
// a shape it has checked without building or comparing anything.
//
// Why the answer is a function of what it is remembered by:
//
//   - build(n) decodes the node n (config.DecodeStep reads n alone: its
//     kinds, tags, values and content, never its position) and builds it
//     with desired.Builder, which reads nothing but the decoded step, the
//     static class catalogue and what its resolver answers. verifyResolver
//     answers Program, CheckID and Secret the same way whatever it is
//     asked (nil, nil, ""), and ID, Application, AppDisplayName and
//     DescribeContent from state: those four are the queries remembered,
//     in order, with their answers. Which query comes next depends on n
//     and the answers before it, so the same n asked the same answers
//     asks the same queries and builds the same step.
//   - same(orig, got) reads orig and the built step alone.
//
// So the key is n's nodeKey and orig's stepKey (every field of
// model.Step: TestStepKeySeesEveryField), and the value the queries with
// their answers and the verdict. A step of a remembered key asks the
// resolver the same queries again, in order, through verifyResolver, so
// the journal All keeps records exactly the reads a build would have
// made; the verdict stands only when every answer is the remembered one,
// else the step is built (and the reads asked again are struck from the
// journal first: a build records its own).
//
// The env names secret wrote into n are keyed as SECRET_1, SECRET_2, …
// in order (as refusal does): a build reads an {env: NAME} only to pass
// it to Secret, which answers "" for any name, and through the schema
// (minLength 1) and checkTree (no control character), which every name
// secret writes passes (letters, digits and _).
//
// Only two verdicts are remembered: n does not build (notBuilt: verify
// answers false), and n builds a step a site stores as orig (storesOrig:
// verify goes on to validate n). A step built otherwise (buildsOther)
// goes on to the override paths, which read the built step itself, and
// is always built.
//
// An entry of storesOrig also holds, once verify has asked, what refusal
// answered for n: a function of n's nodeKey (its placeholders renamed as
// above), the first part of the key. verify renames n's placeholders once
// for both checks, and refusal takes n's key from the first check's
// (refusalOf); a step of a remembered shape is then validated from
// memory too, without working its key out again or asking refusal's memo.
//
// Entries are found by the SHA-256 of the key, not the key: a key holds
// the step twice over (its YAML and its original, about 800 bytes on
// the generated workloads), and maxBuilds of them would be 16 MB where
// their hashes are 0.6 MB. Two keys of one hash are what SHA-256 is made
// never to give (the key is length-prefixed throughout, so two keys are
// two steps), so a hash stands for its key. An entry is about 120 bytes
// (the hash, the verdict, 0.4 queries of 96 bytes on average): the memo
// stays under 3 MB.
type buildMemo struct {
	mu  sync.Mutex
	m   map[[sha256.Size]byte]buildAnswer // by the SHA-256 of the key
	max int                               // entries kept at most (0: none, the memo is off)
	// first checks answered from memory; built because a remembered key's
	// queries answered differently; built because the key was not
	// remembered (or n has none)
	hits, stale, misses atomic.Int64
}

// buildAnswer is what verify's first check found for a key: the queries
// the build asked, with their answers, and the verdict (notBuilt or
// storesOrig); for storesOrig, once verify has worked it out, what tsctl
// validate says of the node (refusal: a function of the node's key, the
// first part of the key, see checkKey).
type buildAnswer struct {
	queries  []resolverQuery
	verdict  buildVerdict
	why      string // refusal's answer, when whyKnown
	whyKnown bool
}

// buildVerdict is what verify's first check finds of a converted step.
type buildVerdict uint8

const (
	notBuilt    buildVerdict = iota // the node does not build
	storesOrig                      // it builds a step a site stores as the original
	buildsOther                     // it builds another step
)

// String names the verdict, for tests.
func (v buildVerdict) String() string {
	switch v {
	case notBuilt:
		return "does not build"
	case storesOrig:
		return "builds the original"
	case buildsOther:
		return "builds another step"
	}
	return "unknown verdict"
}

// resolverQuery is one question a build asked verifyResolver, with its
// answer.
type resolverQuery struct {
	kind queryKind
	ref  object.Kind // queryID
	a, b string      // arguments: queryID, queryApp, queryAppDisplay: name or model; queryDescribe: name, id
	// answers
	got  string // queryID: the ID; queryApp: the model; queryAppDisplay: the display name
	ok   bool   // queryID, queryApp: no error; queryAppDisplay, queryDescribe: ok
	info desired.ContentInfo
}

type queryKind uint8

const (
	queryID         queryKind = iota // ID: a name to the ID it was handed out for
	queryApp                         // Application: an application name to its model
	queryAppDisplay                  // AppDisplayName: what the step lists for a model
	queryDescribe                    // DescribeContent: how content is listed
)

// String names the query, for tests.
func (k queryKind) String() string {
	switch k {
	case queryID:
		return "ID"
	case queryApp:
		return "Application"
	case queryAppDisplay:
		return "AppDisplayName"
	case queryDescribe:
		return "DescribeContent"
	}
	return "unknown query"
}

// maxBuilds bounds the step shapes a buildMemo remembers.
const maxBuilds = 20_000

func newBuildMemo(max int) *buildMemo {
	return &buildMemo{m: map[[sha256.Size]byte]buildAnswer{}, max: max}
}

func (c *Converter) buildMemo() *buildMemo {
	if c.builds == nil {
		c.builds = newBuildMemo(maxBuilds)
	}
	return c.builds
}

func (m *buildMemo) get(sum [sha256.Size]byte) (buildAnswer, bool) {
	m.mu.Lock()
	a, ok := m.m[sum]
	m.mu.Unlock()
	return a, ok
}

func (m *buildMemo) put(sum [sha256.Size]byte, a buildAnswer) {
	m.mu.Lock()
	if len(m.m) < m.max {
		m.m[sum] = a
	}
	m.mu.Unlock()
}

// setWhy adds refusal's answer to the entry of sum, when it holds the
// verdict storesOrig.
func (m *buildMemo) setWhy(sum [sha256.Size]byte, why string) {
	m.mu.Lock()
	if a, ok := m.m[sum]; ok && a.verdict == storesOrig {
		a.why, a.whyKnown = why, true
		m.m[sum] = a
	}
	m.mu.Unlock()
}

// buildStats are the counts of verify's first checks (see buildMemo).
type buildStats struct{ hits, stale, misses int64 }

func (m *buildMemo) stats() buildStats {
	return buildStats{m.hits.Load(), m.stale.Load(), m.misses.Load()}
}

// checkKey is the key of verify's first check of a node against an
// original step (see buildMemo): its SHA-256, and the node's own key
// (nodeKey, its placeholders renamed SECRET_1, … in order), which is the
// key refusal remembers its answer by; keyed is false when the node has
// none (it holds an alias). why and whyKnown are refusal's answer, when
// the memo held it.
type checkKey struct {
	sum      [sha256.Size]byte
	node     []byte
	keyed    bool
	why      string
	whyKnown bool
}

// buildKey appends to b the key of verify's first check of n against
// orig: n's nodeKey, then orig's stepKey; false when n is not keyed (it
// holds an alias). nodeLen is the length of n's key in it. n's
// placeholders are renamed SECRET_1, … while the key is worked out,
// unless they already are (canonicalEnv).
func (c *Converter) buildKey(b []byte, n *yaml.Node, orig *model.Step) (key []byte, nodeLen int, keyed bool) {
	if len(c.placeholders) > 0 {
		defer c.canonicalEnv(n)()
	}
	b, ok := nodeKey(b, n)
	if !ok {
		return b, 0, false
	}
	return stepKey(b, orig), len(b), true
}

// firstCheck is verify's first check: whether n builds, and whether the
// step it builds is what a site stores of orig; got is the step built,
// when it was (a verdict answered from memory, see buildMemo, has none:
// only notBuilt and storesOrig are remembered, which need none). k is the
// key it was checked by; a caller that goes on to refusal with n as it is
// passes it to refusalOf, which answers from the memo or tells it the
// answer (setWhy).
func (c *Converter) firstCheck(n *yaml.Node, orig *model.Step) (got *model.Step, v buildVerdict, k checkKey) {
	if c.checked != nil {
		defer func() { c.checked(v) }()
	}
	memo := c.buildMemo()
	key, nodeLen, keyed := c.buildKey(c.buildBuf[:0], n, orig)
	if keyed {
		c.buildBuf = key
		k = checkKey{sum: sha256.Sum256(key), node: key[:nodeLen], keyed: true}
		if a, ok := memo.get(k.sum); ok {
			if c.askAgain(a.queries) {
				memo.hits.Add(1)
				k.why, k.whyKnown = a.why, a.whyKnown
				return nil, a.verdict, k
			}
			memo.stale.Add(1)
		} else {
			memo.misses.Add(1)
		}
	} else {
		memo.misses.Add(1)
	}
	var queries []resolverQuery
	log := &queries
	if !keyed {
		log = nil
	}
	got = c.buildWith(n, log)
	switch {
	case got == nil:
		v = notBuilt
	case c.same(orig, got):
		v = storesOrig
	default:
		return got, buildsOther, k
	}
	if keyed {
		memo.put(k.sum, buildAnswer{queries: queries, verdict: v})
	}
	return got, v, k
}

// askAgain asks verifyResolver the queries in order, and reports whether
// each answers as remembered. On false, the reads it recorded in the
// journal are struck from it.
func (c *Converter) askAgain(queries []resolverQuery) bool {
	mark := 0
	if c.journal != nil {
		mark = len(*c.journal)
	}
	v := verifyResolver{c}
	for _, q := range queries {
		same := false
		switch q.kind {
		case queryID:
			id, err := v.ID(q.ref, q.a)
			same = id == q.got && (err == nil) == q.ok
		case queryApp:
			m, _, err := v.Application(q.a)
			same = m == q.got && (err == nil) == q.ok
		case queryAppDisplay:
			d, ok := v.AppDisplayName(q.a)
			same = d == q.got && ok == q.ok
		case queryDescribe:
			info, ok := v.DescribeContent(q.a, q.b)
			same = info == q.info && ok == q.ok
		}
		if !same {
			if c.journal != nil {
				*c.journal = (*c.journal)[:mark]
			}
			return false
		}
	}
	return true
}

// recordingResolver is verifyResolver noting every query whose answer
// depends on state (see buildMemo) in log.
type recordingResolver struct {
	verifyResolver
	log *[]resolverQuery
}

func (r recordingResolver) ID(kind object.Kind, name string) (string, error) {
	id, err := r.verifyResolver.ID(kind, name)
	*r.log = append(*r.log, resolverQuery{kind: queryID, ref: kind, a: name, got: id, ok: err == nil})
	return id, err
}

func (r recordingResolver) Application(name string) (string, string, error) {
	m, display, err := r.verifyResolver.Application(name)
	*r.log = append(*r.log, resolverQuery{kind: queryApp, a: name, got: m, ok: err == nil})
	return m, display, err
}

func (r recordingResolver) AppDisplayName(model string) (string, bool) {
	d, ok := r.verifyResolver.AppDisplayName(model)
	*r.log = append(*r.log, resolverQuery{kind: queryAppDisplay, a: model, got: d, ok: ok})
	return d, ok
}

func (r recordingResolver) DescribeContent(name, id string) (desired.ContentInfo, bool) {
	info, ok := r.verifyResolver.DescribeContent(name, id)
	*r.log = append(*r.log, resolverQuery{kind: queryDescribe, a: name, b: id, info: info, ok: ok})
	return info, ok
}

// stepKey appends to b a key of s holding every field of model.Step
// (strings length-prefixed, optional values with a presence byte, lists
// with whether they are nil and their length, child steps and elements
// whole), so that two steps with one key are equal field for field
// (reflect.DeepEqual).
func stepKey(b []byte, s *model.Step) []byte {
	b = binary.AppendUvarint(b, uint64(s.Kind))
	b = keyString(b, s.Type)
	b = keyString(b, s.Name)
	b = keyString(b, s.Description)
	b = keyBool(b, s.Disabled)
	b = keyBool(b, s.ContinueOnError)
	for _, p := range [...]*string{s.RunIn, s.SuccessCodes, s.RetryCount, s.RunFromNet, s.Timeout, s.Action} {
		b = keyOptional(b, p)
	}
	b = keyAttrs(b, s.Extra)
	b = keyBool(b, s.Condition != nil)
	if s.Condition != nil {
		b = elemKey(b, s.Condition)
	}
	b = keyLen(b, s.Vars == nil, len(s.Vars))
	for _, v := range s.Vars {
		b = keyString(b, v.Name)
		b = keyString(b, v.Property)
		b = keyBool(b, v.Hidden)
		b = keyString(b, v.Value)
	}
	b = keyList(b, s.Steps, stepKey)
	b = keyList(b, s.ExtraElems, elemKey)
	b = keyLen(b, s.Layout == nil, len(s.Layout))
	for _, l := range s.Layout {
		b = keyString(b, l)
	}
	return b
}

// elemKey appends to b a key of e holding every field of model.Elem.
func elemKey(b []byte, e *model.Elem) []byte {
	b = keyString(b, e.Name)
	b = keyAttrs(b, e.Attrs)
	b = keyString(b, e.Text)
	return keyList(b, e.Children, elemKey)
}

// keyList appends to b a key of list: nil or not, its length, and each
// item, nil or not, by key.
func keyList[T any](b []byte, list []*T, key func([]byte, *T) []byte) []byte {
	b = keyLen(b, list == nil, len(list))
	for _, x := range list {
		b = keyBool(b, x != nil)
		if x != nil {
			b = key(b, x)
		}
	}
	return b
}

func keyAttrs(b []byte, attrs []model.Attr) []byte {
	b = keyLen(b, attrs == nil, len(attrs))
	for _, a := range attrs {
		b = keyString(b, a.Name)
		b = keyString(b, a.Value)
	}
	return b
}

// keyLen keys a list by whether it is nil (which a nil Layout, say, means
// apart from an empty one) and its length.
func keyLen(b []byte, null bool, n int) []byte {
	b = keyBool(b, null)
	return binary.AppendUvarint(b, uint64(n))
}

func keyString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func keyBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func keyOptional(b []byte, p *string) []byte {
	if p == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	return keyString(b, *p)
}
